#!/usr/bin/env python3
"""Measures the topic tagger on a labelled CSV (default: ../shared/tagging/dev.csv) through the
real `mcfp classify` command: accuracy, recall per class, the majority-class baseline and the
ratio to it, the misclassified rows, and the time per proposal on this machine.

    python3 bench/tagging_accuracy.py [labelled.csv] [--bin target/release/mcfp]

Columns used: label, title, abstract (the tag-corrections CSV export works too)."""

import csv
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

    labels = sorted({r["label"] for r in rows})
    correct = sum(a["track"] == r["label"] for a, r in zip(answers, rows))
    accuracy = correct / len(rows)
    majority = max(labels, key=lambda l: sum(r["label"] == l for r in rows))
    baseline = sum(r["label"] == majority for r in rows) / len(rows)
    print(f"file: {os.path.relpath(path)}  proposals: {len(rows)}  machine: {os.cpu_count()} cores")
    print(f"accuracy: {accuracy:.3f} ({correct}/{len(rows)})")
    for label in labels:
        of_class = [(a, r) for a, r in zip(answers, rows) if r["label"] == label]
        hits = sum(a["track"] == label for a, _ in of_class)
        print(f"recall {label}: {hits / len(of_class):.3f} ({hits}/{len(of_class)})")
    print(f"baseline (always '{majority}'): {baseline:.3f}  ratio accuracy/baseline: {accuracy / baseline:.2f}")
    low = sum(a["confidence"] < 0.7 for a in answers)
    print(f"tags under 70 % confidence (the dashboard's 'to check' filter): {low}")
    print(f"time: {elapsed * 1000:.0f} ms for {len(rows)} proposals, including process start and model training "
          f"({elapsed * 1000 / len(rows):.1f} ms each)")
    for a, r in zip(answers, rows):
        if a["track"] != r["label"]:
            print(f"  wrong: {r['title']!r}: said {a['track']} ({a['confidence']:.2f}), label {r['label']}")


if __name__ == "__main__":
    main()
