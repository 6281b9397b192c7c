"""The shared sentence encoder: one loaded copy per process, reached from intake and directly."""

from __future__ import annotations

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
