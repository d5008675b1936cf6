"""``elci route - --json`` on 1,000 requests, process start included, against baselines.

Measures the wall-clock time of whole processes, as an admin meets them: ``elci route -
--json`` reading 1,000 lines on stdin (the labeled requests of
``tests/fixtures/routing_requests.csv``, repeated) and writing 1,000 JSON lines. In the same
run, on the same input, it times three baselines: ``python -c pass`` (the interpreter
alone), a trivial keyword matcher (reads the shipped YAML, counts keyword substrings per
department; no scikit-learn), and importing scikit-learn's text features and SVM alone
(what learning costs before any work). Each case runs ``--runs`` times; the table shows
the median and the best. Exits 1 when the median of ``elci route`` is 2 seconds or more.

    .venv/bin/python bench/route.py [--lines 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
FIXTURE = ROOT / "tests" / "fixtures" / "routing_requests.csv"
LIMIT_SECONDS = 2.0

KEYWORD_MATCHER = """
import json, sys, yaml
from importlib.resources import files
config = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
words = {key: [w.lower() for lang in (d.get("keywords") or {}).values() for w in lang]
         for key, d in config["departments"].items()}
out = []
for line in sys.stdin:
    text = line.lower()
    scores = {key: sum(w in text for w in ws) for key, ws in words.items()}
    best = max(scores, key=scores.get)
    out.append(json.dumps({"department": best if scores[best] else "none",
                           "confidence": scores[best]}))
sys.stdout.write("\\n".join(out) + "\\n")
"""
IMPORT_ONLY = (
    "from sklearn.feature_extraction.text import TfidfVectorizer; from sklearn.svm import LinearSVC"
)


def requests(n: int) -> bytes:
    with FIXTURE.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return ("\n".join(texts[i % len(texts)] for i in range(n)) + "\n").encode()


def timed(argv: list[str], stdin: bytes) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, check=True, timeout=60)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = requests(args.lines)
    python = str(VENV / "python")
    cases = {
        "elci route - --json": [str(VENV / "elci"), "route", "-", "--json"],
        "baseline: python -c pass": [python, "-c", "pass"],
        "baseline: keyword matcher": [python, "-c", KEYWORD_MATCHER],
        "baseline: import scikit-learn": [python, "-c", IMPORT_ONLY],
    }
    timed(cases["elci route - --json"], data)  # warm the file cache once
    results: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, argv in cases.items():
            seconds, out = timed(argv, data)
            results.setdefault(name, []).append(seconds)
            if name == "elci route - --json":
                lines = out.decode().splitlines()
                assert len(lines) == args.lines, len(lines)
                assert all("department" in json.loads(line) for line in lines)
    elci = statistics.median(results["elci route - --json"])
    print(f"{args.lines} lines, {args.runs} runs each, median (best) wall-clock seconds\n")
    print("| case | n | seconds | best | vs elci |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        median = statistics.median(runs)
        n = args.lines if "pass" not in name and "import" not in name else 0
        print(f"| {name} | {n} | {median:.3f} | {min(runs):.3f} | {median / elci:.2f} |")
    verdict = "under" if elci < LIMIT_SECONDS else "NOT under"
    print(f"\nelci route: {elci:.3f} s median, {verdict} the {LIMIT_SECONDS:.0f} s budget")
    return 0 if elci < LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
