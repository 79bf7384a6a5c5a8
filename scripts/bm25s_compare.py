#!/usr/bin/env python3
"""Side by side on one BEIR folder: Verity's BM25 and the Python library bm25s (https://pypi.org/project/bm25s/).

Both rank the top 100 documents for the same queries of the same split, scored with the same nDCG@10 (BEIR's
definition: graded gains, log2 discount, ideal ordering of the judged documents). bm25s is timed twice: one query
per call (as a search service answers, and as Verity is timed) and all queries in one batched call (bm25s' own
benchmark setting). One thread each; the timings cover tokenising the query and ranking, not naming documents.

    pip install bm25s PyStemmer
    python3 scripts/bm25s_compare.py ../shared/data/scifact/beir [--split test] [--verity target/release/verity]
"""
import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEPTH = 100


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, grade = line.rstrip("\n").split("\t")[:3]
            qrels.setdefault(qid, {})[did] = int(grade)
    return qrels


def ndcg_at(ranked, relevant, k=10):
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def run_bm25s(corpus, queries, qrels):
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    ids = [d["_id"] for d in corpus]
    texts = [(d.get("title", "") + " " + d.get("text", "")).strip() for d in corpus]
    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    index_s = time.perf_counter() - started

    qids = sorted(q for q in qrels if q in queries)
    k = min(DEPTH, len(ids))
    ranked, latencies = {}, []
    for qid in qids:
        started = time.perf_counter()
        tokens = bm25s.tokenize([queries[qid]], stopwords="en", stemmer=stemmer, show_progress=False)
        docs, _ = retriever.retrieve(tokens, k=k, n_threads=1, show_progress=False)
        latencies.append((time.perf_counter() - started) * 1000)
        ranked[qid] = [ids[i] for i in docs[0]]
    started = time.perf_counter()
    tokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.retrieve(tokens, k=k, n_threads=1, show_progress=False)
    batched_s = time.perf_counter() - started
    ndcg = sum(ndcg_at(ranked[q], qrels[q]) for q in qids) / len(qids)
    latencies.sort()
    return {
        "ndcg_at_10": ndcg,
        "queries": len(qids),
        "index_seconds": index_s,
        "p50_ms": latencies[len(latencies) // 2],
        "qps_one_by_one": len(qids) / (sum(latencies) / 1000),
        "qps_batched": len(qids) / batched_s,
    }


def run_verity(binary, beir, split):
    with tempfile.TemporaryDirectory() as data_dir, tempfile.TemporaryDirectory() as no_models:
        out = subprocess.run(
            [binary, "--data-dir", data_dir, "eval", "retrieval", "--beir", beir, "--split", split,
             "--models", no_models, "--depth", str(DEPTH), "--json"],
            check=True, capture_output=True, text=True,
        )
    result = json.loads(out.stdout)
    s = result["splits"][0]
    return {
        "ndcg_at_10": s["bm25"]["ndcg_at_10"],
        "queries": s["queries"],
        "index_seconds": result["ingest_seconds"],
        "p50_ms": s["bm25_latency"]["p50_ms"],
        "qps_one_by_one": 1000 / s["bm25_latency"]["mean_ms"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("beir")
    parser.add_argument("--split", default="test")
    parser.add_argument("--verity", default="target/release/verity")
    args = parser.parse_args()
    beir = Path(args.beir)
    if not Path(args.verity).exists():
        sys.exit(f"no Verity binary at {args.verity}: run `cargo build --release` first, or pass --verity")
    corpus = read_jsonl(beir / "corpus.jsonl")
    queries = {str(q["_id"]): q["text"] for q in read_jsonl(beir / "queries.jsonl")}
    qrels = read_qrels(beir / "qrels" / f"{args.split}.tsv")
    rows = {"verity (tantivy BM25)": run_verity(args.verity, str(beir), args.split),
            "bm25s (PyStemmer, en stopwords)": run_bm25s(corpus, queries, qrels)}
    print(f"{beir} ({args.split}, {len(corpus)} documents)")
    print(f"{'':34} {'nDCG@10':>8} {'index s':>8} {'p50 ms':>7} {'q/s one by one':>15} {'q/s batched':>12}")
    for name, r in rows.items():
        batched = f"{r['qps_batched']:.0f}" if "qps_batched" in r else "-"
        print(f"{name:34} {r['ndcg_at_10']:8.4f} {r['index_seconds']:8.2f} {r['p50_ms']:7.2f} "
              f"{r['qps_one_by_one']:15.0f} {batched:>12}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
