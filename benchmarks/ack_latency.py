"""Ack latency of slash commands and button clicks through the HTTP endpoint.

Runs mopsbot (real app, real database, the emulator as Slack) and a bare Bolt app that only acks,
both served the same way (waitress), with the same signed requests at 1 and 50 concurrent
clients, and prints p50/p99 side by side with the ratio. Target: p99 < 100 ms at 50 concurrent,
ratio <= 1.5.

    .venv/bin/python benchmarks/ack_latency.py [--requests 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier

from bot.app import HttpServer
from bot.briefs import service
from bot.config import Settings
from bot.local import local_bot

SECRET_BARE = "bare-secret"


def signed_headers(secret: str, body: str, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature}


def command_body(n: int) -> str:
    return urllib.parse.urlencode({
        "token": "x", "team_id": "T01MOPS", "channel_id": "C01MKTG", "user_id": "U02BRAM",
        "user_name": "bram", "command": "/mops", "text": "help", "api_app_id": "A0MOPS",
        "trigger_id": f"bench.{n}", "response_url": "http://127.0.0.1:9/response"})


def click_body(n: int, brief_id: int) -> str:
    payload = {
        "type": "block_actions", "api_app_id": "A0MOPS", "token": "x", "trigger_id": f"bench.{n}",
        "team": {"id": "T01MOPS"}, "user": {"id": "U05SAM", "username": "sam", "team_id": "T01MOPS"},
        "channel": {"id": "C01MKTG", "name": "marketing"},
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C01MKTG"},
        "message": {"ts": "1.000001", "text": "brief"},
        "actions": [{"action_id": "brief_approve", "block_id": "b", "type": "button",
                     "value": f"{brief_id}:2", "action_ts": f"{time.time():.6f}{n}"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def run_load(url: str, secret: str, total: int, concurrency: int, brief_id: int) -> list[float]:
    parsed = urllib.parse.urlparse(url)
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        mine = []
        for n in counter:
            body = command_body(n) if n % 2 == 0 else click_body(n, brief_id)
            headers = signed_headers(secret, body, "application/x-www-form-urlencoded")
            started = time.perf_counter()
            connection.request("POST", parsed.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] * 1000


def bare_app() -> App:
    app = App(signing_secret=SECRET_BARE, token="xoxb-bare", process_before_response=True,
              token_verification_enabled=False)
    app.command("/mops")(lambda ack: ack({"response_type": "ephemeral", "text": "ok"}))
    app.action("brief_approve")(lambda ack: ack())
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per run (default 1000)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = Settings(database_url=url)
        with local_bot(settings) as local:
            runtime = local.runtime
            with runtime.db.transaction() as session:
                created = service.create(session, runtime.policy, requester_id="U01RITA",
                                         channel_id="C01MKTG", values=sample_brief(runtime.policy),
                                         now=runtime.clock(), delivery_key=None)
            brief_id = created.brief_id
            bare = HttpServer(bare_app(), host="127.0.0.1", port=0).start()
            rows = []
            for concurrency in (1, 50):
                total = args.requests if concurrency > 1 else max(200, args.requests // 4)
                run_load(bare.url, SECRET_BARE, 50, min(concurrency, 10), brief_id)  # warm-up
                run_load(local.server.url, runtime.settings.slack_signing_secret, 50,
                         min(concurrency, 10), brief_id)
                bare_lat = run_load(bare.url, SECRET_BARE, total, concurrency, brief_id)
                full_lat = run_load(local.server.url, runtime.settings.slack_signing_secret, total,
                                    concurrency, brief_id)
                rows.append((concurrency, total, bare_lat, full_lat))
            bare.stop()
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"ack latency, mopsbot vs bare Bolt app (waitress, {backend}; half /mops help, half clicks)")
    print(f"{'conc':>4} {'reqs':>5} | {'bare p50':>9} {'bare p99':>9} | {'mops p50':>9} {'mops p99':>9} | {'p99 ratio':>9}")
    for concurrency, total, bare_lat, full_lat in rows:
        bp50, bp99 = percentile(bare_lat, 50), percentile(bare_lat, 99)
        fp50, fp99 = percentile(full_lat, 50), percentile(full_lat, 99)
        print(f"{concurrency:>4} {total:>5} | {bp50:>7.1f}ms {bp99:>7.1f}ms | {fp50:>7.1f}ms {fp99:>7.1f}ms | {fp99 / bp99:>9.2f}")
    print("targets: p99 < 100 ms at 50 concurrent; ratio <= 1.5")


def sample_brief(policy) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {}
    for field in policy.workflows.brief.template.fields:
        if field.type == "select":
            values[field.id] = field.choices[0]
        elif field.type == "date":
            values[field.id] = "2027-01-15"
        elif field.type == "number":
            values[field.id] = "1000"
        elif field.type == "url":
            values[field.id] = "https://example.com/brief"
        elif field.type == "user":
            values[field.id] = "U01RITA"
        else:
            values[field.id] = f"Benchmark {field.label}"
    return values


if __name__ == "__main__":
    main()
