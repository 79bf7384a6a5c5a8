#!/usr/bin/env bash
# Property-based test of the JSON API against its own OpenAPI document with schemathesis (PyPI), on a fresh
# data directory holding examples/newsroom. Not part of CI (it installs schemathesis); run it after API changes.
#   scripts/api-fuzz.sh [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v st >/dev/null || pip install --quiet schemathesis
cargo build --locked -p verity-cli
data=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data"' EXIT
echo '{"operator_token": "fuzz", "stripe_webhook_secret": "whsec_fuzz", "checks_per_minute": 100000}' >"$data/site.json"
target/debug/verity --data-dir "$data" ingest examples/newsroom >/dev/null
port=$((20000 + RANDOM % 20000))
target/debug/verity --data-dir "$data" serve --no-web --addr "127.0.0.1:$port" --site "$data/site.json" 2>/dev/null &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
st run "http://127.0.0.1:$port/api/v1/openapi.json" --url "http://127.0.0.1:$port" -H "Authorization: Bearer fuzz" \
  --max-examples "${1:-100}" --checks all
