"""The statistics behind a readout: sample ratio mismatch, Welch's interval for a difference of
means, the delta method for relative lift, an anytime-valid confidence sequence for sequential
experiments, sample size and power, and Thompson-sampling weights for bandits.

Every function works from per-arm sufficient statistics (count, sum, sum of squares), which is
what both CSV shapes and the warehouse push reduce to, so a readout never needs the raw rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

SRM_ALERT_P = 0.001  # below this the split is broken: the experiment is unhealthy
SRM_WARNING_P = 0.01  # below this it is worth a look


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of one metric in one arm: n units, sum and sum of squares."""

    n: int
    total: float
    total_sq: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 in the denominator); 0 for fewer than two units."""
        if self.n < 2:
            return 0.0
        return max((self.total_sq - self.total * self.total / self.n) / (self.n - 1), 0.0)

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    @staticmethod
    def of(values: Sequence[float]) -> Moments:
        array = np.asarray(values, dtype=float)
        return Moments(int(array.size), float(array.sum()), float((array * array).sum()))


EMPTY = Moments(0, 0.0, 0.0)


# --- sample ratio mismatch ---------------------------------------------------------------


@dataclass(frozen=True)
class SampleRatio:
    chi2: float
    p_value: float

    @property
    def status(self) -> str:
        """ "alert" (p < 0.001: do not trust any effect), "warning" (p < 0.01) or "ok"."""
        if self.p_value < SRM_ALERT_P:
            return "alert"
        if self.p_value < SRM_WARNING_P:
            return "warning"
        return "ok"


def sample_ratio(counts: Sequence[int], weights: Sequence[float] | None = None) -> SampleRatio:
    """Pearson's chi-square goodness of fit of the units per arm against the planned split
    (equal when `weights` is None)."""
    observed = np.asarray(counts, dtype=float)
    total = observed.sum()
    if len(observed) < 2 or total == 0:
        return SampleRatio(0.0, 1.0)
    shares = np.asarray(weights if weights is not None else [1.0] * len(observed), dtype=float)
    expected = total * shares / shares.sum()
    chi2, p_value = stats.chisquare(observed, expected)
    return SampleRatio(float(chi2), float(p_value))


# --- effects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """Treatment minus control for one metric: absolute and relative, each with its interval."""

    control_mean: float
    treatment_mean: float
    absolute: float
    absolute_low: float
    absolute_high: float
    relative: float  # treatment / control - 1
    relative_low: float
    relative_high: float
    p_value: float

    def significant(self) -> bool:
        return self.absolute_low > 0 or self.absolute_high < 0


def welch(control: Moments, treatment: Moments, alpha: float = 0.05) -> Effect:
    """Welch's unequal-variance t interval for the difference of means, and the delta method's
    normal interval for the relative lift (Var(mt/mc) ~ vt/mc^2 + mt^2 vc/mc^4)."""
    se2_c, se2_t = _se2(control), _se2(treatment)
    se = math.sqrt(se2_c + se2_t)
    diff = treatment.mean - control.mean
    if se == 0:
        return _degenerate(control, treatment)
    df = (se2_c + se2_t) ** 2 / (
        (se2_c**2 / (control.n - 1) if control.n > 1 else 0.0)
        + (se2_t**2 / (treatment.n - 1) if treatment.n > 1 else 0.0)
    )
    t_crit = float(stats.t.ppf(1 - alpha / 2, df))
    p_value = float(2 * stats.t.sf(abs(diff) / se, df))
    rel, rel_se = _relative(control, treatment)
    z_crit = float(stats.norm.ppf(1 - alpha / 2))
    return Effect(
        control.mean,
        treatment.mean,
        diff,
        diff - t_crit * se,
        diff + t_crit * se,
        rel,
        rel - z_crit * rel_se,
        rel + z_crit * rel_se,
        p_value,
    )


def sequential(
    control: Moments, treatment: Moments, alpha: float = 0.05, planned_n: int | None = None
) -> Effect:
    """An asymptotic confidence sequence (the normal-mixture boundary of Howard et al. 2021,
    in the form of Waudby-Smith et al. 2023, "Time-uniform central limit theory"): valid at every
    look at once, so the team may read it at each checkpoint without inflating false positives.

    For an estimate with standard error se from N units, the half-width is
        se * sqrt(2 (N r^2 + 1) / (N r^2) * log(sqrt(N r^2 + 1) / alpha))
    with r^2 tuned to be tightest at the planned sample size. The p-value is the smallest alpha
    whose sequence excludes zero: sqrt(1 + N r^2) * exp(-z^2 N r^2 / (2 (1 + N r^2)))."""
    se = math.sqrt(_se2(control) + _se2(treatment))
    if se == 0:
        return _degenerate(control, treatment)
    n = control.n + treatment.n
    rho2 = mixture_rho2(alpha, planned_n or n)
    nr2 = n * rho2
    width = math.sqrt(2 * (nr2 + 1) / nr2 * math.log(math.sqrt(nr2 + 1) / alpha))
    diff = treatment.mean - control.mean
    z = diff / se
    p_value = min(1.0, math.sqrt(1 + nr2) * math.exp(-(z * z) * nr2 / (2 * (1 + nr2))))
    rel, rel_se = _relative(control, treatment)
    return Effect(
        control.mean,
        treatment.mean,
        diff,
        diff - width * se,
        diff + width * se,
        rel,
        rel - width * rel_se,
        rel + width * rel_se,
        p_value,
    )


def mixture_rho2(alpha: float, planned_n: int) -> float:
    """The mixing variance that makes the confidence sequence tightest at `planned_n` units
    (Howard et al. 2021, section 3.5, approximate optimum)."""
    log_term = -2 * math.log(alpha)
    return (log_term + math.log(log_term + 1)) / max(planned_n, 1)


def _se2(moments: Moments) -> float:
    return moments.variance / moments.n if moments.n else math.inf


def _relative(control: Moments, treatment: Moments) -> tuple[float, float]:
    mc, mt = control.mean, treatment.mean
    if mc == 0:
        return math.nan, math.nan
    var = _se2(treatment) / mc**2 + mt**2 * _se2(control) / mc**4
    return mt / mc - 1, math.sqrt(var)


def _degenerate(control: Moments, treatment: Moments) -> Effect:
    """No spread in either arm (or too few units): an estimate but no interval worth the name."""
    diff = treatment.mean - control.mean
    rel = treatment.mean / control.mean - 1 if control.mean else math.nan
    return Effect(
        control.mean, treatment.mean, diff, -math.inf, math.inf, rel, -math.inf, math.inf, 1.0
    )


# --- planning ----------------------------------------------------------------------------


def units_per_arm(
    baseline_mean: float, baseline_variance: float, mde: float, alpha: float, power: float
) -> int:
    """Units each arm needs to detect a relative change of `mde` with a two-sided test."""
    delta = abs(mde * baseline_mean)
    if delta == 0:
        return 0
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.ceil(2 * baseline_variance * z * z / (delta * delta))


def power_reached(control: Moments, treatment: Moments, mde: float, alpha: float) -> float:
    """The power the current sample has against a relative change of `mde`."""
    se = math.sqrt(_se2(control) + _se2(treatment))
    if not math.isfinite(se) or se == 0:
        return 0.0
    shift = abs(mde * control.mean) / se
    z = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z))


# --- bandits -----------------------------------------------------------------------------

BANDIT_FLOOR = 0.01  # every arm keeps at least 1% of traffic, so none starves for good
BANDIT_DRAWS = 20_000


def thompson_weights(
    arms: Mapping[str, Moments],
    higher_is_better: bool = True,
    floor: float = BANDIT_FLOOR,
    seed: int = 0,
) -> dict[str, float]:
    """Traffic for the next period: the posterior probability that each arm is best, by
    Thompson sampling (Beta(1 + successes, 1 + failures) for 0/1 metrics, else a normal with the
    arm's standard error), then every arm lifted to `floor` and the rest scaled to fit."""
    rng = np.random.default_rng(seed)
    names = list(arms)
    draws = np.column_stack([_posterior(arms[name], rng) for name in names])
    best = draws.argmax(axis=1) if higher_is_better else draws.argmin(axis=1)
    share = np.bincount(best, minlength=len(names)) / BANDIT_DRAWS
    return dict(zip(names, _with_floor(share, floor), strict=True))


def _posterior(moments: Moments, rng: np.random.Generator) -> np.ndarray:
    if moments.n == 0:
        return rng.standard_normal(BANDIT_DRAWS) * 1e6  # nothing known: any order is as likely
    if moments.total == moments.total_sq and 0 <= moments.total <= moments.n:  # all 0 or 1
        return rng.beta(1 + moments.total, 1 + moments.n - moments.total, BANDIT_DRAWS)
    se = math.sqrt(moments.variance / moments.n) if moments.n > 1 else abs(moments.mean) + 1
    return rng.normal(moments.mean, se, BANDIT_DRAWS)


def _with_floor(share: np.ndarray, floor: float) -> list[float]:
    """Arms under the floor get the floor; the others share what is left in their proportions
    (repeated, since scaling down can push another arm under the floor)."""
    floor = min(floor, 1 / len(share))
    pinned = np.zeros(len(share), dtype=bool)
    weights = share.astype(float)
    for _ in range(len(share)):
        pinned |= weights < floor
        free = weights[~pinned].sum()
        spare = 1 - floor * pinned.sum()
        weights = np.where(pinned, floor, weights * (spare / free if free else 0.0))
        if not (weights[~pinned] < floor).any():
            break
    return [float(value) for value in weights]


def p_text(p_value: float) -> str:
    """A p-value as the team reads it in Slack: "p = 0.03", "p < 0.001" rather than
    "p = 7.7e-06" (the CLI and the JSON keep the exact figure)."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"
