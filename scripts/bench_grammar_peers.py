#!/usr/bin/env python3
"""MaskBench side by side: llguidance (and xgrammar, when installed) on the very tokens Sluice measured.

`sluice bench grammar --model QWEN.gguf --export DIR` writes DIR/vocabulary.json (every token's bytes in
hex, the end tokens) and DIR/instances.jsonl (each case's schema and each instance's token ids, as our
tokenizer produced them). This script replays them single-threaded through each engine from PyPI:
compile time per schema (grammar construction + matcher), time per mask along each valid instance, and
whether each instance is accepted (valid) or rejected (invalid).

The engines live in a venv under ~/.cache/sluice, never in the repository:
    python3 -m venv ~/.cache/sluice/grammar-peers-venv
    ~/.cache/sluice/grammar-peers-venv/bin/pip install llguidance   # xgrammar also needs torch
    ~/.cache/sluice/grammar-peers-venv/bin/python scripts/bench_grammar_peers.py DIR
"""
import json, os, sys, time


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def load(directory):
    vocab = json.load(open(os.path.join(directory, "vocabulary.json")))
    tokens = [bytes.fromhex(t) for t in vocab["tokens"]]
    cases = [json.loads(line) for line in open(os.path.join(directory, "instances.jsonl"))]
    return tokens, vocab["end_tokens"], cases


class RawTokenizer:
    """What llguidance's TokenizerWrapper reads: token bytes (control tokens empty) and the EOS id."""

    def __init__(self, tokens, end_tokens):
        self.tokens = tokens
        self.eos_token_id = end_tokens[0]
        self.bos_token_id = None
        self.special_token_ids = [i for i, t in enumerate(tokens) if not t]

        self.ids = {t: i for i, t in enumerate(tokens) if t}
        self.longest = max(len(t) for t in tokens)

    def __call__(self, text):
        # llguidance re-tokenizes short strings at lexeme boundaries; greedy longest match is enough there.
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        out, i = [], 0
        while i < len(data):
            for n in range(min(self.longest, len(data) - i), 0, -1):
                if data[i:i + n] in self.ids:
                    out.append(self.ids[data[i:i + n]])
                    i += n
                    break
            else:
                i += 1
        return out


def run_llguidance(tokens, end_tokens, cases):
    import llguidance as llg
    tokenizer = llg.LLTokenizer(llg.TokenizerWrapper(RawTokenizer(tokens, end_tokens)), eos_token=end_tokens)
    compile_ms, mask_us = [], []
    stats = dict(cases=0, compiled=0, valid=0, valid_ok=0, invalid=0, invalid_ok=0)
    for case in cases:
        stats["cases"] += 1
        start = time.perf_counter()
        try:
            grammar = llg.LLMatcher.grammar_from_json_schema(case["schema"])
            matcher = llg.LLMatcher(tokenizer, grammar, log_level=0)
        except Exception:
            continue
        if matcher.is_error():
            continue
        compile_ms.append((time.perf_counter() - start) * 1e3)
        stats["compiled"] += 1
        for instance in case["instances"]:
            m = llg.LLMatcher(tokenizer, grammar, log_level=0)
            ok = True
            for t in instance["tokens"] + [end_tokens[0]]:
                if instance["valid"]:
                    start = time.perf_counter()
                    m.compute_bitmask()
                    mask_us.append((time.perf_counter() - start) * 1e6)
                if not m.consume_token(t) or m.is_error():
                    ok = False
                    break
            key = "valid" if instance["valid"] else "invalid"
            stats[key] += 1
            if ok == instance["valid"]:
                stats[key + "_ok"] += 1
    return compile_ms, mask_us, stats


def run_xgrammar(tokens, end_tokens, cases):
    import xgrammar as xgr
    info = xgr.TokenizerInfo([t for t in tokens], vocab_type=xgr.VocabType.RAW, vocab_size=len(tokens),
                             stop_token_ids=end_tokens)
    compiler = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=False)
    bitmask = xgr.allocate_token_bitmask(1, len(tokens))
    compile_ms, mask_us = [], []
    stats = dict(cases=0, compiled=0, valid=0, valid_ok=0, invalid=0, invalid_ok=0)
    for case in cases:
        stats["cases"] += 1
        start = time.perf_counter()
        try:
            compiled = compiler.compile_json_schema(case["schema"], any_whitespace=True, strict_mode=False)
        except Exception:
            continue
        compile_ms.append((time.perf_counter() - start) * 1e3)
        stats["compiled"] += 1
        for instance in case["instances"]:
            m = xgr.GrammarMatcher(compiled)
            ok = True
            for t in instance["tokens"] + [end_tokens[0]]:
                if instance["valid"]:
                    start = time.perf_counter()
                    m.fill_next_token_bitmask(bitmask)
                    mask_us.append((time.perf_counter() - start) * 1e6)
                if not m.accept_token(t):
                    ok = False
                    break
            key = "valid" if instance["valid"] else "invalid"
            stats[key] += 1
            if ok == instance["valid"]:
                stats[key + "_ok"] += 1
    return compile_ms, mask_us, stats


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tokens, end_tokens, cases = load(sys.argv[1])
    print(f"{len(cases)} cases, vocabulary of {len(tokens)} tokens")
    print("| engine | compiled | valid accepted | invalid rejected | masks | mask p50 µs | p90 µs | p99 µs | max µs | mean µs | compile p50 ms | compile mean ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, run in [("llguidance", run_llguidance), ("xgrammar", run_xgrammar)]:
        try:
            compile_ms, mask_us, s = run(tokens, end_tokens, cases)
        except ImportError as e:
            print(f"| {name} | not installed ({e.name}) | | | | | | | | | | |")
            continue
        mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
        print(f"| {name} | {s['compiled']} / {s['cases']} | {s['valid_ok']} / {s['valid']} | {s['invalid_ok']} / {s['invalid']} "
              f"| {len(mask_us)} | {percentile(mask_us, 0.5):.1f} | {percentile(mask_us, 0.9):.1f} | {percentile(mask_us, 0.99):.1f} "
              f"| {max(mask_us, default=float('nan')):.1f} | {mean(mask_us):.1f} "
              f"| {percentile(compile_ms, 0.5):.2f} | {mean(compile_ms):.2f} |")


if __name__ == "__main__":
    main()
