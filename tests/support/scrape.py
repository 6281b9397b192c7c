"""Reading /metrics as Prometheus does: GET it, parse the text format, look samples up by name."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families


class Scrape:
    """One scrape: `scrape.value("mopsbot_outbox_depth", status="pending")` (0 when absent)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def labels_of(self, name: str) -> list[dict[str, str]]:
        return [dict(labels) for (found, labels) in self.samples if found == name]


def scrape(base_url: str) -> Scrape:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return Scrape(response.read().decode())


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    """How much a counter moved between two scrapes (counters are process-wide: other tests
    in this process moved them too, so a test reads its own change, never an absolute)."""
    return after.value(name, **labels) - before.value(name, **labels)
