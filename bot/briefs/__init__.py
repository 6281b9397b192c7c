"""The brief domain: service (decide and record), messages (what Slack shows), forms (modals)."""
