"""The sentence cache: asks for each text once, in one batch, keeps at most its size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.encoder.cache import CachedEmbed


def lengths(texts: Sequence[str]) -> np.ndarray:
    """A stand-in vector: what matters here is which texts are asked for, not what they mean."""
    return np.array([[len(text), text.count(" ")] for text in texts], dtype=np.float32)


def test_only_unseen_texts_are_asked_for_once_each() -> None:
    asked: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        return lengths(texts)

    cache = CachedEmbed(embed)
    first = cache(["a b", "ccc", "a b"])
    assert asked == [["a b", "ccc"]]
    assert np.array_equal(first, lengths(["a b", "ccc", "a b"]))
    second = cache(["ccc", "dd d"])
    assert asked[1:] == [["dd d"]]
    assert np.array_equal(second, lengths(["ccc", "dd d"]))
    second[:] = 0  # a caller normalising in place must not change what is kept
    assert np.array_equal(cache(["ccc"]), lengths(["ccc"]))
    assert len(asked) == 2


def test_it_keeps_at_most_its_size_dropping_the_least_recently_used() -> None:
    asked: list[str] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.extend(texts)
        return lengths(texts)

    cache = CachedEmbed(embed, size=2)
    cache(["one", "two"])
    cache(["one"])  # "two" is now the least recently used
    cache(["three"])
    assert len(cache) == 2
    cache(["one", "two"])
    assert asked == ["one", "two", "three", "two"]


def test_no_texts_is_an_empty_answer() -> None:
    cache = CachedEmbed(lambda texts: np.zeros((len(texts), 2), dtype=np.float32))
    assert cache([]).shape == (0, 2)
