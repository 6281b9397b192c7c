"""Planning a launch's tasks: a dependency graph of 200 tasks ordered into waves of independent
work (policies.pipeline.plan, stdlib graphlib), and the same 200 tasks validated as a policy's
pipeline section (names, cycle check, due dates against dependencies). Target: under 50 ms.

The graph is layered like a real launch plan: each task depends on up to 3 tasks from earlier
layers (seeded, so every run plans the same graph).

    .venv/bin/python benchmarks/pipeline_plan.py [--tasks 200] [--runs 500] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from policies.pipeline import Pipeline, plan


def graph(tasks: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    names = [f"task_{n:03d}" for n in range(tasks)]
    return {
        name: rng.sample(names[:n], k=min(n, rng.randint(0, 3))) for n, name in enumerate(names)
    }


def pipeline_data(edges: dict[str, list[str]]) -> dict:
    count = len(edges)
    return {
        "tasks": [
            {
                "name": name,
                "label": name.replace("_", " ").title(),
                "owner": "U04OMAR",
                # Earlier tasks are due earlier (more days before launch) than those after them.
                "due": f"{count - n} business days before launch",
                "depends_on": deps,
            }
            for n, (name, deps) in enumerate(edges.items())
        ]
    }


def timed(work: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds per run: wall clock, and this thread's CPU time (which a busy machine's
    preemptions don't inflate; on a quiet machine the two agree)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        work()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return wall, cpu


def report(what: str, runs: tuple[list[float], list[float]]) -> None:
    for clock, ms in zip(("wall", "cpu"), runs, strict=True):
        ms = sorted(ms)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(
            f"{what:<44} {clock:<4} p50 {statistics.median(ms):7.3f} ms   "
            f"p99 {p99:7.3f} ms   max {ms[-1]:7.3f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    edges = graph(args.tasks, args.seed)
    data = pipeline_data(edges)
    waves = plan(edges).waves
    print(
        f"{args.tasks} tasks, {sum(len(d) for d in edges.values())} dependencies, "
        f"{len(waves)} waves (widest {max(len(w) for w in waves)}), {args.runs} runs each"
    )
    report("plan (topological waves)", timed(lambda: plan(edges), args.runs))
    report(
        "validate as policy (names, cycle, due dates)",
        timed(lambda: Pipeline.model_validate(data), args.runs),
    )


if __name__ == "__main__":
    main()
