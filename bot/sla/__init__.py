"""SLAs: the business calendar, reminders before the target, escalation after it."""
