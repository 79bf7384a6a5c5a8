#!/usr/bin/env bash
# End-to-end cost of checking a whole text (`verity check --text`, --no-web, default judge) over a local archive:
# the first 1,500 words of CheckThat! 2024's English dev-test sentences (real debate sentences, in file order) as
# one text, over the SciFact corpus (5,183 abstracts) as the archive. Run 1 reads, scores, matches and checks the
# top 20 claims; run 2 checks the same text again, when every claim checked in run 1 is matched to its report and
# costs no new check. Prints the wall time of each run and what it did.
# Usage: scripts/bench-text.sh [WORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
WORDS=${1:-1500}
DATA="${VERITY_SHARED_DATA:-../shared/data}"
cargo build --release --locked -p verity-cli
BIN=target/release/verity
DIR=target/bench-text
rm -rf "$DIR" && mkdir -p "$DIR"
$BIN --data-dir "$DIR/data" ingest "$DATA/scifact/original/corpus.jsonl" >/dev/null 2>&1
python3 - "$DATA/checkworthiness/ct24_english_dev-test.tsv" "$WORDS" > "$DIR/text.txt" <<'PY'
import sys
rows = [l.rstrip("\r\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")][1:]
out, n = [], 0
for r in rows:
    if len(r) < 2 or n >= int(sys.argv[2]):
        continue
    out.append(r[1].replace('""', '"')); n += len(r[1].split())
print(" ".join(out))
PY
echo "text: $(wc -w < "$DIR/text.txt") words; archive: SciFact corpus; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for run in 1 2; do
  started=$(date +%s.%N)
  $BIN --data-dir "$DIR/data" check --no-web --json --text "$DIR/text.txt" > "$DIR/run$run.json" 2>/dev/null
  ended=$(date +%s.%N)
  python3 - "$DIR/run$run.json" "$run" "$started" "$ended" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
seconds = float(sys.argv[4]) - float(sys.argv[3])
print(f"run {sys.argv[2]}: {seconds:.2f} s wall; {len(r['sentences'])} sentences, {r['candidates']} claims to check: "
      f"{r['matched']} matched to past reports, {r['checked']} checked, {r['over_limit']} over the limit of {r['limit']}")
PY
done
