"""What every layer uses and that uses nothing of the bot: logging, the clock, GC pauses."""
