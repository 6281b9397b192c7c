"""Settings from the environment and an optional `.env` file (pydantic-settings).

Slack's own variable names are kept (SLACK_BOT_TOKEN, ...) so that an admin can paste them from the
app's settings page; everything mopsbot-specific carries the MOPSBOT_ prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_POLICY = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Secrets: shown as '**********' in reprs, logs and tracebacks; the value is read only where
    # it is handed to Slack (the Web client, Bolt's request verification, Socket Mode).
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    # Seconds a Web API call may take before the bot gives up on its answer (a post that timed
    # out may still have been made: the outbox looks it up before posting again).
    slack_timeout: float = Field(15, gt=0, le=120, validation_alias="MOPSBOT_SLACK_TIMEOUT")
    database_url: str = Field("sqlite:///mopsbot.db", validation_alias="DATABASE_URL")
    policy_file: Path = Field(
        PACKAGE_POLICY, validation_alias=AliasChoices("MOPSBOT_POLICY_FILE", "POLICY_FILE")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="MOPSBOT_LOG_LEVEL"
    )
    log_format: Literal["keyvalue", "json"] = Field(
        "keyvalue", validation_alias="MOPSBOT_LOG_FORMAT"
    )
    intake_model_dir: Path = Field(
        Path("var/intake-model"), validation_alias="MOPSBOT_INTAKE_MODEL_DIR"
    )
    # Socket Mode only: the port of the experiment results push (HTTP mode serves it beside
    # /slack/events). None: no push endpoint.
    push_port: int | None = Field(None, ge=1, le=65535, validation_alias="MOPSBOT_PUSH_PORT")
    # Socket Mode only: the port of /healthz and /readyz (HTTP mode serves them beside
    # /slack/events). May be the push port. None: no health endpoints.
    health_port: int | None = Field(None, ge=1, le=65535, validation_alias="MOPSBOT_HEALTH_PORT")
    # When set, GET /metrics answers only a scraper that sends `Authorization: Bearer <it>`
    # (Prometheus's `authorization` setting): for a port that can't be kept off other networks.
    metrics_token: SecretStr | None = Field(None, validation_alias="MOPSBOT_METRICS_TOKEN")
    # /readyz fails when a due Slack message has waited longer than this many seconds.
    ready_outbox_lag: float = Field(300, gt=0, validation_alias="MOPSBOT_READY_OUTBOX_LAG")
    # Message text (intake requests' words once done and the model's copies of them, finished
    # tasks, sent Slack messages, Blocked reasons of tasks no longer blocked, the drafts, links
    # and variants of closed briefs) is removed after this many days; briefs and the audit
    # trail's facts are kept (bot.privacy). 0: kept for ever.
    message_retention_days: int = Field(
        90, ge=0, le=36500, validation_alias="MOPSBOT_MESSAGE_RETENTION_DAYS"
    )
    # How often the scheduler looks for due reminders and digests (seconds). The soak tests
    # shorten it so that what falls due in a short run goes out during the run.
    tick_seconds: float = Field(30, gt=0, validation_alias="MOPSBOT_TICK_SECONDS")
    # How long an instance preparing a task (classifying a request, asking Slack who is in a
    # group) holds it before another may take it over: what an instance killed meanwhile costs
    # the task. Far longer than a preparation takes; the soak tests shorten it.
    task_lease: float = Field(60, gt=0, validation_alias="MOPSBOT_TASK_LEASE")
    # Test only (the soak harness): the bot's clock runs this many seconds ahead of the wall
    # clock, the same for every process given the same value, so that a short run can start
    # on a working morning just before a digest is due. Never set it in production.
    test_clock_offset: float = Field(0, validation_alias="MOPSBOT_TEST_CLOCK_OFFSET")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None  # set but empty (a compose file's `${MOPSBOT_METRICS_TOKEN:-}`): unset
        if len(value.get_secret_value()) < 16:
            raise ValueError("use at least 16 random characters, e.g. `openssl rand -hex 32`")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins base_url and method name without adding a slash.
        return value if value.endswith("/") else value + "/"

    @property
    def has_socket_mode_tokens(self) -> bool:
        return bool(self.slack_bot_token and self.slack_app_token)


_ENV_NAMES = {
    name: (field.validation_alias if isinstance(field.validation_alias, str) else name.upper())
    for name, field in Settings.model_fields.items()
}
_ENV_NAMES["policy_file"] = "MOPSBOT_POLICY_FILE"


def load_settings(**overrides: Any) -> Settings:
    """Read settings; turn pydantic's report into one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        env_name = _ENV_NAMES.get(field, field)
        reason = error["msg"].removeprefix("Value error, ")  # pydantic's prefix for our own
        raise SettingsError(f"invalid setting {env_name}: {reason}") from None


def require(settings: Settings, *names: str, why: str) -> None:
    """Stop with one line when a setting a mode needs is missing."""
    for name in names:
        if not getattr(settings, name):
            raise SettingsError(f"{_ENV_NAMES[name]} is required {why}")
