"""Experiments: pre-registered A/B tests, their results, readouts and decisions."""
