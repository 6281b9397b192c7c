"""The scripts in examples/ run through the local shell and say what the README says they do."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.briefs.models import Brief
from bot.emulator.shell import run_shell
from bot.pipeline import launches
from bot.tasks.models import Task, TaskStatus
from tests.support.briefs import outbox_drained
from tests.support.clock import Clock
from tests.support.waiting import eventually

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def clock() -> Clock:
    # Before the example's "away until 2027-01-10", whenever the test runs.
    return Clock(datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/New_York")))


def run_example(local: LocalBot, name: str, patient: bool = False) -> str:
    """The script's output; `patient`: each line is typed only once the bot has finished what
    the one before caused (its queued work and its Slack messages), as a person reads before
    typing, so a slow machine can't make a button number point elsewhere."""
    secret = local.runtime.settings.slack_signing_secret
    assert secret is not None
    out = io.StringIO()
    with (EXAMPLES / name).open() as script:
        run_shell(
            local.server.url,
            secret.get_secret_value(),
            local.emulator,
            stdin=PatientReader(local, script) if patient else script,
            stdout=out,
            quiet=0.3,
            clock=local.runtime.clock,  # "today" in what it prints is the bot's
        )
    return out.getvalue()


class PatientReader(io.StringIO):
    def __init__(self, local: LocalBot, script: io.TextIOBase | TextIO) -> None:
        super().__init__(script.read())
        self.local = local

    def readline(self, size: int | None = -1) -> str:  # noqa: ARG002 (the shell reads lines)
        eventually(lambda: self._idle(), "the bot done with the previous line", timeout=30)
        return super().readline()

    def _idle(self) -> bool:
        with self.local.runtime.db.transaction() as session:
            queued = session.scalar(
                select(func.count()).select_from(Task).where(Task.status == TaskStatus.PENDING)
            )
        return not queued and outbox_drained(self.local)


def test_reject_reopen_resubmit_with_a_diff_and_a_delegates_approval(timed: LocalBot) -> None:
    text = run_example(timed, "brief-reopen-delegate.txt")
    lines = [
        "@sam decides the stages waiting on you",  # Lena is away, Sam is her delegate
        "@lena is away until Sun 10 Jan 2027 and named you their delegate",
        "@bram rejected this brief at *Brand*:",
        ">The audience is too broad; name the segment",
        "@rita reopened this brief: it is a draft again (round 2)",
        "@rita resubmitted this brief (round 2).",
        "*What changed:*",
        "• *Audience:* “SMB marketing leads” → “SMB marketing leads in North America, "
        "10-200 employees”",
        "• *Notes for reviewers:* _(empty)_ → “Narrowed the audience as asked”",
        "@bram approved *Brand*. Waiting on @legal-team for *Legal* review.",
        "@sam for @lena approved *Legal*. Every stage has approved: @rita, brief #1 is approved",
    ]
    for line in lines:
        assert line in text, line
    assert ":white_check_mark: *Approved* · round 2" in text
    assert "!" not in "".join(line[:2] for line in text.splitlines())  # no refusals or errors


def test_a_brief_through_its_tasks_to_a_launch_that_goes_when_they_are_done(
    timed: LocalBot, clock: Clock
) -> None:
    """examples/launch-pipeline.txt on examples/pipeline-policy.yaml: tasks with owners and
    dependencies, one blocked and taken up again, a launch set for a time; then, at that time,
    it goes by itself (its channel, Web, auto-launches)."""
    runtime = timed.runtime
    runtime.policies.path = EXAMPLES / "pipeline-policy.yaml"
    assert runtime.policies.reload() == []
    text = run_example(timed, "launch-pipeline.txt", patient=True)
    lines = [
        "3 tasks to do before launch, in this order:",
        "*Copy draft* · @omar (*@triage*) · due Feb 22, 2027 at 10:30 PM",  # as lena (London) reads it
        ":white_check_mark: @omar finished *Copy draft*.",
        "@bram, *Design asset* can start now.",
        "*Your tasks (1)*",
        ":no_entry: @bram marked *Design asset* blocked:",
        "Brief #1 launches on Mon 1 Mar 2027 at 09:00 (America/New_York), once nothing blocks it",
        "Brief #1 can't go live yet; nothing was done:",
        "• *Design asset* (@bram) is blocked: “Waiting for the final logo from the agency”",
        "*Your open tasks* (1)",
        "@bram took up *Design asset* again.",
        "@omar, *Landing page* can start now.",
        ":white_check_mark: @omar finished *Landing page*.",
    ]
    for line in lines:
        assert line in text, line
    assert "!" not in "".join(line[:2] for line in text.splitlines())  # no refusals or errors
    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert launches.tick(runtime.db, runtime.policy, clock.now) == 1
    with runtime.db.transaction() as session:
        brief = session.get(Brief, 1)
        assert brief is not None and brief.state == "live"
