"""Bolt listeners, one module per domain surface, registered once by `register_all`.

A listener translates a payload, calls one flow or service function, and turns the result into an
ack, an ephemeral, a modal or a modal's errors. It asks Bolt only for the arguments it uses;
`runtime`, `delivery_key` and `asker` come from the middleware in `handlers.context`. A button's
listener is declared through `handlers.clicks` (the flow to call; the ack, the codec's refusal and
the one modal per click are written there once); a modal's answer goes through
`handlers.submissions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.actions import ActionId, ViewId
from handlers import (
    briefs,
    compliance,
    errors,
    events,
    experiments,
    home,
    intake,
    mops,
    pipeline,
    privacy,
    readiness,
    sla,
)
from handlers.context import RequestContext

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app.runtime import Runtime


def register_all(app: App, runtime: Runtime) -> None:
    app.use(RequestContext(runtime))
    app.error(errors.listener_error)

    app.command("/mops")(mops.mops_command)
    app.command("/brief")(briefs.brief_command)

    # The decision buttons answer in the thread, or on the Home tab when clicked there.
    app.action(ActionId.BRIEF_APPROVE, matchers=[home.not_on_home])(briefs.approve)
    app.action(ActionId.BRIEF_REQUEST_CHANGES, matchers=[home.not_on_home])(briefs.ask_why)
    app.action(ActionId.BRIEF_REJECT, matchers=[home.not_on_home])(briefs.ask_why)
    app.action(ActionId.BRIEF_APPROVE, matchers=[home.on_home])(home.approve)
    app.action(ActionId.BRIEF_REQUEST_CHANGES, matchers=[home.on_home])(home.ask_why)
    app.action(ActionId.BRIEF_REJECT, matchers=[home.on_home])(home.ask_why)
    app.action(ActionId.HOME_NEW_BRIEF)(home.new_brief)
    app.action(ActionId.BRIEF_RESUBMIT)(briefs.edit)
    app.action(ActionId.BRIEF_REOPEN)(briefs.reopen)
    app.action(ActionId.BRIEF_SHOW)(briefs.show_full)
    app.view(ViewId.BRIEF_FORM)(briefs.brief_submitted)
    app.view(ViewId.BRIEF_EDIT)(briefs.edit_submitted)
    app.view(ViewId.BRIEF_REASON, matchers=[home.not_from_home])(briefs.reason_submitted)
    app.view(ViewId.BRIEF_REASON, matchers=[home.from_home])(home.reason_submitted)

    app.action(ActionId.BRIEF_CONFIRM_ADVANCE)(compliance.confirmation)
    app.action(ActionId.BRIEF_DECLINE_ADVANCE)(compliance.confirmation)

    app.action(ActionId.REMINDER_SNOOZE_1H)(sla.snooze)
    app.action(ActionId.REMINDER_SNOOZE_1BD)(sla.snooze)

    app.view(ViewId.EXPERIMENT_FORM)(experiments.plan_submitted)
    app.view(ViewId.EXPERIMENT_EDIT)(experiments.edit_submitted)

    app.event("message")(events.message)  # intake, experiments' results, briefs' drafts
    app.event("file_deleted")(readiness.file_deleted)  # a brief's draft deleted in Slack
    app.action(ActionId.INTAKE_PICK.pattern())(intake.pick)
    app.action(ActionId.INTAKE_RELABEL)(intake.relabel)
    app.view(ViewId.INTAKE_RELABEL)(intake.relabel_submitted)
    app.action(ActionId.INTAKE_OPEN_BRIEF)(intake.open_brief)
    app.view(ViewId.INTAKE_BRIEF)(intake.brief_submitted)
    app.action(ActionId.INTAKE_CLAIM)(intake.ticket_button)
    app.action(ActionId.INTAKE_DONE)(intake.ticket_button)
    app.action(ActionId.INTAKE_NOT_HELPED)(intake.ticket_button)

    app.action(ActionId.PIPELINE_TASK_CLAIM)(pipeline.pressed)
    app.action(ActionId.PIPELINE_TASK_DONE)(pipeline.pressed)
    app.action(ActionId.PIPELINE_TASK_BLOCKED)(pipeline.blocked)
    app.view(ViewId.PIPELINE_TASK_BLOCKED)(pipeline.blocked_submitted)
    app.action(ActionId.LAUNCH_CONFIRM)(pipeline.launch)
    app.action(ActionId.LAUNCH_CANCEL)(pipeline.launch)
    app.action(ActionId.PRIVACY_FORGET)(privacy.forget_clicked)
    app.action(ActionId.PRIVACY_KEEP)(privacy.forget_clicked)
    app.action(ActionId.CHECKLIST_TICK.pattern())(readiness.tick)
    app.action(ActionId.ASSET_FIX)(readiness.fix_details)
    app.view(ViewId.ASSET_DETAILS)(readiness.details_submitted)
    app.view(ViewId.VARIANTS_DRAFT)(readiness.master_submitted)
    app.action(ActionId.VARIANT_EDIT)(readiness.edit_variant)
    app.view(ViewId.VARIANT_EDIT)(readiness.variant_submitted)

    app.event("app_home_opened")(home.home_opened)
    app.event("app_mention")(events.mention)
