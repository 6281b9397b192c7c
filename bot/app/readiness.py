"""Is this process fit to take Slack's traffic? `/healthz` says it answers; `/readyz` says it is ready.

Ready means: the database answers (within a short timeout), its migrations are the ones this code
ships, a policy is in force, the intake model and the compliance lint's model are loaded (or none
is configured), and the outbox is not falling behind (the longest-waiting due row is younger than MOPSBOT_READY_OUTBOX_LAG).
`/readyz` answers 200 with the checks as JSON, or 503 naming the ones that failed, in plain words
and without secrets or stack traces (a load balancer's log is read by people too).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.compliance.service import LintReadiness, lint_readiness, tuning_in_background
from bot.core.logs import get_logger
from bot.intake.classifier.store import is_model_dir
from bot.slack import outbox
from bot.storage.database import current_revision, head_revision

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from bot.app.runtime import Runtime

DATABASE_TIMEOUT_SECONDS = 2.0
log = get_logger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check(runtime: Runtime) -> list[Check]:
    return [
        *_database_checks(runtime),
        _policy(runtime),
        _intake_model(runtime),
        *_intake_taxonomy(runtime),
        _compliance_model(runtime),
    ]


def _database_checks(runtime: Runtime) -> list[Check]:
    """Reachable, migrations current, outbox lag: one round trip in a thread of its own, so a
    database that hangs makes the answer late by the timeout, never by minutes."""
    found: list[Check] = []
    worker = threading.Thread(
        target=lambda: found.extend(_ask_database(runtime)), name="readyz", daemon=True
    )
    worker.start()
    worker.join(DATABASE_TIMEOUT_SECONDS)
    if worker.is_alive() or not found:
        return [
            Check(
                "database",
                False,
                f"the database did not answer within {DATABASE_TIMEOUT_SECONDS:g} seconds",
            )
        ]
    return found


def _ask_database(runtime: Runtime) -> list[Check]:
    try:
        at = current_revision(runtime.db)
    except Exception as exc:  # any driver error means the same to a load balancer: not ready
        log.warning("readyz.database_unreachable", error=type(exc).__name__)
        return [Check("database", False, "the database can't be reached")]
    head = head_revision()
    return [
        Check("database", True, "the database answers"),
        Check(
            "migrations",
            at == head,
            f"the database is at migration {at}"
            if at == head
            else f"the database is at migration {at or 'none'}, this version needs {head}: "
            "run `mopsbot migrate`",
        ),
        _outbox(runtime),
    ]


def _outbox(runtime: Runtime) -> Check:
    try:
        with runtime.db.read() as session:
            lag = outbox.oldest_due_age(session, runtime.clock())
    except Exception as exc:  # e.g. a database not migrated yet: the migrations check says so
        log.warning("readyz.outbox_unreadable", error=type(exc).__name__)
        return Check("outbox", False, "the outbox can't be read")
    limit = timedelta(seconds=runtime.settings.ready_outbox_lag)
    if lag is None:
        return Check("outbox", True, "no message is waiting")
    waited = f"the longest-waiting message has waited {_seconds(lag)}"
    if lag < limit:
        return Check("outbox", True, waited)
    return Check("outbox", False, f"{waited}, more than the {_seconds(limit)} allowed")


def _policy(runtime: Runtime) -> Check:
    policy = runtime.policies.current
    return Check("policy", True, f"policy {policy.version} is in force")


def _intake_model(runtime: Runtime) -> Check:
    if not is_model_dir(runtime.settings.intake_model_dir):
        return Check("intake_model", True, "no intake model is configured")
    models = runtime.intake_models()
    if models.ready():
        return Check("intake_model", True, "the intake model is loaded")
    return Check("intake_model", False, "the intake model is still loading")


def _intake_taxonomy(runtime: Runtime) -> list[Check]:
    """Said only when intake.yaml was saved with a mistake. Still ready: requests are sorted and
    routed by the taxonomy read before it, and every instance would share the same file."""
    models = runtime.intake_models()
    try:
        models.routes()
    except Exception as exc:  # unreadable from the start: intake can't route, briefs still work
        log.warning("readyz.intake_taxonomy_unreadable", error=type(exc).__name__)
        name = models.taxonomy_path.name
        return [Check("intake_taxonomy", True, f"the intake taxonomy ({name}) can't be read")]
    if models.taxonomy_problem is None:
        return []
    detail = (
        f"the intake taxonomy ({models.taxonomy_path.name}) was saved with a mistake "
        f"({models.taxonomy_problem}); "
        "intake uses the version read before it until the file is fixed"
    )
    return [Check("intake_taxonomy", True, detail)]


def _compliance_model(runtime: Runtime) -> Check:
    """Until the lint's model is in memory, a brief submitted here waits for it (the first
    start also exports the encoder and trains the model: tens of seconds)."""
    state = lint_readiness(runtime.policy)
    return Check("compliance_model", state.ready, compliance_words(state, tuning_in_background()))


def compliance_words(state: LintReadiness, tuning: bool) -> str:
    """What /readyz and `/mops health` say of the lint's model. While a tuned model is made the
    instance is ready (the frozen one answers), but an admin wondering why the first findings
    differ from later ones, or what uses a core, is told."""
    words = _COMPLIANCE_WORDS[state]
    if tuning and state is LintReadiness.LOADED:
        return f"{words}; a sharper one, tuned on the examples, is being made in the background"
    return words


_COMPLIANCE_WORDS = {
    # Waiting won't mend a rules file: every instance would drop out. The gate sends each
    # brief to every gate stage meanwhile, and `mopsbot policy check` names the fault.
    LintReadiness.UNREADABLE_RULES: "the compliance rules can't be read",
    LintReadiness.NO_MODEL: "the compliance rules have no model layer",
    LintReadiness.LOADED: "the compliance model is loaded",
    LintReadiness.LOADING: "the compliance model is still loading",
}


def _seconds(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"


def readiness_app(runtime: Runtime) -> WSGIApplication:
    """GET /readyz: 200 {"ready": true, "checks": [...]} or 503 with the failed ones first."""

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        checks = check(runtime)
        failed = [c for c in checks if not c.ok]
        body = {
            "ready": not failed,
            "failed": [f"{c.name}: {c.detail}" for c in failed],
            "checks": [asdict(c) for c in checks],
        }
        status = "200 OK" if not failed else "503 Service Unavailable"
        start_response(
            status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        )
        return [json.dumps(body).encode()]

    return wsgi
