"""What a draft or link attached to a brief is missing, each in plain words with what to fix.

File name convention, alt text on images, the image's size for its channel, UTM parameters on
links, and the caption's copy lint (regulated claims name who must approve them).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from bot.compliance.findings import claim_notes
from bot.compliance.layers import lint_text
from bot.core.words import listed
from bot.pipeline.readiness_models import Asset
from policies.compliance import ComplianceRules, LintResult
from policies.schema import Policy


@dataclass(frozen=True)
class Problem:
    check: str  # file_name | alt_text | size | utm | caption
    words: str  # what is wrong and how to fix it


def is_image(asset: Asset) -> bool:
    return asset.kind == "file" and (asset.mimetype or "").startswith("image/")


@dataclass(frozen=True)
class Checked:
    problems: list[Problem]
    # The caption's lint (both layers), which decided its problems: None when it has no caption
    # or the rules can't be read (then the caption is a problem: nobody could check it). Its
    # rules version and model are named in the check's audit event.
    caption: LintResult | None


def problems(policy: Policy, asset: Asset, rules: ComplianceRules | None) -> list[Problem]:
    return check(policy, asset, rules).problems


def check(policy: Policy, asset: Asset, rules: ComplianceRules | None) -> Checked:
    # Where the fix is sharing a new file or link, the words say to delete this one too: a new
    # share is another asset, and this one holds the brief until its message or file is deleted.
    found: list[Problem] = []
    convention = policy.assets.file_names
    if asset.kind == "file" and convention is not None and not convention.matches(asset.name):
        how = f" ({convention.description})" if convention.description else ""
        found.append(
            Problem(
                "file_name",
                f"the file name doesn't follow the convention{how}: rename it like "
                f"`{convention.example}`, share it again and delete this one",
            )
        )
    if is_image(asset) and not (asset.alt_text or "").strip():
        found.append(
            Problem(
                "alt_text",
                "it has no alt text: press *Fix details* and describe the image for people "
                "who can't see it",
            )
        )
    if (wrong := wrong_size(policy, asset)) is not None:
        found.append(Problem("size", wrong))
    if asset.kind == "link" and (missing := missing_utm(policy, asset.url or "")):
        found.append(
            Problem(
                "utm",
                f"the link has no {listed(missing, 'or')}: add "
                f"{'&'.join(f'{name}=…' for name in missing)} to it, post it again and delete "
                "this one",
            )
        )
    caption = None
    if (asset.caption or "").strip():
        if rules is None:
            # Nobody could check the caption's claims, so it is not passed (a brief's copy and a
            # variant go to every gate stage in the same case): it stays open until the rules read.
            found.append(
                Problem(
                    "caption",
                    "the caption couldn't be checked for regulated claims because the "
                    "compliance rules can't be read right now: ask an ops admin to fix them, "
                    "then share it again",
                )
            )
        else:
            caption = lint_text(asset.caption or "", rules)  # both layers, as a brief's copy
            found += [
                Problem("caption", f"the caption's {note}")
                for note in claim_notes(caption.findings)
            ]
    return Checked(found, caption)


def missing_utm(policy: Policy, url: str) -> list[str]:
    query = parse_qs(urlsplit(url).query)
    return [name for name in policy.assets.utm_parameters if not query.get(name)]


def wrong_size(policy: Policy, asset: Asset) -> str | None:
    channel = (asset.tags or {}).get("channel")
    sizes = policy.assets.image_sizes.get(str(channel)) if channel else None
    if not is_image(asset) or not sizes or asset.width is None or asset.height is None:
        return None
    if f"{asset.width}x{asset.height}" in sizes:
        return None
    label = policy.variants.channels.get(str(channel))
    name = label.label if label is not None else str(channel)
    return (
        f"it is {asset.width}x{asset.height}; {name} takes {' or '.join(sizes)}: export it at "
        "one of those sizes, share that and delete this one, or tag it for another channel "
        "with *Fix details*"
    )
