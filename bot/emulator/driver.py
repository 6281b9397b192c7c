"""`SlackDriver`: sends the bot what Slack sends, signed as Slack signs it, over real HTTP.

Slash commands and interactions are form-encoded, events are JSON; every request carries
`X-Slack-Request-Timestamp` and `X-Slack-Signature`. What Slack does with the bot's answer (a
command's ack shown as an ephemeral, a modal closed, updated or kept open with errors) is applied
to the emulator, so the emulator shows what a person would see.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import secrets
import time
import urllib.parse
from typing import Any

from bot.emulator import composer
from bot.emulator.api_files import image_size, shared_file_object
from bot.emulator.payloads import find_element, picked, view_state
from bot.emulator.records import Message, UploadedFile
from bot.emulator.scopes import message_event, receives
from bot.emulator.seed import Channel
from bot.emulator.server import SlackEmulator
from bot.emulator.signed import VERIFICATION_TOKEN, DeliveryResult, SignedSender
from bot.emulator.validation import block_errors

SLACKBOT = "USLACKBOT"  # who tells a person that a command failed
# Slack retries Events API deliveries (X-Slack-Retry-Num, up to 3 times), never a slash command:
# a command not acked within 3 seconds shows the person "operation_timeout" and that is all.
NO_COMMAND_RETRIES = "Slack never retries a slash command; the person sees the error instead"


class SlackDriver:
    def __init__(
        self, bot_url: str, signing_secret: str, emulator: SlackEmulator, timeout: float = 10.0
    ) -> None:
        self.bot_url = bot_url
        self.emulator = emulator
        self.sender = SignedSender(bot_url, signing_secret, timeout)
        self._event_ids = itertools.count(1)
        # Event ids are unique across runs, as Slack's are: the shell keeps its database between
        # sessions, and an id from an earlier session would be taken for a redelivery.
        self._event_prefix = secrets.token_hex(3).upper()

    def post(self, body: str, content_type: str, **options: Any) -> DeliveryResult:
        """One signed POST to the bot; options: retry_num, retry_reason, stale, bad_signature."""
        return self.sender.post(body, content_type, **options)

    def redeliver(self, retry_num: int = 1, retry_reason: str = "http_timeout") -> DeliveryResult:
        """Send the latest request again, as Slack retries an event the bot did not ack in time."""
        if self.sender.last is None:
            raise LookupError("nothing was delivered yet")
        body, content_type = self.sender.last
        if content_type.startswith("application/x-www-form") and "command" in (
            urllib.parse.parse_qs(body)
        ):
            raise ValueError(NO_COMMAND_RETRIES)
        return self.post(body, content_type, retry_num=retry_num, retry_reason=retry_reason)

    def _form(self, fields: dict[str, Any], **options: Any) -> DeliveryResult:
        return self.post(
            urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **options
        )

    def _payload(self, payload: dict[str, Any], **options: Any) -> DeliveryResult:
        return self._form({"payload": json.dumps(payload)}, **options)

    def send_payload(self, payload: dict[str, Any], **options: Any) -> DeliveryResult:
        """An interaction payload as Slack posts it (form-encoded `payload=`), signed."""
        return self._payload(payload, **options)

    # -- who --------------------------------------------------------------------------------
    def _user(self, ref: str) -> dict[str, Any]:
        user = self.emulator.user(ref)
        return {
            "id": user.id,
            "username": user.name,
            "name": user.name,
            "team_id": self.emulator.seed.team.id,
        }

    def _common(self, user: str) -> dict[str, Any]:
        seed = self.emulator.seed
        return {
            "user": self._user(user),
            "api_app_id": seed.app_id,
            "token": VERIFICATION_TOKEN,
            "team": {"id": seed.team.id, "domain": seed.team.domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": self.emulator.issue_trigger_id(user),
        }

    # -- slash commands -----------------------------------------------------------------------
    def command(self, line: str, user: str, channel: str, **options: Any) -> DeliveryResult:
        """`/brief new foo` as typed by `user` in `channel`. The ack is what the person sees."""
        if options.get("retry_num") is not None or options.get("redeliveries"):
            raise ValueError(NO_COMMAND_RETRIES)
        self.emulator.workspace.writable(self.emulator.channel(channel))
        fields = self.command_fields(line, user, channel)
        if not self._registered(fields["command"]):
            return DeliveryResult(0, ephemeral=self._not_a_command(fields))
        result = self._form(fields, **options)
        self._show_ack(result, fields["command"], fields["channel_id"], fields["user_id"])
        return result

    def command_fields(self, line: str, user: str, channel: str) -> dict[str, str]:
        """The form Slack posts for `line` typed by `user` in `channel` (not sent)."""
        command, _, text = line.strip().partition(" ")
        who, where, seed = (
            self.emulator.user(user),
            self.emulator.channel(channel),
            self.emulator.seed,
        )
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": seed.team.id,
            "team_domain": seed.team.domain,
            "channel_id": where.id,
            "channel_name": "directmessage" if where.is_im else where.name,
            "user_id": who.id,
            "user_name": who.name,
            "command": command,
            "text": text.strip(),
            "api_app_id": seed.app_id,
            "is_enterprise_install": "false",
            "response_url": self.emulator.issue_response_url(where.id, who.id),
            "trigger_id": self.emulator.issue_trigger_id(who.id),
        }

    def _registered(self, command: str) -> bool:
        """Slack knows a command only when the app's manifest registers it and the install
        granted `commands`; it never sends the app any other."""
        ws = self.emulator.workspace
        return command in ws.commands and "commands" in ws.scopes

    def _not_a_command(self, fields: dict[str, str]) -> Message:
        """What Slack's client tells the person instead of sending a command nobody registered."""
        return self._slackbot_tells(
            fields["channel_id"],
            fields["user_id"],
            f"{fields['command']} is not a valid command. In Slack, all messages that start with "
            'the "/" character are interpreted as commands.',
        )

    def _slackbot_tells(self, channel: str, user: str, text: str) -> Message:
        """Slack's own word to the person about their command, shown only to them."""
        ws = self.emulator.workspace
        return ws.add_message(
            Message(channel=channel, ts=ws.next_ts(), user=SLACKBOT, text=text, ephemeral_to=user)
        )

    def _show_ack(self, result: DeliveryResult, command: str, channel: str, user: str) -> None:
        if result.status != 200 or result.late:
            reason = "operation_timeout" if result.status == 200 else "dispatch_failed"
            self._slackbot_tells(channel, user, f'{command} failed with the error "{reason}"')
            return
        body = result.body
        if not body:
            return
        if not isinstance(body, dict):
            body = {"text": str(body)}
        result.block_errors = block_errors(body["blocks"]) if body.get("blocks") else []
        if result.block_errors:
            return
        if body.get("response_type") == "in_channel":
            bot = self.emulator.seed.bot
            result.ephemeral = self.emulator.workspace.add_message(
                Message(
                    channel=channel,
                    ts=self.emulator.workspace.next_ts(),
                    user=bot.id,
                    bot_id=bot.bot_id,
                    text=body.get("text") or "",
                    blocks=body.get("blocks") or [],
                )
            )
        else:
            result.ephemeral = self.emulator.record_ephemeral(
                channel, user, body.get("text") or "", body.get("blocks")
            )

    # -- clicks and picks -----------------------------------------------------------------------
    def click(
        self,
        target: Message | dict[str, Any],
        action: str,
        user: str,
        value: str | None = None,
        **options: Any,
    ) -> DeliveryResult:
        """Press a button (by action_id or its text) in a message, a modal or a home tab."""
        blocks = target.blocks if isinstance(target, Message) else target.get("blocks") or []
        block_id, element = find_element(blocks, action, value)
        entry = {
            "type": element.get("type"),
            "action_id": element.get("action_id"),
            "block_id": block_id,
            "action_ts": self.emulator.workspace.next_ts(),
        }
        if element.get("type") == "button":
            entry.update(text=element.get("text"), value=element.get("value"))
            if element.get("style"):
                entry["style"] = element["style"]
        elif value is not None:
            if element.get("type") == "users_select":
                value = self.emulator.user(value).id
            entry.update(picked(element, value))
        return self._payload(self.click_payload(target, user, entry), **options)

    def select(
        self,
        target: Message | dict[str, Any],
        action_id: str,
        option: str,
        user: str,
        **options: Any,
    ) -> DeliveryResult:
        """Pick `option` (its value or its text) in a select menu or overflow."""
        return self.click(target, action_id, user, value=option, **options)

    def click_payload(
        self, target: Message | dict[str, Any], user: str, entry: dict[str, Any]
    ) -> dict[str, Any]:
        """The block_actions payload of `entry` (one action) clicked by `user` (not sent)."""
        payload = {"type": "block_actions", **self._common(user), "actions": [entry]}
        if isinstance(target, Message):
            channel = self.emulator.channel(target.channel)
            container = {
                "type": "message",
                "message_ts": target.ts,
                "channel_id": channel.id,
                "is_ephemeral": bool(target.ephemeral_to),
            }
            if target.thread_ts:
                container["thread_ts"] = target.thread_ts
            payload.update(
                container=container,
                channel={"id": channel.id, "name": channel.name},
                state={"values": {}},
                response_url=self.emulator.issue_response_url(
                    channel.id, self.emulator.user(user).id, target.ts, target.thread_ts
                ),
            )
            if not target.ephemeral_to:  # Slack leaves the message out for ephemerals
                payload["message"] = target.as_slack(self.emulator.seed.team.id)
        else:
            # A modal or a home tab: its state travels inside `view`; there is no channel, no
            # message and no response_url to answer through, as in Slack.
            payload.update(container={"type": "view", "view_id": target.get("id")}, view=target)
        return payload

    # -- modals ---------------------------------------------------------------------------------
    def submit_view(
        self,
        user: str,
        values: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        **options: Any,
    ) -> DeliveryResult:
        """Fill in and submit the person's open modal; apply the bot's answer as Slack would."""
        view = view or self.emulator.current_view(user)
        if view is None:
            raise LookupError(f"{user} has no open modal to submit")
        state, client_errors = view_state(self.emulator.workspace, view, values or {})
        submitted = {**view, "state": state}
        if client_errors:  # Slack's client would not send it; the person sees the errors
            self._keep_state(user, submitted)
            return DeliveryResult(0, errors=client_errors)
        result = self._payload(self.submission_payload(user, submitted), **options)
        body = result.body if isinstance(result.body, dict) else {}
        action = body.get("response_action")
        if result.status != 200 or result.late:
            self._keep_state(user, submitted)  # Slack shows a connection error in the modal
        elif action == "errors":
            result.errors = dict(body.get("errors") or {})
            self._keep_state(user, submitted)
        else:
            result.block_errors = self.emulator.apply_view_response(
                self.emulator.user(user).id, action or "close", body.get("view")
            )
        return result

    def submission_payload(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        """The view_submission payload of `view` (with its state) by `user` (not sent)."""
        return {
            "type": "view_submission",
            **self._common(user),
            "view": view,
            "response_urls": [],
        }

    def close_view(self, user: str, **options: Any) -> DeliveryResult | None:
        """The person presses Cancel; the bot hears of it only with notify_on_close."""
        who = self.emulator.user(user).id
        view = self.emulator.current_view(who)
        if view is None:
            return None
        self.emulator.apply_view_response(who, "clear" if view.get("clear_on_close") else "close")
        if not view.get("notify_on_close"):
            return None
        payload = {
            "type": "view_closed",
            **self._common(user),
            "view": view,
            "is_cleared": bool(view.get("clear_on_close")),
        }
        return self._payload(payload, **options)

    def _keep_state(self, user: str, submitted: dict[str, Any]) -> None:
        """What the person typed stays in the open modal, as in Slack."""
        ws, who = self.emulator.workspace, self.emulator.user(user).id
        with ws.lock:
            stack = [
                submitted if v.get("id") == submitted.get("id") else v
                for v in ws.view_stacks.get(who) or []
            ]
            ws.view_stacks[who] = stack

    # -- events ---------------------------------------------------------------------------------
    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        **options: Any,
    ) -> DeliveryResult:
        seed = self.emulator.seed
        body = {
            "token": VERIFICATION_TOKEN,
            "team_id": seed.team.id,
            "api_app_id": seed.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._event_prefix}{next(self._event_ids):06d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": seed.team.id,
                    "user_id": seed.bot.id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"emulator-{seed.team.id}",
        }
        return self.post(json.dumps(body), "application/json", retry_num=retry_num, **options)

    def message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None, **options: Any
    ) -> DeliveryResult:
        """A person types `text` in a channel (or a thread): recorded as Slack encodes it
        (`@sam` -> `<@U05SAM>`, `R&D` -> `R&amp;D`), then the `message` event, which Slack
        sends only for channels the bot is in (status 0 when it was not sent)."""
        ws = self.emulator.workspace
        posted = self.emulator.record_user_message(
            channel, user, composer.encode(text, ws), thread_ts
        )
        where = self.emulator.channel(posted.channel)
        if not ws.is_member(where, self.emulator.seed.bot.id) or not receives(
            message_event(where), ws.scopes
        ):
            return DeliveryResult(0, message=posted)
        event = {
            "type": "message",
            "channel": posted.channel,
            "user": posted.user,
            "text": posted.text,
            "ts": posted.ts,
            "event_ts": posted.ts,
            "channel_type": "im" if where.is_im else "channel",
            "team": self.emulator.seed.team.id,
        }
        if posted.thread_ts:
            parent = self.emulator.workspace.message(posted.channel, posted.thread_ts)
            event.update(thread_ts=posted.thread_ts, parent_user_id=parent.user if parent else "")
        result = self.event(event, **options)
        result.message = posted
        if (
            self.mentions_bot(posted.text)
            and not where.is_im
            and receives("app_mention", ws.scopes)
        ):
            # Slack sends an app_mention as well, a delivery of its own (its own event id).
            mention: dict[str, Any] = {
                key: event[key]
                for key in ("user", "text", "ts", "channel", "event_ts", "thread_ts", "team")
                if key in event
            }
            mentioned = self.event({"type": "app_mention", **mention}, **options)
            mentioned.message = posted
            result.mention = mentioned
        return result

    def mentions_bot(self, text: str) -> bool:
        """Whether Slack-encoded text mentions the bot: `<@U00BOT>` or `<@U00BOT|mopsbot>`."""
        bot = self.emulator.seed.bot.id
        return f"<@{bot}>" in text or f"<@{bot}|" in text

    def share_file(
        self,
        channel: str,
        user: str,
        filename: str,
        content: bytes,
        thread_ts: str | None = None,
        text: str = "",
        alt_text: str | None = None,
        **options: Any,
    ) -> DeliveryResult:
        """A person uploads a file into a channel or a thread (an image with the alt text they
        typed, or none): the file is stored with its size, a message with it is recorded, and
        the bot gets Slack's `message` event of subtype `file_share` (only from channels it is
        in), whose files carry `url_private_download`."""
        ws = self.emulator.workspace
        who = self.emulator.user(user)
        where = self.emulator.channel(channel)
        file_id = ws.next_id("F", 10)
        size = image_size(content)
        stored = UploadedFile(
            id=file_id,
            filename=filename,
            length=len(content),
            title=filename,
            content=content,
            channel=where.id,
            completed=True,
            alt_text=alt_text,
            width=size[0] if size else None,
            height=size[1] if size else None,
            user=who.id,
            thread_ts=thread_ts,
        )
        with ws.mutate():
            ws.files[file_id] = stored
        shared = shared_file_object(stored, self.emulator.base_url, who.id)
        posted = self.emulator.record_user_message(
            where.id, who.id, composer.encode(text, ws), thread_ts, files=[shared]
        )
        with ws.mutate():
            ws.files[file_id] = dataclasses.replace(stored, share_ts=posted.ts)
        if not ws.is_member(where, self.emulator.seed.bot.id) or not receives(
            message_event(where), ws.scopes
        ):
            return DeliveryResult(0, message=posted)
        event = {
            "type": "message",
            "subtype": "file_share",
            "channel": posted.channel,
            "user": posted.user,
            "text": posted.text,
            "ts": posted.ts,
            "event_ts": posted.ts,
            "files": [shared],
            "upload": False,
            "display_as_bot": False,
            "channel_type": "channel",
            "team": self.emulator.seed.team.id,
        }
        if posted.thread_ts:
            parent = ws.message(posted.channel, posted.thread_ts)
            event.update(thread_ts=posted.thread_ts, parent_user_id=parent.user if parent else "")
        result = self.event(event, **options)
        result.message = posted
        return result

    # -- a person edits or deletes their message ------------------------------------------
    def edit_message(
        self, channel: str, user: str, ts: str, text: str, **options: Any
    ) -> DeliveryResult:
        """The author edits their message: stored as Slack encodes it, and the bot gets a
        `message` event of subtype `message_changed` (from channels it is in)."""
        ws = self.emulator.workspace
        where, original = self._own_message(channel, user, ts)
        changed = ws.replace_message(
            dataclasses.replace(original, text=composer.encode(text, ws), edited=True)
        )
        return self._changed(where, original, changed, **options)

    def delete_message(self, channel: str, user: str, ts: str, **options: Any) -> DeliveryResult:
        """The author deletes their message. A thread's parent with replies stays behind as
        Slack's tombstone ("This message was deleted.", by Slackbot) and the bot gets
        `message_changed`; any other message goes, and the bot gets `message_deleted`."""
        ws = self.emulator.workspace
        where, original = self._own_message(channel, user, ts)
        if any(m.ts != ts for m in ws.thread(where.id, ts)):  # replies under it
            tombstone = dataclasses.replace(
                original, user=SLACKBOT, text="This message was deleted.", files=[], blocks=[]
            )
            tombstone = ws.replace_message(dataclasses.replace(tombstone, subtype="tombstone"))
            return self._changed(where, original, tombstone, **options)
        ws.delete_message(where.id, ts)
        event_ts = ws.next_ts()
        return self._hidden_event(
            where,
            {
                "subtype": "message_deleted",
                "deleted_ts": ts,
                "ts": event_ts,
                "event_ts": event_ts,
                "previous_message": original.as_slack(),
            },
            **options,
        )

    def delete_file(self, user: str, file_id: str, **options: Any) -> DeliveryResult:
        """The uploader deletes a file (its menu's Delete file): its bytes and files.info are
        gone (`file_deleted`), the message that shared it keeps a tombstone in its place (the
        bot gets `message_changed`), and the bot gets `file_deleted` when the manifest
        subscribes to it (files:read). The returned result is that event's."""
        ws = self.emulator.workspace
        who = self.emulator.user(user)
        file = ws.files.get(file_id)
        if file is None or file.deleted or not file.completed:
            raise KeyError(f"no file {file_id}")
        if file.user != who.id:
            raise ValueError("only the person who shared a file can delete it")
        with ws.mutate():
            ws.files[file_id] = dataclasses.replace(file, deleted=True, content=None)
        shared = ws.message(file.channel, file.share_ts) if file.channel and file.share_ts else None
        if shared is not None and shared.subtype != "tombstone":
            gone = {"id": file_id, "mode": "tombstone"}
            files = [gone if f.get("id") == file_id else f for f in shared.files]
            changed = ws.replace_message(dataclasses.replace(shared, files=files))
            self._changed(self.emulator.channel(shared.channel), shared, changed)
        if not receives("file_deleted", ws.scopes):
            return DeliveryResult(0)
        event_ts = ws.next_ts()
        event = {
            "type": "file_deleted",
            "file_id": file_id,
            "channel_ids": [file.channel] if file.channel else [],
            "event_ts": event_ts,
        }
        return self.event(event, **options)

    def _own_message(self, channel: str, user: str, ts: str) -> tuple[Channel, Message]:
        """The channel and the message of `user` at `ts` there: only its author edits or
        deletes it here (a workspace admin could too; none of the demo users is one)."""
        ws = self.emulator.workspace
        where, who = self.emulator.channel(channel), self.emulator.user(user)
        original = ws.message(where.id, ts)
        if original is None or original.ephemeral_to:
            raise KeyError(f"no message {ts} in #{where.name}")
        if original.subtype == "tombstone":
            raise ValueError("that message was deleted already")
        if original.user != who.id:
            raise ValueError("only its author can change or delete a message")
        return ws.writable(where), original

    def _changed(
        self, where: Channel, original: Message, changed: Message, **options: Any
    ) -> DeliveryResult:
        event_ts = self.emulator.workspace.next_ts()
        return self._hidden_event(
            where,
            {
                "subtype": "message_changed",
                "ts": event_ts,
                "event_ts": event_ts,
                "message": changed.as_slack(),
                "previous_message": original.as_slack(),
            },
            **options,
        )

    def _hidden_event(
        self, where: Channel, fields: dict[str, Any], **options: Any
    ) -> DeliveryResult:
        """A hidden `message` event about a message that changed or went: Slack sends it only
        for channels the bot is in, on the same subscription as new messages."""
        ws = self.emulator.workspace
        if not ws.is_member(where, self.emulator.seed.bot.id) or not receives(
            message_event(where), ws.scopes
        ):
            return DeliveryResult(0)
        event = {
            "type": "message",
            "hidden": True,
            "channel": where.id,
            "channel_type": "im" if where.is_im else "channel",
            "team": self.emulator.seed.team.id,
            **fields,
        }
        return self.event(event, **options)

    def app_home_opened(self, user: str, **options: Any) -> DeliveryResult:
        if not receives("app_home_opened", self.emulator.workspace.scopes):
            return DeliveryResult(0)
        who = self.emulator.user(user)
        dm = self.emulator.seed.dm_for(who.id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": who.id,
            "tab": "home",
            "channel": dm.id if dm else None,
            "event_ts": self.emulator.workspace.next_ts(),
        }
        home = self.emulator.home(who.id)
        if home:
            event["view"] = home
        return self.event(event, **options)

    def url_verification(self, challenge: str, **options: Any) -> DeliveryResult:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.post(json.dumps(body), "application/json", **options)
