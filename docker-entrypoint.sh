#!/bin/sh
# The container's start: migrations first (several instances may run this at once: the
# PostgreSQL advisory lock in `mopsbot migrate` makes one migrate and the others wait), then
# the intake model (a no-op when the one on the volume matches the policy), then the bot.
set -e
mopsbot migrate
mopsbot intake ensure
exec mopsbot run "$@"
