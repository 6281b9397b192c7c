"""Channel variants from a master copy: its most representative sentences that fit the channel.

The master is split into sentences (sentencex), each sentence is embedded by the `embed` it is
given (the local sentence encoder, injected by bot.app so that this domain loads no model), and
ranked by how close it lies to the centroid of all of them: the sentences that say what the whole
copy says come first. For each channel the top-ranked sentences are taken while they fit (kept in
the master's order so the variant reads as it was written), the channel's required text is
appended, and when not even the best sentence fits it is cut between words and ends in "…".

Pure: no database, no Slack. Ranking is done once per master and shared by every channel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sentencex import segment

from bot.pipeline.variants.counting import Measure, measure
from policies.variants import VariantChannel

# Text -> one row per text (unit vectors or not: rows are normalized here).
Embed = Callable[[Sequence[str]], np.ndarray]
ELLIPSIS = "…"


@dataclass(frozen=True)
class Ranked:
    """The master's sentences in its own order, and their indexes from most representative."""

    sentences: tuple[str, ...]
    order: tuple[int, ...]


@dataclass(frozen=True)
class Draft:
    channel: str
    text: str
    measure: Measure
    trimmed: bool  # the best sentence alone was too long and was cut


def sentences_of(master: str) -> list[str]:
    """The master's sentences, whitespace collapsed; blank lines end a sentence too."""
    found: list[str] = []
    for paragraph in master.split("\n\n"):
        for sentence in segment("en", " ".join(paragraph.split())):
            if sentence.strip():
                found.append(sentence.strip())
    return found


def rank(master: str, embed: Embed) -> Ranked:
    sentences = sentences_of(master)
    if len(sentences) < 2:
        return Ranked(tuple(sentences), tuple(range(len(sentences))))
    vectors = np.asarray(embed(sentences), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    centroid = vectors.mean(axis=0)
    scores = vectors @ centroid
    # Ties (identical sentences) go to the earlier one.
    order = sorted(range(len(sentences)), key=lambda i: (-float(scores[i]), i))
    return Ranked(tuple(sentences), tuple(order))


def draft(ranked: Ranked, name: str, channel: VariantChannel) -> Draft:
    """The channel's variant: top-ranked sentences that fit, then the channel's required text.

    Lengths add up over sentences joined by spaces (X's links and SMS septets are counted within
    a sentence), so each sentence is measured once and the choice is arithmetic; the result is
    measured whole, and chosen again by whole measures in the rare case that differs (an SMS
    whose sentences are GSM-7 apart but not together)."""
    tail = f" {channel.append}" if channel.append else ""
    lengths = [measure(sentence, channel).length + 1 for sentence in ranked.sentences]
    budget = channel.max_length - measure(tail, channel).length + 1  # no space before the first
    chosen = _choose(ranked, channel, lambda trial: sum(lengths[i] for i in trial) <= budget)
    text = _join(ranked, chosen) + tail
    if chosen and not measure(text, channel).fits:
        chosen = _choose(
            ranked, channel, lambda trial: measure(_join(ranked, trial) + tail, channel).fits
        )
        text = _join(ranked, chosen) + tail
    if chosen:
        return Draft(name, text, measure(text, channel), trimmed=False)
    best = ranked.sentences[ranked.order[0]] if ranked.sentences else ""
    text = (_trim(best, tail, channel) + tail).strip()
    return Draft(name, text, measure(text, channel), trimmed=bool(best))


def _choose(
    ranked: Ranked, channel: VariantChannel, fits: Callable[[list[int]], bool]
) -> list[int]:
    """The top-ranked sentences, best first, that `fits` together, in the master's order."""
    cap = channel.sentences or len(ranked.sentences)
    chosen: list[int] = []
    for index in ranked.order:
        if len(chosen) >= cap:
            break
        trial = sorted([*chosen, index])
        if fits(trial):
            chosen = trial
    return chosen


def draft_all(
    master: str, channels: dict[str, VariantChannel], names: Sequence[str], embed: Embed
) -> list[Draft]:
    """A draft for each of `names` (keys of `channels`), ranking the master once."""
    ranked = rank(master, embed)
    return [draft(ranked, name, channels[name]) for name in names]


def _join(ranked: Ranked, indexes: Sequence[int]) -> str:
    return " ".join(ranked.sentences[i] for i in indexes)


def _trim(sentence: str, tail: str, channel: VariantChannel) -> str:
    """The longest start of `sentence`, cut between words, that fits with "…" and `tail`."""
    words = sentence.split()
    low, high = 0, len(words)  # the most words that fit lies in [low, high]
    while low < high:
        mid = (low + high + 1) // 2
        if measure(_cut(words, mid) + tail, channel).fits:
            low = mid
        else:
            high = mid - 1
    return _cut(words, low) if low else ""


def _cut(words: list[str], count: int) -> str:
    return " ".join(words[:count]).rstrip(",;:-–—") + ELLIPSIS
