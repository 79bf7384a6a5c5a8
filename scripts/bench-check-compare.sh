#!/usr/bin/env bash
# scripts/bench-check.sh's measurement for two builds in one run: each of the first N SciFact dev claims is checked
# by the build BEFORE and the build AFTER in turn (a fresh process per check, judge nli), so that the machine's load
# favours neither. Each build gets its own data directory (a newer build may migrate the store).
# Usage: scripts/bench-check-compare.sh BEFORE_BINARY AFTER_BINARY [N]
#   e.g. git worktree add /tmp/before OLD_COMMIT && (cd /tmp/before && cargo build --release -p verity-cli)
#        scripts/bench-check-compare.sh /tmp/before/target/release/verity target/release/verity 40
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?usage: scripts/bench-check-compare.sh BEFORE_BINARY AFTER_BINARY [N]}
AFTER=${2:?usage: scripts/bench-check-compare.sh BEFORE_BINARY AFTER_BINARY [N]}
N=${3:-40}
DATA="${VERITY_SHARED_DATA:-../shared/data}"
python3 - "$BEFORE" "$AFTER" "$N" "$DATA" <<'PY'
import json, os, subprocess, sys, time
before, after, n, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
claims = [json.loads(l)["claim"] for l in open(f"{data}/scifact/original/claims_dev.jsonl")][:n]
bins = {"before": before, "after": after}
dirs = {name: f"target/bench-check-compare/{name}" for name in bins}
for name, d in dirs.items():
    if not os.path.exists(f"{d}/verity.sqlite"):
        subprocess.run([bins[name], "--data-dir", d, "ingest", f"{data}/scifact/original/corpus.jsonl"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
times = {name: [] for name in bins}
for i, claim in enumerate(claims):
    for name in (["before", "after"] if i % 2 == 0 else ["after", "before"]):
        started = time.perf_counter()
        subprocess.run([bins[name], "--data-dir", dirs[name], "check", "--no-web", "--judge", "nli", "--json", claim],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times[name].append((time.perf_counter() - started) * 1000)
for name, t in times.items():
    t.sort()
    at = lambda q: t[min(len(t) - 1, int(round((len(t) - 1) * q)))]
    print(f"{name}: {len(t)} checks, judge nli: p50 {at(0.5):.0f} ms, p90 {at(0.9):.0f} ms, mean {sum(t)/len(t):.0f} ms")
PY
