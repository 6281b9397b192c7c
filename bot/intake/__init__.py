"""Intake triage: requests stored at once, classified by a local model, routed or asked about."""
