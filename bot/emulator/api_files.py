"""Slack's three-step file upload (what `WebClient.files_upload_v2` does), and files.info.

1. files.getUploadURLExternal hands out a URL on the emulator (with the image's `alt_txt`), 2. the
client POSTs the bytes there, 3. files.completeUploadExternal names the file and shares it into a
channel. files.info (files:read) answers only for a file shared where the bot can see it.
"""

from __future__ import annotations

import dataclasses
import io
import mimetypes
from typing import Any

from bot.emulator.api import ApiCall, Method, SlackError
from bot.emulator.records import Message, UploadedFile
from bot.emulator.workspace import Workspace


def file_object(file: UploadedFile) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": file.id,
        "name": file.filename,
        "title": file.title or file.filename,
        "size": len(file.content or b""),
        "mimetype": mimetypes.guess_type(file.filename)[0] or "application/octet-stream",
        "channels": [file.channel] if file.channel else [],
    }
    if file.alt_text:
        found["alt_txt"] = file.alt_text
    if file.width is not None and file.height is not None:
        found.update(original_w=file.width, original_h=file.height)
    return found


def image_size(content: bytes) -> tuple[int, int] | None:
    """An image's width and height, as Slack reads them at upload; None for other files."""
    from PIL import Image, UnidentifiedImageError  # the emulator's only use of Pillow

    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None


def file_info(call: ApiCall) -> dict[str, Any]:
    """files.info: the file with its shares. Slack answers file_not_found for a file the bot
    can't see (shared only where it is not a member) as for one that doesn't exist."""
    ws = call.workspace
    file = ws.files.get(call.args.required("file"))
    if file is None or not file.completed:
        raise SlackError("file_not_found")
    if file.deleted:
        raise SlackError("file_deleted")
    channel = ws.channel(file.channel)
    if channel is None or not ws.is_member(channel, ws.seed.bot.id):
        raise SlackError("file_not_found")
    share: dict[str, Any] = {"ts": file.share_ts or ""}
    if file.thread_ts:
        share["thread_ts"] = file.thread_ts
    kind = "private" if channel.is_private else "public"
    return {
        "file": {
            **file_object(file),
            "user": file.user or "",
            "shares": {kind: {channel.id: [share]}},
        }
    }


def download_path(file: UploadedFile) -> str:
    return f"files-pri/{file.id}/{file.filename}"


def shared_file_object(file: UploadedFile, base_url: str, user: str) -> dict[str, Any]:
    """A file a person shared, as message events carry it: the private URLs serve its bytes to
    a token with files:read in the Authorization header."""
    url = f"{base_url}{download_path(file)}"
    return {
        **file_object(file),
        "user": user,
        "url_private": url,
        "url_private_download": f"{url}?download=1",
        "filetype": file.filename.rsplit(".", 1)[-1].lower() if "." in file.filename else "",
    }


def serve_download(
    ws: Workspace, file_id: str, token: str | None, bot_token: str
) -> tuple[int, str, bytes]:
    """(status, content type, body) for GET url_private. As Slack does, a request without a
    valid token or without files:read gets the sign-in page (200, HTML), not the file."""
    file = ws.files.get(file_id)
    if file is None or file.content is None:
        return 404, "text/plain", b"file_not_found"
    if token != bot_token or "files:read" not in ws.scopes:
        return 200, "text/html", b"<html><body>Sign in to Slack</body></html>"
    kind = mimetypes.guess_type(file.filename)[0] or "application/octet-stream"
    return 200, kind, file.content


def receive_upload(ws: Workspace, file_id: str, data: bytes) -> bool:
    """Step 2: the bytes arrive at the URL from step 1. False for a URL we never issued."""
    with ws.mutate():
        file = ws.files.get(file_id)
        if file is None:
            return False
        ws.files[file_id] = dataclasses.replace(file, content=data)
    return True


def get_upload_url(call: ApiCall) -> dict[str, Any]:
    filename = call.args.required("filename")
    length = int(call.args.required("length"))
    alt_text = call.args.text("alt_txt") or call.args.text("alt_text")
    ws = call.workspace
    file_id = ws.next_id("F", 10)
    with ws.mutate():
        ws.files[file_id] = UploadedFile(
            id=file_id, filename=filename, length=length, alt_text=alt_text
        )
    return {"upload_url": f"{call.base_url}upload/{file_id}", "file_id": file_id}


def complete_upload(call: ApiCall) -> dict[str, Any]:
    ws = call.workspace
    items = call.args.json("files")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments")
    # Sharing a file needs membership (chat:write.public does not cover files); this method's
    # documented errors are invalid_channel and posting_to_channel_denied.
    channel = None
    if call.args.text("channel_id"):
        try:
            channel = call.postable_channel(
                "channel_id", public_scope=False, refusal="posting_to_channel_denied"
            )
        except SlackError as exc:
            raise SlackError(
                "invalid_channel" if exc.error == "channel_not_found" else exc.error
            ) from None
    thread_ts = call.thread_root(channel.id) if channel else None
    done: list[UploadedFile] = []
    with ws.mutate():
        for item in items:
            file = ws.files.get(str(item.get("id")))
            if file is None or file.content is None:
                raise SlackError("file_not_found")
            if len(file.content) != file.length:
                raise SlackError("file_upload_size_mismatch")
            file = dataclasses.replace(
                file,
                title=item.get("title") or file.filename,
                channel=channel.id if channel else None,
                thread_ts=thread_ts,
                completed=True,
            )
            ws.files[file.id] = file
            done.append(file)
    if channel:
        bot = ws.seed.bot
        ws.add_message(
            Message(
                channel=channel.id,
                ts=ws.next_ts(),
                user=bot.id,
                bot_id=bot.bot_id,
                text=call.args.text("initial_comment") or "",
                thread_ts=thread_ts,
                files=[file_object(f) for f in done],
            )
        )
    return {"files": [file_object(f) for f in done]}


METHODS: dict[str, Method] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": file_info,
}
