"""The running bot's intake taxonomy follows the file, and a mistake saved in it keeps the last
good one in force (every intake message and button reads the routes)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.intake.live_model import IntakeModels
from policies.yaml_files import PolicyError

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def _save(path: Path, text: str, at: float) -> None:
    path.write_text(text)
    os.utime(path, (at, at))  # a new modification time, as an editor's save gives


@pytest.fixture
def taxonomy(tmp_path: Path) -> Path:
    for name in ("intake.yaml", "intake_examples.yaml"):
        shutil.copy(POLICIES / name, tmp_path / name)
    return tmp_path / "intake.yaml"


def test_an_edit_is_read_and_a_broken_save_keeps_the_last_good_routes(
    taxonomy: Path, tmp_path: Path
) -> None:
    live = IntakeModels(taxonomy, tmp_path / "model")
    assert live.routes().title_of("utm_links") == "UTM links"
    shipped = taxonomy.read_text()
    renamed = shipped.replace("title: UTM links", "title: Tracking links")
    assert renamed != shipped
    _save(taxonomy, renamed, 1_000_000)
    assert live.routes().title_of("utm_links") == "Tracking links"
    _save(taxonomy, renamed.replace("labels:", "labels: [oops", 1), 2_000_000)
    assert live.routes().title_of("utm_links") == "Tracking links"
    _save(taxonomy, shipped, 3_000_000)
    assert live.routes().title_of("utm_links") == "UTM links"


def test_a_file_broken_from_the_start_is_an_error_not_an_empty_taxonomy(
    taxonomy: Path, tmp_path: Path
) -> None:
    taxonomy.write_text("labels: [oops\n")
    with pytest.raises(PolicyError):
        IntakeModels(taxonomy, tmp_path / "model").routes()
