"""What the thread of an intake request shows: where it was routed, or the question to a person."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.intake.models import IntakeRequest
from bot.slack import blocks
from bot.slack.actions import ActionId, IntakePick, IntakeRef
from bot.slack.outbox import enqueue
from policies import access
from policies.intake_schema import OUT_OF_SCOPE, IntakeTaxonomy
from policies.schema import Policy


def label_name(label: str | None) -> str:
    if label is None or label == OUT_OF_SCOPE:
        return "Not a marketing request"
    return label.replace("_", " ").capitalize()


def post_route(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request: IntakeRequest,
    *,
    label: str,
    by: str | None,
) -> None:
    """The thread reply for a routed request: where it went, and a way to correct it."""
    urgent = ":rotating_light: *Urgent.* " if request.urgent else ""
    if label == OUT_OF_SCOPE:
        text = (
            f"{urgent}<@{by}> marked this as not a marketing request; nobody was paged."
            if by
            else f"{urgent}This doesn't look like a marketing request."
        )
        enqueue(
            session,
            "chat.postMessage",
            {**_thread(request), "text": text},
            ordering_key=_key(request),
        )
        return
    route = routes.route_for(label)
    owner = (
        access.describe_approvers([route.owner_group], policy) if route.owner_group else "the team"
    )
    sure = (
        f"({request.confidence:.0%} sure)"
        if by is None and request.confidence is not None
        else f"(labelled by <@{by}>)"
    )
    text = f"{urgent}Routed to {owner} as *{label_name(label)}* {sure}."
    buttons = [
        blocks.button("Wrong label?", ActionId.INTAKE_RELABEL, IntakeRef(request.id).format())
    ]
    if route.offer_brief:
        buttons.append(
            blocks.button(
                "Open a brief",
                ActionId.INTAKE_OPEN_BRIEF,
                IntakeRef(request.id).format(),
                style="primary",
            )
        )
    built = [blocks.section(text), blocks.actions(buttons, block_id=f"intake_{request.id}")]
    enqueue(
        session,
        "chat.postMessage",
        {**_thread(request), "text": text, "blocks": blocks.to_dicts(built)},
        ordering_key=_key(request),
    )


def post_question(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request: IntakeRequest,
    regulated: tuple[str, ...] = (),
) -> None:
    """The thread question when the bot is unsure or the text is regulated: the top labels."""
    triage = (
        access.describe_approvers([policy.intake.triage_group], policy)
        if policy.intake.triage_group
        else ""
    )
    why = {
        "out_of_scope": "it may not be a marketing request",
        "close_call": "two labels are close",
        "low_confidence": "I'm not confident",
    }.get(request.reason or "", "I'm not sure")
    urgent = ":rotating_light: *Urgent.* " if request.urgent else ""
    if regulated:
        claims = ", ".join(name.replace("_", " ") for name in regulated)
        text = (
            f"{urgent}This mentions regulated content ({claims}), so a person confirms before I "
            f"route it. <@{request.user_id}> or {triage}: which is it?"
        )
    else:
        text = (
            f"{urgent}I'm not sure how to route this ({why}). <@{request.user_id}> or {triage}: "
            f"which is it?"
        )
    buttons = [
        blocks.button(
            f"{label_name(label)} ({p:.0%})",
            ActionId.INTAKE_PICK.numbered(n),
            IntakePick(request.id, label).format(),
        )
        for n, (label, p) in enumerate(request.top3 or [])
        if label in routes.labels
    ]
    buttons.append(
        blocks.button("Something else", ActionId.INTAKE_RELABEL, IntakeRef(request.id).format())
    )
    built = [blocks.section(text), blocks.actions(buttons, block_id=f"intake_{request.id}")]
    enqueue(
        session,
        "chat.postMessage",
        {**_thread(request), "text": text, "blocks": blocks.to_dicts(built)},
        ordering_key=_key(request),
    )


def _thread(request: IntakeRequest) -> dict[str, str]:
    return {"channel": request.channel_id, "thread_ts": request.ts}


def _key(request: IntakeRequest) -> str:
    return f"intake:{request.channel_id}:{request.ts}"
