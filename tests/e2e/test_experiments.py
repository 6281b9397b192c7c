"""Experiments end to end: Rita pre-registers a test in a modal, results arrive as CSV files in
its thread, and the thread shows progress between checkpoints and a readout (with its chart) at
them; a change after data is a new version that the readout names."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.app.push import push_app
from bot.app.serving import SidePort
from bot.audit.models import AuditEvent
from bot.digests import service as digest
from bot.emulator.conversation import Slack
from bot.emulator.records import Message
from bot.experiments import service
from bot.experiments.models import Experiment, ExperimentResult, ExperimentVersion
from bot.experiments.plan import Metric, Plan
from bot.experiments.results import parse_csv
from bot.slack.models import OutboxMessage
from tests.support.briefs import outbox_drained
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")

PLAN = {
    "title": "Shorter signup form",
    "hypothesis": "Asking for fewer fields gets more visitors to sign up",
    "arms": "control\nshort",
    "goals": "signup higher",
    "guardrails": "refund lower 50%",
    "checkpoints": "3, 7",
    "if_win": "Roll the short form out to everyone",
    "if_lose": "Keep the long form",
}
START = date(2026, 11, 2)


def per_unit(days: range, rates: dict[str, float], n: int = 400, seed: int = 1) -> str:
    rng = np.random.default_rng(seed)
    lines = ["arm,signup,refund,date"]
    for day in days:
        for arm, rate in rates.items():
            for _ in range(n):
                signup = int(rng.random() < rate)
                refund = int(signup and rng.random() < 0.05)
                lines.append(f"{arm},{signup},{refund},{START + timedelta(days=day)}")
    return "\n".join(lines) + "\n"


def register(local: LocalBot, **changes: str) -> Message:
    """Rita registers the plan; returns the thread's parent once the bot knows its ts (a file
    shared before that would be in a thread the bot can't place yet)."""
    slack = local.slack
    slack.command("/mops experiment new", as_user="rita")
    result = slack.submit({**PLAN, **changes}, as_user="rita")
    assert result.errors is None or result.errors == {}, result.errors
    parent = slack.wait_for_message(lambda m: "Experiment #" in m.text and m.thread_ts is None)
    eventually(lambda: outbox_drained(local), "the parent recorded")
    return parent


def thread_texts(slack: Slack, parent: Message) -> list[str]:
    return [m.text for m in slack.thread(parent).replies]


def test_register_post_the_plan_and_audit_it(local: LocalBot) -> None:
    parent = register(local)
    shown = str(parent.blocks)
    assert "Shorter signup form" in shown and "short" in shown
    assert "signup (higher is better)" in shown
    assert "refund (lower is better, at most 50% worse)" in shown
    assert "Roll the short form out to everyone" in shown
    with local.runtime.db.read() as session:
        experiment = session.scalars(select(Experiment)).one()
        assert (experiment.owner_id, experiment.status) == ("U01RITA", "registered")
        actions = list(session.scalars(select(AuditEvent.action)))
    assert actions == ["experiment_registered"]


def test_bad_plan_gets_inline_errors_and_stores_nothing(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/mops experiment new", as_user="rita")
    result = slack.submit(
        {**PLAN, "arms": "control", "goals": "signup", "mde": "lots", "checkpoints": "3"},
        as_user="rita",
    )
    assert result.errors is not None
    assert result.errors["arms"].startswith("Name at least two variants")
    assert "signup higher" in result.errors["goals"]
    assert result.errors["mde"] == "Write a relative effect like 10%."
    assert slack.view_of("rita") is not None  # the modal stays open
    result = slack.submit({**PLAN, "mde": "10%", "checkpoints": "3"}, as_user="rita")
    assert result.errors == {"checkpoints": "The last checkpoint comes before the minimum runtime."}
    with local.runtime.db.read() as session:
        assert session.scalars(select(Experiment)).first() is None


def test_numbers_in_words_get_the_forms_own_answer_not_a_length_limit(local: LocalBot) -> None:
    """'ten percent' and 'two weeks' fit their fields: the form says what it wants instead of
    Slack refusing them for their length."""
    slack = local.slack
    slack.command("/mops experiment new", as_user="rita")
    result = slack.submit({**PLAN, "mde": "ten percent", "min_days": "two weeks"}, as_user="rita")
    assert result.errors is not None
    assert result.errors["mde"] == "Write a relative effect like 10%."
    assert result.errors["min_days"] == "A whole number of days, e.g. 7."


def test_results_in_the_thread_give_progress_then_a_readout_with_a_chart(local: LocalBot) -> None:
    slack = local.slack
    parent = register(local)
    slack.upload(
        "day1.csv", per_unit(range(2), {"control": 0.10, "short": 0.16}), "rita", thread=parent
    )
    progress = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Results through" in m.text
    )
    assert "day 2" in progress.text and "control 800, short 800 users" in progress.text
    assert "next readout is at day 3" in progress.text
    assert "%" not in progress.text  # no effects between checkpoints

    slack.upload(
        "days.csv", per_unit(range(7), {"control": 0.10, "short": 0.16}), "rita", thread=parent
    )
    readout = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Day 7 readout" in m.text
    )
    assert "plan version 1)" in readout.text
    assert "the split looks right" in readout.text
    assert "signup (goal), short" in readout.text
    assert "p < 0.001)" in readout.text and "e-" not in readout.text  # no 7.7e-06
    assert "Decision by the plan's rule: ship short" in readout.text
    assert "What we said we would do:* Roll the short form out to everyone" in readout.text
    chart = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.is_bot and bool(m.files)
    )
    assert chart.files[0]["name"] == "experiment-1-day-7.png"
    with local.runtime.db.read() as session:
        experiment = session.scalars(select(Experiment)).one()
        assert (experiment.status, experiment.outcome, experiment.last_checkpoint) == (
            "decided",
            "ship",
            7,
        )
        rows = session.scalars(select(ExperimentResult)).all()
    assert len(rows) == 2 * 7 * 2  # arms x days x metrics; day 1-2 replaced, not doubled

    slack.command("/mops experiment search signup ship", as_user="sam")
    assert "Shorter signup form" in (slack.last_ephemeral("sam") or parent).text


def test_a_fixed_horizon_readout_before_the_end_says_keep_running(local: LocalBot) -> None:
    slack = local.slack
    parent = register(local)
    slack.upload(
        "d.csv", per_unit(range(4), {"control": 0.10, "short": 0.16}), "rita", thread=parent
    )
    readout = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Day 3 readout" in m.text
    )
    assert "keep running (~4 days left)" in readout.text


def test_wrong_files_are_refused_to_the_uploader_and_change_nothing(local: LocalBot) -> None:
    slack = local.slack
    parent = register(local)
    slack.upload("notes.txt", "hello", "rita", thread=parent)
    told = slack.wait_for_message("only from .csv files", ephemeral=True)
    assert told.ephemeral_to == "U01RITA"
    slack.upload("x.csv", "arm,signup,refund\ncontrol,1,0\nlong,0,0\n", "rita", thread=parent)
    told = slack.wait_for_message("arms the plan doesn't name (long)", ephemeral=True)
    slack.upload("y.csv", "arm,signup,refund\ncontrol,yes,0\n", "rita", thread=parent)
    slack.wait_for_message("line 2: `signup` is not a number", ephemeral=True)
    with local.runtime.db.read() as session:
        assert session.scalars(select(ExperimentResult)).first() is None
        assert session.scalars(select(Experiment)).one().status == "registered"


def test_a_change_after_data_is_a_new_version_named_in_the_readout(local: LocalBot) -> None:
    slack = local.slack
    parent = register(local)
    slack.upload("d.csv", per_unit(range(2), {"control": 0.1, "short": 0.1}), "rita", thread=parent)
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "Results through" in m.text)

    slack.command("/mops experiment edit 1", as_user="sam")  # not the owner, not an admin
    assert "Only the person who registered" in (slack.last_ephemeral("sam") or parent).text

    slack.command("/mops experiment edit 1", as_user="rita")
    result = slack.submit({"arms": "control\nshort\nshorter"}, as_user="rita")
    assert result.errors == {"arms": "Results have arrived: the variants can't change any more."}
    result = slack.submit({"arms": "control\nshort", "checkpoints": "3, 7, 10"}, as_user="rita")
    assert not result.errors
    note = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "changed the plan" in m.text
    )
    assert "version 2 *after results arrived*" in note.text
    slack.upload("d.csv", per_unit(range(3), {"control": 0.1, "short": 0.1}), "rita", thread=parent)
    readout = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Day 3 readout" in m.text
    )
    assert "plan version 2, changed after data arrived" in readout.text
    with local.runtime.db.read() as session:
        versions = session.scalars(select(ExperimentVersion).order_by(ExperimentVersion.version))
        assert [(v.version, v.after_data) for v in versions] == [(1, False), (2, True)]


def test_a_redelivered_upload_is_read_once(local: LocalBot) -> None:
    slack = local.slack
    parent = register(local)
    result = local.driver.share_file(
        "marketing",
        "rita",
        "d.csv",
        per_unit(range(2), {"control": 0.1, "short": 0.1}).encode(),
        thread_ts=parent.ts,
    )
    assert result.status == 200
    local.driver.redeliver()
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "Results through" in m.text)

    def audit_count() -> int:
        with local.runtime.db.read() as session:
            return len(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "experiment_results")
                ).all()
            )

    eventually(lambda: audit_count() == 1, "one results event")
    assert len([t for t in thread_texts(slack, parent) if "Results through" in t]) == 1


def aggregated(days: range, rates: dict[str, float], users: int = 1000) -> str:
    lines = ["arm,date,users,signup_sum,signup_sumsq,refund_sum,refund_sumsq"]
    for day in days:
        for arm, rate in rates.items():
            signups = round(users * rate)
            lines.append(f"{arm},{START + timedelta(days=day)},{users},{signups},{signups},3,3")
    return "\n".join(lines) + "\n"


def push(local: LocalBot, token: str, body: str, key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{local.server.base_url}/experiments/1/results",
        data=body.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        | ({"Idempotency-Key": key} if key else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_warehouse_pushes_daily_aggregates_with_a_token_shown_once(local: LocalBot) -> None:
    slack = local.slack
    parent = register(local)
    slack.command("/mops experiment token 1", as_user="sam")
    assert "Only the person who registered" in (slack.last_ephemeral("sam") or parent).text
    slack.command("/mops experiment token 1", as_user="rita")
    shown = (slack.last_ephemeral("rita") or parent).text
    token = re.search(r"`(mxp_1_[^`]+)`", shown)
    assert token is not None, shown
    with local.runtime.db.read() as session:
        stored = session.scalars(select(Experiment)).one().push_token_hash
        audit_text = str([e.detail for e in session.scalars(select(AuditEvent))])
    assert stored and token.group(1) not in stored and token.group(1) not in audit_text

    assert (
        push(local, "mxp_1_wrong", aggregated(range(1), {"control": 0.1, "short": 0.1}))[0] == 401
    )
    status, answer = push(
        local, token.group(1), "arm,date,users,signup_sum\ncontrol,2026-11-02,5,1\n"
    )
    assert status == 422 and "signup_sumsq" in answer["message"]

    body = aggregated(range(2), {"control": 0.1, "short": 0.1})
    assert push(local, token.group(1), body, key="2026-11-03")[0] == 200
    status, answer = push(local, token.group(1), body, key="2026-11-03")  # the job retried
    assert status == 200 and "already received" in answer["message"]
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "Results through" in m.text)
    with local.runtime.db.read() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent))]
        sources = {r.source for r in session.scalars(select(ExperimentResult))}
    assert actions.count("experiment_results") == 1 and sources == {"push"}

    slack.command("/mops experiment token 1", as_user="rita")  # a new token retires the old one
    assert push(local, token.group(1), body)[0] == 401


def test_the_weekly_digest_lists_experiments_past_their_last_checkpoint(timed: LocalBot) -> None:
    """Results stopped coming on day 3 of a 7-day plan: on the chart day two weeks later the
    weekly digest names the experiment, once; a decided one is not listed."""
    runtime = timed.runtime
    clock: Clock = runtime.clock  # type: ignore[assignment]
    clock.now = datetime(2026, 11, 2, 9, tzinfo=NY)
    with runtime.db.transaction() as session:
        for title in ("Stalled test", "Decided test"):
            experiment = service.register(
                session,
                Plan(
                    title=title,
                    hypothesis="h",
                    arms=["control", "short"],
                    goals=[Metric(name="signup")],
                    checkpoints=[7],
                ),
                owner_id="U01RITA",
                channel_id="C01MKTG",
                policy_version="p",
                now=clock.now,
            )
            days = range(3) if title == "Stalled test" else range(7)
            service.add_results(
                session,
                experiment,
                parse_csv(per_unit(days, {"control": 0.1, "short": 0.1}, n=50)),
                source="cli",
                actor_id="cli",
                policy_version="p",
                now=clock.now,
            )
    clock.now = datetime(2026, 11, 16, 9, 30, tzinfo=NY)  # a Monday, the policy's chart day
    digest.tick(runtime.db, runtime.policy, runtime.directory, clock.now)
    digest.tick(runtime.db, runtime.policy, runtime.directory, clock.now)
    with runtime.db.read() as session:
        texts = [
            row.payload.get("text", "")
            for row in session.scalars(select(OutboxMessage))
            if row.payload.get("text", "").startswith("*Experiments due")
        ]
    assert len(texts) == 1
    assert "Experiment #1: Stalled test" in texts[0] and "Decided test" not in texts[0]


def test_in_socket_mode_the_push_has_a_port_of_its_own(local: LocalBot) -> None:
    side = SidePort(push_app(local.runtime), "127.0.0.1", 0).start()
    try:
        with urllib.request.urlopen(f"{side.base_url}/healthz", timeout=5) as response:
            assert response.read() == b"ok"
        for path, status in (("/slack/events", 404), ("/experiments/1/results", 401)):
            request = urllib.request.Request(f"{side.base_url}{path}", data=b"x", method="POST")
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == status
            else:
                raise AssertionError(f"{path} answered 200")
    finally:
        side.stop()
