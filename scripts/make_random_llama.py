#!/usr/bin/env python3
"""Writes a Llama-shaped GGUF model of about 1.1B parameters with random weights, for scaling benchmarks.

The shape is TinyLlama-1.1B's (hidden 2048, 22 layers, 32 heads, 4 KV heads, FFN 5632) with the
SmolLM2 tokenizer copied from the default model, so both Sluice and llama.cpp load it and its prompts
tokenize. The text it writes is nonsense; the speed is real: the weights no longer fit in cache.

Quantized blocks are written directly: random quants with a fixed small scale (0.002, so activations
stay in range), rather than quantizing float weights, which would take minutes in numpy.

    ~/.cache/sluice/peer-venv/bin/python scripts/make_random_llama.py q4_0   # or q8_0

Output: ${SLUICE_CACHE:-~/.cache/sluice}/models/random-llama-1.1b-<type>.gguf
"""

import os
import sys

import numpy as np
import gguf

CACHE = os.environ.get("SLUICE_CACHE", os.path.expanduser("~/.cache/sluice"))
DEFAULT_MODEL = os.path.join(CACHE, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

HIDDEN, LAYERS, HEADS, KV_HEADS, FFN, CONTEXT = 2048, 22, 32, 4, 5632, 4096
HEAD_DIM = HIDDEN // HEADS
SCALE = np.float16(0.002).view(np.uint16)


def blocks(kind, rows, cols, rng):
    """Random quantized rows of `kind`, as the raw bytes GGUF stores, shape [rows, bytes per row]."""
    n = rows * cols // 32
    if kind == "q4_0":
        quants = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        size = 18
    else:
        quants = rng.integers(-127, 128, size=(n, 32), dtype=np.int8).view(np.uint8)
        size = 34
    out = np.empty((n, size), dtype=np.uint8)
    out[:, 0:2] = np.frombuffer(np.array([SCALE], dtype=np.uint16).tobytes(), dtype=np.uint8)
    out[:, 2:] = quants
    return out.reshape(rows, cols // 32 * size)


def copy_tokenizer(writer):
    reader = gguf.GGUFReader(DEFAULT_MODEL)
    vocab = 0
    for field in reader.fields.values():
        if not field.name.startswith("tokenizer."):
            continue
        if field.name == "tokenizer.chat_template":
            continue
        value_type = field.types[0]
        if value_type == gguf.GGUFValueType.ARRAY:
            element = field.types[-1]
            if element == gguf.GGUFValueType.STRING:
                values = [bytes(field.parts[i]).decode("utf-8") for i in field.data]
            else:
                values = [field.parts[i][0].item() for i in field.data]
            if field.name == "tokenizer.ggml.tokens":
                vocab = len(values)
            writer.add_array(field.name, values)
        elif value_type == gguf.GGUFValueType.STRING:
            writer.add_string(field.name, bytes(field.parts[field.data[0]]).decode("utf-8"))
        else:
            writer.add_key_value(field.name, field.parts[field.data[0]][0].item(), value_type)
    return vocab


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "q4_0"
    if kind not in ("q4_0", "q8_0"):
        sys.exit("type must be q4_0 or q8_0")
    qtype = gguf.GGMLQuantizationType.Q4_0 if kind == "q4_0" else gguf.GGMLQuantizationType.Q8_0
    path = os.path.join(CACHE, "models", f"random-llama-1.1b-{kind}.gguf")
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name(f"random-llama-1.1b-{kind}")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(10000.0)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0 if kind == "q4_0" else gguf.LlamaFileType.MOSTLY_Q8_0)
    vocab = copy_tokenizer(writer)

    rng = np.random.default_rng(1234)
    ones = np.ones(HIDDEN, dtype=np.float32)

    def matrix(name, rows, cols):
        writer.add_tensor(name, blocks(kind, rows, cols, rng), raw_dtype=qtype)

    matrix("token_embd.weight", vocab, HIDDEN)
    writer.add_tensor("output_norm.weight", ones)
    kv = KV_HEADS * HEAD_DIM
    for i in range(LAYERS):
        p = f"blk.{i}."
        writer.add_tensor(p + "attn_norm.weight", ones)
        matrix(p + "attn_q.weight", HIDDEN, HIDDEN)
        matrix(p + "attn_k.weight", kv, HIDDEN)
        matrix(p + "attn_v.weight", kv, HIDDEN)
        matrix(p + "attn_output.weight", HIDDEN, HIDDEN)
        writer.add_tensor(p + "ffn_norm.weight", ones)
        matrix(p + "ffn_gate.weight", FFN, HIDDEN)
        matrix(p + "ffn_up.weight", FFN, HIDDEN)
        matrix(p + "ffn_down.weight", HIDDEN, FFN)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(path)


if __name__ == "__main__":
    main()
