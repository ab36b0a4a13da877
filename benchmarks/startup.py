"""Start-up time of ``stancekit analyze`` on a one-paragraph article against its floor, side by side.

Every row is a fresh Python process, timed from launch to exit (wall clock), the rows taking turns
for ``--rounds`` rounds so that machine load hits all of them alike:

* **floor** — ``python -c`` that imports torch and tokenizers, reads the model's
  ``model.safetensors`` (every tensor touched) and its ``tokenizer.json``: what any tool that runs
  this model in torch must pay before its first prediction;
* **analyze** — ``python -m stancekit.cli analyze short.txt --format jsonl`` (default device and
  precision; output to /dev/null): imports, model load, cleaning, segmentation, one encoder pass,
  actor resolution, JSON out;
* **floor + transformers BertModel** — the floor plus ``import transformers`` and building the
  encoder with ``AutoModel.from_config``: what loading through ``transformers`` adds (the analyze
  path used it before ``stancekit.bert``).

It also runs ``analyze`` once more to list the heavy modules it imported (none of ``transformers``,
``datasets``, ``sklearn``, ``scipy``, ``pyarrow``, ``ray``, ``pandas`` is expected).

Usage::

    python benchmarks/startup.py                       # 7 rounds, writes results + RESULTS.md
    python benchmarks/startup.py --rounds 3 --no-write
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MARK_START = "<!-- startup:start -->"
MARK_END = "<!-- startup:end -->"
HEAVY = ("transformers", "datasets", "sklearn", "scipy", "pyarrow", "ray", "pandas", "matplotlib", "torch._dynamo")

FLOOR = """
import sys
import torch, tokenizers
from safetensors.torch import load_file
w = load_file(sys.argv[1] + "/model.safetensors")
n = sum(int(t.float().sum().item() != 0) for t in w.values())   # touch every tensor once
tok = tokenizers.Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
"""

FLOOR_TRANSFORMERS = (
    FLOOR
    + """
import transformers
cfg = transformers.AutoConfig.from_pretrained(sys.argv[1], local_files_only=True)
enc = transformers.AutoModel.from_config(cfg)
"""
)

CHECK = """
import sys
from stancekit.cli import main
rc = main(sys.argv[1:])
print(json.dumps(sorted(m for m in HEAVY if m in sys.modules)), file=sys.stderr)
"""


def _paragraph() -> str:
    """The second paragraph of examples/japan-china.txt (two sentences, 290 characters)."""
    text = (REPO / "examples" / "japan-china.txt").read_text(encoding="utf-8")
    return text.split("\n\n")[1].replace("\n", " ").strip() + "\n"


def _time(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(REPO / "models" / "stancekit-news-small"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--note", default="")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throughput import _cpu_flags, _cpu_model, _git_commit

    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env["STANCEKIT_MODEL"] = args.model
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "short.txt"
        article.write_text(_paragraph(), encoding="utf-8")
        rows = {
            "floor (import torch + tokenizers, read model.safetensors + tokenizer.json)": [py, "-c", FLOOR, args.model],
            "stancekit analyze short.txt": [py, "-m", "stancekit.cli", "analyze", str(article), "--format", "jsonl"],
            "floor + import transformers + AutoModel.from_config": [py, "-c", FLOOR_TRANSFORMERS, args.model],
        }
        check = subprocess.run(
            [py, "-c", f"import json\nHEAVY = {HEAVY!r}\n" + CHECK, "analyze", str(article)],
            env=env,
            capture_output=True,
            text=True,
        )
        heavy = json.loads(check.stderr.strip().splitlines()[-1]) if check.returncode == 0 else None
        units = len(check.stdout.splitlines())
        for cmd in rows.values():  # warm the page cache and Python's bytecode cache
            _time(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in rows}
        load_before = os.getloadavg()
        for r in range(args.rounds):
            for name, cmd in rows.items():
                times[name].append(_time(cmd, env))
            print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{v[-1]:.2f}s" for v in times.values()), flush=True)
        load_after = os.getloadavg()
    floor_runs = times[next(iter(rows))]
    floor = statistics.median(floor_runs)
    out_rows = {
        name: {
            "seconds": {"median": statistics.median(ts), "min": min(ts), "max": max(ts), "runs": ts},
            "ratio_to_floor": statistics.median(ts) / floor,
            # each round's own ratio: the rows of a round ran back to back, under the same load
            "ratio_to_floor_per_round": [t / f for t, f in zip(ts, floor_runs, strict=True)],
        }
        for name, ts in times.items()
    }
    result = {
        "benchmark": "startup",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "command": "python benchmarks/startup.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "cpu": _cpu_model(),
            "cpu_flags": _cpu_flags(),
            "cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
        },
        "model": os.path.relpath(args.model, REPO),
        "article": {"source": "examples/japan-china.txt, second paragraph", "units": units},
        "analyze_imported_heavy_modules": heavy,
        "rounds": args.rounds,
        "note": args.note,
        "results": out_rows,
    }
    for line in _table(result):
        print(line)
    print("heavy modules imported by analyze:", heavy)
    if not args.no_write:
        out = REPO / "benchmarks" / "results" / "startup-cpu.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")
        _update_results_md(REPO / "benchmarks" / "RESULTS.md", result, out)
    return 0


def _table(result: dict[str, Any]) -> list[str]:
    lines = [
        "| process | seconds (median, min–max) | × floor (medians) | × floor, per round (median, min–max) |",
        "|---|---:|---:|---:|",
    ]
    for name, r in result["results"].items():
        s = r["seconds"]
        pr = r["ratio_to_floor_per_round"]
        lines.append(
            f"| {name} | {s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f}) | {r['ratio_to_floor']:.2f} "
            f"| {statistics.median(pr):.2f} ({min(pr):.2f}–{max(pr):.2f}) |"
        )
    return lines


def _update_results_md(path: Path, result: dict[str, Any], json_path: Path) -> None:
    m = result["machine"]
    parts = [
        "",
        "## Start-up (`benchmarks/startup.py`)",
        "",
        f"{m['cpu']} ({m['cpus']} CPUs; flags {', '.join(m['cpu_flags'])}); {result['date'][:10]}, commit "
        f"`{(result['commit'] or '?')[:8]}`; model: {result['model']}; article: {result['article']['source']} "
        f"({result['article']['units']} units); each row a fresh process, rows taking turns, {result['rounds']} "
        f"rounds after one warm-up each. Load average {m['loadavg_before'][0]:.1f} → {m['loadavg_after'][0]:.1f}. "
        f"{result['note']}",
        "",
        f"Command: `{result['command']}` → `benchmarks/results/{json_path.name}`",
        "",
        *_table(result),
        "",
        "Heavy modules imported by `analyze`: "
        + (", ".join(result["analyze_imported_heavy_modules"]) or "none")
        + f" (checked: {', '.join(HEAVY)}).",
        "",
    ]
    from throughput import write_results_section

    write_results_section(path, MARK_START, MARK_END, parts)


if __name__ == "__main__":
    raise SystemExit(main())
