#!/usr/bin/env python3
"""Writes tiny Llama-family GGUF models with pseudo-random weights and llama.cpp's logits for them.

The forward pass is checked against llama.cpp on SmolLM2 (arch llama, tied output, Q4_1) by
scripts/make_fixtures.py. These tiny models cover the other paths: arch qwen2 (NeoX RoPE, Q/K/V
biases), untied output, GQA groups of 2 and 4, head dims 16, 32 and 128, F32 and F16 weights, and
rope.freq_base explicit or left to its default. No GGUF file is committed: the weights come from a
generator that Tests/SluiceModelTests/TinyModelTests.swift implements bit for bit, and the JSON
records each tensor's FNV-1a checksum so the test proves it rebuilt the same file.

CI does not run this; the JSON it writes is committed. To regenerate:

    ~/.cache/sluice/peer-venv/bin/pip install gguf       # once; llama-cpp-python 0.3.36 + numpy already there
    ~/.cache/sluice/peer-venv/bin/python scripts/make_tiny_models.py [NAME ...]   # all models, or those named

The GGUF files go to ${SLUICE_CACHE:-~/.cache/sluice}/tiny/.

Generator: tensor element i (row-major over the numpy shape [rows, cols]) is
    z = splitmix64 output i of state `seed` (the state advances by 0x9E3779B97F4A7C15 before each output)
    u = float32(z >> 40) * 2^-24                     # exact: 24 bits
    w = (2u - 1) * scale + offset                    # each step in float32, round to nearest
then cast to f16 (round to nearest even) where the tensor is F16. `seed`, `scale` (a float32 value)
and `offset` are recorded per tensor in the JSON, so the Swift side needs no formula of its own.

Output: Tests/SluiceModelTests/Resources/tiny_<name>.json
    {"name", "llama_cpp_python", "n_threads", "flash_attn", "kv_type",
     "config": {"architecture", "vocab_size", "context_length", "block_count", "embedding_length",
                "feed_forward_length", "head_count", "head_count_kv", "head_dim", "rms_epsilon",
                "rope_freq_base" (absent: the key is not written, both sides default to 10000)},
     "tensors": [{"name", "dimensions" (GGUF order, innermost first), "type" ("f32"|"f16"),
                  "seed", "scale", "offset", "fnv1a64" (hex, over the tensor's bytes)}],
     "token_ids": [...],
     "positions": [{"top_ids": [5], "top_logprobs": [5], "incremental_top_logprobs": [5]}]}
    positions[i] is the distribution after token_ids[0...i], from ONE llama.cpp eval of all tokens
    (logits_all): top-5 of log_softmax (float64 over llama.cpp's f32 logits), 5 decimals.
    incremental_top_logprobs: the same ids' log-probs when every token is evaluated alone, llama.cpp's
    own noise floor.
"""

import json
import math
import os
import sys
import re

import numpy as np
import gguf
import llama_cpp
from llama_cpp import Llama

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("SLUICE_CACHE", os.path.expanduser("~/.cache/sluice"))
OUT_DIR = os.path.join(REPO, "Tests/SluiceModelTests/Resources")
MODEL_DIR = os.path.join(CACHE, "tiny")

N_THREADS = 2
N_TOKENS = 40
TOP_K = 5
GAMMA = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1

MODELS = [
    # qwen2: NeoX RoPE, Q/K/V biases, untied output, GQA 2, head dim 16, F32 everywhere.
    dict(name="qwen2", architecture="qwen2", seed=1, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, rms_epsilon=1e-6, rope_freq_base=1e6,
         matrix_type="f32", embedding_type="f32", biases=True),
    # llama: GQA 4, head dim 32, untied output, F16 matrices and embeddings, norms F32.
    dict(name="llama_gqa4_f16", architecture="llama", seed=2, vocab_size=512, block_count=2,
         embedding_length=256, feed_forward_length=512, head_count=8, head_count_kv=2, rms_epsilon=1e-5,
         rope_freq_base=5e5, matrix_type="f16", embedding_type="f16", biases=False),
    # llama: head dim 128, GQA 2, untied output, F32 matrices, F16 embeddings, default rope base.
    dict(name="llama_hd128", architecture="llama", seed=3, vocab_size=384, block_count=2,
         embedding_length=256, feed_forward_length=384, head_count=2, head_count_kv=1, rms_epsilon=1e-5,
         rope_freq_base=None, matrix_type="f32", embedding_type="f16", biases=False),
    # qwen3: QK-norm (per head), no biases, NeoX RoPE, head dim 32 set by key_length (not hidden / heads).
    dict(name="qwen3", architecture="qwen3", seed=4, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, head_dim=32, rms_epsilon=1e-6,
         rope_freq_base=1e6, matrix_type="f32", embedding_type="f32", biases=False, qk_norm=True),
    # gemma2: post-norms, GELU, scaled and tied embeddings, attention and final logit soft-capping tight
    # enough to matter, a sliding window of 8 (shorter than the 40 tokens) on every other layer.
    dict(name="gemma2", architecture="gemma2", seed=5, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, head_dim=32, rms_epsilon=1e-6,
         rope_freq_base=1e4, matrix_type="f32", embedding_type="f32", biases=False, post_norms=True, tied=True,
         extra={"attention.sliding_window": ("uint32", 8), "attn_logit_softcapping": ("float32", 5.0),
                "final_logit_softcapping": ("float32", 3.0)}),
    # llama with Llama 3.1's RoPE frequency factors (a rope_freqs tensor, divisors between 1 and 8).
    dict(name="llama_rope_freqs", architecture="llama", seed=7, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, rms_epsilon=1e-5, rope_freq_base=5e5,
         matrix_type="f32", embedding_type="f32", biases=False, rope_freqs=True),
    # llama with YaRN scaling (factor 4 over an original context of 16, so the 40 tokens run past it).
    dict(name="llama_yarn", architecture="llama", seed=8, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, rms_epsilon=1e-5, rope_freq_base=1e4,
         matrix_type="f32", embedding_type="f32", biases=False,
         extra={"rope.scaling.type": ("string", "yarn"), "rope.scaling.factor": ("float32", 4.0),
                "rope.scaling.original_context_length": ("uint32", 16)}),
    # qwen2 with linear RoPE scaling (factor 2).
    dict(name="qwen2_linear", architecture="qwen2", seed=9, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, rms_epsilon=1e-6, rope_freq_base=1e4,
         matrix_type="f32", embedding_type="f32", biases=True,
         extra={"rope.scaling.type": ("string", "linear"), "rope.scaling.factor": ("float32", 2.0)}),
    # phi3: Q/K/V fused in attn_qkv, gate and up in ffn_up, RoPE over half of each head (partial rotary).
    dict(name="phi3", architecture="phi3", seed=10, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, rms_epsilon=1e-5, rope_freq_base=1e4,
         matrix_type="f32", embedding_type="f32", biases=False, fused=True,
         extra={"rope.dimension_count": ("uint32", 8)}),
    # phi3 with LongRoPE: short and long per-pair factors, an original context of 32 that llama.cpp's
    # n_ctx of 64 passes (so both sides rotate by the long factors), and attn_factor scaling cos and sin.
    dict(name="phi3_long", architecture="phi3", seed=11, vocab_size=320, block_count=2, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=2, rms_epsilon=1e-5, rope_freq_base=1e4,
         matrix_type="f32", embedding_type="f32", biases=False, fused=True, long_rope=True,
         extra={"rope.dimension_count": ("uint32", 8), "rope.scaling.original_context_length": ("uint32", 32),
                "rope.scaling.attn_factor": ("float32", 1.19)}),
    # gemma3: QK-norm and post-norms, six layers of which the last is global (RoPE base 1e6) and the
    # others slide over 8 positions (base 10,000).
    dict(name="gemma3", architecture="gemma3", seed=6, vocab_size=320, block_count=6, embedding_length=64,
         feed_forward_length=128, head_count=4, head_count_kv=1, head_dim=64, rms_epsilon=1e-6,
         rope_freq_base=1e6, matrix_type="f32", embedding_type="f32", biases=False, qk_norm=True,
         post_norms=True, tied=True, extra={"attention.sliding_window": ("uint32", 8)}),
]


def splitmix64(seed, count):
    """Outputs 0..<count of SplitMix64 started at state `seed`, as uint64."""
    state = (np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GAMMA))
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(seed, count, scale, offset):
    u = (splitmix64(seed, count) >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)
    return (np.float32(2) * u - np.float32(1)) * np.float32(scale) + np.float32(offset)


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return f"{h:016x}"


def tensor_plan(m):
    """(name, numpy shape [rows, cols] or [n], type, scale, offset) in file order."""
    hidden, ffn, vocab = m["embedding_length"], m["feed_forward_length"], m["vocab_size"]
    head_dim = m.get("head_dim", hidden // m["head_count"])
    q_dim, kv_dim = m["head_count"] * head_dim, m["head_count_kv"] * head_dim
    mt = m["matrix_type"]

    def matrix(name, rows, cols, gain=1.0):
        # Uniform on ±sqrt(3/fan_in) has variance 1/fan_in: activations keep their scale.
        return (name, (rows, cols), mt, math.sqrt(3.0 / cols) * gain, 0.0)

    def norm(name, width=hidden):
        return (name, (width,), "f32", 0.2, 1.0)

    plan = [("token_embd.weight", (vocab, hidden), m["embedding_type"], 0.5, 0.0)]
    if m.get("rope_freqs"):
        plan.append(("rope_freqs.weight", (head_dim // 2,), "f32", 3.5, 4.5))
    if m.get("long_rope"):
        rotary_pairs = m["extra"]["rope.dimension_count"][1] // 2
        # Short factors near 1, long ones up to 8 (Phi-3-mini-128k's run from 1 to about 60).
        plan.append(("rope_factors_long.weight", (rotary_pairs,), "f32", 3.5, 4.5))
        plan.append(("rope_factors_short.weight", (rotary_pairs,), "f32", 0.25, 1.25))
    for i in range(m["block_count"]):
        p = f"blk.{i}."
        plan.append(norm(p + "attn_norm.weight"))
        # Q and K a little larger than unit gain so attention is sharp enough for RoPE to matter.
        if m.get("fused"):
            plan.append(matrix(p + "attn_qkv.weight", q_dim + 2 * kv_dim, hidden, 1.5))
        else:
            plan.append(matrix(p + "attn_q.weight", q_dim, hidden, 1.5))
            plan.append(matrix(p + "attn_k.weight", kv_dim, hidden, 1.5))
            plan.append(matrix(p + "attn_v.weight", kv_dim, hidden))
        if m["biases"]:
            plan.append((p + "attn_q.bias", (q_dim,), "f32", 0.5, 0.0))
            plan.append((p + "attn_k.bias", (kv_dim,), "f32", 0.5, 0.0))
            plan.append((p + "attn_v.bias", (kv_dim,), "f32", 0.5, 0.0))
        if m.get("qk_norm"):
            plan.append(norm(p + "attn_q_norm.weight", head_dim))
            plan.append(norm(p + "attn_k_norm.weight", head_dim))
        plan.append(matrix(p + "attn_output.weight", hidden, q_dim))
        if m.get("post_norms"):
            plan.append(norm(p + "post_attention_norm.weight"))
        plan.append(norm(p + "ffn_norm.weight"))
        if m.get("fused"):
            plan.append(matrix(p + "ffn_up.weight", 2 * ffn, hidden))  # gate rows, then up rows
        else:
            plan.append(matrix(p + "ffn_gate.weight", ffn, hidden))
            plan.append(matrix(p + "ffn_up.weight", ffn, hidden))
        plan.append(matrix(p + "ffn_down.weight", hidden, ffn))
        if m.get("post_norms"):
            plan.append(norm(p + "post_ffw_norm.weight"))
    plan.append(norm("output_norm.weight"))
    # Logits with a spread of a few nats, so top-5 and argmax are informative; a tied model's head is
    # its embedding (Gemma scales the embedding by sqrt(hidden), which spreads them as much).
    if not m.get("tied"):
        plan.append(matrix("output.weight", vocab, hidden, 3.0))
    return plan


def byte_level_vocab(size):
    """GPT-2's 256 byte-level tokens, merges of lowercase pairs up to size - 1, then <|endoftext|>."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, n = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + n)
            n += 1
    tokens = [chars[b] for b in range(256)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    merges = []
    for i in range(size - 257):
        a, b = letters[i // 26], letters[i % 26]
        merges.append(f"{a} {b}")
        tokens.append(a + b)
    tokens.append("<|endoftext|>")
    types = [1] * (size - 1) + [3]
    return tokens, types, merges


def write_model(m, path):
    arch = m["architecture"]
    writer = gguf.GGUFWriter(path, arch)
    # general.name must not contain a model family's name: llama.cpp patches vocabularies by it ("phi3").
    writer.add_name(f"sluice tiny model, seed {m['seed']}")
    writer.add_context_length(256)
    writer.add_embedding_length(m["embedding_length"])
    writer.add_block_count(m["block_count"])
    writer.add_feed_forward_length(m["feed_forward_length"])
    writer.add_head_count(m["head_count"])
    writer.add_head_count_kv(m["head_count_kv"])
    writer.add_layer_norm_rms_eps(m["rms_epsilon"])
    if m["rope_freq_base"] is not None:
        writer.add_rope_freq_base(m["rope_freq_base"])
    if "head_dim" in m:
        writer.add_key_length(m["head_dim"])
        writer.add_value_length(m["head_dim"])
    for key, (kind, value) in m.get("extra", {}).items():
        getattr(writer, f"add_{kind}")(f"{arch}.{key}", value)
    tokens, types, merges = byte_level_vocab(m["vocab_size"])
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(m["vocab_size"] - 1)
    writer.add_eos_token_id(m["vocab_size"] - 1)

    records = []
    for index, (name, shape, kind, scale, offset) in enumerate(tensor_plan(m)):
        seed = (m["seed"] << 16) | index
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


def log_softmax(row):
    row = np.asarray(row, dtype=np.float64)
    shifted = row - row.max()
    return shifted - np.log(np.exp(shifted).sum())


def reference(m, path, token_ids):
    llm = Llama(model_path=path, n_ctx=64, n_threads=N_THREADS, n_threads_batch=N_THREADS,
                logits_all=True, flash_attn=False, verbose=False)  # KV cache f16 (default)
    llm.eval(token_ids)
    one_pass = [log_softmax(llm.scores[i]) for i in range(len(token_ids))]
    llm.reset()
    incremental = []
    for token in token_ids:
        llm.eval([token])
        incremental.append(log_softmax(llm.scores[llm.n_tokens - 1]))
    positions, worst = [], 0.0
    for lp, inc in zip(one_pass, incremental):
        top = np.argsort(-lp, kind="stable")[:TOP_K]
        positions.append({"top_ids": [int(t) for t in top],
                          "top_logprobs": [round(float(lp[t]), 5) for t in top],
                          "incremental_top_logprobs": [round(float(inc[t]), 5) for t in top]})
        worst = max(worst, float(np.abs(lp[top] - inc[top]).max()))
    margins = [p["top_logprobs"][0] - p["top_logprobs"][1] for p in positions]
    print(f"{m['name']}: top-1 log-prob median {np.median([p['top_logprobs'][0] for p in positions]):.3f}, "
          f"min margin {min(margins):.4f}, llama.cpp one-pass vs incremental max {worst:.5f}")
    return positions


def main():
    os.makedirs(MODEL_DIR, exist_ok=True)
    only = sys.argv[1:]  # model names to (re)write; none: all of them
    for m in MODELS:
        if only and m["name"] not in only:
            continue
        path = os.path.join(MODEL_DIR, f"tiny_{m['name']}.gguf")
        tensors = write_model(m, path)
        token_ids = [int(z % np.uint64(m["vocab_size"] - 1)) for z in splitmix64(m["seed"] << 32, N_TOKENS)]
        positions = reference(m, path, token_ids)
        config = {k: m[k] for k in ("architecture", "vocab_size", "block_count", "embedding_length",
                                    "feed_forward_length", "head_count", "head_count_kv", "rms_epsilon")}
        config["context_length"] = 256
        config["head_dim"] = m.get("head_dim", m["embedding_length"] // m["head_count"])
        if "head_dim" in m:
            config["key_length"] = m["head_dim"]
        # Further {arch}.KEY metadata: KEY -> [type, value].
        config["extra"] = {k: [kind, v] for k, (kind, v) in m.get("extra", {}).items()}
        if m["rope_freq_base"] is not None:
            config["rope_freq_base"] = m["rope_freq_base"]
        out = {"name": m["name"], "llama_cpp_python": llama_cpp.__version__, "n_threads": N_THREADS,
               "flash_attn": False, "kv_type": "f16", "config": config, "tensors": tensors,
               "token_ids": token_ids, "positions": positions}
        # One line per list of numbers, to keep the file short and its diffs readable.
        text = re.sub(r"\[\s*([^\[\]{}\"]*?)\s*\]", lambda g: "[" + ", ".join(v.strip() for v in g.group(1).split(",")) + "]",
                      json.dumps(out, indent=1))
        with open(os.path.join(OUT_DIR, f"tiny_{m['name']}.json"), "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
