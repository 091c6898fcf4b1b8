#!/usr/bin/env python3
"""Runs lm-evaluation-harness (lm-eval, installed by scripts/setup_lmeval_python.sh) against a
running server on the local tasks in scripts/lmeval, and checks what it got:

- `local-completions` on sluice_mc (20 multiple-choice questions: log-likelihood requests, sent as
  token ids with `echo` and `logprobs`, tokenized by the server through /tokenizer_info, /tokenize
  and /detokenize): the run completes, the accuracy is a number, and each log-likelihood the harness
  recorded equals the one /v1/completions with `echo` gives for the same tokens;
- `local-chat-completions` on sluice_gen (10 generate_until items, the server's chat template):
  the run completes and exact_match is a number;
- each run twice gives the same numbers (greedy).

It runs the harness through `lm_eval.simple_evaluate`, what `lm_eval run` calls, with a task manager
that indexes only scripts/lmeval: the command line also indexes the thousands of built-in task files,
which takes minutes on a small machine.

Usage: e2e_lmeval.py --base-url http://127.0.0.1:8000 --model NAME --workdir DIR
Run it with the lm-eval venv's python. Exits non-zero, naming every failed check.
"""
import argparse
import json
import math
import os
import traceback
import urllib.request

from e2e_checks import check, finish  # the scripts' own folder

TASKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lmeval")


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def run_harness(args, model, endpoint, task, chat=False):
    """One evaluation; returns (its results block for `task`, its logged samples by doc_id)."""
    import lm_eval
    from lm_eval.tasks import TaskManager

    model_args = f"model={args.model},base_url={args.base_url}{endpoint},num_concurrent=2,max_retries=1,timeout=120"
    if model == "local-completions":
        model_args += ",tokenizer_backend=remote"
    try:
        output = lm_eval.simple_evaluate(
            model=model, model_args=model_args, tasks=[task], log_samples=True, apply_chat_template=chat,
            bootstrap_iters=0, task_manager=TaskManager(include_path=TASKS, include_defaults=False))
    except Exception:
        check(False, f"{model} on {task} failed:\n{traceback.format_exc()}")
        return None, []
    samples = sorted(output["samples"][task], key=lambda sample: sample["doc_id"])
    return output["results"][task], samples


def loglikelihoods(samples):
    """Every (context, continuation) request's log-likelihood, in order."""
    return [response[0][0] for sample in samples for response in sample["resps"]]


def echoed_loglikelihood(args, context, continuation):
    """What /v1/completions with echo gives for the harness's request, tokenized as the harness does:
    the whole text, with the context's own tokens counted off its front."""
    server = args.base_url.rstrip("/")
    whole = post(f"{server}/tokenize", {"prompt": context + continuation, "add_special_tokens": False})["tokens"]
    context_ids = post(f"{server}/tokenize", {"prompt": context, "add_special_tokens": False})["tokens"]
    answer = post(f"{server}/v1/completions", {"model": args.model, "prompt": whole, "max_tokens": 1, "temperature": 0,
                                                "echo": True, "logprobs": 1})
    values = answer["choices"][0]["logprobs"]["token_logprobs"]
    return sum(values[len(context_ids):len(whole)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    args.base_url = args.base_url.rstrip("/")
    # Before lm_eval (and datasets) load: nothing from the hub, caches under the work directory, and the
    # tasks' data_files read relative to their directory.
    os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
                      HF_HOME=os.path.join(args.workdir, "hf"),
                      HF_DATASETS_CACHE=os.path.join(args.workdir, "hf", "datasets"))
    os.makedirs(args.workdir, exist_ok=True)
    os.chdir(TASKS)

    # Log-likelihoods through local-completions, twice.
    runs = [run_harness(args, "local-completions", "/v1/completions", "sluice_mc") for _ in range(2)]
    (first, first_samples), (second, second_samples) = runs
    if first is not None and second is not None:
        accuracy = first.get("acc,none")
        check(isinstance(accuracy, float) and 0 <= accuracy <= 1, f"sluice_mc accuracy {accuracy!r}")
        check(len(first_samples) == 20, f"sluice_mc: {len(first_samples)} samples, not 20")
        values = loglikelihoods(first_samples)
        check(len(values) == 80 and all(math.isfinite(v) and v < 0 for v in values),
              f"sluice_mc: {len(values)} log-likelihoods, not 80 finite negative ones")
        check(second.get("acc,none") == accuracy, f"the second run's accuracy {second.get('acc,none')} != {accuracy}")
        again = loglikelihoods(second_samples)
        check(len(again) == len(values) and all(abs(a - b) < 1e-4 for a, b in zip(values, again)),
              "the second run's log-likelihoods differ")
        # The harness's numbers are the server's: the first three questions' requests, by hand.
        for sample in first_samples[:3]:
            for (context, continuation), response in zip(sample["arguments"], sample["resps"]):
                direct = echoed_loglikelihood(args, context, continuation)
                check(abs(direct - response[0][0]) < 1e-4,
                      f"{context[-30:]!r} + {continuation!r}: harness {response[0][0]} != echo {direct}")
        print(f"sluice_mc: accuracy {accuracy} over {len(first_samples)} questions, {len(values)} log-likelihoods")

    # Generation through local-chat-completions with the server's chat template, twice.
    runs = [run_harness(args, "local-chat-completions", "/v1/chat/completions", "sluice_gen", chat=True) for _ in range(2)]
    (first, first_samples), (second, second_samples) = runs
    if first is not None and second is not None:
        score = first.get("exact_match,last_word")
        check(isinstance(score, float) and 0 <= score <= 1, f"sluice_gen exact_match {score!r}")
        texts = [sample["resps"][0][0] for sample in first_samples]
        check(len(texts) == 10 and all(isinstance(text, str) for text in texts), f"sluice_gen answers {texts!r}")
        check(any(text.strip() for text in texts), "every sluice_gen answer is empty")
        check(second.get("exact_match,last_word") == score,
              f"the second run's exact_match {second.get('exact_match,last_word')} != {score}")
        check([sample["resps"][0][0] for sample in second_samples] == texts, "the second run's answers differ")
        print(f"sluice_gen: exact_match {score}, answers {texts!r}")

    finish()


if __name__ == "__main__":
    main()
