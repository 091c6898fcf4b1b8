"""What the end-to-end client scripts share (e2e_openai, e2e_frameworks, e2e_embeddings, e2e_lmeval): checks
that name each failure and go on, and the exit that reports them. Imported from the scripts' own folder."""
import argparse
import sys

failures = []


def check(condition, message):
    """Records `message` as a failure when `condition` is false; returns the condition."""
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def finish():
    """Exits non-zero when any check failed, naming how many."""
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        sys.exit(1)
    print("all checks passed")


def served_model(client):
    """The id of the one model an OpenAI-compatible server serves (a check fails when it serves another number)."""
    models = client.models.list().data
    check(len(models) == 1, f"one served model, got {[m.id for m in models]}")
    return models[0].id


def connect():
    """Reads --base-url and --api-key, and returns an OpenAI client for them (no retries, 2-minute timeout) and
    the id of the model the server serves."""
    from openai import OpenAI  # each script's venv has its own openai

    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", default="unused")
    args = parser.parse_args()
    client = OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=120)
    return client, served_model(client)
