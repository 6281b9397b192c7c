"""Time waiting on assets and on checklist ticks, through the emulator, in business hours: a
draft image without alt text waits 2 business hours for its fix, legal's required disclaimer
waits 6.5 business hours for its tick; `/mops stats`, the daily digest and `/brief show` say so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot
from bot.digests.service import channel_digest_text, user_digest_text
from bot.emulator import Message
from tests.e2e.test_assets import brief_with_thread, png
from tests.support.briefs import approve, wait_stage, wait_state
from tests.support.clock import Clock
from tests.support.policies import use_policy
from tests.support.waiting import eventually

NEW_YORK = ZoneInfo("America/New_York")  # the package policy's business hours: 09:00-17:30
HERO = "2027-03-spring-launch-hero.png"


def with_legal_ticks(local: LocalBot, folder: Path) -> LocalBot:
    """The package policy with a copy of its checklist where legal's disclaimer is required."""
    checklists = folder / "checklists.yaml"
    text = (PACKAGE_POLICY.parent / "checklists.yaml").read_text()
    required = text.replace('owner: "@legal-team", required: false', 'owner: "@legal-team"')
    assert required != text
    checklists.write_text(required)
    return use_policy(
        local, folder, lambda data: data["assets"].update(checklists_file=str(checklists))
    )


def stats(local: LocalBot) -> str:
    local.slack.command("/mops stats", as_user="omar")
    return local.slack.wait_for_message(
        lambda m: m.ephemeral_to == "U04OMAR" and "*Flow over" in m.text, ephemeral=True
    ).text


def digest(local: LocalBot) -> str:
    runtime = local.runtime
    with runtime.db.transaction() as session:
        return channel_digest_text(session, runtime.policy, runtime.clock()) or ""


def personal_digest(local: LocalBot, user_id: str) -> str:
    """Their own digest: what waits on them (their groups as Slack says)."""
    runtime = local.runtime
    policy = runtime.policy
    groups = set(
        runtime.directory.groups_of(user_id, [g.usergroup_id for g in policy.groups.values()])
    )
    with runtime.db.transaction() as session:
        return user_digest_text(session, policy, user_id, groups, runtime.clock()) or ""


def fix_alt_text(local: LocalBot, checked: Message) -> None:
    slack = local.slack
    slack.click("Fix details", as_user="rita", message=checked)
    assert slack.view_of("rita") is not None
    result = slack.submit({"alt_text": "A laptop with the spring launch banner"}, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors


def test_waits_on_an_asset_fix_and_a_checklist_tick_are_counted_in_business_hours(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 2, 10, 0, tzinfo=NEW_YORK)  # a Tuesday
    with_legal_ticks(local, tmp_path)
    parent = brief_with_thread(local, channel_mix="Social")
    checklist = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.text.startswith("Checklist for brief #1")
    )
    slack.upload(HERO, png(1200, 675), as_user="rita", thread=parent, text="Hero image")
    checked = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and f"{HERO}* is attached" in m.text
    )
    assert "it has no alt text" in checked.text

    # Two business hours later it still waits on Rita, who shared it.
    clock.now = datetime(2027, 2, 2, 12, 0, tzinfo=NEW_YORK)
    shown = stats(local)
    assert "*Asset fixes:* 1 asset to fix now, the oldest for 2 business hours" in shown
    assert "Asset fixes 1/-" in shown  # in the work in progress beside the review stages
    said = digest(local)
    assert (
        f"• #1 Spring launch title: {HERO} needs a fix (alt text), waiting on <@U01RITA> "
        "(who shared it) for 2 business hours"
    ) in said, said
    mine = personal_digest(local, "U01RITA")
    assert "*Assets and checklist items waiting on you* (1)" in mine
    assert f"{HERO} needs a fix (alt text)" in mine
    assert "needs a fix" not in personal_digest(local, "U03LENA")  # not hers to fix

    fix_alt_text(local, checked)
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "is checked again" in m.text)
    shown = eventually(
        lambda: next((s for s in [stats(local)] if "asset fixed" in s), None), "the fix counted"
    )
    assert "*Asset fixes:* 1 asset fixed after 2 business hours" in shown
    assert "asset to fix" not in shown and "needs a fix" not in digest(local)

    # Legal's stage starts at 12:00 on Tuesday; its required disclaimer is ticked on Wednesday
    # at 10:00: 5.5 business hours on Tuesday and 1 on Wednesday.
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    clock.now = datetime(2027, 2, 3, 10, 0, tzinfo=NEW_YORK)
    said = digest(local)
    assert (
        "• #1 Spring launch title: *Legal disclaimer present* waits on *@legal-team* to tick it, "
        "for 6.5 business hours"
    ) in said, said
    assert "*Checklist ticks:* 1 checklist item to tick now, the oldest for 6.5" in stats(local)
    assert "*Legal disclaimer present* waits on" in personal_digest(local, "U03LENA")  # legal
    assert "Legal disclaimer" not in personal_digest(local, "U01RITA")
    slack.click("Tick: Legal disclaimer present", as_user="lena", message=checklist)
    slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "ticked *Legal disclaimer present*" in m.text
    )
    approve(local, parent, "lena")
    wait_state(local, "approved")
    shown = stats(local)
    assert "*Checklist ticks:* 1 checklist item ticked after 6.5 business hours" in shown
    assert "*Asset fixes:* 1 asset fixed after 2 business hours" in shown

    # Every step is in the history, in plain words.
    slack.command("/brief show 1", as_user="rita")
    history = slack.wait_for_message(
        lambda m: m.ephemeral_to == "U01RITA" and "History" in m.text, ephemeral=True
    ).text
    for words in (
        f"<@U01RITA> attached {HERO}",
        "checked an attachment: to fix: alt text",
        f"<@U01RITA> changed the alt text or tags of {HERO}",
        "checked an attachment: nothing is missing",
        "<@U03LENA> ticked *Legal disclaimer present*",
        "<@U03LENA> approved *Legal*",
    ):
        assert words in history, (words, history)
