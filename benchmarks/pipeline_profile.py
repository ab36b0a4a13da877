"""Where ``stancekit score`` spends its time on a corpus of articles, stage by stage.

The corpus is synthetic and fixed (seeded): 5,000 articles, each a title line and 2–6 paragraphs
drawn from ``examples/*.txt`` and the gold articles in ``tests/data/articles/*.txt`` (files in this
repository), written as JSONL to a temporary folder (nothing is copied into the repository).

It runs :func:`stancekit.scoring.score` in this process with the shipped model at its defaults and
times each stage with wrappers around the functions that do it, *exclusive* of nested wrapped
stages (segmentation calls cleaning; the heads are timed apart from the encoder):

* main thread: reading (JSONL parsing), cleaning (``cleaning.normalize``/``find_blocks``),
  segmentation (``segmenting.segment``), encoder (``StanceModel.encode``, or the CPU bf16
  encoder or a runtime backend behind ``backends._WithEncoder.encode``), heads and decoding
  (``Engine._heads``), actor resolution (``actors.reference_spans``/``actors.resolve``), assembling
  (``Pipeline._assemble``), writing (``Unit.to_dict``, ``scoring.article_row``, part files and the
  final merge), and the rest of the main thread (waiting on the tokenizer thread, glue);
* the engine's producer thread: tokenisation and row building (``Engine._rows``) and batch
  collation (``inference._collate``). It overlaps the main thread, so its share is reported against
  the same wall time but not added to the main thread's.

Usage::

    nice -n 5 python benchmarks/pipeline_profile.py                 # 5,000 articles
    python benchmarks/pipeline_profile.py --articles 200 --no-write  # a smoke run
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MARK_START = "<!-- pipeline:start -->"
MARK_END = "<!-- pipeline:end -->"


def build_articles(n: int, seed: int = 14) -> list[dict[str, str]]:
    """``n`` synthetic articles from the paragraphs of the repository's example and gold articles."""
    files = sorted((REPO / "examples").glob("*.txt")) + sorted((REPO / "tests" / "data" / "articles").glob("*.txt"))
    paragraphs: list[str] = []
    titles: list[str] = []
    for f in files:
        blocks = [b.strip() for b in f.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        titles.append(blocks[0].splitlines()[0])
        paragraphs += [b for b in blocks[1:] if len(b) > 80]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = rng.sample(paragraphs, rng.randint(2, 6))
        out.append({"id": f"a{i:05d}", "text": rng.choice(titles) + "\n\n" + "\n\n".join(body) + "\n"})
    return out


class StageTimer:
    """Exclusive wall time per (thread, stage): a wrapped call's time minus its wrapped sub-calls."""

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)
        self.calls: dict[tuple[str, str], int] = defaultdict(int)
        self._local = threading.local()
        self._lock = threading.Lock()

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack = self._local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                nested = stack.pop()
                if stack:
                    stack[-1] += dt
                key = ("main" if threading.current_thread() is threading.main_thread() else "producer", stage)
                with self._lock:
                    self.seconds[key] += dt - nested
                    self.calls[key] += 1

        return timed


def _patch(timer: StageTimer) -> None:
    from stancekit import actors, backends, inference, modeling, pipeline, scoring, segmenting, types

    def patch(obj: Any, name: str, stage: str) -> None:
        setattr(obj, name, timer.wrap(stage, getattr(obj, name)))

    patch(pipeline, "normalize", "cleaning")
    patch(segmenting, "normalize", "cleaning")
    patch(segmenting, "find_blocks", "cleaning")
    patch(pipeline, "segment", "segmentation")
    patch(modeling.StanceModel, "encode", "encoder")
    patch(backends._WithEncoder, "encode", "encoder")  # the CPU bf16 encoder and the runtime backends
    patch(inference.Engine, "_heads", "heads and decoding")
    patch(inference.Engine, "_rows", "tokenisation")
    patch(inference, "_collate", "batch collation")
    patch(actors, "reference_spans", "actor resolution")
    patch(actors, "resolve", "actor resolution")
    patch(pipeline.Pipeline, "_assemble", "assembling")
    patch(types.Unit, "to_dict", "writing")
    patch(scoring, "article_row", "writing")
    patch(scoring, "_commit_part", "writing")
    patch(scoring, "_merge", "writing")
    for name in dir(scoring):
        cls = getattr(scoring, name)
        if isinstance(cls, type) and hasattr(cls, "_parse"):
            patch(cls, "_parse", "reading")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--model", default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--note", default="")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throughput import _cpu_flags, _cpu_model, _git_commit

    import stancekit
    from stancekit.scoring import score

    articles = build_articles(args.articles)
    timer = StageTimer()
    nlp = stancekit.load(args.model, device=args.device)
    _patch(timer)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "articles.jsonl"
        src.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
        load_before = os.getloadavg()
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        summary = score(src, Path(tmp) / "out.jsonl", model=nlp, progress=False)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        load_after = os.getloadavg()
    main_known = sum(v for (th, _), v in timer.seconds.items() if th == "main")
    stages: dict[str, Any] = {}
    for (th, stage), sec in sorted(timer.seconds.items(), key=lambda kv: -kv[1]):
        stages[f"{stage}" if th == "main" else f"{stage} (producer thread)"] = {
            "seconds": sec,
            "share_of_wall": sec / wall,
            "calls": timer.calls[(th, stage)],
        }
    stages["rest of the main thread (waiting on the producer, glue)"] = {
        "seconds": wall - main_known,
        "share_of_wall": (wall - main_known) / wall,
        "calls": None,
    }
    result = {
        "benchmark": "pipeline_profile",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "command": "python benchmarks/pipeline_profile.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "cpu": _cpu_model(),
            "cpu_flags": _cpu_flags(),
            "cpus": len(os.sched_getaffinity(0)),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
        },
        "engine": repr(nlp.engine),
        "corpus": {
            "articles": summary.articles,
            "units": summary.units,
            "claims": summary.claims,
            "characters": sum(len(a["text"]) for a in articles),
        },
        "wall_seconds": wall,
        "process_cpu_seconds": cpu,
        "articles_per_s": summary.articles / wall,
        "units_per_s": summary.units / wall,
        "note": args.note,
        "stages": stages,
    }
    for line in _table(result):
        print(line)
    if not args.no_write:
        out = REPO / "benchmarks" / "results" / "pipeline-profile-cpu.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")
        _update_results_md(REPO / "benchmarks" / "RESULTS.md", result, out)
    return 0


def _table(result: dict[str, Any]) -> list[str]:
    lines = ["| stage | seconds | share of wall time | calls |", "|---|---:|---:|---:|"]
    for name, s in result["stages"].items():
        calls = "" if s["calls"] is None else f"{s['calls']:,}"
        lines.append(f"| {name} | {s['seconds']:.1f} | {s['share_of_wall'] * 100:.1f} % | {calls} |")
    return lines


def _update_results_md(path: Path, result: dict[str, Any], json_path: Path) -> None:
    m, c = result["machine"], result["corpus"]
    parts = [
        "",
        "## Where `stancekit score` spends its time (`benchmarks/pipeline_profile.py`)",
        "",
        f"{m['cpu']} ({m['cpus']} CPUs); {result['date'][:10]}, commit `{(result['commit'] or '?')[:8]}`; "
        f"{result['engine']}; {c['articles']:,} synthetic articles ({c['units']:,} units, {c['characters']:,} "
        f"characters) in {result['wall_seconds']:.0f} s wall ({result['units_per_s']:.0f} units/s, process CPU "
        f"{result['process_cpu_seconds']:.0f} s). Load average {m['loadavg_before'][0]:.1f} → "
        f"{m['loadavg_after'][0]:.1f}. {result['note']}",
        "",
        f"Command: `{result['command']}` → `benchmarks/results/{json_path.name}`",
        "",
        *_table(result),
        "",
    ]
    from throughput import write_results_section

    write_results_section(path, MARK_START, MARK_END, parts)


if __name__ == "__main__":
    raise SystemExit(main())
