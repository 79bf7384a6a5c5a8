#!/usr/bin/env bash
# Time per `verity check` as a user runs it: a fresh process per question (model loading included), on SciFact
# (5,183 abstracts), with the judge given (default nli). Prints p50, p90 and the mean over the first N dev claims.
# Usage: scripts/bench-check.sh [N] [JUDGE]      (../shared/data is read by path, never committed)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-40}
JUDGE=${2:-nli}
DATA="${VERITY_SHARED_DATA:-../shared/data}"
DIR=target/bench-check
cargo build --release --locked -p verity-cli >/dev/null
if [ ! -f "$DIR/verity.sqlite" ]; then
  target/release/verity --data-dir "$DIR" ingest "$DATA/scifact/original/corpus.jsonl" >/dev/null
fi
python3 - "$DATA/scifact/original/claims_dev.jsonl" "$N" "$DIR" "$JUDGE" <<'PY'
import json, subprocess, sys, time
claims_path, n, data_dir, judge = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
claims = [json.loads(l)["claim"] for l in open(claims_path)][:n]
times = []
for claim in claims:
    started = time.perf_counter()
    subprocess.run(["target/release/verity", "--data-dir", data_dir, "check", "--no-web", "--judge", judge, "--json", claim],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times.append((time.perf_counter() - started) * 1000)
times.sort()
at = lambda q: times[min(len(times) - 1, int(round((len(times) - 1) * q)))]
print(f"{len(times)} checks, judge {judge}: p50 {at(0.5):.0f} ms, p90 {at(0.9):.0f} ms, mean {sum(times)/len(times):.0f} ms")
PY
