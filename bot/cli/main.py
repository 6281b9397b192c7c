"""The `mopsbot` console command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app.config import Settings, SettingsError, load_settings, require
from bot.cli import audit, experiment, forecast, intake, lint
from bot.cli.errors import reporting_errors

DESCRIPTION = """\
mopsbot runs a marketing team's operations in Slack: briefs and approvals in threads,
SLA reminders, digests, and intake triage with a local model.

Without Slack tokens, `mopsbot run` starts the local shell against the built-in Slack emulator."""

EPILOG = """\
examples:
  mopsbot run                      Socket Mode with SLACK_BOT_TOKEN + SLACK_APP_TOKEN, else the shell
  mopsbot run --http --port 3000   serve Slack's requests at http://HOST:3000/slack/events
  mopsbot shell                    try the bot in a terminal, as one of the demo users
  mopsbot migrate                  bring the database (DATABASE_URL) up to date
  mopsbot policy check policies/default.yaml
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mopsbot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the bot (Socket Mode, HTTP, or the local shell)")
    run.add_argument(
        "--http", action="store_true", help="serve HTTP at /slack/events instead of Socket Mode"
    )
    run.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    run.set_defaults(handler=cmd_run)

    shell = sub.add_parser("shell", help="talk to the bot in a terminal through the Slack emulator")
    shell.set_defaults(handler=cmd_shell)

    migrate = sub.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.set_defaults(handler=cmd_migrate)

    policy = sub.add_parser("policy", help="work with policy files")
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check = policy_sub.add_parser("check", help="validate a policy file; print every error")
    check.add_argument("file")
    check.set_defaults(handler=cmd_policy_check)

    for group in (intake, lint, audit, experiment, forecast):  # their own command groups
        group.register(sub)
    return parser


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.database import migrate

    migrate(settings.database_url)
    print(f"database is up to date ({_safe_url(settings.database_url)})")
    return 0


def cmd_policy_check(args: argparse.Namespace, settings: Settings) -> int:
    from policies.loader import check_policy_file

    errors = check_policy_file(args.file)
    for error in errors:
        print(error)
    if errors:
        print(f"{args.file}: {len(errors)} error(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: ok")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if args.http:
        require(settings, "slack_bot_token", "slack_signing_secret", why="for --http")
        return _serve(settings, http=(args.host, args.port))
    if settings.has_socket_mode_tokens:
        return _serve(settings, http=None)
    if settings.slack_bot_token or settings.slack_app_token:
        require(settings, "slack_bot_token", "slack_app_token", why="for Socket Mode")
    return cmd_shell(args, settings)


def _serve(settings: Settings, http: tuple[str, int] | None) -> int:
    from bot.app import bolt
    from bot.app.push import push_app
    from bot.app.readiness import readiness_app
    from bot.app.scrape import metrics_app
    from bot.app.serving import HttpServer, SidePort, run_socket_mode
    from bot.compliance import layers as compliance_layers
    from bot.compliance.service import rules_for
    from bot.core.clock import ahead_by
    from bot.storage.database import migrate

    migrate(settings.database_url)
    runtime, app = bolt.build(settings, clock=ahead_by(settings.test_clock_offset))
    runtime.start_background()
    runtime.intake_models().warm_up()
    compliance_layers.warm_up(lambda: rules_for(runtime.policy))
    try:
        if http:
            server = HttpServer(
                app,
                host=http[0],
                port=http[1],
                push=push_app(runtime),
                ready=readiness_app(runtime),
                metrics=metrics_app(runtime),
                signing_secret=settings.slack_signing_secret.get_secret_value()
                if settings.slack_signing_secret
                else None,
            )
            print(
                f"mopsbot serving Slack at http://{http[0]}:{http[1]}/slack/events", file=sys.stderr
            )
            server.serve_forever()
        else:
            push, health = settings.push_port, settings.health_port
            ops = {"ready": readiness_app(runtime), "metrics": metrics_app(runtime)}
            if push:
                SidePort(
                    push_app(runtime), "0.0.0.0", push, **(ops if health == push else {})
                ).start()
                print(f"experiment results push on port {push}", file=sys.stderr)
            if health:
                if health != push:
                    SidePort(None, "0.0.0.0", health, **ops).start()
                print(f"/healthz, /readyz and /metrics on port {health}", file=sys.stderr)
            print("mopsbot connected in Socket Mode", file=sys.stderr)
            assert settings.slack_app_token is not None  # has_socket_mode_tokens
            run_socket_mode(app, settings.slack_app_token.get_secret_value())
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    return 0


SHELL_LOG = Path("var/shell.log")


def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app.local import run_local_shell
    from bot.core.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format, path=SHELL_LOG)
    print(f"(the bot's log goes to {SHELL_LOG})")

    return run_local_shell(settings)


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"mopsbot: {exc}", file=sys.stderr)
        return 2
    from bot.core.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    return reporting_errors(lambda: args.handler(args, settings))


if __name__ == "__main__":
    sys.exit(main())
