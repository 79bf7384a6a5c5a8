#!/usr/bin/env bash
# Measures a judge on every dev set the issues name, and prints one table row: HealthVer dev pair macro F1, the
# negation benchmark's accuracy (MNLI / SNLI / RTE), Check-COVID dev verdict macro F1, SciFact dev abstract
# label-only F1, Climate-FEVER held-out macro F1, AVeriTeC held-out macro F1, Citation-Integrity dev label-only F1,
# the calibration error of each verdict set, and SciFact dev false refutations (claims with no evidence called
# refuted). Every JSON result is kept in OUT.
# Usage: scripts/eval-judge.sh OUT [verity flags, e.g. --guard unclear or --judge lexical]
# The entailment model can be swapped with VERITY_NLI_MODEL=DIR (a folder with config.json, tokenizer.json,
# model.safetensors). About 15 minutes on 2 cores with MiniLM, an hour with MPNet-base. Sets already measured into
# OUT are kept: run it again with the same OUT to go on after a stop (remove OUT to measure afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VERITY_SHARED_DATA:-../shared/data}"
OUT="$1"
shift
mkdir -p "$OUT"
verity=target/release/verity
[ -x "$verity" ] || cargo build --release --locked -p verity-cli
run() {
  local name=$1
  shift
  # A set already measured into OUT is kept, so a run that was stopped goes on from the next set.
  if [ -s "$OUT/$name.json" ]; then return; fi
  "$verity" --data-dir "$OUT/data-$name" eval "$@" --json > "$OUT/$name.json" 2> "$OUT/$name.err"
  rm -rf "$OUT/data-$name"
}
run healthver stance --healthver "$DATA/healthver/healthver_dev.csv" "$@"
run negation stance --negation "$DATA/nli/negation" "$@"
run check-covid verdict --check-covid "$DATA/check-covid" "$@"
run scifact verdict --scifact "$DATA/scifact/original" "$@"
run climate-fever verdict --climate-fever "$DATA/climate-fever/climate-fever.jsonl" "$@"
run averitec verdict --averitec "$DATA/averitec/train.json" --split heldout "$@"
run citation-integrity verdict --scifact "$DATA/citation-integrity" "$@"
python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
r = lambda name: json.load(open(os.path.join(out, name + ".json")))
neg = {x["dataset"].split()[-1]: x["accuracy"] for x in r("negation")}
sf, ci = r("scifact"), r("citation-integrity")
def false_refutes(result):
    # Rows gold (support, contradict, none), columns predicted: claims with no evidence called refuted.
    none = result["confusion"][2]
    return none[1] / max(1, sum(none))
row = {
    "healthver_macro_f1": r("healthver")["macro_f1"],
    "negation_accuracy_mnli": neg.get("MNLI"), "negation_accuracy_snli": neg.get("SNLI"),
    "negation_accuracy_rte": neg.get("RTE"),
    "check_covid_macro_f1": r("check-covid")["macro_f1"], "check_covid_ece": r("check-covid")["calibration_error"],
    "scifact_label_only_f1": 100 * sf["abstract_label_only"]["f1"], "scifact_ece": sf["calibration_error"],
    "scifact_false_refutes": false_refutes(sf), "scifact_p50_ms": sf["check_latency"]["p50_ms"],
    "climate_fever_macro_f1": r("climate-fever")["macro_f1"], "climate_fever_ece": r("climate-fever")["calibration_error"],
    "averitec_macro_f1": r("averitec")["macro_f1"], "averitec_ece": r("averitec")["calibration_error"],
    "citation_integrity_label_only_f1": 100 * ci["abstract_label_only"]["f1"],
}
json.dump(row, open(os.path.join(out, "summary.json"), "w"), indent=1)
print(json.dumps(row))
PY
