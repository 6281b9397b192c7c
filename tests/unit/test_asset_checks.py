"""What an attached draft or link is missing, when the compliance rules can't be read."""

from __future__ import annotations

from pathlib import Path

from bot.pipeline.asset_checks import check
from bot.pipeline.checklists.rules import Facts, captions
from bot.pipeline.readiness_models import Asset
from policies.loader import load_policy

POLICY = load_policy(Path(__file__).resolve().parents[2] / "policies" / "default.yaml")


def link(caption: str | None) -> Asset:
    return Asset(
        kind="link",
        ref="https://example.com/launch?utm_source=a&utm_medium=b&utm_campaign=c",
        name="launch page",
        url="https://example.com/launch?utm_source=a&utm_medium=b&utm_campaign=c",
        caption=caption,
        tags={},
    )


def test_a_caption_nobody_could_check_is_not_passed() -> None:
    checked = check(POLICY, link("Guaranteed returns of 12% a year."), rules=None)
    assert [p.check for p in checked.problems] == ["caption"]
    assert "couldn't be checked" in checked.problems[0].words
    assert checked.caption is None  # no lint was made, so none is named in the trail


def test_without_a_caption_there_is_nothing_to_check() -> None:
    for caption in (None, "", "   "):
        assert check(POLICY, link(caption), rules=None).problems == []


def test_the_checklist_says_the_caption_could_not_be_checked() -> None:
    open_item = captions(Facts(POLICY, [link("Guaranteed returns of 12% a year.")], [], None))
    assert open_item is not None
    assert "nobody could check" in open_item and "rules can't be read" in open_item


def test_a_caption_making_one_kind_of_claim_twice_gets_its_guidance_once() -> None:
    from bot.compliance.service import rules_for

    patterns_only = rules_for(POLICY).model_copy(update={"semantic": None, "examples": None})
    checked = check(POLICY, link("Clinically proven to melt fat in 7 days"), patterns_only)
    [caption] = [p.words for p in checked.problems if p.check == "caption"]
    assert (
        "\u201cClinically proven\u201d is a health claim, \u201cmelt fat\u201d is a health claim"
        in caption
    )
    guidance = patterns_only.categories["health_claim"].guidance
    assert caption.count(guidance) == 1
