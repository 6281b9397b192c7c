"""Both layers of the compliance lint on one text: the rules' patterns, then the semantic model.

The gate, `/mops lint` and `mopsbot lint` ask here. Where the patterns found a claim, their
finding names the words, which says more to the person fixing the copy; the model adds only the
categories they did not find, at a stricter threshold on the sentences they flagged.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from bot.compliance import semantic
from bot.encoder.cache import CachedEmbed
from bot.encoder.exported import OnnxEncoder
from bot.encoder.readout import LayersEncoder
from bot.encoder.shared import lint_layers_encoder, quantized_encoder
from policies.compliance import ComplianceRules, LintResult, lint

log = logging.getLogger(__name__)

_lock = threading.Lock()
_vectors: CachedEmbed | None = None


def encoder() -> OnnxEncoder | LayersEncoder:
    """The encoder of the lint: the shared MiniLM read through its layers 3-6 averaged beside its
    last layer, not only its last (bot.encoder.readout: cross-validated category recall
    0.68 -> 0.74), in its int8 ONNX export, ~2.3x faster on one thread (bot.encoder.exported),
    kept in the cache directory; the same readout on torch when MOPSBOT_LINT_ENCODER=torch or
    when the export can't be made."""
    if os.environ.get("MOPSBOT_LINT_ENCODER", "int8") == "torch":
        return lint_layers_encoder()
    return quantized_encoder(semantic.cache_dir())


def sentence_vectors() -> CachedEmbed:
    """The lint's encoder, keeping each sentence's vector: the gate lints a brief when it is
    submitted, planned, recorded and confirmed, and its sentences rarely change between those."""
    global _vectors
    with _lock:
        if _vectors is None:
            _vectors = CachedEmbed(encoder().embed)
        return _vectors


def model_for(rules: ComplianceRules) -> semantic.SemanticModel | None:
    """The rules' trained semantic model (None when the rules have no semantic layer)."""
    if rules.semantic is None or rules.examples is None:
        return None
    reader = encoder()  # the model is trained on the vectors it will be given
    return semantic.model_for(rules, reader.embed, encoder_id=reader.id)


def ready(rules: ComplianceRules) -> bool:
    """True when a lint answers at once: the rules have no semantic layer, or its model is in
    memory. False for the first seconds after a start (the warm-up loads the encoder and the
    model; the first start also exports and trains them), when a lint waits for them."""
    if rules.semantic is None or rules.examples is None:
        return True
    return semantic.loaded(rules)


def lint_text(text: str, rules: ComplianceRules, channel: str | None = None) -> LintResult:
    """`policies.compliance.lint`, with the semantic model's findings: in the sentences the
    patterns left unflagged at each category's threshold, and in those they flagged, for other
    categories, at the stricter added threshold (see bot.compliance.semantic for why)."""
    result = lint(text, rules, channel)
    model = model_for(rules)
    if model is None:
        return result
    added = semantic.find(model, rules, text, sentence_vectors(), flagged=result.findings)
    if not added:
        return result
    findings = sorted([*result.findings, *added], key=lambda f: (f.start, f.end, f.category))
    return LintResult(
        findings=findings,
        channel_issues=result.channel_issues,
        rules_version=result.rules_version,
        channel=result.channel,
    )


def warm_up(rules_of: Callable[[], ComplianceRules]) -> threading.Thread:
    """Load the encoder and read (or train) the model in the background at start, so the first
    brief submitted is not the one that waits for them."""

    def warm() -> None:
        try:
            model_for(rules_of())
        except Exception:  # the first lint tries again, and the gate says what went wrong
            log.exception("compliance.warm_up_failed")

    thread = threading.Thread(target=warm, name="compliance-warm-up", daemon=True)
    thread.start()
    return thread
