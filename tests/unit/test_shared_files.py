"""Files people share, as Slack serves them: `url_private_download` gives the bytes only to a
token with files:read (otherwise Slack's sign-in page, with status 200), and the bot's download
tells the two apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator
from bot.emulator.api_files import shared_file_object
from bot.emulator.records import UploadedFile
from bot.emulator.scopes import manifest_scopes
from bot.slack.files import DownloadFailed, download

CSV = b"arm,signup\ncontrol,1\n"


def shared(emulator: SlackEmulator) -> str:
    file = UploadedFile(
        id="F0000000001", filename="r.csv", length=len(CSV), content=CSV, completed=True
    )
    with emulator.workspace.mutate():
        emulator.workspace.files[file.id] = file
    return str(shared_file_object(file, emulator.base_url, "U01RITA")["url_private_download"])


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as running:
        yield running


def test_the_bot_token_with_files_read_gets_the_bytes(emulator: SlackEmulator) -> None:
    assert "files:read" in manifest_scopes()
    assert download(shared(emulator), emulator.bot_token, 1000) == CSV


def test_a_wrong_token_gets_the_sign_in_page_not_the_file(emulator: SlackEmulator) -> None:
    with pytest.raises(DownloadFailed, match="web page instead of the file"):
        download(shared(emulator), "xoxb-someone-else", 1000)


def test_without_files_read_the_bot_gets_the_sign_in_page() -> None:
    with SlackEmulator(scopes=manifest_scopes() - {"files:read"}) as emulator:
        url = shared(emulator)
        with pytest.raises(DownloadFailed, match="no files:read"):
            download(url, emulator.bot_token, 1000)


def test_a_file_over_the_limit_is_refused(emulator: SlackEmulator) -> None:
    with pytest.raises(DownloadFailed, match="too large"):
        download(shared(emulator), emulator.bot_token, 5)


def stored(emulator: SlackEmulator, channel: str, **extra: Any) -> str:
    file = UploadedFile(
        id=f"F{len(emulator.workspace.files) + 1:010d}",
        filename="2027-03-hero.png",
        length=3,
        content=b"png",
        channel=channel,
        completed=True,
        user="U01RITA",
        share_ts="1700000000.000100",
        thread_ts="1700000000.000001",
        **extra,
    )
    with emulator.workspace.mutate():
        emulator.workspace.files[file.id] = file
    return file.id


def test_files_info_gives_alt_text_size_and_the_thread_it_was_shared_in(
    emulator: SlackEmulator,
) -> None:
    client = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
    file_id = stored(emulator, "C01MKTG", alt_text="A laptop", width=1200, height=675)
    file = client.files_info(file=file_id)["file"]
    assert (file["alt_txt"], file["original_w"], file["original_h"]) == ("A laptop", 1200, 675)
    assert file["shares"]["public"]["C01MKTG"] == [
        {"ts": "1700000000.000100", "thread_ts": "1700000000.000001"}
    ]


def test_files_info_is_as_strict_as_slack(emulator: SlackEmulator) -> None:
    client = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
    for file_id in ("F9999999999", stored(emulator, "C04RANDOM")):  # none; where the bot isn't
        with pytest.raises(SlackApiError) as refused:
            client.files_info(file=file_id)
        assert refused.value.response["error"] == "file_not_found"
    with SlackEmulator(scopes=manifest_scopes() - {"files:read"}) as without:
        client = WebClient(base_url=without.api_url, token=without.bot_token)
        with pytest.raises(SlackApiError) as refused:
            client.files_info(file=stored(without, "C01MKTG"))
        assert refused.value.response["error"] == "missing_scope"
