"""Both layers of the compliance lint on one text: the rules' patterns, then the semantic model.

The gate, `/mops lint` and `mopsbot lint` ask here. Where the patterns found a claim, their
finding names the words, which says more to the person fixing the copy; the model adds only the
categories they did not find, at a stricter threshold on the sentences they flagged.

The model reads the frozen encoder's vectors, or, when the rules say `semantic.encoder: tuned`,
those of MiniLM fine-tuned on the examples (bot.compliance.tuning) once that is ready: it is made
in the background at start (bot.compliance.background) while the frozen model serves, and the
lint switches to it whole. MOPSBOT_LINT_TUNING=off keeps the frozen model (the tests do).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.compliance import background, semantic, tuned
from bot.encoder.cache import CachedEmbed
from bot.encoder.exported import OnnxEncoder
from bot.encoder.readout import LayersEncoder
from bot.encoder.shared import lint_layers_encoder, quantized_encoder
from policies.compliance import ComplianceRules, LintResult, lint

log = logging.getLogger(__name__)

_lock = threading.Lock()
_vectors: CachedEmbed | None = None


@dataclass(frozen=True)
class Reader:
    """A semantic model with the encoder whose vectors it was trained on: swapped together,
    never one without the other."""

    model: semantic.SemanticModel
    vectors: CachedEmbed
    encoder_id: str
    # Names the model in the audit trail (on each of its findings): "frozen:<semantic.model_key>"
    # or "tuned:<tuned.Setup.key>", the names of its files in the cache (compliance-model-<key>.npz,
    # compliance-tuned-<key>/). The key covers the examples' version and the settings; the frozen
    # one the encoder's id too, the tuned folder keeps its encoder's id in made.json.
    name: str


_tuned_lock = threading.Lock()
_tuned: dict[str, Reader] = {}  # by tuned.Setup.key
_looked: set[str] = set()  # keys this process looked for in the disk cache
# Set by warm_up: this process is a bot, which tunes in the background (after a start, and after
# a change of the examples); a `mopsbot lint` command only reads what is in the cache.
_tunes_in_background = False


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


def tuning_wanted(rules: ComplianceRules) -> bool:
    """The rules ask for the tuned encoder, and neither MOPSBOT_LINT_TUNING=off nor the torch
    encoder (the tuned model is made for its int8 export) says no."""
    return (
        rules.semantic is not None
        and rules.examples is not None
        and rules.semantic.encoder == "tuned"
        and os.environ.get("MOPSBOT_LINT_TUNING", "on") != "off"
        and os.environ.get("MOPSBOT_LINT_ENCODER", "int8") != "torch"
    )


def reader(rules: ComplianceRules) -> Reader | None:
    """What lints with these rules: the tuned model and its encoder when the rules want them and
    they are ready, else the frozen encoder's model (None without a semantic layer)."""
    if rules.semantic is None or rules.examples is None:
        return None
    if tuning_wanted(rules):
        found = tuned_reader(rules)
        if found is not None:
            return found
        if _tunes_in_background:
            start_tuning(rules)  # at most once per model and process
    frozen = encoder()  # the model is trained on the vectors it will be given
    model = semantic.model_for(rules, frozen.embed, encoder_id=frozen.id)
    assert model is not None
    return Reader(model, sentence_vectors(), frozen.id, frozen_name(rules, frozen.id))


def frozen_name(rules: ComplianceRules, encoder_id: str) -> str:
    """The frozen encoder's model of these rules, as the audit trail names it."""
    return f"frozen:{semantic.model_key(rules, encoder_id)}"


def tuned_name(setup: tuned.Setup) -> str:
    """The tuned model of `setup`, as the audit trail names it."""
    return f"tuned:{setup.key}"


def tuned_reader(rules: ComplianceRules) -> Reader | None:
    """The tuned model of these rules: in memory, or read once from the disk cache (a restart,
    `mopsbot lint` after `mopsbot lint --tune`); None while it is not made."""
    setup = tuned.Setup.of(rules)
    if setup is None:
        return None
    with _tuned_lock:
        if setup.key not in _tuned and setup.key not in _looked:
            _looked.add(setup.key)
            found = tuned.read(setup)
            if found is not None:
                _tuned[setup.key] = _reader_of(found, setup)
        return _tuned.get(setup.key)


def _reader_of(made: tuned.TunedModel, setup: tuned.Setup) -> Reader:
    return Reader(made.model, CachedEmbed(made.encoder.embed), made.encoder.id, tuned_name(setup))


def start_tuning(
    rules: ComplianceRules, command: Sequence[str] | None = None
) -> threading.Thread | None:
    """Tune these rules' model in a child process; the lint switches to it when it is made.
    None when nothing was started (no tuning wanted, made already, or tried by this process)."""
    setup = tuned.Setup.of(rules)
    if setup is None or not tuning_wanted(rules) or tuned_reader(rules) is not None:
        return None

    def switch(made: tuned.TunedModel) -> None:
        with _tuned_lock:
            _tuned[setup.key] = _reader_of(made, setup)
        log.info(
            "compliance.lint_tuned model=%s encoder=%s tuned_in_seconds=%.0f",
            tuned_name(setup),
            made.encoder.id,
            made.seconds,
        )

    return background.start(setup, switch, command)


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
    current = reader(rules)
    if current is None:
        return result
    added = semantic.find(
        current.model,
        rules,
        text,
        current.vectors,
        flagged=result.findings,
        model_name=current.name,
    )
    findings = sorted([*result.findings, *added], key=lambda f: (f.start, f.end, f.category))
    return replace(result, findings=findings, model=current.name)


def warm_up(rules_of: Callable[[], ComplianceRules]) -> threading.Thread:
    """Load the encoder and read (or train) the model in the background at start, so the first
    brief submitted is not the one that waits for them; then, when the rules want the tuned
    encoder, read its model from the cache or start making it (a child process)."""
    global _tunes_in_background
    _tunes_in_background = True

    def warm() -> None:
        try:
            rules = rules_of()
            model_for(rules)
            start_tuning(rules)
        except Exception:  # the first lint tries again, and the gate says what went wrong
            log.exception("compliance.warm_up_failed")

    thread = threading.Thread(target=warm, name="compliance-warm-up", daemon=True)
    thread.start()
    return thread
