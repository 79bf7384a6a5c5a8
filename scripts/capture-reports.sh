#!/usr/bin/env bash
# Captures the reports (JSON) that fixed questions over fixed archives produce, to compare a refactoring's
# before and after byte for byte (issue #27): `scripts/capture-reports.sh OUT`, then `diff -r BEFORE AFTER`.
# Run both captures on the same day (reports carry their date); report ids (random per check) are masked. Archives and questions:
#   newsroom      examples/newsroom, 10 questions, with the nli and the lexical judge;
#   scifact       SciFact's 5,183 abstracts, its first 30 dev claims as questions (nli);
#   check-covid   Check-COVID's corpus, its first 20 dev claims (nli);
#   climate-fever Climate-FEVER's local corpus, its first 20 claims (nli).
# Web off; semantic search off (no model in the data directory): BM25 alone, as CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/capture-reports.sh OUT}
data="${VERITY_SHARED_DATA:-../shared/data}"
cargo build --release --locked -p verity-cli >/dev/null
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export VERITY_NO_WEB=1
python3 - "$out" "$work" "$data" <<'PY'
import json, os, re, subprocess, sys
out, work, data = sys.argv[1:4]
verity = "target/release/verity"

def claims(path, key, n):
    found = []
    for line in open(path):
        line = line.strip()
        if line:
            found.append(json.loads(line)[key])
        if len(found) == n:
            break
    return found

newsroom = [
    "Did Minister Okafor hand over protected informants to get access to a prison in Norland?",
    "Did the ministry deny handing over informants?",
    "Did Norland grant access to the prison?",
    "Did Minister Okafor promise to withdraw protections for informants?",
    "Was the Capital Ledger first to report the informant deal?",
    "Did the opposition call for Minister Okafor to resign?",
    "Did the prison visit take place in March?",
    "Is it true that informants were harmed after the handover?",
    "Did the parliament open an inquiry into the informant deal?",
    "Did Minister Okafor resign?",
]
archives = [
    ("newsroom", "examples/newsroom", newsroom, ["nli", "lexical"]),
    ("scifact", f"{data}/scifact/original/corpus.jsonl",
     claims(f"{data}/scifact/original/claims_dev.jsonl", "claim", 30), ["nli"]),
    ("check-covid", f"{data}/check-covid/corpus.json",
     claims(f"{data}/check-covid/dev/covidCheck_dev_composed+extracted.json", "claim", 20), ["nli"]),
    ("climate-fever", f"{data}/climate-fever/derived_local_beir/corpus.jsonl",
     claims(f"{data}/climate-fever/derived_local_beir/queries.jsonl", "text", 20), ["nli"]),
]
for name, source, questions, judges in archives:
    dir = os.path.join(work, name)
    subprocess.run([verity, "--data-dir", dir, "ingest", source], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for judge in judges:
        folder = os.path.join(out, name, judge)
        os.makedirs(folder, exist_ok=True)
        for i, question in enumerate(questions):
            done = subprocess.run([verity, "--data-dir", dir, "check", "--judge", judge, "--json", question],
                                  capture_output=True, text=True)
            # The temporary folder's name differs from run to run.
            body = done.stdout if done.returncode == 0 else f"exit {done.returncode}: {done.stderr}".replace(work, "WORK")
            # A report's id (and the slug that ends with it) is new for every check: masked.
            body = re.sub(r'^  "(id|slug)": "[^"]*",$', r'  "\1": "(masked)",', body, flags=re.M)
            with open(os.path.join(folder, f"{i:02d}.json"), "w") as f:
                f.write(body)
    print(f"{name}: {len(questions)} questions x {len(judges)} judges", flush=True)
PY
