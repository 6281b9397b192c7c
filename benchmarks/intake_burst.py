"""Ack latency of other requests while the bot classifies a burst of intake messages.

The bot (real app, real database, the intake model, the emulator as Slack in its own process)
receives 200 messages in its intake channel as fast as Slack would deliver them; meanwhile people
go on working: `/mops help` and Approve clicks at a steady 50 requests a second (a busy team's
whole day of clicks is far less). Prints their ack latency during the burst beside the same load
with no burst, how long the burst took to classify, and each message's time from
receipt to decision. Target: p99 ack latency of the other requests under 100 ms during the burst.

    .venv/bin/python benchmarks/intake_burst.py [--messages 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.ack_latency import click_body, command_body, percentile, signed_headers  # noqa: E402
from bot.app import bolt  # noqa: E402
from bot.app.config import Settings  # noqa: E402
from bot.app.runtime import Runtime  # noqa: E402
from bot.app.serving import HttpServer  # noqa: E402
from bot.briefs import service  # noqa: E402
from bot.briefs.examples import example_values  # noqa: E402
from bot.core.logs import configure_logging  # noqa: E402
from bot.intake.models import IntakeRequest  # noqa: E402
from bot.storage.database import migrate  # noqa: E402

SECRET = "mops-secret"
CTX = mp.get_context("spawn")
REQUESTS = [
    "the hubspot form on the demo page is broken, submissions are not syncing to salesforce",
    "need a list of all trial signups from last month who did not convert",
    "please schedule the linkedin post about the webinar for tuesday 10am",
    "could design make a banner and a few ad resizes for the spring promo",
    "we need a campaign plan for the EMEA expansion in Q3",
    "can someone proofread the new onboarding email copy before friday?",
    "the pricing page still shows last year's plans, can web update it",
    "anyone want to grab lunch at the taco place?",
    "booth shipping for the Austin trade show, who handles logistics",
    "is it ok to say 'clinically proven' in the ad for the sleep app?",
]


def slack_and_burst(urls: mp.Queue, go: mp.Queue, done: mp.Event, stop: mp.Event) -> None:
    """Slack in its own process: the emulator the bot calls, and the people posting the burst."""
    from bot.emulator import SlackEmulator
    from bot.emulator.driver import SlackDriver

    emulator = SlackEmulator().start()
    urls.put(emulator.api_url)
    bot_url, count = go.get()
    driver = SlackDriver(bot_url, SECRET, emulator)
    for n in range(count):
        driver.message("C02INTAKE", "U01RITA", f"{REQUESTS[n % len(REQUESTS)]} (#{n})")
    done.set()
    stop.wait()
    emulator.stop()


def steady_load(
    url: str, brief_id: int, clients: int, rate: float, stop: mp.Event, results: mp.Queue
) -> None:
    """`clients` connections sending commands and clicks at `rate` requests a second in all,
    each on its own schedule (a late answer does not delay the next request's start time)."""
    parsed = urllib.parse.urlparse(url)
    latencies: list[float] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        n, mine = offset, []
        interval = clients / rate
        next_at = time.perf_counter() + offset * interval / clients
        while not stop.is_set():
            time.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += interval
            body = command_body(n) if n % 2 == 0 else click_body(n, brief_id)
            headers = signed_headers(SECRET, body, "application/x-www-form-urlencoded")
            started = time.perf_counter()
            connection.request("POST", parsed.path, body=body, headers=headers)
            connection.getresponse().read()
            mine.append(time.perf_counter() - started)
            n += clients
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(latencies)


def load_while(url: str, brief_id: int, clients: int, rate: float, until) -> list[float]:  # type: ignore[no-untyped-def]
    stop, results = CTX.Event(), CTX.Queue()
    child = CTX.Process(target=steady_load, args=(url, brief_id, clients, rate, stop, results))
    child.start()
    until()
    stop.set()
    latencies = results.get(timeout=120)
    child.join()
    return latencies


def memory_mb() -> tuple[float, float]:
    """(resident now, peak resident) of this process: the bot with its model loaded."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def decided(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(IntakeRequest)
                .where(IntakeRequest.status != "received")
            )
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument(
        "--clients", type=int, default=10, help="connections sending other requests"
    )
    parser.add_argument("--rate", type=float, default=50, help="other requests per second, in all")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    configure_logging("WARNING")
    urls, go, done, stop = CTX.Queue(), CTX.Queue(), CTX.Event(), CTX.Event()
    slack = CTX.Process(target=slack_and_burst, args=(urls, go, done, stop), daemon=True)
    slack.start()
    api_url = urls.get(timeout=60)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate(url)
        settings = Settings(
            database_url=url,
            slack_api_url=api_url,
            slack_bot_token="xoxb-emulator",
            slack_signing_secret=SECRET,
            intake_model_dir=Path(folder) / "model",
        )
        # Trained in another process, as `make run` does, so that memory below is the bot's own.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli.intake",
                "intake",
                "ensure",
                "--model",
                str(settings.intake_model_dir),
            ],
            check=True,
            cwd=REPO,
            capture_output=True,
        )
        runtime, app = bolt.build(settings)
        started = time.perf_counter()
        runtime.intake_model()
        print(f"intake model loaded in {time.perf_counter() - started:.1f} s")
        runtime.start_background()
        server = HttpServer(app, host="127.0.0.1", port=0).start()
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

        load_while(server.url, brief_id, args.clients, args.rate, lambda: time.sleep(3))  # warm-up
        quiet = load_while(server.url, brief_id, args.clients, args.rate, lambda: time.sleep(10))

        burst_started = time.perf_counter()
        go.put((server.url, args.messages))

        def until_classified() -> None:
            while decided(runtime) < args.messages:
                time.sleep(0.05)

        busy = load_while(server.url, brief_id, args.clients, args.rate, until_classified)
        burst_s = time.perf_counter() - burst_started
        with runtime.db.transaction() as session:
            waits = [
                (r.classified_at - r.received_at).total_seconds()
                for r in session.scalars(select(IntakeRequest))
            ]
        rss, peak = memory_mb()
        server.stop()
        runtime.stop()
    stop.set()
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(
        f"\nburst of {args.messages} intake messages ({backend}): all classified in {burst_s:.1f} s "
        f"({args.messages / burst_s:.1f} msg/s); receipt to decision p50 "
        f"{percentile(waits, 50) / 1000:.2f} s, max {max(waits):.2f} s"
    )
    print(
        f"ack latency of other requests ({args.rate:g}/s over {args.clients} connections, "
        "`/mops help` and Approve clicks):"
    )
    print(f"  {'':<16} {'requests':>8} {'p50':>9} {'p99':>9}")
    for name, values in (("no burst", quiet), ("during the burst", busy)):
        print(
            f"  {name:<16} {len(values):>8} {percentile(values, 50):>7.1f}ms {percentile(values, 99):>7.1f}ms"
        )
    verdict = "met" if percentile(busy, 99) < 100 else "MISSED"
    print(f"target: p99 during the burst < 100 ms: {verdict}")
    verdict = "met" if peak < 700 else "MISSED"
    print(
        f"bot process memory with the model: resident {rss:.0f} MB, peak {peak:.0f} MB "
        f"(target < 700 MB: {verdict})"
    )


if __name__ == "__main__":
    main()
