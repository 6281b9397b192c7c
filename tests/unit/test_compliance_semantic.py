"""The compliance lint's semantic layer: the shipped examples and model (the real MiniLM encoder),
the examples file's checks, thresholds chosen from the data, and the model cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.compliance import layers, semantic
from bot.encoder.shared import shared_encoder
from policies.compliance import (
    ComplianceRules,
    ComplianceRulesError,
    Finding,
    check_rules_file,
    lint,
    load_rules,
    parse_rules,
)
from policies.loader import check_policy_file
from tests.support.policies import write_policy

PARAPHRASES = [
    # (sentence written for this test, never in the examples file; the category it claims)
    ("“This serum gave me my confidence back.” — Amy, Norwich", "endorsement"),
    ("Sunita from Pune says our course got her a job at a top bank.", "endorsement"),
    ("I cleared $6,000 in my first five weeks.", "financial_promise"),
    ("Continuing to browse means you accept our trackers.", "privacy_data"),
    ("We pass your details to our partners so they can call you.", "privacy_data"),
    ("Cheaper than Costco for the same weekly shop.", "comparative_claim"),
    ("Shed the weight for good with our daily shake.", "health_claim"),
]
NEAR_MISSES = [
    "Dr. Lee joins our board as an adviser.",
    "Our pricing page lists every plan.",
    "The clinic opens at nine on weekdays.",
    "Our partners can log in to the reseller portal.",
    "Our team will share the slides after the webinar.",
    "Meet Amy, who runs our Norwich shop.",
]


@pytest.fixture(scope="module")
def rules() -> ComplianceRules:
    return load_rules()


def test_paraphrases_the_patterns_miss_are_found_by_the_model(rules: ComplianceRules) -> None:
    texts = set(rules.examples.texts) if rules.examples else set()
    for sentence, category in PARAPHRASES:
        assert sentence not in texts
        assert category not in lint(sentence, rules).categories, sentence  # patterns miss it
        found = [f for f in layers.lint_text(sentence, rules).findings if f.category == category]
        assert found, sentence
        finding = found[0]
        assert finding.layer == "model" and finding.matched == sentence.strip()
        assert finding.score is not None and finding.score >= 0.5


def test_near_miss_clean_sentences_are_not_flagged(rules: ComplianceRules) -> None:
    for sentence in NEAR_MISSES:
        assert layers.lint_text(sentence, rules).findings == [], sentence


def test_a_model_finding_names_the_nearest_labelled_example_of_its_category(
    rules: ComplianceRules,
) -> None:
    assert rules.examples is not None
    claimed = dict(zip(rules.examples.texts, rules.examples.labels, strict=True))
    finding = layers.lint_text("Sunita from Pune says our course got her a job.", rules).findings[0]
    assert finding.nearest is not None and "endorsement" in claimed[finding.nearest]
    assert finding.to_dict()["nearest"] == finding.nearest and finding.to_dict()["layer"] == "model"


def test_model_findings_sit_on_their_sentence_beside_pattern_findings(
    rules: ComplianceRules,
) -> None:
    text = "Risk-free returns, guaranteed.\nSunita from Pune says our course got her a job."
    findings = layers.lint_text(text, rules).findings
    by_layer = {f.layer: f for f in findings}
    assert by_layer["pattern"].category == "financial_promise"
    model = by_layer["model"]
    assert model.category == "endorsement" and text[model.start : model.end] == model.matched
    assert model.matched.startswith("Sunita")


def test_a_model_finding_names_the_model_that_found_it(rules: ComplianceRules) -> None:
    """The lint serves the frozen model until the tuned one is made (the tests keep it frozen):
    the audit trail must say which read a text. The name is the model's file in the cache."""
    text = "Risk-free returns, guaranteed.\nSunita from Pune says our course got her a job."
    result = layers.lint_text(text, rules)
    by_layer = {f.layer: f for f in result.findings}
    name = by_layer["model"].model
    assert name is not None and name.startswith("frozen:")
    assert (semantic.cache_dir() / f"compliance-model-{name.removeprefix('frozen:')}.npz").is_file()
    assert result.model == name and result.to_dict()["model"] == name
    assert by_layer["model"].to_dict()["model"] == name
    assert by_layer["pattern"].model is None and "model" not in by_layer["pattern"].to_dict()
    assert "model" not in lint(text, rules).to_dict()  # patterns only: no model read it


def test_a_flagged_sentence_gets_only_the_categories_the_patterns_missed(
    rules: ComplianceRules,
) -> None:
    findings = layers.lint_text("Guaranteed 12% returns for every member.", rules).findings
    assert [(f.layer, f.category) for f in findings] == [("pattern", "financial_promise")]
    signed = "“I made $3,100 a month from my spare room.” — Dana P., Tulsa"
    assert rules.examples is not None and signed not in rules.examples.texts
    assert lint(signed, rules).categories == {"financial_promise"}  # the money, not the name
    found = {(f.layer, f.category) for f in layers.lint_text(signed, rules).findings}
    assert found == {("pattern", "financial_promise"), ("model", "endorsement")}


def _two_category_model() -> semantic.SemanticModel:
    """Scores are the vector itself: probability = sigmoid(vector[category])."""
    return semantic.SemanticModel(
        categories=("financial_promise", "endorsement"),
        coef=np.eye(2, dtype=np.float32),
        intercept=np.zeros(2, dtype=np.float32),
        platt=np.array([[1.0, 0.0], [1.0, 0.0]]),
        thresholds=np.array([0.5, 0.5]),
        added_thresholds=np.array([0.9, 0.9]),
        fits=(),
        vectors=np.eye(2, dtype=np.float32),
        texts=("money example", "testimonial example"),
        labels=np.eye(2, dtype=bool),
        held_out=np.zeros((2, 2)),
    )


def test_flagged_sentences_are_judged_at_the_stricter_added_threshold(
    rules: ComplianceRules,
) -> None:
    model = _two_category_model()
    vectors = {"Money sure, testimony fairly sure": [3.0, 1.5], "Both sure": [3.0, 3.0]}

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.array([vectors[text] for text in texts])

    def found(text: str, flagged: list[Finding]) -> set[str]:
        return {f.category for f in semantic.find(model, rules, text, embed, flagged)}

    def pattern_on(text: str, category: str) -> Finding:
        return Finding(category, category, 0, 4, text[:4], "blocking", "", "legal")

    weak, strong = vectors
    assert found(weak, []) == {"financial_promise", "endorsement"}  # unflagged: 0.95, 0.82
    assert found(weak, [pattern_on(weak, "financial_promise")]) == set()  # 0.82 < 0.9
    assert found(strong, [pattern_on(strong, "financial_promise")]) == {"endorsement"}
    assert found(strong, [pattern_on(strong, "endorsement")]) == {"financial_promise"}


def test_each_category_has_its_own_threshold_from_cross_validation(rules: ComplianceRules) -> None:
    model = layers.model_for(rules)
    assert model is not None and rules.semantic is not None
    assert model.categories == tuple(rules.categories)
    assert len({round(float(t), 6) for t in model.thresholds}) > 1  # not one global cut
    for fit in model.fits:
        assert fit.threshold >= 0.5 and fit.added_threshold >= 0.5
        if fit.cv_recall > 0:
            assert fit.cv_precision >= rules.semantic.target_precision
    assert np.array_equal(model.added_thresholds, [f.added_threshold for f in model.fits])


def test_choose_threshold_takes_the_lowest_score_meeting_the_precision() -> None:
    probability = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.55, 0.4])
    y = np.array([1, 1, 0, 1, 0, 1, 1])
    threshold, precision, recall = semantic.choose_threshold(probability, y, 0.75)
    assert threshold == 0.7 and precision == 0.75 and recall == 3 / 5
    threshold, precision, recall = semantic.choose_threshold(probability, y, 1.0)
    assert threshold == 0.9 and recall == 2 / 5
    threshold, _, recall = semantic.choose_threshold(probability, np.zeros(7, dtype=int), 0.9)
    assert threshold > 1.0 and recall == 0.0  # never precise enough: left to the patterns


def test_sentences_split_on_ends_and_lines_and_skip_single_words() -> None:
    text = "Hi!\nOur best offer yet. Ends Friday!  “It works.” — Tom, Leeds\n\nThanks"
    assert [text[a:b] for a, b in semantic.sentences(text)] == [
        "Our best offer yet.",
        "Ends Friday!",
        "“It works.” — Tom, Leeds",
    ]


def test_an_abbreviation_does_not_end_a_sentence() -> None:
    text = "Dr. Patel, a cardiologist, recommends Zorbex. Mr. Lee agrees.\nSave 5% vs. last year."
    assert [text[a:b] for a, b in semantic.sentences(text)] == [
        "Dr. Patel, a cardiologist, recommends Zorbex.",
        "Mr. Lee agrees.",
        "Save 5% vs. last year.",
    ]


def test_an_attribution_on_the_next_line_is_a_line_of_its_own() -> None:
    text = "It works wonders.\n— Amy from Leeds"
    assert [text[a:b] for a, b in semantic.sentences(text)] == [
        "It works wonders.",
        "— Amy from Leeds",
    ]


# --- a small examples file of our own: the thresholds follow the data and the target ----------

_CLAIMS = [
    "Tom from Leeds says it changed his mornings.",
    "“Best thing I bought all year,” writes Ana from Porto.",
    "Dentists recommend it to their own families.",
    "Priya, a nurse, swears it keeps her going.",
    "Our customer Jo says she would never go back.",
    "Sam from Ohio told us it saved his business.",
    "Real buyers give it five stars.",
    "Chef Marco cooks with nothing else.",
    "Over 10,000 parents trust it every night.",
    "Mark, 52, says he feels twenty years younger.",
    "“I tell all my friends about it,” says Kim.",
    "Our members say it is the best decision they made.",
]
_CLEAN = [
    "The shop opens at nine.",
    "Our office is in Leeds.",
    "Delivery takes three days.",
    "The webinar starts at noon.",
    "Tom from our team will host the call.",
    "Ana joins us as head of design.",
    "Our dentists' surgery has moved.",
    "The menu changes every season.",
    "Read the guide on our blog.",
    "Prices include tax.",
    "The recipe serves four.",
    "Our customers can log in from the app.",
]


def _rules_with(tmp_path: Path, examples: object, **semantic_settings: object) -> ComplianceRules:
    (tmp_path / "examples.yaml").write_text(yaml.safe_dump(examples), encoding="utf-8")
    data = {
        "categories": {
            "endorsement": {
                "label": "Endorsement",
                "severity": "warning",
                "guidance": "Get consent.",
                "approver_stage": "legal",
                "patterns": ["testimonial~"],
            }
        },
        "semantic": {"examples_file": "examples.yaml", **semantic_settings},
    }
    return parse_rules(data, version="test", folder=tmp_path)


def test_thresholds_follow_the_data_and_the_target_precision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOPSBOT_CACHE_DIR", str(tmp_path / "cache"))
    embed = shared_encoder().embed
    examples = {"endorsement": _CLAIMS, "clean": _CLEAN}
    loose = _rules_with(tmp_path, examples, target_precision=0.6)
    strict = _rules_with(tmp_path, examples, target_precision=1.0)
    assert loose.examples is not None and strict.examples is not None
    fit_loose = semantic.train(loose.examples, ["endorsement"], 0.6, embed, 0.6).fits[0]
    fit_strict = semantic.train(strict.examples, ["endorsement"], 1.0, embed, 1.0).fits[0]
    assert fit_loose.examples == len(_CLAIMS)
    assert fit_loose.cv_precision >= 0.6 and fit_strict.cv_precision == 1.0
    assert (
        fit_strict.threshold >= fit_loose.threshold and fit_strict.cv_recall <= fit_loose.cv_recall
    )
    assert fit_strict.added_threshold >= fit_loose.added_threshold


def test_the_trained_model_is_cached_on_disk_under_the_examples_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOPSBOT_CACHE_DIR", str(tmp_path / "cache"))
    rules = _rules_with(tmp_path, {"endorsement": _CLAIMS, "clean": _CLEAN})
    trained = semantic.model_for(rules, shared_encoder().embed, encoder_id="test")
    assert trained is not None
    cached = list((tmp_path / "cache").glob("compliance-model-*.npz"))
    assert len(cached) == 1 and rules.examples is not None
    assert rules.examples.version in cached[0].name

    def no_training(texts: object) -> np.ndarray:
        raise AssertionError("read from the cache, not trained again")

    # A new process: memory is empty, the disk is not. A fresh dict for this test only: the
    # models other tests in this process loaded (the e2e bots' own) stay in memory.
    monkeypatch.setattr(semantic, "_models", {})
    again = semantic.model_for(rules, no_training, encoder_id="test")
    assert again is not None
    assert np.allclose(again.thresholds, trained.thresholds)
    assert np.allclose(again.added_thresholds, trained.added_thresholds)
    assert [f.added_threshold for f in again.fits] == [f.added_threshold for f in trained.fits]
    assert np.allclose(again.coef, trained.coef)

    changed = _rules_with(tmp_path, {"endorsement": _CLAIMS[:-1], "clean": _CLEAN})
    assert changed.examples is not None and changed.examples.version != rules.examples.version


# --- the examples file and the competitor list are checked like the rest of the rules ----------


def test_examples_file_errors_name_their_place(tmp_path: Path) -> None:
    examples = {
        "endorsement": [*_CLAIMS[:9], {"text": _CLAIMS[9], "also": ["health"]}, _CLAIMS[0]],
        "clean": [*_CLEAN, {"text": "Hello there, friends.", "also": ["endorsement"]}],
        "testimonials": ["A category the rules don't have."],
    }
    with pytest.raises(ComplianceRulesError) as caught:
        _rules_with(tmp_path, examples)
    errors = "\n".join(caught.value.errors)
    name = "semantic.examples_file (examples.yaml)"
    assert f"{name}.endorsement[9].also: 'health' is not a category of the rules" in errors
    assert f"{name}.endorsement[10]: the same sentence as endorsement[0]" in errors
    assert f"{name}.clean[12]: a clean sentence claims nothing" in errors
    assert f"{name}.testimonials: not a category of the rules" in errors
    assert f"{name}.endorsement: 9 example(s); the model needs at least 10" in errors


def test_a_missing_examples_file_is_reported_by_name(tmp_path: Path) -> None:
    rules_file = tmp_path / "compliance.yaml"
    data = yaml.safe_load(Path("policies/compliance.yaml").read_text(encoding="utf-8"))
    data["semantic"]["examples_file"] = "nowhere.yaml"
    rules_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert check_rules_file(rules_file) == ["semantic.examples_file (nowhere.yaml): no such file"]


def test_competitors_are_one_list_used_by_the_patterns(tmp_path: Path) -> None:
    data = yaml.safe_load(Path("policies/compliance.yaml").read_text(encoding="utf-8"))
    data["competitors"] = ["Northwind", "Contoso"]
    rules = parse_rules(data)
    assert lint("Contoso users: come across in a day.", rules).categories == {"comparative_claim"}
    twice = {**data, "competitors": ["Contoso", "contoso"]}
    with pytest.raises(ComplianceRulesError, match="'contoso' is listed twice"):
        parse_rules(twice)
    both = {**data, "terms": {**data["terms"], "competitor": ["Contoso"]}}
    with pytest.raises(ComplianceRulesError, match="name competitors once"):
        parse_rules(both)


def test_policy_check_reports_the_examples_file_and_the_competitor_list(tmp_path: Path) -> None:
    policy_file = write_policy(tmp_path, yaml.safe_load(PACKAGE_POLICY.read_text()))
    assert check_policy_file(policy_file) == []
    examples_file = tmp_path / "compliance_examples.yaml"
    examples = yaml.safe_load(examples_file.read_text(encoding="utf-8"))
    examples["clean"].append(examples["clean"][0])
    examples["testimonial"] = ["Tom says it works."]
    examples_file.write_text(yaml.safe_dump(examples), encoding="utf-8")
    rules_file = tmp_path / "compliance.yaml"
    rules = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    rules["competitors"].append(rules["competitors"][0])
    rules_file.write_text(yaml.safe_dump(rules), encoding="utf-8")
    errors = check_policy_file(policy_file)
    assert any("competitors" in e and "is listed twice" in e for e in errors), errors
    rules["competitors"].pop()
    rules_file.write_text(yaml.safe_dump(rules), encoding="utf-8")
    errors = check_policy_file(policy_file)
    where = (
        "compliance.rules_file (compliance.yaml): semantic.examples_file (compliance_examples.yaml)"
    )
    last = len(examples["clean"]) - 1
    assert f"{where}.clean[{last}]: the same sentence as clean[0]" in errors
    assert any(e.startswith(f"{where}.testimonial: not a category of the rules") for e in errors)


def test_loaded_says_whether_a_model_of_these_examples_is_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = load_rules()
    assert rules.examples is not None
    monkeypatch.setattr(semantic, "_models", {})
    assert not semantic.loaded(rules)
    monkeypatch.setattr(semantic, "_models", {f"{semantic.FORMAT}-other-abcd1234": object()})
    assert not semantic.loaded(rules)
    key = f"{semantic.FORMAT}-{rules.examples.version}-abcd1234"
    monkeypatch.setattr(semantic, "_models", {key: object()})
    assert semantic.loaded(rules)
