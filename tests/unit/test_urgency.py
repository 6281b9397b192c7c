"""Urgency cues in intake messages: deadlines, alarms, and the words that take urgency back."""

from __future__ import annotations

import pytest

from bot.intake.urgency import UrgencyDetector, detect


@pytest.mark.parametrize(
    "text",
    [
        "need the banner today pls",
        "can we get this out ASAP",
        "URGENT: pricing page shows the old prices",
        "webinar starts in 2 hours and the reg link 404s",
        "need it in an hour",
        "by noon please, it's for the board",
        "can you send it by 3pm",
        "need final copy by EOD",
        "the demo form is broken and leads are getting lost",
        "we're losing leads since the sync stopped",
        "the site is down!",
        "our landing page is not loading",
        ":rotating_light: newsletter went out with the wrong link",
        "🚨 unsubscribe link broken",
        "this is blocking the launch",
        "no one can log in, site is down",  # "no" before a comma does not negate the alarm
    ],
)
def test_urgent(text: str) -> None:
    assert detect(text).urgent, text


@pytest.mark.parametrize(
    "text",
    [
        "can we update the footer links next week",
        "not urgent, whenever you get a chance",
        "this isn't urgent",
        "isnt urgent at all",
        "no rush on this one",
        "no rush, today or tomorrow is fine",  # a calm phrase cancels a soft deadline
        "low priority: refresh the logo wall, sometime today would be nice",
        "don't need it today, friday is fine",
        "nothing urgent, just a question about the dashboard",
        "is it blocking anything? no",
        "the brokenness of the old process is well documented",
        "",
    ],
)
def test_not_urgent(text: str) -> None:
    assert not detect(text).urgent, text


def test_an_alarm_beats_a_calm_phrase() -> None:
    # The requester may think it can wait; a down site and lost leads cannot.
    assert detect("no rush but the site is down").urgent
    assert detect("low priority maybe, but leads are getting lost").urgent


def test_cues_are_reported_for_the_audit_trail() -> None:
    result = detect("ASAP please, needs to go out by EOD")
    assert result.cues == ("ASAP", "by EOD")
    assert detect("whenever").cues == ()


def test_policy_cues_extend_the_defaults() -> None:
    detector = UrgencyDetector(extra_cues=[r"\bboard meeting\b"], extra_calm=[r"\bnext sprint\b"])
    assert detector.detect("numbers for the board meeting").urgent
    assert not detector.detect("today-ish, or next sprint").urgent
    assert detector.detect("ASAP").urgent  # the built-in cues still apply
    assert not detect("numbers for the board meeting").urgent
