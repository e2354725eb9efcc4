#!/usr/bin/env python3
"""Measures the topic tagger on a labelled CSV (default: ../shared/tagging/dev.csv) through the
real `mcfp classify` command: accuracy, precision and recall per class, the confusion matrix, the
majority-class baseline and the ratio to it, the misclassified rows, and the throughput in
proposals per second on one core (pinned with taskset when available), next to a machine
baseline (single-core SHA-256 throughput measured in the same run) and the ratio of the two.
The tagger is not trained on this file (it trains on its own corpus, src/tagging/corpus.csv),
so no cross-validation is needed here; the corpus's own 10-fold cross-validation is a unit test.

    python3 bench/tagging_accuracy.py [labelled.csv] [--bin target/release/mcfp]

Columns used: label, title, abstract (the tag-corrections CSV export works too)."""

import csv
import hashlib
import shutil
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--bin")]
    binary = os.path.join(ROOT, "target", "debug", "mcfp")
    if "--bin" in sys.argv:
        binary = sys.argv[sys.argv.index("--bin") + 1]
        args = [a for a in args if a != binary]
    path = args[0] if args else os.path.join(ROOT, "..", "shared", "tagging", "dev.csv")
    if not args and not os.path.exists(path):
        path = "/work/shared/tagging/dev.csv"  # the workplace's copy, for a clone elsewhere
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "-q", "--bin", "mcfp"], cwd=ROOT, check=True)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lines = "".join(json.dumps({"title": r["title"], "abstract": r["abstract"]}) + "\n" for r in rows)
    started = time.perf_counter()
    out = subprocess.run([binary, "classify"], input=lines, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == len(rows), "one answer per proposal"

    labels = sorted({r["label"] for r in rows} | {a["track"] for a in answers})
    correct = sum(a["track"] == r["label"] for a, r in zip(answers, rows))
    accuracy = correct / len(rows)
    majority = max(labels, key=lambda l: sum(r["label"] == l for r in rows))
    baseline = sum(r["label"] == majority for r in rows) / len(rows)
    print(f"file: {os.path.relpath(path)}  proposals: {len(rows)}  machine: {os.cpu_count()} cores")
    print(f"accuracy: {accuracy:.3f} ({correct}/{len(rows)})")
    for label in labels:
        actual = sum(r["label"] == label for r in rows)
        predicted = sum(a["track"] == label for a in answers)
        hits = sum(a["track"] == label and r["label"] == label for a, r in zip(answers, rows))
        precision = hits / predicted if predicted else float("nan")
        recall = hits / actual if actual else float("nan")
        print(f"{label:>15}: precision {precision:.3f} ({hits}/{predicted})  recall {recall:.3f} ({hits}/{actual})")
    print("confusion matrix (rows: label, columns: tagger):")
    print(" " * 17 + "".join(f"{l:>16}" for l in labels))
    for actual in labels:
        counts = [sum(r["label"] == actual and a["track"] == said for a, r in zip(answers, rows)) for said in labels]
        print(f"{actual:>16} " + "".join(f"{c:>16}" for c in counts))
    print(f"baseline (always '{majority}'): {baseline:.3f}  ratio accuracy/baseline: {accuracy / baseline:.2f}")
    low = sum(a["confidence"] < 0.7 for a in answers)
    print(f"tags under 70 % confidence (the dashboard's 'to check' filter): {low}")
    print(f"time: {elapsed * 1000:.0f} ms for {len(rows)} proposals, including process start and model training "
          f"({elapsed * 1000 / len(rows):.1f} ms each)")
    throughput(binary, lines, len(rows))
    for a, r in zip(answers, rows):
        if a["track"] != r["label"]:
            print(f"  wrong: {r['title']!r}: said {a['track']} ({a['confidence']:.2f}), label {r['label']}")


def one_core(command):
    """Pins the command to one core when taskset exists, so the figure is per core."""
    return (["taskset", "-c", "0"] + command) if shutil.which("taskset") else command


def throughput(binary, lines, count, repeat=40):
    """Proposals per second on one core, with the start-up (process, model training) subtracted."""
    def timed(text):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(one_core([binary, "classify"]), input=text, capture_output=True, text=True, check=True)
            best = min(best, time.perf_counter() - started)
        return best
    startup = timed("")
    loaded = timed(lines * repeat)
    per_second = count * repeat / max(loaded - startup, 1e-9)
    # Machine baseline: single-core SHA-256 over 64 MiB, so figures from other machines compare.
    data = b"\x5a" * (1 << 20)
    started = time.perf_counter()
    digest = hashlib.sha256()
    for _ in range(64):
        digest.update(data)
    baseline = 64 / (time.perf_counter() - started)
    print(f"throughput (one core): {per_second:,.0f} proposals/s over {count * repeat} proposals "
          f"(start-up incl. model training: {startup * 1000:.0f} ms)")
    print(f"machine baseline: SHA-256 {baseline:,.0f} MiB/s on one core; "
          f"ratio: {per_second / baseline:.2f} proposals per MiB hashed")


if __name__ == "__main__":
    main()
