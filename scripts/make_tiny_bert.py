#!/usr/bin/env python3
"""Writes a tiny `bert` GGUF with pseudo-random weights and llama.cpp's mean-pooled embeddings of a few
token-id inputs, for Tests/SluiceModelTests/EncoderModelTests (the `bert` architecture: absolute
positions, token type 0, biases everywhere, GELU, post-norm LayerNorms).

Weights come from make_tiny_models.py's generator (SplitMix64, `(2u - 1) * scale + offset`), so the Swift
test rebuilds the same file from the JSON (TinyModelFixture.gguf(), with the keys in `extra`); the JSON
also records each tensor's FNV-1a checksum. The reference is `llama-server --embeddings --pooling mean`
(scripts/build_peer.sh) fed the token ids. CI does not run this; the JSON is committed. To regenerate:

    ~/.cache/sluice/peer-venv/bin/python scripts/make_tiny_bert.py

Output: Tests/SluiceModelTests/Resources/tiny_bert.json: make_tiny_models.py's fields ("positions" empty)
plus "inputs" (token-id lists) and "embeddings" (llama.cpp's unit vectors, 6 decimals).
"""
import json
import math
import os
import subprocess
import sys
import time
import urllib.request

import numpy as np
import gguf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tiny_models import uniform, fnv1a64  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("SLUICE_CACHE", os.path.expanduser("~/.cache/sluice"))
SERVER = os.path.join(CACHE, "peer", "bin", "llama-server")
PATH = os.path.join(CACHE, "tiny", "tiny_bert.gguf")
OUT = os.path.join(REPO, "Tests/SluiceModelTests/Resources/tiny_bert.json")
PORT = 8097

CONFIG = dict(vocab_size=320, context_length=128, block_count=2, embedding_length=64, feed_forward_length=128,
              head_count=4, layer_norm_epsilon=1e-12, seed=16)


def tensor_plan(c):
    hidden, ffn, vocab, ctx = c["embedding_length"], c["feed_forward_length"], c["vocab_size"], c["context_length"]

    def matrix(name, rows, cols, gain=1.0):
        return (name, (rows, cols), "f16", math.sqrt(3.0 / cols) * gain, 0.0)

    def bias(name, width):
        return (name, (width,), "f32", 0.3, 0.0)

    def norm(prefix):
        return [(prefix + ".weight", (hidden,), "f32", 0.2, 1.0), bias(prefix + ".bias", hidden)]

    plan = [("token_embd.weight", (vocab, hidden), "f16", 0.8, 0.0),
            ("token_types.weight", (2, hidden), "f32", 0.3, 0.0),
            ("position_embd.weight", (ctx, hidden), "f32", 0.3, 0.0)]
    plan += norm("token_embd_norm")
    for i in range(c["block_count"]):
        p = f"blk.{i}."
        for part in ("q", "k", "v"):
            plan.append(matrix(p + f"attn_{part}.weight", hidden, hidden, 1.5 if part != "v" else 1.0))
            plan.append(bias(p + f"attn_{part}.bias", hidden))
        plan.append(matrix(p + "attn_output.weight", hidden, hidden))
        plan.append(bias(p + "attn_output.bias", hidden))
        plan += norm(p + "attn_output_norm")
        plan.append(matrix(p + "ffn_up.weight", ffn, hidden))
        plan.append(bias(p + "ffn_up.bias", ffn))
        plan.append(matrix(p + "ffn_down.weight", hidden, ffn))
        plan.append(bias(p + "ffn_down.bias", hidden))
        plan += norm(p + "layer_output_norm")
    return plan


def write_model(c):
    os.makedirs(os.path.dirname(PATH), exist_ok=True)
    writer = gguf.GGUFWriter(PATH, "bert")
    writer.add_name(f"sluice tiny encoder, seed {c['seed']}")
    writer.add_context_length(c["context_length"])
    writer.add_embedding_length(c["embedding_length"])
    writer.add_block_count(c["block_count"])
    writer.add_feed_forward_length(c["feed_forward_length"])
    writer.add_head_count(c["head_count"])
    writer.add_layer_norm_eps(c["layer_norm_epsilon"])
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    # A WordPiece vocabulary llama.cpp accepts; the test feeds ids, so the pieces only need to exist.
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens = special + [f"w{i}" for i in range(c["vocab_size"] - len(special))]
    writer.add_tokenizer_model("bert")
    writer.add_token_list(tokens)
    writer.add_token_types([3] * len(special) + [1] * (len(tokens) - len(special)))
    writer.add_token_type_count(2)
    writer.add_unk_token_id(1)
    writer.add_bos_token_id(2)  # [CLS]
    writer.add_eos_token_id(3)  # [SEP]
    writer.add_sep_token_id(3)
    writer.add_pad_token_id(0)
    writer.add_mask_token_id(4)
    records = []
    for index, (name, shape, kind, scale, offset) in enumerate(tensor_plan(c)):
        seed = (c["seed"] << 16) | index
        scale = float(np.float32(scale))
        values = uniform(seed, int(np.prod(shape)), scale, offset).reshape(shape)
        if kind == "f16":
            values = values.astype(np.float16)
        writer.add_tensor(name, values)
        records.append({"name": name, "dimensions": list(reversed(shape)), "type": kind, "seed": seed,
                        "scale": scale, "offset": offset, "fnv1a64": fnv1a64(values.tobytes())})
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return records


def post(path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def main():
    c = CONFIG
    records = write_model(c)
    rng = np.random.default_rng(16)
    inputs = []
    for length in (1, 3, 9, 16, 17, 40, 77, 128):
        body = [int(t) for t in rng.integers(5, c["vocab_size"], size=max(0, length - 2))]
        inputs.append(([2] + body + [3])[:length] if length >= 2 else [2])
    server = subprocess.Popen([SERVER, "-m", PATH, "--embeddings", "--pooling", "mean", "--port", str(PORT),
                               "-c", "128", "-b", "128", "-ub", "128", "-np", "1", "-t", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except Exception:
                time.sleep(0.5)
        embeddings = []
        for ids in inputs:
            vector = np.asarray(post("/v1/embeddings", {"input": [ids], "encoding_format": "float"})["data"][0]["embedding"])
            embeddings.append([round(float(v), 6) for v in vector / np.linalg.norm(vector)])
    finally:
        server.terminate()
        server.wait()
    fixture = {
        "name": "bert", "peer": "llama-server --embeddings --pooling mean (llama-cpp-python 0.3.36's llama.cpp)",
        "config": {"architecture": "bert", "vocab_size": c["vocab_size"], "context_length": c["context_length"],
                   "block_count": c["block_count"], "embedding_length": c["embedding_length"],
                   "feed_forward_length": c["feed_forward_length"], "head_count": c["head_count"],
                   "head_count_kv": c["head_count"], "head_dim": c["embedding_length"] // c["head_count"],
                   "rms_epsilon": c["layer_norm_epsilon"],
                   "extra": {"attention.layer_norm_epsilon": ["float32", c["layer_norm_epsilon"]],
                             "pooling_type": ["uint32", 1]}},
        "tensors": records, "token_ids": [], "positions": [],
        "inputs": inputs, "embeddings": embeddings,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
