"""What intake says to people, without the model: labels by their titles."""

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
