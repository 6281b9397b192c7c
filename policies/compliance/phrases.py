"""The phrase language of compliance rules, compiled to regular expressions.

Rule writers think in words, not regexes: `guarantee~ ...3 return~` should find "guaranteed
12% annual returns" as well as "returns are guaranteed"-style variants written separately.

    word        the word, any case; an apostrophe also matches ’
    word~       its inflections: guarantee, guarantees, guaranteed, guaranteeing
    word*       any word starting so: detox* finds detox, detoxify, detoxing
    a b         words in a row, separated by spaces, hyphens or a comma ("risk free" = "risk-free")
    eco-friendly  a hyphen inside a word may also be a space or nothing (eco friendly, ecofriendly)
    (a|b c)     one of the alternatives (each a phrase itself)
    [a]         optional
    ...  ...5   up to 3 (or 5) other words in between, within one sentence
    <percent> <money> <number> <multiple>   number shapes: 20%, 30 percent; $5,000, €50, 5k dollars;
                12, 1,000.5, twenty; 2x, 3×, twice, double, 10 times
    <name>      any phrase of the list `terms.name` in the rules file (e.g. <competitor>)
    re:...      a raw regular expression instead (case-insensitive)

A phrase never matches inside a longer word: `free` does not match "freedom".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# Between two words of a phrase: spaces, or a hyphen/dash/comma/colon with optional spaces.
SEP = r"(?:\s*[-–—,:;]\s*|\s+)"
_WORD_END = r"(?!\w)"
WORD_START = r"(?<!\w)"

_NUM_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|twenty-five|"
    "thirty|forty|fifty|sixty|seventy|seventy-five|eighty|ninety|hundred|a hundred|one hundred"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
NUMBER = rf"(?:{_DIGITS}|{_NUM_WORDS})"
SHAPES: dict[str, str] = {
    "number": NUMBER,
    "percent": rf"(?:{NUMBER}\s?(?:%|per\s?cent\b|pct\b)|half)",
    "money": (
        rf"(?:(?:us|ca|au)?[$€£¥]\s?{_DIGITS}(?:\s?(?:k|m|bn|million|billion|thousand)\b)?"
        rf"|{NUMBER}\s?(?:k\s)?(?:dollars|bucks|usd|eur|euros|gbp)\b)"
    ),
    "multiple": (
        rf"(?:{_DIGITS}\s?[x×](?!\w)|twice|double|triple|quadruple"
        rf"|(?:{NUMBER})[\s-]?(?:times|fold)\b)"
    ),
}

_TOKEN = re.compile(r"\s+|\.\.\.\d*|[()\[\]|]|<[a-z][a-z0-9_-]*>|[^\s()\[\]|<]+|<")


class PhraseError(ValueError):
    """A phrase that can't be compiled; the message says why (shown at the pattern's path)."""


def is_raw(source: str) -> bool:
    return source.startswith("re:")


def compile_phrase(source: str, terms: Mapping[str, list[str]] | None = None) -> str:
    """The regular expression (a string) for one phrase or `re:` pattern; raises PhraseError.

    A phrase's regex is lowercase and starts with WORD_START; it matches any case with
    re.IGNORECASE, or lowercased text without it. A raw regex is returned as written."""
    # Remembered per process: a rules file's ~500 phrases are compiled when it is validated and
    # again by the matcher, at every policy load (each test bot's start, each reload).
    frozen = tuple((name, tuple(phrases)) for name, phrases in (terms or {}).items())
    return _compiled(source, frozen)


@lru_cache(maxsize=8192)
def _compiled(source: str, terms: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    if is_raw(source):
        body = source[3:].strip()
        _check_regex(body)
        if re.fullmatch(body, "", re.IGNORECASE):
            raise PhraseError("the regex can match empty text")
        return rf"(?:{body})"
    if not source.strip():
        raise PhraseError("empty phrase")
    parser = _Parser(source, {name: list(phrases) for name, phrases in terms})
    body = parser.parse()
    # Built from escaped words and fixed shapes, so it compiles; checking would double load time.
    return rf"{WORD_START}(?:{body}){_WORD_END}"


def inflections(word: str) -> list[str]:
    """Regular English word forms of `word` (a superset: forms that aren't words never match)."""
    forms = {word, word + "s", word + "es", word + "ed", word + "ing"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing", word + "r", word + "rs"}
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if re.fullmatch(r"[^aeiou]*[aeiou][bdgklmnprt]", word):  # win -> winning, winner
        forms |= {word + word[-1] + "ing", word + word[-1] + "ed", word + word[-1] + "er"}
        forms |= {word + word[-1] + "ers"}
    return sorted(forms, key=len, reverse=True)


def _check_regex(regex: str) -> None:
    try:
        re.compile(regex, re.IGNORECASE)
    except re.error as exc:
        raise PhraseError(f"invalid regex: {exc}") from None


def _literal(text: str) -> str:
    """A word as written: hyphens inside may be a space or nothing, apostrophes either kind.

    Lowercase: phrases are matched against lowercased text without re.IGNORECASE, which lets the
    regex engine skip an alternative on its first letter (see matcher)."""
    out = []
    for char in text.lower():
        if char == "-":
            out.append(r"[\s-]?")
        elif char in "'’":
            out.append("['’]")
        else:
            out.append(re.escape(char))
    return "".join(out)


class _Parser:
    def __init__(self, source: str, terms: Mapping[str, list[str]]) -> None:
        self.source = source
        self.terms = terms
        self.tokens = [t for t in _TOKEN.findall(source) if not t.isspace()]
        self.pos = 0

    def parse(self) -> str:
        regex = self._alternatives(closing=None)
        if self.pos != len(self.tokens):
            raise PhraseError(f"unexpected '{self.tokens[self.pos]}' in '{self.source}'")
        return regex

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _alternatives(self, closing: str | None) -> str:
        options = [self._sequence(closing)]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._sequence(closing))
        return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"

    def _sequence(self, closing: str | None) -> str:
        items: list[tuple[str, str]] = []  # (kind, regex): kind is word, optional or gap
        while (token := self._peek()) is not None and token not in ("|", closing):
            items.append(self._item(token))
        if not items:
            raise PhraseError(f"empty alternative or group in '{self.source}'")
        if all(kind == "optional" for kind, _ in items):
            raise PhraseError(f"'{self.source}' can match empty text (is every part optional?)")
        if items[-1][0] == "gap" or items[0][0] == "gap":
            raise PhraseError(f"a gap (...) needs words on both sides in '{self.source}'")
        return _join(items)

    def _item(self, token: str) -> tuple[str, str]:
        self.pos += 1
        if token in ("(", "["):
            closing = ")" if token == "(" else "]"
            inner = self._alternatives(closing)
            if self._peek() != closing:
                raise PhraseError(f"'{token}' without '{closing}' in '{self.source}'")
            self.pos += 1
            return ("optional" if token == "[" else "word", f"(?:{inner})")
        if token in (")", "]"):
            raise PhraseError(f"'{token}' without its opening bracket in '{self.source}'")
        if token.startswith("..."):
            words = int(token[3:] or 3)
            return ("gap", rf"(?:[^\s.!?]+\s+){{0,{words}}}")
        if token.startswith("<"):
            return ("word", self._shape(token))
        return ("word", self._word(token))

    def _shape(self, token: str) -> str:
        name = token.strip("<>")
        if name in SHAPES:
            return SHAPES[name]
        if name in self.terms:
            phrases = [_Parser(p, {}).parse() for p in self.terms[name]]
            return "(?:" + "|".join(phrases) + ")"
        known = ", ".join(f"<{n}>" for n in [*SHAPES, *self.terms])
        raise PhraseError(f"unknown {token} (known: {known})")

    def _word(self, token: str) -> str:
        if token.endswith("~") and len(token) > 1:
            forms = inflections(token[:-1].lower())
            return "(?:" + "|".join(_literal(f) for f in forms) + ")"
        if token.endswith("*") and len(token) > 1:
            return _literal(token[:-1]) + r"[\w'’-]*"
        return _literal(token)


def _join(items: list[tuple[str, str]]) -> str:
    """Words in a row with separators between; an optional word carries its own separator, and a
    gap consumes the space after its last word."""
    out = ""
    need_sep = False
    for kind, regex in items:
        if kind == "gap":
            out += SEP + regex
            need_sep = False
        elif kind == "optional":
            out += f"(?:{SEP}{regex})?" if need_sep else f"(?:{regex}{SEP})?"
        else:
            out += (SEP if need_sep else "") + regex
            need_sep = True
    return out
