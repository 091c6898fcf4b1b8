#!/usr/bin/env python3
"""Drives a running OpenAI-compatible server with the official `openai` client and checks
what comes back: completions, chat, streaming with usage, n=2, logprobs, stop strings,
seed reproducibility, 8 concurrent streams, the Responses API (whole and streamed), structured output
(the SDK's `parse` with a pydantic model on chat and on responses' text.format, json_schema streamed,
vLLM's structured_outputs through extra_body), chat's prompt_logprobs through extra_body, a tool-calling round trip (a named tool call, the tool's result, the final answer)
on chat and on the Responses API (function tools, function_call items whole and streamed, function_call_output), chat's
`echo`, and errors.

Usage: e2e_openai.py --base-url http://127.0.0.1:8000/v1 [--api-key KEY]
Exits non-zero, naming every failed check, when the server misbehaves.
"""
import concurrent.futures
import json
from typing import Literal

import openai
import pydantic

from e2e_checks import check, connect, finish  # the scripts' own folder

class City(pydantic.BaseModel):
    """The structured-output checks' schema, as the SDK turns it into a strict JSON schema."""
    name: str = pydantic.Field(max_length=20)
    population: int = pydantic.Field(ge=0)
    size: Literal["small", "big"]


def main():
    client, model = connect()

    # Completions, greedy.
    completion = client.completions.create(model=model, prompt="The capital of France is", max_tokens=8, temperature=0)
    choice = completion.choices[0]
    check(completion.object == "text_completion", f"completion object {completion.object}")
    check(len(choice.text) > 0, "completion text is empty")
    check(choice.finish_reason == "length", f"8 tokens of 8 finish with length, got {choice.finish_reason}")
    check(completion.usage.completion_tokens == 8, f"usage completion_tokens {completion.usage.completion_tokens}")
    check(completion.usage.total_tokens == completion.usage.prompt_tokens + 8, "usage total")

    # Chat, non-streaming then streaming with usage: the same greedy text.
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    chat = client.chat.completions.create(model=model, messages=messages, max_tokens=24, temperature=0)
    answer = chat.choices[0].message.content
    check(chat.choices[0].message.role == "assistant", "chat role")
    check(len(answer) > 0, "chat answer is empty")
    check(chat.choices[0].finish_reason in ("stop", "length"), f"chat finish {chat.choices[0].finish_reason}")

    stream = client.chat.completions.create(model=model, messages=messages, max_tokens=24, temperature=0,
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    check(chunks[0].choices[0].delta.role == "assistant", "first stream chunk carries the role")
    content_chunks = [c for c in chunks if c.choices]
    streamed = "".join(c.choices[0].delta.content or "" for c in content_chunks)
    check(streamed == answer, f"streamed {streamed!r} != non-streamed {answer!r}")
    finishes = [c.choices[0].finish_reason for c in content_chunks if c.choices[0].finish_reason]
    check(finishes == [chat.choices[0].finish_reason], f"one finish_reason on the last chunk, got {finishes}")
    check(chunks[-1].choices == [] and chunks[-1].usage is not None, "a usage chunk ends the stream")
    if chunks[-1].usage is not None:
        check(chunks[-1].usage.completion_tokens == chat.usage.completion_tokens, "streamed usage matches")

    # n = 2.
    two = client.completions.create(model=model, prompt="Once upon a time", max_tokens=6, n=2, temperature=1, seed=5)
    check(sorted(c.index for c in two.choices) == [0, 1], f"n=2 indices {[c.index for c in two.choices]}")
    check(two.usage.completion_tokens == 12, f"n=2 usage completion_tokens {two.usage.completion_tokens}")

    # Logprobs, completions and chat.
    scored = client.completions.create(model=model, prompt="1, 2, 3,", max_tokens=4, temperature=0, logprobs=3)
    logprobs = scored.choices[0].logprobs
    check(len(logprobs.tokens) == 4 and len(logprobs.token_logprobs) == 4, "completion logprobs per token")
    check(all(len(top) == 3 for top in logprobs.top_logprobs), "three alternatives per token")
    check(all(lp <= 0 for lp in logprobs.token_logprobs), "log-probabilities are <= 0")
    check(all(max(top.values()) == lp for top, lp in zip(logprobs.top_logprobs, logprobs.token_logprobs)),
          "greedy picks the likeliest alternative")
    chat_scored = client.chat.completions.create(model=model, messages=messages, max_tokens=4, temperature=0,
                                                 logprobs=True, top_logprobs=2)
    content = chat_scored.choices[0].logprobs.content
    check(len(content) == 4 and all(len(t.top_logprobs) == 2 for t in content), "chat logprobs shape")

    # Stop: a string from the greedy text ends the text just before it.
    full = client.completions.create(model=model, prompt="The capital of France is", max_tokens=16, temperature=0)
    text = full.choices[0].text
    stop = text[len(text) // 2: len(text) // 2 + 3]
    if check(len(stop.strip()) > 0, f"no stop string to try in {text!r}"):
        stopped = client.completions.create(model=model, prompt="The capital of France is", max_tokens=16,
                                            temperature=0, stop=[stop])
        check(stopped.choices[0].text == text[:text.index(stop)], f"stop {stop!r}: {stopped.choices[0].text!r}")
        check(stopped.choices[0].finish_reason == "stop", "a stop string finishes with stop")

    # Seed reproducibility.
    def seeded(seed):
        return client.completions.create(model=model, prompt="My favourite animal is", max_tokens=12,
                                         temperature=1.0, seed=seed).choices[0].text
    first, again = seeded(1234), seeded(1234)
    check(first == again, f"seed 1234 twice: {first!r} vs {again!r}")

    # 8 concurrent streams, each equal to its greedy text alone.
    prompts = [f"Count from {i} to {i + 5}:" for i in range(8)]
    alone = [client.completions.create(model=model, prompt=p, max_tokens=10, temperature=0).choices[0].text
             for p in prompts]

    def stream_one(prompt):
        parts = client.completions.create(model=model, prompt=prompt, max_tokens=10, temperature=0, stream=True)
        return "".join(chunk.choices[0].text for chunk in parts if chunk.choices)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(stream_one, prompts))
    for index, (solo, batched) in enumerate(zip(alone, together)):
        check(solo == batched, f"stream {index}: alone {solo!r}, concurrent {batched!r}")

    # The Responses API, stateless: the same greedy answer as chat, whole and streamed.
    question = "What is the capital of France?"
    response = client.responses.create(model=model, input=question, max_output_tokens=24, temperature=0, store=False)
    check(response.object == "response" and response.id.startswith("resp_"), f"response {response.id}")
    check(response.output_text == answer, f"responses {response.output_text!r} != chat {answer!r}")
    expected_status = "completed" if chat.choices[0].finish_reason == "stop" else "incomplete"
    check(response.status == expected_status, f"response status {response.status}, expected {expected_status}")
    check(response.usage.input_tokens == chat.usage.prompt_tokens, "responses input_tokens")
    check(response.usage.output_tokens == chat.usage.completion_tokens, "responses output_tokens")
    events = list(client.responses.create(model=model, input=[{"role": "user", "content": question}],
                                          max_output_tokens=24, temperature=0, stream=True))
    kinds = [event.type for event in events]
    check(kinds[:2] == ["response.created", "response.in_progress"], f"responses stream opens with {kinds[:2]}")
    check(kinds[-1] == f"response.{expected_status}", f"responses stream ends with {kinds[-1]}")
    streamed = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    check(streamed == answer, f"streamed response {streamed!r} != {answer!r}")
    check(events[-1].response.output_text == answer, "the closing event carries the whole response")
    # (The helper's get_final_response wants response.completed, which a cut-off answer never has.)
    with client.responses.stream(model=model, input=question, max_output_tokens=24, temperature=0) as stream:
        helper_text = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
    check(helper_text == answer, f"responses.stream text {helper_text!r}")
    try:
        client.responses.create(model=model, input=question, previous_response_id="resp_unknown")
        check(False, "previous_response_id is refused")
    except openai.BadRequestError as error:
        check("previous_response_id" in str(error), f"previous_response_id: {error}")
    structured_output(client, model)
    tool_round_trip(client, model)
    responses_tool_round_trip(client, model)
    chat_echo(client, model)

    # vLLM's prompt_logprobs on chat, through extra_body: one entry per rendered prompt token (the first
    # null), each holding that token; the same as /v1/completions gives for the rendered tokens.
    with_prompt = client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}],
                                                 max_tokens=1, temperature=0, extra_body={"prompt_logprobs": 1})
    positions = (with_prompt.model_extra or {}).get("prompt_logprobs") or []
    check(len(positions) == with_prompt.usage.prompt_tokens and positions[:1] == [None],
          f"chat prompt_logprobs: {len(positions)} entries for {with_prompt.usage.prompt_tokens} prompt tokens")
    check(all(1 <= len(entry) <= 2 for entry in positions[1:]), "chat prompt_logprobs: the token and one alternative")

    # Errors come back as OpenAI errors, and the server keeps serving.
    try:
        client.completions.create(model=model, prompt="hello " * 5000, max_tokens=4)
        check(False, "a prompt longer than the context is refused")
    except openai.BadRequestError as error:
        check(error.status_code == 400, f"too long: status {error.status_code}")
    try:
        client.completions.create(model="no-such-model", prompt="hi", max_tokens=2)
        check(False, "an unknown model is refused")
    except (openai.BadRequestError, openai.NotFoundError) as error:
        check(error.status_code in (400, 404), f"unknown model: status {error.status_code}")
    try:
        client.completions.create(model=model, prompt="hi", max_tokens=2, temperature=-1)
        check(False, "a negative temperature is refused")
    except openai.BadRequestError:
        pass
    try:
        client.embeddings.create(model=model, input="hello")
        check(False, "a generative model refuses /v1/embeddings")
    except openai.BadRequestError as error:
        check("generative model" in str(error), f"embeddings on a generative model: {error}")
    after = client.completions.create(model=model, prompt="The capital of France is", max_tokens=8, temperature=0)
    check(after.choices[0].text == completion.choices[0].text, "the server answers the same after bad requests")

    finish()


def structured_output(client, model):
    """The SDK's `parse` with a pydantic model, the same schema streamed, and vLLM's fields."""
    question = [{"role": "user", "content": "Describe a city as JSON."}]
    parsed = client.beta.chat.completions.parse(model=model, messages=question, response_format=City,
                                                max_tokens=120, temperature=0)
    message = parsed.choices[0].message
    check(isinstance(message.parsed, City), f"parse gives a City, got {message.parsed!r} from {message.content!r}")
    check(parsed.choices[0].finish_reason == "stop", f"parse finish {parsed.choices[0].finish_reason}")

    # Strict, as the SDK's parse sends it: no properties beyond City's (a larger model adds some otherwise).
    schema = {**City.model_json_schema(), "additionalProperties": False}
    stream = client.chat.completions.create(
        model=model, messages=question, max_tokens=120, temperature=0, stream=True,
        response_format={"type": "json_schema", "json_schema": {"name": "City", "schema": schema, "strict": True}})
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    try:
        City.model_validate_json(streamed)
    except pydantic.ValidationError as error:
        check(False, f"streamed json_schema output {streamed!r} does not validate: {error}")

    # The Responses API's text.format, through the SDK's own parse.
    parsed_response = client.responses.parse(model=model, input="Describe a city as JSON.", text_format=City,
                                             max_output_tokens=120, temperature=0)
    check(isinstance(parsed_response.output_parsed, City),
          f"responses.parse gives a City, got {parsed_response.output_parsed!r} from {parsed_response.output_text!r}")

    regex = client.completions.create(model=model, prompt="The year is", max_tokens=10, temperature=0,
                                      extra_body={"structured_outputs": {"regex": "[12][0-9]{3}"}})
    year = regex.choices[0].text
    check(len(year) == 4 and year.isdigit() and year[0] in "12", f"structured_outputs regex gave {year!r}")
    picked = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Is water wet?"}],
                                            max_tokens=5, n=2, temperature=1, seed=3,
                                            extra_body={"guided_choice": ["yes", "no"]})
    answers = [c.message.content for c in picked.choices]
    check(all(a in ("yes", "no") for a in answers), f"guided_choice answers {answers}")
    try:
        client.chat.completions.create(model=model, messages=question, max_tokens=4, response_format={
            "type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "not": {}}}})
        check(False, "a schema keyword the server cannot enforce is refused")
    except openai.BadRequestError as error:
        check("keywords: not" in str(error), f"the refusal names the keyword: {error}")


def tool_round_trip(client, model):
    """A call forced by tool_choice, its result sent back as a tool message, then the model's answer."""
    tools = [{"type": "function", "function": {
        "name": "get_weather", "description": "The weather in a city now.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}},
                       "required": ["city"], "additionalProperties": False}}}]
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    # The forced output is the whole call object, {"name": ..., "arguments": ...}: SmolLM2 spends 60 tokens on it.
    first = client.chat.completions.create(model=model, messages=messages, tools=tools, max_tokens=100, temperature=0,
                                           tool_choice={"type": "function", "function": {"name": "get_weather"}})
    choice = first.choices[0]
    check(choice.finish_reason == "tool_calls", f"a forced tool call finishes with tool_calls, got {choice.finish_reason}")
    calls = choice.message.tool_calls or []
    if not check(len(calls) == 1 and calls[0].function.name == "get_weather", f"one get_weather call, got {calls}"):
        return
    arguments = json.loads(calls[0].function.arguments)
    check(isinstance(arguments.get("city"), str), f"the call's arguments hold a city: {arguments}")
    stream = client.chat.completions.create(model=model, messages=messages, tools=tools, max_tokens=100, temperature=0,
                                            stream=True, tool_choice={"type": "function", "function": {"name": "get_weather"}})
    parts = [c.choices[0] for c in stream if c.choices]
    deltas = [d for p in parts for d in (p.delta.tool_calls or [])]
    check(deltas and deltas[0].function.name == "get_weather", f"a streamed call starts with its name: {deltas}")
    streamed = "".join(d.function.arguments or "" for d in deltas)
    # Streamed arguments are the model's own characters, sent as they are generated; unstreamed ones compact JSON.
    check(len(deltas) > 2, f"the arguments arrive in several parts: {deltas}")
    check(json.loads(streamed) == arguments, f"streamed arguments {streamed!r} != {calls[0].function.arguments!r}")
    check(parts[-1].finish_reason == "tool_calls", f"a streamed call finishes with tool_calls: {parts[-1]}")
    messages.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": calls[0].id, "type": "function",
         "function": {"name": "get_weather", "arguments": calls[0].function.arguments}}]})
    messages.append({"role": "tool", "tool_call_id": calls[0].id, "content": "18 degrees and sunny"})
    final = client.chat.completions.create(model=model, messages=messages, tools=tools, max_tokens=30, temperature=0)
    answer = final.choices[0]
    check(answer.finish_reason in ("stop", "length", "tool_calls"), f"the answer after the tool result: {answer}")
    check(bool(answer.message.content) or bool(answer.message.tool_calls), "the answer after the tool result is empty")


def responses_tool_round_trip(client, model):
    """Responses API function tools: a call forced by tool_choice, whole and streamed, then the call and its output
    sent back as input items, then the model's answer in text."""
    tools = [{"type": "function", "name": "get_weather", "description": "The weather in a city now.", "strict": True,
              "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}},
                             "required": ["city"], "additionalProperties": False}}]
    question = [{"role": "user", "content": "What is the weather in Paris?"}]
    forced = {"tool_choice": "required", "parallel_tool_calls": False}
    first = client.responses.create(model=model, input=question, tools=tools, max_output_tokens=60, temperature=0, **forced)
    calls = [item for item in first.output if item.type == "function_call"]
    if not check(len(calls) == 1 and calls[0].name == "get_weather", f"responses: one get_weather call, got {first.output}"):
        return
    call = calls[0]
    arguments = json.loads(call.arguments)
    check(set(arguments) == {"city"} and isinstance(arguments["city"], str) and 0 < len(arguments["city"]) <= 20,
          f"responses: the call's arguments match the schema: {arguments}")
    check(call.status == "completed" and call.call_id and call.id, f"responses: the call item {call}")
    check(first.status == "completed" and first.output_text == "", f"responses: a call alone, {first.status} {first.output_text!r}")

    events = list(client.responses.create(model=model, input=question, tools=tools, max_output_tokens=60, temperature=0,
                                          stream=True, **forced))
    added = [e for e in events if e.type == "response.output_item.added"]
    check(len(added) == 1 and added[0].item.type == "function_call" and added[0].item.name == "get_weather",
          f"responses stream: the call's item opens with its name: {added}")
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    check(len(deltas) > 1, f"responses stream: the arguments arrive in parts: {deltas}")
    streamed = "".join(deltas)
    done = [e for e in events if e.type == "response.function_call_arguments.done"]
    check(len(done) == 1 and done[0].arguments == streamed, f"responses stream: arguments done {done}")
    check(json.loads(streamed) == arguments, f"responses stream: {streamed!r} != {call.arguments!r}")
    check(events[-1].type == "response.completed" and events[-1].response.output[0].arguments == streamed,
          f"responses stream ends with the call: {events[-1]}")

    # The call and its output go back as input items; tool_choice none so that this small model answers in words.
    second = client.responses.create(
        model=model, tools=tools, tool_choice="none", max_output_tokens=30, temperature=0,
        input=question + [call, {"type": "function_call_output", "call_id": call.call_id, "output": "18 degrees and sunny"}])
    check(second.output_text != "", f"responses: the answer after the call's output is empty: {second.output}")
    # Against the same request without the call and its output (with tool_choice none a template may leave the
    # tools out, so the first, forced request's prompt is no yardstick).
    alone = client.responses.create(model=model, tools=tools, tool_choice="none", max_output_tokens=1, temperature=0,
                                    input=question)
    check(second.usage.input_tokens > alone.usage.input_tokens + 10,
          f"responses: the call and its output are in the prompt ({second.usage.input_tokens} against {alone.usage.input_tokens})")
    try:
        client.responses.create(model=model, input="Hi", tools=[{"type": "web_search"}], max_output_tokens=4)
        check(False, "responses: a hosted tool is refused")
    except openai.BadRequestError as error:
        check("web_search" in str(error), f"responses: the refusal names the tool type: {error}")


def chat_echo(client, model):
    """vLLM's `echo` on chat: a continued assistant turn comes back whole, streamed or not."""
    messages = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "My favourite colour is"}]
    extra = {"echo": True, "continue_final_message": True, "add_generation_prompt": False}
    plain = client.chat.completions.create(model=model, messages=messages, max_tokens=6, temperature=0,
                                           extra_body={k: v for k, v in extra.items() if k != "echo"})
    echoed = client.chat.completions.create(model=model, messages=messages, max_tokens=6, temperature=0, extra_body=extra)
    check(echoed.choices[0].message.content == "My favourite colour is" + plain.choices[0].message.content,
          f"chat echo: {echoed.choices[0].message.content!r}")
    stream = client.chat.completions.create(model=model, messages=messages, max_tokens=6, temperature=0, stream=True,
                                            extra_body=extra)
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    check(streamed == echoed.choices[0].message.content, f"chat echo streamed: {streamed!r}")


if __name__ == "__main__":
    main()
