"""Action ids and button value codecs: what is drawn is what is read back, and nothing else is."""

from __future__ import annotations

import pytest

from bot.briefs.workflow import Action
from bot.compliance.confirmations import Prompt
from bot.slack.actions import ActionId, BriefRef, IntakePick, IntakeRef, MalformedValue

NOT_STRINGS = [None, 12, {"value": "1:2"}]


@pytest.mark.parametrize(
    ("codec", "value"),
    [
        (BriefRef, BriefRef(12, 3)),
        (BriefRef, BriefRef(2**31 - 1, 1)),
        (IntakePick, IntakePick(7, "design_asset")),
        (IntakePick, IntakePick(7, "odd:label with: colons")),
        (IntakeRef, IntakeRef(41)),
        (Prompt, Prompt(5, 2, Action.SCHEDULE, "U01RITA")),
        (Prompt, Prompt(5, 9, Action.GO_LIVE, "U04OMAR")),
        (Prompt, Prompt(5, 9, Action.SCHEDULE, "U04OMAR", 31)),
    ],
)
def test_round_trip(codec, value) -> None:  # type: ignore[no-untyped-def]
    assert codec.parse(value.format()) == value


def test_the_formats_are_the_ones_slack_already_holds() -> None:
    """Buttons already posted keep working: the formats did not change."""
    assert BriefRef.parse("12:3") == BriefRef(12, 3)
    assert IntakePick.parse("7:design_asset") == IntakePick(7, "design_asset")
    assert IntakeRef.parse("41") == IntakeRef(41)
    assert Prompt.parse("5:2:schedule:U01RITA") == Prompt(5, 2, Action.SCHEDULE, "U01RITA")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12",
        "12:",
        ":3",
        "a:b",
        "12:3:4",
        "-1:3",
        "0:3",
        "12:0",
        " 12:3",
        "12 :3",
        "1.5:2",
        "²:1",
        "١:1",
        "99999999999:1",
        "2147483648:1",
        *NOT_STRINGS,
    ],
)
def test_malformed_brief_buttons(value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedValue):
        BriefRef.parse(value)


@pytest.mark.parametrize(
    "value", ["", "7", "7:", "7: ", ":design_asset", "x:design_asset", "0:design", *NOT_STRINGS]
)
def test_malformed_intake_picks(value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedValue):
        IntakePick.parse(value)


@pytest.mark.parametrize("value", ["", "x", "7:1", "-7", "0", "1e3", "²", *NOT_STRINGS])
def test_malformed_intake_requests(value) -> None:  # type: ignore[no-untyped-def]
    """The relabel and open-a-brief buttons used to meet these with a bare int()."""
    with pytest.raises(MalformedValue):
        IntakeRef.parse(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "5:2:schedule",
        "5:2:schedule:",
        "5:2:approve:U01RITA",  # only schedule and go-live are confirmed
        "5:2:reopen:U01RITA",
        "x:2:schedule:U01RITA",
        "5:x:go_live:U01RITA",
        "5:2:schedule:U01RITA:extra",
        "5:2:schedule:U01RITA:7:extra",
        *NOT_STRINGS,
    ],
)
def test_malformed_confirmation_prompts(value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedValue):
        Prompt.parse(value)


def test_a_malformed_value_says_which_format_it_missed() -> None:
    with pytest.raises(MalformedValue) as caught:
        BriefRef.parse("12:x")
    assert (caught.value.codec, caught.value.value) == ("brief", "12:x")
    assert isinstance(caught.value, ValueError)


def test_numbered_action_ids() -> None:
    pattern = ActionId.INTAKE_PICK.pattern()
    assert ActionId.INTAKE_PICK.numbered(2) == "intake_pick_2"
    assert pattern.match("intake_pick_2") and pattern.match("intake_pick")
    assert not pattern.match("intake_pick_x") and not pattern.match("intake_picked_2")
