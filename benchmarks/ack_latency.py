"""Ack latency of slash commands and button clicks through the HTTP endpoint.

Runs mopsbot (real app, real database, the emulator as Slack) and a bare Bolt app that only acks,
both served the same way (waitress), with the same signed requests at 1 and 50 concurrent
clients, and prints p50/p99 side by side with the ratio, and the bot process's CPU per request
for each app (mopsbot's includes sending the messages its requests queued). Target: p99 < 100 ms
at 50 concurrent, ratio <= 1.5.

The bot runs on half the CPUs, the clients and the Slack emulator on the other half, unless
--shared. At 50 concurrent the bot's CPU is saturated, so latency follows its CPU per request.

`--network-ms N` gives every Web API call to the emulator a round trip of N ms, as Slack's would
take. `--directory cold` makes the bot forget who is in which user group before every round (as
after a start), so the first clicks of a round wait for the one usergroups.list call it makes;
`warm` (the default) is the bot as its background refresh keeps it.

    .venv/bin/python benchmarks/ack_latency.py [--requests 2000] [--database-url URL] [--shared]
        [--network-ms 150] [--directory warm|cold]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.app import bolt
from bot.app.config import Settings
from bot.app.runtime import Runtime
from bot.app.serving import HttpServer
from bot.briefs import service
from bot.briefs.examples import example_values
from bot.core.gc_pauses import freeze_long_lived
from bot.core.logs import configure_logging
from bot.emulator import SlackEmulator
from bot.emulator.limits import NetworkDelay
from bot.storage.database import migrate

SECRET_BARE = "bare-secret"
CTX = mp.get_context("spawn")


def signed_headers(secret: str, body: str, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def command_body(n: int) -> str:
    return urllib.parse.urlencode(
        {
            "token": "x",
            "team_id": "T01MOPS",
            "channel_id": "C01MKTG",
            "user_id": "U02BRAM",
            "user_name": "bram",
            "command": "/mops",
            "text": "help",
            "api_app_id": "A0MOPS",
            "trigger_id": f"bench.{n}",
            "response_url": "http://127.0.0.1:9/response",
        }
    )


def click_body(n: int, brief_id: int) -> str:
    payload = {
        "type": "block_actions",
        "api_app_id": "A0MOPS",
        "token": "x",
        "trigger_id": f"bench.{n}",
        "team": {"id": "T01MOPS"},
        "user": {"id": "U05SAM", "username": "sam", "team_id": "T01MOPS"},
        "channel": {"id": "C01MKTG", "name": "marketing"},
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C01MKTG"},
        "message": {"ts": "1.000001", "text": "brief"},
        "actions": [
            {
                "action_id": "brief_approve",
                "block_id": "b",
                "type": "button",
                "value": f"{brief_id}:2",
                "action_ts": f"{time.time():.6f}{os.getpid()}{n}",
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def post(connection: http.client.HTTPConnection, path: str, secret: str, body: str) -> float:
    """One signed request; returns the seconds from sending it to having read the response."""
    headers = signed_headers(secret, body, "application/x-www-form-urlencoded")
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return time.perf_counter() - started


def run_load(
    url: str,
    secret: str,
    total: int,
    concurrency: int,
    brief_id: int,
    start_together: Callable[[], object] = lambda: None,
) -> list[float]:
    """`total` requests over `concurrency` connections, half `/mops help`, half Approve clicks.

    Every connection is opened and used once, untimed, before the round starts (and
    `start_together` is called once they all are): what is measured is the ack, not the TCP
    handshake, and the first requests of a round are not queued behind 50 connection set-ups."""
    parsed = urllib.parse.urlparse(url)
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))
    connected = threading.Barrier(concurrency, action=start_together)

    def client() -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        post(connection, parsed.path, secret, command_body(-1))
        connected.wait()
        mine = [
            post(
                connection,
                parsed.path,
                secret,
                command_body(n) if n % 2 == 0 else click_body(n, brief_id),
            )
            for n in counter
        ]
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


def bare_app(client: WebClient) -> App:
    """Acks and nothing else; Slack-side set-up (auth.test) goes to the same emulator."""
    app = App(
        signing_secret=SECRET_BARE,
        client=client,
        process_before_response=True,
        token_verification_enabled=False,
    )
    app.command("/mops")(lambda ack: ack({"response_type": "ephemeral", "text": "ok"}))
    app.action("brief_approve")(lambda ack: ack())
    return app


def split_cpus(shared: bool) -> tuple[set[int], set[int]] | None:
    """CPUs for the bot, and CPUs for Slack (the emulator) and the people clicking (the clients).

    In production neither runs on the bot's machine. Sharing two cores with them, the bot's
    latency would measure how the OS shares those cores out as much as the bot itself."""
    cpus = sorted(os.sched_getaffinity(0))
    if shared or len(cpus) < 2:
        return None
    half = len(cpus) // 2
    return set(cpus[:half]), set(cpus[half:])


def run_on(cpus: set[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)


def serve_emulator(
    urls: mp.Queue, stop: mp.Event, cpus: set[int] | None, network_ms: float
) -> None:
    """Slack, in a process of its own as it would be: the bot's Web API calls cross a socket."""
    run_on(cpus)
    delay = network_ms / 1000
    emulator = SlackEmulator(network=NetworkDelay(delay, delay) if delay else None).start()
    urls.put(emulator.api_url)
    stop.wait()
    emulator.stop()


class LoadClients:
    """Client processes, started once, that share the connections of a round between them.

    Clients live in processes of their own so that their GIL is neither the bot's nor a
    bottleneck of its own (50 threads in one process spend their time waiting for each other,
    and that wait would be counted as the bot's latency). They are started and warmed up before
    anything is timed, and every round starts in all of them at once: a process being spawned
    costs about a second of CPU, which must not land on the app being measured."""

    def __init__(self, processes: int, cpus: set[int] | None) -> None:
        self._jobs = [CTX.Queue() for _ in range(processes)]
        self._results: mp.Queue = CTX.Queue()
        self._go = CTX.Barrier(processes + 1)
        self._children = [
            CTX.Process(
                target=_client_process, args=(jobs, self._results, self._go, cpus), daemon=True
            )
            for jobs in self._jobs
        ]
        for child in self._children:
            child.start()

    def run(
        self, url: str, secret: str, total: int, concurrency: int, brief_id: int
    ) -> list[float]:
        """`total` requests from `concurrency` connections spread over the processes."""
        busy = self._jobs[: max(1, min(len(self._jobs), concurrency))]
        for n, jobs in enumerate(self._jobs):
            share = (
                (url, secret, total // len(busy), concurrency // len(busy), brief_id)
                if n < len(busy)
                else None
            )
            jobs.put(share)
        self._go.wait(timeout=60)
        return [value for _ in self._jobs for value in self._results.get(timeout=600)]

    def close(self) -> None:
        for jobs in self._jobs:
            jobs.put("stop")
        for child in self._children:
            child.join(timeout=10)


def _client_process(jobs: mp.Queue, results: mp.Queue, go, cpus: set[int] | None) -> None:  # type: ignore[no-untyped-def]
    run_on(cpus)
    while (job := jobs.get()) != "stop":
        if job is None:  # not needed this round (one connection in all); still starts with it
            go.wait(timeout=60)
            results.put([])
        else:
            results.put(run_load(*job, start_together=lambda: go.wait(timeout=60)))


def wait_for_outbox(runtime: Runtime) -> None:
    """Until the sender has posted every ephemeral the last run's clicks queued."""
    while runtime.sender.next_due_in() is not None:
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=2000, help="requests per app at 50 concurrent"
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating rounds of bare and mopsbot"
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="run the clients and the Slack emulator on the bot's CPUs too",
    )
    parser.add_argument(
        "--network-ms", type=float, default=0, help="round trip of every Web API call"
    )
    parser.add_argument(
        "--directory",
        choices=["warm", "cold"],
        default="warm",
        help="cold: the bot forgets the user groups before every round",
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    split = split_cpus(args.shared)
    bot_cpus, other_cpus = split if split else (None, None)
    run_on(bot_cpus)
    urls, stop = CTX.Queue(), CTX.Event()
    slack = CTX.Process(
        target=serve_emulator, args=(urls, stop, other_cpus, args.network_ms), daemon=True
    )
    slack.start()
    api_url = urls.get(timeout=30)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate(url)
        settings = Settings(
            database_url=url,
            slack_api_url=api_url,
            slack_bot_token="xoxb-emulator",
            slack_signing_secret="mops-secret",
        )
        # This emulator keeps no rate limits, so the bot does not pace itself either: 1,000
        # refusals at Slack's 100 ephemerals a minute would take ten minutes to drain.
        runtime, app = bolt.build(settings, paced=False)
        runtime.start_background()
        ours = HttpServer(app, host="127.0.0.1", port=0).start()
        bare = HttpServer(bare_app(runtime.client), host="127.0.0.1", port=0).start()
        with runtime.db.transaction() as session:
            brief_id = service.create(
                session,
                runtime.policy,
                requester_id="U01RITA",
                channel_id="C01MKTG",
                values=example_values(runtime.policy.workflows.brief.template),
                now=runtime.clock(),
                delivery_key=None,
            ).brief_id
        freeze_long_lived()  # as `mopsbot run` does before serving
        clients = LoadClients(processes=5, cpus=other_cpus)
        clients.run(bare.url, SECRET_BARE, 100, 10, brief_id)  # warm-up both
        clients.run(ours.url, "mops-secret", 100, 10, brief_id)
        wait_for_outbox(runtime)  # the bare app is timed alone, not beside our sender's work
        rows = []
        for concurrency in (1, 50):
            total = args.requests if concurrency > 1 else max(200, args.requests // 4)
            bare_lat: list[float] = []
            full_lat: list[float] = []
            bare_cpu = full_cpu = 0.0  # the bot process's CPU seconds, all threads
            # Alternating rounds: on a small shared machine the tail moves from minute to minute,
            # and both apps should meet the same weather.
            for _ in range(args.rounds):
                started = time.process_time()
                bare_lat += clients.run(
                    bare.url, SECRET_BARE, total // args.rounds, concurrency, brief_id
                )
                bare_cpu += time.process_time() - started
                if args.directory == "cold":
                    runtime.directory.clear()
                else:
                    runtime.directory.refresh()
                started = time.process_time()
                full_lat += clients.run(
                    ours.url, "mops-secret", total // args.rounds, concurrency, brief_id
                )
                wait_for_outbox(
                    runtime
                )  # its messages are part of its cost; the next bare round runs alone
                full_cpu += time.process_time() - started
            rows.append(
                (
                    concurrency,
                    bare_lat,
                    full_lat,
                    bare_cpu / len(bare_lat),
                    full_cpu / len(full_lat),
                )
            )
        clients.close()
        bare.stop()
        ours.stop()
        runtime.stop()
    stop.set()
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    placement = (
        f"bot on CPU {sorted(bot_cpus)}, clients and Slack emulator on CPU {sorted(other_cpus)}"
        if split
        else "bot, clients and Slack emulator sharing every CPU"
    )
    print(
        f"ack latency, mopsbot vs a bare Bolt app that only acks (waitress, {backend}; "
        f"half `/mops help`, half Approve clicks refused with an ephemeral; {placement}; "
        f"{args.network_ms:g} ms per Web API call; {args.directory} directory)"
    )
    print(
        f"{'conc':>4} {'reqs':>5} | {'bare p50':>9} {'bare p99':>9} | {'mops p50':>9} {'mops p99':>9} | "
        f"{'mops max':>9} | {'p99 ratio':>9} | {'bot CPU per request, bare / mops':>32}"
    )
    for concurrency, bare_lat, full_lat, bare_cpu, full_cpu in rows:
        bp50, bp99 = percentile(bare_lat, 50), percentile(bare_lat, 99)
        fp50, fp99 = percentile(full_lat, 50), percentile(full_lat, 99)
        print(
            f"{concurrency:>4} {len(full_lat):>5} | {bp50:>7.1f}ms {bp99:>7.1f}ms | {fp50:>7.1f}ms {fp99:>7.1f}ms | "
            f"{max(full_lat) * 1000:>7.1f}ms | {fp99 / bp99:>9.2f} | {bare_cpu * 1000:>20.2f} / {full_cpu * 1000:.2f} ms"
        )
    print("targets: p99 < 100 ms at 50 concurrent; ratio <= 1.5")


if __name__ == "__main__":
    main()
