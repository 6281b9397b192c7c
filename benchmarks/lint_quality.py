"""Compliance lint quality and speed: patterns alone, and patterns with the semantic model.

Four sets, reported apart:
- cv: the model's own training examples (policies/compliance_examples.yaml), each category's
  5-fold out-of-fold precision and recall at the threshold chosen from them.
- dev: benchmarks/data/lint_labelled.jsonl, the sentences the patterns were written and fixed
  against (its "dev" and "holdout" halves were both tuned on, so they measure the patterns'
  coverage of what they were fixed for, and whether the model adds false alarms there).
- dev public: benchmarks/data/lint_dev_public.jsonl, 293 sentences (207 claims, 86 clean) quoted
  verbatim from public pages: claims from regulators' rulings and guidance (ASA, CAP, ASCI, NAD,
  FTC, ACCC, ICO) and the lawyers' and trade press's reports of them, clean lines from ordinary
  ads, slogans and shop newsletters, each with its `source`. Rows overlapping the test set were
  dropped before it was first read (benchmarks/lint_overlap.py). Its misses guide which KINDS of
  sentence the examples need (never its sentences themselves), so it is a dev set too: a
  second, independent one, not a substitute for test.
- test: benchmarks/data/lint_test.jsonl, FROZEN before the semantic layer was written (247
  sentences, 87 quoted from ASA, ASCI, NAD and FTC material, each with its source). Its SHA-256
  is recorded below and the benchmark refuses to run if the file changed. Never tune on it:
  `--errors` prints the wrong sentences of the dev sets only, and with `--dev-only` the test
  file is not opened at all (not even to check its hash).

Figures per set: recall = claim sentences with any finding / claim sentences; precision =
flagged sentences that make a claim / flagged sentences; category recall = (sentence, category)
pairs found / pairs labelled; category precision likewise. Targets on test: recall >= 0.95,
precision >= 0.95, category recall >= 0.90. Latency of both layers for ~300 and ~1,000 words of
dev sentences, p50/p99: "new text" embeds every sentence (cache emptied before each run), "seen
sentences" is a re-lint of the same text (the gate lints a brief several times per submission).

    .venv/bin/python benchmarks/lint_quality.py [--runs 300] [--errors] [--rules PATH]
        [--dev-only] [--no-latency]

It measures the rules as they ship: with `semantic.encoder: tuned` (and MOPSBOT_LINT_TUNING not
off) the tuned encoder's model, tuned first in the foreground when it is not in the cache (the
time is printed); its cv figures are those of the in-fold pipeline (bot.compliance.tuning).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.compliance import layers, tuned  # noqa: E402
from policies.compliance import (  # noqa: E402
    DEFAULT_RULES_PATH,
    ComplianceRules,
    Finding,
    LintResult,
    lint,
    load_rules,
)

DEV = REPO / "benchmarks" / "data" / "lint_labelled.jsonl"
DEV_PUBLIC = REPO / "benchmarks" / "data" / "lint_dev_public.jsonl"
TEST = REPO / "benchmarks" / "data" / "lint_test.jsonl"
TEST_SHA256 = "ce46c2146c1aac9254bf3a76a0c6fa313e460a08cc12c6107a384b66fcb1c7d1"
TARGETS = {"recall": 0.95, "precision": 0.95, "category recall": 0.90}

Linter = Callable[[str], LintResult]


def read_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_set_unchanged() -> str | None:
    """None, or why the frozen test set can't be used."""
    digest = hashlib.sha256(TEST.read_bytes()).hexdigest()
    if digest != TEST_SHA256:
        return (
            f"{TEST.name} changed (SHA-256 {digest}, recorded {TEST_SHA256}): a test set edited "
            "after tuning measures nothing. Refusing to run."
        )
    return None


def score(
    rows: list[dict], categories: list[str], linter: Linter, show_errors: bool = False
) -> dict[str, Counter]:
    """tp/fp/fn per category, and under "" the sentence-level counts."""
    counts: dict[str, Counter] = {name: Counter() for name in [*categories, ""]}
    for row in rows:
        found = linter(row["text"]).categories
        wanted = set(row["categories"])
        sentence = counts[""]
        if wanted and found:
            sentence["tp"] += 1
        elif wanted:
            sentence["fn"] += 1
        elif found:
            sentence["fp"] += 1
        for name in categories:
            if name in found and name in wanted:
                counts[name]["tp"] += 1
            elif name in found:
                counts[name]["fp"] += 1
            elif name in wanted:
                counts[name]["fn"] += 1
        if show_errors and found != wanted:
            missed, extra = sorted(wanted - found), sorted(found - wanted)
            print(f"    missed {missed} extra {extra}: {row['text']}")
    return counts


def added_on_flagged(
    rows: list[dict], patterns: Callable[[str], set[str]], both: Callable[[str], set[str]]
) -> tuple[int, int]:
    """(right, all) of the categories the model added to texts the patterns flagged."""
    right = total = 0
    for row in rows:
        found = patterns(row["text"])
        if found:
            added = both(row["text"]) - found
            total += len(added)
            right += len(added & set(row["categories"]))
    return right, total


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def headline(counts: dict[str, Counter]) -> dict[str, float]:
    sentence = counts[""]
    pairs: Counter = Counter()
    for name, c in counts.items():
        if name:
            pairs.update(c)
    return {
        "recall": _ratio(sentence["tp"], sentence["tp"] + sentence["fn"]),
        "precision": _ratio(sentence["tp"], sentence["tp"] + sentence["fp"]),
        "category recall": _ratio(pairs["tp"], pairs["tp"] + pairs["fn"]),
        "category precision": _ratio(pairs["tp"], pairs["tp"] + pairs["fp"]),
    }


def print_set(title: str, rows: list[dict], results: dict[str, dict[str, Counter]]) -> None:
    claims = sum(1 for row in rows if row["categories"])
    print(f"\n{title}: {len(rows)} sentences, {claims} claims, {len(rows) - claims} clean")
    layers_shown = list(results)
    print(f"  {'':<20} " + "  ".join(f"{name:>22}" for name in layers_shown))
    print(
        f"  {'category':<20} {'n':>3} " + "  ".join(f"{'tp fp fn   P     R':>22}" for _ in results)
    )
    first = next(iter(results.values()))
    for name in first:
        if not name:
            continue
        n = first[name]["tp"] + first[name]["fn"]
        cells = []
        for counts in results.values():
            c = counts[name]
            p, r = _ratio(c["tp"], c["tp"] + c["fp"]), _ratio(c["tp"], c["tp"] + c["fn"])
            cells.append(f"{c['tp']:>3} {c['fp']:>2} {c['fn']:>2} {p:5.3f} {r:5.3f}")
        print(f"  {name:<20} {n:>3} " + "  ".join(f"{cell:>22}" for cell in cells))
    for key in ("recall", "precision", "category recall", "category precision"):
        values = "  ".join(f"{headline(counts)[key]:>22.3f}" for counts in results.values())
        print(f"  {key:<24} {values}")


def _found(categories: set[str]) -> LintResult:
    """A result with one finding per category: what score() reads of a lint."""
    findings = [
        Finding(c, c, 0, 0, "", "warning", "", "legal", layer="model") for c in sorted(categories)
    ]
    return LintResult(findings=findings)


def text_of_words(rows: list[dict], words: int, start: int) -> str:
    """A deterministic text of about `words` words from the set, clean and regulated mixed."""
    picked, count, index = [], 0, start
    while count < words:
        sentence = rows[index % len(rows)]["text"]
        picked.append(sentence)
        count += len(sentence.split())
        index += 7  # steps through the file so clean and regulated sentences alternate
    return " ".join(picked)


def timings(text: str, rules: ComplianceRules, runs: int, cold: bool) -> tuple[float, float]:
    current = layers.reader(rules)
    assert current is not None
    vectors = current.vectors
    layers.lint_text(text, rules)  # warm: model loaded, regexes compiled
    samples = []
    for _ in range(runs):
        if cold:
            vectors.clear()  # a new text: every sentence embedded
        began = time.perf_counter_ns()
        layers.lint_text(text, rules)
        samples.append((time.perf_counter_ns() - began) / 1e6)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def print_latency(rules: ComplianceRules, runs: int) -> None:
    dev_rows = read_set(DEV)
    print(f"\nlatency of both layers (p50 / p99, {runs} runs each):")
    for label, words, start in (("brief", 300, 3), ("long copy", 1000, 5)):
        text = text_of_words(dev_rows, words, start)
        for cold in (True, False):
            p50, p99 = timings(text, rules, runs, cold)
            what = f"{label} ({len(text.split())} words), " + (
                "new text" if cold else "seen sentences"
            )
            print(f"  {what:<44} {p50:7.2f} ms / {p99:7.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="lint runs per latency figure")
    parser.add_argument("--errors", action="store_true", help="print the dev sets' wrong sentences")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES_PATH)
    parser.add_argument(
        "--dev-only",
        action="store_true",
        help="while tuning: cv, dev and dev public only; the test file is not opened",
    )
    parser.add_argument("--no-latency", action="store_true", help="skip the latency figures")
    args = parser.parse_args()
    if not args.dev_only and (problem := test_set_unchanged()):
        print(problem, file=sys.stderr)
        return 2

    rules = load_rules(args.rules)
    began = time.perf_counter()
    model = layers.model_for(rules)
    if model is None:
        print(f"{args.rules.name} has no semantic section: nothing to compare", file=sys.stderr)
        return 2
    print(
        f"rules {args.rules.name} version {rules.version}; model ready in "
        f"{time.perf_counter() - began:.1f} s (trained, or read from the cache under "
        f"{layers.semantic.cache_dir()})"
    )
    if layers.tuning_wanted(rules):
        setup = tuned.Setup.of(rules)
        assert setup is not None
        began = time.perf_counter()
        made = tuned.make(setup, progress=True)
        settings = setup.settings.tuning
        print(
            f"tuned encoder ({settings.epochs} epochs, learning rate {settings.learning_rate:g}) "
            f"ready in {time.perf_counter() - began:.1f} s; tuning took {made.seconds:.0f} s "
            "(6 fine-tunings: 5 folds + all)"
        )
    current = layers.reader(rules)
    assert current is not None
    model = current.model
    print(f"encoder {current.encoder_id} (MOPSBOT_LINT_ENCODER=torch: torch's)")
    assert rules.semantic is not None and rules.examples is not None
    print(
        f"\ncv: {len(rules.examples.texts)} labelled examples "
        f"({rules.examples.clean_count} clean), 5-fold out-of-fold at each threshold "
        f"(target precision {rules.semantic.target_precision})"
    )
    print(
        f"  {'category':<20} {'n':>3} {'threshold':>9} {'precision':>9} {'recall':>6} "
        f"{'added threshold':>15}"
    )
    for fit in model.fits:
        print(
            f"  {fit.name:<20} {fit.examples:>3} {fit.threshold:>9.3f} "
            f"{fit.cv_precision:>9.3f} {fit.cv_recall:>6.3f} {fit.added_threshold:>15.3f}"
        )

    categories = list(rules.categories)
    cv_rows = [
        {"text": text, "categories": sorted(claimed)}
        for text, claimed in zip(rules.examples.texts, rules.examples.labels, strict=True)
    ]
    pattern_cats = {row["text"]: lint(row["text"], rules).categories for row in cv_rows}
    alone, both = {}, {}
    for text, row in zip(rules.examples.texts, model.held_out, strict=True):
        alone[text] = {categories[j] for j in np.flatnonzero(row >= model.thresholds)}
        # as lint_text: on a sentence the patterns flagged, only other categories, stricter
        cut = model.added_thresholds if pattern_cats[text] else model.thresholds
        both[text] = pattern_cats[text] | {categories[j] for j in np.flatnonzero(row >= cut)}
    cv_results = {
        "patterns": score(cv_rows, categories, lambda t: _found(pattern_cats[t])),
        "model (out of fold)": score(cv_rows, categories, lambda t: _found(alone[t])),
        "patterns + model": score(cv_rows, categories, lambda t: _found(both[t])),
    }
    print_set("cv (each sentence judged by a model that never saw it)", cv_rows, cv_results)
    right, total = added_on_flagged(cv_rows, pattern_cats.__getitem__, both.__getitem__)
    print(f"  categories the model added to flagged sentences: {right} right of {total}")

    linters: dict[str, Linter] = {
        "patterns": lambda text: lint(text, rules),
        "patterns + model": lambda text: layers.lint_text(text, rules),
    }
    summary = {}
    dev_sets = [("dev", DEV), ("dev public", DEV_PUBLIC)]
    sets = dev_sets + ([] if args.dev_only else [("test (frozen)", TEST)])
    for title, path in sets:
        rows = read_set(path)
        show = args.errors and path != TEST  # never the frozen set's sentences
        if show:
            print(f"\n{title} sentences both layers get wrong:")
        results = {
            name: score(rows, categories, linter, show and name != "patterns")
            for name, linter in linters.items()
        }
        print_set(title, rows, results)
        right, total = added_on_flagged(
            rows,
            lambda text: lint(text, rules).categories,
            lambda text: layers.lint_text(text, rules).categories,
        )
        print(f"  categories the model added to flagged sentences: {right} right of {total}")
        summary[title] = headline(results["patterns + model"])

    if not args.no_latency:
        print_latency(rules, args.runs)

    if args.dev_only:
        return 0
    test = summary["test (frozen)"]
    print(
        "\ntargets on test: "
        + ", ".join(
            f"{key} {test[key]:.3f} (>= {target}: {'met' if test[key] >= target else 'NOT met'})"
            for key, target in TARGETS.items()
        )
        + "; p99 of a 300-word brief < 50 ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
