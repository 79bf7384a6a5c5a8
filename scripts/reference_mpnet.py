#!/usr/bin/env python3
"""A tiny MPNet cross-encoder and its reference class probabilities, for the Rust encoder's MPNet test.

The model is small enough to commit (two layers, 32 wide, a word-piece vocabulary of the test sentences' words) and
has random weights drawn from a fixed seed: it tests the arithmetic (embeddings counted from the padding index plus
one, no segment embeddings, the relative position bias, RoBERTa's pair layout `<s> A </s></s> B </s>`), not
judgement. The probabilities are computed by an independent NumPy implementation of MPNet in float64. Needs `numpy`
and `tokenizers`:

    python3 scripts/reference_mpnet.py crates/embed/tests/tiny-mpnet > crates/embed/tests/mpnet_reference.json

It was run once; its outputs are the committed fixtures.
"""
import json
import math
import os
import re
import struct
import sys

import numpy as np
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

PAIRS = [
    ("The council did not ban cars downtown.", "The council banned cars downtown."),
    ("Shares fell 9% after the results.", "Shares rose after the results."),
    ("The team lost 3-1 to Leeds in a long match that went on well past the usual time, with many chances "
     "missed on both sides and a late goal.", "The team beat Leeds."),
    ("A short one.", "Unknown words like zyxwvut."),
]
CONFIG = {"model_type": "mpnet", "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 64,
          "num_hidden_layers": 2, "max_position_embeddings": 514, "relative_attention_num_buckets": 32,
          "layer_norm_eps": 1e-05, "hidden_act": "gelu", "pad_token_id": 1, "vocab_size": 0}


def tokenizer(words):
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "[UNK]": 3}
    for w in words:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tok.decoder = decoders.WordPiece()
    return tok, len(vocab)


def weights(vocab, rng):
    h, f, heads = CONFIG["hidden_size"], CONFIG["intermediate_size"], CONFIG["num_attention_heads"]
    w = lambda *shape: rng.normal(0, 0.3, shape).astype(np.float32)
    t = {"embeddings.word_embeddings.weight": w(vocab, h),
         "embeddings.position_embeddings.weight": w(CONFIG["max_position_embeddings"], h),
         "embeddings.LayerNorm.weight": 1 + w(h), "embeddings.LayerNorm.bias": w(h),
         "encoder.relative_attention_bias.weight": rng.normal(0, 1.0, (32, heads)).astype(np.float32),
         "classifier.weight": w(3, h), "classifier.bias": w(3)}
    for i in range(CONFIG["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for name in ("q", "k", "v", "o"):
            t[p + f"attention.attn.{name}.weight"], t[p + f"attention.attn.{name}.bias"] = w(h, h), w(h)
        t[p + "attention.LayerNorm.weight"], t[p + "attention.LayerNorm.bias"] = 1 + w(h), w(h)
        t[p + "intermediate.dense.weight"], t[p + "intermediate.dense.bias"] = w(f, h), w(f)
        t[p + "output.dense.weight"], t[p + "output.dense.bias"] = w(h, f), w(h)
        t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"] = 1 + w(h), w(h)
    return t


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def bucket(distance, buckets=32, max_distance=128):
    """T5's bidirectional bucket of a key `distance` positions after the query."""
    half = buckets // 2
    out = half if distance > 0 else 0
    n = abs(distance)
    exact = half // 2
    if n < exact:
        return out + n
    return out + min(half - 1, int(exact + math.log(n / exact) / math.log(max_distance / exact) * (half - exact)))


def probabilities(t, ids):
    c = CONFIG
    n, heads, eps = len(ids), c["num_attention_heads"], c["layer_norm_eps"]
    t = {k: v.astype(np.float64) for k, v in t.items()}
    positions = np.arange(n) + c["pad_token_id"] + 1
    x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][positions]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
    d = x.shape[1] // heads
    rel = np.array([[bucket(k - q) for k in range(n)] for q in range(n)])
    bias = t["encoder.relative_attention_bias.weight"][rel].transpose(2, 0, 1)  # heads × n × n
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda h, name: h @ t[p + name + ".weight"].T + t[p + name + ".bias"]
        q, k, v = (lin(x, f"attention.attn.{s}").reshape(n, heads, d).transpose(1, 0, 2) for s in "qkv")
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(1, 0, 2).reshape(n, heads * d)
        x = layer_norm(lin(ctx, "attention.attn.o") + x, t[p + "attention.LayerNorm.weight"],
                       t[p + "attention.LayerNorm.bias"], eps)
        hidden = lin(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + np.vectorize(math.erf)(hidden / math.sqrt(2.0)))
        x = layer_norm(lin(hidden, "output.dense") + x, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"],
                       eps)
    logits = x.mean(0) @ t["classifier.weight"].T + t["classifier.bias"]
    e = np.exp(logits - logits.max())
    return e / e.sum()


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    words = sorted({w for pair in PAIRS for text in pair for w in re.findall(r"\w+|[^\w\s]", text.lower())}
                   - {"zyxwvut"})
    tok, vocab = tokenizer(words)
    tok.save(os.path.join(folder, "tokenizer.json"))
    config = dict(CONFIG, vocab_size=vocab)
    CONFIG.update(config)
    json.dump(config, open(os.path.join(folder, "config.json"), "w"), indent=1)
    tensors = weights(vocab, np.random.default_rng(20261207))
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
    out = []
    for premise, hypothesis in PAIRS:
        e = tok.encode(premise, hypothesis)
        out.append({"premise": premise, "hypothesis": hypothesis, "ids": e.ids,
                    "probabilities": [round(float(v), 7) for v in probabilities(tensors, e.ids)]})
    json.dump({"model": "tiny random MPNet", "method": "scripts/reference_mpnet.py (NumPy, float64)", "pairs": out},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
