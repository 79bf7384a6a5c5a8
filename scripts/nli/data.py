"""Training and measuring data for the entailment judge, beyond the pairs `verity train pairs` writes.

Every builder returns pairs as dicts {"premise", "hypothesis", "label", "source"} with label 0 supports, 1 refutes,
2 neutral (the order crates/embed reads). Each is deterministic given its `rng`, so an interrupted run rebuilds the
same epoch when it resumes.

- `fever_pairs`: FEVER train (CC BY-SA 3.0): SUPPORTS and REFUTES claims with their gold evidence, neutrals from
  NOT ENOUGH INFO claims paired with evidence about the same subject, and hard neutrals (on-topic sentences that
  were gold evidence for a different claim about the same subject).
- `citation_integrity_pairs`: biomedical citing sentences against the cited paper's rationale sentences (MIT).
- `flipped_pairs`: supported pairs with one word turned to its opposite (first/last, rose/fell, won/lost,
  approved/rejected ...) or a figure changed, on the evidence side or the claim side: refutations.
- `negation_benchmark`: the MNLI / SNLI / RTE pairs of Hossain et al. with negations added (measured only).
"""

import json
import os
import re

# Opposites news claims turn on. Each pair is used both ways. Only whole words are swapped, case kept.
NEWS_OPPOSITES = [
    ("first", "last"), ("rose", "fell"), ("rises", "falls"), ("risen", "fallen"), ("rising", "falling"),
    ("won", "lost"), ("wins", "loses"), ("win", "lose"), ("beat", "lost to"), ("approved", "rejected"),
    ("approves", "rejects"), ("accepted", "rejected"), ("increased", "decreased"), ("increases", "decreases"),
    ("increase", "decrease"), ("higher", "lower"), ("more", "fewer"), ("above", "below"), ("before", "after"),
    ("gained", "lost"), ("raised", "cut"), ("expanded", "shrank"), ("grew", "shrank"), ("opened", "closed"),
    ("passed", "failed"), ("supported", "opposed"), ("supports", "opposes"), ("allowed", "banned"),
    ("legal", "illegal"), ("largest", "smallest"), ("biggest", "smallest"), ("oldest", "youngest"),
    ("earliest", "latest"), ("highest", "lowest"), ("most", "least"), ("north", "south"), ("east", "west"),
    ("acquitted", "convicted"), ("hired", "fired"), ("joined", "left"), ("male", "female"),
    ("positive", "negative"), ("effective", "ineffective"), ("safe", "unsafe"), ("true", "false"),
    ("success", "failure"), ("successful", "unsuccessful"), ("always", "never"), ("everyone", "no one"),
    ("improved", "worsened"), ("reduces", "increases"), ("reduced", "increased"), ("lowered", "raised"),
]
_OPPOSITE = {}
for _a, _b in NEWS_OPPOSITES:
    _OPPOSITE.setdefault(_a, _b)
    _OPPOSITE.setdefault(_b, _a)
_OPPOSITE_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _OPPOSITE), key=len, reverse=True)) + r")\b",
                          re.I)
_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.]\d)")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def opposite(text, rng, shared_with=None):
    """`text` with one word from NEWS_OPPOSITES swapped for its opposite, or None when it has none. With
    `shared_with`, only a word that text also uses is swapped: the swap then changes what both sides state, not a
    detail the other side never mentions."""
    found = [m for m in _OPPOSITE_RE.finditer(text)
             if shared_with is None or re.search(rf"\b{re.escape(m.group(0))}\b", shared_with, re.I)]
    if not found:
        return None
    m = rng.choice(found)
    word = m.group(0)
    swap = _OPPOSITE[word.lower()]
    if word[0].isupper():
        swap = swap[0].upper() + swap[1:]
    return text[:m.start()] + swap + text[m.end():]


def changed_figure(text, rng, shared_with=None):
    """`text` with one figure changed (one that `shared_with` also states, when given), or None. Years move by a
    few years; other figures are scaled, so the change is never a rounding."""
    found = [m for m in _NUMBER_RE.finditer(text) if shared_with is None or m.group(0) in shared_with]
    if not found:
        return None
    m = rng.choice(found)
    raw = m.group(0)
    value = float(raw.replace(",", ""))
    if 1800 <= value <= 2100 and "." not in raw and "," not in raw:
        new = str(int(value) + rng.choice([-7, -3, -2, 2, 3, 6]))
    elif 3 < value <= 31 and "." not in raw:
        new = str(int(value) + rng.choice([-3, -2, 2, 4]))
    elif value <= 3:
        new = str(int(value) + rng.choice([3, 5, 10])) if "." not in raw else f"{value * 3:g}"
    else:
        scaled = value * rng.choice([0.25, 0.5, 2, 3, 10])
        new = f"{scaled:g}" if "." in raw else f"{int(round(scaled)):,}" if "," in raw else str(int(round(scaled)))
    return None if new == raw else text[:m.start()] + new + text[m.end():]


def flipped_pairs(supported, rng, share=1.0):
    """Refutations made from supported pairs: an opposite word or a changed figure on the evidence side (the
    sentence now says the reverse of the claim) or on the claim side. `share` is the fraction of pairs tried."""
    out = []
    for p in supported:
        if rng.random() >= share:
            continue
        side = rng.choice(("premise", "hypothesis"))
        other = "hypothesis" if side == "premise" else "premise"
        changed = opposite(p[side], rng, shared_with=p[other])
        how = "opposite"
        if changed is None or rng.random() < 0.3:
            figure = changed_figure(p[side], rng, shared_with=p[other])
            if figure is not None:
                changed, how = figure, "figure"
        if changed is None:
            continue
        flipped = dict(p)
        flipped[side] = changed
        flipped["label"] = 1
        flipped["source"] = f"{p['source'].split('-')[0]}-{how}-{side}"
        out.append(flipped)
    return out


_SUBJECT_RE = re.compile(r"^((?:The |A |An )?(?:[A-Z0-9][\w'.&-]*)(?: (?:of |the |de |and |van |von )?[A-Z0-9][\w'.&-]*)*)")


def subject(claim):
    """What a FEVER claim is about: its leading capitalised words ("Nikolaj Coster-Waldau", "The Beatles"), which
    name the Wikipedia page its evidence comes from."""
    m = _SUBJECT_RE.match(claim)
    return m.group(1).lower() if m else " ".join(claim.split()[:2]).lower()


def fever_pairs(path, rng, supports=30000, refutes=30000, nei=20000, hard_neutral=10000, max_sentences=2):
    """Pairs from FEVER train. Evidence of several sentences is joined (up to `max_sentences`; claims needing more
    are skipped: a judge reading one sentence at a time cannot be taught to need five)."""
    rows = read_jsonl(path)
    by_subject = {}
    for r in rows:
        if r["evidence"]:
            by_subject.setdefault(subject(r["claim"]), []).append(r)
    out = {"SUPPORTS": [], "REFUTES": [], "nei": [], "hard": []}
    for r in rows:
        label, claim, evidence = r["label"], r["claim"], r["evidence"]
        if label in ("SUPPORTS", "REFUTES") and evidence and len(evidence) <= max_sentences:
            out[label].append({"premise": " ".join(evidence), "hypothesis": claim,
                               "label": 0 if label == "SUPPORTS" else 1, "source": f"fever-{label.lower()}"})
        others = [o for o in by_subject.get(subject(claim), []) if o["id"] != r["id"]]
        if not others:
            continue
        own = set(evidence)
        pool = [s for o in others for s in o["evidence"] if s not in own]
        if not pool:
            continue
        sentence = rng.choice(pool)
        if label == "NOT ENOUGH INFO":
            out["nei"].append({"premise": sentence, "hypothesis": claim, "label": 2, "source": "fever-nei"})
        else:
            out["hard"].append({"premise": sentence, "hypothesis": claim, "label": 2, "source": "fever-hard-neutral"})
    wanted = {"SUPPORTS": supports, "REFUTES": refutes, "nei": nei, "hard": hard_neutral}
    pairs = []
    for key, rows_of in out.items():
        pairs.extend(rng.sample(rows_of, min(wanted[key], len(rows_of))))
    return pairs


CITATION_MARK = re.compile(r"\s*\[[^\]]*<\|[a-z_]+\|>[^\]]*\]|\s*<\|[a-z_]+\|>")


def citation_integrity_pairs(folder, split, rng=None):
    """Citing sentences (citation marks removed) against the cited paper's rationale sentences, joined; claims with
    no evidence against a cited paper's opening sentences, as neutral."""
    corpus = {d["doc_id"]: d["abstract"] for d in read_jsonl(os.path.join(folder, "corpus.jsonl"))}
    pairs = []
    for c in read_jsonl(os.path.join(folder, f"claims_{split}.jsonl")):
        claim = CITATION_MARK.sub("", c["claim"]).strip()
        if c.get("evidence"):
            for doc, sets in c["evidence"].items():
                sentences = corpus.get(int(doc))
                if not sentences:
                    continue
                for s in sets:
                    text = " ".join(sentences[i] for i in s["sentences"] if i < len(sentences))
                    if text:
                        pairs.append({"premise": text, "hypothesis": claim,
                                      "label": 0 if s["label"] == "SUPPORT" else 1,
                                      "source": f"citint-{s['label'].lower()}"})
        else:
            for doc in c.get("cited_doc_ids", [])[:1]:
                sentences = corpus.get(int(doc))
                if sentences:
                    pairs.append({"premise": sentences[0], "hypothesis": claim, "label": 2, "source": "citint-nei"})
    return pairs


NEGATION_LABEL = {"entailment": 0, "contradiction": 1, "neutral": 2, "not_entailment": 2}


def negation_benchmark(folder):
    """{subset: pairs} for MNLI, SNLI and RTE with negations added (Hossain et al. 2020). RTE is two-way:
    not_entailment is counted as neutral, and a judge's refutes counts as not_entailment when scored."""
    out = {}
    for name in ("MNLI", "SNLI", "RTE"):
        raw = open(os.path.join(folder, f"{name}.txt"), "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        pairs = []
        for line in text.splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 4 and parts[3].strip() in NEGATION_LABEL:
                pairs.append({"premise": parts[1], "hypothesis": parts[2],
                              "label": NEGATION_LABEL[parts[3].strip()], "source": f"negation-{name.lower()}"})
        out[name.lower()] = pairs
    return out
