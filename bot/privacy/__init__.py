"""What the bot keeps of what people typed, and forgetting it: the retention purge, `/mops forget`."""
