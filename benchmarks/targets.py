"""Stance toward user-named targets through the public API, on the topic sets.

Each example (a tweet or a comment, with its target or topic) goes through exactly what a user calls:
``nlp.pipe(texts, targets=[[target], …])``; the prediction is ``article.targets[0]`` (``api``: the whole
text in the pair form when it fits in one window, which all but a few of these texts do, else the
mean over the claims). Beside it, from the same call: ``units mean`` — the mean of the units'
distributions over the claims (over all units when none is a claim), each unit read in the mention
form when the target is one of its actors, else ``target [SEP] unit``; and, on the same loaded model,
``whole-text pair`` — the engine's pair form on the raw text, what ``stancekit evaluate`` and the model
card measure. All are scored with the set's official metric (:func:`stancekit.evaluation.compute_metrics`).

    nice -n 5 python benchmarks/targets.py                          # every set and split below
    python benchmarks/targets.py --sets semeval2016:test --limit 200 # quick look

Writes ``benchmarks/results/targets.json`` (commit, date, machine, model, per set: file + sha256, n,
metrics of both systems, how many examples took the mention form, seconds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

import stancekit
from stancekit import data, evaluation

HERE = Path(__file__).resolve().parent
#: (set, split): SemEval-2016 has no dev split in the shared data; P-Stance's dev is "val".
SETS = ["semeval2016:test", "pstance:val", "pstance:test", "vast:dev", "vast:test"]
LABELS = ("favor", "against", "neutral")


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _repo_path(path: Path) -> str:
    """``path`` relative to the checkout (the packaged default model lives in it); else its name only."""
    root = Path(__file__).resolve().parents[1]
    p = Path(os.path.normpath(path.absolute()))  # not resolve(): the packaged model is a symlink under src/
    return str(p.relative_to(root)) if p.is_relative_to(root) else f"(outside the checkout)/{p.name}"


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    except OSError:
        return "unknown"


def run(nlp: Any, name: str, split: str, limit: int | None) -> dict[str, Any]:
    ds = data.load(name, split)
    if limit:
        ds = ds.select(range(min(limit, len(ds))))
    texts = [str(t) for t in ds["text"]]
    # PerSenT (articles): the stance toward its main entity, asked as a named target.
    targets = [str(t) for t in (ds["target"] if "target" in ds.column_names else ds["actor"])]
    t0 = time.perf_counter()
    api, units_mean, forms, claims = [], [], {"mention": 0, "pair": 0}, 0
    bases = {"text": 0, "claims": 0, "units": 0}
    for article in nlp.pipe(texts, targets=[[t] for t in targets]):
        (tgt,) = article.targets
        api.append([tgt.scores[k] for k in LABELS])
        bases[tgt.basis] += 1
        pool = article.claims or [u for u in article.units if u.targets]
        units_mean.append(
            [sum(u.targets[0].scores[k] for u in pool) / len(pool) for k in LABELS] if pool else [0.0, 0.0, 1.0]
        )
        claims += bool(article.claims)
        for u in article.units:
            for ts in u.targets:
                forms[ts.form] += 1
    t_api = time.perf_counter() - t0
    t0 = time.perf_counter()
    whole = np.asarray(nlp.engine.predict_stance(texts, targets, [None] * len(texts)))
    t_whole = time.perf_counter() - t0
    path = data.split_path(name, split)
    return {
        "set": name,
        "split": split,
        "file": {"path": str(path), "sha256": _sha256(Path(path))},
        "n": len(texts),
        "primary_metric": evaluation.primary_metric(name),
        "api": evaluation.compute_metrics(name, ds, np.asarray(api)),
        "units_mean": evaluation.compute_metrics(name, ds, np.asarray(units_mean)),
        "article_basis": bases,
        "whole_text_pair": evaluation.compute_metrics(name, ds, whole),
        "unit_forms": forms,
        "examples_with_a_claim": claims,
        "seconds": {"api": round(t_api, 1), "whole_text_pair": round(t_whole, 1)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--sets", nargs="+", default=SETS, help=f"set:split pairs (default: {' '.join(SETS)})")
    ap.add_argument("--limit", type=int, default=None, help="first N examples per set (default: all)")
    ap.add_argument("-o", "--output", default=str(HERE / "results" / "targets.json"), help="results JSON")
    args = ap.parse_args()
    nlp = stancekit.load(args.model, device="cpu")
    rows = []
    for item in args.sets:
        name, split = item.split(":")
        row = run(nlp, name, split, args.limit)
        key = row["primary_metric"]
        print(
            f"{name:12s} {split:5s} n={row['n']:5d}  api {row['api'][key]:.3f}  "
            f"units mean {row['units_mean'][key]:.3f}  "
            f"whole-text pair {row['whole_text_pair'][key]:.3f}  ({key}; basis {row['article_basis']}; "
            f"unit forms {row['unit_forms']})",
            flush=True,
        )
        rows.append(row)
    out = {
        "what": "stance toward named targets through nlp.pipe(texts, targets=...): article.targets (api), the "
        "mean over its units, and the engine's whole-text pair form",
        "command": "python benchmarks/targets.py" + (f" --limit {args.limit}" if args.limit else ""),
        "commit": _commit(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "model": _repo_path(Path(nlp.model_path)),
        "precision": nlp.engine.precision,
        "results": rows,
    }
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
