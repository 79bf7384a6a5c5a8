#!/usr/bin/env python3
"""Drafts the claim-reader suite: yes/no questions people would ask, each with the claim it must read as, from the
training-split claims of SciFact (CC BY 4.0) and Check-COVID (MIT).

A claim becomes the question its main verb allows: "X increases Y." -> "Does X increase Y?", "X was found in Y."
-> "Was X found in Y?", "X reduced Y." -> "Did X reduce Y?". Claims whose main verb this script cannot place are
left out. The draft is reviewed by hand before it becomes crates/pipeline/tests/claim_reader.tsv: every
question there was read and, where this script phrased it badly, rewritten or dropped.

Usage: scripts/claim_suite.py ../shared/data > draft.tsv
"""

import json
import random
import re
import sys

AUX = {"is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "may", "might", "must",
       "does", "do", "did"}
IRREGULAR = {"was": "be", "were": "be", "became": "become", "began": "begin", "brought": "bring", "built": "build",
             "bought": "buy", "caught": "catch", "came": "come", "did": "do", "drew": "draw", "drove": "drive",
             "fell": "fall", "felt": "feel", "fought": "fight", "found": "find", "gave": "give", "went": "go",
             "grew": "grow", "had": "have", "heard": "hear", "held": "hold", "kept": "keep", "knew": "know",
             "led": "lead", "left": "leave", "lost": "lose", "made": "make", "meant": "mean", "met": "meet",
             "paid": "pay", "ran": "run", "rose": "rise", "said": "say", "saw": "see", "sold": "sell", "sent": "send",
             "shot": "shoot", "spent": "spend", "stood": "stand", "stole": "steal", "struck": "strike",
             "took": "take", "taught": "teach", "told": "tell", "thought": "think", "threw": "throw",
             "understood": "understand", "won": "win", "wrote": "write", "spread": "spread", "cut": "cut",
             "put": "put", "set": "set", "shut": "shut", "hit": "hit", "let": "let", "quit": "quit"}
NOT_VERBS = {"this", "its", "his", "has", "was", "less", "gas", "bus", "plus", "thus", "virus", "status", "focus",
             "bias", "analysis", "process", "access", "loss", "mass", "stress", "basis", "diagnosis", "class", "us",
             "series", "species", "versus", "alias", "axis", "crisis", "sepsis", "fibrosis", "stenosis",
             "apoptosis", "metastasis", "tuberculosis", "always", "sometimes", "perhaps", "news", "cells", "levels",
             "patients", "mice", "rates", "genes", "tumors", "tumours", "proteins", "studies", "cases", "deaths",
             "workers", "people", "children", "adults", "women", "men", "years", "days", "months", "weeks"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "all", "every", "each",
               "one", "two", "no", "any", "several", "certain", "more", "fewer", "less", "recent", "new"}


def base_of_s(word):
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z|o)es$", w):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return None


def base_of_ed(word):
    w = word.lower()
    if w in IRREGULAR:
        return IRREGULAR[w]
    if not w.endswith("ed") or len(w) < 5:
        return None
    stem = w[:-2]
    if w.endswith("ied"):
        return w[:-3] + "y"
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]  # stopped -> stop
    if re.search(r"(at|iz|is|ut|ac|ag|ul|uc|ud|ot|ir|rg|rv|uc|ov|iv|ng|ed|as|ib|ur)$", stem) or stem.endswith("us"):
        return stem + "e"  # activated -> activate
    return stem


def lower_first(word):
    return word[0].lower() + word[1:] if word.isalpha() and word[1:].islower() else word


def question(claim):
    text = claim.strip().rstrip(".")
    if "?" in text or ";" in text or len(text.split()) > 30 or len(text.split()) < 4:
        return None
    words = text.split()
    for i, w in enumerate(words[1:8], start=1):
        lw = w.lower().strip(",")
        prev = words[i - 1].lower()
        if prev in DETERMINERS or prev in {"of", "in", "with", "for", "to", "and", "by", "on"}:
            continue
        subject = " ".join([lower_first(words[0])] + words[1:i])
        rest = " ".join(words[i + 1:])
        if lw in AUX:
            if lw in {"does", "do", "did"}:
                return None
            return f"{lw.capitalize()} {subject} {rest}?".replace("  ", " ")
        if lw in NOT_VERBS or not lw.isalpha() or w[0].isupper():
            continue
        b = base_of_ed(lw)
        if b:
            return f"Did {subject} {b} {rest}?".replace(" ?", "?")
        b = base_of_s(lw)
        if b and i >= 1:
            return f"Does {subject} {b} {rest}?".replace(" ?", "?")
    return None


def main():
    data = sys.argv[1]
    random.seed(2026)
    rows = []
    scifact = [json.loads(l)["claim"] for l in open(f"{data}/scifact/original/claims_train.jsonl")]
    covid = [json.loads(l)["claim"] for l in open(f"{data}/check-covid/train/covidCheck_train_composed+extracted.json")]
    for name, claims, n in [("scifact-train", scifact, 200), ("check-covid-train", covid, 160)]:
        random.shuffle(claims)
        taken = 0
        for c in claims:
            q = question(c)
            if q and taken < n:
                rows.append((q, c.strip().rstrip(".") + ".", name))
                taken += 1
    for q, c, name in rows:
        print(f"{q}\t{c}\t{name}")


if __name__ == "__main__":
    main()
