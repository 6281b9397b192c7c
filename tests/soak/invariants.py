"""One checker for every run: after the load and the faults, the database and the emulator's
record must show each acked cause's effects exactly once, and each thread in order.

- briefs: one per acked form submission (by its unique title), none other;
- transitions: each brief's audit trail is exactly the acked steps, in order;
- Slack effects: every outbox row delivered (none pending, none failed), and every call the
  emulator answered `ok` for an outbox method matched to exactly one delivered row by its
  payload (references resolved): a call with no row left is a duplicate, a row with no call
  is lost. Calls of one ordering key (a brief's thread, a person's DMs, an intake thread) must
  reach Slack in the rows' order;
- intake: one stored request per acked message, each classified;
- reminders, escalations and digests: counted per kind, observed (emulator) against expected
  (rows the database says were sent), and the digest runs against the digest messages.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.digests.models import DigestRun
from bot.emulator import SlackEmulator
from bot.emulator.records import Call
from bot.intake.models import IntakeRequest, IntakeStatus
from bot.sla.models import Reminder, ReminderStatus
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.slack.outbox import FILE_UPLOAD, NotYetPosted, resolve_refs
from bot.storage.database import Database
from tests.soak.load import Ledger

ESCALATIONS = "C03ESC"
# Calls whose repeat changes nothing a person sees, as long as it repeats the latest call of its
# message (a repeated update after a newer one would bring back an old state: that is reported).
IDEMPOTENT = {"chat.update", "views.publish", "views.update"}


@dataclass
class Tally:
    expected: int = 0
    observed: int = 0
    lost: int = 0
    duplicated: int = 0


@dataclass
class Verdict:
    kinds: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, expected: int, observed: int) -> None:
        tally = self.kinds[kind]
        tally.expected += expected
        tally.observed += observed
        tally.lost += max(0, expected - observed)
        tally.duplicated += max(0, observed - expected)

    def problem(self, text: str) -> None:
        self.problems.append(text)


def fingerprint(payload: dict[str, Any]) -> str:
    """A call's identity: its arguments, minus what the sender may add per attempt."""
    kept = {k: v for k, v in payload.items() if k not in ("metadata", "token")}
    return json.dumps(kept, sort_keys=True, ensure_ascii=False)


def kind_of(row: OutboxMessage, payload: dict[str, Any]) -> str:
    key = row.ordering_key or ""
    text = str(payload.get("text") or "")
    if row.method != "chat.postMessage":
        return row.method  # updates of parents, ephemerals, home tabs
    if payload.get("channel") == ESCALATIONS:
        return "escalations"
    if key.startswith("digest:"):
        return "digests"
    if key.startswith("dm:"):
        return "reminders" if "waits on you" in text else "direct messages"
    if key.startswith("intake"):
        return "intake replies"
    if key.startswith("brief") and "thread_ts" in payload:
        return "thread messages"
    if key.startswith("brief"):
        return "brief parents"
    return "other posts"


def check(db: Database, emulator: SlackEmulator, ledger: Ledger) -> Verdict:
    verdict = Verdict()
    for error in ledger.errors:
        verdict.problem(f"load: {error}")
    with db.read() as session:
        _briefs_and_transitions(session, ledger, verdict)
        _intake(session, ledger, verdict)
        _slack_effects(session, emulator, verdict)
        _scheduled(session, verdict)
    return verdict


def _briefs_and_transitions(session: Any, ledger: Ledger, verdict: Verdict) -> None:
    briefs = session.scalars(select(Brief)).all()
    titles = Counter(b.title for b in briefs)
    verdict.add("briefs", len(ledger.briefs), sum(titles[t] for t in ledger.briefs))
    for title, n in titles.items():
        if title not in ledger.briefs:
            verdict.problem(f"brief {title!r} exists but no submission of it was acked")
        elif n != 1:
            verdict.problem(f"brief {title!r} exists {n} times")
    for title in ledger.briefs:
        if titles[title] == 0:
            verdict.problem(f"brief {title!r} was acked but is not in the database")
    by_title = {b.title: b for b in briefs}
    for title, expected in ledger.briefs.items():
        brief = by_title.get(title)
        actual = (
            list(
                session.scalars(
                    select(AuditEvent.action)
                    .where(AuditEvent.brief_id == brief.id)
                    .order_by(AuditEvent.id)
                )
            )
            if brief is not None
            else []
        )
        moves = [
            a for a in actual if a in {"create", "submit", "approve", "request_changes", "resubmit"}
        ]
        verdict.add("transitions", len(expected), len(moves))
        if moves != expected:
            verdict.problem(f"brief {title!r}: audit {moves}, acked steps {expected}")


def _intake(session: Any, ledger: Ledger, verdict: Verdict) -> None:
    requests = session.scalars(select(IntakeRequest)).all()
    stored = Counter((r.channel_id, r.ts) for r in requests)
    verdict.add("intake requests", len(ledger.intake), sum(stored[k] for k in ledger.intake))
    for key in ledger.intake:
        if stored[key] != 1:
            verdict.problem(f"intake message {key} stored {stored[key]} times")
    for request in requests:
        if (request.channel_id, request.ts) not in ledger.intake:
            verdict.problem(f"intake request {request.id} has no acked message")
        if request.status == IntakeStatus.RECEIVED:
            verdict.problem(f"intake request {request.id} was never classified")


def _slack_effects(session: Any, emulator: SlackEmulator, verdict: Verdict) -> None:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    methods = {row.method for row in rows} - {FILE_UPLOAD}
    waiting: dict[str, deque[tuple[OutboxMessage, str]]] = defaultdict(deque)
    expected: Counter[str] = Counter()
    kinds: dict[str, str] = {}  # a duplicate counts under the kind of the row it repeats
    repeats: dict[str, OutboxMessage] = {}
    for row in rows:
        if row.method == FILE_UPLOAD:
            verdict.problem(f"outbox row {row.id}: a file upload (the soak policy avoids them)")
            continue
        if row.status != OutboxStatus.DELIVERED:
            verdict.problem(
                f"outbox row {row.id} ({row.method}) is {row.status}: {row.last_error or ''}"
            )
            continue
        try:
            payload = resolve_refs(session, row.payload)
        except NotYetPosted as missing:
            verdict.problem(f"outbox row {row.id} refers to {missing}, never posted")
            continue
        kind = kind_of(row, payload)
        expected[kind] += 1
        waiting[fingerprint(payload)].append((row, kind))
        kinds[fingerprint(payload)] = kind
        repeats[fingerprint(payload)] = row
    observed: Counter[str] = Counter()
    order: dict[str, list[int]] = defaultdict(list)
    for call in emulator.calls:
        if not call.ok or call.method not in methods:
            continue
        queue = waiting.get(fingerprint(call.args))
        if not queue:
            repeated = repeats.get(fingerprint(call.args))
            if repeated is not None and call.method in IDEMPOTENT:
                latest = order.get(repeated.ordering_key or "", [repeated.id])[-1]
                verdict.kinds[f"{call.method} repeated (harmless)"].observed += 1
                if latest != repeated.id:
                    verdict.problem(
                        f"{call.method} of outbox row {repeated.id} repeated after row {latest}: "
                        "an older state shown again"
                    )
                continue
            kind = kinds.get(fingerprint(call.args)) or _call_kind(call)
            observed[kind] += 1
            verdict.problem(
                f"{call.method} to {call.args.get('channel')} with no row left: "
                f"a duplicate ({_short(call)})"
            )
            continue
        row, kind = queue.popleft()
        observed[kind] += 1
        if row.ordering_key:
            order[row.ordering_key].append(row.id)
    for queue in waiting.values():
        for row, _kind in queue:
            verdict.problem(
                f"outbox row {row.id} ({row.method}) delivered but Slack has no such call"
            )
    for kind in sorted(set(expected) | set(observed)):
        verdict.add(kind, expected[kind], observed[kind])
    for key, ids in order.items():
        if ids != sorted(ids):
            verdict.problem(f"{key}: reached Slack in the order {ids}, written {sorted(ids)}")


def _call_kind(call: Call) -> str:
    if call.method != "chat.postMessage":
        return call.method
    if call.args.get("channel") == ESCALATIONS:
        return "escalations"
    return "thread messages" if call.args.get("thread_ts") else "other posts"


def _short(call: Call) -> str:
    return str(call.args.get("text") or "")[:80]


def _scheduled(session: Any, verdict: Verdict) -> None:
    """The rows behind reminders and digests, for the summary: each was claimed once (the
    unique keys), and an empty digest sends nothing."""
    sent = session.scalars(select(Reminder).where(Reminder.status == ReminderStatus.SENT)).all()
    verdict.kinds["reminder rows sent"].expected += len(sent)
    verdict.kinds["reminder rows sent"].observed += len(sent)
    runs = session.scalars(select(DigestRun).where(DigestRun.empty.is_(False))).all()
    verdict.kinds["digest runs sent"].expected += len(runs)
    verdict.kinds["digest runs sent"].observed += len(runs)
    digests = verdict.kinds.get("digests")
    if digests is not None and digests.expected < len(runs):
        verdict.problem(f"{len(runs)} digest runs recorded, {digests.expected} digest messages")
