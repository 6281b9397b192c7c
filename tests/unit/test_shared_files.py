"""Files people share, as Slack serves them: `url_private_download` gives the bytes only to a
token with files:read (otherwise Slack's sign-in page, with status 200), and the bot's download
tells the two apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
