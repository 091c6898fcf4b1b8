#!/usr/bin/env python3
"""Drives a running server's /v1/messages with the official `anthropic` client and checks what
comes back: a message, the same text streamed (events and the accumulated final message), a
system prompt, stop sequences, max_tokens, a prefilled assistant turn, the prefix cache's share of
a repeated system prompt in `usage`, tool use (a forced call whole, as raw events and accumulated, then its
tool_result and the answer), and errors.

Usage: e2e_anthropic.py --base-url http://127.0.0.1:8000 --model NAME [--api-key KEY]
Exits non-zero, naming every failed check, when the server misbehaves.
"""
import argparse
import json
import sys

import anthropic
from anthropic import Anthropic

failures = []
# Recent SDKs dropped the sampling arguments from `create`; the server still reads them.
GREEDY = {"temperature": 0}


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def prompt_tokens(usage):
    """Every prompt token an Anthropic usage counts: computed, read from the cache, written to it."""
    return usage.input_tokens + (usage.cache_read_input_tokens or 0) + (usage.cache_creation_input_tokens or 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--api-key", default="unused")
    args = parser.parse_args()
    client = Anthropic(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=120)
    model = args.model
    messages = [{"role": "user", "content": "What is the capital of France?"}]

    # One message, greedy.
    message = client.messages.create(model=model, max_tokens=24, messages=messages, extra_body=GREEDY,
                                     metadata={"user_id": "e2e"})
    check(message.id.startswith("msg_"), f"id {message.id}")
    check(message.type == "message" and message.role == "assistant", f"type {message.type}, role {message.role}")
    check(len(message.content) == 1 and message.content[0].type == "text", f"content {message.content}")
    answer = message.content[0].text
    check(len(answer) > 0, "the answer is empty")
    check(message.stop_reason in ("end_turn", "max_tokens"), f"stop_reason {message.stop_reason}")
    check(message.usage.input_tokens > 0, f"input_tokens {message.usage.input_tokens}")
    check(0 < message.usage.output_tokens <= 24, f"output_tokens {message.usage.output_tokens}")

    # The same, streamed: the raw events in Anthropic's order, then the SDK's accumulated message.
    events = list(client.messages.create(model=model, max_tokens=24, messages=messages, extra_body=GREEDY, stream=True))
    kinds = [event.type for event in events]
    # The SDK drops `ping` events; the router tests check that one follows content_block_start.
    check(kinds[:2] == ["message_start", "content_block_start"], f"stream opens with {kinds[:2]}")
    check(kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"], f"stream ends with {kinds[-3:]}")
    streamed = "".join(event.delta.text for event in events if event.type == "content_block_delta")
    check(streamed == answer, f"streamed {streamed!r} != non-streamed {answer!r}")
    delta = [event for event in events if event.type == "message_delta"]
    if check(len(delta) == 1, "one message_delta"):
        check(delta[0].delta.stop_reason == message.stop_reason, f"streamed stop_reason {delta[0].delta.stop_reason}")
        check(delta[0].usage.output_tokens == message.usage.output_tokens, "streamed output_tokens")

    with client.messages.stream(model=model, max_tokens=24, messages=messages, extra_body=GREEDY) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    check("".join(texts) == answer, f"text_stream {''.join(texts)!r}")
    check(final.content[0].text == answer and final.stop_reason == message.stop_reason, "the accumulated message")

    # A system prompt costs input tokens; max_tokens and stop sequences end the message.
    # (A template may write a default system prompt of its own, so compare two given ones.)
    short_system = client.messages.create(model=model, max_tokens=1, messages=messages, extra_body=GREEDY,
                                          system="Answer in one word.")
    with_system = client.messages.create(model=model, max_tokens=4, messages=messages, extra_body=GREEDY,
                                         system=[{"type": "text", "text": "Answer in one word. Be polite."}])
    check(prompt_tokens(with_system.usage) > prompt_tokens(short_system.usage), "the system prompt is in the prompt")
    check(with_system.stop_reason == "max_tokens" or with_system.usage.output_tokens < 4, "max_tokens 4")
    words = answer.split()
    if check(len(words) > 2, f"no stop sequence to try in {answer!r}"):
        sequence = words[2]
        stopped = client.messages.create(model=model, max_tokens=24, messages=messages, extra_body=GREEDY,
                                          stop_sequences=[sequence])
        check(stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == sequence,
              f"stop on {sequence!r}: {stopped.stop_reason} {stopped.stop_sequence!r}")
        check(stopped.content[0].text == answer[:answer.index(sequence)], f"stopped text {stopped.content[0].text!r}")

    # A prefilled assistant turn is continued.
    prefill = " ".join(words[:2])
    continued = client.messages.create(model=model, max_tokens=24, extra_body=GREEDY,
                                       messages=messages + [{"role": "assistant", "content": prefill}])
    # The prefill saves output tokens, so the continuation may run past the 24-token answer.
    check((prefill + continued.content[0].text).startswith(answer),
          f"prefill {prefill!r} continued with {continued.content[0].text!r}, not the rest of {answer!r}")

    # A long system prompt sent twice: the second message reads its full blocks from the prefix cache,
    # and the three input fields add up to what count_tokens counts; streamed, the SDK's accumulated
    # message takes the split from message_delta.
    long_system = "You answer questions about European geography, briefly and exactly. " * 8

    def ask(question, stream=False):
        asked = [{"role": "user", "content": question}]
        total = client.messages.count_tokens(model=model, system=long_system, messages=asked).input_tokens
        if not stream:
            return client.messages.create(model=model, max_tokens=2, extra_body=GREEDY, system=long_system,
                                          messages=asked).usage, total
        with client.messages.stream(model=model, max_tokens=2, extra_body=GREEDY, system=long_system,
                                    messages=asked) as events:
            return events.get_final_message().usage, total

    for question, stream in [("What is the capital of France?", False), ("What is the capital of Spain?", False),
                             ("What is the capital of Italy?", True)]:
        usage, total = ask(question, stream)
        label = f"{question!r}{' streamed' if stream else ''}"
        check(prompt_tokens(usage) == total, f"{label}: usage {usage} does not add up to count_tokens' {total}")
        check(usage.cache_creation_input_tokens == 0, f"{label}: cache_creation_input_tokens {usage.cache_creation_input_tokens}")
        if question.endswith("France?"):
            continue
        # The shared system prompt's full blocks, never the whole prompt (the question differs).
        cached = usage.cache_read_input_tokens or 0
        check(total // 2 < cached < total, f"{label}: cache_read_input_tokens {cached} of {total}")
        check(usage.input_tokens == total - cached, f"{label}: input_tokens {usage.input_tokens} counts cached tokens")

    tool_use_round_trip(client, model)

    # Errors come back as Anthropic errors, and the server keeps serving.
    try:
        client.messages.create(model=model, max_tokens=4, messages=messages,
                               tools=[{"type": "web_search_20250305", "name": "web_search"}])
        check(False, "server tools are refused")
    except anthropic.BadRequestError as error:
        check(error.status_code == 400, f"server tools: status {error.status_code}")
        check(error.body.get("error", {}).get("type") == "invalid_request_error", f"server tools: body {error.body}")
    try:
        client.messages.create(model="no-such-model", max_tokens=4, messages=messages)
        check(False, "an unknown model is refused")
    except anthropic.BadRequestError as error:
        check("no-such-model" in str(error), f"unknown model: {error}")
    after = client.messages.create(model=model, max_tokens=24, messages=messages, extra_body=GREEDY)
    check(after.content[0].text == answer, "the server answers the same after bad requests")

    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        sys.exit(1)
    print("all checks passed")


def tool_use_round_trip(client, model):
    """A call forced by tool_choice any (one call), whole, as raw events and as the SDK accumulates it; then the
    tool_use block and its tool_result sent back, and the model's answer in text."""
    tools = [{"name": "get_weather", "description": "The weather in a city now.",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}},
                               "required": ["city"], "additionalProperties": False}}]
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    forced = {"type": "any", "disable_parallel_tool_use": True}
    first = client.messages.create(model=model, max_tokens=60, messages=messages, tools=tools, tool_choice=forced,
                                   extra_body=GREEDY)
    uses = [block for block in first.content if block.type == "tool_use"]
    check(first.stop_reason == "tool_use", f"a call stops with tool_use, got {first.stop_reason}")
    if not check(len(uses) == 1 and uses[0].name == "get_weather", f"one get_weather call, got {first.content}"):
        return
    call = uses[0]
    check(call.id.startswith("toolu_"), f"tool_use id {call.id}")
    check(isinstance(call.input, dict) and set(call.input) == {"city"} and isinstance(call.input["city"], str)
          and 0 < len(call.input["city"]) <= 20, f"the call's input matches the schema: {call.input}")

    events = list(client.messages.create(model=model, max_tokens=60, messages=messages, tools=tools, tool_choice=forced,
                                         extra_body=GREEDY, stream=True))
    starts = [event for event in events if event.type == "content_block_start"]
    check(len(starts) == 1 and starts[0].content_block.type == "tool_use" and starts[0].content_block.name == "get_weather",
          f"the stream opens one tool_use block: {starts}")
    partial = [event.delta.partial_json for event in events
               if event.type == "content_block_delta" and event.delta.type == "input_json_delta"]
    check(len(partial) > 1, f"the input arrives in parts: {partial}")
    check(json.loads("".join(partial)) == call.input, f"streamed input {''.join(partial)!r} != {call.input}")
    with client.messages.stream(model=model, max_tokens=60, messages=messages, tools=tools, tool_choice=forced,
                                extra_body=GREEDY) as stream:
        final = stream.get_final_message()
    check(final.stop_reason == "tool_use" and final.content[-1].type == "tool_use" and final.content[-1].input == call.input,
          f"the accumulated message: {final}")

    # The call and its result go back; tool_choice none so that this small model answers in words.
    messages += [{"role": "assistant", "content": first.content},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18 degrees and sunny"}]}]
    answer = client.messages.create(model=model, max_tokens=30, messages=messages, tools=tools,
                                    tool_choice={"type": "none"}, extra_body=GREEDY)
    text = "".join(block.text for block in answer.content if block.type == "text")
    check(text != "" and answer.stop_reason in ("end_turn", "max_tokens"), f"the answer after the tool result: {answer}")
    check(answer.usage.input_tokens + (answer.usage.cache_read_input_tokens or 0) > first.usage.input_tokens
          + (first.usage.cache_read_input_tokens or 0), "the call and its result are in the prompt")
    try:
        client.messages.create(model=model, max_tokens=4, tools=tools, messages=[
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_unknown", "content": "x"}]}])
        check(False, "a tool_result for no tool_use is refused")
    except anthropic.BadRequestError as error:
        check("toolu_unknown" in str(error), f"the refusal names the id: {error}")


if __name__ == "__main__":
    main()
