"""Values derived from loaded compliance rules, computed once per rules object.

The lint names its model on every call (the cache keys of bot.compliance.semantic and
bot.compliance.tuned: a join, a JSON dump of the settings and a SHA-256, ~10 us each, three or
four of them a lint). Loaded rules never change (policies.compliance.load_rules builds new ones
for a new file), so each key is computed on the first lint of those rules and kept until they are
dropped.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Hashable
from typing import Concatenate, ParamSpec, TypeVar

from policies.compliance import ComplianceRules

P = ParamSpec("P")
T = TypeVar("T")


def once_per_rules(
    compute: Callable[Concatenate[ComplianceRules, P], T],
) -> Callable[Concatenate[ComplianceRules, P], T]:
    """`compute(rules, *args)`, kept per rules object (by identity: rules are not hashable) and
    arguments (hashable ones), and forgotten when the rules are garbage collected."""
    kept: dict[Hashable, T] = {}

    @functools.wraps(compute)
    def cached(rules: ComplianceRules, /, *args: P.args, **kwargs: P.kwargs) -> T:
        key = (id(rules), args, tuple(sorted(kwargs.items())))
        try:
            return kept[key]
        except KeyError:
            pass
        value = compute(rules, *args, **kwargs)
        if key not in kept:  # another thread may have computed it too: the same value
            # Dropped with the rules, before another object can take their id.
            weakref.finalize(rules, kept.pop, key, None)
        kept[key] = value
        return value

    return cached
