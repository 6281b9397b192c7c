"""Settings keep Slack's secrets as SecretStr: hidden everywhere but where Slack gets them."""

from __future__ import annotations

import pytest

from bot.app.config import SettingsError, load_settings, require
from bot.app.runtime import Runtime
from bot.storage.database import Database

TOKEN, APP_TOKEN, SECRET = "xoxb-1-sekrit", "xapp-1-sekrit", "signing-sekrit"


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)


@pytest.mark.usefixtures("secrets_in_env")
def test_secrets_are_read_but_never_shown() -> None:
    settings = load_settings()
    assert settings.slack_bot_token is not None and settings.slack_app_token is not None
    assert settings.slack_bot_token.get_secret_value() == TOKEN
    assert settings.slack_app_token.get_secret_value() == APP_TOKEN
    shown = f"{settings!r} {settings} {settings.model_dump()} {settings.model_dump_json()}"
    assert not any(secret in shown for secret in (TOKEN, APP_TOKEN, SECRET))
    assert settings.has_socket_mode_tokens


def test_an_empty_secret_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    settings = load_settings()
    assert not settings.has_socket_mode_tokens
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is required for Socket Mode"):
        require(settings, "slack_bot_token", "slack_app_token", why="for Socket Mode")


@pytest.mark.usefixtures("secrets_in_env")
def test_the_runtime_hands_the_token_to_slack(db: Database) -> None:
    runtime = Runtime.build(load_settings(database_url=db.url))
    try:
        assert runtime.client.token == TOKEN
    finally:
        runtime.db.dispose()


def test_the_runtime_leases_tasks_as_long_as_the_settings_say(db: Database) -> None:
    runtime = Runtime.build(load_settings(database_url=db.url, task_lease=10))
    try:
        assert runtime.worker.prepare_lease.total_seconds() == 10
    finally:
        runtime.db.dispose()


def test_the_soak_settings_default_to_production_behaviour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.core.clock import ahead_by, utcnow
    from bot.tasks.service import PREPARE_LEASE

    settings = load_settings()
    assert settings.tick_seconds == 30 and settings.test_clock_offset == 0
    assert settings.task_lease == PREPARE_LEASE.total_seconds()
    assert ahead_by(settings.test_clock_offset) is utcnow
    monkeypatch.setenv("MOPSBOT_TICK_SECONDS", "1")
    monkeypatch.setenv("MOPSBOT_TEST_CLOCK_OFFSET", "86400")
    monkeypatch.setenv("MOPSBOT_TASK_LEASE", "10")
    settings = load_settings()
    assert settings.tick_seconds == 1 and settings.task_lease == 10
    ahead = ahead_by(settings.test_clock_offset)() - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < ahead <= timedelta(days=1)
    monkeypatch.setenv("MOPSBOT_TICK_SECONDS", "0")
    with pytest.raises(SettingsError, match="MOPSBOT_TICK_SECONDS"):
        load_settings()


def test_a_metrics_token_is_long_or_refused_and_empty_means_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOPSBOT_METRICS_TOKEN", "letmein")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == (
        "invalid setting MOPSBOT_METRICS_TOKEN: use at least 16 random characters, "
        "e.g. `openssl rand -hex 32`"
    )
    assert "letmein" not in str(refused.value)
    monkeypatch.setenv("MOPSBOT_METRICS_TOKEN", "")
    assert load_settings().metrics_token is None
    monkeypatch.setenv("MOPSBOT_METRICS_TOKEN", "a" * 32)
    settings = load_settings()
    assert settings.metrics_token is not None and "a" * 32 not in repr(settings)
