"""The intake classifier with the real MiniLM encoder, trained on a small fixture (4 labels x 8
examples plus out-of-scope chatter). One model is trained per module and shared."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.cli import intake as intake_cli
from bot.intake.classifier import (
    OUT_OF_SCOPE,
    IntakeModel,
    ensure_default_model,
    retrain_and_maybe_promote,
    train_from_policy,
)
from bot.intake.classifier.model import decide
from bot.intake.classifier.sources import read_csv
from bot.intake.classifier.store import ModelMeta
from bot.intake.classifier.training import model_version, train_examples
from policies.intake_schema import Settings, Target, UrgencyCues

pytestmark = pytest.mark.slow
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "intake_small.csv"
LABELS = ["data_request", "design_asset", "email_send", "legal_compliance"]
UNSEEN = [
    ("please schedule the customer newsletter email for next tuesday", "email_send"),
    ("could design make a banner and a few ad resizes for the spring promo", "design_asset"),
    ("how many signups did the webinar bring in last month? need the numbers", "data_request"),
    ("legal question: can we claim we're the fastest platform in the ad copy?", "legal_compliance"),
]
CHATTER = [
    "who wants tacos for lunch?",
    "my vpn keeps dropping, can IT take a look",
    "how many vacation days do I have left this year",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("intake") / "model"
    train_from_policy(FIXTURE, directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def model(model_dir: Path) -> IntakeModel:
    return IntakeModel.load(model_dir)


def test_trains_the_labels_in_the_examples(model: IntakeModel) -> None:
    assert model.labels == LABELS
    assert model.classes == [*LABELS, OUT_OF_SCOPE]
    assert model.version.startswith("intake-")
    assert 0.05 < model.temperature < 20


@pytest.mark.parametrize(("text", "label"), UNSEEN)
def test_classifies_requests_it_never_saw(model: IntakeModel, text: str, label: str) -> None:
    result = model.classify(text, threshold=0.0, margin=0.0)
    assert result.label == label
    assert result.top3[0][0] == label


def test_a_classification_is_complete(model: IntakeModel) -> None:
    result = model.classify(UNSEEN[0][0])
    assert 0.0 < result.confidence <= 1.0
    assert len(result.top3) == 3
    assert OUT_OF_SCOPE not in [label for label, _ in result.top3]
    assert [p for _, p in result.top3] == sorted((p for _, p in result.top3), reverse=True)
    assert result.model_version == model.version
    payload = result.to_json()
    assert set(payload) >= {"label", "confidence", "top3", "needs_confirmation", "urgent"}
    json.dumps(payload)


def test_probabilities_sum_to_one_and_batch_matches_single(model: IntakeModel) -> None:
    texts = [text for text, _ in UNSEEN] + CHATTER
    probs = model.probabilities(texts)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    batch = model.classify_batch(texts)
    for text, together in zip(texts, batch, strict=True):
        alone = model.classify(text)
        assert alone.label == together.label
        assert alone.confidence == pytest.approx(together.confidence, abs=1e-4)


def test_decision_rules() -> None:
    classes = ["a", "b", "c", OUT_OF_SCOPE]
    assert decide(np.array([0.9, 0.05, 0.03, 0.02]), classes, 0.6, 0.1)[3] == "confident"
    assert decide(np.array([0.5, 0.3, 0.1, 0.1]), classes, 0.6, 0.1)[3] == "low_confidence"
    assert decide(np.array([0.62, 0.55, 0.0, 0.0]) / 1.17, classes, 0.5, 0.1)[3] == "close_call"
    label, confidence, top3, reason = decide(np.array([0.1, 0.1, 0.1, 0.7]), classes, 0.6, 0.1)
    assert (label, reason) == (None, "out_of_scope")
    assert confidence == pytest.approx(0.7)
    assert [name for name, _ in top3] == ["a", "b", "c"]
    # The out-of-scope class counts as the runner-up of a close call.
    assert decide(np.array([0.5, 0.0, 0.05, 0.45]), classes, 0.3, 0.1)[3] == "close_call"


def test_threshold_and_margin_route_to_a_person(model: IntakeModel) -> None:
    text = UNSEEN[0][0]
    sure = model.classify(text, threshold=0.0, margin=0.0)
    assert (sure.reason, sure.needs_confirmation) == ("confident", False)
    low = model.classify(text, threshold=sure.confidence + 1e-3, margin=0.0)
    assert (low.reason, low.needs_confirmation, low.label) == ("low_confidence", True, sure.label)
    gap = sure.confidence - sure.top3[1][1]
    close = model.classify(text, threshold=0.0, margin=gap + 1e-3)
    assert (close.reason, close.needs_confirmation) == ("close_call", True)


@pytest.mark.parametrize("text", CHATTER)
def test_out_of_scope_goes_to_a_person(model: IntakeModel, text: str) -> None:
    result = model.classify(text)
    assert result.needs_confirmation
    assert result.reason == "out_of_scope"
    assert result.label is None


def test_urgency_is_flagged(model: IntakeModel) -> None:
    assert model.classify("the newsletter has to go out today, ASAP").urgent
    assert not model.classify("no rush: newsletter for next month").urgent


def test_version_follows_examples_and_settings() -> None:
    examples = read_csv(FIXTURE)
    settings, cues = Settings(), UrgencyCues()
    version = model_version(examples, settings, cues)
    assert model_version(list(reversed(examples)), settings, cues) == version
    assert (
        model_version([*examples, ("one more banner please", "design_asset")], settings, cues)
        != version
    )
    relabelled = [(examples[0][0], "design_asset"), *examples[1:]]
    assert model_version(relabelled, settings, cues) != version
    assert model_version(examples, Settings(margin=0.3), cues) != version
    assert model_version(examples, settings, UrgencyCues(extra_cues=["board"])) != version


def test_ensure_default_model_trains_once_and_again_when_examples_change(tmp_path: Path) -> None:
    examples = tmp_path / "examples.csv"
    shutil.copy(FIXTURE, examples)
    directory = tmp_path / "model"
    first = ensure_default_model(examples, directory, progress=False)
    trained_at = ModelMeta.read(directory).trained_at
    again = ensure_default_model(examples, directory, progress=False)
    assert again.version == first.version
    assert ModelMeta.read(directory).trained_at == trained_at  # loaded, not retrained
    with examples.open("a") as handle:
        handle.write("can we get a one-pager designed for the booth,design_asset\n")
    changed = ensure_default_model(examples, directory, progress=False)
    assert changed.version != first.version
    assert ModelMeta.read(directory).version == changed.version


def test_every_example_trains_and_the_estimates_are_cross_validated(
    model: IntakeModel, tmp_path: Path
) -> None:
    meta = model.meta
    assert meta.train_size == len(read_csv(FIXTURE))  # nothing held out of the final model
    assert meta.metrics["cv_folds"] == 5
    assert 0.5 < meta.metrics["accuracy"] <= 1.0
    # A target in the settings: threshold and margin come from the out-of-fold predictions.
    settings = Settings(target=Target(to_person=0.25))
    chosen = train_examples(read_csv(FIXTURE), tmp_path / "m", settings, progress=False)
    point = chosen.meta.training["operating_point"]
    assert point["to_person"] <= 0.25 and point["target_met"]
    assert (chosen.threshold, chosen.margin) == (point["threshold"], point["margin"])


def test_promotion_refused_for_a_worse_model(
    model_dir: Path, model: IntakeModel, tmp_path: Path
) -> None:
    current = tmp_path / "current"
    shutil.copytree(model_dir, current)
    # Careless confirmations: a near copy of every example, each under the wrong label.
    rotate = dict(zip(LABELS, LABELS[1:] + LABELS[:1], strict=True))
    wrong = [(text + " thx", rotate[label]) for text, label in read_csv(FIXTURE) if label in rotate]
    result = retrain_and_maybe_promote(FIXTURE, wrong, current, tmp_path / "candidate")
    assert not result.promoted
    assert result.folds == 5
    assert result.scored_size == len(read_csv(FIXTURE))  # the same folds of every policy example
    assert result.current_score is not None
    assert result.candidate_score < result.current_score
    assert IntakeModel.load(current).version == model.version  # the current model stays
    assert (tmp_path / "candidate" / "meta.json").exists()  # the refused one is kept to inspect


def test_promotion_of_a_model_that_is_not_worse(
    model_dir: Path, model: IntakeModel, tmp_path: Path
) -> None:
    current = tmp_path / "current"
    shutil.copytree(model_dir, current)
    corrections = [*UNSEEN, ("a label we dropped", "old_label")]
    result = retrain_and_maybe_promote(FIXTURE, corrections, current, tmp_path / "candidate")
    assert result.promoted
    assert result.candidate_score >= (result.current_score or 0.0)
    assert result.skipped_corrections == 1
    promoted = IntakeModel.load(current)
    assert promoted.version == result.candidate_version != model.version
    assert (tmp_path / "current.previous" / "meta.json").exists()
    assert not (tmp_path / "candidate").exists()


def test_cli_classify_and_eval(
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{UNSEEN[1][0]}\n\n{CHATTER[0]}\n"))
    assert intake_cli.main(["intake", "classify", "--model", str(model_dir)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["label"] for line in lines] == ["design_asset", None]
    assert lines[1]["needs_confirmation"] is True

    test_file = tmp_path / "test.csv"
    rows = [*UNSEEN, *[(text, "oos") for text in CHATTER]]
    test_file.write_text("text,label\n" + "".join(f'"{t}",{label}\n' for t, label in rows))
    argv = [
        "intake",
        "eval",
        "--model",
        str(model_dir),
        "--test",
        str(test_file),
        "--oos-label",
        "oos",
    ]
    assert intake_cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "4 in scope, 3 out of scope" in out
    assert "accuracy            100.00%" in out
    assert "out-of-scope recall 100.00%" in out
    for name in ("macro-F1", "calibration error", "coverage"):
        assert name in out
    assert "coverage and accuracy by threshold" in out
    assert "     0.90   0.15" in out  # one row per threshold at the model's margin


def test_cli_train_refuses_epochs_without_finetune(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["intake", "train", "--examples", str(FIXTURE), "--out", "/nonexistent", "--epochs", "2"]
    assert intake_cli.main(argv) == 2
    assert "--epochs is for fine-tuning; add --finetune" in capsys.readouterr().err


def test_cli_train_refuses_folds_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["intake", "train", "--examples", str(FIXTURE), "--out", "/nonexistent", "--folds", "1"]
    assert intake_cli.main(argv) == 2
    assert "--folds takes 2 to 20" in capsys.readouterr().err


def test_cli_train_with_fewer_folds_cross_validates_with_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model"
    argv = ["intake", "train", "--examples", str(FIXTURE), "--out", str(out), "--folds", "2"]
    assert intake_cli.main([*argv, "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "2-fold cross-validation" in printed
    assert "cross-validated (2 folds" in printed
    assert ModelMeta.read(out).metrics["cv_folds"] == 2
