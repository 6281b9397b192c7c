"""The `mopsbot` console command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.config import Settings, SettingsError, load_settings, require
from bot.cli import audit, experiment, forecast, intake, lint
from bot.cli.errors import reporting_errors

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app.runtime import Runtime

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


# A stop's budget, inside `docker stop`'s 10 s: the requests being served first (Slack wants its
# answer within 3 s anyway), then the ticks, the sender and the worker.
HTTP_GRACE = 3.0
RUNTIME_GRACE = 4.0
# How often the idle HTTP loop looks up, so its stop takes that long, not waitress's 1 s.
STOP_POLL = 0.2


def _serve(settings: Settings, http: tuple[str, int] | None) -> int:
    from bot.app import bolt
    from bot.app.stopping import StopSignals, within
    from bot.compliance import cache_files
    from bot.compliance import layers as compliance_layers
    from bot.compliance.service import rules_for
    from bot.core.clock import ahead_by
    from bot.core.logs import get_logger
    from bot.storage.database import migrate

    # First thing: a SIGTERM during the start (loading the model takes a while) is not lost.
    signals = StopSignals().install()
    migrate(settings.database_url)
    runtime, app = bolt.build(settings, clock=ahead_by(settings.test_clock_offset))
    runtime.start_background()
    runtime.intake_models().warm_up()
    warm_up = compliance_layers.warm_up(lambda: rules_for(runtime.policy))
    cache_files.tidy_after(warm_up, lambda: rules_for(runtime.policy))  # old models and exports
    try:
        stops = _open_doors(settings, http, runtime, app)
    except BaseException:
        runtime.stop(within=RUNTIME_GRACE)
        raise
    log = get_logger("mopsbot")
    name = signals.wait()
    started = time.monotonic()
    log.info("stopping", signal=name)
    # No new deliveries first (the HTTP server or the Socket Mode connection), then the work.
    clean = all([within(HTTP_GRACE + 1, stop, part) for part, stop in stops])
    clean = runtime.stop(within=RUNTIME_GRACE) and clean
    log.info("stopped", signal=name, seconds=round(time.monotonic() - started, 2), clean=clean)
    if not clean:
        # A thread still in a call would hold the exit (Python joins its thread pools): what
        # it does is safe to abandon (Runtime.stop), so leave now, with the logs written.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def _open_doors(
    settings: Settings, http: tuple[str, int] | None, runtime: Runtime, app: App
) -> list[tuple[str, Callable[[], object]]]:
    """The HTTP server, or the Socket Mode connection and its side ports: started, and how each
    closes, in the order a stop closes them (Slack's door first)."""
    from bot.app.push import push_app
    from bot.app.readiness import readiness_app
    from bot.app.scrape import metrics_app
    from bot.app.serving import HttpServer, SidePort, connect_socket_mode

    ops = {"ready": readiness_app(runtime), "metrics": metrics_app(runtime)}
    stops: list[tuple[str, Callable[[], object]]] = []  # how each door closes, in order
    if http:
        server = HttpServer(
            app,
            host=http[0],
            port=http[1],
            push=push_app(runtime),
            ready=ops["ready"],
            metrics=ops["metrics"],
            stop_within=STOP_POLL,
            signing_secret=settings.slack_signing_secret.get_secret_value()
            if settings.slack_signing_secret
            else None,
        ).start(freeze=True)
        stops.append(("http", lambda: server.stop(grace=HTTP_GRACE)))
        print(f"mopsbot serving Slack at http://{http[0]}:{http[1]}/slack/events", file=sys.stderr)
    else:
        push, health = settings.push_port, settings.health_port
        if push:
            side = SidePort(push_app(runtime), "0.0.0.0", push, **(ops if health == push else {}))
            stops.append(("push", side.start().stop))
            print(f"experiment results push on port {push}", file=sys.stderr)
        if health:
            if health != push:
                stops.append(("health", SidePort(None, "0.0.0.0", health, **ops).start().stop))
            print(f"/healthz, /readyz and /metrics on port {health}", file=sys.stderr)
        assert settings.slack_app_token is not None  # has_socket_mode_tokens
        socket = connect_socket_mode(app, settings.slack_app_token.get_secret_value())
        stops.insert(0, ("socket_mode", socket.close))
        print("mopsbot connected in Socket Mode", file=sys.stderr)
    return stops


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
