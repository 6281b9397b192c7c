"""Where examples come from: the intake policy YAML, or a CSV with `text,label` columns."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from policies.intake_schema import OUT_OF_SCOPE, Settings, UrgencyCues, load_intake


@dataclass(frozen=True)
class ExampleSet:
    examples: list[tuple[str, str]]  # out-of-scope rows carry the label `out_of_scope`
    settings: Settings
    urgency: UrgencyCues


def read_examples(path: Path | str, oos_label: str = OUT_OF_SCOPE) -> ExampleSet:
    """YAML: the taxonomy with its settings. CSV: the rows, default settings; rows labelled
    `oos_label` are out of scope. Raises ValueError (CSV) or PolicyError (YAML) naming the problem."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        taxonomy = load_intake(path)
        return ExampleSet(taxonomy.examples(), taxonomy.settings, taxonomy.urgency)
    return ExampleSet(read_csv(path, oos_label), Settings(), UrgencyCues())


def read_csv(path: Path | str, oos_label: str = OUT_OF_SCOPE) -> list[tuple[str, str]]:
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs a header with `text` and `label` columns")
        rows: list[tuple[str, str]] = []
        for number, row in enumerate(reader, start=2):
            text, label = (row["text"] or "").strip(), (row["label"] or "").strip()
            if not text or not label:
                raise ValueError(f"{path}, line {number}: empty text or label")
            rows.append((text, OUT_OF_SCOPE if label == oos_label else label))
    return rows
