"""Slack's message encoding, read back in one place; texts cut before they are escaped."""

from __future__ import annotations

import re

from bot.emulator import SlackEmulator
from bot.emulator.composer import encode
from bot.slack import blocks
from bot.slack.text import Names, clip, readable

NAMES = Names(user={"U02BRAM": "bram", "U05SAM": "sam"}.get, groups={"S01BRAND": "@brand-team"})


def test_readable_decodes_entities_and_tokens() -> None:
    encoded = (
        "ask <@U02BRAM> and <!subteam^S01BRAND> in <#C02INTAKE|intake> about R&amp;D &lt;3 "
        "&amp;lt; <https://x.example/a?b=1&amp;c=2|the plan>, <https://x.example/b> "
        "<http://y.example|y.example> <mailto:sam@x.example|sam@x.example> <!here> "
        "<!date^1700000000^{date}|Nov 14>"
    )
    assert readable(encoded, NAMES) == (
        "ask @bram and @brand-team in #intake about R&D <3 &lt; "
        "the plan (https://x.example/a?b=1&c=2), https://x.example/b y.example sam@x.example "
        "@here Nov 14"
    )
    # Without names: the token's label, else the id; never the raw token.
    assert readable("<@U09NEW> <!subteam^S77|@web> <#C9>") == "@U09NEW @web #C9"


def test_the_emulator_encodes_what_a_person_types_as_slack_does() -> None:
    ws = SlackEmulator().workspace
    typed = "ping @sam and @brand-team in #intake: R&D <3 https://x.example/a?b=1&c=2. @nobody"
    encoded = encode(typed, ws)
    assert encoded == (
        "ping <@U05SAM> and <!subteam^S01BRAND> in <#C02INTAKE|intake>: R&amp;D &lt;3 "
        "<https://x.example/a?b=1&amp;c=2>. @nobody"
    )
    assert readable(encoded, NAMES) == typed
    assert (
        encode("[the plan](https://x.example) @here", ws) == "<https://x.example|the plan> <!here>"
    )


def test_clip_cuts_between_words_and_never_inside_a_name() -> None:
    text = readable("see <@U02BRAM> " + "word " * 30, NAMES)
    assert clip(text, 12) == "see @bram…"
    assert clip("short", 80) == "short"
    assert len(clip("x" * 200, 80)) == 80


def test_a_cut_never_splits_an_entity_or_a_token() -> None:
    # Cut after escaping, `[:3000]` left "R&am" (or "<@U02BR") at the end of a section.
    escaped = "x" * 2996 + " " + blocks.escape("R&D")
    section = blocks.section(escaped).to_dict()["text"]["text"]
    assert len(section) <= 3000
    assert not re.search(r"&[a-z]*…?$", section), section[-12:]
    mention = "y" * 2995 + " <@U02BRAM>"
    assert not re.search(r"<[^>]*$", blocks.fit(mention, 3000))
    assert blocks.context("z" * 2998 + "&amp;").to_dict()["elements"][0]["text"].endswith("z…")
