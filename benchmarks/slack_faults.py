"""Slack's bad weather against the real bot: every delivery with Slack's retries, and Web API
faults at the given rates (429, 5xx, posts made but answered too late).

People file `--briefs` briefs and approve each one, every form submission and click sent with
`--retries` redeliveries at the same moment; the emulator answers the bot's writes with the
seeded `FaultPlan`. When the outbox has drained, the emulator's record is checked against the
outbox: every post in Slack exactly once (by its outbox id in the message metadata), every
thread in the order its rows were written, every transition once.

Prints: deliveries and redeliveries sent, faults injected by kind, read-backs of ambiguous posts,
posts expected / found once / missing / duplicated, transitions expected / found, threads out of
order, and the time from the last click to the drained outbox. Pass: nothing missing, nothing
duplicated, nothing out of order.

    .venv/bin/python benchmarks/slack_faults.py [--briefs 20] [--retries 3] [--ratelimited 0.1]
        [--server-error 0.05] [--timeout 0.05] [--seed 14] [--database-url URL]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.audit.models import AuditEvent
from bot.briefs.examples import example_values
from bot.core.logs import configure_logging
from bot.emulator.faults import FaultPlan
from bot.emulator.records import Message
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.slack.settle import OUTBOX_EVENT

BOT_TIMEOUT = 0.5  # the bot's Web API timeout; a late answer comes after 1 s


def _wait(condition: Callable[[], object], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def _pending(local: LocalBot) -> int:
    with local.runtime.db.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
            or 0
        )


def _approve_button(local: LocalBot, parent: Message) -> Message | None:
    message = local.emulator.message(parent.channel, parent.ts)
    if message is None:
        return None
    labels = [
        (e.get("text") or {}).get("text")
        for b in message.blocks
        if b.get("type") == "actions"
        for e in b.get("elements") or []
    ]
    return message if "Approve" in labels else None


def _parent(local: LocalBot, n: int) -> Message | None:
    return next(
        (m for m in local.slack.messages() if re.match(rf"Brief #{n}\b", m.text) and m.is_bot),
        None,
    )


def run(local: LocalBot, briefs: int, retries: int) -> dict[str, float]:
    driver, slack = local.driver, local.slack
    sent = 0
    parents: list[Message] = []
    for n in range(1, briefs + 1):
        slack.command("/brief new", as_user="rita")
        values = example_values(
            local.runtime.policy.workflows.brief.template, required_only=True, title=f"Brief {n}"
        )
        driver.submit_view("rita", values, redeliveries=retries)
        sent += 1
        _wait(lambda n=n: _parent(local, n) is not None, f"brief {n} posted")
        parent = _parent(local, n)
        assert parent is not None
        parents.append(parent)
    for parent in parents:
        _wait(lambda p=parent: _approve_button(local, p) is not None, "an Approve button")
        target = _approve_button(local, parent)
        assert target is not None
        driver.click(target, "Approve", "bram", redeliveries=retries)
        sent += 1
    clicked = time.monotonic()
    _wait(lambda: _pending(local) == 0, "the outbox to drain", timeout=600)
    drained = time.monotonic() - clicked
    return {"deliveries": sent, "redeliveries": sent * retries, "drain_s": drained}


def check(local: LocalBot, briefs: int) -> dict[str, int]:
    with local.runtime.db.read() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        approvals = (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "approve")
            )
            or 0
        )
    found: dict[int, list[Message]] = defaultdict(list)
    for message in local.emulator.workspace.all_messages():
        meta = message.metadata or {}
        if meta.get("event_type") == OUTBOX_EVENT:
            found[int(meta["event_payload"]["outbox_id"])].append(message)
    posts = [r for r in rows if r.method == "chat.postMessage"]
    by_key: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in posts:
        if len(found.get(row.id, [])) == 1 and row.ordering_key:
            by_key[row.ordering_key].append(row)
    out_of_order = sum(
        1
        for key_rows in by_key.values()
        if [found[r.id][0].ts for r in key_rows] != sorted(found[r.id][0].ts for r in key_rows)
    )
    return {
        "posts_expected": len(posts),
        "posts_once": sum(1 for r in posts if len(found.get(r.id, [])) == 1),
        "posts_missing": sum(1 for r in posts if not found.get(r.id)),
        "posts_duplicated": sum(1 for r in posts if len(found.get(r.id, [])) > 1),
        "rows_failed": sum(1 for r in rows if r.status == OutboxStatus.FAILED),
        "transitions_expected": briefs,
        "transitions_found": approvals,
        "threads_out_of_order": out_of_order,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=20)
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--ratelimited", type=float, default=0.1)
    parser.add_argument("--server-error", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    configure_logging("WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="mopsbot-faults-"))
    url = args.database_url or f"sqlite:///{workdir / 'mopsbot.db'}"
    plan = FaultPlan(
        ratelimited=args.ratelimited,
        server_error=args.server_error,
        timeout_after_accept=args.timeout,
        seed=args.seed,
        late_by=2 * BOT_TIMEOUT,
    )
    settings = Settings(database_url=url, slack_timeout=BOT_TIMEOUT)
    try:
        with local_bot(settings, schedule=False, faults=plan) as local:
            figures = run(local, args.briefs, args.retries)
            result = check(local, args.briefs)
            calls = Counter(call.method for call in local.emulator.calls)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"database: {url.split(':')[0]}, briefs: {args.briefs}, seed: {args.seed}")
    print(f"deliveries sent: {figures['deliveries']}, redeliveries: {figures['redeliveries']}")
    print("faults injected: " + ", ".join(f"{k}={v}" for k, v in sorted(plan.injected.items())))
    print(
        "read-backs of ambiguous posts: "
        f"history={calls['conversations.history']} replies={calls['conversations.replies']}"
    )
    print(", ".join(f"{k}={v}" for k, v in result.items()))
    print(f"outbox drained {figures['drain_s']:.1f} s after the last click")
    ok = (
        result["posts_missing"] == 0
        and result["posts_duplicated"] == 0
        and result["threads_out_of_order"] == 0
        and result["rows_failed"] == 0
        and result["transitions_found"] == result["transitions_expected"]
    )
    print("PASS" if ok else "FAIL")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
