#!/usr/bin/env python3
"""Reference embeddings of all-MiniLM-L6-v2 (Hugging Face layout, F32 safetensors), for
Tests/SluiceModelTests (MiniLM through the Hugging Face loader).

A BERT forward pass written here in numpy over the same model.safetensors, tokenized by Hugging Face's
`tokenizers` with the model's tokenizer.json: embeddings (word + absolute position + token type 0), LayerNorm,
six post-norm layers (multi-head attention over the whole input, erf GELU), mean pooling over the tokens, then
L2 normalisation, as sentence-transformers' modules.json says. Stores the ids and each embedding as
little-endian float16, base64.

Usage:  "$(scripts/setup_hf_python.sh | tail -1)" scripts/make_minilm_fixtures.py
Env:    SLUICE_CACHE (default ~/.cache/sluice); the folder comes from `swift run sluice pull minilm`
"""
import base64
import json
import math
import os
import random
import struct
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

CACHE = os.environ.get("SLUICE_CACHE") or os.path.expanduser("~/.cache/sluice")
FOLDER = os.path.join(CACHE, "models", "all-minilm-l6-v2")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SluiceModelTests", "Resources",
                   "embeddings_minilm.json")

SENTENCES = [
    "What is the capital of France?", "Paris is the capital and most populous city of France.",
    "How do I reverse a linked list in place?", "The mitochondria is the powerhouse of the cell.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)",
    "SELECT name, COUNT(*) FROM users GROUP BY name HAVING COUNT(*) > 1;",
    "Café au lait, crème brûlée and a croissant, s'il vous plaît.",
    "Übergrößenträger müssen im Straßenverkehr besonders vorsichtig sein.", "東京は日本の首都です。",
    "北京是中国的首都，也是一座历史悠久的城市。", "Привет, как дела? Сегодня хорошая погода.",
    "I love pizza 🍕 and tacos 🌮!!!", "Interest rates rose by 0.25% to 5.50% on 26 July 2023.",
    "Error: ECONNREFUSED 127.0.0.1:5432 — is the database running?", "   leading and trailing spaces   ",
    "UPPERCASE TEXT SHOULD BE LOWERCASED BY AN UNCASED TOKENIZER",
    "email me at someone@example.com or visit https://example.org/path?q=1&r=2",
    "A cat sits on the mat.", "A dog is playing in the park.", "The stock market fell sharply today.",
    "Symptoms of vitamin D deficiency include fatigue and bone pain.", "git rebase -i HEAD~3",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism", "x", "?", "",
]


def texts():
    rng = random.Random(7)
    out = list(SENTENCES)
    while len(out) < 200:
        out.append(" ".join(rng.sample(SENTENCES, rng.randint(2, 7))))
    return out


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


ERF = np.vectorize(math.erf)


def embed(w, config, ids):
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps).astype(np.float64)
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        def linear(name, v):
            return v @ w[p + name + ".weight"].T.astype(np.float64) + w[p + name + ".bias"]
        q, k, v = (linear(f"attention.self.{m}", x) for m in ("query", "key", "value"))
        d = q.shape[1] // heads
        q, k, v = (t.reshape(n, heads, d).transpose(1, 0, 2) for t in (q, k, v))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        attended = (scores @ v).transpose(1, 0, 2).reshape(n, heads * d)
        x = layer_norm(x + linear("attention.output.dense", attended),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = linear("intermediate.dense", x)
        h = 0.5 * h * (1 + ERF(h / math.sqrt(2)))
        x = layer_norm(x + linear("output.dense", h), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main():
    if not os.path.isdir(FOLDER):
        sys.exit(f"missing {FOLDER}: run `swift run sluice pull minilm`")
    with open(os.path.join(FOLDER, "config.json")) as f:
        config = json.load(f)
    weights = load_file(os.path.join(FOLDER, "model.safetensors"))
    tokenizer = Tokenizer.from_file(os.path.join(FOLDER, "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    cases = []
    for text in texts():
        ids = tokenizer.encode(text).ids
        assert len(ids) <= 256, f"{len(ids)} tokens: keep the texts under sentence-transformers' max_seq_length"
        vector = embed(weights, config, ids)
        packed = struct.pack(f"<{len(vector)}e", *vector.tolist())
        cases.append({"text": text, "ids": ids, "embedding_f16": base64.b64encode(packed).decode()})
    fixture = {"model": "all-MiniLM-L6-v2", "reference": "numpy BERT over model.safetensors, tokenizers "
               + __import__("tokenizers").__version__, "dimensions": config["hidden_size"], "cases": cases}
    with open(OUT, "w") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
