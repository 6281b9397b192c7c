"""The encoder's ONNX export, which the compliance lint reads through: its readout of layers 3-6
averaged beside the last layer, torch's vectors of that readout at fp32, close ones at int8, made
once per weights even when two bots start at once, and the readout on torch when the export can't
be made."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import exported, shared
from bot.encoder.exported import OnnxEncoder
from bot.encoder.readout import LINT_LAYERS, LayersEncoder, readout_name
from bot.encoder.sentence import MAX_TOKENS, Encoder
from bot.encoder.shared import lint_layers_encoder, shared_encoder

TEXTS = [
    "Thanks!",
    "Dr. Patel, a cardiologist, recommends it to every patient she sees.",
    "Your capital is fully protected.",
    "Join the webinar at noon on Friday to hear what the team shipped this quarter.",
    " ".join(["A sentence far longer than the encoder reads, cut at its token limit."] * 20),
]


@pytest.fixture(scope="module")
def int8_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def test_the_readout_is_named_by_its_span_of_layers() -> None:
    """The export's file name (minilm-<hash>-layers3-6+6-int8.onnx) and the compliance model's
    cache key carry it: a set of layers that is not a span has no name, rather than one that
    could be another readout's."""
    assert readout_name(LINT_LAYERS, 6) == "layers3-6+6"
    assert readout_name((5, 6), 6) == "layers5-6+6"
    with pytest.raises(ValueError, match="span"):
        readout_name((3, 5, 6), 6)


def test_the_lint_reads_layers_3_to_6_averaged_beside_the_last_on_torch() -> None:
    """Each of hidden states 3-6 mean pooled and made unit, the four averaged and made unit again;
    beside it the last layer pooled and made unit; the 768 numbers made unit: the readout the
    lint's figures were measured with, not the last layer alone that everybody else reads."""
    import torch

    readout = lint_layers_encoder()
    assert readout.layers == LINT_LAYERS == (3, 4, 5, 6) and "layers3-6+6" in readout.id
    encoder = shared_encoder()
    batch = encoder.tokenize(TEXTS)
    with torch.inference_mode():
        states = encoder.model(**batch, output_hidden_states=True).hidden_states
    assert len(states) == 7  # the embeddings and 6 layers: 6 is the last
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = [(states[layer] * mask).sum(1) / mask.sum(1) for layer in range(7)]
    units = [p / p.norm(dim=1, keepdim=True) for p in pooled]
    averaged = sum(units[3:7]) / 4
    averaged = averaged / averaged.norm(dim=1, keepdim=True)
    expected = torch.cat([averaged, units[6]], dim=1) / 2**0.5  # two unit halves: norm sqrt(2)
    expected = expected.numpy()
    vectors = readout.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 2 * encoder.dim) == (len(TEXTS), readout.dim)
    assert np.abs(vectors - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    last = encoder.embed(TEXTS)  # intake and the variants: still the last layer alone
    assert np.abs(vectors[:, encoder.dim :] * 2**0.5 - last).max() < 1e-5
    assert readout.embed([]).shape == (0, readout.dim)


def test_the_fp32_export_gives_the_same_readouts_vectors_as_torch(tmp_path: Path) -> None:
    path = tmp_path / "fp32.onnx"
    exported.export_fp32(lint_layers_encoder(), path)
    onnx, torch = OnnxEncoder(path).embed(TEXTS), lint_layers_encoder().embed(TEXTS)
    assert onnx.shape == torch.shape == (len(TEXTS), 2 * shared_encoder().dim)
    assert (onnx * torch).sum(axis=1).min() > 0.9999


def test_two_bots_starting_at_once_export_once_and_read_the_same_file(
    int8_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports: list[Path] = []
    real_export = exported.export

    def counted(readout: LayersEncoder, path: Path) -> None:
        exports.append(path)
        real_export(readout, path)

    monkeypatch.setattr(exported, "export", counted)
    loaded: list[OnnxEncoder] = []
    starts = [
        threading.Thread(
            target=lambda: loaded.append(exported.quantized(lint_layers_encoder(), int8_dir))
        )
        for _ in range(2)
    ]
    for start in starts:
        start.start()
    for start in starts:
        start.join()
    assert len(exports) == 1 and len(loaded) == 2
    assert loaded[0].path == loaded[1].path == exports[0]
    assert [p.name for p in int8_dir.glob("*.onnx")] == [exports[0].name]  # no half-written file
    assert not list(int8_dir.glob(".export-*"))


def test_int8_vectors_are_close_to_torchs_and_each_texts_own(int8_dir: Path) -> None:
    encoder = exported.quantized(lint_layers_encoder(), int8_dir)
    together = encoder.embed(TEXTS)
    cosine = (together * lint_layers_encoder().embed(TEXTS)).sum(axis=1)  # the same readout
    # Weights in 7 bits (exported.SAME_ON_EVERY_CPU): "Thanks!" at 0.972, the others >= 0.992
    # (8 bits: >= 0.98). A broken quantization is far off: one scale per tensor gave 0.90.
    assert cosine.min() > 0.965 and cosine.mean() > 0.985
    alone = np.stack([encoder.embed([text])[0] for text in TEXTS])
    assert np.abs(together - alone).max() < 1e-6  # a verdict never depends on the neighbours
    assert encoder.embed([]).shape == (0, 2 * shared_encoder().dim)


def test_int8_weights_use_7_bits_so_every_cpu_sums_them_exactly(int8_dir: Path) -> None:
    """With 8-bit weights a CPU without VNNI saturates pairs of products at 16 bits (255 * 127
    * 2 > 32767) where a VNNI CPU does not, and their vectors and verdicts differ."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(exported.quantized(lint_layers_encoder(), int8_dir).path))
    weights = [
        numpy_helper.to_array(tensor)
        for tensor in model.graph.initializer
        if tensor.data_type == onnx.TensorProto.INT8
    ]
    assert len(weights) >= 36  # six layers' six matrices, at least
    assert all(int(np.abs(w.astype(np.int32)).max()) <= 64 for w in weights)
    assert max(int(np.abs(w.astype(np.int32)).max()) for w in weights) == 64  # not all zeros


def test_int8_tokens_are_those_transformers_gives_the_torch_readout(int8_dir: Path) -> None:
    """The export reads the Rust tokenizer set up once (no per-call setup): the same tokens as
    transformers' wrapper truncating at MAX_TOKENS, the long text cut where torch's is; and
    texts embedded from several threads at once get the vectors each gets alone."""
    encoder = exported.quantized(lint_layers_encoder(), int8_dir)
    wrapped = Encoder.load_tokenizer()(TEXTS, truncation=True, max_length=MAX_TOKENS)
    tokens = encoder.tokenizer.encode_batch(TEXTS)
    assert [t.ids for t in tokens] == wrapped["input_ids"]
    assert [t.attention_mask for t in tokens] == wrapped["attention_mask"]
    assert [t.type_ids for t in tokens] == wrapped["token_type_ids"]
    assert len(tokens[-1].ids) == MAX_TOKENS
    alone = encoder.embed(TEXTS)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(encoder.embed(TEXTS))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and all(np.array_equal(result, alone) for result in results)


def test_an_export_of_other_weights_or_layers_is_another_file(int8_dir: Path) -> None:
    encoder = exported.quantized(lint_layers_encoder(), int8_dir)
    assert exported.weights_key(shared_encoder()) in encoder.id
    assert encoder.id.endswith("-layers3-6+6-int8")  # another readout's model is never read for it
    # the compliance model is trained per encoder: torch's readout and int8's are others
    assert len({encoder.id, lint_layers_encoder().id, shared_encoder().id}) == 3


def test_the_lint_keeps_torch_when_the_export_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(encoder: object, path: Path) -> None:
        raise RuntimeError("no onnx here")

    monkeypatch.setattr(exported, "export", broken)
    monkeypatch.setattr(shared, "_quantized", None)
    with caplog.at_level(logging.WARNING):
        assert shared.quantized_encoder(tmp_path) is lint_layers_encoder()
    assert [r.getMessage() for r in caplog.records if "onnx" in r.getMessage()] == [
        "encoder.onnx_unavailable using=torch error=RuntimeError('no onnx here')"
    ]
    assert not list(tmp_path.glob("*.onnx"))
