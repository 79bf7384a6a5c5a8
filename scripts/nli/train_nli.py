#!/usr/bin/env python3
"""Trains Verity's entailment judge: all-MiniLM-L6-v2 as a cross-encoder with a 3-way head
(supports / refutes / neutral for an (evidence sentence, claim) pair), on CPU, with PyTorch.

The architecture is exactly what crates/embed's candle code runs: BERT over "[CLS] premise [SEP] hypothesis [SEP]"
(token types 0 then 1), mean pooling over real tokens, one linear layer to three logits. Weights are written as
safetensors under the names candle's BertModel reads, plus `classifier.weight` / `classifier.bias`.

Data: the JSON Lines pairs `verity train pairs` writes (the data sets' training splits and hard neutrals mined with
Verity's own retrieval) and general NLI pairs from ../shared/data/nli. Checkpoints are chosen on a validation
slice of the *training* pairs (claims whose hash falls in one tenth); the dev sets (HealthVer dev, the dev pairs)
are only measured, every --eval-every steps, to draw the learning curve.

Usage: see scripts/train-nli.sh.
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

import data as training_data

LABELS = ["supports", "refutes", "neutral"]
NLI_LABEL = {"entailment": 0, "contradiction": 1, "neutral": 2}

# General NLI sets and their licences. Non-commercial ones are used only with --allow-noncommercial.
GENERAL = {
    "fever": ("fever_dev_2way/dev.jsonl", "CC BY-SA 3.0", False),
    "covidfact": ("covidfact/all.jsonl", "none stated upstream", False),
    "cad_snli": ("cad_snli/train.jsonl", "Apache-2.0", False),
    "snli": ("snli/dev.jsonl", "CC BY-SA 4.0", False),
    "snli_test": ("snli/test.jsonl", "CC BY-SA 4.0", False),
    "rte": ("rte/train.jsonl", "none stated", False),
    "anli": ("anli/r1_dev.jsonl,anli/r2_dev.jsonl,anli/r3_dev.jsonl", "CC BY-NC 4.0", True),
    "sick": ("sick/train.jsonl", "CC BY-NC-SA 3.0", True),
    "xnli": ("xnli_en/dev.jsonl,xnli_en/test.jsonl", "CC BY-NC 4.0", True),
}


def encoder_layers(config):
    """The post-layer-norm transformer layers BERT and MPNet share, under the names `hf_names` and `mpnet_names`
    map."""
    h, eps = config["hidden_size"], config["layer_norm_eps"]
    layers = nn.ModuleList()
    for _ in range(config["num_hidden_layers"]):
        layer = nn.Module()
        layer.q, layer.k, layer.v = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        layer.attn_out = nn.Linear(h, h)
        layer.attn_norm = nn.LayerNorm(h, eps=eps)
        layer.up = nn.Linear(h, config["intermediate_size"])
        layer.down = nn.Linear(config["intermediate_size"], h)
        layer.out_norm = nn.LayerNorm(h, eps=eps)
        layers.append(layer)
    return layers


def run_layers(encoder, x, bias):
    """`encoder`'s layers over embedded tokens `x` (batch × tokens × hidden), `bias` added to every attention score
    (the padding mask, and MPNet's relative positions)."""
    b, n, hidden = x.shape
    hd = hidden // encoder.heads
    split = lambda t: t.view(b, n, encoder.heads, hd).transpose(1, 2)
    for layer in encoder.layers:
        q, k, v = split(layer.q(x)), split(layer.k(x)), split(layer.v(x))
        attn = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype),
                                              dropout_p=0.1 if encoder.training else 0.0)
        attn = attn.transpose(1, 2).reshape(b, n, -1)
        x = layer.attn_norm(x + encoder.dropout(layer.attn_out(attn)))
        y = layer.down(F.gelu(layer.up(x)))
        x = layer.out_norm(x + encoder.dropout(y))
    return x


class Bert(nn.Module):
    """BERT as candle's BertModel computes it (post-layer-norm, GELU (erf), learned absolute positions)."""

    def __init__(self, config):
        super().__init__()
        h, self.heads = config["hidden_size"], config["num_attention_heads"]
        self.word = nn.Embedding(config["vocab_size"], h)
        self.position = nn.Embedding(config["max_position_embeddings"], h)
        self.token_type = nn.Embedding(config["type_vocab_size"], h)
        self.emb_norm = nn.LayerNorm(h, eps=config["layer_norm_eps"])
        self.layers = encoder_layers(config)
        self.dropout = nn.Dropout(config.get("hidden_dropout_prob", 0.1))

    def forward(self, ids, types, mask):
        n = ids.shape[1]
        pos = torch.arange(n, device=ids.device).unsqueeze(0)
        x = self.emb_norm(self.word(ids) + self.position(pos) + self.token_type(types))
        x = self.dropout(x)
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        return run_layers(self, x, bias)

    def load_hf(self, state):
        state = {k[len("bert."):] if k.startswith("bert.") else k: v for k, v in state.items()}
        self.load_state_dict({mine: state[theirs] for mine, theirs in hf_names(len(self.layers)).items()})


def hf_names(layers):
    """This module's parameter names -> the names in a Hugging Face / candle BERT checkpoint."""
    names = {
        "word.weight": "embeddings.word_embeddings.weight",
        "position.weight": "embeddings.position_embeddings.weight",
        "token_type.weight": "embeddings.token_type_embeddings.weight",
        "emb_norm.weight": "embeddings.LayerNorm.weight",
        "emb_norm.bias": "embeddings.LayerNorm.bias",
    }
    for i in range(layers):
        for mine, theirs in [("q", "attention.self.query"), ("k", "attention.self.key"),
                             ("v", "attention.self.value"), ("attn_out", "attention.output.dense"),
                             ("attn_norm", "attention.output.LayerNorm"), ("up", "intermediate.dense"),
                             ("down", "output.dense"), ("out_norm", "output.LayerNorm")]:
            for w in ("weight", "bias"):
                names[f"layers.{i}.{mine}.{w}"] = f"encoder.layer.{i}.{theirs}.{w}"
    return names


class MPNet(nn.Module):
    """MPNet as Hugging Face's MPNetModel computes it: BERT's post-layer-norm layers without token types, learned
    absolute positions counted from 2 (the padding index is 1), and a relative position bias (32 buckets, shared by
    every layer, one value per head) added to every attention score."""

    def __init__(self, config):
        super().__init__()
        h, self.heads = config["hidden_size"], config["num_attention_heads"]
        self.buckets = config.get("relative_attention_num_buckets", 32)
        self.word = nn.Embedding(config["vocab_size"], h)
        self.position = nn.Embedding(config["max_position_embeddings"], h)
        self.emb_norm = nn.LayerNorm(h, eps=config["layer_norm_eps"])
        self.relative = nn.Embedding(self.buckets, self.heads)
        self.layers = encoder_layers(config)
        self.dropout = nn.Dropout(config.get("hidden_dropout_prob", 0.1))

    @staticmethod
    def bucket(relative, buckets=32, max_distance=128):
        """T5's bidirectional buckets: half for keys after the query, exact up to a quarter, then logarithmic."""
        half = buckets // 2
        n = -relative
        out = (n < 0).long() * half
        n = n.abs()
        exact = half // 2
        large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(max_distance / exact)
                         * (half - exact)).long()
        large = torch.clamp(large, max=half - 1)
        return out + torch.where(n < exact, n, large)

    def forward(self, ids, types, mask):
        n = ids.shape[1]
        pos = torch.cumsum(mask, 1) * mask + 1
        x = self.dropout(self.emb_norm(self.word(ids) + self.position(pos)))
        steps = torch.arange(n, device=ids.device)
        relative = self.relative(self.bucket(steps[None, :] - steps[:, None], self.buckets))
        bias = relative.permute(2, 0, 1).unsqueeze(0).to(x.dtype)
        bias = bias + (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        return run_layers(self, x, bias)

    def load_hf(self, state):
        state = {k[len("mpnet."):] if k.startswith("mpnet.") else k: v for k, v in state.items()}
        self.load_state_dict({mine: state[theirs] for mine, theirs in mpnet_names(len(self.layers)).items()})


def mpnet_names(layers):
    """This module's parameter names -> the names in a Hugging Face MPNet checkpoint."""
    names = {
        "word.weight": "embeddings.word_embeddings.weight",
        "position.weight": "embeddings.position_embeddings.weight",
        "emb_norm.weight": "embeddings.LayerNorm.weight",
        "emb_norm.bias": "embeddings.LayerNorm.bias",
        "relative.weight": "encoder.relative_attention_bias.weight",
    }
    for i in range(layers):
        for mine, theirs in [("q", "attention.attn.q"), ("k", "attention.attn.k"), ("v", "attention.attn.v"),
                             ("attn_out", "attention.attn.o"), ("attn_norm", "attention.LayerNorm"),
                             ("up", "intermediate.dense"), ("down", "output.dense"),
                             ("out_norm", "output.LayerNorm")]:
            for w in ("weight", "bias"):
                names[f"layers.{i}.{mine}.{w}"] = f"encoder.layer.{i}.{theirs}.{w}"
    return names


class CrossEncoder(nn.Module):
    """An encoder (BERT or MPNet, by the config's model_type), mean pooling over real tokens, a 3-way linear head."""

    def __init__(self, config):
        super().__init__()
        self.mpnet = config.get("model_type") == "mpnet"
        self.bert = MPNet(config) if self.mpnet else Bert(config)
        self.drop = nn.Dropout(0.1)
        self.classifier = nn.Linear(config["hidden_size"], 3)

    def names(self):
        return (mpnet_names if self.mpnet else hf_names)(len(self.bert.layers))

    def forward(self, ids, types, mask):
        h = self.bert(ids, types, mask)
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.classifier(self.drop(pooled))


ANTONYMS = [("increases", "decreases"), ("increase", "decrease"), ("increased", "decreased"), ("higher", "lower"),
            ("more", "less"), ("positive", "negative"), ("improves", "worsens"), ("promotes", "inhibits"),
            ("activates", "inhibits"), ("enhances", "impairs"), ("reduces", "increases"), ("reduced", "increased"),
            ("greater", "smaller"), ("larger", "smaller"), ("effective", "ineffective"), ("safe", "unsafe"),
            ("before", "after"), ("common", "rare"), ("upregulates", "downregulates"), ("induces", "suppresses")]
AUXILIARY = re.compile(r"\b(is|are|was|were|can|could|will|would|may|might|has|have|had|does|do|did)\b")


def negated(claim):
    """The claim turned against itself, or None: 'X is Y' -> 'X is not Y', 'X is not Y' -> 'X is Y', an antonym
    swapped ('increases' -> 'decreases'). A premise that supports a claim refutes its negation."""
    if re.search(r"\b(not|no|never)\b", claim):
        out = re.sub(r"\s+\b(not|never)\b", "", claim, count=1)
        return out if out != claim else None
    for a, b in ANTONYMS:
        for x, y in ((a, b), (b, a)):
            if re.search(rf"\b{x}\b", claim):
                return re.sub(rf"\b{x}\b", y, claim, count=1)
    # The first auxiliary of the main clause: early, before any subordinate clause, and "has" only as a tense.
    head = re.split(r",|\b(that|which|where|who|when|if|because|although|while)\b", claim)[0]
    m = AUXILIARY.search(head)
    if not m or m.start() == 0 or len(head[:m.start()].split()) > 9:
        return None
    rest = claim[m.end():].split()
    if m.group(1) in ("has", "have", "had") and not (rest and re.search(r"(ed|en|wn)$", rest[0])):
        return None
    return claim[:m.end()] + " not" + claim[m.end():]


def renumbered(premise, claim, rng):
    """The claim with one of its numbers, one the premise also states, changed: refuted by that premise."""
    numbers = [n for n in re.findall(r"\d+(?:\.\d+)?", claim) if n in premise and n not in ("1", "2", "19")]
    if not numbers:
        return None
    n = rng.choice(numbers)
    value = float(n)
    other = value * rng.choice([2, 3, 0.5]) if value > 3 else value + rng.choice([3, 5, 10])
    text = f"{other:g}" if "." in n else str(int(round(other)))
    return None if text == n else claim.replace(n, text, 1)


_VERBS = None


def _verbs():
    """From crates/text/data/lexicon.txt (lemminflect's data): past and third-person forms mapped to ("did" or
    "does", base form), and the set of base forms. Forms that are also nouns or adjectives are left out: "results",
    "used", "known" read as verbs too often to be negated safely."""
    global _VERBS
    if _VERBS is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../crates/text/data/lexicon.txt")
        other, forms, bases = set(), {}, set()
        for line in open(path, encoding="utf-8"):
            parts = line.split()
            if not parts or parts[0] == "#":
                continue
            if parts[0] in ("n", "a", "r"):
                other.update(parts[1:])
            elif parts[0] == "v":
                bases.add(parts[1])
                if len(parts) >= 6:
                    lemma, past, third = parts[1], parts[2], parts[5]
                    forms[past] = ("did", lemma)
                    forms[third] = ("does", lemma)
        _VERBS = ({w: f for w, f in forms.items() if w not in other and len(w) > 3}, bases)
    return _VERBS


def verb_forms():
    return _verbs()[0]


def verb_bases():
    return _verbs()[1]


NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|cannot|without|fail(s|ed)?|den(y|ies|ied)|lack(s|ed)?)\b|n't\b", re.I)


def main_verb(premise):
    """The main clause's first verb of an evidence sentence with no negation of its own, or None:
    (head, words, index, kind, base) with kind "aux" ("is", "has" + participle), "did" (a past form), "does"
    (third person) or "do" (a plural subject's base form)."""
    if NEGATION.search(premise) or SUBORDINATE_OPENING.match(premise):
        return None
    head = re.split(r",|;|:|\(|\b(that|which|where|who|when|if|because|although|while|whereas)\b", premise)[0]
    words = head.split()
    for i, word in enumerate(words[:14]):
        bare = word.lower().strip(".")
        if i == 0:
            continue
        before = words[i - 1].lower()
        after = words[i + 1].lower() if i + 1 < len(words) else ""
        if AUXILIARY.fullmatch(bare):
            if bare in ("has", "have", "had") and not re.search(r"(ed|en|wn)$", after):
                return None
            return head, words, i, "aux", bare
        if re.fullmatch(r"[a-z]{2,}[^sui']s", before) and before not in NOT_BEFORE_A_VERB and bare in verb_bases():
            # "mutations cause ...": a plural subject's verb in its base form.
            return (head, words, i, "do", bare) if word.islower() else None
        form = verb_forms().get(bare)
        if form and word.islower():
            if form[0] == "did" and (before in NOT_BEFORE_A_VERB or after in REDUCED_RELATIVE):
                # "confirmed cases", "patients treated with": a participle, not the sentence's verb.
                return None
            return head, words, i, form[0], form[1]
    return None


# How an evidence sentence can deny its own main verb, by the verb's kind ({} is the base form, {w} the verb as
# written): plain negation, "never", and the failures and refusals news reports use.
DENIALS = {
    "aux": ["{w} not", "{w} never"],
    "did": ["did not {}", "never {w}", "failed to {}", "refused to {}"],
    "does": ["does not {}", "never {w}", "fails to {}", "refuses to {}"],
    "do": ["do not {}", "never {w}", "fail to {}", "refuse to {}"],
}
# And how it can say the act was only asked for, promised or planned: neither support nor refutation.
INTENTIONS = {
    "did": ["promised to {}", "planned to {}", "was urged to {}", "was expected to {}", "threatened to {}"],
    "does": ["promises to {}", "plans to {}", "is urged to {}", "is expected to {}"],
    "do": ["promise to {}", "plan to {}", "are urged to {}", "are expected to {}"],
}


def negated_premise(premise, rng=None):
    """The evidence sentence turned against itself, or None: "The council banned cars" -> "The council did not ban
    cars" (or "never banned", "failed to ban", "refused to ban"), "X is Y" -> "X is not Y". The first shipped judge
    read "The council did not ban cars downtown" as support for "The council banned cars downtown": it had only
    ever seen negation on the claim side. Only the main clause's first verb is negated."""
    found = main_verb(premise)
    if not found:
        return None
    head, words, i, kind, base = found
    template = DENIALS[kind][0] if rng is None else rng.choice(DENIALS[kind])
    return rebuild(premise, head, words, i, template.format(base, w=words[i]).split())


def intended_premise(premise, rng):
    """The evidence sentence with its main act only promised, planned or urged ("The council promised to ban
    cars"): neutral for the claim that the act happened. Promised is not done."""
    found = main_verb(premise)
    if not found or found[3] == "aux":
        return None
    head, words, i, kind, base = found
    return rebuild(premise, head, words, i, rng.choice(INTENTIONS[kind]).format(base).split())


SUBORDINATE_OPENING = re.compile(r"(because|although|though|while|whereas|if|when|as|since|that is|unless)\b", re.I)
NOT_BEFORE_A_VERB = {"the", "a", "an", "of", "in", "on", "for", "among", "with", "by", "to", "from", "and", "or",
                     "these", "those", "this", "its", "their", "our", "his", "her", "most", "more", "less", "newly",
                     "as", "at", "into", "under", "over", "than", "all", "some", "many", "both", "thus", "perhaps",
                     "always", "sometimes", "whereas", "towards", "afterwards", "besides", "regardless"}
REDUCED_RELATIVE = {"by", "with", "to", "in", "from", "at", "on", "for", "as", "into", "under", "via", "using"}
def rebuild(premise, head, words, i, replacement):
    new_head = " ".join(words[:i] + replacement + words[i + 1:])
    return new_head + premise[len(head.rstrip()):] if premise.startswith(head) else None


def augment(pairs, seed, premise_negation=False):
    """Refutations made from supported in-domain pairs: the claim negated, or a number changed; with
    premise_negation, also the evidence negated (refutes the claim, supports the claim's negation)."""
    rng = random.Random(seed)
    out = []
    for p in pairs:
        if p["label"] != 0 or not p.get("source", "").endswith("-gold"):
            continue
        if premise_negation and not p["source"].startswith("averitec"):
            # AVeriTeC premises open with the annotator's question: negating it says nothing.
            premise = negated_premise(p["premise"], rng)
            if premise:
                tag = p["source"].replace("-gold", "-premise-negated")
                out.append({"premise": premise, "hypothesis": p["hypothesis"], "label": 1, "source": tag})
                claim = negated(p["hypothesis"])
                if claim and rng.random() < 0.5:
                    out.append({"premise": premise, "hypothesis": claim, "label": 0, "source": tag})
            intended = intended_premise(p["premise"], rng)
            if intended:
                tag = p["source"].replace("-gold", "-premise-intended")
                out.append({"premise": intended, "hypothesis": p["hypothesis"], "label": 2, "source": tag})
        claim = negated(p["hypothesis"]) if rng.random() < 0.7 else renumbered(p["premise"], p["hypothesis"], rng)
        if claim is None:
            claim = renumbered(p["premise"], p["hypothesis"], rng) or negated(p["hypothesis"])
        if claim:
            out.append({"premise": p["premise"], "hypothesis": claim, "label": 1, "source": p["source"].replace("-gold", "-negated")})
    return out


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def held_out(hypothesis):
    """One tenth of the training claims, fixed by hash: the validation slice checkpoints are chosen on."""
    return int(hashlib.sha256(hypothesis.strip().lower().encode()).hexdigest(), 16) % 10 == 0


class Encoded:
    def __init__(self, tokenizer, pairs, max_len):
        self.ids, self.types, self.labels, self.sources = [], [], [], []
        encodings = tokenizer.encode_batch([(p["premise"], p["hypothesis"]) for p in pairs])
        for p, e in zip(pairs, encodings):
            self.ids.append(e.ids)
            self.types.append(e.type_ids)
            self.labels.append(p["label"])
            self.sources.append(p.get("source", ""))

    def __len__(self):
        return len(self.ids)


def batches(data, order, batch_size, rng):
    """Batches of similar length (sorted within windows of 50 batches), in an order drawn from `rng`: padding
    costs little, and a resumed run draws the same batches."""
    out = []
    window = batch_size * 50
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: len(data.ids[i]))
        out.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def collate(data, idx):
    n = max(len(data.ids[i]) for i in idx)
    ids = torch.zeros(len(idx), n, dtype=torch.long)
    types = torch.zeros(len(idx), n, dtype=torch.long)
    mask = torch.zeros(len(idx), n, dtype=torch.long)
    for r, i in enumerate(idx):
        k = len(data.ids[i])
        ids[r, :k] = torch.tensor(data.ids[i])
        types[r, :k] = torch.tensor(data.types[i])
        mask[r, :k] = 1
    return ids, types, mask, torch.tensor([data.labels[i] for i in idx])


@torch.no_grad()
def predict(model, data, batch_size=64, bf16=False):
    model.eval()
    order = sorted(range(len(data)), key=lambda i: len(data.ids[i]))
    probs = np.zeros((len(data), 3), dtype=np.float32)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        ids, types, mask, _ = collate(data, idx)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(ids, types, mask)
        p = torch.softmax(logits.float(), -1).numpy()
        probs[idx] = p
    model.train()
    return probs


def scores(gold, pred):
    gold, pred = np.asarray(gold), np.asarray(pred)
    f1 = []
    for c in range(3):
        tp = int(((gold == c) & (pred == c)).sum())
        denom = int((gold == c).sum() + (pred == c).sum())
        f1.append(2 * tp / denom if denom else 0.0)
    return {"accuracy": float((gold == pred).mean()) if len(gold) else 0.0, "macro_f1": float(np.mean(f1)),
            "f1": dict(zip(LABELS, [round(x, 4) for x in f1])), "n": int(len(gold))}


def evaluate(model, sets, bf16):
    out = {}
    for name, data in sets.items():
        probs = predict(model, data, bf16=bf16)
        if name == "dev_pairs":
            # One score per data set in the dev pairs.
            for source in sorted(set(s.rsplit("-", 1)[0] for s in data.sources)):
                idx = [i for i, s in enumerate(data.sources) if s.startswith(source)]
                out[source] = scores([data.labels[i] for i in idx], probs[idx].argmax(1))
        elif name == "negation_rte":
            # Two-way: refutes and neutral are both "not entailment".
            pred = np.where(probs.argmax(1) == 1, 2, probs.argmax(1))
            out[name] = scores(data.labels, pred)
            out[name]["macro_f1"] = out[name]["accuracy"]
        else:
            out[name] = scores(data.labels, probs.argmax(1))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", required=True, help="training pairs from `verity train pairs --split train`")
    ap.add_argument("--dev-pairs", help="pairs from `verity train pairs --split dev` (measured only)")
    ap.add_argument("--healthver", help="HealthVer dev CSV (measured only)")
    ap.add_argument("--negation", help="../shared/data/nli/negation (measured only)")
    ap.add_argument("--nli", help="../shared/data/nli")
    ap.add_argument("--general", default="fever:5000,covidfact:4086,cad_snli:4000,snli:3000,rte:1500",
                    help="general NLI sets drawn afresh each epoch, as name:pairs")
    ap.add_argument("--fever-train", help="../shared/data/fever_train/fever_train.jsonl")
    ap.add_argument("--fever-mix", default="30000,25000,15000,10000",
                    help="FEVER pairs per epoch: supports,refutes,not-enough-info neutrals,hard neutrals")
    ap.add_argument("--citation-integrity", help="../shared/data/citation-integrity (its train split is used)")
    ap.add_argument("--flip-share", type=float, default=0.0,
                    help="share of supported pairs also turned into refutations by an opposite word or a figure")
    ap.add_argument("--allow-noncommercial", action="store_true")
    ap.add_argument("--base", required=True, help="folder with model.safetensors, config.json, tokenizer.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--lr", type=float, default=6e-5, help="learning rate of the encoder")
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--in-domain-repeat", type=int, default=1)
    ap.add_argument("--augment", action="store_true", help="add refutations made by negating supported claims")
    ap.add_argument("--premise-negation", action="store_true",
                    help="with --augment, also negate the evidence of supported pairs")
    ap.add_argument("--exclude-claims", help="a file of claims (one per line) never trained on, e.g. held-out ones")
    ap.add_argument("--eval-every", type=int, default=400)
    ap.add_argument("--checkpoint-minutes", type=float, default=15.0,
                    help="write a resumable checkpoint (weights, optimizer, position, random state) this often")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt when it exists")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (CPUs with AVX-512 BF16 or AMX)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--measure-limit", type=int, default=1500,
                    help="pairs drawn (fixed seed) from the validation slice and the dev pairs for each measurement")
    ap.add_argument("--limit-steps", type=int, default=0, help="stop after this many steps (speed trials)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    checkpoint_path = os.path.join(args.out, "checkpoint.pt")
    resumed = torch.load(checkpoint_path, weights_only=False) if args.resume and os.path.exists(checkpoint_path) \
        else None
    if resumed:
        # The run goes on as it was started: its arguments, not today's, decide the data and the schedule.
        kept = {"resume", "limit_steps", "threads", "checkpoint_minutes", "eval_every"}
        for k, v in resumed["args"].items():
            if k not in kept:
                setattr(args, k, v)
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    started = time.time()

    def note(record):
        record["time"] = round(time.time() - started, 1)
        print(json.dumps(record), flush=True)
        log.write(json.dumps(record) + "\n")
        log.flush()

    config = json.load(open(os.path.join(args.base, "config.json")))
    tokenizer = Tokenizer.from_file(os.path.join(args.base, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(args.max_len, strategy="longest_first")

    label_of = {name: i for i, name in enumerate(LABELS)}
    in_domain = []
    for p in read_jsonl(args.pairs):
        p["label"] = label_of[p["label"]]
        in_domain.append(p)
    if args.exclude_claims:
        excluded = {line.strip().lower() for line in open(args.exclude_claims, encoding="utf-8") if line.strip()}
        in_domain = [p for p in in_domain if p["hypothesis"].strip().lower() not in excluded]
    train_pairs = [p for p in in_domain if not held_out(p["hypothesis"])]
    val_pairs = [p for p in in_domain if held_out(p["hypothesis"])]

    general_pool = {}
    used_sets = []
    if args.nli:
        for spec in filter(None, args.general.split(",")):
            name, n = spec.split(":")
            paths, licence, noncommercial = GENERAL[name]
            if noncommercial and not args.allow_noncommercial:
                sys.exit(f"{name} is {licence}: pass --allow-noncommercial to train on it")
            rows = []
            for path in paths.split(","):
                for r in read_jsonl(os.path.join(args.nli, path)):
                    if r.get("label") in NLI_LABEL:
                        rows.append({"premise": r["premise"], "hypothesis": r["hypothesis"],
                                     "label": NLI_LABEL[r["label"]], "source": "nli-" + name})
            if name == "covidfact":
                # Its premises are long and two thirds of its pairs contradictions: balanced, or a judge learns
                # that a long scientific passage refutes.
                by_label = {}
                for r in rows:
                    by_label.setdefault(r["label"], []).append(r)
                fewest = min(len(v) for v in by_label.values())
                rows = [r for v in by_label.values() for r in random.Random(11).sample(v, fewest)]
            general_pool[name] = (rows, int(n))
            used_sets.append({"set": name, "path": paths, "licence": licence, "per_epoch": int(n),
                              "available": len(rows)})
    citation_integrity = []
    if args.citation_integrity:
        citation_integrity = training_data.citation_integrity_pairs(args.citation_integrity, "train")
        used_sets.append({"set": "citation-integrity", "path": "citation-integrity/claims_train.jsonl",
                          "licence": "MIT", "per_epoch": len(citation_integrity),
                          "available": len(citation_integrity)})
    fever_mix = [int(x) for x in args.fever_mix.split(",")]
    if args.fever_train:
        used_sets.append({"set": "fever-train", "path": "fever_train/fever_train.jsonl", "licence": "CC BY-SA 3.0",
                          "per_epoch": sum(fever_mix), "available": 145449})

    measure = {}
    sample = lambda rows: random.Random(7).sample(rows, min(len(rows), args.measure_limit))
    val = Encoded(tokenizer, sample(val_pairs), args.max_len)
    measure["train_validation"] = val
    if args.dev_pairs:
        dev = read_jsonl(args.dev_pairs)
        for p in dev:
            p["label"] = label_of[p["label"]]
        measure["dev_pairs"] = Encoded(tokenizer, sample(dev), args.max_len)
    if args.healthver:
        import csv
        hv_label = {"Supports": 0, "Refutes": 1, "Neutral": 2}
        rows = list(csv.DictReader(open(args.healthver, encoding="utf-8")))
        hv = [{"premise": r["evidence"].strip(), "hypothesis": r["claim"].strip(), "label": hv_label[r["label"]]}
              for r in rows]
        hv_tok = Tokenizer.from_file(os.path.join(args.base, "tokenizer.json"))
        hv_tok.no_padding()
        hv_tok.enable_truncation(256, strategy="longest_first")
        measure["healthver_dev"] = Encoded(hv_tok, hv, 256)
    if args.negation:
        for subset, rows in training_data.negation_benchmark(args.negation).items():
            measure[f"negation_{subset}"] = Encoded(tokenizer, sample(rows), args.max_len)

    model = CrossEncoder(config)
    model.bert.load_hf(load_file(os.path.join(args.base, "model.safetensors")))
    nn.init.normal_(model.classifier.weight, std=0.02)
    nn.init.zeros_(model.classifier.bias)

    def epoch_data(epoch):
        """Everything one epoch trains on; a function of the seed and the epoch alone."""
        rng = random.Random(args.seed * 1000 + epoch)
        pairs = list(train_pairs) * args.in_domain_repeat
        if args.augment:
            pairs.extend(augment(train_pairs, args.seed + epoch, args.premise_negation))
        for name, (rows, n) in general_pool.items():
            pairs.extend(rng.sample(rows, min(n, len(rows))))
        pairs.extend(citation_integrity)
        if args.fever_train:
            fever = training_data.fever_pairs(args.fever_train, rng, *fever_mix)
            if args.augment and args.premise_negation:
                supported = [p for p in fever if p["label"] == 0]
                for p in rng.sample(supported, len(supported) // 4):
                    premise = negated_premise(p["premise"], rng)
                    if premise:
                        pairs.append({"premise": premise, "hypothesis": p["hypothesis"], "label": 1,
                                      "source": "fever-premise-negated"})
                    intended = intended_premise(p["premise"], rng)
                    if intended:
                        pairs.append({"premise": intended, "hypothesis": p["hypothesis"], "label": 2,
                                      "source": "fever-premise-intended"})
            pairs.extend(fever)
        if args.flip_share:
            supported = [p for p in pairs if p["label"] == 0]
            pairs.extend(training_data.flipped_pairs(supported, rng, args.flip_share))
        return pairs

    first = epoch_data(resumed["epoch"] if resumed else 0)
    per_epoch = math.ceil(len(first) / args.batch)
    total_steps = int(per_epoch * args.epochs)
    counts = np.bincount([p["label"] for p in first], minlength=3)
    # Class weights: inverse frequency, softened (square root) so neutral, the commonest, still counts.
    class_weight = torch.tensor((counts.sum() / (3 * np.maximum(counts, 1))) ** 0.5, dtype=torch.float32)
    if resumed:
        class_weight = resumed["class_weight"]
    sources = {}
    for p in first:
        key = p.get("source", "").split("-")[0]
        sources[key] = sources.get(key, 0) + 1
    note({"event": "resume" if resumed else "start", "train_pairs": len(train_pairs),
          "validation_pairs": len(val_pairs), "pairs_per_epoch": len(first), "label_counts": counts.tolist(),
          "sources": sources, "class_weight": class_weight.tolist(), "steps": total_steps, "args": vars(args)})

    no_decay = lambda n: n.endswith("bias") or "norm" in n
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in model.named_parameters() if not n.startswith("classifier") and not no_decay(n)],
         "lr": args.lr, "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if not n.startswith("classifier") and no_decay(n)],
         "lr": args.lr, "weight_decay": 0.0},
        {"params": [p for n, p in model.named_parameters() if n.startswith("classifier")], "lr": args.head_lr,
         "weight_decay": 0.0},
    ])
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    warmup = max(1, int(total_steps * args.warmup))

    def set_lr(step):
        scale = step / warmup if step < warmup else max(0.0, (total_steps - step) / max(1, total_steps - warmup))
        for g, lr in zip(optimizer.param_groups, base_lrs):
            g["lr"] = lr * scale

    best, step, epoch, batch_in_epoch = -1.0, 0, 0, 0
    running = []
    if resumed:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        best, step, epoch, batch_in_epoch = resumed["best"], resumed["step"], resumed["epoch"], resumed["batch"]
        random.setstate(resumed["python_rng"])
        torch.set_rng_state(resumed["torch_rng"])

    def save_checkpoint(next_batch):
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step, "epoch": epoch,
                 "batch": next_batch, "best": best, "class_weight": class_weight, "args": vars(args),
                 "python_rng": random.getstate(), "torch_rng": torch.get_rng_state()}
        torch.save(state, checkpoint_path + ".tmp")
        os.replace(checkpoint_path + ".tmp", checkpoint_path)
        note({"event": "checkpoint", "step": step, "epoch": epoch, "batch": next_batch})

    last_checkpoint = time.time()
    seen, clock = 0, time.time()
    model.train()
    while step < total_steps:
        pairs = first if epoch == (resumed["epoch"] if resumed else 0) else epoch_data(epoch)
        data_now = Encoded(tokenizer, pairs, args.max_len)
        order = list(range(len(data_now)))
        plan = batches(data_now, order, args.batch, random.Random(args.seed * 7919 + epoch))
        next_batch = batch_in_epoch
        for b in range(batch_in_epoch, len(plan)):
            idx = plan[b]
            if step >= total_steps or (args.limit_steps and step >= args.limit_steps):
                break
            next_batch = b + 1
            set_lr(step)
            ids, types, mask, labels = collate(data_now, idx)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(ids, types, mask)
            loss = F.cross_entropy(logits.float(), labels, weight=class_weight)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            seen += len(idx)
            running.append(loss.item())
            if step % 50 == 0:
                rate = seen / (time.time() - clock)
                left = (total_steps - step) * args.batch / max(rate, 1e-9)
                note({"event": "train", "step": step, "of": total_steps, "epoch": round(step / per_epoch, 3),
                      "loss": round(float(np.mean(running[-50:])), 4), "pairs_per_s": round(rate, 2),
                      "hours_left": round(left / 3600, 2)})
            if step % args.eval_every == 0 or step == total_steps:
                result = evaluate(model, measure, args.bf16)
                note({"event": "eval", "step": step, "epoch": round(step / per_epoch, 3), **result})
                score = result["train_validation"]["macro_f1"]
                if score > best:
                    best = score
                    export(model, args, config, result, step, used_sets, len(train_pairs), "best")
                export(model, args, config, result, step, used_sets, len(train_pairs), "last")
                seen, clock = 0, time.time()
            if time.time() - last_checkpoint >= args.checkpoint_minutes * 60:
                save_checkpoint(b + 1)
                last_checkpoint = time.time()
        if args.limit_steps and step >= args.limit_steps:
            save_checkpoint(next_batch)
            break
        epoch += 1
        batch_in_epoch = 0
    if not args.limit_steps or step >= total_steps:
        note({"event": "done", "steps": step, "best_train_validation_macro_f1": best})


def export(model, args, config, result, step, used_sets, train_pairs, tag):
    """Writes the weights in candle's names, f16, beside the provenance."""
    state = {}
    mapping = model.names()
    bert_state = model.bert.state_dict()
    for mine, theirs in mapping.items():
        state[theirs] = bert_state[mine].detach().to(torch.float16).contiguous()
    state["classifier.weight"] = model.classifier.weight.detach().to(torch.float16).contiguous()
    state["classifier.bias"] = model.classifier.bias.detach().to(torch.float16).contiguous()
    folder = os.path.join(args.out, tag)
    os.makedirs(folder, exist_ok=True)
    save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    json.dump(config, open(os.path.join(folder, "config.json"), "w"), indent=1)
    json.dump({"step": step, "scores": result, "general_sets": used_sets, "in_domain_training_pairs": train_pairs,
               "args": vars(args)}, open(os.path.join(folder, "training.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
