#!/usr/bin/env python3
"""Drives `sluice serve --reasoning-parser qwen3` with the official `openai` client: the thought comes
back in `message.reasoning_content` (and `reasoning`), streamed as `delta.reasoning_content`, the answer
in `content`; GBNF grammars through vLLM's `structured_outputs.grammar`, `guided_grammar` and
llama-server's `grammar` hold, and a bad grammar is a 400 naming its place.

Qwen2.5 does not think on its own. A regex constraint makes it write `<think>...</think>` and an answer
(greedy decoding, so the same text every run): the parser has to split what the model really generated.
Every grammar output is checked here with Python's `re` or a small recursive reader, not with the server's
grammar engine.

Usage: e2e_reasoning.py --base-url http://127.0.0.1:8000/v1
Exits non-zero, naming every failed check.
"""
import argparse
import re
import sys

import openai
from openai import OpenAI

failures = []

THOUGHT = r"<think>[a-z ]{8,40}</think>\n\n[A-Z][a-z ,]{4,40}\."

LIST_GRAMMAR = r'''
root ::= item{2,3}
item ::= "- " [a-z] [a-z ]{2,20} "\n"   # one fruit per line
'''

ARITHMETIC_GRAMMAR = r'''
root ::= expr
expr ::= term (" " [-+] " " term){0,3}
term ::= number | "(" expr ")"
number ::= [1-9] [0-9]?
'''

CHESS_GRAMMAR = r'''
root ::= "1. " move " " move "\n2. " move " " move
move ::= (pawn | piece | castle) [+#]?
pawn ::= ([a-h] "x")? [a-h] [1-8]
piece ::= [NBRQK] "x"? [a-h] [1-8]
castle ::= "O-O" "-O"?
'''

CHESS_MOVE = r"(?:(?:[a-h]x)?[a-h][1-8]|[NBRQK]x?[a-h][1-8]|O-O(?:-O)?)[+#]?"


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def arithmetic(text):
    """Whether `text` is an expression of ARITHMETIC_GRAMMAR, read by recursive descent."""
    def expr(i, depth):
        i = term(i, depth)
        for _ in range(3):
            if i is None or not re.match(r" [-+] ", text[i:]):
                break
            j = term(i + 3, depth)
            if j is None:
                break
            i = j
        return i

    def term(i, depth):
        if i is None or depth > 20:
            return None
        number = re.match(r"[1-9][0-9]?", text[i:])
        if number:
            return i + number.end()
        if text[i:i + 1] == "(":
            j = expr(i + 1, depth + 1)
            if j is not None and text[j:j + 1] == ")":
                return j + 1
        return None

    return expr(0, 0) == len(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    args = parser.parse_args()
    client = OpenAI(base_url=args.base_url, api_key="unused", max_retries=0, timeout=300)
    model = client.models.list().data[0].id
    question = [{"role": "user", "content": "Is a tomato a fruit? Think first."}]
    forced = {"structured_outputs": {"regex": THOUGHT}}

    chat = client.chat.completions.create(model=model, messages=question, max_tokens=80, temperature=0,
                                          extra_body=forced)
    message = chat.choices[0].message
    extra = message.model_extra or {}
    reasoning = extra.get("reasoning_content")
    check(isinstance(reasoning, str) and reasoning, f"reasoning_content: {message}")
    check(extra.get("reasoning") == reasoning, f"reasoning beside reasoning_content: {extra}")
    content = message.content or ""
    check(re.fullmatch(THOUGHT, f"<think>{reasoning}</think>{content}") is not None,
          f"thought and answer add up to what the regex allowed: {reasoning!r} / {content!r}")
    check("<think>" not in content and "</think>" not in content, f"no tags in content: {content!r}")

    stream = client.chat.completions.create(model=model, messages=question, max_tokens=80, temperature=0,
                                            stream=True, extra_body=forced)
    thought, answer = "", ""
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        thought += (delta.model_extra or {}).get("reasoning_content") or ""
        answer += delta.content or ""
    check(thought == reasoning, f"streamed reasoning_content {thought!r} == {reasoning!r}")
    check(answer == content, f"streamed content {answer!r} == {content!r}")

    # Thinking switched off through chat_template_kwargs: Qwen2.5's template ignores it, and the qwen3
    # parser then reads an answer that does not open with <think> as content.
    plain = client.chat.completions.create(model=model, messages=question, max_tokens=12, temperature=0,
                                           extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    check((plain.choices[0].message.model_extra or {}).get("reasoning_content") is None,
          f"no thought without <think>: {plain.choices[0].message}")

    fruits = [{"role": "user", "content": "List some fruits, one per line."}]
    listed = client.chat.completions.create(model=model, messages=fruits, max_tokens=40, temperature=0,
                                            extra_body={"structured_outputs": {"grammar": LIST_GRAMMAR}})
    text = listed.choices[0].message.content or ""
    check(re.fullmatch(r"(- [a-z][a-z ]{2,20}\n){2,3}", text) is not None, f"list grammar: {text!r}")
    check(listed.choices[0].finish_reason == "stop", f"list grammar finishes: {listed.choices[0].finish_reason}")

    sums = client.completions.create(model=model, prompt="A sum: ", max_tokens=30, temperature=0.8, seed=4, n=3,
                                     extra_body={"guided_grammar": ARITHMETIC_GRAMMAR})
    for choice in sums.choices:
        check(arithmetic(choice.text), f"arithmetic grammar: {choice.text!r}")

    opening = client.completions.create(model=model, prompt="A chess opening in algebraic notation:\n",
                                        max_tokens=30, temperature=0, extra_body={"grammar": CHESS_GRAMMAR})
    moves = opening.choices[0].text
    check(re.fullmatch(rf"1\. {CHESS_MOVE} {CHESS_MOVE}\n2\. {CHESS_MOVE} {CHESS_MOVE}", moves) is not None,
          f"chess grammar: {moves!r}")

    for grammar, place in [('root ::= item+\nitems ::= "a"', "line 1, column 10"),
                           ('root ::= ("a" | "b"', "line 1, column 10")]:
        try:
            client.chat.completions.create(model=model, messages=question, max_tokens=4,
                                           extra_body={"structured_outputs": {"grammar": grammar}})
            check(False, f"bad grammar {grammar!r} refused")
        except openai.BadRequestError as error:
            check(place in str(error), f"bad grammar error names {place}: {error}")

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("reasoning and grammar checks passed")


if __name__ == "__main__":
    main()
