#!/usr/bin/env python3
"""Writes SluiceTemplate's reference fixtures by rendering with Python's jinja2.

CI does not run this; the JSON it writes is committed. To regenerate:

    ~/.cache/sluice/peer-venv/bin/python scripts/make_template_fixtures.py

(the peer venv from scripts/setup_peer_python.sh has jinja2, which llama-cpp-python depends on).

The environment is built the way Hugging Face transformers builds it for `apply_chat_template`:
an ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the loopcontrols extension,
a `generation` block tag that renders its body, `tojson` replaced by
`json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)`,
and the globals `raise_exception` (raises TemplateError(message)) and `strftime_now`. Here
`strftime_now` reads a fixed clock (FIXED_NOW) so the fixtures do not depend on the day they were
made; the Swift tests pass the same wall-clock time.

Outputs (paths relative to the repository root):

  Tests/SluiceTemplateTests/Resources/template_fixtures.json
      {"jinja2", "now", "cases": [{"template", "conversation", "bos_token", "eos_token",
       "add_generation_prompt", "messages", "extra", "expected" | "error", "error_kind"}]}
      Every template in Resources/templates/*.jinja rendered with each conversation below, the way
      apply_chat_template calls it: render(messages=..., tools=None, documents=None,
      add_generation_prompt=..., bos_token=..., eos_token=..., **extra). `extra` holds `tools`
      (when the conversation has tools) and `date_string`. When jinja2 fails, "error" holds its
      message and "error_kind" is "raised" for raise_exception and "other" for anything else.

  Tests/SluiceTemplateTests/Resources/feature_fixtures.json
      {"jinja2", "cases": [{"name", "template", "context", "expected" | "error", "error_kind"}]}
      Small synthetic templates, one per language feature (FEATURE_CASES in
      scripts/template_feature_cases.py).
"""

import datetime
import json
import pathlib

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from template_feature_cases import CONTEXT, FEATURE_CASES

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "Tests" / "SluiceTemplateTests" / "Resources"
TEMPLATES = RESOURCES / "templates"

FIXED_NOW = datetime.datetime(2024, 7, 26, 13, 45, 30)
DATE_STRING = "26 Jul 2024"


class GenerationBlock(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}` renders its body, as in transformers (which also
    records where assistant tokens start and end; the text is unchanged)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


def make_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


ENV = make_environment()


def render(source, context):
    """Renders and returns {"expected": text} or {"error": message, "error_kind": kind}."""
    try:
        return {"expected": ENV.from_string(source).render(**context)}
    except jinja2.exceptions.TemplateSyntaxError as error:
        return {"error": error.message, "error_kind": "syntax"}
    except jinja2.exceptions.UndefinedError as error:
        return {"error": str(error), "error_kind": "other"}
    except jinja2.exceptions.TemplateError as error:
        # raise_exception raises the base TemplateError; jinja2's own failures use subclasses.
        kind = "raised" if type(error) is jinja2.exceptions.TemplateError else "other"
        return {"error": str(error), "error_kind": kind}
    except Exception as error:  # TypeError, ValueError... from Python operations
        return {"error": f"{type(error).__name__}: {error}", "error_kind": "other"}


# --- chat template fixtures -------------------------------------------------------------------

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name, e.g. Paris"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the web and return the top results (ünïcode ok).",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 3}},
                "required": ["query"],
            },
        },
    },
]

TOOL_CALL = {
    "id": "call12345",
    "type": "function",
    "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}

CONVERSATIONS = {
    "system_user": (
        [SYSTEM, {"role": "user", "content": "Hello! Who are you?"}],
        True, False,
    ),
    "multi_turn": (
        [
            {"role": "user", "content": "What is 2 + 2?"},
            {"role": "assistant", "content": "2 + 2 = 4."},
            {"role": "user", "content": "And times three?"},
        ],
        True, False,
    ),
    "system_multi_turn": (
        [
            SYSTEM,
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello, how can I help?"},
            {"role": "user", "content": "Tell me a joke."},
        ],
        True, False,
    ),
    "no_generation_prompt": (
        [
            {"role": "user", "content": "Say hi."},
            {"role": "assistant", "content": "Hi!"},
        ],
        False, False,
    ),
    "whitespace_unicode": (
        [
            {"role": "system", "content": "  Réponds en français.\n"},
            {"role": "user", "content": "\n  Qu'est-ce que \"ça\" veut dire ? 😀 ✓ 中文\t\n"},
        ],
        True, False,
    ),
    "content_parts": (
        [
            {"role": "user", "content": [
                {"type": "text", "text": "Describe this: "},
                {"type": "text", "text": "a red apple."},
            ]},
        ],
        True, False,
    ),
    "tools": (
        [SYSTEM, {"role": "user", "content": "What's the weather in Paris?"}],
        True, True,
    ),
    "tool_calls": (
        [
            {"role": "user", "content": "What's the weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
            {"role": "tool", "tool_call_id": "call12345", "name": "get_weather",
             "content": "{\"temperature\": 22, \"unit\": \"celsius\"}"},
        ],
        True, True,
    ),
    "thinking_history": (
        [
            {"role": "user", "content": "Is 17 prime?"},
            {"role": "assistant", "content": "<think>\nCheck divisors up to 4.\n</think>\n\nYes, 17 is prime.",
             "reasoning_content": "Check divisors up to 4."},
            {"role": "user", "content": "And 21?"},
        ],
        True, False,
    ),
    "roles_not_alternating": (
        [
            {"role": "user", "content": "First"},
            {"role": "user", "content": "Second"},
        ],
        True, False,
    ),
}

# Special tokens as the models' tokenizer configs declare them; anything else gets <s> and </s>.
SPECIAL_TOKENS = {
    "meta-llama-Llama-3.1-8B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Meta-Llama-3-8B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "fireworks-ai-llama-3-firefunction-v2": ("<|begin_of_text|>", "<|eot_id|>"),
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use": ("<|begin_of_text|>", "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Llama-8B": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-ai-DeepSeek-V3.1": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-ai-DeepSeek-V2.5": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "llama-cpp-deepseek-r1": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-ai-deepseek-coder-33b-instruct": ("<｜begin▁of▁sentence｜>", "<|EOT|>"),
    "google-gemma-2-2b-it": ("<bos>", "<eos>"),
    "google-gemma-3-4b-it": ("<bos>", "<eos>"),
    "google-gemma-7b-it": ("<bos>", "<eos>"),
    "Qwen-Qwen2.5-7B-Instruct": ("", "<|im_end|>"),
    "Qwen-QwQ-32B": ("", "<|im_end|>"),
    "Qwen-Qwen3-0.6B": ("", "<|im_end|>"),
    "HuggingFaceTB-SmolLM2-135M-Instruct": ("<|im_start|>", "<|im_end|>"),
    "HuggingFaceTB-SmolLM3-3B": ("", "<|im_end|>"),
    "teknium-OpenHermes-2.5-Mistral-7B": ("<s>", "<|im_end|>"),
    "microsoft-Phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "microsoft-Phi-3-mini-4k-instruct": ("<s>", "<|endoftext|>"),
    "microsoft-phi-4": ("<|endoftext|>", "<|im_end|>"),
    "openai-gpt-oss-120b": ("<|startoftext|>", "<|return|>"),
    "ibm-granite-granite-3.3-2B-Instruct": ("<|end_of_text|>", "<|end_of_text|>"),
    "ibm-granite-granite-3.0-8b-instruct": ("<|end_of_text|>", "<|end_of_text|>"),
    "CohereForAI-c4ai-command-r-plus": ("<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
    "CohereForAI-c4ai-command-r-plus-tool_use": ("<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
    "CohereForAI-c4ai-command-r7b-12-2024-tool_use": ("<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
}


# Variables a template needs beyond what apply_chat_template passes (firefunction-v2 reads the
# function list and the date from its own variables).
TEMPLATE_EXTRA = {
    "fireworks-ai-llama-3-firefunction-v2": {
        "functions": json.dumps([tool["function"] for tool in TOOLS], indent=2),
        "datetime": "2024-07-26",
    },
}


def chat_template_cases():
    cases = []
    for path in sorted(TEMPLATES.glob("*.jinja")):
        name = path.stem
        source = path.read_text(encoding="utf-8")
        bos, eos = SPECIAL_TOKENS.get(name, ("<s>", "</s>"))
        for conversation, (messages, add_generation_prompt, with_tools) in CONVERSATIONS.items():
            extra = {"date_string": DATE_STRING, **TEMPLATE_EXTRA.get(name, {})}
            if conversation == "thinking_history":
                extra["enable_thinking"] = False
            if with_tools:
                extra["tools"] = TOOLS
            context = {
                "messages": messages,
                "tools": None,
                "documents": None,
                "add_generation_prompt": add_generation_prompt,
                "bos_token": bos,
                "eos_token": eos,
                **extra,
            }
            case = {
                "template": name,
                "conversation": conversation,
                "bos_token": bos,
                "eos_token": eos,
                "add_generation_prompt": add_generation_prompt,
                "messages": messages,
                "extra": extra,
            }
            case.update(render(source, context))
            cases.append(case)
    return cases


# --- synthetic feature fixtures ---------------------------------------------------------------

def feature_cases():
    cases = []
    for entry in FEATURE_CASES:
        name, source = entry[0], entry[1]
        context = entry[2] if len(entry) > 2 else CONTEXT
        case = {"name": name, "template": source, "context": context}
        case.update(render(source, context))
        cases.append(case)
    return cases


def write(path, payload):
    text = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(payload['cases'])} cases)")


def main():
    chat_cases = chat_template_cases()
    write(RESOURCES / "template_fixtures.json",
          {"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": chat_cases})
    write(RESOURCES / "feature_fixtures.json",
          {"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": feature_cases()})
    for case in chat_cases:
        if "error" in case:
            print(f"  {case['template']} / {case['conversation']}: {case['error_kind']}: {case['error'][:90]}")


if __name__ == "__main__":
    main()
