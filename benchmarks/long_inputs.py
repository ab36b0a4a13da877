"""Time and peak memory of one article against its size, with and without sentence punctuation.

Issue 16: a 2 MB line with no sentence punctuation ran for over 20 minutes (one unit, and a window
loop that was windows x spans); a 5 MB article took 25 minutes. This runs one article per size in a
fresh subprocess (so peak RSS is that run's) and reports seconds, characters per second and peak
RSS, for two kinds of synthetic news-like text of distinct sentences:

- ``punct``: ordinary sentences ("… said on Tuesday. …"), capitalised names, a few per sentence;
- ``nopunct``: the same words with every sentence mark removed and lower-cased openers, one line.

Stages (``--stage``): ``pipeline`` is ``nlp(text)`` end to end with a model (the shipped one by
default); ``segment`` is :func:`stancekit.segmenting.segment` plus the actor reference spans of each
unit (every text step before the encoder), cheap enough to run up to 10 MB on 2 shared cores.
Linear growth shows as a flat characters-per-second column.

    python benchmarks/long_inputs.py --stage segment --sizes 1e3,1e4,1e5,1e6,1e7
    python benchmarks/long_inputs.py --stage pipeline --sizes 1e3,1e4,1e5
    python benchmarks/long_inputs.py --stage pipeline --model tiny --kinds nopunct --sizes 2.5e4,5e4,1e5,2e5
    python benchmarks/long_inputs.py --src /tmp/old/src ...   # the same on another checkout (a baseline)

Writes ``benchmarks/results/long-inputs-<stage>.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def _repo_path(path: str) -> str:
    """``path`` relative to the checkout; outside it only its last parts (no machine paths in results)."""
    p = Path(os.path.normpath(Path(path).absolute()))
    return str(p.relative_to(_ROOT)) if p.is_relative_to(_ROOT) else f"(outside the checkout)/{p.parent.name}/{p.name}"

_CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
stage, model, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, encoding="utf-8").read()
if stage == "pipeline" and model == "tiny":
    # tests/conftest.py's tiny random model: the pipeline's own cost, with the encoder nearly free
    sys.path.insert(0, sys.argv[4])
    from conftest import build_tiny_model
    from stancekit.pipeline import Pipeline
    nlp = Pipeline(*build_tiny_model(), device="cpu")
    nlp("Warm-up: Abe said no.")
    t0 = time.perf_counter()
    article = nlp(text)
    n_units = len(article.units)
elif stage == "pipeline":
    import stancekit
    nlp = stancekit.load(None if model == "-" else model, device="cpu")
    nlp("Warm-up: Abe said no.")
    t0 = time.perf_counter()
    article = nlp(text)
    n_units = len(article.units)
else:
    from stancekit.segmenting import segment
    from stancekit.cleaning import normalize
    from stancekit import actors
    ref = getattr(actors, "reference_spans")
    t0 = time.perf_counter()
    spans = segment(text)
    norm = normalize(text)
    for s in spans:
        if s.reason is None:
            ref(norm[s.start:s.end])
    n_units = len(spans)
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "units": n_units, "peak_rss_mb": rss}))
"""

_NAMES = "Abe Merkel Putin Biden Macron Modi Lula Tokyo Moscow Brussels Kyiv Beijing".split()
_WORDS = (
    "the minister said that talks would resume after a plan for trade and security was rejected by "
    "officials who argued it would hurt farmers while critics in parliament called the deal reckless"
).split()


def article(n_chars: int, punct: bool, seed: int = 0) -> str:
    """About ``n_chars`` characters of distinct synthetic sentences (numbers keep them distinct)."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    i = 0
    while size < n_chars:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 22))]
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words)), rng.choice(_NAMES))
        words.insert(rng.randrange(len(words)), str(i))
        s = " ".join(words)
        s = s[0].upper() + s[1:] + "." if punct else s
        out.append(s)
        size += len(s) + 1
        i += 1
    return " ".join(out)[:n_chars]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", choices=("pipeline", "segment"), default="segment")
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6", help="article sizes in characters, comma-separated")
    ap.add_argument("--kinds", default="punct,nopunct")
    ap.add_argument(
        "--model",
        default="-",
        help="model directory for --stage pipeline (default: the shipped one); 'tiny': tests/conftest.py's tiny model",
    )
    ap.add_argument("--src", default=str(_ROOT / "src"), help="the stancekit source tree to measure")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run; a run past it is reported as such")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.sizes.split(",")]
    env = {**os.environ, "PYTHONPATH": args.src}
    rows = []
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"stancekit-long-{os.getpid()}.txt"
    try:
        for kind in args.kinds.split(","):
            for n in sizes:
                tmp.write_text(article(n, kind == "punct"), encoding="utf-8")
                cmd = [sys.executable, "-c", _CHILD, args.stage, args.model, str(tmp), str(_ROOT / "tests")]
                t0 = time.perf_counter()
                try:
                    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    rows.append({"kind": kind, "chars": n, "timeout": args.timeout})
                    print(f"{kind:8s} {n:>10,} chars: over {args.timeout:.0f} s", flush=True)
                    continue
                if res.returncode != 0:
                    raise SystemExit(f"{kind} {n}: failed\n{res.stderr[-2000:]}")
                r = json.loads(res.stdout.strip().splitlines()[-1])
                r.update(kind=kind, chars=n, chars_per_s=n / max(r["seconds"], 1e-9))
                r["wall_s"] = time.perf_counter() - t0
                rows.append(r)
                print(
                    f"{kind:8s} {n:>10,} chars: {r['seconds']:8.2f} s  {r['chars_per_s']:>12,.0f} chars/s  "
                    f"{r['units']:>7,} units  peak RSS {r['peak_rss_mb']:7.0f} MB",
                    flush=True,
                )
    finally:
        tmp.unlink(missing_ok=True)
    commit = subprocess.run(
        ["git", "-C", str(_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    result = {
        "stage": args.stage,
        "model": args.model,
        "src": _repo_path(args.src),
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": os.getloadavg(),
        "rows": rows,
    }
    out = Path(args.out) if args.out else _ROOT / "benchmarks" / "results" / f"long-inputs-{args.stage}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
