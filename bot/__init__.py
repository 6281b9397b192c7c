"""mopsbot: a Slack bot that runs a marketing team's operations."""
