"""The checklist rules the bot checks by itself, against what is attached to a brief.

Each rule answers with None (it holds) or what is open, in plain words, naming the assets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.words import listed
from bot.pipeline.asset_checks import is_image, missing_utm, problems, wrong_size
from bot.pipeline.readiness_models import Asset, Variant
from policies.compliance import ComplianceRules
from policies.schema import Policy


@dataclass(frozen=True)
class Facts:
    """What a brief has attached, read once for all its items."""

    policy: Policy
    assets: Sequence[Asset]
    variants: Sequence[Variant]
    rules: ComplianceRules | None


def _names(assets: Sequence[Asset]) -> str:
    shown = [asset.name for asset in assets[:3]]
    more = f" and {len(assets) - 3} more" if len(assets) > 3 else ""
    return ", ".join(shown) + more


def _open(what: str, assets: Sequence[Asset], how: str) -> str | None:
    return f"{_names(assets)} {what}; {how}" if assets else None


def alt_text(facts: Facts) -> str | None:
    missing = [a for a in facts.assets if is_image(a) and not (a.alt_text or "").strip()]
    verb = "has" if len(missing) == 1 else "have"
    return _open(f"{verb} no alt text", missing, "press *Fix details* on each to add it")


def utm_links(facts: Facts) -> str | None:
    links = [a for a in facts.assets if a.kind == "link" and missing_utm(facts.policy, a.url or "")]
    params = ", ".join(facts.policy.assets.utm_parameters)
    return _open(f"lack{'s' if len(links) == 1 else ''} UTM parameters", links, f"add {params}")


def file_names(facts: Facts) -> str | None:
    convention = facts.policy.assets.file_names
    if convention is None:
        return None
    wrong = [a for a in facts.assets if a.kind == "file" and not convention.matches(a.name)]
    verb = "doesn't" if len(wrong) == 1 else "don't"
    return _open(f"{verb} follow the convention", wrong, f"name it like `{convention.example}`")


def image_sizes(facts: Facts) -> str | None:
    wrong = [a for a in facts.assets if wrong_size(facts.policy, a) is not None]
    what = "is not a size its" if len(wrong) == 1 else "are not a size their"
    return _open(f"{what} channel takes", wrong, "see the note on it in the thread")


def captions(facts: Facts) -> str | None:
    flagged = [
        a
        for a in facts.assets
        if any(p.check == "caption" for p in problems(facts.policy, a, facts.rules))
    ]
    what = "has a caption" if len(flagged) == 1 else "have captions"
    if facts.rules is None:  # asset_checks: a caption nobody could check is not passed
        return _open(
            f"{what} nobody could check for claims",
            flagged,
            "the compliance rules can't be read; an ops admin should fix them",
        )
    return _open(f"{what} with claims", flagged, "reword it or get the claim approved")


def assets_attached(facts: Facts) -> str | None:
    if facts.assets:
        return None
    return "nothing is attached yet: share the draft or post its link in the brief's thread"


def variants_accepted(facts: Facts) -> str | None:
    waiting = [v.channel for v in facts.variants if v.status != "accepted"]
    if not waiting:
        return None
    labels = [(facts.policy.variants.channels.get(name) or _Label(name)).label for name in waiting]
    return f"the {listed(labels)} {'is' if len(labels) == 1 else 'are'} not accepted yet"


@dataclass(frozen=True)
class _Label:
    label: str


RULES: dict[str, Callable[[Facts], str | None]] = {
    "alt_text": alt_text,
    "utm_links": utm_links,
    "file_names": file_names,
    "image_sizes": image_sizes,
    "captions": captions,
    "assets_attached": assets_attached,
    "variants_accepted": variants_accepted,
}
