"""Channel variant drafting speed: a 300-word master copy drafted for 6 channels.

One run is what `/brief variants` does per master: split it into sentences, embed them with the
real local sentence encoder (all-MiniLM-L6-v2, one batch per master for all six channels, one
torch thread unless --threads), rank them, and draft X, SMS, email subject, email preheader, meta
description and LinkedIn with each channel's counting. Two cases:

- first draft: the master was never seen (the sentence cache is emptied before each run);
- drafted again: the same master once more, its sentences' vectors kept (what the bot does when a
  person asks for variants again).

Prints p50/p99 of wall time and of CPU time (this process, all threads) per run, the share spent
embedding, and the load average before and after: on a shared machine wall time counts the
minutes other processes held the cores, CPU time does not. Target: p50 and p99 under 200 ms.

    nice -n 10 .venv/bin/python benchmarks/variants.py [--runs 100] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from bot.app.config import PACKAGE_POLICY
from bot.encoder.cache import CachedEmbed
from bot.encoder.sentence import THREADS, Encoder, cap_threads
from bot.pipeline.variants.drafting import Draft, draft_all, sentences_of
from policies.loader import load_policy

MASTER = """\
Acme Cloud Backup is the simplest way for small teams to keep every file safe. It copies your
laptops, shared drives and cloud folders every hour, without anyone pressing a button. When a
laptop is lost or a file is overwritten, you get it back in two clicks from any browser. Setting
it up takes about ten minutes, and there is nothing to install on your server.

This spring we are launching the Team plan, built for offices of five to fifty people. Each seat
includes one terabyte of storage, version history for a full year and encrypted transfers from
end to end. Admins see every device on one page, with a clear warning when a backup has not run
for a day. Owners can invite an accountant or an outside IT partner with read-only access.

Customers tell us the restore is what they love most. One design studio recovered a whole
client project after a ransomware scare and lost less than an hour of work. A law office moved
off tape drives and stopped paying for a room full of hardware. Our support team answers in
plain words, by chat or phone, five days a week from eight to eight.

The Team plan costs twelve dollars per seat per month, billed yearly, and the first month is
free for new accounts. Existing customers can switch in their settings, and their files stay
where they are. Visit https://acme.example/team?utm_source=newsletter&utm_medium=email to compare
plans, book a short demo, or start the free month today. Questions about moving a large archive
are welcome: our onboarding team plans the first copy with you, so the office network stays fast
during working hours. We will also send a short checklist for a calm first week, covering who gets
access, which folders matter most, and how to test a restore before you need one.
"""


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load_average() -> str:
    return ", ".join(f"{figure:.1f}" for figure in os.getloadavg())


def measure(
    runs: int, warmup: int, before_each: Callable[[], None], once: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of `once` per run (after `warmup` runs not kept)."""
    wall, cpu = [], []
    for run in range(warmup + runs):
        before_each()
        started, started_cpu = time.perf_counter(), time.process_time()
        once()
        if run >= warmup:
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def report(what: str, wall: list[float], cpu: list[float]) -> None:
    print(
        f"{what}: wall p50 {percentile(wall, 0.5):.1f} ms, p99 {percentile(wall, 0.99):.1f} ms"
        f" · CPU p50 {percentile(cpu, 0.5):.1f} ms, p99 {percentile(cpu, 0.99):.1f} ms"
        f" (n={len(wall)}, target < 200 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=THREADS, help="torch threads")
    args = parser.parse_args()

    policy = load_policy(PACKAGE_POLICY)
    variants = policy.variants
    names = list(variants.channels)
    sentences = sentences_of(MASTER)
    print(
        f"master: {len(MASTER.split())} words, {len(sentences)} sentences; "
        f"channels: {', '.join(names)}"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average before {load_average()}")

    started = time.perf_counter()
    encoder = Encoder()
    cap_threads(args.threads)
    print(
        f"encoder load: {(time.perf_counter() - started) * 1000:.0f} ms (once per process); "
        f"torch threads: {torch.get_num_threads()}"
    )
    cached = CachedEmbed(encoder.embed)
    drafts: list[Draft] = []

    def drafting() -> None:
        nonlocal drafts
        drafts = draft_all(MASTER, variants.channels, names, cached)

    def embedding() -> np.ndarray:
        return encoder.embed(sentences)

    report("first draft (6 variants)", *measure(args.runs, args.warmup, cached.clear, drafting))
    wall, cpu = measure(args.runs, args.warmup, lambda: None, embedding)
    print(
        f"  of which embedding the {len(sentences)} sentences in one call: wall p50 "
        f"{percentile(wall, 0.5):.1f} ms, CPU p50 {percentile(cpu, 0.5):.1f} ms"
    )
    report(
        "drafted again (sentences kept)", *measure(args.runs, args.warmup, lambda: None, drafting)
    )
    print(f"load average after {load_average()} (wall figures mean little above 1 on 2 CPUs)")
    for draft in drafts:
        print(f"  {draft.channel} ({draft.measure.length}/{draft.measure.limit}): {draft.text}")


if __name__ == "__main__":
    main()
