"""Routing quality of the shipped vocabulary on the labeled requests (``pytest -s`` prints
per-department accuracy and the confusion pairs)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from bot.config import load_config
from bot.routing import build_classifier

FIXTURE = Path(__file__).parent.parent / "fixtures" / "routing_requests.csv"


def test_shipped_vocabulary_routes_the_labeled_requests() -> None:
    with FIXTURE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 150
    results = build_classifier(load_config()).classify_many([row["text"] for row in rows])
    got = [routing.department or "none" for routing in results]
    right = Counter(
        row["department"] for row, g in zip(rows, got, strict=True) if g == row["department"]
    )
    total = Counter(row["department"] for row in rows)
    confusion = Counter(
        (row["department"], g) for row, g in zip(rows, got, strict=True) if g != row["department"]
    )
    accuracy = sum(right.values()) / len(rows)
    print(f"\noverall {accuracy:.1%} of {len(rows)}")
    for key in sorted(total):
        print(f"  {key:26} {right[key]}/{total[key]}")
    for (want, g), n in confusion.most_common():
        print(f"  {want} -> {g}: {n}")
    assert accuracy >= 0.9
    assert right["none"] == total["none"]  # small talk and gibberish are never routed
