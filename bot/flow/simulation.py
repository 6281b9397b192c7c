"""A review stage replayed in SimPy, to check the closed form in bot/flow/queueing.py.

The clock is business hours (evenings, weekends and holidays are cut out, as SLAs count them), so
"replaying the empirical service times within business hours" is replaying them on this clock:
Poisson arrivals at the stage's rate, `reviewers` people taking briefs first come first served,
each decision's length drawn from the observed ones (or any sampler). Seeded: the same inputs give
the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

# Draws one decision's business hours from the generator.
ServiceSampler = Callable[[np.random.Generator], float]


@dataclass(frozen=True)
class SimulatedStage:
    breach_probability: float | None
    mean_hours: float
    p90_hours: float
    briefs: int


def exponential(mean_hours: float) -> ServiceSampler:
    return lambda rng: float(rng.exponential(mean_hours))


def gamma(mean_hours: float, cs2: float) -> ServiceSampler:
    """Decision times with this mean and squared coefficient of variation."""
    return lambda rng: float(rng.gamma(1 / cs2, mean_hours * cs2))


def replay(observed_hours: Sequence[float] | np.ndarray) -> ServiceSampler:
    """Decision times drawn, with replacement, from the observed ones."""
    values = np.asarray(observed_hours, dtype=float)
    if values.size == 0:
        raise ValueError("no observed decision times to replay")
    return lambda rng: float(values[rng.integers(values.size)])


def simulate(
    arrivals_per_hour: float,
    service: ServiceSampler,
    reviewers: int,
    sla_hours: float | None,
    *,
    briefs: int = 20_000,
    warm_up: int = 2_000,
    seed: int = 0,
) -> SimulatedStage:
    """Time in stage (wait + decision) of `briefs` arrivals after `warm_up` ones (the empty start
    is not steady state). Only meaningful for a stable stage: an unstable one never settles."""
    if arrivals_per_hour <= 0:
        raise ValueError("a stage with no arrivals has nothing to simulate")
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=reviewers)
    stays: list[float] = []
    total = warm_up + briefs

    def brief(number: int) -> Generator[simpy.Event, object, None]:
        arrived = env.now
        with desk.request() as turn:
            yield turn
            yield env.timeout(service(rng))
        if number >= warm_up:
            stays.append(env.now - arrived)

    def arrivals() -> Generator[simpy.Event, object, None]:
        for number in range(total):
            env.process(brief(number))
            yield env.timeout(rng.exponential(1 / arrivals_per_hour))

    env.process(arrivals())
    env.run()
    times = np.asarray(stays)
    breach = float((times > sla_hours).mean()) if sla_hours is not None else None
    return SimulatedStage(breach, float(times.mean()), float(np.quantile(times, 0.9)), times.size)
