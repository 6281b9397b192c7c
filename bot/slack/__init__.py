"""Talking to Slack: the outbox and its sender, idempotent deliveries, Block Kit, the directory."""
