"""benchmarks/agreement.py: one annotation scored against another with the actor benchmark's rules."""

from __future__ import annotations

import copy
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _benches() -> tuple[ModuleType, Any]:
    from conftest import load_benchmark

    agreement = load_benchmark("agreement")
    return agreement, agreement._actors_bench()


def test_an_annotation_agrees_with_itself_and_a_dropped_or_renamed_actor_is_counted() -> None:
    agreement, bench = _benches()
    first = bench.load_gold(bench.GOLD_DIR / "japan-russia-thaw.json")
    same = bench.Tally()
    agreement.compare(bench, first, first, same)
    r = same.report(False)
    assert r["actor_precision"] == r["actor_recall"] == 1.0 and r["source_accuracy"] == 1.0

    other = copy.deepcopy(first)
    ui = next(i for i, c in sorted(other.claims.items()) if c["actors"])
    dropped = next(iter(other.claims[ui]["actors"]))
    del other.claims[ui]["actors"][dropped]
    # the second annotator calls an actor by one of its aliases only: still the same actor
    name = next(n for n, a in other.aliases.items() if len(a) > 1)
    alias = sorted(a for a in other.aliases[name] if a != bench._fold(name))[0]
    other.aliases = {(alias if n == name else n): a for n, a in other.aliases.items()}
    other.types = {(alias if n == name else n): t for n, t in other.types.items()}
    for c in other.claims.values():
        c["actors"] = {(alias if n == name else n): s for n, s in c["actors"].items()}
        if c.get("source") == name:
            c["source"] = alias
    tally = bench.Tally()
    agreement.compare(bench, first, other, tally)
    r = tally.report(False)
    assert r["actor_precision"] == 1.0
    assert r["gold_pairs"] - r["predicted_pairs"] == 1 and r["actor_recall"] < 1.0
    assert r["source_accuracy"] == 1.0


def test_the_second_annotation_covers_the_same_claims_as_the_first() -> None:
    agreement, bench = _benches()
    paths = sorted(agreement.SECOND_DIR.glob("*.json"))
    assert len(paths) == 8
    for path in paths:
        first = bench.load_gold(bench.GOLD_DIR / path.name)
        second = bench.load_gold(path)
        claims = {ui for ui in first.claims if first.units[ui]["is_claim"]}
        assert claims <= set(second.claims), path.name
