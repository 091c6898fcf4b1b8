#!/usr/bin/env python3
"""End-to-end checks of `sluice serve` with an embedding model (nomic-embed-text-v1.5), driven by the
official `openai` client: embeddings.create with token-id input (the SDK asks for base64 by default and
decodes it), float output, Matryoshka dimensions, usage, the vectors against llama.cpp's
(Tests/SluiceModelTests/Resources/embeddings_nomic.json), bad input answered with 400s, and /metrics
counting what was served under vLLM's names.

Usage: python scripts/e2e_embeddings.py --base-url http://127.0.0.1:8000/v1 --fixture PATH
"""
import argparse
import base64
import json
import math
import re
import struct
import urllib.request

import openai
from openai import OpenAI

from e2e_checks import check, finish, served_model  # the scripts' own folder



def norm(vector):
    return math.sqrt(sum(v * v for v in vector))


def reference(case):
    """The fixture's llama.cpp embedding of `case`."""
    raw = base64.b64decode(case["embedding_f16"])
    return struct.unpack(f"<{len(raw) // 2}e", raw)


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / (norm(a) * norm(b))


def refused(call, needle, what):
    try:
        call()
        check(False, f"{what} is refused")
    except openai.BadRequestError as error:
        check(error.status_code == 400, f"{what}: status {error.status_code}")
        check(needle in str(error), f"{what}: message names the problem ({needle!r}): {error}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--fixture", required=True)
    args = parser.parse_args()
    client = OpenAI(base_url=args.base_url, api_key="unused", max_retries=0, timeout=300)
    with open(args.fixture) as f:
        fixture = json.load(f)
    cases = fixture["cases"][:24]

    model = served_model(client)

    # Token-id lists; the SDK requests base64 and decodes it.
    response = client.embeddings.create(model=model, input=[case["ids"] for case in cases])
    check(len(response.data) == len(cases), f"{len(response.data)} embeddings for {len(cases)} inputs")
    check(response.usage.prompt_tokens == sum(len(case["ids"]) for case in cases), f"usage {response.usage}")
    check(response.usage.total_tokens == response.usage.prompt_tokens, "total_tokens = prompt_tokens")
    check(response.model == model, f"model {response.model}")
    worst = 1.0
    for index, (case, item) in enumerate(zip(cases, response.data)):
        check(item.index == index, f"index {item.index} at {index}")
        check(len(item.embedding) == fixture["dimensions"], f"{len(item.embedding)} dimensions")
        check(abs(norm(item.embedding) - 1) < 1e-4, "unit length")
        worst = min(worst, cosine(item.embedding, reference(case)))
    check(worst >= 0.999, f"cosine with llama.cpp {worst}")
    print(f"worst cosine with llama.cpp over {len(cases)} inputs: {worst:.6f}")

    # One id list, floats: the same vector as in the batch.
    single = client.embeddings.create(model=model, input=cases[3]["ids"], encoding_format="float")
    check(cosine(single.data[0].embedding, response.data[3].embedding) > 0.99999, "alone = in a batch")

    # Matryoshka: the first 256 values, re-normalised.
    short = client.embeddings.create(model=model, input=[cases[3]["ids"]], dimensions=256, encoding_format="float")
    head = single.data[0].embedding[:256]
    check(len(short.data[0].embedding) == 256, "dimensions=256 gives 256 values")
    check(abs(norm(short.data[0].embedding) - 1) < 1e-4, "truncated vector re-normalised")
    check(cosine(short.data[0].embedding, head) > 0.99999, "truncation keeps the leading values")

    # Truncation of an input past the context.
    long_ids = [101] + [2023] * 2100 + [102]
    refused(lambda: client.embeddings.create(model=model, input=[long_ids]), "truncate_prompt_tokens", "an input past the context")
    truncated = client.embeddings.create(model=model, input=[long_ids], extra_body={"truncate_prompt_tokens": 512})
    check(truncated.usage.prompt_tokens == 512, f"truncate_prompt_tokens 512: usage {truncated.usage.prompt_tokens}")

    # Bad input.
    refused(lambda: client.embeddings.create(model=model, input=[]), "empty", "empty input")
    refused(lambda: client.embeddings.create(model=model, input=[[101, 102]] * 2049), "at most", "2049 inputs")
    refused(lambda: client.embeddings.create(model=model, input=[[101, 102], []]), "empty", "an empty token list")
    refused(lambda: client.embeddings.create(model=model, input=[[101, 99999, 102]]), "vocabulary", "an id out of vocabulary")
    refused(lambda: client.embeddings.create(model=model, input=[[101, 102]], dimensions=1000), "dimensions", "dimensions > 768")
    refused(lambda: client.embeddings.create(model=model, input=[[101, 102]], dimensions=0), "dimensions", "dimensions 0")
    refused(lambda: client.embeddings.create(model=model, input=[[101, 102]], encoding_format="hex"), "encoding_format",
            "an unknown encoding_format")
    refused(lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}]),
            "embedding model", "chat on an embedding model")
    refused(lambda: client.completions.create(model=model, prompt="hi"), "embedding model", "completions on an embedding model")
    # Text, through Sluice's WordPiece tokenizer: the same vectors as llama.cpp's from its own ids.
    texts = client.embeddings.create(model=model, input=[case["text"] for case in cases[:8]], encoding_format="float")
    check(len(texts.data) == 8, "eight texts give eight embeddings")
    for item, case in zip(texts.data, cases[:8]):
        check(cosine(item.embedding, reference(case)) >= 0.999, f"text input matches llama.cpp: {case['text'][:40]!r}")

    after = client.embeddings.create(model=model, input=[cases[0]["ids"]], encoding_format="float")
    check(cosine(after.data[0].embedding, response.data[0].embedding) > 0.99999, "the server answers the same after bad requests")

    # /metrics under vLLM's names: every successful request and its tokens counted, refusals not.
    successes = [response, single, short, truncated, texts, after]
    expected_tokens = sum(r.usage.prompt_tokens for r in successes)
    root = args.base_url.rsplit("/v1", 1)[0]
    with urllib.request.urlopen(root + "/metrics", timeout=30) as reply:
        text = reply.read().decode()

    def value(name, labels=""):
        match = re.search(r"^" + re.escape(name) + r"\{[^}]*" + re.escape(labels) + r"[^}]*\} ([0-9.eE+-]+)$", text, re.M)
        return float(match.group(1)) if match else None

    check(value("vllm:request_success_total", 'finished_reason="stop"') == len(successes),
          f"request_success_total {value('vllm:request_success_total')} for {len(successes)} requests")
    check(value("vllm:prompt_tokens_total") == expected_tokens,
          f"prompt_tokens_total {value('vllm:prompt_tokens_total')}, usage says {expected_tokens}")
    check(value("vllm:e2e_request_latency_seconds_count") == len(successes), "one latency per successful request")
    check(value("vllm:num_requests_waiting") == 0 and value("vllm:num_requests_running") == 0, "idle after the requests")
    passes = value("vllm:embedding_passes_total")
    check(passes is not None and passes >= len(successes), f"embedding_passes_total {passes}")

    finish()


if __name__ == "__main__":
    main()
