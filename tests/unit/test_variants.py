"""Channel variants: counting as each channel counts, and drafting within its rules."""

from __future__ import annotations

import pytest

from bot.app.config import PACKAGE_POLICY
from bot.pipeline.variants.counting import measure
from bot.pipeline.variants.drafting import ELLIPSIS, Ranked, draft, draft_all, sentences_of
from policies.loader import load_policy
from policies.variants import Counting, VariantChannel, Variants

X = VariantChannel(label="X post", max_length=280, counting=Counting.X)
SMS = VariantChannel(
    label="SMS", max_length=160, counting=Counting.SMS, append="Reply STOP to opt out"
)
SUBJECT = VariantChannel(label="Email subject", max_length=60, sentences=1)


def test_x_counts_every_link_as_23_and_cjk_as_2() -> None:
    link = "https://example.com/" + "long/" * 30
    assert measure(f"Go {link}", X).length == 3 + 23
    assert measure("日本", X).length == 4
    assert measure("plain", X).length == 5


def test_sms_counts_gsm7_septets_and_drops_to_70_outside_gsm7() -> None:
    assert measure("Price 5 EUR", SMS).length == 11
    euro = measure("Price 5€ [now]", SMS)  # € [ ] are GSM-7 extension characters: 2 each
    assert (euro.length, euro.limit) == (len("Price 5€ [now]") + 3, 160)
    unicode = measure("Deal ✓", SMS)
    assert (unicode.length, unicode.limit) == (6, 70)
    assert "outside GSM-7" in unicode.why


def test_sentences_are_split_where_a_reader_would() -> None:
    master = "Save time with Acme. Dr. Lee says e.g. backups work!\n\nVisit acme.example today."
    assert sentences_of(master) == [
        "Save time with Acme.",
        "Dr. Lee says e.g. backups work!",
        "Visit acme.example today.",
    ]


def ranked(*sentences: str, order: tuple[int, ...] | None = None) -> Ranked:
    return Ranked(sentences, order if order is not None else tuple(range(len(sentences))))


def test_the_best_sentences_that_fit_are_kept_in_the_masters_order() -> None:
    copy = ranked("First point here.", "A" * 300 + ".", "Second point.", order=(2, 1, 0))
    result = draft(copy, "x_post", X)
    assert result.text == "First point here. Second point."
    assert not result.trimmed and result.measure.fits


def test_sms_ends_with_its_opt_out_and_fits_one_message() -> None:
    copy = ranked("Spring sale: 20% off all plans this week.", "B" * 130 + ".")
    result = draft(copy, "sms", SMS)
    assert result.text.endswith("Reply STOP to opt out")
    assert result.text.startswith("Spring sale")
    assert result.measure.length <= 160


def test_a_sentence_too_long_for_the_channel_is_cut_between_words() -> None:
    long = "Our brand new backup plan keeps every file on every laptop safe for a whole year"
    result = draft(ranked(long), "email_subject", SUBJECT)
    assert result.trimmed and result.text.endswith(ELLIPSIS)
    assert len(result.text) <= 60
    assert long.startswith(result.text.removesuffix(ELLIPSIS))
    assert result.text.removesuffix(ELLIPSIS).split()[-1] in long.split()


def test_a_subject_takes_one_sentence_even_when_two_would_fit() -> None:
    result = draft(ranked("Backups done.", "Restores too."), "email_subject", SUBJECT)
    assert result.text == "Backups done."


def test_an_sms_that_leaves_gsm7_only_together_is_measured_whole() -> None:
    # Each sentence alone is GSM-7 except one; together they must fit 70 units, not 160.
    copy = ranked("Deal ✓ today.", "C" * 60 + ".", order=(1, 0))
    result = draft(copy, "sms", SMS)
    assert result.measure.fits
    assert result.measure.limit in (70, 160)


def test_the_policy_names_variants_for_a_briefs_channel() -> None:
    variants = load_policy(PACKAGE_POLICY).variants
    assert variants.channels_for("Email") == ["email_subject", "email_preheader"]
    assert len(variants.channels_for("Multi-channel")) == 6
    assert variants.channels_for("Nothing like it") == []


def test_an_unknown_variant_channel_is_a_policy_error() -> None:
    with pytest.raises(ValueError, match="unknown variant channel 'fax'"):
        Variants.model_validate(
            {"channels": {"sms": {"label": "SMS", "max_length": 160}}, "for_brief": {"E": ["fax"]}}
        )


@pytest.mark.slow
def test_the_encoder_ranks_the_sentence_that_sums_up_the_copy_first() -> None:
    from bot.encoder.shared import shared_encoder

    master = (
        "Acme Cloud Backup keeps every office file safe with hourly backups and fast restores. "
        "Our office dog is called Biscuit. "
        "Hourly backups copy laptops and shared drives. "
        "Restores take two clicks from any browser."
    )
    channels = {"email_subject": SUBJECT}
    (subject,) = draft_all(master, channels, ["email_subject"], shared_encoder().embed)
    assert "Biscuit" not in subject.text
