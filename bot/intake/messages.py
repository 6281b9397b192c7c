"""What the thread of an intake request shows: the question to a person, where it was routed, and
how the work goes (claimed, done, a brief opened).

The bot's message with the request's buttons is kept current: a claim or a finish updates it in
place, and a new label or an answered question turns the old one into a plain note (no live
buttons) before the new one is posted. Every message of a request shares one ordering key, so
the thread reads in the order things happened and an update never overtakes its post.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.intake.models import IntakeRequest, TicketStatus
from bot.slack import blocks
from bot.slack.actions import ActionId, IntakePick, IntakeRef
from bot.slack.outbox import enqueue, ts_of
from bot.slack.text import NO_NAMES, Names, clip, readable
from policies import access
from policies.intake_schema import OUT_OF_SCOPE, OUT_OF_SCOPE_TITLE, IntakeTaxonomy
from policies.schema import Policy

# A label this unlikely is not offered as a button: "Design asset (0%)" helps nobody.
OFFER_AT_LEAST = 0.05
UNREADABLE_RULES = "unreadable_compliance_rules"  # the category when the rules can't be read
# Why the bot asks, in the words of the person who posted (the classifier's reasons).
UNSURE_BECAUSE = {
    "out_of_scope": "it may not be a marketing request",
    "close_call": "it could be either of two kinds of request",
    "low_confidence": "it doesn't clearly fit one kind of request",
}


def label_name(label: str | None, routes: IntakeTaxonomy) -> str:
    """A label as people read it: its title in the taxonomy (routes.title_of)."""
    if label is None:
        return OUT_OF_SCOPE_TITLE
    return routes.title_of(label)


def status_words(request: IntakeRequest) -> str:
    """Where a request stands, in the words the requester and the team see."""
    if request.withdrawn_at is not None:
        return "Closed: its message was deleted"
    if request.label == OUT_OF_SCOPE:
        return OUT_OF_SCOPE_TITLE
    if request.label is None:
        return "Waiting for a label"
    if request.ticket_status == TicketStatus.DONE:
        if request.done_by:
            return f"Done by <@{request.done_by}>"
        return "Answered with a saved reply" if request.reply_version else "Done"
    if request.ticket_status == TicketStatus.CLAIMED:
        return f"Claimed by <@{request.claimed_by}>"
    return "New: nobody has claimed it yet"


def owner_of(policy: Policy, routes: IntakeTaxonomy, label: str | None, mention: bool) -> str:
    if label is None or label == OUT_OF_SCOPE or label not in routes.labels:
        return "nobody"
    route = routes.route_for(label)
    return access.describe_approvers([route.owner_group], policy, mention=mention)


# -- the messages -------------------------------------------------------------------------------


def post_received(session: Session, request: IntakeRequest) -> None:
    """Said at once when the answer will take a while (the model is still loading)."""
    text = (
        f"Thanks <@{request.user_id}>, I've got your request (#{request.id}). I'm still loading "
        "the model that sorts requests, so my answer will follow here in a minute or so."
    )
    enqueue(
        session, "chat.postMessage", {**_thread(request), "text": text}, ordering_key=_key(request)
    )


def post_route(
    session: Session, policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest
) -> None:
    """The routing message: it pings the owner (nobody for "not a marketing request") and from
    now on carries the request's buttons."""
    text, built = route_view(policy, routes, request)
    _post_current(session, request, text, built)


def update_route(
    session: Session, policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest
) -> None:
    """Redraw the routing message in place (a claim, a finish, a brief): no new ping."""
    text, built = route_view(policy, routes, request, mention=False)
    _update_current(session, request, text, built)


def post_question(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request: IntakeRequest,
    regulated: tuple[str, ...] = (),
) -> None:
    """The thread question when the bot is unsure or the text is regulated: the likely labels."""
    text, built = question_view(policy, routes, request, regulated)
    _post_current(session, request, text, built)


def question_view(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest, regulated: tuple[str, ...]
) -> tuple[str, list[Block]]:
    """The question as posted: why the bot asks, whom, and a button for each likely label."""
    triage = (
        access.describe_approvers([policy.intake.triage_group], policy)
        if policy.intake.triage_group
        else ""
    )
    asked = f"<@{request.user_id}> or {triage}" if triage else f"<@{request.user_id}>"
    why = UNSURE_BECAUSE.get(request.reason or "")
    urgent = ":rotating_light: *Urgent.* " if request.urgent else ""
    if regulated == (UNREADABLE_RULES,):
        text = (
            f"{urgent}I can't read the compliance rules just now, so a person confirms before I "
            f"route this. {asked}: which is it?"
        )
    elif regulated:
        text = (
            f"{urgent}This mentions regulated content ({claims_words(policy, regulated)}), so a "
            f"person confirms before I route it. {asked}: which is it?"
        )
    else:
        because = f" ({why})" if why else ""
        text = f"{urgent}I'm not sure how to route this{because}. {asked}: which is it?"
    buttons = [
        blocks.button(
            f"{label_name(label, routes)} ({p:.0%})",
            ActionId.INTAKE_PICK.numbered(n),
            IntakePick(request.id, label).format(),
        )
        for n, (label, p) in enumerate(request.top3 or [])
        if label in routes.labels and p >= OFFER_AT_LEAST
    ]
    buttons.append(
        blocks.button("Something else", ActionId.INTAKE_RELABEL, IntakeRef(request.id).format())
    )
    built = [
        blocks.section(text),
        blocks.context(f"Request #{request.id}"),
        blocks.actions(buttons, block_id=f"intake_{request.id}"),
    ]
    return text, built


def post_deflection(
    session: Session, policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest, reply: str
) -> None:
    """The label's pre-approved reply, with the way to a person when it is not what they needed."""
    owner = owner_of(policy, routes, request.label, mention=False)
    text = f"<@{request.user_id}> {blocks.escape(reply)}"
    note = (
        f"Request #{request.id} · a saved answer to *{label_name(request.label, routes)}* questions. "
        f"Not what you needed? Press *This didn't help* and {owner} picks it up."
    )
    button = blocks.button(
        "This didn't help", ActionId.INTAKE_NOT_HELPED, IntakeRef(request.id).format()
    )
    built = [
        blocks.section(text),
        blocks.context(note),
        blocks.actions([button], block_id=f"intake_{request.id}"),
    ]
    _post_current(session, request, text, built)


def deflection_retired(request: IntakeRequest, reply: str, by: str, owner: str) -> str:
    """The saved reply as it stays in the thread once someone said it didn't help."""
    return (
        f"<@{request.user_id}> {blocks.escape(reply)}\n"
        f"_<@{by}> said this didn't help, so it went to {owner} (below)._"
    )


def withdrawn_note(request: IntakeRequest) -> str:
    """The request's message once the request itself was deleted (bot.intake.withdrawal)."""
    return (
        f"<@{request.user_id}>'s request #{request.id} was deleted from the channel, so it's "
        "closed and nobody needs to pick it up."
    )


def withdrawn_words(request: IntakeRequest) -> str:
    """What a click on a deleted request's old button is told."""
    return f"Request #{request.id} was deleted from the channel, so it's closed."


def retire_current(session: Session, request: IntakeRequest, note: str) -> None:
    """The request's current message becomes `note`, without buttons: they no longer apply."""
    _update_current(session, request, note, [blocks.section(note)])


def post_progress(session: Session, request: IntakeRequest, text: str) -> None:
    """A line in the request's thread (claimed, done, a brief opened): the requester follows it."""
    enqueue(
        session,
        "chat.postMessage",
        {**_thread(request), "text": text},
        ordering_key=_key(request),
    )


def claims_words(policy: Policy, categories: list[str] | tuple[str, ...]) -> str:
    """The categories as the compliance rules name them ("pricing or offer"), not their ids."""
    # Here, not at the top: bot.compliance.service loads torch, transformers and sklearn, and
    # importing intake's messages loads none of them.
    from bot.compliance.service import readable_rules

    rules = readable_rules(policy)
    known = rules.categories if rules else {}
    return ", ".join(
        known[name].label.lower() if name in known else name.replace("_", " ")
        for name in categories
    )


def route_view(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest, mention: bool = True
) -> tuple[str, list[Block]]:
    """The routing message as it stands: text, status line and the buttons that still apply."""
    urgent = ":rotating_light: *Urgent.* " if request.urgent else ""
    by = request.confirmed_by
    ref = IntakeRef(request.id).format()
    if request.label == OUT_OF_SCOPE or request.label is None:
        if by:
            text = f"{urgent}<@{by}> marked this as not a marketing request; nobody was paged."
            return text, [blocks.section(text)]
        text = (
            f"{urgent}This doesn't look like a request for the marketing team, so I haven't "
            "passed it on to anyone. If it is one, press *It's a request* and pick what it's about."
        )
        button = blocks.button("It's a request", ActionId.INTAKE_RELABEL, ref)
        return text, [
            blocks.section(text),
            blocks.actions([button], block_id=f"intake_{request.id}"),
        ]
    owner = owner_of(policy, routes, request.label, mention)
    sure = (
        f"(labelled by <@{by}>)"
        if by
        else f"({blocks.sure(request.confidence)})"
        if request.confidence is not None
        else ""
    )
    name = label_name(request.label, routes)
    text = f"{urgent}Routed to {owner} as *{name}* {sure}.".replace(" .", ".")
    if request.reviewers:
        reviewers = access.describe_approvers(request.reviewers, policy, mention=mention)
        regulated = [c for c in request.regulated or [] if c != UNREADABLE_RULES]
        why = (
            f"It makes a regulated claim ({claims_words(policy, regulated)})"
            if regulated
            else "The compliance rules could not be read"
        )
        text += f" {why}, so {reviewers} must review it before anything is published."
    status = [f"Request #{request.id} · {status_words(request)}"]
    if request.brief_id:
        status.append(f"Brief #{request.brief_id}")
    built: list[Block] = [blocks.section(text), blocks.context(" · ".join(status))]
    buttons = []
    if request.ticket_status == TicketStatus.NEW:
        buttons.append(blocks.button("Claim", ActionId.INTAKE_CLAIM, ref, style="primary"))
    elif request.ticket_status == TicketStatus.CLAIMED:
        buttons.append(blocks.button("Done", ActionId.INTAKE_DONE, ref, style="primary"))
    if request.ticket_status != TicketStatus.DONE:
        buttons.append(blocks.button("Wrong label?", ActionId.INTAKE_RELABEL, ref))
        route = routes.route_for(request.label) if request.label in routes.labels else None
        if route is not None and route.offer_brief and request.brief_id is None:
            buttons.append(blocks.button("Open a brief", ActionId.INTAKE_OPEN_BRIEF, ref))
    if buttons:
        built.append(blocks.actions(buttons, block_id=f"intake_{request.id}"))
    return text, built


# -- posting and updating the current message ---------------------------------------------------


def _post_current(session: Session, request: IntakeRequest, text: str, built: list[Block]) -> None:
    request.messages_posted = (request.messages_posted or 0) + 1
    request.message_key = f"intake:{request.id}:{request.messages_posted}"
    enqueue(
        session,
        "chat.postMessage",
        {**_thread(request), "text": text, "blocks": blocks.to_dicts(built)},
        ordering_key=_key(request),
        message_key=request.message_key,
    )


def _update_current(
    session: Session, request: IntakeRequest, text: str, built: list[Block]
) -> None:
    if request.message_key is None:
        return
    enqueue(
        session,
        "chat.update",
        {
            "channel": request.channel_id,
            "ts": ts_of(request.message_key),
            "text": text,
            "blocks": blocks.to_dicts(built),
        },
        ordering_key=_key(request),
    )


def _thread(request: IntakeRequest) -> dict[str, str]:
    return {"channel": request.channel_id, "thread_ts": request.ts}


def _key(request: IntakeRequest) -> str:
    return f"intake:{request.channel_id}:{request.ts}"


def snippet(text: str, names: Names = NO_NAMES) -> str:
    """A request's first words for a list line; its words may have been removed (retention,
    `/mops forget`), and the line says so rather than quoting nothing."""
    return clip(readable(text, names), 80) or "(words removed)"
