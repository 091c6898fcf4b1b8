#!/usr/bin/env python3
"""Summarises a scripts/scale_out.sh result folder: each run's prefix-cache hit rate per replica and
overall with its TTFT, the medians per policy over the rounds, cache_aware's ratios to round_robin
and to single against issue 15's goals, and what SMG's GET /workers reported about each replica
(its load as read from the replicas' /metrics) while the runs were busy.

    python3 scripts/scale_out_summary.py DIR      # DIR holds runs.tsv, header.txt, *-workers*.json*
"""

import csv
import json
import statistics
import sys
from pathlib import Path


def rate(hits, queries):
    return hits / queries if queries else float("nan")


def load_runs(folder):
    """{(round, policy): {"replicas": [(queries, hits)], "p50": ms, "p90": ms, "completed", "failed"}}"""
    runs = {}
    with open(folder / "runs.tsv") as tsv:
        for row in csv.DictReader(tsv, delimiter="\t"):
            run = runs.setdefault((int(row["round"]), row["policy"]), {
                "replicas": [], "p50": float(row["ttft_p50_ms"]), "p90": float(row["ttft_p90_ms"]),
                "completed": int(row["completed"]), "failed": int(row["failed"])})
            run["replicas"].append((int(row["queries"]), int(row["hits"])))
    return runs


def overall(run):
    return rate(sum(h for _, h in run["replicas"]), sum(q for q, _ in run["replicas"]))


def workers_of(body):
    workers = body.get("workers", body) if isinstance(body, dict) else body
    return workers if isinstance(workers, list) else []


def load_figures(worker):
    loads = (worker.get("engine_load") or {}).get("loads") or [{}]
    return loads[0]


def describe_workers(folder, name):
    """What SMG showed for each worker during the run: token_usage, running and waiting as polled from
    the replica's /metrics, and `load`, the requests SMG itself has in flight there."""
    lines = []
    seen = {}
    during = folder / f"{name}-workers-during.jsonl"
    samples = 0
    if during.exists():
        for line in during.read_text().splitlines():
            try:
                body = json.loads(line)
            except ValueError:
                continue
            samples += 1
            for worker in workers_of(body):
                load = load_figures(worker)
                entry = seen.setdefault(worker.get("url"), {
                    "runtime_type": worker.get("runtime_type"), "usage": [], "running": [], "waiting": [],
                    "in_flight": []})
                if worker.get("load") is not None:
                    entry["in_flight"].append(worker["load"])
                for key, field in (("usage", "token_usage"), ("running", "num_running_reqs"),
                                   ("waiting", "num_waiting_reqs")):
                    if load.get(field) is not None:
                        entry[key].append(load[field])
    for url, entry in sorted(seen.items()):
        def peak(values):
            return f"{max(values):.3g}" if values else "-"

        def mean(values):
            return f"{statistics.mean(values):.3g}" if values else "-"

        lines.append(f"  {name}: {url} runtime_type={entry['runtime_type']} over {samples} samples: "
                     f"token_usage mean {mean(entry['usage'])} max {peak(entry['usage'])}, "
                     f"running mean {mean(entry['running'])} max {peak(entry['running'])}, "
                     f"waiting max {peak(entry['waiting'])}; SMG's own in-flight count mean "
                     f"{mean(entry['in_flight'])} max {peak(entry['in_flight'])}")
    return lines


def main():
    folder = Path(sys.argv[1])
    runs = load_runs(folder)
    header = folder / "header.txt"
    if header.exists():
        print(header.read_text().rstrip())
    print()
    print(f"{'round':<6}{'policy':<14}{'hit rate per replica':<24}{'hit rate':>9}{'TTFT p50':>11}{'TTFT p90':>11}"
          f"{'done':>6}{'failed':>7}  prompt tokens per replica")
    for (round_, policy), run in sorted(runs.items()):
        per_replica = " / ".join(f"{rate(h, q):.3f}" for q, h in run["replicas"])
        print(f"{round_:<6}{policy:<14}{per_replica:<24}{overall(run):>9.3f}{run['p50']:>9.0f}ms{run['p90']:>9.0f}ms"
              f"{run['completed']:>6}{run['failed']:>7}  " + " / ".join(f"{q / 1000:.0f}k" for q, _ in run["replicas"]))

    policies = []
    for (_, policy) in sorted(runs, key=lambda key: key[0]):
        if policy not in policies:
            policies.append(policy)
    medians = {}
    print()
    print("medians over rounds:")
    for policy in policies:
        mine = [run for (_, name), run in runs.items() if name == policy]
        medians[policy] = {
            "hit": statistics.median(overall(run) for run in mine),
            "p50": statistics.median(run["p50"] for run in mine),
            "p90": statistics.median(run["p90"] for run in mine),
        }
        figures = medians[policy]
        print(f"  {policy:<14} hit rate {figures['hit']:.3f}  TTFT p50 {figures['p50']:.0f} ms  p90 {figures['p90']:.0f} ms"
              f"  ({len(mine)} runs)")

    if "cache_aware" in medians:
        aware = medians["cache_aware"]
        print()
        if "single" in medians:
            ratio = aware["hit"] / medians["single"]["hit"]
            print(f"cache_aware / single hit rate: {ratio:.2f} (goal >= 0.90: {'met' if ratio >= 0.9 else 'NOT met'})")
        if "round_robin" in medians:
            robin = medians["round_robin"]
            ratio = aware["hit"] / robin["hit"]
            print(f"cache_aware / round_robin hit rate: {ratio:.2f} (goal >= 1.5: {'met' if ratio >= 1.5 else 'NOT met'})")
            lower = aware["p50"] < robin["p50"]
            print(f"cache_aware / round_robin TTFT p50: {aware['p50'] / robin['p50']:.2f} "
                  f"(goal: lower: {'met' if lower else 'NOT met'})")

    lines = []
    for (round_, policy) in sorted(runs):
        if policy != "single":
            lines += describe_workers(folder, f"{policy}-r{round_}")
    if lines:
        print()
        print("SMG GET /workers while busy (its load poll of each replica's /metrics):")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
