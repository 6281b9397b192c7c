"""The process-level fault harness (issue 14): real bot processes against the emulator's HTTP
server, a scripted load, SIGKILL at seeded points, and one invariant checker for every run."""
