"""Tone checks a library can do: readability (Flesch) and profanity.

Readability: textstat's English syllable counter loads nltk's cmudict and downloads it when it is
missing, which this bot must never do at run time. So the two Flesch formulas are computed here
with syllables from pyphen's bundled en_US hyphenation dictionary (what textstat itself falls back
to for words cmudict lacks).

Profanity: better-profanity's word list, matched with set lookups. Its own matcher compares every
word against ~900 entries and their character variants (about 1 ms a word), too slow to lint as
people type; the same substitution table (@ for a, $ for s, 0 for o...) is applied here instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import product
from typing import Any

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_VOWELS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True, slots=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def reading_ease(self) -> float:
        """Flesch reading ease: 60-70 is plain English, below 30 is hard going."""
        return 206.835 - 1.015 * self.words / self.sentences - 84.6 * self.syllables / self.words

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade: the US school year that reads it comfortably."""
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59


def readability(text: str) -> Readability | None:
    """The counts behind the Flesch formulas, or None for a text without words."""
    words = _WORD.findall(text)
    if not words:
        return None
    sentences = max(1, len(_SENTENCE_END.findall(text.strip())) + (0 if _ends(text) else 1))
    return Readability(len(words), sentences, sum(_syllables(w.lower()) for w in words))


def _ends(text: str) -> bool:
    return bool(re.search(r"[.!?]['\"’”)]*\s*$", text))


@lru_cache(maxsize=16384)  # bounded: the words come from whatever people paste
def _syllables(word: str) -> int:
    if not word.isalpha():
        return max(1, len(_VOWELS.findall(word)))
    return len(_hyphenator().positions(word)) + 1


@cache
def _hyphenator() -> Any:  # pyphen ships no types
    import pyphen

    return pyphen.Pyphen(lang="en_US")


# better-profanity's substitutions, read backwards: which letters a character may stand for.
_STANDS_FOR: dict[str, str] = {
    "@": "ao",
    "*": "aioue",
    "4": "a",
    "1": "il",
    "!": "i",
    "0": "o",
    "3": "e",
    "$": "s",
    "5": "s",
    "7": "t",
    "+": "t",
}
_TOKEN = re.compile(r"[\w@$*!+.'’-]+")


class ProfanityList:
    """better-profanity's word list minus the policy's allowed words, for quick lookups."""

    def __init__(self, allow: list[str]) -> None:
        allowed = {word.lower() for word in allow}
        singles: set[str] = set()
        phrases: set[tuple[str, ...]] = set()
        prefixes: list[str] = []
        for line in _wordlist():
            entry = line.strip().lower()
            if not entry or entry in allowed:
                continue
            if entry.endswith("*"):
                prefixes.append(entry[:-1])
            elif " " in entry:
                phrases.add(tuple(entry.split()))
            else:
                singles.add(entry)
        self._singles = frozenset(singles)
        self._phrases = frozenset(phrases)
        self._prefixes = tuple(prefixes)
        self._longest = max((len(p) for p in phrases), default=1)

    def find(self, text: str) -> list[str]:
        """The profane words and phrases in `text`, as written, in order, each once."""
        tokens = [t.strip(".!'’-").lower() for t in _TOKEN.findall(text)]
        originals = [t.strip(".!'’-") for t in _TOKEN.findall(text)]
        found: list[str] = []
        for index, token in enumerate(tokens):
            if token and self._profane(token):
                found.append(originals[index])
                continue
            for size in range(2, self._longest + 1):
                if tuple(tokens[index : index + size]) in self._phrases:
                    found.append(" ".join(originals[index : index + size]))
        return list(dict.fromkeys(found))

    def _profane(self, token: str) -> bool:
        if token in self._singles or token.startswith(self._prefixes or ("\0",)):
            return True
        if not any(c.isalpha() for c in token) or not any(c in _STANDS_FOR for c in token):
            return False
        choices = [_STANDS_FOR.get(c, c) for c in token]
        for count, letters in enumerate(product(*choices)):
            if count > 64:  # a long run of symbols is not a word someone is hiding
                return False
            if "".join(letters) in self._singles:
                return True
        return False


def _wordlist() -> list[str]:
    path = resources.files("better_profanity").joinpath("profanity_wordlist.txt")
    return path.read_text(encoding="utf-8").splitlines()
