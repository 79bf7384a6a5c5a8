#!/usr/bin/env bash
# A 30-second PostgreSQL outage with two serve nodes and one worker, measured (issue #26): what the nodes answer
# during it, when they serve again, whether queued checks finish, and whether the nodes' indexes keep up after.
#   scripts/pg-outage.sh [OUTAGE_SECONDS]
# Needs Debian's postgresql package (as the tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p verity-cli
exec python3 scripts/pg_outage.py "$@"
