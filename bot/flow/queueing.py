"""How long a review stage makes people wait: M/M/c (Erlang C) with a correction for service times
that are not exponential.

A stage is a queue: briefs arrive at a rate (per business hour), `reviewers` people decide them,
and one decision takes a reviewer `mean_service_hours` of business time on average. The time a
brief spends in the stage is its wait for a free reviewer plus the decision itself; the SLA is on
that whole time.

- The chance that a brief has to wait at all is Erlang C.
- Given that it waits, M/M/c's wait is exponential with rate c*mu - lambda. For service times with
  squared coefficient of variation cs2 != 1, Allen and Cunneen's approximation scales the mean wait
  by (1 + cs2) / 2 (arrivals stay Poisson); the conditional wait keeps its exponential shape with
  that mean.
- The decision itself is a gamma distribution with the observed mean and cs2 (exponential when
  cs2 = 1, where every formula here is exactly M/M/c's).

Pure: numbers in, numbers out, checked against a SimPy simulation in tests and
benchmarks/forecast.py. A stage with utilisation >= 1 has no steady state: its queue grows by
(lambda - c*mu) items per business hour, reported as that, not as a wait that pretends to settle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import integrate, optimize, stats

MIN_CS2 = 0.02  # near-constant decision times: a gamma this narrow is as good as constant
MAX_REVIEWERS = 200  # the search for "reviewers needed" stops here


@dataclass(frozen=True)
class StageLoad:
    """One stage's demand and capacity, in business hours."""

    arrivals_per_hour: float
    mean_service_hours: float
    reviewers: int
    service_cs2: float = 1.0  # variance / mean**2 of one decision's business time

    def __post_init__(self) -> None:
        if self.arrivals_per_hour < 0 or self.mean_service_hours <= 0 or self.reviewers < 1:
            raise ValueError("arrivals >= 0, service time > 0 and at least one reviewer")

    @property
    def offered_load(self) -> float:
        """Reviewers' worth of work arriving (Erlangs): lambda / mu."""
        return self.arrivals_per_hour * self.mean_service_hours

    @property
    def utilisation(self) -> float:
        return self.offered_load / self.reviewers

    @property
    def stable(self) -> bool:
        return self.utilisation < 1


@dataclass(frozen=True)
class QueueForecast:
    load: StageLoad
    wait_probability: float  # the chance a brief waits for a reviewer at all (1 when unstable)
    breach_probability: float | None  # P(time in stage > SLA); None when unstable or no SLA
    mean_hours: float | None  # mean time in stage (wait + decision); None when unstable
    p90_hours: float | None
    growth_per_hour: float  # > 0 only when unstable: items added to the queue per business hour

    @property
    def utilisation(self) -> float:
        return self.load.utilisation

    @property
    def stable(self) -> bool:
        return self.load.stable


def erlang_c(reviewers: int, offered_load: float) -> float:
    """The chance an arrival must wait, by the Erlang B recursion (no factorials, no overflow)."""
    if offered_load <= 0:
        return 0.0
    if offered_load >= reviewers:
        return 1.0
    blocking = 1.0
    for k in range(1, reviewers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    rho = offered_load / reviewers
    return blocking / (1 - rho * (1 - blocking))


def forecast(load: StageLoad, sla_hours: float | None) -> QueueForecast:
    if not load.stable:
        capacity = load.reviewers / load.mean_service_hours
        return QueueForecast(load, 1.0, None, None, None, load.arrivals_per_hour - capacity)
    shape = _StayShape.of(load)
    breach = shape.tail(sla_hours) if sla_hours is not None else None
    return QueueForecast(load, shape.wait_probability, breach, shape.mean(), shape.quantile(0.9), 0)


def reviewers_needed(
    load: StageLoad, sla_hours: float, max_breach: float, *, most: int = MAX_REVIEWERS
) -> int | None:
    """The fewest reviewers that keep P(time in stage > SLA) at or under `max_breach`; None when
    even `most` would not (the decision alone takes longer than the SLA too often)."""
    for reviewers in range(max(1, math.floor(load.offered_load) + 1), most + 1):
        candidate = StageLoad(
            load.arrivals_per_hour, load.mean_service_hours, reviewers, load.service_cs2
        )
        if _StayShape.of(candidate).tail(sla_hours) <= max_breach:
            return reviewers
    return None


@dataclass(frozen=True)
class _StayShape:
    """Time in stage = W + S: W is 0 with probability 1 - C, else exponential with rate `theta`;
    S is gamma(shape, scale) with the decision's mean and cs2."""

    wait_probability: float
    theta: float
    service: stats.rv_continuous  # frozen gamma

    @classmethod
    def of(cls, load: StageLoad) -> _StayShape:
        mu = 1 / load.mean_service_hours
        cs2 = max(load.service_cs2, MIN_CS2)
        theta = (load.reviewers * mu - load.arrivals_per_hour) * 2 / (1 + cs2)
        service = stats.gamma(a=1 / cs2, scale=load.mean_service_hours * cs2)
        return cls(erlang_c(load.reviewers, load.offered_load), theta, service)

    def mean(self) -> float:
        return float(self.wait_probability / self.theta + self.service.mean())

    def tail(self, hours: float) -> float:
        """P(W + S > hours) = P(S > hours) + C * integral_0^hours f_S(s) exp(-theta (hours - s)) ds."""
        if hours <= 0:
            return 1.0
        beyond = float(self.service.sf(hours))
        if self.wait_probability == 0:
            return beyond
        return min(1.0, beyond + self.wait_probability * self._convolved(hours))

    def _convolved(self, hours: float) -> float:
        """integral_0^hours f_S(s) exp(-theta (hours - s)) ds. For a gamma(k, rate beta) with
        beta > theta it is exp(-theta h) (beta / (beta - theta))^k G(h; k, beta - theta), G the
        gamma CDF (computed in logs); otherwise numerically."""
        shape = float(self.service.kwds["a"])
        scale = float(self.service.kwds["scale"])
        beta = 1 / scale
        if beta > self.theta:
            rest = beta - self.theta
            log_value = (
                -self.theta * hours
                + shape * math.log(beta / rest)
                + float(stats.gamma.logcdf(hours, a=shape, scale=1 / rest))
            )
            return math.exp(log_value)
        value, _ = integrate.quad(
            lambda s: self.service.pdf(s) * math.exp(-self.theta * (hours - s)), 0, hours, limit=200
        )
        return float(value)

    def quantile(self, q: float) -> float:
        target = 1 - q
        high = self.mean() * 4 + 1
        while self.tail(high) > target:
            high *= 2
        return float(optimize.brentq(lambda h: self.tail(h) - target, 0.0, high, xtol=1e-4))
