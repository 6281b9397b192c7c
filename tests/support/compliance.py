"""The compliance model, made ready before a test waits on the bot: with no cached model the
first brief's lint trains it (10-30 s on this machine), far past a conversation's 5 s wait."""

from __future__ import annotations

from bot.compliance import layers
from policies.compliance import load_rules


def warm_compliance_model() -> None:
    """Read the package rules' model from the disk cache, or train and cache it, once per process."""
    layers.model_for(load_rules())
