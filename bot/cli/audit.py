"""`mopsbot audit export`: the audit trail for a date range, as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.app.config import Settings


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-01") from None


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="the audit trail of every decision")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write the audit trail for a date range")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--since", type=_day, help="first day, inclusive (UTC), e.g. 2026-11-01")
    export.add_argument("--until", type=_day, help="last day, inclusive (UTC)")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.audit import service as audit
    from bot.storage.database import open_existing

    since = datetime.combine(args.since, time(), UTC) if args.since else None
    until = datetime.combine(args.until + timedelta(days=1), time(), UTC) if args.until else None
    if since and until and since >= until:
        print("mopsbot: --since is after --until", file=sys.stderr)
        return 2
    if args.out is not None:  # checked before the export runs, so a typo costs nothing
        if args.out.is_dir():
            print(f"mopsbot: --out {args.out} is a folder; name a file in it", file=sys.stderr)
            return 2
        if not args.out.parent.is_dir():
            print(f"mopsbot: --out: there is no folder {args.out.parent}", file=sys.stderr)
            return 2
    db = open_existing(settings.database_url)  # NoDatabase: main says it in one line
    try:
        with db.transaction() as session:
            text = audit.export(audit.events_between(session, since, until), args.format)
    finally:
        db.dispose()
    if args.out:
        args.out.write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
