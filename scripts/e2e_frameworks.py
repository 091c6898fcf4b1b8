#!/usr/bin/env python3
"""Drives a running OpenAI-compatible server with the agent frameworks people put in front of it, and
checks what comes back:

- instructor (`instructor.from_openai`) in Mode.JSON_SCHEMA (response_format json_schema) and Mode.TOOLS
  (a named tool_choice): a validated pydantic model, a nested one holding a list, and the model streamed as
  partial objects (`create_partial`);
- LangChain's ChatOpenAI: `with_structured_output` with method="json_schema" and "function_calling",
  `bind_tools` with a @tool function (forced and auto), a round trip (the call, a ToolMessage with its
  result, a final answer in words), and `stream` with bound tools, whose tool_call_chunks add up to the
  same call.

Every check holds for any served chat model that follows its chat template: forced modes wherever the
library has one, and an unambiguous prompt where the model chooses (tool_choice auto).

Usage: e2e_frameworks.py --base-url http://127.0.0.1:8000/v1 [--api-key KEY]
Exits non-zero, naming every failed check, when the server misbehaves.
"""
import json
import traceback
from typing import Literal

import instructor
import pydantic
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from e2e_checks import check, connect, finish  # the scripts' own folder



def checked(name, function, *arguments):
    """Runs one group of checks; an exception (a refusal, a parse the library gave up on) fails it by name."""
    try:
        function(*arguments)
        print(f"ok: {name}")
    except Exception as error:  # noqa: BLE001 - any library error is a failed check, named
        traceback.print_exc()
        check(False, f"{name}: {type(error).__name__}: {error}")


class Person(pydantic.BaseModel):
    """Someone named in a sentence; the bounds become schema keywords the grammar enforces."""
    name: str = pydantic.Field(min_length=1, max_length=30)
    age: int = pydantic.Field(ge=0, le=150)


class Member(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1, max_length=20)
    role: Literal["lead", "engineer", "designer"]


class Team(pydantic.BaseModel):
    """A nested model: a list of objects inside an object, with bounds on the list."""
    team: str = pydantic.Field(min_length=1, max_length=20)
    members: list[Member] = pydantic.Field(min_length=1, max_length=3)


PERSON_PROMPT = [{"role": "user", "content": "Extract the person: Maria Lopez is 34 years old."}]
TEAM_PROMPT = [{"role": "user", "content":
                "Extract the team: the Falcons team has Ana as lead and Bo as engineer."}]


def check_person(person, label):
    if not check(isinstance(person, Person), f"{label}: a Person, got {person!r}"):
        return
    check(0 < len(person.name) <= 30 and 0 <= person.age <= 150, f"{label}: fields within bounds: {person!r}")


def check_team(team, label):
    if not check(isinstance(team, Team), f"{label}: a Team, got {team!r}"):
        return
    check(1 <= len(team.members) <= 3 and all(isinstance(m, Member) for m in team.members),
          f"{label}: one to three members: {team!r}")


def instructor_mode(client, model, mode):
    """One instructor mode: a flat model, a nested one, and a flat one streamed as partial objects."""
    patched = instructor.from_openai(client, mode=mode)
    person, completion = patched.chat.completions.create_with_completion(
        model=model, messages=PERSON_PROMPT, response_model=Person, max_tokens=60, temperature=0, max_retries=1)
    check_person(person, f"instructor {mode.name}")
    check(completion.choices[0].finish_reason in ("stop", "tool_calls"),
          f"instructor {mode.name}: the answer ends by itself, got {completion.choices[0].finish_reason}")
    if mode == instructor.Mode.TOOLS:
        calls = completion.choices[0].message.tool_calls or []
        check(len(calls) == 1 and calls[0].function.name == "Person",
              f"instructor TOOLS: one call to the Person tool, got {calls}")
    team = patched.chat.completions.create(
        model=model, messages=TEAM_PROMPT, response_model=Team, max_tokens=120, temperature=0, max_retries=1)
    check_team(team, f"instructor {mode.name} nested")

    partials = list(patched.chat.completions.create_partial(
        model=model, messages=PERSON_PROMPT, response_model=Person, max_tokens=60, temperature=0, max_retries=1))
    check(len(partials) > 1, f"instructor {mode.name} partial: several partial objects, got {partials}")
    if partials:
        final = partials[-1]
        check(final.name == person.name and final.age == person.age,
              f"instructor {mode.name} partial: the last partial {final!r} equals the whole answer {person!r}")
        # A partial model fills in field by field: once set, a field's value only grows (strings) or stays.
        names = [p.name for p in partials if p.name is not None]
        check(all(later.startswith(earlier) for earlier, later in zip(names, names[1:])),
              f"instructor {mode.name} partial: the name grows as it streams: {names}")


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return "18 degrees and sunny"


def langchain_structured(chat, method):
    structured = chat.with_structured_output(Person, method=method, include_raw=True)
    result = structured.invoke(PERSON_PROMPT[0]["content"])
    check(result["parsing_error"] is None, f"langchain {method}: parsing error {result['parsing_error']}")
    check_person(result["parsed"], f"langchain {method}")
    raw = result["raw"]
    if method == "function_calling":
        check([call["name"] for call in raw.tool_calls] == ["Person"],
              f"langchain function_calling: one Person call, got {raw.tool_calls}")
    team = chat.with_structured_output(Team, method=method).invoke(TEAM_PROMPT[0]["content"])
    check_team(team, f"langchain {method} nested")


def check_weather_call(message, label):
    calls = message.tool_calls if isinstance(message, AIMessage) else []
    if not check(len(calls) == 1 and calls[0]["name"] == "get_weather", f"{label}: one get_weather call, got {calls}"):
        return None
    call = calls[0]
    check(set(call["args"]) == {"city"} and isinstance(call["args"]["city"], str) and call["args"]["city"],
          f"{label}: the args match the tool's schema: {call['args']}")
    check(bool(call["id"]), f"{label}: the call has an id")
    check(not message.invalid_tool_calls, f"{label}: no invalid tool calls: {message.invalid_tool_calls}")
    # LangChain validates the args against the tool's own schema when it runs it.
    check(get_weather.invoke(call["args"]) == "18 degrees and sunny", f"{label}: the tool runs on the args")
    return call


def langchain_tools(chat):
    question = HumanMessage("What is the weather in Paris right now? Use the get_weather tool.")
    forced = chat.bind_tools([get_weather], tool_choice="get_weather")
    first = forced.invoke([question])
    call = check_weather_call(first, "langchain bind_tools forced")
    if call is None:
        return
    check(first.response_metadata.get("finish_reason") == "tool_calls",
          f"langchain bind_tools: finish_reason {first.response_metadata.get('finish_reason')}")

    auto = chat.bind_tools([get_weather], tool_choice="auto").invoke([question])
    check_weather_call(auto, "langchain bind_tools auto")

    # The round trip: the call and its result go back; tool_choice none so that the answer comes in words.
    answer_turn = chat.bind_tools([get_weather], tool_choice="none")
    result = ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])
    final = answer_turn.invoke([question, first, result])
    check(isinstance(final.content, str) and final.content.strip() and not final.tool_calls,
          f"langchain round trip: a final answer in words, got {final!r}")
    check("18" in final.content, f"langchain round trip: the answer uses the tool's result: {final.content!r}")

    # Streamed with bound tools: the chunks add up to the same call as the whole answer.
    total = None
    chunks = 0
    for chunk in forced.stream([question]):
        chunks += 1
        total = chunk if total is None else total + chunk
    check(chunks > 2, f"langchain stream: several chunks, got {chunks}")
    pieces = total.tool_call_chunks if total is not None else []
    check(len(pieces) == 1 and pieces[0]["name"] == "get_weather" and pieces[0]["index"] == 0,
          f"langchain stream: the tool_call_chunks merge into one get_weather call: {pieces}")
    streamed = check_weather_call(total, "langchain stream")
    if streamed is not None:
        check(streamed["args"] == call["args"], f"langchain stream: args {streamed['args']} != {call['args']}")
        check(json.loads(pieces[0]["args"]) == call["args"], f"langchain stream: the raw args {pieces[0]['args']!r}")
    check(total is not None and total.response_metadata.get("finish_reason") == "tool_calls",
          f"langchain stream: finish_reason {total.response_metadata if total is not None else None}")


def main():
    client, model = connect()

    checked("instructor JSON_SCHEMA", instructor_mode, client, model, instructor.Mode.JSON_SCHEMA)
    checked("instructor TOOLS", instructor_mode, client, model, instructor.Mode.TOOLS)

    chat = ChatOpenAI(base_url=str(client.base_url), api_key=client.api_key, model=model, temperature=0, max_tokens=80,
                      max_retries=0, timeout=120)
    checked("langchain with_structured_output json_schema", langchain_structured, chat, "json_schema")
    checked("langchain with_structured_output function_calling", langchain_structured, chat, "function_calling")
    checked("langchain bind_tools", langchain_tools, chat)

    finish()


if __name__ == "__main__":
    main()
