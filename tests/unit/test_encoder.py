"""The shared sentence encoder: one loaded copy per process, reached from intake and directly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.encoder.shared import shared_encoder
from bot.intake.classifier import encoder as intake_encoder
from bot.intake.classifier.model import base_encoder

pytestmark = pytest.mark.slow


def test_one_loaded_copy_serves_every_domain() -> None:
    encoder = shared_encoder()
    assert shared_encoder() is encoder
    assert base_encoder() is encoder  # intake's frozen models use the same copy
    assert intake_encoder.Encoder is type(encoder)  # the old import path still works


def test_paraphrases_are_closer_than_unrelated_text() -> None:
    vectors = shared_encoder().embed(
        [
            "Doctors recommend this cream for dry skin.",
            "Dermatologists advise using this lotion on dry skin.",
            "The quarterly budget meeting moved to Thursday.",
        ]
    )
    assert vectors.shape == (3, shared_encoder().dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batching_by_length_gives_each_text_the_vector_it_gets_alone() -> None:
    """Padding within a batch must not move a vector: the ranking depends on small gaps."""
    from benchmarks.variants import MASTER
    from bot.pipeline.variants.drafting import sentences_of

    sentences = sentences_of(MASTER)
    encoder = shared_encoder()
    alone = np.stack([encoder.embed([sentence])[0] for sentence in sentences])
    for batch_size in (1, 3, 8, len(sentences)):
        assert np.abs(encoder.embed(sentences, batch_size=batch_size) - alone).max() < 1e-5


def test_the_benchmark_masters_ranking_is_what_it_was_before_the_speed_work() -> None:
    """Recorded with the first encoder set-up (one batch of 64 sorted by characters, two
    threads): fewer threads and smaller batches sorted by tokens must rank exactly the same."""
    from benchmarks.variants import MASTER
    from bot.pipeline.variants.drafting import rank

    ranked = rank(MASTER, shared_encoder().embed)
    assert ranked.order == (0, 1, 16, 6, 15, 13, 5, 9, 2, 8, 7, 14, 10, 11, 12, 4, 3)


def test_six_channels_embed_the_master_once_and_a_second_draft_embeds_nothing() -> None:
    from benchmarks.variants import MASTER
    from bot.app.config import PACKAGE_POLICY
    from bot.encoder.cache import CachedEmbed
    from bot.pipeline.variants.drafting import draft_all, sentences_of
    from policies.loader import load_policy

    channels = load_policy(PACKAGE_POLICY).variants.channels
    calls: list[list[str]] = []

    def counted(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return shared_encoder().embed(texts)

    cached = CachedEmbed(counted)
    first = draft_all(MASTER, channels, list(channels), cached)
    assert len(channels) == 6
    assert calls == [list(dict.fromkeys(sentences_of(MASTER)))]  # one batch for six channels
    again = draft_all(MASTER, channels, list(channels), cached)
    assert len(calls) == 1  # every sentence was kept
    assert [d.text for d in again] == [d.text for d in first]
    plain = draft_all(MASTER, channels, list(channels), shared_encoder().embed)
    assert [d.text for d in plain] == [d.text for d in first]

    edited = MASTER.replace("Acme Cloud Backup is", "Acme Backup is", 1)
    draft_all(edited, channels, list(channels), cached)
    assert [len(batch) for batch in calls] == [len(calls[0]), 1]  # only the changed sentence


def test_serving_uses_one_thread_and_the_offline_commands_every_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    import torch

    from bot.encoder import sentence

    monkeypatch.setattr(sentence, "_wanted_threads", sentence.THREADS)
    before = torch.get_num_threads()
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    try:
        sentence.cap_threads()
        assert torch.get_num_threads() == 1
        sentence.use_every_core()
        sentence.Encoder()  # a model loaded for training keeps every core
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
