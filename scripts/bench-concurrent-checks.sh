#!/usr/bin/env bash
# Checks per second through `verity serve` with 1, 2 and 4 clients at once (issue #14 item 3): a release server on
# SciFact (5,183 abstracts, no web), each client posting fresh checks of SciFact dev claims to /api/v1/checks and
# polling its job until the report is written. Prints one Markdown row per client count.
#   scripts/bench-concurrent-checks.sh [CHECKS_PER_RUN] [JUDGE]     (default 48, nli)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-48}
judge=${2:-nli}
DATA="${VERITY_SHARED_DATA:-../shared/data}"
cargo build --release --locked -p verity-cli >/dev/null
verity=${VERITY_BIN:-target/release/verity}  # another build, to compare
dir=target/bench-concurrent
if [ ! -f "$dir/verity.sqlite" ]; then
  "$verity" --data-dir "$dir" ingest "$DATA/scifact/original/corpus.jsonl" >/dev/null
fi
site=$(mktemp)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -f "$site"' EXIT
echo '{"checks_per_minute": 100000}' >"$site"
port=$((20000 + RANDOM % 20000))
"$verity" --data-dir "$dir" serve --no-web --judge "$judge" --site "$site" --addr "127.0.0.1:$port" 2>/dev/null &
server=$!
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/api/v1/reports" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$DATA/scifact/original/claims_dev.jsonl" "$n" "$port" "$judge" <<'PY'
import json, sys, threading, time, urllib.request
claims_path, n, port, judge = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
claims = [json.loads(l)["claim"] for l in open(claims_path)]
base = f"http://127.0.0.1:{port}"

def call(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)

def check(question):
    job = call("/api/v1/checks", {"question": question, "fresh": True})
    while True:
        state = call(f"/api/v1/jobs/{job['id']}")
        if state["status"] != "running":
            return state["status"]
        time.sleep(0.005)

check(claims[0])  # models loaded, caches warm
offset = 1
print("| clients | checks | seconds | checks/s | failed |")
print("|---|---|---|---|---|")
for clients in (1, 2, 4):
    todo = list(claims[offset:offset + n])
    offset += n
    lock, failed = threading.Lock(), []
    def client():
        while True:
            with lock:
                if not todo:
                    return
                question = todo.pop()
            if check(question) != "done":
                with lock:
                    failed.append(question)
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    seconds = time.perf_counter() - started
    print(f"| {clients} | {n} | {seconds:.1f} | {n / seconds:.1f} | {len(failed)} |")
PY
