"""The `mopsbot` command, one module per command group."""
