#!/usr/bin/env python3
"""Reference class probabilities of Verity's shipped entailment model (crates/embed/models/verity-nli-minilm-l6),
computed with the independent NumPy implementation of BERT in `reference_embeddings.py` (float64, the f16 weights
widened). Verity's Rust cross-encoder must match them (`crates/embed/tests/embed.rs`). Needs `numpy` and `tokenizers`:

    python3 scripts/reference_cross.py crates/embed/models/verity-nli-minilm-l6 > crates/embed/tests/cross_reference.json

It was run once; the output is the committed fixture.
"""
import json
import sys

import numpy as np
from reference_embeddings import load_model, mean_state

PAIRS = [
    ("Vitamin D deficiency increases the risk of tuberculosis in adults.", "Low vitamin D raises tuberculosis risk."),
    ("Vitamin D deficiency increases the risk of tuberculosis in adults.", "Vitamin D has no effect on tuberculosis."),
    ("The city council approved new bus lanes on Harbor Avenue.", "The minister handed over informants."),
    ("The trial found no difference in mortality between the two groups (p = 0.41).", "The drug lowers mortality."),
    ("Masks reduced transmission by 53% in the pooled analysis.", "Masks reduce transmission."),
]


def main():
    t, tok = load_model(sys.argv[1])
    out = []
    for premise, hypothesis in PAIRS:
        e = tok.encode(premise, hypothesis)
        logits = mean_state(t, e.ids, e.type_ids) @ t["classifier.weight"].T + t["classifier.bias"]
        p = np.exp(logits - logits.max())
        p /= p.sum()
        out.append({"premise": premise, "hypothesis": hypothesis, "ids": e.ids,
                    "probabilities": [round(float(v), 7) for v in p]})
    json.dump({"model": "verity-nli-minilm-l6", "method": "scripts/reference_cross.py (NumPy, float64)", "pairs": out},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
