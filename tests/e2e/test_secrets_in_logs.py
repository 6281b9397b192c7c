"""Secrets never appear in logs, errors or answers; what people type appears only at DEBUG.

Every log record is captured at DEBUG (third-party libraries at their production level, as
bot/core/logs.py sets them) during real flows through the emulator, the good and the failing:
bad signatures, stale requests, Slack refusing calls, an unreachable database with a password in
its URL, start-up errors of the `mopsbot` command. Then the records, and what the command printed,
are searched for the token values, the signing secret, the database password and the words typed.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.app.readiness import readiness_app
from bot.app.scrape import metrics_app
from bot.app.serving import SidePort
from bot.cli.main import main
from bot.pipeline.readiness_models import Asset
from bot.storage.database import Database
from tests.support.briefs import form_values, new_brief, outbox_drained
from tests.support.pipeline import approved_brief, task_message, task_rows, with_pipeline
from tests.support.waiting import eventually

PASSWORD = "pw-K7QX-never-logged"
DOWN_DATABASE = f"postgresql+psycopg://mopsbot:{PASSWORD}@127.0.0.1:9/nowhere"
APP_TOKEN = "xapp-1-A0TEST-secret-app-token-do-not-log"
TYPED = "LAUNCH-WORDS-ZEPHYR"  # what people type, in every text the test sends


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record from DEBUG up (read `.records` at the end: the list is per test phase)."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def quiet(db: Database) -> Iterator[LocalBot]:
    """The bot without its background workers (no model training); the test sends the outbox."""
    with local_bot(Settings(database_url=db.url), background=False, migrate_first=False) as bot:
        yield bot


def secrets_of(local: LocalBot) -> list[str]:
    settings = local.runtime.settings
    found = [PASSWORD, APP_TOKEN]
    for secret in (settings.slack_bot_token, settings.slack_signing_secret):
        assert secret is not None
        found.append(secret.get_secret_value())
    return found


def logged(records: pytest.LogCaptureFixture, level: int = logging.DEBUG) -> str:
    """Every record at `level` or above as a log file would hold it: message and traceback."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in records.records if r.levelno >= level)


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:6]}...) was written"


def test_real_flows_and_their_failures_log_no_secret_and_no_typed_words_above_debug(
    quiet: LocalBot, records: pytest.LogCaptureFixture
) -> None:
    slack, driver = quiet.slack, quiet.driver
    # what people do, each with words of their own
    slack.say(f"we need a banner for {TYPED}", as_user="rita", channel="intake")
    slack.say(f"{TYPED} lunch anyone?", as_user="bram", channel="marketing")
    slack.command("/brief new", as_user="rita")
    assert slack.submit(
        form_values(quiet.runtime.policy, title=f"Spring {TYPED}"), as_user="rita"
    ).ok
    slack.command(f"/mops lint {TYPED} guaranteed returns", as_user="rita")
    slack.command(f"/mops nonsense {TYPED}", as_user="rita")
    slack.command(f"/brief show {TYPED}", as_user="rita")
    until = (date.today() + timedelta(days=3)).isoformat()
    slack.command(f"/mops away until {until} {TYPED}", as_user="rita")
    # what goes wrong: forged and stale requests, Slack refusing and failing calls
    assert (
        driver.command(f"/mops help {TYPED}", "rita", "marketing", bad_signature=True).status == 401
    )
    assert driver.command(f"/mops help {TYPED}", "rita", "marketing", stale=True).status == 401
    quiet.emulator.fail_next("chat.postMessage", "channel_not_found")
    quiet.emulator.fail_next("chat.postEphemeral", error=None, status=500)
    quiet.emulator.fail_next("chat.postEphemeral", "invalid_auth")
    slack.command("/brief new", as_user="rita")
    slack.submit(form_values(quiet.runtime.policy, title=f"Summer {TYPED}"), as_user="rita")
    quiet.runtime.sender.drain()
    quiet.runtime.sender.drain()
    # an unreachable database, whose URL has a password: /readyz, /metrics
    down = replace(quiet.runtime, db=Database(DOWN_DATABASE))
    side = SidePort(None, "127.0.0.1", 0, ready=readiness_app(down), metrics=metrics_app(down))
    side.start()
    try:
        import urllib.error
        import urllib.request

        for path in ("/readyz", "/metrics"):
            try:
                with urllib.request.urlopen(side.base_url + path, timeout=10) as response:
                    body = response.read().decode()
            except urllib.error.HTTPError as error:
                body = error.read().decode()
            assert PASSWORD not in body
    finally:
        side.stop()
        down.db.dispose()

    assert any(r.levelno == logging.WARNING for r in records.records)  # the failures were logged
    assert_clean(logged(records), secrets_of(quiet))
    assert_clean(logged(records, logging.INFO), [TYPED])


@pytest.mark.parametrize(
    "url",
    [
        DOWN_DATABASE,  # refused
        f"postgresql+psycopg://mopsbot:{PASSWORD}@127.0.0.1:notaport/db",  # malformed
        f"nosuchdriver://mopsbot:{PASSWORD}@127.0.0.1/db",  # unknown dialect
    ],
)
def test_start_up_errors_print_and_log_no_secret(
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    records: pytest.LogCaptureFixture,
) -> None:
    token, secret = "xoxb-1-secret-bot-token-do-not-log", "0123456789abcdef-signing"
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", secret)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MOPSBOT_LOG_LEVEL", "DEBUG")
    assert main(["run", "--http", "--port", "0"]) != 0
    out = capsys.readouterr()
    assert "mopsbot:" in out.err  # one line saying what went wrong
    assert "Traceback" not in out.err
    for text in (out.out, out.err, logged(records)):
        assert_clean(text, [token, APP_TOKEN, secret, PASSWORD])


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def test_pipeline_words_appear_in_no_log_above_debug(
    local: LocalBot, records: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A task's Blocked reason, a draft's file name, caption and alt text, a link, and the
    forgetting and purging of them: the words are stored (the flows ran) and never logged."""
    slack = local.slack
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Social")
    design = task_message(local, parent, "Design asset", "Blocked")
    slack.click("Blocked", as_user="bram", message=design)
    assert slack.submit({"reason": f"waiting for {TYPED} photos"}, as_user="bram").ok
    slack.upload(
        f"{TYPED.lower()}-hero.png",
        png(1200, 675),
        as_user="rita",
        thread=parent,
        text=f"hero for {TYPED}",
    )
    attached = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "-hero.png* is attached" in m.text
    )
    slack.click("Fix details", as_user="rita", message=attached)
    assert slack.submit({"alt_text": f"a laptop showing {TYPED}"}, as_user="rita").ok
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "is checked again" in m.text)
    slack.say(f"page: https://acme.example/{TYPED}?utm_source=x", as_user="rita", thread=parent)
    eventually(lambda: len(stored_assets(local)) == 2, "the link attached")
    [hero, link] = stored_assets(local)
    assert TYPED in f"{hero.caption} {hero.alt_text} {link.url}"  # the words were typed
    assert TYPED in str(task_rows(local)["design_asset"].blocked_reason)

    shown = slack.command("/mops forget @bram", as_user="omar").ephemeral
    assert shown is not None
    slack.click("Forget them", as_user="omar", message=shown)
    slack.wait_for_message(lambda m: m.text.startswith("Done: I removed"), ephemeral=True)
    local.runtime.forget_old_rows()
    eventually(lambda: outbox_drained(local), "the outbox drained")

    above_debug = logged(records, logging.INFO)
    assert "privacy.forgotten" in above_debug and "retention.purged" in above_debug  # captured
    assert_clean(above_debug, [TYPED, TYPED.lower()])


def stored_assets(local: LocalBot) -> list[Asset]:
    with local.runtime.db.read() as session:
        found = list(session.scalars(select(Asset).order_by(Asset.id)))
        session.expunge_all()
        return found


@pytest.mark.slow
def test_variant_edits_appear_in_no_log_above_debug(
    local: LocalBot, records: pytest.LogCaptureFixture
) -> None:
    slack = local.slack
    parent = new_brief(
        local, channel_mix="Email", key_message=f"{TYPED} keeps every office file safe hourly."
    )
    slack.command("/brief variants 1", as_user="rita")
    assert slack.submit({}, as_user="rita").ok
    subject = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.text.startswith("*Email subject* draft"),
        timeout=60,  # the first drafting loads the encoder
    )
    slack.click("Edit & accept", as_user="rita", message=subject)
    result = slack.submit({"text": f"{TYPED}: every file, hourly"}, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors
    eventually(
        lambda: TYPED in str(slack.emulator.message(subject.channel, subject.ts)), "accepted"
    )
    eventually(lambda: outbox_drained(local), "the outbox drained")
    assert_clean(logged(records, logging.INFO), [TYPED])
