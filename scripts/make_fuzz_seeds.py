#!/usr/bin/env python3
"""Writes the GGUF seeds of the `gguf` fuzz target into DIR: two small valid GGUF files that reach a
model's configuration and its vocabulary, so the fuzzer starts from inputs that get past the header.
scripts/fuzz.sh runs it when DIR is empty; no model file is committed.

    ~/.cache/sluice/peer-venv/bin/pip install gguf       # once
    ~/.cache/sluice/peer-venv/bin/python scripts/make_fuzz_seeds.py DIR
"""
import os
import sys

import numpy as np
import gguf



def write(path, arch, hidden, heads, kv_heads, layers, vocab_kind):
    w = gguf.GGUFWriter(path, arch)
    w.add_name("sluice fuzz seed")
    w.add_context_length(64)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(2 * hidden)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    if vocab_kind == "gpt2":
        tokens = [chr(0x21 + i) for i in range(30)] + ["ab", "<|im_start|>"]
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("qwen2")
        w.add_token_list(tokens)
        w.add_token_types([1] * 31 + [3])
        w.add_token_merges(["a b"])
    else:
        tokens = ["<unk>", "<s>", "</s>", "\u2581a", "\u2581b", "a", "b", "<0x41>"]
        w.add_tokenizer_model("llama")
        w.add_token_list(tokens)
        w.add_token_scores([0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0, 0.0])
        w.add_token_types([2, 3, 3, 1, 1, 1, 1, 6])
    w.add_bos_token_id(1 if vocab_kind != "gpt2" else 31)
    w.add_eos_token_id(2 if vocab_kind != "gpt2" else 31)
    vocab = len(tokens)
    head_dim = hidden // heads
    rng = np.random.default_rng(1)

    def t(name, *shape):
        w.add_tensor(name, (rng.standard_normal(shape) * 0.1).astype(np.float32))

    t("token_embd.weight", vocab, hidden)
    for i in range(layers):
        p = f"blk.{i}."
        t(p + "attn_norm.weight", hidden)
        t(p + "attn_q.weight", heads * head_dim, hidden)
        t(p + "attn_k.weight", kv_heads * head_dim, hidden)
        t(p + "attn_v.weight", kv_heads * head_dim, hidden)
        t(p + "attn_output.weight", hidden, heads * head_dim)
        t(p + "ffn_norm.weight", hidden)
        t(p + "ffn_gate.weight", 2 * hidden, hidden)
        t(p + "ffn_up.weight", 2 * hidden, hidden)
        t(p + "ffn_down.weight", hidden, 2 * hidden)
    t("output_norm.weight", hidden)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "llama-spm.gguf"), "llama", 16, 2, 1, 1, "spm")
    write(os.path.join(out, "qwen2-bpe.gguf"), "qwen2", 16, 2, 2, 1, "gpt2")
    for name in sorted(os.listdir(out)):
        print(name, os.path.getsize(os.path.join(out, name)), "bytes")


if __name__ == "__main__":
    main()
