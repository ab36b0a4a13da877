"""How far two people agree on actors per claim, beside how far stancekit agrees with each of them.

``tests/data/agreement/`` holds a second annotation of eight gold articles, made blind to the first
(``tests/data/actors/``; see the README there). Each annotation is scored against the other with the
actor benchmark's own rules (``benchmarks/actors.py``: a name counts when it is the other's actor name
or one of its aliases, case- and "the"-insensitive), so the human figures are on the same scale as
stancekit's:

- ``second_vs_first``: the second annotation read as predictions, the first as gold (precision of
  one is the recall of the other);
- ``pipeline_vs_first`` / ``pipeline_vs_second``: ``stancekit.load()`` end to end on the same
  articles, against each annotation;
- stance agreement on the pairs both annotators found and both gave a clear-cut stance.

    python benchmarks/agreement.py            # writes benchmarks/results/agreement.json

The human-vs-human figures are the ceiling any automatic figure measured against one annotator
can be expected to reach on these articles.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECOND_DIR = ROOT / "tests" / "data" / "agreement"
RESULTS = ROOT / "benchmarks" / "results"


def _actors_bench() -> Any:
    spec = importlib.util.spec_from_file_location("actors_bench", Path(__file__).resolve().parent / "actors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["actors_bench"] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Named:
    """A predicted actor as the benchmark's ``Tally`` reads it."""

    name: str
    type: str
    stance: str | None


def translate(bench: Any, into: Any, other: Any, name: str | None) -> str | None:
    """The name ``into`` (an annotation) uses for ``other``'s actor ``name``, or ``name`` if it has none.

    Every surface ``other`` accepts for the actor (its name and aliases) is tried against ``into``'s.
    """
    if name is None:
        return None
    for surface in [name, *sorted(other.aliases.get(name, ()))]:
        found = bench._match(into, surface)
        if found is not None:
            return str(found)
    return name


def compare(bench: Any, gold: Any, pred: Any, tally: Any) -> None:
    """Score annotation ``pred`` against annotation ``gold`` of the same article, claim by claim."""
    for ui in sorted(gold.claims):
        if not gold.units[ui]["is_claim"]:
            continue
        p = pred.claims.get(ui, {"actors": {}, "source": None})
        actors = [
            Named(translate(bench, gold, pred, n) or n, pred.types.get(n, "other"), s) for n, s in p["actors"].items()
        ]
        tally.add(gold, ui, actors, None, translate(bench, gold, pred, p.get("source")))


def stance_agreement(bench: Any, first: Any, second: Any) -> tuple[int, int]:
    """(pairs, agreeing): pairs both annotators found and both labelled favor/against/neutral."""
    n = same = 0
    for ui, g in first.claims.items():
        h = second.claims.get(ui)
        if h is None:
            continue
        theirs = {translate(bench, first, second, k): v for k, v in h["actors"].items()}
        for name, label in g["actors"].items():
            other = theirs.get(name)
            if label is not None and other is not None:
                n += 1
                same += label == other
    return n, same


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--no-model", action="store_true", help="the two annotations only")
    ap.add_argument("--out", type=Path, default=RESULTS / "agreement.json")
    args = ap.parse_args(argv)

    bench = _actors_bench()
    nlp = None
    if not args.no_model:
        import stancekit

        nlp = stancekit.load(args.model)
    human, vs_first, vs_second = bench.Tally(), bench.Tally(), bench.Tally()
    stance_n = stance_same = 0
    articles = []
    per_article: dict[str, dict[str, Any]] = {}
    for path in sorted(SECOND_DIR.glob("*.json")):
        first = bench.load_gold(bench.GOLD_DIR / path.name)
        second = bench.load_gold(path)
        articles.append(path.stem)
        compare(bench, first, second, human)
        one = bench.Tally()
        compare(bench, first, second, one)
        per_article[path.stem] = {
            k: v for k, v in one.report(False).items() if k in ("actor_precision", "actor_recall")
        }
        n, same = stance_agreement(bench, first, second)
        stance_n, stance_same = stance_n + n, stance_same + same
        if nlp is not None:
            article = nlp(first.text)
            by_start = {u.start: u for u in article.units}
            for gold, tally in ((first, vs_first), (second, vs_second)):
                for ui in gold.claims:
                    if not gold.units[ui]["is_claim"]:
                        continue
                    u = by_start.get(gold.units[ui]["start"])
                    if u is None:
                        tally.add(gold, ui, (), None, None)
                    else:
                        tally.add(gold, ui, u.actors, u.primary_actor, u.source)
    keys = ("claims", "gold_pairs", "predicted_pairs", "actor_precision", "actor_recall", "actor_f1",
            "source_accuracy", "not_actor_share_claims")  # fmt: skip
    out: dict[str, Any] = {**bench._meta((args.model or "default") if nlp is not None else None)}
    out["articles"] = articles
    out["second_vs_first_per_article"] = per_article
    out["second_vs_first"] = {k: v for k, v in human.report(False).items() if k in keys}
    out["second_vs_first"]["stance_pairs"] = stance_n
    out["second_vs_first"]["stance_agreement"] = round(stance_same / stance_n, 4) if stance_n else None
    if nlp is not None:
        out["pipeline_vs_first"] = {k: v for k, v in vs_first.report(True).items() if k in keys}
        out["pipeline_vs_second"] = {k: v for k, v in vs_second.report(True).items() if k in keys}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
