"""The lint's encoder fine-tuned on the examples: honest out-of-fold scores, and serving it
without blocking the lint (a child process tunes while the frozen model answers; a restart reads
the tuned model from the cache; a failed tuning leaves the frozen model serving).

Real MiniLM throughout, on a tiny example set (three categories, ten sentences each, one epoch),
so the whole background tuning takes well under a minute."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.cli.lint_tuning import cmd_tune
from bot.compliance import background, layers, semantic, tuned, tuning
from bot.compliance.cache_files import in_use
from bot.compliance.service import tuning_in_background
from bot.encoder import exported
from policies.compliance import ComplianceRules, lint, load_rules

CATEGORIES = ("financial_promise", "health_claim", "endorsement")
CLAIM = "I cleared $6,000 in my first five weeks, and so can you."


def test_each_fold_trains_without_the_sentences_it_scores() -> None:
    rng = np.random.default_rng(0)
    labels = rng.random((200, 4)) < [0.3, 0.2, 0.1, 0.06]
    labels[:10, 3] = True  # a rare category, and some sentences with two or three
    folds = tuning.split(labels)
    assert len(folds) == semantic.FOLDS
    held = np.concatenate([held_out for _, held_out in folds])
    assert sorted(held) == list(range(len(labels)))  # every sentence scored exactly once
    for train, held_out in folds:
        assert not set(train) & set(held_out)
        assert len(train) + len(held_out) == len(labels)
        assert labels[held_out].any(axis=0).all()  # each fold holds some of every category
        assert labels[train].any(axis=0).all()


@pytest.mark.slow
def test_out_of_fold_scores_come_from_encoders_that_never_saw_the_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = _tiny_rules(tmp_path, epochs=1)
    assert rules.examples is not None
    texts = list(rules.examples.texts)
    labels = semantic.labels_of(rules.examples, list(rules.categories))
    trained_on: list[set[str]] = []
    real = tuning.finetune

    def recording(texts: list[str], *args: object, **kwargs: object) -> object:
        trained_on.append(set(texts))
        return real(texts, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tuning, "finetune", recording)
    settings = rules.semantic.tuning  # type: ignore[union-attr]
    assert 0 < tuning.estimate_seconds(rules.examples, settings) < 600  # what --tune announces
    scores = tuning.out_of_fold(texts, labels, settings)
    assert scores.shape == labels.shape
    for seen, (_, held_out) in zip(trained_on, tuning.split(labels), strict=True):
        assert not seen & {texts[i] for i in held_out}
    # Scores, not noise: the fold's classifiers rank a held-out claim over held-out clean ones.
    clean = ~labels.any(axis=1)
    for column in range(labels.shape[1]):
        assert scores[labels[:, column], column].mean() > scores[clean, column].mean()


@pytest.mark.slow
def test_tuning_runs_beside_the_frozen_model_and_the_lint_switches_when_it_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MOPSBOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MOPSBOT_LINT_TUNING", "on")
    monkeypatch.setattr(layers, "_tunes_in_background", False)  # started by hand below
    rules = _tiny_rules(tmp_path, epochs=1)
    frozen = layers.reader(rules)
    assert frozen is not None and frozen.encoder_id == layers.encoder().id

    waiting = layers.start_tuning(rules)
    assert waiting is not None and background.running()
    assert tuning_in_background()  # what /readyz and /mops health tell an admin
    # The frozen model answers at once while the child tunes.
    answered = layers.lint_text(CLAIM, rules)
    assert background.running(), "the child should still be tuning: the lint did not wait"
    assert layers.reader(rules) == frozen
    assert layers.start_tuning(rules) is None  # one tuning per model per process

    waiting.join(timeout=240)
    assert not waiting.is_alive()
    assert not tuning_in_background()
    now = layers.reader(rules)
    assert now is not None and now.encoder_id != frozen.encoder_id
    assert now.encoder_id.startswith("minilm-") and now.model is not frozen.model
    after = layers.lint_text(CLAIM, rules)
    ours = [f for f in after.findings if f.layer == "model"]
    expected = semantic.find(now.model, rules, CLAIM, now.vectors, lint(CLAIM, rules).findings)
    assert [(f.category, f.score) for f in ours] == [(f.category, f.score) for f in expected]
    tuned_vector, frozen_vector = now.vectors([CLAIM])[0], frozen.vectors([CLAIM])[0]
    assert float(tuned_vector @ frozen_vector) < 0.9999  # another encoder's vectors
    # The same rules version before and after the switch; the model recorded with the findings
    # says which read the text: each by the name of its files in the cache.
    assert answered.rules_version == after.rules_version == rules.version
    setup = tuned.Setup.of(rules)
    assert setup is not None and now.name == f"tuned:{setup.key}"
    assert tuned.directory(setup.key).is_dir()
    assert frozen.name == f"frozen:{semantic.model_key(rules, frozen.encoder_id)}"
    assert answered.model == frozen.name and after.model == now.name
    assert all(f.model == frozen.name for f in answered.findings if f.layer == "model")
    assert all(f.model == now.name for f in ours)
    # The worker's log says how far it got: an admin waiting minutes can read it.
    (worker_log,) = (tmp_path / "cache").glob("compliance-tuning-*.log")
    assert all(f"fold={n}/5" in worker_log.read_text() for n in range(1, 6))

    # The start's cache tidying keeps the tuned model and its export.
    kept = in_use(rules)
    assert f"{now.encoder_id}.onnx" in kept
    assert any(name.startswith("compliance-tuned-") for name in kept)

    # A restart (a new process on the same cache) reads it, and tunes nothing.
    restarted = _in_new_process(tmp_path)
    assert restarted == {"encoder": now.encoder_id, "started": False}

    # The foreground command reads the same model and prints each category's figures.
    out = io.StringIO()
    assert cmd_tune(tmp_path / "compliance.yaml", quiet=True, out=out) == 0
    assert "already tuned" in out.getvalue() and now.encoder_id in out.getvalue()
    assert all(name in out.getvalue() for name in CATEGORIES)

    # A crashed worker: one clear log line, the frozen model keeps serving, no retry loop.
    other = _tiny_rules(tmp_path, epochs=2)
    with caplog.at_level(logging.ERROR, logger="bot.compliance.background"):
        failing = layers.start_tuning(other, command=[sys.executable, "-c", "raise SystemExit(3)"])
        assert failing is not None
        failing.join(timeout=60)
    assert "compliance.tuning_failed exit=3" in caplog.text
    assert "frozen encoder's model keeps serving" in caplog.text
    served = layers.reader(other)
    assert served is not None and served.encoder_id == frozen.encoder_id
    assert layers.start_tuning(other) is None

    # A bot stopping while it tunes ends its child, and says so: not as a failure.
    stopping = _tiny_rules(tmp_path, epochs=3)
    monkeypatch.setattr(background, "_stopping", False)  # stop() sets it for the process
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.compliance.background"):
        sleeping = [sys.executable, "-c", "import time; time.sleep(60)"]
        slow = layers.start_tuning(stopping, command=sleeping)
        assert slow is not None and background.running()
        background.stop()
        slow.join(timeout=30)
    assert not slow.is_alive() and not background.running()
    assert "compliance.tuning_stopped" in caplog.text
    assert "tuning_failed" not in caplog.text


def test_a_new_export_recipe_names_another_tuned_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tuned model is trained on its export's vectors: after an upgrade changes the export
    (7-bit weights, say), the model of the old export must not be read as this one."""
    rules = _tiny_rules(tmp_path, epochs=1)
    setup = tuned.Setup.of(rules)
    assert setup is not None
    again = tuned.Setup(setup.examples, setup.categories, setup.settings)
    assert again.key == setup.key
    monkeypatch.setattr(exported, "FORMAT", f"{exported.FORMAT}-next")
    upgraded = tuned.Setup(setup.examples, setup.categories, setup.settings)
    assert upgraded.key != setup.key


def _tiny_rules(folder: Path, epochs: int) -> ComplianceRules:
    """The package rules cut to three categories, ten examples each and ten clean ones (one
    naming `folder`, so no earlier run's cache matches), tuned for `epochs` in batches of 8."""
    package = PACKAGE_POLICY.parent
    examples = yaml.safe_load((package / "compliance_examples.yaml").read_text())
    few = {name: [_cut(item) for item in examples[name][:10]] for name in CATEGORIES}
    few["clean"] = [*examples["clean"][:9], f"The folder {folder.name} has a sentence of its own."]
    (folder / "examples.yaml").write_text(yaml.safe_dump(few, sort_keys=False))
    rules = yaml.safe_load((package / "compliance.yaml").read_text())
    rules["categories"] = {name: rules["categories"][name] for name in CATEGORIES}
    rules["channels"] = {}
    rules["semantic"].update(
        examples_file="examples.yaml",
        encoder="tuned",
        tuning={"epochs": epochs, "learning_rate": 1e-4, "batch_size": 8},
    )
    (folder / "compliance.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    return load_rules(folder / "compliance.yaml")


def _cut(item: str | dict) -> str | dict:
    """An example with its `also` categories cut to CATEGORIES (the others are not in the rules)."""
    if isinstance(item, str):
        return item
    kept = [name for name in item.get("also", []) if name in CATEGORIES]
    return {"text": item["text"], "also": kept} if kept else item["text"]


def _in_new_process(folder: Path) -> dict[str, object]:
    script = (
        "import json, sys\n"
        "from bot.compliance import layers\n"
        "from policies.compliance import load_rules\n"
        "rules = load_rules(sys.argv[1])\n"
        "found = layers.tuned_reader(rules)\n"
        "started = layers.start_tuning(rules) is not None\n"
        "print(json.dumps({'encoder': found and found.encoder_id, 'started': started}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder / "compliance.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
