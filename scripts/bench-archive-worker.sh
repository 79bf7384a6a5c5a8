#!/usr/bin/env bash
# A newsroom's archive on PostgreSQL (issue #29): the archive scripts/bench-archive.sh N made, copied into a throwaway
# PostgreSQL cluster (Debian's postgresql, a Unix socket in a temporary directory, as `nobody` when run as root), then
#   1. `verity migrate --to`: seconds and rows/s;
#   2. a new node catching up from the database: its text index and saved vector graph built from the store
#      (`verity status`, which opens the engine and brings both up to date);
#   3. one `verity serve` and one `verity worker` on that node's data directory (as one machine runs them), CHECKS
#      questions queued through the API and run by the worker with the default judge, then the resident memory of
#      each process (VmRSS, RssAnon: beyond the file pages the OS shares and can drop, RssFile), and checks/s.
# Usage: scripts/bench-archive-worker.sh N [CHECKS]     (N: an archive made before, e.g. 1000000; CHECKS default 20)
# Needs about as much free disk as the archive's store again (the database) plus its index.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/bench-archive-worker.sh N [CHECKS]}
checks=${2:-20}
shared="${VERITY_SHARED_DATA:-../shared/data}"
archive="${VERITY_BENCH_DIR:-target/bench-archive}/$n"
[ -s "$archive/embed.json" ] || { echo "bench-archive-worker: make the archive first: scripts/bench-archive.sh $n" >&2; exit 1; }
cargo build --release --locked -p verity-cli >&2
verity=$PWD/target/release/verity
source scripts/throwaway-postgres.sh -c max_wal_size=4GB
export VERITY_NO_WEB=1
now() { date +%s.%N; }
elapsed() { python3 -c "print(round($2 - $1, 1))"; }
memory() { # VmRSS / RssAnon / RssFile of a process, in MB, as JSON
  python3 - "$1" <<'EOF'
import json, sys
status = dict(l.split(":", 1) for l in open(f"/proc/{sys.argv[1]}/status") if ":" in l)
mb = lambda k: round(int(status[k].split()[0]) / 1024)
print(json.dumps({"rss_mb": mb("VmRSS"), "rss_anon_mb": mb("RssAnon"), "rss_file_mb": mb("RssFile")}))
EOF
}

echo "== migrate: the archive's data directory -> PostgreSQL" >&2
t0=$(now); "$verity" --data-dir "$archive/data" migrate --to "$db" >&2; t1=$(now)
migrate_s=$(elapsed "$t0" "$t1")
database_mb=$(du -sm "$work/pg" | cut -f1)

echo "== a new node catches up from the database" >&2
node="$work/node"
mkdir -p "$node"
ln -sfn "$PWD/target/models" "$node/models"
t0=$(now); "$verity" --data-dir "$node" --database "$db" status --json > "$work/status.json"; t1=$(now)
catch_up_s=$(elapsed "$t0" "$t1")

echo "== serve and a worker on the node, $checks checks through the queue" >&2
python3 - "$shared/fever_train" "$checks" > "$work/questions.txt" <<'EOF'
import glob, json, os, sys
# FEVER claims with evidence: the archive's first pass is written from FEVER evidence sentences.
n = int(sys.argv[2])
path = sorted(glob.glob(os.path.join(sys.argv[1], "*.jsonl")))[0]
seen = 0
for line in open(path):
    row = json.loads(line)
    if row.get("label") != "SUPPORTS":
        continue
    claim = row["claim"].rstrip(".")
    print(f"Is it true that {claim[0].lower()}{claim[1:]}?")
    seen += 1
    if seen == n:
        break
EOF
port=$((20000 + RANDOM % 20000))
echo '{"checks_per_minute": 100000}' > "$work/site.json"
"$verity" --data-dir "$node" --database "$db" serve --addr "127.0.0.1:$port" --site "$work/site.json" 2>"$work/serve.log" >/dev/null &
server=$!; pids+=("$server")
until curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { echo "bench-archive-worker: serve exited; see $work/serve.log" >&2; cat "$work/serve.log" >&2; exit 1; }
  sleep 0.05
done
"$verity" --data-dir "$node" --database "$db" worker --name w1 2>"$work/worker.log" &
worker=$!; pids+=("$worker")
jobs=()
t0=$(now)
while IFS= read -r question; do
  jobs+=("$(python3 -c 'import json, sys; print(json.dumps({"question": sys.argv[1], "fresh": True}))' "$question" |
    curl -fsS -X POST -H 'content-type: application/json' -d @- "http://127.0.0.1:$port/api/v1/checks" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')")
done < "$work/questions.txt"
for job in "${jobs[@]}"; do
  until curl -fsS "http://127.0.0.1:$port/api/v1/jobs/$job" | python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["status"] not in ("done", "failed"))'; do
    kill -0 "$worker" 2>/dev/null || { echo "bench-archive-worker: the worker exited; see below" >&2; cat "$work/worker.log" >&2; exit 1; }
    sleep 0.2
  done
done
t1=$(now)
queue_s=$(elapsed "$t0" "$t1")
failed=0
for job in "${jobs[@]}"; do
  curl -fsS "http://127.0.0.1:$port/api/v1/jobs/$job" | python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["status"] != "done")' || failed=$((failed + 1))
done
worker_memory=$(memory "$worker")
serve_memory=$(memory "$server")

python3 - "$n" "$migrate_s" "$database_mb" "$catch_up_s" "$work/status.json" "$checks" "$failed" "$queue_s" \
  "$worker_memory" "$serve_memory" <<'EOF'
import json, os, sys
n, migrate_s, database_mb, catch_up_s, status, checks, failed, queue_s, worker, serve = sys.argv[1:]
cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
status = json.load(open(status))
out = {
    "machine": f"{cpu[0] if cpu else 'unknown'}, {os.cpu_count()} cores",
    "archive_passages": int(n),
    "migrate_seconds": float(migrate_s), "database_mb": int(database_mb),
    "node_catch_up_seconds": float(catch_up_s),
    "node_status": {k: status[k] for k in ("documents", "passages", "vector_index") if k in status},
    "checks": int(checks), "checks_failed": int(failed), "queue_seconds": float(queue_s),
    "worker": json.loads(worker), "serve": json.loads(serve),
}
print(json.dumps(out, indent=2))
EOF
