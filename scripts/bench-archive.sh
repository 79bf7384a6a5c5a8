#!/usr/bin/env bash
# Verity on a newsroom-sized archive: N passages of real sentences (FEVER evidence, SciFact abstracts, CheckThat!
# debate sentences from ../shared/data, written again with other names and numbers past the first pass),
# ingested, given vectors (all-MiniLM-L6-v2's own for 10,000 passages, then mixtures of those with seeded noise) and
# measured:
#   - ingest: documents/s and passages/s (store + text index; vectors separately, with the saved vector index);
#   - size on disk: the SQLite store, the text index, the saved vector graph;
#   - `verity serve`: seconds from start until /api/v1/health answers, and its resident memory after answering a
#     check (VmRSS, and RssAnon: memory beyond the file pages the OS shares and can drop);
#   - a one-shot `verity check`: wall time and peak resident memory;
#   - BM25, dense and hybrid passage queries (FEVER claims, a check's depth of 40), p50 / p99;
#   - recall@10 of the dense search (int8 graph + exact re-rank) against exact f32 search;
#   - whole checks with the default judge, p50 / p99.
# Usage: scripts/bench-archive.sh N [--json]      (N: passages, e.g. 100000 or 1000000)
#        scripts/bench-archive.sh N --vectors-only  (the saved vector index alone, N vectors, e.g. 5000000: mixtures of
#        the real vectors of an archive made before, ${VERITY_BENCH_SAMPLE:-target/bench-archive/100000/data};
#        build rate, size, open time, search p50 / p99, recall@10 against exact search; needs 4 bytes x 384 x N of
#        memory for the exact search)
# The archive is kept in ${VERITY_BENCH_DIR:-target/bench-archive}/N, so a second run only measures (delete the
# folder to start over). Needs the embedding model: scripts/fetch-test-model.sh installs it in target/models.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/bench-archive.sh N [--json]}
json=${2:-}
shared="${VERITY_SHARED_DATA:-../shared/data}"
models="$(pwd)/target/models"
[ -f "$models/all-minilm-l6-v2/model.safetensors" ] || { echo "bench-archive: run scripts/fetch-test-model.sh first" >&2; exit 1; }
work="${VERITY_BENCH_DIR:-target/bench-archive}/$n"
data="$work/data"
mkdir -p "$work"
log() { [ "$json" = --json ] || echo "$@" >&2; }
cargo build --release --locked -p verity-cli >&2
verity="$(pwd)/target/release/verity"
if [ "$json" = --vectors-only ]; then
  sample="${VERITY_BENCH_SAMPLE:-target/bench-archive/100000/data}"
  [ -d "$sample/vectors" ] || { echo "bench-archive: make an archive first (scripts/bench-archive.sh 100000)" >&2; exit 1; }
  "$verity" --data-dir "$sample" eval archive vectors --data "$shared" --count "$n" --out "$work/vectors-only" \
    | tee "$work/figures-vectors.json"
  rm -rf "$work/vectors-only"
  exit 0
fi
export VERITY_NO_WEB=1
now() { date +%s.%N; }
figures="$work/figures.json"

if [ ! -s "$work/ingest.json" ]; then
  rm -rf "$data"; mkdir -p "$data"
  log "writing $n passages of documents..."
  "$verity" eval archive write --data "$shared" --passages "$n" --out "$work/archive.jsonl" > "$work/written.json"
  # No model in the data directory yet: the ingest stores and indexes text only, and is timed alone.
  log "ingesting..."
  start=$(now)
  "$verity" --data-dir "$data" ingest "$work/archive.jsonl" > "$work/ingest.log"
  end=$(now)
  python3 - "$work/written.json" "$start" "$end" > "$work/ingest.json" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1])); s = float(sys.argv[3]) - float(sys.argv[2])
print(json.dumps({"documents": w["documents"], "passages": w["passages"], "sentences": w["sentences"],
                  "passes": w["passes"], "ingest_seconds": round(s, 1),
                  "ingest_documents_per_s": round(w["documents"] / s), "ingest_passages_per_s": round(w["passages"] / s)}))
EOF
fi
ln -sfn "$models" "$data/models"
if [ ! -s "$work/embed.json" ]; then
  log "giving passages vectors and building the saved vector index..."
  "$verity" --data-dir "$data" eval archive embed --sample 10000 --json > "$work/embed.json"
fi

size_mb() { du -sm "$1" 2>/dev/null | cut -f1; }
sizes=$(printf '{"store_mb": %s, "text_index_mb": %s, "vector_index_mb": %s}' \
  "$(du -cm "$data"/verity.sqlite* | tail -1 | cut -f1)" "$(size_mb "$data/index")" "$(size_mb "$data/vectors")")

# serve: start until it answers, then its memory once it has run a check.
port=$((20000 + RANDOM % 20000))
start=$(now)
"$verity" --data-dir "$data" serve --no-web --addr "127.0.0.1:$port" 2>"$work/serve.log" >/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
until curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { echo "bench-archive: serve exited; see $work/serve.log" >&2; exit 1; }
  sleep 0.05
done
serve_start=$(python3 -c "print(round($(now) - $start, 2))")
job=$(curl -fsS -X POST -H 'content-type: application/json' \
  -d '{"question": "Did Nikolaj Coster-Waldau work with the Fox Broadcasting Company?", "fresh": true}' \
  "http://127.0.0.1:$port/api/v1/checks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while curl -fsS "http://127.0.0.1:$port/api/v1/jobs/$job" | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["status"] != "running")'; do
  sleep 0.1
done
serve_memory=$(python3 - "$server" <<'EOF'
import json, sys
status = dict(l.split(":", 1) for l in open(f"/proc/{sys.argv[1]}/status") if ":" in l)
mb = lambda k: round(int(status[k].split()[0]) / 1024)
print(json.dumps({"serve_rss_mb": mb("VmRSS"), "serve_rss_anon_mb": mb("RssAnon"), "serve_rss_file_mb": mb("RssFile")}))
EOF
)
kill "$server"; wait "$server" 2>/dev/null || true

# A one-shot check: the process a newsroom's script or a worker's job runs.
/usr/bin/time -f '%e %M' -o "$work/check.time" "$verity" --data-dir "$data" check --json \
  "Was the Fox Broadcasting Company founded by Rupert Murdoch?" > /dev/null
read -r check_wall check_kb < "$work/check.time"

log "measuring queries, recall and checks..."
"$verity" --data-dir "$data" eval archive measure --data "$shared" --queries 200 --checks 30 --json > "$work/measure.json"

python3 - "$work" "$sizes" "$serve_start" "$serve_memory" "$check_wall" "$check_kb" > "$figures" <<'EOF'
import json, os, platform, sys
work, sizes, serve_start, serve_memory, check_wall, check_kb = sys.argv[1:]
out = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
if cpu: out["machine"] = f"{cpu[0]}, {os.cpu_count()} cores"
out.update(json.load(open(f"{work}/ingest.json")))
embed = json.load(open(f"{work}/embed.json"))
out["vectors_seconds"] = round(embed["seconds"], 1)
out["vectors_per_s"] = round(embed["passages_embedded"] / embed["seconds"]) if embed["seconds"] else None
out["vectors_from_the_model"] = embed["sample"]
out.update(json.loads(sizes))
out["serve_start_seconds"] = float(serve_start)
out.update(json.loads(serve_memory))
out["one_shot_check_seconds"] = float(check_wall)
out["one_shot_check_peak_rss_mb"] = round(int(check_kb) / 1024)
m = json.load(open(f"{work}/measure.json"))
for name in ("bm25", "dense", "hybrid", "check"):
    out[f"{name}_p50_ms"] = round(m[name]["p50_ms"], 2)
    out[f"{name}_p99_ms"] = round(m[name]["p99_ms"], 2)
out["dense_recall_at_10"] = round(m["dense_recall_at_10"], 4)
out["vector_graph"] = m["vector_graph"]
out["vectors_beside_graph"] = m["vectors_beside_graph"]
out["queries"] = m["queries"]
out["checks"] = m["checks"]
print(json.dumps(out, indent=2))
EOF
if [ "$json" = --json ]; then cat "$figures"; else
  python3 -c '
import json, sys
for k, v in json.load(open(sys.argv[1])).items(): print(f"{k:32} {v}")' "$figures"
fi
