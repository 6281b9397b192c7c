"""The intake classifier's evaluation protocol, without the model: folds that two recipes share,
corrections that train but are never scored, the threshold chosen for a target, the shipped
examples and their frozen test split."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.intake.classifier.crossval import Recipe, assign_folds, fold_count, score
from bot.intake.classifier.operating_point import choose, curve
from policies.intake_schema import MAX_TITLE, MIN_EXAMPLES, OUT_OF_SCOPE, Target, load_intake
from policies.yaml_files import PolicyError

ROOT = Path(__file__).resolve().parents[2]
TEST_SPLIT = ROOT / "benchmarks" / "data" / "intake_taxonomy_test.csv"
BENCHMARK = ROOT / "benchmarks" / "intake.py"


def examples(labels: int = 3, each: int = 12) -> list[tuple[str, str]]:
    return [
        (f"request {n} about {label}", f"label_{label}")
        for label in range(labels)
        for n in range(each)
    ]


def test_folds_are_stratified_and_depend_only_on_the_texts() -> None:
    rows = examples()
    folds = assign_folds(rows, 4)
    for label in {label for _, label in rows}:
        counts = np.bincount(
            folds[[i for i, row in enumerate(rows) if row[1] == label]], minlength=4
        )
        assert counts.tolist() == [3, 3, 3, 3]
    # Another order, the same folds: a retrain's recipe is scored on the current one's folds.
    shuffled = list(reversed(rows))
    again = dict(zip(shuffled, assign_folds(shuffled, 4), strict=True))
    assert all(again[row] == fold for row, fold in zip(rows, folds, strict=True))


def test_the_smallest_label_caps_the_folds() -> None:
    rows = [*examples(2, 10), ("one lonely", "label_x"), ("two lonely", "label_x")]
    assert fold_count(rows, 5) == 2
    assert fold_count(examples(2, 10), 5) == 5


def test_a_correction_overrides_its_text_and_is_never_scored() -> None:
    rows = examples(2, 4)
    corrected = (rows[0][0].upper() + "  ", "label_1")  # the same text, as a person relabelled it
    recipe = Recipe.of(rows, [corrected, ("a brand new message", "label_0")])
    assert rows[0] not in recipe.curated
    assert len(recipe.curated) == len(rows) - 1
    assert recipe.corrections[0][1] == "label_1"
    assert len(recipe.everything) == len(rows) + 1
    assert recipe.scored({"request 1 about 0"}) == [
        e for e in recipe.curated if e[0] != "request 1 about 0"
    ]


def test_score_counts_out_of_scope_as_asking_when_the_model_has_no_such_class() -> None:
    classes = ["a", "b"]
    probs = np.array([[0.9, 0.1], [0.55, 0.45], [0.2, 0.8]])
    truth = ["a", OUT_OF_SCOPE, "a"]
    # The second is a close call (asks a person): right for out-of-scope; the third is wrong.
    assert score(probs, classes, truth, threshold=0.6, margin=0.15) == pytest.approx(2 / 3)


def _predictions() -> tuple[np.ndarray, list[str], list[str]]:
    """Ten in-scope messages, surer when right; two out-of-scope ones."""
    classes = ["a", "b", OUT_OF_SCOPE]
    rows, truth = [], []
    for confidence, right in [
        (0.95, 1),
        (0.9, 1),
        (0.88, 1),
        (0.85, 1),
        (0.8, 1),
        (0.75, 0),
        (0.7, 1),
        (0.65, 0),
        (0.6, 1),
        (0.55, 0),
    ]:
        rows.append(
            [confidence, 1 - confidence, 0.0] if right else [1 - confidence, confidence, 0.0]
        )
        truth.append("a")
    rows += [[0.1, 0.1, 0.8], [0.7, 0.3, 0.0]]
    truth += [OUT_OF_SCOPE, OUT_OF_SCOPE]
    return np.array(rows), classes, truth


def test_the_threshold_for_a_routed_accuracy_target_routes_the_most_that_meets_it() -> None:
    probs, classes, truth = _predictions()
    point, met = choose(probs, classes, truth, Target(routed_accuracy=1.0))
    assert met
    assert point.threshold == pytest.approx(0.76)  # just above the first mistake at 0.75
    assert (point.coverage, point.routed_accuracy) == (0.5, 1.0)
    assert point.oos_recall == 1.0  # the 0.7 out-of-scope message is under the bar too


def test_the_threshold_for_a_to_person_target_sends_no_more_than_it() -> None:
    probs, classes, truth = _predictions()
    point, met = choose(probs, classes, truth, Target(to_person=0.2))
    assert met
    assert point.to_person <= 0.2
    assert point.threshold == pytest.approx(0.6)  # routes the 0.6 one, which is right
    # A request the model takes for chatter always goes to a person: the closest point, and
    # it says the target was missed.
    probs = np.vstack([probs, [0.1, 0.1, 0.8]])
    point, met = choose(probs, classes, [*truth, "b"], Target(to_person=0.0))
    assert not met
    assert (point.threshold, point.to_person) == (0.0, pytest.approx(1 / 11))


def test_the_curve_trades_coverage_for_accuracy() -> None:
    probs, classes, truth = _predictions()
    points = curve(probs, classes, truth, thresholds=[0.0, 0.5, 0.7, 0.9], margins=[0.0])
    coverage = [p.coverage for p in points]
    assert coverage == sorted(coverage, reverse=True)
    assert points[0].routed_accuracy < points[-1].routed_accuracy == 1.0


def test_a_target_names_exactly_one_goal() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Target(routed_accuracy=0.9, to_person=0.1)
    with pytest.raises(ValueError, match="exactly one"):
        Target()


def test_the_shipped_taxonomy_has_sixty_examples_a_label_and_chatter_that_looks_like_work() -> None:
    taxonomy = load_intake(ROOT / "policies" / "intake.yaml")
    counts = {name: len(label.examples) for name, label in taxonomy.labels.items()}
    assert min(counts.values()) >= 60, counts
    assert len(taxonomy.out_of_scope_examples) >= 100
    assert (
        "can someone review my PR? it's the one fixing the login timeout"
        in taxonomy.out_of_scope_examples
    )
    assert set(taxonomy.replies()) == {"brand_assets", "utm_links"}


def test_the_frozen_test_split_is_the_one_recorded_and_never_trained_on() -> None:
    recorded = re.search(r'TAXONOMY_TEST_SHA256 = "([0-9a-f]{64})"', BENCHMARK.read_text())
    assert recorded is not None
    assert hashlib.sha256(TEST_SPLIT.read_bytes()).hexdigest() == recorded[1]
    taxonomy = load_intake(ROOT / "policies" / "intake.yaml")
    with TEST_SPLIT.open(newline="") as handle:
        rows = [(row["text"], row["label"]) for row in csv.DictReader(handle)]
    trained = {" ".join(text.casefold().split()) for text, _ in taxonomy.examples()}
    assert not [text for text, _ in rows if " ".join(text.casefold().split()) in trained]
    assert {label for _, label in rows} == {*taxonomy.labels, OUT_OF_SCOPE}


def _taxonomy(folder: Path, extra: object, **titles: object) -> Path:
    labels: dict[str, dict] = {
        name: {"description": name, "route": {"owner_group": "@brand-team"}}
        for name in ("ask_a", "ask_b")
    }
    for name, title in titles.items():
        labels[name]["title"] = title
    labels["ask_a"]["examples"] = [f"inline a {n}" for n in range(MIN_EXAMPLES - 5)]
    (folder / "examples.yaml").write_text(yaml.safe_dump(extra))
    path = folder / "intake.yaml"
    path.write_text(yaml.safe_dump({"examples_file": "examples.yaml", "labels": labels}))
    return path


def test_an_examples_file_adds_to_the_labels(tmp_path: Path) -> None:
    extra = {
        "ask_a": [f"from the file a {n}" for n in range(5)],
        "ask_b": [f"from the file b {n}" for n in range(MIN_EXAMPLES)],
        OUT_OF_SCOPE: ["lunch?"],
    }
    taxonomy = load_intake(_taxonomy(tmp_path, extra))
    assert len(taxonomy.labels["ask_a"].examples) == MIN_EXAMPLES
    assert taxonomy.labels["ask_a"].examples[-1] == "from the file a 4"
    assert ("lunch?", OUT_OF_SCOPE) in taxonomy.examples()


def test_an_examples_file_is_checked_like_the_taxonomy(tmp_path: Path) -> None:
    extra = {"ask_b": [f"b {n}" for n in range(3)], "ask_c": ["a label nobody declared"]}
    with pytest.raises(PolicyError) as caught:
        load_intake(_taxonomy(tmp_path, extra))
    assert caught.value.errors == [
        "examples_file (examples.yaml).ask_c: not a label of the taxonomy"
    ]
    with pytest.raises(PolicyError) as caught:
        load_intake(_taxonomy(tmp_path, {"ask_b": [f"b {n}" for n in range(3)]}))
    assert caught.value.errors == [
        f"labels ask_a, ask_b: at least {MIN_EXAMPLES} examples each (here or in examples_file)"
    ]


ENOUGH = {"ask_a": ["from the file a"] * 5, "ask_b": [f"b {n}" for n in range(MIN_EXAMPLES)]}


def test_a_label_reads_as_its_title_or_else_its_name_capitalised(tmp_path: Path) -> None:
    taxonomy = load_intake(_taxonomy(tmp_path, ENOUGH, ask_a="  Ask   A\n"))
    assert taxonomy.title_of("ask_a") == "Ask A"  # spaces and a YAML line break tidied
    assert taxonomy.title_of("ask_b") == "Ask b"
    assert taxonomy.title_of("removed_since") == "Removed since"  # an old request's label
    assert taxonomy.title_of(OUT_OF_SCOPE) == "Not a marketing request"
    shipped = load_intake(ROOT / "policies" / "intake.yaml")
    assert shipped.title_of("utm_links") == "UTM links"
    assert shipped.title_of("campaign_brief") == "Campaign brief"


@pytest.mark.parametrize("title", ["", "   ", "x" * (MAX_TITLE + 1)])
def test_a_title_that_would_not_fit_a_button_is_refused(tmp_path: Path, title: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_intake(_taxonomy(tmp_path, ENOUGH, ask_a=title))
    assert caught.value.errors == [
        "labels.ask_a.title: a title needs 1 to 68 characters: it is the text of a button, with "
        'its likelihood after it ("UTM links (62%)"), and Slack\'s limit for that is 75'
    ]
    assert load_intake(_taxonomy(tmp_path, ENOUGH, ask_a="x" * MAX_TITLE))


def test_two_labels_may_not_read_the_same(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_intake(_taxonomy(tmp_path, ENOUGH, ask_a="ask B"))
    assert caught.value.errors == [
        "labels ask_a and ask_b both read 'Ask b': people pick a label by its title"
    ]
    with pytest.raises(PolicyError) as caught:
        load_intake(_taxonomy(tmp_path, ENOUGH, ask_b="Not a marketing request"))
    assert caught.value.errors == [
        "labels out_of_scope and ask_b both read 'Not a marketing request': people pick a label "
        "by its title"
    ]
