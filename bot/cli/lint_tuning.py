"""`mopsbot lint --tune`: fine-tune the lint's encoder on the rules' examples now, in the
foreground (the bot otherwise does it in the background at start), with an estimate first, a
progress bar, and each category's cross-validated figures at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.intake import _duration
from policies.compliance import ComplianceRules, ComplianceRulesError, load_rules

if TYPE_CHECKING:
    from bot.compliance.tuned import TunedModel


def cmd_tune(rules_path: Path, quiet: bool = False, out: TextIO = sys.stdout) -> int:
    try:
        rules = load_rules(rules_path)
    except ComplianceRulesError as exc:
        print(f"mopsbot: compliance rules {rules_path}: {'; '.join(exc.errors)}", file=sys.stderr)
        return 2
    # Here, not at the top: torch takes seconds to load, and `mopsbot --help` needs none of it.
    from bot.compliance import tuned, tuning
    from bot.encoder.sentence import use_every_core

    setup = tuned.Setup.of(rules)
    if setup is None:
        print(f"mopsbot: {rules_path.name} has no semantic section to tune", file=sys.stderr)
        return 2
    use_every_core()  # nothing else is served meanwhile
    made = tuned.read(setup)
    if made is None:
        settings = setup.settings.tuning
        estimate = tuning.estimate_seconds(setup.examples, settings)
        out.write(
            f"fine-tuning the lint's encoder on {len(setup.examples.texts)} examples: "
            f"{settings.epochs} epochs at learning rate {settings.learning_rate:g}, "
            f"5 folds (for honest thresholds) + 1 on all; about {_duration(estimate)} here\n"
        )
        out.flush()
        started = time.perf_counter()
        made = tuned.make(setup, progress=not quiet)
        out.write(f"tuned in {_duration(time.perf_counter() - started)}\n")
    else:
        out.write(f"already tuned (in {_duration(made.seconds)}), read from the cache\n")
    print_summary(rules, made, out)
    return 0


def print_summary(rules: ComplianceRules, made: TunedModel, out: TextIO) -> None:
    """Each category's out-of-fold precision and recall at its thresholds (every sentence judged
    by encoder and classifiers that never saw it), and which encoder the lint will read."""
    assert rules.semantic is not None
    out.write(
        f"\n{'category':<20} {'n':>4} {'threshold':>9} {'precision':>9} {'recall':>6} "
        f"{'added threshold':>15}\n"
    )
    for fit in made.model.fits:
        out.write(
            f"{fit.name:<20} {fit.examples:>4} {fit.threshold:>9.3f} {fit.cv_precision:>9.3f} "
            f"{fit.cv_recall:>6.3f} {fit.added_threshold:>15.3f}\n"
        )
    used = "uses it" if rules.semantic.encoder == "tuned" else "does not use it"
    out.write(
        f"\nencoder {made.encoder.id}; the lint {used} (semantic.encoder: "
        f"{rules.semantic.encoder} in the rules)\n"
    )
