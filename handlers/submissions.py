"""How a submitted modal is answered, in the ack (Slack reads a view submission's answer from it):
inline errors keep it open, anything else closes it."""

from __future__ import annotations

from slack_bolt import Ack

from bot.slack.actions import COMPLIANCE_LOADING, OUTDATED_FORM
from handlers.context import first_input


def answer(ack: Ack, errors: dict[str, str] | None) -> None:
    """Errors keep the modal open, each on its own field; no errors close it (a refusal that is
    not about a field was told already, as an ephemeral)."""
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def outdated(ack: Ack, view: dict) -> None:
    """A modal whose private_metadata names nothing the bot wrote: kept open, with why."""
    keep_open(ack, view, OUTDATED_FORM)


def not_yet(ack: Ack, view: dict) -> None:
    """A brief's form submitted while the compliance model loads after a start: its gate would
    wait for the model longer than Slack waits for the ack (3 s), and the person would see only
    Slack's "trouble connecting". Kept open, nothing stored, to be submitted again."""
    keep_open(ack, view, COMPLIANCE_LOADING)


def keep_open(ack: Ack, view: dict, why: str) -> None:
    """The modal stays open with `why` on its first input (a form without inputs just closes)."""
    block_id = first_input(view)
    if block_id is None:
        ack()
        return
    ack(response_action="errors", errors={block_id: why})
