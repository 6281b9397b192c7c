"""Which rows of a new lint set overlap a frozen or training set, without showing the other set.

    .venv/bin/python benchmarks/lint_overlap.py benchmarks/data/lint_dev_public.jsonl

A row overlaps when its normalised text (lowercase, runs of letters and digits) equals a row of
the other set, or the two share tokens with Jaccard similarity >= 0.6. Against the frozen test
set (benchmarks/data/lint_test.jsonl) it prints only the count and the indices (0-based lines)
of the NEW file's overlapping rows: never the test set's text, so a set can be checked against
it without anyone reading it. Against the dev set and the examples the model learns from it
prints the same (their text is not secret, but the index is what a fix needs).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policies.compliance import DEFAULT_RULES_PATH, load_rules  # noqa: E402

TEST = REPO / "benchmarks" / "data" / "lint_test.jsonl"
DEV = REPO / "benchmarks" / "data" / "lint_labelled.jsonl"
JACCARD = 0.6


def tokens(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


def overlapping(new: list[str], other: Iterable[str]) -> list[int]:
    """Indices into `new` of texts equal to or Jaccard >= 0.6 with any text of `other`."""
    others = [tokens(text) for text in other]
    exact = {" ".join(words) for words in others}
    sets = [set(words) for words in others if words]
    found = []
    for index, text in enumerate(new):
        words = tokens(text)
        mine = set(words)
        if " ".join(words) in exact or any(
            mine and len(mine & theirs) / len(mine | theirs) >= JACCARD for theirs in sets
        ):
            found.append(index)
    return found


def texts_of(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help="the JSONL set to check (text per row)")
    args = parser.parse_args()
    new = texts_of(args.new)
    rules = load_rules(DEFAULT_RULES_PATH)
    examples = rules.examples.texts if rules.examples is not None else ()
    for name, other in (
        ("frozen test set", lambda: texts_of(TEST)),
        ("dev set", lambda: texts_of(DEV)),
        ("examples", lambda: list(examples)),
    ):
        found = overlapping(new, other())
        print(f"{name}: {len(found)} of {len(new)} rows overlap; indices {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
