"""`mopsbot intake train|eval|classify|retrain`: the intake model from the command line.

    mopsbot intake train --examples policies/intake.yaml --out var/intake-model
    mopsbot intake eval --model var/intake-model --test held_out.csv [--oos-label oos]
    echo "the demo form is broken, leads are getting lost" | mopsbot intake classify
    mopsbot intake retrain            # policy examples + corrections people confirmed in Slack
    mopsbot intake ensure             # train the bot's model when missing (what `make run` does)

Also runs alone: `python -m bot.intake_cli intake classify ...`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policies.intake_schema import OUT_OF_SCOPE

PACKAGE_TAXONOMY = Path(__file__).resolve().parents[2] / "policies" / "intake.yaml"


def register(sub: argparse._SubParsersAction) -> None:
    intake = sub.add_parser("intake", help="train, evaluate and run the intake classifier")
    actions = intake.add_subparsers(dest="intake_command", metavar="ACTION", required=True)

    train = actions.add_parser(
        "train", help="train a model from the policy YAML or a text,label CSV"
    )
    train.add_argument("--examples", type=Path, required=True, help="policies/intake.yaml or a CSV")
    train.add_argument("--out", type=Path, required=True, help="directory to write the model to")
    train.add_argument("--oos-label", default=OUT_OF_SCOPE, help="CSV label meaning out of scope")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=cmd_train)

    evaluate = actions.add_parser(
        "eval", help="accuracy, macro-F1, OOS recall, calibration, coverage"
    )
    evaluate.add_argument("--model", type=Path, help="model directory (default: the bot's)")
    evaluate.add_argument("--test", type=Path, required=True, help="CSV with text,label (or YAML)")
    evaluate.add_argument(
        "--oos-label", default=OUT_OF_SCOPE, help="test label meaning out of scope"
    )
    _decision_options(evaluate)
    evaluate.set_defaults(handler=cmd_eval)

    classify = actions.add_parser(
        "classify", help="one text per line on stdin -> one JSON per line"
    )
    classify.add_argument("--model", type=Path, help="model directory (default: the bot's)")
    _decision_options(classify)
    classify.set_defaults(handler=cmd_classify)

    retrain = actions.add_parser(
        "retrain", help="retrain on policy examples + confirmed corrections; promote if not worse"
    )
    retrain.add_argument("--examples", type=Path, help="taxonomy YAML (default: the policy's)")
    retrain.add_argument("--model", type=Path, help="current model directory (default: the bot's)")
    retrain.add_argument(
        "--corrections",
        type=Path,
        help="CSV of text,label corrections (default: those confirmed in Slack)",
    )
    retrain.add_argument("--progress", action="store_true", help="show a progress bar")
    retrain.set_defaults(handler=cmd_retrain)

    ensure = actions.add_parser(
        "ensure", help="train the bot's model from the policy when it is missing or out of date"
    )
    ensure.add_argument("--model", type=Path, help="model directory (default: the bot's)")
    ensure.set_defaults(handler=cmd_ensure)


def _decision_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threshold", type=float, help="confidence threshold (default: the model's)"
    )
    parser.add_argument("--margin", type=float, help="top-two margin (default: the model's)")


def cmd_train(args: argparse.Namespace, settings: Any = None) -> int:
    from bot.intake.classifier import read_examples, train_examples
    from bot.intake.classifier.training import model_version

    source = read_examples(args.examples, args.oos_label)
    started = time.perf_counter()
    model = train_examples(
        source.examples,
        args.out,
        source.settings,
        source.urgency,
        progress=not args.quiet,
        source_version=model_version(source.examples, source.settings, source.urgency),
    )
    meta = model.meta
    print(f"model {model.version} written to {args.out} in {time.perf_counter() - started:.1f} s")
    print(
        f"labels {len(model.labels)}, out-of-scope class {'yes' if OUT_OF_SCOPE in model.classes else 'no'}, "
        f"trained on {meta.train_size}, held out {meta.holdout_size}, temperature {meta.temperature:.3f}"
    )
    if meta.metrics:
        m = meta.metrics
        print(
            f"held out: accuracy {m['accuracy']:.2%}, out-of-scope recall {m['oos_recall']:.2%}, "
            f"ECE {m['ece']:.3f}, coverage {m['coverage']:.2%} at threshold {m['threshold']:.2f}"
        )
    return 0


def cmd_eval(args: argparse.Namespace, settings: Any = None) -> int:
    from bot.intake.classifier import IntakeModel, evaluate, read_examples

    directory = _model_dir(args, settings)
    if not (directory / "meta.json").exists():
        return _no_model(directory)
    model = IntakeModel.load(directory)
    examples = read_examples(args.test, args.oos_label).examples
    report = evaluate(model, examples, threshold=args.threshold, margin=args.margin)
    print(f"model {model.version} on {args.test}")
    print("\n".join(report.lines()))
    return 0


def cmd_classify(args: argparse.Namespace, settings: Any = None) -> int:
    from bot.intake.classifier import IntakeModel

    directory = _model_dir(args, settings)
    if not (directory / "meta.json").exists():
        return _no_model(directory)
    model = IntakeModel.load(directory)
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        result = model.classify(text, threshold=args.threshold, margin=args.margin)
        print(json.dumps({"text": text, **result.to_json()}, ensure_ascii=False), flush=True)
    return 0


def cmd_retrain(args: argparse.Namespace, settings: Any = None) -> int:
    from bot.intake.classifier import retrain_and_maybe_promote
    from bot.intake.classifier.sources import read_csv

    current = _model_dir(args, settings)
    taxonomy = args.examples or _policy_taxonomy(settings)
    corrections = read_csv(args.corrections) if args.corrections else _confirmed_in_slack(settings)
    result = retrain_and_maybe_promote(
        taxonomy,
        corrections,
        current,
        current.with_name(current.name + ".candidate"),
        progress=args.progress,
    )
    current_score = "none" if result.current_score is None else f"{result.current_score:.2%}"
    print(
        f"{len(corrections)} corrections ({result.skipped_corrections} with labels no longer in "
        f"the policy), held out {result.holdout_size} examples"
    )
    print(
        f"candidate {result.candidate_version}: {result.candidate_score:.2%}; "
        f"current {result.current_version or '(none)'}: {current_score}"
    )
    print(
        f"promoted to {current}"
        if result.promoted
        else "kept the current model: the candidate scored worse on the held-out split"
    )
    return 0


def cmd_ensure(args: argparse.Namespace, settings: Any = None) -> int:
    """What `make run` calls before starting: a no-op when the model matches the policy."""
    from bot.intake.classifier import ensure_default_model

    started = time.perf_counter()
    model = ensure_default_model(_policy_taxonomy(settings), _model_dir(args, settings))
    print(
        f"intake model {model.version} ready in {_model_dir(args, settings)} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


def _no_model(directory: Path) -> int:
    print(
        f"mopsbot: no intake model in {directory}; train one with `mopsbot intake train "
        f"--examples policies/intake.yaml --out {directory}`",
        file=sys.stderr,
    )
    return 2


def _model_dir(args: argparse.Namespace, settings: Any) -> Path:
    if getattr(args, "model", None):
        return Path(args.model)
    if settings is not None:
        return Path(settings.intake_model_dir)
    from bot.app.config import Settings

    return Path(
        Settings.model_fields["intake_model_dir"].default
    )  # settings unreadable: the default


def _policy_taxonomy(settings: Any) -> Path:
    """The taxonomy file the main policy names, relative to the policy file."""
    policy_file = getattr(settings, "policy_file", None)
    if policy_file is None:
        return PACKAGE_TAXONOMY
    from policies.loader import load_policy

    return Path(policy_file).resolve().parent / load_policy(policy_file).intake.taxonomy_file


def _confirmed_in_slack(settings: Any) -> list[tuple[str, str]]:
    from bot.intake.service import labelled_examples
    from bot.storage.database import open_existing

    db = open_existing(settings.database_url)  # never an empty database file as a side effect
    try:
        with db.transaction() as session:
            return labelled_examples(session)
    finally:
        db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.intake_cli")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        from bot.app.config import load_settings

        settings = load_settings()
    except Exception:  # settings only supply defaults here; the flags work without them
        settings = None
    from bot.cli.errors import reporting_errors

    return reporting_errors(lambda: args.handler(args, settings))


if __name__ == "__main__":
    sys.exit(main())
