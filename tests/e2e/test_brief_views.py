"""What people read about a brief: every field in its message (long ones shortened, saying so,
with the full text a click away), `/brief show` with everything, and `/brief list`."""

from __future__ import annotations

from bot.app.local import LocalBot
from tests.support.briefs import approve, give_reason, new_brief, shows_button, wait_stage

LONG = "Check the pricing table & the FAQ <before> launch. " * 30  # 1,530 characters


def section_text(message) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(
        b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b
    )


def test_every_field_is_in_the_brief_message_notes_too(local: LocalBot) -> None:
    parent = new_brief(
        local,
        key_message="Simple pricing",
        links="https://example.com/drafts",
        notes="Please check the FAQ wording",
    )
    shown = section_text(parent)
    for label in ("Objective", "Audience", "Main channel", "Launch date", "Key message"):
        assert f"*{label}:*" in shown, label
    assert "*Link to docs or drafts:* https://example.com/drafts" in shown
    assert "*Notes for reviewers:* Please check the FAQ wording" in shown
    assert "Show full brief" not in str(parent.blocks)  # nothing was shortened


def test_a_long_field_is_shortened_saying_so_and_readable_in_full(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, notes=LONG[:1000])
    shown = section_text(parent)
    notes = next(line for line in shown.splitlines() if line.startswith("*Notes for reviewers:*"))
    assert notes.endswith("…") and len(notes) < 600
    assert "&amp;" in notes and not notes.rstrip("…").endswith("&")  # cut before escaping
    assert "shortened" in str(parent.blocks) and "/brief show 1" in str(parent.blocks)
    slack.click(
        "Show full brief", as_user="bram", message=shows_button(local, parent, "Show full brief")
    )
    modal = slack.wait_for_view("bram")
    full = "".join(b["text"]["text"] for b in modal["blocks"] if b["type"] == "section")
    assert full.count("&amp;") == LONG[:1000].count("&")  # every word, escaped
    slack.command("/brief show 1", as_user="bram")
    assert LONG[:1000].strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in (
        slack.last_ephemeral("bram").text
    )


def test_show_has_fields_stage_due_time_and_history_in_plain_words(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, notes="For legal: see clause 4")
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    slack.command("/brief show 1", as_user="sam")
    shown = slack.last_ephemeral("sam").text
    assert "*Notes for reviewers:* For legal: see clause 4" in shown
    assert "in review (stage 2 of 2), waiting on *@legal-team* for *Legal*" in shown
    assert "*Due:* <!date^" in shown and ("on time" in shown or "overdue" in shown)
    assert "<@U02BRAM> approved *Brand*" in shown and "<@U01RITA> sent it for review" in shown
    for internal in ("in_review", "->", "→ draft", "UTC <@", "policy "):
        assert internal not in shown, internal


def test_history_quotes_reasons_and_never_says_state_names(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    give_reason(local, parent, "Request changes", "bram", "Shorter headline")
    slack.command("/brief show 1", as_user="rita")
    shown = slack.last_ephemeral("rita").text
    assert "asked for changes at *Brand*: “Shorter headline”" in shown
    assert "changes_requested" not in shown and "request_changes" not in shown


def test_list_mine_waiting_all(local: LocalBot) -> None:
    slack = local.slack
    new_brief(local, title="Rita's launch")
    new_brief(local, as_user="lena", title="Lena's webinar")
    slack.command("/brief list mine", as_user="rita")
    mine = slack.last_ephemeral("rita").text
    assert "Rita's launch" in mine and "Lena's webinar" not in mine
    slack.command("/brief list waiting", as_user="bram")
    waiting = slack.last_ephemeral("bram").text
    assert "Waiting on you" in waiting and "#1" in waiting and "#2" in waiting
    slack.command("/brief list all", as_user="rita")
    assert "Only ops admins" in slack.last_ephemeral("rita").text
    slack.command("/brief list all", as_user="omar")
    every = slack.last_ephemeral("omar").text
    assert "Rita's launch" in every and "Lena's webinar" in every
    slack.command("/brief list everything", as_user="omar")
    assert "Usage:" in slack.last_ephemeral("omar").text


def test_history_words_the_compliance_events_too(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, key_message="Guaranteed 12% returns, risk-free!")
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    approve(local, parent, "lena")
    slack.command("/brief schedule 1", as_user="rita")
    slack.command("/brief show 1", as_user="rita")
    shown = slack.last_ephemeral("rita").text
    assert "> compliance check: it makes regulated claims, so *Legal* reviews it" in shown
    assert "<@U01RITA> asked to mark it scheduled" in shown
    for internal in ("compliance_gate", "confirmation_requested", "approved -> approved"):
        assert internal not in shown, internal


def test_show_of_a_brief_full_of_characters_to_escape_fits_one_message(local: LocalBot) -> None:
    slack = local.slack
    huge = "<&> " * 500  # 2,000 characters that escape to 5,500
    new_brief(local, objective=huge[:2000], key_message=huge[:1000], notes=huge[:1000])
    slack.command("/brief show 1", as_user="bram")
    shown = slack.last_ephemeral("bram").text
    assert len(shown) <= 40_000 and "History" in shown
