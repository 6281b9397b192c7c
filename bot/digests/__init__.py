"""Daily digests, the weekly chart, and the App Home."""
