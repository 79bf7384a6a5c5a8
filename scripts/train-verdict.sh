#!/usr/bin/env bash
# Refits how judges' readings become verdicts, on the training splits of ../shared/data only (never a dev or
# held-out split): the thresholds and calibration of the entailment judge (crates/pipeline/judged.json, key `nli`),
# and the calibration of the lexical rules (crates/pipeline/calibration.json). Run it after scripts/train-nli.sh.
# About 40 minutes on 2 cores (every training claim is checked once).
# AVeriTeC's training folds are read to fit the verdict settings only (claims and labels; no weights are trained).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VERITY_SHARED_DATA:-../shared/data}"
cargo build --release --locked -p verity-cli
SETS=(--scifact "$DATA/scifact/original" --check-covid "$DATA/check-covid"
      --climate-fever "$DATA/climate-fever/climate-fever.jsonl" --averitec "$DATA/averitec/train.json")
target/release/verity --data-dir target train verdict "${SETS[@]}" --judge nli --out crates/pipeline/judged.json
target/release/verity --data-dir target train calibration --scifact "$DATA/scifact/original" \
  --check-covid "$DATA/check-covid" --climate-fever "$DATA/climate-fever/climate-fever.jsonl" \
  --out crates/pipeline/calibration.json
