"""The running bot's intake taxonomy and model, loaded once and reloaded when their files change.

The taxonomy (policies/intake.yaml) gives the labels and routes; the model directory holds what
`mopsbot intake train|retrain` wrote. A retrain promotes a new model by renaming directories, so
the bot notices a new `meta.json` and loads it for the next message, without a restart. The
first message after start trains the default model if `make run` did not (a fresh checkout in
tests, say); training takes seconds, and the message waits in its task row meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.gc_pauses import freeze_long_lived
from bot.core.logs import get_logger
from policies.intake_schema import IntakeTaxonomy, load_intake
from policies.yaml_files import PolicyError

if TYPE_CHECKING:
    from bot.intake.classifier import IntakeModel

log = get_logger(__name__)
RECHECK_SECONDS = 5.0  # how often to look for a promoted model; a stat() per message is waste


def _stamp(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


class IntakeModels:
    def __init__(
        self,
        taxonomy_path: Path,
        model_dir: Path,
        check: Callable[[IntakeTaxonomy], list[str]] | None = None,
    ) -> None:
        self.taxonomy_path = taxonomy_path
        # What else a taxonomy read from the file must pass (the policy's teams, replies that
        # lint clean): the same checks as at the policy's load, for a file saved since.
        self.check = check
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._taxonomy: tuple[float | None, IntakeTaxonomy] | None = None
        # What is wrong with the file as saved, while the last good taxonomy stands in for it
        # (`/mops health` tells the admin); None when the file reads.
        self.taxonomy_problem: str | None = None
        self._model: tuple[float | None, IntakeModel] | None = None
        self._checked_at = 0.0

    def routes(self) -> IntakeTaxonomy:
        """The taxonomy as the file says now (a reload picks up edited routes at once).

        A file saved with a mistake keeps the last good taxonomy in force until it is fixed:
        otherwise every intake message, button and home tab would fail on a half-edited file.
        `mopsbot policy check` and `/mops policy reload` say what is wrong with it."""
        stamp = _stamp(self.taxonomy_path)
        with self._lock:
            if self._taxonomy is None or self._taxonomy[0] != stamp:
                try:
                    taxonomy = self._read()
                    self.taxonomy_problem = None
                except (PolicyError, OSError) as exc:
                    if self._taxonomy is None:
                        raise
                    log.warning(
                        "intake.taxonomy_unreadable path=%s kept=last_good error=%s",
                        self.taxonomy_path,
                        exc,
                    )
                    errors = getattr(exc, "errors", None) or [exc.__class__.__name__]
                    # Said to an admin in Slack: the file's name, not its path on the server.
                    self.taxonomy_problem = str(errors[0]).removeprefix(f"{self.taxonomy_path}: ")
                    taxonomy = self._taxonomy[1]  # and not read again until it changes
                self._taxonomy = (stamp, taxonomy)
            return self._taxonomy[1]

    def _read(self) -> IntakeTaxonomy:
        taxonomy = load_intake(self.taxonomy_path)
        problems = self.check(taxonomy) if self.check is not None else []
        if problems:
            raise PolicyError(problems)
        return taxonomy

    def warm_up(self) -> threading.Thread | None:
        """Load the model in the background now, so the first request after a start is answered
        in a moment. Only a model already trained (`make run` trains it): a start never spends
        half a minute of CPU on training for a bot that may get no request."""
        from bot.intake.classifier.store import is_model_dir

        if not is_model_dir(self.model_dir):
            return None
        thread = threading.Thread(target=self._warm, name="intake-warm-up", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self.model()
        except Exception:  # the first request tries again, and says what went wrong
            log.exception("intake.warm_up_failed")

    def ready(self) -> bool:
        """True when a model is loaded: the next request is answered in a moment, not after a
        load (or a first training) that takes seconds. Read without the lock, which a load
        holds: the listener that asks must not wait for it."""
        return self._model is not None

    def loaded_version(self) -> str | None:
        """The version of the model in use now; None before one is loaded (never loads one)."""
        loaded = self._model
        return loaded[1].version if loaded is not None else None

    def model(self) -> IntakeModel:
        with self._lock:
            now = time.monotonic()
            if self._model is not None and now - self._checked_at < RECHECK_SECONDS:
                return self._model[1]
            self._checked_at = now
            stamp = _stamp(self.model_dir / "meta.json")
            if self._model is None or self._model[0] != stamp:
                self._model = (None, self._load())
                self._model = (_stamp(self.model_dir / "meta.json"), self._model[1])
                freeze_long_lived()  # the model's objects live until the next promotion
                log.info("intake.model_loaded", version=self._model[1].version)
            return self._model[1]

    def _load(self) -> IntakeModel:
        from bot.intake.classifier import IntakeModel, ensure_default_model
        from bot.intake.classifier.store import is_model_dir

        if self._model is not None and is_model_dir(self.model_dir):
            return IntakeModel.load(self.model_dir)  # a promoted retrain: keep its corrections
        return ensure_default_model(self.taxonomy_path, self.model_dir, progress=False)
