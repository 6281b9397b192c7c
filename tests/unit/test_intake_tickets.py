"""The intake queue as the database holds it: what is open, in which order, and a requester's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.intake import tickets
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from bot.storage.database import Database
from policies.intake_schema import OUT_OF_SCOPE

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _request(n: int, **values: object) -> IntakeRequest:
    defaults: dict[str, object] = {
        "channel_id": "C02INTAKE",
        "ts": f"1700000000.{n:06d}",
        "user_id": "U01RITA",
        "text": f"request {n}",
        "status": IntakeStatus.ROUTED,
        "label": "web_update",
        "ticket_status": TicketStatus.NEW,
        "urgent": False,
        "corrected": False,
        "received_at": T0 + timedelta(minutes=n),
    }
    return IntakeRequest(**{**defaults, **values})


def test_the_open_queue_is_what_still_needs_someone_most_pressing_first(db: Database) -> None:
    with db.transaction() as session:
        session.add_all(
            [
                _request(1, ticket_status=TicketStatus.CLAIMED, claimed_by="U04OMAR"),
                _request(2),
                _request(3, status=IntakeStatus.AWAITING_CONFIRMATION, label=None),
                _request(4, ticket_status=TicketStatus.DONE, done_by="U04OMAR"),
                _request(5, label=OUT_OF_SCOPE, ticket_status=TicketStatus.DONE),
                _request(6, status=IntakeStatus.RECEIVED, label=None),  # being classified
                _request(7, urgent=True, ticket_status=TicketStatus.CLAIMED, claimed_by="U05SAM"),
                _request(8, user_id="U02BRAM"),
            ]
        )
    with db.read() as session:
        shown = [r.text for r in tickets.open_requests(session)]
        assert shown == ["request 7", "request 3", "request 2", "request 8", "request 1"]
        assert tickets.count_open(session) == 5
        assert [r.text for r in tickets.open_requests(session, limit=2)] == shown[:2]
        mine = [r.text for r in tickets.requests_of(session, "U01RITA")]
        assert mine == [f"request {n}" for n in (7, 6, 5, 4, 3, 2, 1)]


def test_two_people_claiming_at_once_make_one_claim(db: Database) -> None:
    """Each claim locks the request: the second sees the first's claim and is refused."""
    import threading
    from pathlib import Path

    from bot.briefs.service import Actor
    from bot.slack.models import OutboxMessage
    from policies.intake_schema import load_intake
    from policies.loader import load_policy

    root = Path(__file__).resolve().parents[2] / "policies"
    policy, routes = load_policy(root / "default.yaml"), load_intake(root / "intake.yaml")
    with db.transaction() as session:
        session.add(_request(1))
    barrier = threading.Barrier(2)
    answers = []

    def claim(user: str) -> None:
        barrier.wait()
        with db.transaction() as session:
            answers.append(
                tickets.claim(
                    session,
                    policy,
                    routes,
                    request_id=1,
                    actor=Actor(user, ["S04TRIAGE"]),
                    delivery_key=f"claim-{user}",
                    now=T0,
                )
            )

    threads = [threading.Thread(target=claim, args=(u,)) for u in ("U04OMAR", "U05SAM")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.ok for a in answers) == [False, True]
    assert "has already claimed" in next(a.message for a in answers if not a.ok)
    with db.read() as session:
        posted = [
            row.payload.get("text", "")
            for row in session.query(OutboxMessage).filter(
                OutboxMessage.method == "chat.postMessage"
            )
        ]
    assert len([text for text in posted if "claimed this" in text]) == 1


def test_a_routed_request_names_the_reviewers_its_claims_need() -> None:
    from pathlib import Path

    from bot.compliance.service import needs_human, reviewers_for
    from bot.intake import messages
    from policies.intake_schema import load_intake
    from policies.loader import load_policy

    root = Path(__file__).resolve().parents[2] / "policies"
    policy, routes = load_policy(root / "default.yaml"), load_intake(root / "intake.yaml")
    findings = needs_human(policy, "tweet that investors get guaranteed 20% returns")
    assert findings is not None and reviewers_for(policy, findings) == ["@legal-team"]
    assert reviewers_for(policy, None) == ["@legal-team"]  # unreadable rules: every gate stage
    request = _request(
        1, label="social_post", regulated=["financial_promise"], reviewers=["@legal-team"], id=1
    )
    text, _ = messages.route_view(policy, routes, request)
    assert "<!subteam^S10SOCIAL|@social-team>" in text and "<!subteam^S02LEGAL|@legal-team>" in text
    assert "It makes a regulated claim (financial promise)" in text
    request.regulated = ["pricing_offer", "privacy_data"]  # named as the rules name them
    text, _ = messages.route_view(policy, routes, request)
    assert "It makes a regulated claim (pricing or offer, personal data)" in text
    request.regulated = [messages.UNREADABLE_RULES]
    text, _ = messages.route_view(policy, routes, request, mention=False)
    assert "The compliance rules could not be read, so *@legal-team* must review it" in text
