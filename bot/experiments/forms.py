"""The pre-registration modal, and reading it back into a Plan or inline errors per field."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from slack_sdk.models.blocks import (
    ChannelSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.experiments.plan import (
    MAX_GOALS,
    MAX_GUARDRAILS,
    METHOD_LABELS,
    Direction,
    Method,
    Metric,
    Plan,
)
from bot.slack.actions import ViewId

ELEMENT_ID = "value"
# Room for what people type ("ten percent", "two weeks"): Slack would refuse a longer one with
# "at most N characters", where the form's own check says what it wants ("like 10%").
NUMBER_LENGTH = 30
DIRECTIONS = {
    "higher": "increase",
    "up": "increase",
    "increase": "increase",
    "lower": "decrease",
    "down": "decrease",
    "decrease": "decrease",
}
_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$")


def _text(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    hint: str | None = None,
    multiline: bool = False,
    optional: bool = False,
    max_length: int = 2000,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional,
        element=PlainTextInputElement(
            action_id=ELEMENT_ID,
            multiline=multiline,
            initial_value=initial or None,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


def _metric_lines(metrics: list[Metric], guardrail: bool) -> str:
    lines = []
    for metric in metrics:
        direction = "higher" if metric.higher_is_better else "lower"
        margin = f" {metric.margin * 100:g}%" if guardrail else ""
        lines.append(f"{metric.name} {direction}{margin}")
    return "\n".join(lines)


def plan_form(
    *, channel_id: str | None, plan: Plan | None = None, experiment_id: int | None = None
) -> dict:
    """The /mops experiment new modal; with `experiment_id`, the same form to change a plan."""
    p = plan
    methods = [Option(value=m.value, label=METHOD_LABELS[m]) for m in Method]
    chosen = next(o for o in methods if o.value == (p.method.value if p else Method.FIXED.value))
    form = [
        _text(
            "title",
            "Name",
            initial=p.title if p else None,
            max_length=120,
            placeholder="Shorter signup form",
        ),
        _text(
            "hypothesis",
            "Hypothesis",
            initial=p.hypothesis if p else None,
            multiline=True,
            hint="What you expect to change, for whom, and why.",
        ),
        _text(
            "arms",
            "Variants, control first",
            initial="\n".join(p.arms) if p else None,
            multiline=True,
            max_length=1200,
            hint="One per line (or separated by commas). The "
            "first is the control; names as they appear in the results' arm column.",
        ),
        _text("unit", "Unit of randomisation", initial=(p.unit if p else "user"), max_length=60),
        _text(
            "goals",
            "Goal metrics (one or two)",
            initial=_metric_lines(p.goals, False) if p else None,
            multiline=True,
            max_length=200,
            placeholder="signup_rate higher",
            hint="One per line: the results column, then higher or lower (which is better).",
        ),
        _text(
            "guardrails",
            "Guardrail metrics",
            optional=True,
            multiline=True,
            max_length=500,
            initial=_metric_lines(p.guardrails, True) if p else None,
            placeholder="unsubscribe_rate lower 5%",
            hint="One per line: column, higher or lower is better, and how much worse is "
            "tolerated (the non-inferiority margin, e.g. 5%).",
        ),
        _text(
            "mde",
            "Smallest effect worth detecting (MDE)",
            initial=f"{(p.mde if p else 0.1) * 100:g}%",
            max_length=NUMBER_LENGTH,
            hint="Relative to the control, e.g. 10%.",
        ),
        _text(
            "alpha",
            "Significance level (alpha)",
            initial=f"{p.alpha if p else 0.05:g}",
            max_length=NUMBER_LENGTH,
        ),
        _text(
            "power",
            "Power",
            initial=f"{(p.power if p else 0.8) * 100:g}%",
            max_length=NUMBER_LENGTH,
        ),
        _text(
            "min_days",
            "Minimum runtime, days",
            initial=str(p.min_days if p else 7),
            max_length=NUMBER_LENGTH,
        ),
        _text(
            "checkpoints",
            "Readouts on days",
            max_length=100,
            initial=", ".join(map(str, p.checkpoints)) if p else "7, 14",
            hint="Days after the first results, e.g. 7, 14. Between them the thread shows "
            "progress only: no effects, so nobody stops early.",
        ),
        InputBlock(
            block_id="method",
            label="Method",
            element=StaticSelectElement(
                action_id=ELEMENT_ID, options=methods, initial_option=chosen
            ),
        ),
        InputBlock(
            block_id="channel",
            label="Post the experiment in",
            element=ChannelSelectElement(action_id=ELEMENT_ID, initial_channel=channel_id or None),
        ),
        _text(
            "if_win",
            "If it wins, we will",
            initial=p.if_win if p else None,
            multiline=True,
            optional=True,
            max_length=1000,
        ),
        _text(
            "if_lose",
            "If it loses, we will",
            initial=p.if_lose if p else None,
            multiline=True,
            optional=True,
            max_length=1000,
        ),
        _text(
            "if_inconclusive",
            "If it is inconclusive, we will",
            initial=p.if_inconclusive if p else None,
            multiline=True,
            optional=True,
            max_length=1000,
        ),
    ]
    if experiment_id is not None:
        form = [block for block in form if block.block_id != "channel"]
    view = View(
        type="modal",
        callback_id=ViewId.EXPERIMENT_EDIT if experiment_id else ViewId.EXPERIMENT_FORM,
        title="Change experiment" if experiment_id else "New experiment",
        submit="Save new version" if experiment_id else "Register",
        close="Cancel",
        blocks=form,
        private_metadata=json.dumps({"experiment_id": experiment_id} if experiment_id else {}),
    )
    return view.to_dict()


def submitted(view: dict) -> dict[str, str]:
    """{block_id: value} of the modal's inputs."""
    values: dict[str, str] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        element: dict[str, Any] = elements.get(ELEMENT_ID) or {}
        value = (
            (element.get("selected_option") or {}).get("value")
            or element.get("selected_channel")
            or element.get("value")
        )
        values[block_id] = (value or "").strip()
    return values


def metadata(view: dict) -> dict[str, Any]:
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def read_plan(values: dict[str, str]) -> Plan | dict[str, str]:
    """The plan, or {block_id: what to fix} for the modal's inline errors."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {
        "title": values.get("title", ""),
        "hypothesis": values.get("hypothesis", ""),
        "unit": values.get("unit") or "user",
        "method": values.get("method") or Method.FIXED.value,
        "if_win": values.get("if_win", ""),
        "if_lose": values.get("if_lose", ""),
        "if_inconclusive": values.get("if_inconclusive", ""),
    }
    arms = [a.strip() for a in re.split(r"[\n,]", values.get("arms", "")) if a.strip()]
    if len(arms) < 2:
        errors["arms"] = "Name at least two variants: the control first, then one or more."
    fields["arms"] = arms
    fields["goals"] = _metrics(values.get("goals", ""), "goals", False, errors)
    fields["guardrails"] = _metrics(values.get("guardrails", ""), "guardrails", True, errors)
    if not fields["goals"] and "goals" not in errors:
        errors["goals"] = "Name one or two goal metrics, e.g. `signup_rate higher`."
    if len(fields["goals"]) > MAX_GOALS:
        errors["goals"] = "One or two goal metrics; more can be guardrails."
    if len(fields["guardrails"]) > MAX_GUARDRAILS:
        errors["guardrails"] = f"At most {MAX_GUARDRAILS} guardrails."
    fields["mde"] = _share(values.get("mde", ""), "mde", errors, "a relative effect like 10%")
    fields["power"] = _share(values.get("power", ""), "power", errors, "a share like 80%")
    fields["alpha"] = _share(values.get("alpha", ""), "alpha", errors, "a level like 0.05")
    fields["min_days"] = _whole(values.get("min_days", ""), "min_days", errors)
    days = [d.strip() for d in re.split(r"[,\s]+", values.get("checkpoints", "")) if d.strip()]
    if not days or not all(d.isdigit() for d in days):
        errors["checkpoints"] = "Whole days separated by commas, e.g. 7, 14."
    fields["checkpoints"] = [int(d) for d in days if d.isdigit()]
    if errors:
        return errors
    try:
        return Plan.model_validate(fields)
    except ValidationError as exc:
        return _pydantic_errors(exc)


def _metrics(text: str, block: str, guardrail: bool, errors: dict[str, str]) -> list[Metric]:
    metrics = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        words = line.split()
        direction = DIRECTIONS.get(words[1].lower()) if len(words) > 1 else None
        margin = 0.0
        if guardrail and len(words) == 3:
            margin = _share(words[2], block, errors, "a margin like 5%") or 0.0
        expected = 3 if guardrail else 2
        if (
            direction is None
            or len(words) != expected
            or not re.fullmatch(r"[\w.\-]{1,60}", words[0])
        ):
            column = words[0][:40]
            example = f"{column} lower 5%" if guardrail else f"{column} higher"
            errors[block] = f"I couldn't read “{line[:60]}”: write it like `{example}`."
            continue
        metrics.append(Metric(name=words[0], direction=Direction(direction), margin=margin))
    return metrics


def _share(text: str, block: str, errors: dict[str, str], what: str) -> float | None:
    """ "10%", "10" (a percent when above 1) or "0.1" as 0.1."""
    match = _PERCENT.match(text or "")
    if not match:
        errors[block] = f"Write {what}."
        return None
    value = float(match.group(1))
    return value / 100 if match.group(2) or value >= 1 else value


def _whole(text: str, block: str, errors: dict[str, str]) -> int | None:
    if not text.isdigit():
        errors[block] = "A whole number of days, e.g. 7."
        return None
    return int(text)


BLOCK_OF = {
    "title": "title",
    "hypothesis": "hypothesis",
    "arms": "arms",
    "unit": "unit",
    "goals": "goals",
    "guardrails": "guardrails",
    "mde": "mde",
    "alpha": "alpha",
    "power": "power",
    "min_days": "min_days",
    "checkpoints": "checkpoints",
    "method": "method",
}


def _pydantic_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if field in BLOCK_OF:
            errors.setdefault(BLOCK_OF[field], _words(field, message))
        elif "checkpoint" in message:
            errors.setdefault("checkpoints", message.capitalize() + ".")
        else:
            errors.setdefault("goals", message.capitalize() + ".")
    return errors


def _words(field: str, message: str) -> str:
    """pydantic's words for a range, in the form's terms."""
    plain = {
        "mde": "Between 0% and 1000%.",
        "alpha": "Between 0 and 0.5, usually 0.05.",
        "power": "Between 50% and 100%, usually 80%.",
        "min_days": "From 1 to 365 days.",
    }
    return plain.get(field) or message[:1].upper() + message[1:] + "."
