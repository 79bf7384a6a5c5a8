#!/usr/bin/env bash
# The site in a real browser: starts `verity serve` on a fresh data directory holding tests/browser/corpus.jsonl
# and runs tests/browser/site.test.mjs (Playwright driving Debian's chromium, then the Nu Html Checker).
# Needs /usr/bin/chromium (Debian's `chromium`), Java, Node.js; `npm ci` fetches playwright-core and vnu-jar from
# the npm registry, with install scripts off (vnu-jar's would download a Java runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in node npm java; do
  command -v "$tool" >/dev/null || { echo "browser test: $tool is missing" >&2; exit 1; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "browser test: install Debian's chromium (apt-get install chromium)" >&2; exit 1; }
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --ignore-scripts --no-audit --no-fund; })
cargo build --locked -p verity-cli
data=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data"' EXIT
verity=target/debug/verity
"$verity" --data-dir "$data" ingest tests/browser/corpus.jsonl >/dev/null
cat >"$data/site.json" <<'JSON'
{
  "public_url": "https://verity.example",
  "campaign": {"title": "Keep Verity independent", "goal_supporters": 500, "ends_on": "2099-12-31",
               "checkout_url": "https://pay.example/verity"}
}
JSON
port=$((20000 + RANDOM % 20000))
"$verity" --data-dir "$data" serve --no-web --addr "127.0.0.1:$port" --site "$data/site.json" &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done
VERITY_URL="http://127.0.0.1:$port" node tests/browser/site.test.mjs
