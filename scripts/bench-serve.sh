#!/usr/bin/env bash
# Serving speed of stored report pages: starts a release `verity serve` on a data directory holding the
# examples/newsroom archive and a few reports, then drives it with oha at a fixed rate (default 500 requests/s
# for 30 s, 50 connections) over several report pages, and prints oha's latency summary.
#   scripts/bench-serve.sh [RATE] [SECONDS]
# Needs oha (`cargo install oha`) on PATH or in $OHA.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-500}
seconds=${2:-30}
oha=${OHA:-oha}
command -v "$oha" >/dev/null || { echo "bench-serve: install oha (cargo install oha) or set OHA" >&2; exit 1; }
cargo build --release --locked -p verity-cli
verity=target/release/verity
data=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data"' EXIT
"$verity" --data-dir "$data" ingest examples/newsroom >/dev/null
for q in "Did Minister Okafor hand over protected informants to get access to a prison in Norland?" \
         "Did the ministry deny that informants were handed over?" \
         "Did Okafor visit the prison in Norland?" \
         "Was a parliamentary inquiry opened into the informants affair?"; do
  "$verity" --data-dir "$data" check --no-web --json "$q" >/dev/null
done
port=$((20000 + RANDOM % 20000))
"$verity" --data-dir "$data" serve --no-web --addr "127.0.0.1:$port" 2>/dev/null &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
urls=$(curl -fsS "http://127.0.0.1:$port/api/v1/reports" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["items"]:
    print("/checks/%s/%s" % (r["category"], r["slug"]))')
echo "report pages:"; echo "$urls"
first=$(echo "$urls" | tail -1)   # the archive's main question: the longest report
bytes=$(curl -fsS "http://127.0.0.1:$port$first" | wc -c)
echo "page size: $bytes bytes"
"$oha" --no-tui -q "$rate" -z "${seconds}s" -c 50 "http://127.0.0.1:$port$first"
