"""`mopsbot lint`: regulated claims and channel checks for any text, in a terminal or a pipeline.

Exit status: 0 clean, 1 findings or channel issues, 2 a usage or rules-file error (one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.slack.blocks import sure
from policies.compliance import (
    DEFAULT_RULES_PATH,
    ComplianceRules,
    ComplianceRulesError,
    LintResult,
    UnknownChannelError,
    lint,
    load_rules,
    resolve_channel,
)

Linter = Callable[[str, ComplianceRules, str | None], LintResult]

EPILOG = """\
examples:
  mopsbot lint brief.txt                   findings with line:col, guidance and approver
  mopsbot lint --channel sms sms.txt       also the SMS length, opt-out text and tone
  echo "Win a free cruise!" | mopsbot lint -
  mopsbot lint --jsonl < texts.txt         one JSON object per input line
  mopsbot lint --patterns-only brief.txt   the rules' phrases only (no model to load)
  mopsbot lint --tune                      fine-tune the lint's encoder now (minutes)
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "lint",
        help="find regulated claims in text (exit 1 on findings)",
        description="Find regulated claims (financial, health, pricing, ...) and channel issues.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(handler=cmd_lint)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", metavar="FILE", help="text to lint; - reads stdin")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="one text per input line (stdin unless FILE); one JSON object per line out",
    )
    parser.add_argument("--channel", metavar="NAME", help="also check this channel's rules")
    parser.add_argument(
        "--patterns-only",
        action="store_true",
        help="skip the semantic model (no encoder to load: quick, but misses paraphrases)",
    )
    parser.add_argument(
        "--tune",
        action="store_true",
        help="fine-tune the lint's encoder on the rules' examples now, with a progress bar and "
        "the cross-validated figures at the end (the bot otherwise does it in the background)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar (with --tune)")
    parser.add_argument(
        "--rules",
        type=Path,
        default=DEFAULT_RULES_PATH,
        metavar="PATH",
        help="compliance rules file (default: the packaged policies/compliance.yaml)",
    )


def cmd_lint(args: argparse.Namespace, settings: object = None) -> int:
    if args.tune:
        if args.file is not None or args.jsonl or args.channel or args.patterns_only:
            return _usage("--tune takes no FILE, --jsonl, --channel or --patterns-only")
        from bot.cli.lint_tuning import cmd_tune

        return cmd_tune(args.rules, quiet=args.quiet)
    if args.file is None and not args.jsonl:
        return _usage("lint needs FILE (or - for standard input)")
    try:
        rules = load_rules(args.rules)
    except ComplianceRulesError as exc:
        return _usage(f"compliance rules {args.rules}: {'; '.join(exc.errors)}")
    if args.channel is not None:
        try:  # a name or an alias, any case: "X" is x_post, as for /mops lint
            args.channel = resolve_channel(rules, args.channel)
        except UnknownChannelError as exc:
            return _usage(str(exc))
    name = args.file or "-"
    if args.patterns_only:
        linter: Linter = lint
    else:
        # Here, not at the top: the model layer imports torch, seconds that every other
        # `mopsbot` command (migrate, policy check) would wait for at its start.
        from bot.compliance import layers

        linter = layers.lint_text
    try:
        source = sys.stdin if name == "-" else open(name, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        return _usage(f"{name}: {exc.strerror}")
    try:
        with source:
            if args.jsonl:
                return _lint_lines(source, rules, args.channel, sys.stdout, linter)
            text = source.read()
    except UnicodeDecodeError:
        return _usage(f"{name}: not UTF-8 text")
    result = linter(text, rules, args.channel)
    print_report("<stdin>" if name == "-" else name, text, result, sys.stdout)
    return 0 if result.clean else 1


def _lint_lines(
    source: TextIO, rules: ComplianceRules, channel: str | None, out: TextIO, linter: Linter
) -> int:
    status = 0
    for number, line in enumerate(source, start=1):
        text = line.rstrip("\r\n")
        result = linter(text, rules, channel)
        out.write(json.dumps({"line": number, **result.to_dict()}, ensure_ascii=False) + "\n")
        if not result.clean:
            status = 1
    return status


def print_report(name: str, text: str, result: LintResult, out: TextIO) -> None:
    """Findings as `file:line:col`, each with its guidance and approver, then a summary line."""
    for finding in result.findings:
        line, column = line_and_column(text, finding.start)
        out.write(
            f"{name}:{line}:{column}: {finding.severity} {finding.category}: "
            f'"{finding.matched}"\n'
            f"    {finding.label}. {finding.guidance}\n"
            f"    approval needed from: {finding.approver_stage}\n"
        )
        if finding.layer == "model" and finding.score is not None:
            out.write(
                f"    found by the semantic model ({sure(finding.score)}); nearest labelled "
                f'example: "{finding.nearest}"\n'
            )
    for issue in result.channel_issues:
        out.write(f"{name}: channel {result.channel}: {issue.check}: {issue.message}\n")
    if result.clean:
        out.write(f"{name}: clean (rules {result.rules_version})\n")
        return
    parts = []
    if result.findings:
        count = len(result.findings)
        parts.append(
            f"{count} finding{'s' if count != 1 else ''} "
            f"({', '.join(sorted(result.categories))}); "
            f"approval needed from: {', '.join(sorted(result.approver_stages))}"
        )
    if result.channel_issues:
        count = len(result.channel_issues)
        parts.append(f"{count} channel issue{'s' if count != 1 else ''}")
    out.write(f"{name}: {'; '.join(parts)} (rules {result.rules_version})\n")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _usage(message: str) -> int:
    print(f"mopsbot: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mopsbot lint", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help is 0, a usage error 2
        return int(exc.code or 0)
    from bot.cli.errors import reporting_errors

    return reporting_errors(lambda: cmd_lint(args))


if __name__ == "__main__":
    sys.exit(main())
