"""Experiment statistics under simulation: how often a test is fooled, and how often it finds
a real effect.

A/A: both arms draw from the same distribution (0/1 conversions at 10%); the test is read at
every checkpoint and counts as a false positive if any look is significant. A fixed-horizon
Welch test read at every look is fooled far more often than alpha; the anytime-valid confidence
sequence (the method "sequential") must stay at or under alpha.
A/B: the treatment converts at +MDE relative; power is the share of runs that end significant
in the right direction. "fixed, one look" is read once at the planned size (the design the
sample size was computed for: about 80%); "sequential" stops at the first significant look.

    .venv/bin/python benchmarks/experiments.py [--runs 2000] [--looks 14] [--alpha 0.05]
                                               [--mde 0.10] [--base 0.10] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from bot.experiments.statistics import Moments, sequential, units_per_arm, welch


def simulate(
    rng: np.random.Generator,
    runs: int,
    looks: int,
    per_arm: int,
    p_control: float,
    p_treatment: float,
    alpha: float,
) -> dict[str, float]:
    """Shares of runs significant (in either direction for A/A, upward for A/B) per reading."""
    steps = np.linspace(per_arm / looks, per_arm, looks).astype(int)
    counts = {"fixed, every look": 0, "fixed, one look": 0, "sequential, every look": 0}
    planned = 2 * per_arm
    for _ in range(runs):
        a = rng.random(per_arm) < p_control
        b = rng.random(per_arm) < p_treatment
        ca, cb = np.cumsum(a), np.cumsum(b)
        fixed_any = seq_any = False
        for n in steps:
            control = Moments(int(n), float(ca[n - 1]), float(ca[n - 1]))
            treatment = Moments(int(n), float(cb[n - 1]), float(cb[n - 1]))
            fixed = welch(control, treatment, alpha)
            fixed_any |= _hit(fixed.absolute_low, fixed.absolute_high, p_control == p_treatment)
            seq = sequential(control, treatment, alpha, planned)
            seq_any |= _hit(seq.absolute_low, seq.absolute_high, p_control == p_treatment)
        counts["fixed, every look"] += fixed_any
        counts["fixed, one look"] += _hit(
            fixed.absolute_low, fixed.absolute_high, p_control == p_treatment
        )
        counts["sequential, every look"] += seq_any
    return {name: hits / runs for name, hits in counts.items()}


def _hit(low: float, high: float, two_sided: bool) -> bool:
    return low > 0 or (two_sided and high < 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--looks", type=int, default=14, help="checkpoints, e.g. daily for 2 weeks")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--mde", type=float, default=0.10, help="relative effect for the A/B runs")
    parser.add_argument("--base", type=float, default=0.10, help="control conversion rate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    per_arm = units_per_arm(args.base, args.base * (1 - args.base), args.mde, args.alpha, 0.8)
    margin = 1.96 * math.sqrt(args.alpha * (1 - args.alpha) / args.runs)
    print(
        f"{args.runs} runs, {args.looks} looks, alpha {args.alpha}, base rate {args.base:.0%}, "
        f"{per_arm:,} units per arm (80% power at +{args.mde:.0%}); +/-{margin:.3f} is the "
        "simulation's 95% margin at alpha"
    )
    started = time.perf_counter()
    aa = simulate(rng, args.runs, args.looks, per_arm, args.base, args.base, args.alpha)
    ab = simulate(
        rng, args.runs, args.looks, per_arm, args.base, args.base * (1 + args.mde), args.alpha
    )
    elapsed = time.perf_counter() - started
    print(f"{'reading':<24}{'A/A false positive rate':>26}{'A/B power at the MDE':>24}")
    for name in aa:
        print(f"{name:<24}{aa[name]:>26.3f}{ab[name]:>24.3f}")
    verdict = "ok" if aa["sequential, every look"] <= args.alpha else "ABOVE ALPHA"
    print(f"sequential false positive rate <= alpha: {verdict}   ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
