"""What intake says to people, without the model: labels by their titles, and why it asks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.intake import forms, messages, tickets
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from policies.intake_schema import IntakeTaxonomy, load_intake
from policies.loader import load_policy
from policies.schema import Policy

ROOT = Path(__file__).resolve().parents[2] / "policies"
ASKED = "<@U01RITA> or <!subteam^S04TRIAGE|@triage>: which is it?"


@pytest.fixture(scope="module")
def shipped() -> tuple[Policy, IntakeTaxonomy]:
    return load_policy(ROOT / "default.yaml"), load_intake(ROOT / "intake.yaml")


def _request(**values: object) -> IntakeRequest:
    defaults: dict[str, object] = {
        "id": 2,
        "channel_id": "C02INTAKE",
        "ts": "1700000000.000002",
        "user_id": "U01RITA",
        "text": "what utm_source do we use for linkedin?",
        "status": IntakeStatus.ROUTED,
        "ticket_status": TicketStatus.NEW,
        "urgent": False,
        "received_at": datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
    }
    return IntakeRequest(**{**defaults, **values})


def test_a_label_is_shown_by_its_title(shipped: tuple[Policy, IntakeTaxonomy]) -> None:
    policy, routes = shipped
    request = _request(label="utm_links", confidence=0.9)
    text, _ = messages.route_view(policy, routes, request)
    assert "as *UTM links* (90% sure)" in text
    assert "*UTM links* for *@mops-admins*" in tickets.queue_line(policy, routes, request)
    options = forms.relabel_form(routes, request_id=2, channel=None)["blocks"][0]["element"]
    shown = [option["text"]["text"] for option in options["options"]]
    assert "UTM links" in shown and "Campaign brief" in shown
    assert shown[-1] == "Not a marketing request"
    # A label since removed from the policy, on an old request: its name, capitalised.
    old = _request(label="print_ads", ticket_status=TicketStatus.DONE)
    assert "*Print ads* for nobody" in tickets.queue_line(policy, routes, old)


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("low_confidence", " (it doesn't clearly fit one kind of request)"),
        ("close_call", " (it could be either of two kinds of request)"),
        ("out_of_scope", " (it may not be a marketing request)"),
        (None, ""),  # no reason recorded: no empty parentheses
    ],
)
def test_the_unsure_question_says_why_in_plain_words(
    shipped: tuple[Policy, IntakeTaxonomy], reason: str | None, why: str
) -> None:
    policy, routes = shipped
    request = _request(
        status=IntakeStatus.AWAITING_CONFIRMATION,
        reason=reason,
        top3=[["utm_links", 0.48], ["tooling_issue", 0.41], ["print_ads", 0.11]],
    )
    text, built = messages.question_view(policy, routes, request, ())
    assert text == f"I'm not sure how to route this{why}. {ASKED}"
    buttons = [element["text"]["text"] for element in built[-1].to_dict()["elements"]]
    # print_ads is no longer in the policy: not offered.
    assert buttons == ["UTM links (48%)", "Tooling issue (41%)", "Something else"]


def test_a_request_waiting_for_a_label_says_so_once_in_a_list(
    shipped: tuple[Policy, IntakeTaxonomy],
) -> None:
    policy, routes = shipped
    waiting = _request(label=None, status=IntakeStatus.AWAITING_CONFIRMATION, urgent=True)
    line = tickets.queue_line(policy, routes, waiting)
    assert line.startswith("• :rotating_light: #2 waiting for a label · <@U01RITA> in <#C02INTAKE>")
    assert line.lower().count("waiting for a label") == 1
    routed = tickets.queue_line(policy, routes, _request(label="utm_links"))
    assert (
        "#2 *UTM links* for *@mops-admins* · New: nobody has claimed it yet · <@U01RITA>" in routed
    )
