#!/usr/bin/env bash
# The PostgreSQL deployment on this machine (issue #15): starts a throwaway cluster (Debian's postgresql, a Unix
# socket in a temporary directory, as `nobody` when run as root), then measures
#   1. `verity migrate --to` of the SciFact corpus (5,183 abstracts) from a data directory into the database;
#   2. catch-up: a new node's index built from the database (documents/s);
#   3. report pages served from the database at a fixed rate (oha: p50/p99), like scripts/bench-serve.sh;
#   4. checks/s through the queue with 1 and 2 workers (CHECKS SciFact dev claims queued at once, drained).
#   scripts/bench-postgres.sh [RATE] [SECONDS] [CHECKS]
# Needs oha (`cargo install oha`) on PATH or in $OHA, and ../shared/data/scifact.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-500}
seconds=${2:-30}
checks=${3:-100}
oha=${OHA:-oha}
scifact=${SCIFACT:-../shared/data/scifact}
command -v "$oha" >/dev/null || { echo "bench-postgres: install oha (cargo install oha) or set OHA" >&2; exit 1; }
cargo build --release --locked -p verity-cli
verity=$PWD/target/release/verity
source scripts/throwaway-postgres.sh -c max_connections=200
export VERITY_NO_WEB=1
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

echo "== migrate: SciFact corpus, data directory -> PostgreSQL"
"$verity" --data-dir "$work/embedded" ingest "$scifact/beir/corpus.jsonl" >/dev/null 2>&1
t0=$(now); "$verity" --data-dir "$work/embedded" migrate --to "$db"; t1=$(now)
echo "migrate: $(elapsed "$t0" "$t1") s"

echo "== catch-up: a new node indexes the database"
t0=$(now); "$verity" --data-dir "$work/node" --database "$db" status; t1=$(now)
echo "catch-up (open + index 5,183 documents + status): $(elapsed "$t0" "$t1") s"

echo "== report pages from PostgreSQL"
python3 - "$scifact/original" "$checks" >"$work/claims.txt" <<'PY'
import json, sys, os
path = os.path.join(sys.argv[1], "claims_dev.jsonl")
n = int(sys.argv[2])
for i, line in enumerate(open(path)):
    if i >= n:
        break
    claim = json.loads(line)["claim"].rstrip(".")
    print(f"Is it true that {claim[0].lower()}{claim[1:]}?")
PY
port=$((20000 + RANDOM % 20000))
echo '{"checks_per_minute": 100000}' >"$work/site.json"
"$verity" --data-dir "$work/node" --database "$db" serve --judge lexical --addr "127.0.0.1:$port" --site "$work/site.json" 2>/dev/null &
node=$!; pids+=($node)
until curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; do sleep 0.1; done
# One report to read: a first check through one worker.
"$verity" --data-dir "$work/w1" --database "$db" worker --judge lexical --name w1 2>/dev/null &
w1=$!; pids+=($w1); workers=($w1)
job=$(curl -fsS -X POST -H 'content-type: application/json' \
  -d "{\"question\": \"$(head -1 "$work/claims.txt")\", \"fresh\": true}" "http://127.0.0.1:$port/api/v1/checks" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
until curl -fsS "http://127.0.0.1:$port/api/v1/jobs/$job" | grep -q '"status":"done"'; do sleep 0.2; done
page=$(curl -fsS "http://127.0.0.1:$port/api/v1/jobs/$job" | python3 -c 'import json, sys; print(json.load(sys.stdin)["report_url"])')
echo "page $page: $(curl -fsS "http://127.0.0.1:$port$page" | wc -c) bytes"
"$oha" --no-tui -q "$rate" -z "${seconds}s" -c 50 "http://127.0.0.1:$port$page"

psql() { "$bin/psql" -h "$work" -U verity -d verity -qAt -c "$1"; }
# CPU seconds (user + system) used so far by the given processes.
cpu() { local ticks=0 pid; for pid in "$@"; do [ -r "/proc/$pid/stat" ] && ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; python3 -c "print($ticks / $(getconf CLK_TCK))"; }
where_cpu() { # "workers 3.1 s, database 1.2 s, serve node 0.2 s" since the last call's snapshot
  local w d n; w=$(cpu "${workers[@]}"); d=$(cpu $(pgrep -P "$pg") "$pg"); n=$(cpu "$node")
  echo "CPU: workers $(elapsed "${last_w:-0}" "$w") s, database $(elapsed "${last_d:-0}" "$d") s, serve node $(elapsed "${last_n:-0}" "$n") s"
  last_w=$w; last_d=$d; last_n=$n
}
drain() { # queues every claim at once (straight into the jobs table), waits until the workers have run them all
  python3 - "$work/claims.txt" >"$work/jobs.sql" <<'PY2'
import sys
def q(s): return "'" + s.replace("'", "''") + "'"
rows = [f"('bench-{i}-' || md5(random()::text), 'check', {q(c)}, {q(c)}, 'queued', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
        for i, c in enumerate(open(sys.argv[1]).read().splitlines())]
print("INSERT INTO jobs (id, kind, input, question, status, created_at) VALUES " + ", ".join(rows) + ";")
PY2
  local t0 t1 n
  n=$(wc -l <"$work/claims.txt")
  where_cpu >/dev/null
  t0=$(now)
  "$bin/psql" -h "$work" -U verity -d verity -qAt -f "$work/jobs.sql"
  until [ "$(psql "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")" = 0 ]; do sleep 0.05; done
  t1=$(now)
  echo "$n checks in $(elapsed "$t0" "$t1") s: $(python3 -c "print(f'{$n / ($t1 - $t0):.2f}')") checks/s; $(psql "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM jobs GROUP BY status) s")"
  where_cpu
}
echo "== checks through the queue: 1 worker"
drain
echo "== checks through the queue: 2 workers"
"$verity" --data-dir "$work/w2" --database "$db" worker --judge lexical --name w2 2>/dev/null &
pids+=($!); workers+=($!)
sleep 5   # the new worker indexes the store first (about 3.5 s)
drain
