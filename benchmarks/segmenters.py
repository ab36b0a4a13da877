"""Compare sentence segmenters on the gold articles, and time stancekit's segmenter.

Every segmenter gets the same input: the body blocks that :func:`stancekit.cleaning.find_blocks`
finds in each gold article (normalised text), with its sentence offsets mapped back into the
article; boilerplate blocks are one unit each, as in :func:`stancekit.segmenting.segment`.
Each library is scored twice: its sentences as units (``sentences``), and its sentences split
further by stancekit's claim splitter (``+claims``: enumerations and ";"), which is what
using the library inside stancekit would give.

**Unit boundary**: the (start, end) character offsets of a unit. A predicted unit counts as
correct when a gold unit has exactly the same (start, end). precision = correct / predicted,
recall = correct / gold, F1 their harmonic mean. ``body`` scores only units inside body blocks
(gold units with ``reason`` null), so that the boilerplate blocks every variant shares do not
inflate the figures; ``all`` scores every unit.

**Kept whole** (an outside check on over-splitting): the share of the unique sentences of the
NewsMTSC training file (real US news sentences, ``$STANCEKIT_DATA`` or ``../shared/data``) that a
splitter leaves in one piece. Some NewsMTSC items hold two sentences, so 1.0 is not the target;
a lower share means more false boundaries ("U.S. Sen.", "(R-Ariz.)", "then-D.C.").

Speed: chars/s of :func:`stancekit.segmenting.segment` on a 50 KB and a 5 MB article built from
the gold articles with a running number in every line (so no line is a duplicate of another),
median of several runs after a warm-up; equal rates mean linear time.

Run:  nice -n 19 python benchmarks/segmenters.py   (writes benchmarks/results/segmenters.json)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from stancekit.cleaning import find_blocks, normalize
from stancekit.segmenting import segment, split_claims, split_sentences

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "data" / "articles"
HARD = ARTICLES / "hard-sentences.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "segmenters.json"

Splitter = Callable[[str], list[tuple[int, int]]]  # block text -> sentence offsets in the block


def _align(block: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Map sentence strings back to offsets in ``block`` by counting non-space characters.

    Libraries may change whitespace (join lines, trim) but not other characters; a sentence
    covers the next n non-space characters of the block, n being its own non-space count.
    """
    positions = [i for i, c in enumerate(block) if not c.isspace()]
    out, k = [], 0
    for sent in sentences:
        n = sum(1 for c in sent if not c.isspace())
        if n == 0:
            continue
        if k + n > len(positions):
            break
        out.append((positions[k], positions[k + n - 1] + 1))
        k += n
    return out


def _pysbd() -> Splitter:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False)
    return lambda block: _align(block, seg.segment(block))


def _sentencex() -> Splitter:
    from sentencex import segment as sx

    return lambda block: _align(block, list(sx("en", block)))


def _blingfire() -> Splitter:
    import blingfire

    return lambda block: _align(block, blingfire.text_to_sentences(block).split("\n"))


def _syntok() -> Splitter:
    from syntok import segmenter

    def split(block: str) -> list[tuple[int, int]]:
        out = []
        for paragraph in segmenter.analyze(block):
            for sentence in paragraph:
                first, last = sentence[0], sentence[-1]
                out.append((first.offset, last.offset + len(last.value)))
        return out

    return split


def _stancekit() -> Splitter:
    return lambda block: split_sentences(block)


SPLITTERS: dict[str, Callable[[], Splitter]] = {
    "stancekit": _stancekit,
    "pysbd": _pysbd,
    "sentencex": _sentencex,
    "blingfire": _blingfire,
    "syntok": _syntok,
}
VERSIONS = {"pysbd": "pysbd", "sentencex": "sentencex", "blingfire": "blingfire", "syntok": "syntok"}


def _units(text: str, splitter: Splitter, claims: bool) -> list[tuple[int, int, str | None]]:
    norm = normalize(text)
    units: list[tuple[int, int, str | None]] = []
    for b in find_blocks(text):
        if b.reason is not None:
            units.append((b.start, b.end, b.reason))
            continue
        for s, e in splitter(norm[b.start : b.end]):
            s, e = s + b.start, e + b.start
            while s < e and norm[s].isspace():
                s += 1
            while e > s and norm[e - 1].isspace():
                e -= 1
            if s >= e:
                continue
            if claims:
                units.extend((a, z, None) for a, z in split_claims(norm, s, e))
            else:
                units.append((s, e, None))
    return units


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "correct": tp,
        "predicted": n_pred,
        "gold": n_gold,
    }


def load_gold() -> list[tuple[str, str, str, list[dict]]]:
    """(name, split, text, gold units) for every gold article."""
    out = []
    for j in sorted(ARTICLES.glob("*.json")):
        d = json.loads(j.read_text(encoding="utf-8"))
        text = (ARTICLES / d["article"]).read_bytes().decode("utf-8")
        out.append((j.stem, d["split"], text, d["units"]))
    return out


def score(gold: list[tuple[str, str, str, list[dict]]], splitter: Splitter, claims: bool) -> dict[str, dict]:
    """Unit-boundary P/R/F1 per split ("dev", "heldout", "all") and scope ("all", "body")."""
    counts: dict[tuple[str, str], list[int]] = {}
    for _, split, text, units in gold:
        pred = _units(text, splitter, claims)
        for scope in ("all", "body"):
            g = {(u["start"], u["end"]) for u in units if scope == "all" or u["reason"] is None}
            p = {(s, e) for s, e, r in pred if scope == "all" or r is None}
            for sp in (split, "all"):
                c = counts.setdefault((sp, scope), [0, 0, 0])
                c[0] += len(g & p)
                c[1] += len(p)
                c[2] += len(g)
    return {f"{sp}/{scope}": _prf(*c) for (sp, scope), c in sorted(counts.items())}


def load_hard() -> list[tuple[str, list[tuple[int, int]]]]:
    """(text, gold sentence offsets) for every hand-written hard case."""
    out = []
    for line in HARD.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        spans, cur = [], 0
        for sent in d["sentences"]:
            i = d["text"].index(sent, cur)
            spans.append((i, i + len(sent)))
            cur = i + len(sent)
        out.append((d["text"], spans))
    return out


def score_hard(hard: list[tuple[str, list[tuple[int, int]]]], splitter: Splitter) -> dict:
    """How many hard cases a splitter gets exactly right (all sentence offsets equal)."""
    failed = []
    for text, gold in hard:
        norm = normalize(text)
        pred = []
        for s, e in splitter(norm):
            while s < e and norm[s].isspace():
                s += 1
            while e > s and norm[e - 1].isspace():
                e -= 1
            if s < e:
                pred.append((s, e))
        if pred != gold:
            failed.append(text)
    return {"correct": len(hard) - len(failed), "cases": len(hard), "failed": failed}


def newsmtsc_sentences() -> list[str]:
    """Unique sentences of the NewsMTSC training file, or [] when the data directory is absent."""
    root = Path(os.environ.get("STANCEKIT_DATA", ROOT.parent / "shared" / "data"))
    path = root / "newsmtsc" / "flat-per-target" / "train.jsonl"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return sorted({json.loads(line)["sentence"] for line in f if line.strip()})


def kept_whole(sentences: list[str], splitter: Splitter) -> dict:
    """Share of ``sentences`` that ``splitter`` leaves in one piece."""
    split = 0
    for sent in sentences:
        norm = normalize(sent)
        if sum(1 for s, e in splitter(norm) if norm[s:e].strip()) > 1:
            split += 1
    return {"kept_whole": round(1 - split / len(sentences), 4), "split": split, "sentences": len(sentences)}


def _scaled_article(n_chars: int, gold: list[tuple[str, str, str, list[dict]]]) -> str:
    base = [line for _, _, text, _ in gold for line in text.split("\n")]
    parts, size, i = [], 0, 0
    while size < n_chars:
        line = base[i % len(base)]
        line = f"{line} [{i}]" if line.strip() else line
        parts.append(line)
        size += len(line) + 1
        i += 1
    return "\n".join(parts)[:n_chars]


def time_segment(gold: list[tuple[str, str, str, list[dict]]], runs: int) -> dict[str, dict]:
    """chars/s of segment() on a 50 KB and a 5 MB article.

    The two sizes are timed in alternation (one 5 MB run, then the 50 KB article 20 times) so that
    load from other processes on a shared machine hits both alike; the median of ``runs`` rounds
    after a warm-up is reported.
    """
    texts = {"50KB": _scaled_article(50_000, gold), "5MB": _scaled_article(5_000_000, gold)}
    repeats = {"50KB": 20, "5MB": 1}
    segment(texts["50KB"])  # warm-up
    secs: dict[str, list[float]] = {k: [] for k in texts}
    units: dict[str, int] = {}
    for _ in range(runs):
        for label, text in texts.items():
            t0 = time.perf_counter()
            for _ in range(repeats[label]):
                units[label] = len(segment(text))
            secs[label].append((time.perf_counter() - t0) / repeats[label])
    out = {}
    for label, text in texts.items():
        med = statistics.median(secs[label])
        out[label] = {
            "chars": len(text),
            "units": units[label],
            "runs": runs,
            "repeats_per_run": repeats[label],
            "median_s": round(med, 4),
            "min_s": round(min(secs[label]), 4),
            "max_s": round(max(secs[label]), 4),
            "chars_per_s": round(len(text) / med),
        }
    return out


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per size (median reported)")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("-o", "--output", default=str(RESULTS))
    args = ap.parse_args(argv)

    gold = load_gold()
    hard = load_hard()
    news = newsmtsc_sentences()
    results: dict[str, dict] = {}
    hard_results: dict[str, dict] = {}
    news_results: dict[str, dict] = {}
    for name, make in SPLITTERS.items():
        splitter = make()
        hard_results[name] = score_hard(hard, splitter)
        if news:
            news_results[name] = kept_whole(news, splitter)
        for claims in (False, True):
            if name == "stancekit" and not claims:
                key = "stancekit sentences"
            elif name == "stancekit":
                key = "stancekit (segment)"
            else:
                key = f"{name} {'+claims' if claims else 'sentences'}"
            results[key] = score(gold, splitter, claims)
    # The "stancekit (segment)" row must be what the shipped segment() gives.
    for _, _, text, _ in gold:
        if [(s.start, s.end) for s in segment(text)] != [(a, b) for a, b, _ in _units(text, _stancekit(), True)]:
            raise RuntimeError("segment() disagrees with split_sentences + split_claims over find_blocks")

    files = sorted(ARTICLES.glob("*.txt")) + sorted(ARTICLES.glob("*.json")) + [HARD]
    report = {
        "benchmark": "segmenters",
        "definition": "unit boundary = exact (start, end) of a unit; P = correct/predicted, R = correct/gold",
        "commit": _commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "versions": {k: importlib.metadata.version(v) for k, v in VERSIONS.items()},
        "data": {
            "articles": len(gold),
            "splits": {s: sum(1 for g in gold if g[1] == s) for s in ("dev", "heldout")},
            "sha256": hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest(),
        },
        "scores": results,
        "hard_sentences": hard_results,
        "newsmtsc_train_kept_whole": news_results,
    }
    if not args.no_timing:
        report["speed"] = time_segment(gold, args.runs)

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{'segmenter':28} {'split/scope':14} {'P':>6} {'R':>6} {'F1':>6}")
    for key, by in results.items():
        for part in ("all/body", "heldout/body", "all/all"):
            m = by[part]
            print(f"{key:28} {part:14} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}")
    for name, m in hard_results.items():
        print(f"{name:12} hard sentence cases: {m['correct']}/{m['cases']}")
    for name, m in news_results.items():
        print(f"{name:12} NewsMTSC sentences kept whole: {m['kept_whole']:.4f} ({m['split']} split)")
    if "speed" in report:
        for label, m in report["speed"].items():
            print(f"segment() {label}: {m['chars_per_s']:,} chars/s (median of {m['runs']}, {m['median_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
