"""`mopsbot intake train|eval|classify|retrain`: the intake model from the command line.

    mopsbot intake train --examples policies/intake.yaml --out var/intake-model [--finetune [--epochs N]] [--folds K]
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
DEFAULT_EPOCHS = 3


def register(sub: argparse._SubParsersAction) -> None:
    intake = sub.add_parser("intake", help="train, evaluate and run the intake classifier")
    actions = intake.add_subparsers(dest="intake_command", metavar="ACTION", required=True)

    train = actions.add_parser(
        "train", help="train a model from the policy YAML or a text,label CSV"
    )
    train.add_argument("--examples", type=Path, required=True, help="policies/intake.yaml or a CSV")
    train.add_argument("--out", type=Path, required=True, help="directory to write the model to")
    train.add_argument("--oos-label", default=OUT_OF_SCOPE, help="CSV label meaning out of scope")
    train.add_argument(
        "--finetune",
        action="store_true",
        help="fine-tune the encoder too (slower; the frozen encoder is the default)",
    )
    train.add_argument(
        "--epochs",
        type=int,
        help=f"fine-tuning epochs (with --finetune; default: the taxonomy's, else {DEFAULT_EPOCHS})",
    )
    train.add_argument(
        "--folds",
        type=int,
        help="cross-validation folds (2-20; default: the taxonomy's, else 5). Fine-tuning trains "
        "folds + 1 times, so fewer folds make it faster on a large CSV",
    )
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


def _every_core() -> None:
    # Imported here: torch takes seconds to load and `mopsbot --help` needs none of it.
    from bot.encoder.sentence import use_every_core

    use_every_core()


def _decision_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threshold", type=float, help="confidence threshold (default: the model's)"
    )
    parser.add_argument("--margin", type=float, help="top-two margin (default: the model's)")


def cmd_train(args: argparse.Namespace, settings: Any = None) -> int:
    _every_core()
    from bot.intake.classifier import read_examples, train_examples
    from bot.intake.classifier.training import estimate_seconds, model_version

    if args.epochs is not None and not args.finetune:
        print("mopsbot: --epochs is for fine-tuning; add --finetune", file=sys.stderr)
        return 2
    if args.epochs is not None and not 1 <= args.epochs <= 20:
        print("mopsbot: --epochs takes 1 to 20", file=sys.stderr)
        return 2
    if args.folds is not None and not 2 <= args.folds <= 20:
        print("mopsbot: --folds takes 2 to 20", file=sys.stderr)
        return 2
    source = read_examples(args.examples, args.oos_label)
    options = source.settings
    chosen: dict[str, int] = {}  # the command line's training settings, over the examples'
    if args.folds is not None:
        chosen["calibration_folds"] = args.folds
    if args.finetune:
        chosen["finetune_epochs"] = (
            args.epochs or options.training.finetune_epochs or DEFAULT_EPOCHS
        )
    if chosen:
        training = options.training.model_copy(update=chosen)
        options = options.model_copy(update={"training": training})
    tr = options.training
    how = (
        f"fine-tuning the encoder, {tr.finetune_epochs} epochs, {tr.calibration_folds}-fold "
        "cross-validation (folds + 1 trainings)"
        if tr.finetune_epochs
        else f"frozen encoder, {tr.calibration_folds}-fold cross-validation"
    )
    print(
        f"training on {len(source.examples)} examples: {how}; "
        f"about {_duration(estimate_seconds(source.examples, options))} on this machine",
        flush=True,
    )
    started = time.perf_counter()
    model = train_examples(
        source.examples,
        args.out,
        options,
        source.urgency,
        progress=not args.quiet,
        source_version=model_version(source.examples, options, source.urgency),
    )
    meta = model.meta
    print(
        f"model {model.version} written to {args.out} in {_duration(time.perf_counter() - started)}"
    )
    print(
        f"labels {len(model.labels)}, out-of-scope class {'yes' if OUT_OF_SCOPE in model.classes else 'no'}, "
        f"trained on all {meta.train_size} examples, temperature {meta.temperature:.3f}"
    )
    if meta.metrics:
        m = meta.metrics
        print(
            f"cross-validated ({m.get('cv_folds', 0):.0f} folds, each example predicted by a model "
            f"that did not see it): accuracy {m['accuracy']:.2%}, out-of-scope recall "
            f"{m['oos_recall']:.2%}, ECE {m['ece']:.3f}"
        )
    point = meta.training.get("operating_point")
    if point:
        print(
            f"threshold {meta.confidence_threshold:.2f}, margin {meta.margin:.2f}, chosen for "
            f"{_target_words(options)}{'' if point['target_met'] else ' (NOT reached: the closest)'}: "
            f"routes {point['coverage']:.1%} of requests on its own, {point['routed_accuracy']:.1%} "
            f"of them right; {point['oos_recall']:.1%} of out-of-scope chatter kept back"
        )
    else:
        print(
            f"threshold {meta.confidence_threshold:.2f}, margin {meta.margin:.2f} (as the settings say)"
        )
    return 0


def _target_words(options: Any) -> str:
    target = options.target
    if target is None:
        return "no target"
    if target.routed_accuracy is not None:
        return f"at least {target.routed_accuracy:.0%} right among what it routes"
    return f"at most {target.to_person:.0%} of requests to a person"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def cmd_eval(args: argparse.Namespace, settings: Any = None) -> int:
    _every_core()
    from bot.intake.classifier import IntakeModel, evaluate, read_examples
    from bot.intake.classifier.operating_point import SHOWN_THRESHOLDS, curve, curve_lines

    directory = _model_dir(args, settings)
    if not (directory / "meta.json").exists():
        return _no_model(directory)
    model = IntakeModel.load(directory)
    examples = read_examples(args.test, args.oos_label).examples
    probs = model.probabilities([text for text, _ in examples])
    report = evaluate(model, examples, threshold=args.threshold, margin=args.margin, probs=probs)
    print(f"model {model.version} on {args.test}")
    print("\n".join(report.lines()))
    truth = [label if label in model.classes else OUT_OF_SCOPE for _, label in examples]
    print(
        f"\ncoverage and accuracy by threshold (margin {report.margin:.2f}): pick a threshold, "
        "or state a target under settings in the taxonomy"
    )
    points = curve(probs, model.classes, truth, SHOWN_THRESHOLDS, [report.margin])
    print("\n".join(curve_lines(points)))
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
    _every_core()
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
        f"the policy); both recipes judged by {result.folds}-fold cross-validation on the same "
        f"{result.scored_size} policy examples"
    )
    print(
        f"candidate {result.candidate_version}: {result.candidate_score:.2%}; "
        f"current {result.current_version or '(none)'}: {current_score}"
    )
    print(
        f"promoted to {current}"
        if result.promoted
        else "kept the current model: the candidate scored worse in cross-validation"
    )
    return 0


def cmd_ensure(args: argparse.Namespace, settings: Any = None) -> int:
    """What `make run` calls before starting: a no-op when the model matches the policy."""
    _every_core()
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
