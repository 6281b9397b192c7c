"""The labelled sentences the compliance lint's semantic layer learns from, read and checked.

The file (`semantic.examples_file` in the rules, e.g. policies/compliance_examples.yaml) maps each
category of the rules to sentences that make that claim, and `clean` to sentences that make none:

    health_claim:
      - Wake up without the stiffness in your knees after just a week.
      - {text: "I lost 11 kilos in two months and kept it off.", also: [endorsement]}
    clean:
      - Speak to your doctor before starting any new exercise programme.

Pure: the training itself needs the encoder and lives in bot/compliance/semantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.yaml_files import PolicyError, content_version, read_yaml

CLEAN = "clean"
# Five-fold cross-validation chooses each threshold: a category needs a few examples per fold.
MIN_EXAMPLES = 10


@dataclass(frozen=True)
class LabelledExamples:
    """Sentences and the categories each one claims (empty for a clean sentence)."""

    texts: tuple[str, ...]
    labels: tuple[frozenset[str], ...]
    version: str  # content hash of the file: the trained model is cached under it

    def count(self, category: str) -> int:
        return sum(1 for labels in self.labels if category in labels)

    @property
    def clean_count(self) -> int:
        return sum(1 for labels in self.labels if not labels)


def load_examples(path: Path, categories: list[str], name: str) -> LabelledExamples:
    """The examples in `path` for these rule categories; PolicyError listing every problem.

    `name` starts each error (the file name as the rules wrote it, never a server path)."""
    data, raw = read_yaml(path, name)
    if not isinstance(data, dict):
        raise PolicyError(
            [f"{name}: expected `category: [sentences]` (a mapping) at the top level"]
        )
    problems: list[str] = []
    where: dict[str, str] = {}  # a sentence's normalized words -> where it was first given
    texts: list[str] = []
    labels: list[frozenset[str]] = []
    for key, items in data.items():
        if key != CLEAN and key not in categories:
            problems.append(
                f"{name}.{key}: not a category of the rules (known: {', '.join(categories)}, clean)"
            )
            continue
        if not isinstance(items, list):
            problems.append(f"{name}.{key}: expected a list of sentences")
            continue
        for index, item in enumerate(items):
            at = f"{name}.{key}[{index}]"
            text, claimed, errors = _item(item, key, categories, at)
            problems += errors
            if text is None:
                continue
            seen = " ".join(text.lower().split())
            if seen in where:
                problems.append(f"{at}: the same sentence as {where[seen]}")
                continue
            where[seen] = f"{key}[{index}]"
            texts.append(text)
            labels.append(claimed)
    found = LabelledExamples(tuple(texts), tuple(labels), content_version(raw))
    for category in categories:
        if found.count(category) < MIN_EXAMPLES:
            problems.append(
                f"{name}.{category}: {found.count(category)} example(s); the model needs at "
                f"least {MIN_EXAMPLES} for each category (its threshold is chosen by 5-fold "
                "cross-validation)"
            )
    if found.clean_count < MIN_EXAMPLES:
        problems.append(f"{name}.{CLEAN}: at least {MIN_EXAMPLES} clean sentences are needed")
    if problems:
        raise PolicyError(problems)
    return found


def _item(
    item: Any, key: str, categories: list[str], at: str
) -> tuple[str | None, frozenset[str], list[str]]:
    """One entry: its sentence, the categories it claims, and what is wrong with it."""
    also: Any = []
    if isinstance(item, dict):
        unknown = sorted(set(item) - {"text", "also"})
        if unknown:
            return None, frozenset(), [f"{at}: unknown key(s) {', '.join(unknown)} (text, also)"]
        text, also = item.get("text"), item.get("also", [])
    else:
        text = item
    if not isinstance(text, str) or not text.strip():
        return None, frozenset(), [f"{at}: expected a sentence (text)"]
    if key == CLEAN and also:
        return None, frozenset(), [f"{at}: a clean sentence claims nothing, so it has no `also`"]
    if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
        return None, frozenset(), [f"{at}.also: expected a list of categories"]
    errors = [
        f"{at}.also: '{a}' is not a category of the rules" for a in also if a not in categories
    ]
    if key in also:
        errors.append(f"{at}.also: '{key}' is the list it is already in")
    if errors:
        return None, frozenset(), errors
    claimed = frozenset() if key == CLEAN else frozenset([key, *also])
    return text.strip(), claimed, []
