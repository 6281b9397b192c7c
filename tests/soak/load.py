"""The scripted load: what a team does in one run, as people do it through Slack.

Briefs are filed, some approved straight through, some sent back for changes and resubmitted,
some left waiting long enough for their reminder, escalation and repeats to fall due, then
approved; people turn their daily digest on; requests are posted in #intake to be classified.
Each person's modal work is one at a time (Slack has one modal stack per person); different
people act at once. Every delivery is redelivered until acked (`deliveries`), so an acked cause
is one the database must show exactly once, whatever was killed meanwhile.

The ledger records what was acked; the invariant checker compares it with the database and
the emulator's record.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.payloads import find_element
from bot.emulator.records import Message
from tests.soak.deliveries import DeliveryStats, Instances, RedeliveringSender

DIGEST_LEAD = 15.0  # the personal digests fall due at least this long after the load starts
WAIT = 240.0  # how long a person waits for the bot's answer (restarts on a busy machine)
INTAKE_TEXTS = [
    "the demo form is broken, leads are getting lost",
    "can we get a banner designed for the spring webinar",
    "please pull a list of trial signups from last month",
    "we need a landing page for the new pricing launch",
    "lunch anyone?",
    "could someone schedule the newsletter for thursday",
    "need social posts for the conference next week",
    "the dashboard numbers for paid media look wrong",
]
# The audit actions each kind of step writes (bot.briefs.workflow).
AUDIT = {
    "create": ["create", "submit"],
    "approve": ["approve"],
    "request_changes": ["request_changes"],
    "resubmit": ["resubmit"],
}
STAGE_APPROVER = {"Brand": "bram", "Legal": "lena"}


@dataclass
class BriefPlan:
    title: str
    kind: str  # straight | rework | waiting
    start_after: float
    wait: float = 0.0


@dataclass
class Ledger:
    """What the bot acked, by cause: the expected effects of the run."""

    briefs: dict[str, list[str]] = field(default_factory=dict)  # title -> audit actions
    brief_ids: dict[str, int] = field(default_factory=dict)
    intake: list[tuple[str, str]] = field(default_factory=list)  # (channel id, ts)
    digests_on: list[str] = field(default_factory=list)  # user ids
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def did(self, title: str, step: str) -> None:
        with self.lock:
            self.briefs.setdefault(title, []).extend(AUDIT[step])


def plan_briefs(rng: random.Random, tag: str, count: int, spread: float) -> list[BriefPlan]:
    plans = []
    for n in range(count):
        kind = "waiting" if n == 0 else rng.choice(["straight", "straight", "rework", "waiting"])
        plans.append(
            BriefPlan(
                title=f"Soak {tag} brief {n + 1}",
                kind=kind,
                start_after=rng.uniform(0, spread),
                wait=rng.uniform(25, 35) if kind == "waiting" else rng.uniform(0, 2),
            )
        )
    return plans


class TeamLoad:
    def __init__(
        self,
        emulator: SlackEmulator,
        instances: Instances,
        signing_secret: str,
        stats: DeliveryStats,
        seed: int,
        *,
        briefs: int = 6,
        intake: int = 4,
        spread: float = 10.0,
        tag: str = "",
        digest_zones: dict[str, ZoneInfo] | None = None,
        clock_offset: float = 0.0,
    ) -> None:
        """`digest_zones`: the people who turn their daily digest on, with their zones; it is
        set to the first minute at least DIGEST_LEAD seconds after the load starts, on the bot's
        clock (`clock_offset` ahead of the wall clock), and the first brief waits at its
        first stage until that minute has passed, so the digests have something to say."""
        self.emulator = emulator
        self.instances = instances
        self.secret = signing_secret
        self.stats = stats
        self.rng = random.Random(seed)
        self.tag = tag or str(seed)
        self.plans = plan_briefs(self.rng, self.tag, briefs, spread)
        self.intake_count = intake
        self.spread = spread
        self.ledger = Ledger()
        self.digest_zones = digest_zones or {}
        self.clock_offset = clock_offset
        self.digest_at = datetime.now(UTC)
        self._hold_until = 0.0
        self._modal_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)

    # -- running ------------------------------------------------------------------------------
    def run(self) -> Ledger:
        """Every person's part at once; returns when all are done (or failed, in the ledger)."""
        bot_now = datetime.now(UTC) + timedelta(seconds=self.clock_offset)
        due = bot_now + timedelta(seconds=DIGEST_LEAD + 60)
        self.digest_at = due.replace(second=0, microsecond=0)
        wait = (self.digest_at - bot_now).total_seconds() + 5
        self._hold_until = time.monotonic() + wait
        parts: list[Callable[[], None]] = [self._digests]
        parts += [lambda plan=plan: self._brief(plan) for plan in self.plans]
        parts += [self._intake]
        threads = [
            threading.Thread(target=self._guarded, args=(part,), name=f"load-{n}", daemon=True)
            for n, part in enumerate(parts)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.ledger

    def _guarded(self, part: Callable[[], None]) -> None:
        try:
            part()
        except Exception as exc:  # the checker reports it; one stuck person must not hang all
            with self.ledger.lock:
                self.ledger.errors.append(f"{type(exc).__name__}: {exc}")

    def _driver(self) -> SlackDriver:
        driver = SlackDriver(self.instances.next(), self.secret, self.emulator)
        driver.sender = RedeliveringSender(self.instances, self.secret, self.stats)
        return driver

    # -- people's parts -----------------------------------------------------------------------
    def _digests(self) -> None:
        """People turn their daily digest on, at a minute due during the run on their own
        clocks (the harness chooses it)."""
        driver = self._driver()
        for user, zone in self.digest_zones.items():
            at = self.digest_at.astimezone(zone).strftime("%H:%M")
            self._require_ok(driver.command("/mops digest on", user, "marketing"), "digest on")
            self._require_ok(driver.command(f"/mops digest time {at}", user, "marketing"), at)
            with self.ledger.lock:
                self.ledger.digests_on.append(self.emulator.user(user).id)

    def _intake(self) -> None:
        driver = self._driver()
        texts = self.rng.sample(INTAKE_TEXTS, k=min(self.intake_count, len(INTAKE_TEXTS)))
        gaps = sorted(self.rng.uniform(0, self.spread) for _ in texts)
        started = time.monotonic()
        for text, at in zip(texts, gaps, strict=True):
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            user = self.rng.choice(["rita", "sam"])
            result = driver.message("intake", user, text)
            if result.status == 200 and result.message is not None:
                with self.ledger.lock:
                    self.ledger.intake.append((result.message.channel, result.message.ts))

    def _brief(self, plan: BriefPlan) -> None:
        time.sleep(plan.start_after)
        driver = self._driver()
        parent = self._file(driver, plan.title)
        if plan.kind == "rework":
            self._request_changes(driver, parent, plan.title)
            self._resubmit(driver, parent, plan.title)
        time.sleep(plan.wait)
        if plan.kind == "waiting":  # over the digests' minute: they have something to say
            time.sleep(max(0.0, self._hold_until - time.monotonic()))
        for stage in ("Brand", "Legal"):
            self._approve(driver, parent, plan.title, stage)
        self._wait(lambda: "(approved)" in self._latest(parent).text, f"{plan.title} approved")

    # -- steps --------------------------------------------------------------------------------
    def _file(self, driver: SlackDriver, title: str) -> Message:
        values = {
            "title": title,
            "objective": "Grow trial sign-ups from the spring campaign",
            "audience": "SMB marketing leads",
            "channel_mix": "Email",
            "launch_date": "2027-03-01",
        }
        with self._modal_locks["rita"]:
            self._open_modal("rita", lambda: driver.command("/brief new", "rita", "marketing"))
            self._submit(driver, "rita", values)
        self.ledger.did(title, "create")
        parent = self._wait(lambda: self._parent(title), f"the parent message of {title}")
        brief_id = int(parent.text.split("#", 1)[1].split(":", 1)[0])
        with self.ledger.lock:
            self.ledger.brief_ids[title] = brief_id
        return parent

    def _approve(self, driver: SlackDriver, parent: Message, title: str, stage: str) -> None:
        who = STAGE_APPROVER[stage]
        shown = self._wait(
            lambda: self._showing(parent, f"*{stage}*", "Approve"), f"{title} at {stage}"
        )
        result = driver.click(shown, "Approve", who)
        self._require_ok(result, f"{who} approving {title}")
        self.ledger.did(title, "approve")

    def _request_changes(self, driver: SlackDriver, parent: Message, title: str) -> None:
        shown = self._wait(
            lambda: self._showing(parent, "*Brand*", "Request changes"), f"{title} at Brand"
        )
        with self._modal_locks["bram"]:
            self._open_modal("bram", lambda: driver.click(shown, "Request changes", "bram"))
            self._submit(driver, "bram", {"reason": "Say who the audience is, please"})
        self.ledger.did(title, "request_changes")

    def _resubmit(self, driver: SlackDriver, parent: Message, title: str) -> None:
        shown = self._wait(
            lambda: self._showing(parent, "", "Edit & resubmit"), f"{title} sent back"
        )
        with self._modal_locks["rita"]:
            self._open_modal("rita", lambda: driver.click(shown, "Edit & resubmit", "rita"))
            self._submit(driver, "rita", {"audience": "SMB marketing leads in the US"})
        self.ledger.did(title, "resubmit")

    def _open_modal(self, user: str, action: Callable[[], Any]) -> None:
        """Do what opens a modal; when none opens (the trigger expired while the bot
        restarted), do it again, as a person would."""
        for _ in range(6):
            if self.emulator.current_view(user) is not None:
                self.emulator.apply_view_response(self.emulator.user(user).id, "clear")
            action()
            try:
                self._wait(lambda: self.emulator.current_view(user), f"a modal for {user}", 15)
                return
            except TimeoutError:
                continue
        raise TimeoutError(f"no modal opened for {user}")

    def _submit(self, driver: SlackDriver, user: str, values: dict[str, str]) -> None:
        result = driver.submit_view(user, values)
        self._require_ok(result, f"{user} submitting a form")

    # -- what people see ----------------------------------------------------------------------
    def _parent(self, title: str) -> Message | None:
        for message in self.emulator.messages("marketing"):
            if message.is_bot and message.text.startswith("Brief #") and title in message.text:
                return message
        return None

    def _latest(self, parent: Message) -> Message:
        return self.emulator.message(parent.channel, parent.ts) or parent

    def _showing(self, parent: Message, words: str, button: str) -> Message | None:
        latest = self._latest(parent)
        if words not in json.dumps(latest.blocks, ensure_ascii=False):
            return None
        try:
            find_element(latest.blocks, button, None)
        except LookupError:
            return None
        return latest

    def _wait(self, found: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout:g} s for {what}")

    @staticmethod
    def _require_ok(result: Any, what: str) -> None:
        if result.status != 200 or result.errors or result.block_errors:
            raise RuntimeError(f"{what}: {result.status} {result.errors or result.text[:200]}")
