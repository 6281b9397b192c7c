"""The frozen base encoder's readout for the compliance lint (bot.encoder.readout: layers 3-6
averaged, beside the last layer, 768 dimensions) exported to ONNX and quantized to int8.

The lint embeds the ~20-30 sentences of a brief while the person waits. On one thread (see
sentence.THREADS), for a new 300-word brief in alternating runs at load 4-5: torch p50 161 ms /
p99 345 ms, int8 (dynamic quantization, per output channel, one text per run) 70 / 133 ms. ONNX
Runtime at fp32 saved only ~25%; its graph fusions (onnxruntime.transformers) made one thread
slower; int8 per tensor moved vectors to cosine 0.90 of torch's; static and weight-only (MatMulNBits)
int8 were less exact or slower (those timings are of the last layer's export; the lint's readout
is the same forward pass, with four more poolings). Int8 moves the vectors a little (cosine to
the same readout on torch >= 0.981 on the 300 dev sentences, 0.993 on average, with the weights
in 7 bits; 8-bit weights were at >= 0.989 / 0.995 on a VNNI CPU; the last layer's export alone
was at >= 0.979 / 0.992), so the compliance model is trained on this
encoder's own vectors (its cache key names `id`, which names the readout); intake, whose heads
are trained on torch's last layer, stays on torch.

The export is made here from the installed weights (never downloaded), once per weights, into
the cache directory. Of two bots starting at once, one exports (a file lock) into a file of its
own and renames it into place; the other waits and reads it: neither reads half a model.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from bot.encoder.readout import LINT_LAYERS, LayersEncoder, lint_readout
from bot.encoder.sentence import MAX_TOKENS, THREADS, Encoder

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer
    from tqdm import tqdm

log = logging.getLogger(__name__)

# Bump when the export recipe below changes what the file holds (2: layers 3-6 averaged; 3: the
# same beside the last layer, 768 dimensions; 4: weights in 7 bits, see SAME_ON_EVERY_CPU).
FORMAT = "4"
# SAME_ON_EVERY_CPU: int8 weights in 7 bits (onnxruntime's reduce_range), so that the lint gives
# the same verdicts on every x86 CPU. With 8-bit weights, a CPU with AVX2 and no VNNI multiplies
# with VPMADDUBSW, whose pairs of products saturate at 16 bits (onnxruntime's quantization
# guide says so), where a VNNI CPU sums them exactly: the same text got another vector, and a
# model trained at start on those vectors other verdicts. On such a CPU (2026-12-08) "No purchase
# necessary.", one of the lint's own clean examples, came out a pricing claim. In 7 bits no sum
# of two products passes 16 bits, so both give the same integers. Speed on that CPU: the same
# (a 300-word brief, one thread, p50 155 against 157 ms); cosine to torch over 300 dev sentences:
# mean 0.9934 against 0.9936, lowest 0.981 against 0.988.
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# Compared with torch after export: the fp32 graph must give torch's vectors (a broken export is
# not kept), and int8 must stay close (a broken quantization is not kept either).
PROBES = (
    "Dr. Patel, a cardiologist, recommends it to her patients.",
    "Save 20% on every order this week",
    "Our partners may contact you about offers.",
    "Thanks!",
)
FP32_AGREEMENT = 0.9999
INT8_AGREEMENT = 0.95
RUNNERS = 2  # sentences embedded at once (a brief's ~20-30 while its author waits)


class OnnxEncoder:
    """Text -> unit vector, as the exported readout's `embed` on torch, on ONNX Runtime."""

    def __init__(self, path: Path, threads: int = THREADS) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.path = path
        self.id = path.stem  # the weights' hash and the recipe: a new export is a new encoder
        self.session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        # Its own tokenizer, the Rust one under transformers' wrapper, set up once as the wrapper
        # sets it on every call with truncation=True, max_length=MAX_TOKENS (the same tokens):
        # the wrapper's setup and its copying of every text's tokens to Python lists cost ~1 ms
        # a brief. Never set up again, it is safe to share between threads, which the wrapper
        # (changing its settings per call) was not.
        self.tokenizer: Tokenizer = Encoder.load_tokenizer().backend_tokenizer
        self.tokenizer.enable_truncation(MAX_TOKENS, stride=0, strategy="longest_first")
        self.tokenizer.no_padding()  # one text per run: nothing to pad to
        self.dim: int = int(self.session.get_outputs()[0].shape[-1])
        self._runners = ThreadPoolExecutor(RUNNERS, thread_name_prefix="lint-encoder")

    def embed(self, texts: Sequence[str], progress: tqdm | None = None) -> np.ndarray:
        """As LayersEncoder.embed, one text per run. Int8 activations get one scale per run, from
        every token in it: in a batch of 8 a text's vector depended on the others (cosine 0.985
        to its own), and a compliance verdict must not depend on the sentences around it."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(list(texts))
        # Longest first: the last run to finish, while the other runner has nothing left to do,
        # is a short one.
        rows = iter(sorted(range(len(texts)), key=lambda row: -len(encoded[row].ids)))

        def runner() -> None:
            for row in rows:  # shared by the runners: each takes the next text left
                tokens = encoded[row]
                feed = {
                    "input_ids": np.array([tokens.ids], np.int64),
                    "attention_mask": np.array([tokens.attention_mask], np.int64),
                    "token_type_ids": np.array([tokens.type_ids], np.int64),
                }
                out[row] = self.session.run(None, feed)[0][0]
                if progress is not None:
                    progress.update(1)

        # The runs are independent and ONNX Runtime lets go of the GIL while it runs, so two
        # sentences run at once on two cores. Each run stays on one thread: unlike one session
        # with two intra-op threads, a busy core makes it slower, never spinning (see THREADS).
        # One task per runner, not one per text: a brief's ~30 futures cost ~2 ms of CPU.
        tasks = [self._runners.submit(runner) for _ in range(min(RUNNERS, len(texts)))]
        for task in tasks:
            task.result()
        return out


def quantized(readout: LayersEncoder, directory: Path) -> OnnxEncoder:
    """The int8 export of `readout` (its encoder's weights, its layers) from `directory`,
    exported there first if missing, e.g. minilm-<weights hash>-layers3-6+6-int8.onnx. Raises
    when ONNX Runtime is missing or the export fails (the caller keeps torch). The file name, and
    so the vectors' id, names the readout: a model trained on one readout's vectors is never
    given another's."""
    path = export_path(readout, directory)
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        # One exporter at a time per directory: a second bot starting waits, then finds the file.
        with open(directory / f"{path.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                export(readout, path)
    return OnnxEncoder(path)


def export_path(readout: LayersEncoder, directory: Path) -> Path:
    """Where `readout`'s int8 export is kept in `directory` (made or not yet)."""
    return directory / f"minilm-{weights_key(readout.encoder)}-{readout.name}-int8.onnx"


def weights_key(encoder: Encoder) -> str:
    """What the export depends on: the weights and config, the recipe, and the tools' versions."""
    import onnxruntime

    digest = hashlib.sha256(f"{FORMAT} {torch.__version__} {onnxruntime.__version__}".encode())
    for name in ("config.json", "model.safetensors"):
        with open(encoder.source / name, "rb") as weights:
            while block := weights.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()[:16]


def export(readout: LayersEncoder, path: Path) -> None:
    """Export `readout` at fp32, check it against the same readout on torch, quantize it to int8,
    check that, and rename it to `path`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as work:
        fp32, int8 = Path(work) / "fp32.onnx", Path(work) / "int8.onnx"
        export_fp32(readout, fp32)
        expected = readout.embed(list(PROBES))
        check(OnnxEncoder(fp32).embed(list(PROBES)), expected, FP32_AGREEMENT, "fp32")
        # Per output channel: per-tensor int8 moved some vectors to cosine 0.90 of torch's.
        root = logging.getLogger()
        root.addFilter(_quantizer_chatter)
        try:
            # Weights in 7 bits (reduce_range): see SAME_ON_EVERY_CPU.
            quantize_dynamic(
                str(fp32),
                str(int8),
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=True,
            )
        finally:
            root.removeFilter(_quantizer_chatter)
        check(OnnxEncoder(int8).embed(list(PROBES)), expected, INT8_AGREEMENT, "int8")
        os.replace(int8, path)
    log.info("encoder.exported path=%s", path)


def export_fp32(readout: LayersEncoder, path: Path) -> None:
    """`readout`'s transformer with its layers' pooling and normalization, as one ONNX graph at
    fp32."""
    sample = readout.encoder.tokenize(list(PROBES))
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    # The tracer warns that shape checks become constants: none of them changes the result for
    # other batch sizes or lengths (`check` and the tests compare both).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(readout.encoder.model, readout.layers).eval(),
            tuple(sample[name] for name in INPUTS),
            str(path),
            input_names=list(INPUTS),
            output_names=["vector"],
            dynamic_axes={**axes, "vector": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter needs no onnxscript, and is exact here
        )


def _quantizer_chatter(record: logging.LogRecord) -> bool:
    """The quantizer logs a line per tensor on the root logger: not the bot's news."""
    return "onnxruntime" not in record.pathname


def check(vectors: np.ndarray, expected: np.ndarray, agreement: float, what: str) -> None:
    cosine = float((vectors * expected).sum(axis=1).min())
    if cosine < agreement:
        raise ValueError(f"the {what} export gives other vectors than torch (cosine {cosine:.4f})")


class Pooled(torch.nn.Module):
    """The transformer with LayersEncoder.forward's readout (its layers, each pooled, averaged,
    beside the last layer pooled), as one graph: tokens in, unit vectors out."""

    def __init__(self, model: torch.nn.Module, layers: Sequence[int] = LINT_LAYERS) -> None:
        super().__init__()
        self.model = model
        self.layers = tuple(layers)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        states = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_hidden_states=True,
        ).hidden_states
        return lint_readout(states, attention_mask, self.layers)
