#!/usr/bin/env bash
# Refits how judges' readings become verdicts, on the training splits of ../shared/data only (never a dev or
# held-out split): the thresholds and calibration of the entailment judge (crates/pipeline/judged.json, key `nli`),
# and the calibration of the lexical rules (crates/pipeline/calibration.json). Run it after scripts/train-nli.sh.
# About 40 minutes on 2 cores (every training claim is checked once).
# AVeriTeC's training folds are read to fit the verdict settings only (claims and labels; no weights are trained).
# For an installable judge, name its folder: VERITY_NLI_MODEL=DIR scripts/train-verdict.sh fits the settings of that
# model alone and writes them into DIR/verdict.json (what scripts/package-judge.sh packs with it), on the first
# ${VERITY_VERDICT_LIMIT:-300} claims of each training set (a base-size model reads about 10 pairs a second here).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VERITY_SHARED_DATA:-../shared/data}"
cargo build --release --locked -p verity-cli
SETS=(--scifact "$DATA/scifact/original" --check-covid "$DATA/check-covid"
      --climate-fever "$DATA/climate-fever/climate-fever.jsonl" --averitec "$DATA/averitec/train.json")
if [ -n "${VERITY_NLI_MODEL:-}" ]; then
  target/release/verity --data-dir target train verdict "${SETS[@]}" --judge nli --limit "${VERITY_VERDICT_LIMIT:-300}" \
    --out "$VERITY_NLI_MODEL"
  exit 0
fi
target/release/verity --data-dir target train verdict "${SETS[@]}" --judge nli --out crates/pipeline/judged.json
target/release/verity --data-dir target train calibration --scifact "$DATA/scifact/original" \
  --check-covid "$DATA/check-covid" --climate-fever "$DATA/climate-fever/climate-fever.jsonl" \
  --out crates/pipeline/calibration.json
