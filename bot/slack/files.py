"""Reading a file a person shared: Slack serves `url_private_download` to the bot's token
(scope files:read), in the Authorization header, never in the URL."""

from __future__ import annotations

import urllib.error
import urllib.request

TIMEOUT_SECONDS = 30


class DownloadFailed(Exception):
    """The file could not be read (gone, no access, or Slack answered with a page, not the file)."""


def download(url: str, token: str | None, max_bytes: int) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token or ''}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            kind = response.headers.get("Content-Type", "")
            # Without files:read Slack answers 200 with its sign-in page, not the file.
            if kind.startswith("text/html"):
                raise DownloadFailed("Slack sent a web page instead of the file (no files:read?)")
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise DownloadFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError) as exc:
        raise DownloadFailed(str(exc)) from None
    if len(data) > max_bytes:
        raise DownloadFailed("the file is too large")
    return data
