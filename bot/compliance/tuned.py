"""Where a tuned lint model is kept: one directory in the cache per examples and settings.

    <cache>/compliance-tuned-<key>/encoder/    the fine-tuned weights (config.json, safetensors)
                                  /model.npz   the semantic model over their int8 vectors
                                  /made.json   the int8 export's file name, encoder id, seconds
    <cache>/minilm-<tuned weights hash>-layers3-6+6-int8.onnx   (bot.encoder.exported)

Made in a directory of its own and renamed into place, so a reader finds the whole model or
none. One maker at a time per cache (a file lock): of two bots starting on one cache, the second
waits, then finds the first's directory and does not tune again.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.compliance import semantic, tuning
from bot.compliance.per_rules import once_per_rules
from bot.encoder import exported
from bot.encoder.exported import OnnxEncoder
from policies.compliance import ComplianceRules, LabelledExamples
from policies.compliance.schema import Semantic

log = logging.getLogger(__name__)

FORMAT = "1"  # bump when the directory's content changes meaning


@dataclass(frozen=True)
class TunedModel:
    model: semantic.SemanticModel
    encoder: OnnxEncoder
    seconds: float  # how long tuning took


@dataclass(frozen=True)
class Setup:
    """What a tuned model is made of: the rules' examples, categories and semantic settings.
    A file of its own (`dump`) for the background worker, which has no policy to read them from."""

    examples: LabelledExamples
    categories: tuple[str, ...]
    settings: Semantic

    @classmethod
    def of(cls, rules: ComplianceRules) -> Setup | None:
        """The setup of these rules: one per loaded rules, so its key is computed once, not on
        every lint (it names the tuned model the lint looks for)."""
        return _setup_of(rules)

    @functools.cached_property
    def key(self) -> str:
        """Names the tuned model: the examples, categories and settings (computed once: a JSON
        dump of the settings and a SHA-256)."""
        # Not the examples file's name (its content is the version) nor `encoder`: a model made
        # by `mopsbot lint --tune` before the rules switch to it is the one they will use.
        settings = self.settings.model_dump_json(exclude={"examples_file", "encoder"})
        # The export's recipe too: a model over another recipe's vectors is made again with it.
        setup = f"{FORMAT} {exported.FORMAT} {','.join(self.categories)} {settings}"
        return f"{self.examples.version}-{hashlib.sha256(setup.encode()).hexdigest()[:12]}"

    def dump(self, path: Path) -> None:
        examples = self.examples
        data = {
            "texts": list(examples.texts),
            "labels": [sorted(labels) for labels in examples.labels],
            "version": examples.version,
            "categories": list(self.categories),
            "settings": self.settings.model_dump(mode="json"),
        }
        path.write_text(json.dumps(data))

    @classmethod
    def load(cls, path: Path) -> Setup:
        data = json.loads(path.read_text())
        examples = LabelledExamples(
            texts=tuple(data["texts"]),
            labels=tuple(frozenset(labels) for labels in data["labels"]),
            version=data["version"],
        )
        return cls(examples, tuple(data["categories"]), Semantic.model_validate(data["settings"]))


@once_per_rules
def _setup_of(rules: ComplianceRules) -> Setup | None:
    if rules.semantic is None or rules.examples is None:
        return None
    return Setup(rules.examples, tuple(rules.categories), rules.semantic)


def directory(name: str) -> Path:
    return semantic.cache_dir() / f"compliance-tuned-{name}"


def lock_path(name: str) -> Path:
    """The makers' lock of the tuned model `name`, beside its directory."""
    return semantic.cache_dir() / f"compliance-tuned-{name}.lock"


def log_path(name: str) -> Path:
    """What the background worker making the tuned model `name` prints."""
    return semantic.cache_dir() / f"compliance-tuning-{name}.log"


def read(setup: Setup) -> TunedModel | None:
    """The tuned model of `setup` from the cache; None when it was not made (or, with one log
    line, can't be read)."""
    folder = directory(setup.key)
    if not (folder / "made.json").is_file():
        return None
    try:
        made = json.loads((folder / "made.json").read_text())
        encoder = OnnxEncoder(semantic.cache_dir() / made["export"])
        model = semantic.read(folder / "model.npz", setup.categories, setup.examples)
    except Exception as exc:  # a damaged cache: the frozen model serves, tuning runs again
        log.warning("compliance.tuned_model_unreadable path=%s error=%r", folder, exc)
        return None
    if model is None or encoder.id != made["encoder"]:
        log.warning("compliance.tuned_model_unreadable path=%s error=incomplete", folder)
        return None
    return TunedModel(model, encoder, float(made["seconds"]))


def make(setup: Setup, progress: bool = False) -> TunedModel:
    """The tuned model of `setup`: read from the cache, or tuned now and kept there (waits while
    another process tunes the same)."""
    name = setup.key
    cache = semantic.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(lock_path(name), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = read(setup)
        if found is not None:
            return found
        for stale in cache.glob(f".tuning-{name}-*"):  # left by a killed maker: not ours now
            shutil.rmtree(stale, ignore_errors=True)
        started = time.perf_counter()
        work = Path(tempfile.mkdtemp(dir=cache, prefix=f".tuning-{name}-"))
        try:
            model, encoder = tuning.tune(
                setup.examples,
                setup.categories,
                setup.settings,
                weights=work / "encoder",
                exports=cache,
                progress=progress,
            )
            seconds = time.perf_counter() - started
            semantic.save(model, work / "model.npz")
            made = {"export": encoder.path.name, "encoder": encoder.id, "seconds": seconds}
            (work / "made.json").write_text(json.dumps(made))
            shutil.rmtree(directory(name), ignore_errors=True)  # an unreadable earlier one
            work.rename(directory(name))  # readers see all of it or nothing
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.info("compliance.tuned encoder=%s seconds=%.0f", encoder.id, seconds)
    return TunedModel(model, encoder, seconds)
