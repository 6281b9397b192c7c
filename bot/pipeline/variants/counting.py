"""Character counts as each channel counts them.

- X: twitter-text-parser's `parse_tweet` (X's own weighted-length rules, config v3): a link
  counts 23 whatever its length, most CJK characters and emoji count 2.
- SMS: one message holds 160 GSM-7 septets; the gsm0338 codec encodes to GSM 03.38, where an
  extension character (`€ [ ] { } ^ ~ | \\`) takes two. One character outside GSM-7 makes the whole
  message UCS-2, which holds 70 UTF-16 code units.
- Anything else: characters.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from policies.variants import Counting, VariantChannel

UCS2_LIMIT = 70


def _load_twitter_text() -> types.ModuleType:
    """twitter-text-parser reads its emoji list at import with `pkg_resources.resource_string`,
    which setuptools 81 removed. When it is missing, that one function is lent from a stand-in
    for the import only: a `pkg_resources` left in sys.modules misleads other code (pytest)."""
    try:
        importlib.import_module("pkg_resources")
    except ModuleNotFoundError:
        pass
    else:
        return importlib.import_module("twitter_text")
    stand_in = types.ModuleType("pkg_resources")

    def resource_string(module: str, name: str) -> bytes:
        # As pkg_resources does: `name` is beside the module's own file.
        return Path(str(sys.modules[module].__file__)).with_name(name).read_bytes()

    stand_in.resource_string = resource_string  # type: ignore[attr-defined]  # a module's attribute
    sys.modules["pkg_resources"] = stand_in
    try:
        return importlib.import_module("twitter_text")
    finally:
        del sys.modules["pkg_resources"]


_twitter_text = _load_twitter_text()


@dataclass(frozen=True)
class Measure:
    length: int
    limit: int
    why: str = ""  # why the limit is not the channel's usual one, or how links count

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def measure(text: str, channel: VariantChannel) -> Measure:
    if channel.counting == Counting.X:
        parsed = _twitter_text.parse_tweet(text)
        return Measure(int(parsed.weightedLength), channel.max_length, "each link counts as 23")
    if channel.counting == Counting.SMS:
        try:
            septets = len(text.encode("gsm03.38"))
        except UnicodeEncodeError as exc:
            odd = exc.object[exc.start : exc.end]
            units = len(text.encode("utf-16-le")) // 2
            return Measure(units, UCS2_LIMIT, f"'{odd}' is outside GSM-7, so one SMS holds 70")
        return Measure(septets, channel.max_length)
    return Measure(len(text), channel.max_length)
