"""Accuracy baselines on every shared labelled set, with the set's official metric.

For each set, on its dev split (test where ``../shared/data`` has no dev), this scores:

- ``majority``: the most frequent label of the set's train split, per target for SemEval-2016 and
  P-Stance, whose targets are a closed set (PerSenT has no train split: the
  most frequent label of the evaluated split itself, an optimistic reference); for mention sets
  every token ``O``;
- ``tfidf_lr``: TF-IDF (word 1–2-grams, sublinear tf, min_df 2) + logistic regression
  (``class_weight="balanced"``, C=1, no tuning) trained on the train split; stance sets read
  ``target + " | " + text``. Mention sets use the token-level analogue: logistic regression on hashed
  features of the word and its ±2 window, trained by SGD (10 epochs) (lower-cased form, shape, 3-letter prefix/suffix);
- ``model``: the shipped (or any) stancekit model, with ``--model DIR`` (``default`` = shipped).

Each (set, split) gets ``benchmarks/results/accuracy-<set>-<split>.json`` (commit, date, machine,
data file + sha256, one entry per system with its metrics); entries of systems not rerun are
kept. ``benchmarks/RESULTS.md`` is rebuilt between its accuracy markers from all those files,
with the published state of the art beside each row.

    nice -n 19 python benchmarks/accuracy.py                       # baselines, every set
    nice -n 19 python benchmarks/accuracy.py --systems model --model models/stancekit-news-small
    python benchmarks/accuracy.py --table-only                      # rebuild RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from stancekit import data, evaluation

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"

#: (set, eval split) rows of the table, in order.
ROWS: list[tuple[str, str]] = [
    ("newsmtsc", "dev-mt"),
    ("newsmtsc", "dev-rw"),
    ("semeval2016", "test"),
    ("pstance", "val"),
    ("vast", "dev"),
    ("ibm-claim-stance", "test"),
    ("claimbuster", "dev"),
    ("clef2019", "test"),
    ("aae-sentences", "dev"),
    ("conll2003", "testa"),
    ("wikiann", "dev"),
    ("wnut17", "dev"),
    ("persent", "dev"),
]

#: Sets with a closed set of targets: the majority baseline is the majority label of each target.
PER_TARGET_MAJORITY = frozenset({"semeval2016", "pstance"})

#: Published state of the art per row, from each set's PROVENANCE.md (with its caveats).
SOTA: dict[tuple[str, str], str] = {
    ("newsmtsc", "dev-mt"): "F1m 82.5 on test-mt (GRU-TSC + RoBERTa, Hamborg & Donnay 2021, Table 2)",
    ("newsmtsc", "dev-rw"): "F1m 83.1 on test-rw (GRU-TSC + RoBERTa, Hamborg & Donnay 2021, Table 2)",
    ("semeval2016", "test"): "F_avg 67.82 (best Task A system, Mohammad et al. 2016)",
    ("pstance", "val"): "macro-F1 80.53 on test (BERTweet, in-target; Li et al. 2021 README)",
    ("vast", "dev"): "macro-F1 65.7 on test (TGA Net; third-party leaderboard, not verified against the paper)",
    ("ibm-claim-stance", "test"): "— (not stated in the source)",
    ("claimbuster", "dev"): "— (paper uses k-fold CV; not comparable to this fold)",
    ("clef2019", "test"): "MAP 0.166 (Copenhagen; a ranking metric, not F1)",
    ("aae-sentences", "dev"): "— (none for this sentence-level projection)",
    ("conll2003", "testa"): "— (≈92–94 entity F1 on testb is commonly cited; not verified)",
    ("wikiann", "dev"): "—",
    ("wnut17", "dev"): "— (shared-task F1 is on test, with the original 6 types)",
    ("persent", "dev"): "— (paper: BERT best, numbers not verified)",
}


def _git_commit() -> str | None:
    """HEAD when the run started, with ``+dirty`` when tracked code under src/ or benchmarks/ differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks/accuracy.py"],
            cwd=HERE.parent, capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


_START: dict[str, Any] = {}


def _machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count(),
            "python": platform.python_version()}


def _stance_texts(ds: Any) -> list[str]:
    return [f"{t} | {x}" for t, x in zip(ds["target"], ds["text"], strict=True)]


def _texts(ds: Any, task: str) -> list[str]:
    return _stance_texts(ds) if task == "stance" else list(ds["text"])


def _token_features(tokens: list[str], i: int) -> list[str]:
    feats = ["bias"]
    for off in (-2, -1, 0, 1, 2):
        j = i + off
        if 0 <= j < len(tokens):
            w = tokens[j]
            shape = "".join("X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c for c in w)[:6]
            feats += [f"{off}:w={w.lower()}", f"{off}:shape={shape}"]
            if off == 0:
                feats += [f"suf={w[-3:].lower()}", f"pre={w[:3].lower()}", f"title={w.istitle()}"]
        else:
            feats.append(f"{off}:pad")
    return feats


def _tagger(train: Any) -> Any:
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import SGDClassifier

    hasher = FeatureHasher(n_features=2**20, input_type="string", alternate_sign=False)
    X = hasher.transform(_token_features(s, i) for s in train["tokens"] for i in range(len(s)))
    y = [t for tags in train["tags"] for t in tags]
    # Logistic loss trained by SGD (10 epochs): lbfgs on ~200k tokens x 2^20 hashed features took
    # over 10 minutes of contended CPU here; SGD takes seconds and is the same model family.
    clf = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=10, tol=None, random_state=0)
    clf.fit(X, y)

    def predict(ds: Any) -> list[list[str]]:
        out = []
        for s in ds["tokens"]:
            if not s:
                out.append([])
                continue
            out.append(list(clf.predict(hasher.transform(_token_features(s, i) for i in range(len(s))))))
        return out

    return predict


def _tfidf_lr(train: Any, task: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced"),
    )
    pipe.fit(_texts(train, task), list(train["label"]))
    return lambda ds: list(pipe.predict(_texts(ds, task)))


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(data.data_dir().resolve()))
    except ValueError:
        return path.name


_PIPELINE: dict[str, Any] = {}


def _data_files(name: str, split: str, path: Path) -> list[dict[str, str]]:
    """The data files one split is read from, each with its sha256 (paths relative to the data folder)."""
    if path.is_file():
        files = [path]
    elif name.startswith("pstance"):
        files = sorted(path.glob(f"raw_{split}_*.csv"))
    elif name == "aae-sentences":
        files = [path / "argMinPE.en", path / "labels"]
    else:
        files = sorted(path.glob("*.tsv"))
    return [{"file": _rel(f), "sha256": evaluation._sha256(f)} for f in files]


def run_row(name: str, split: str, systems: list[str], model: str | None, timings: dict[str, float]) -> Path:
    """Score the requested systems on one (set, split) and merge them into its results JSON."""
    spec = data.spec(name)
    path = data.split_path(name, split)
    ds = data.load(name, split)
    train = data.load(name, spec.train_split) if spec.train_split else None
    out_file = RESULTS_DIR / f"accuracy-{name}-{split}.json"
    doc: dict[str, Any] = json.loads(out_file.read_text()) if out_file.exists() else {"systems": {}}
    doc.update({"dataset": name, "split": split, "n": len(ds), "data": _data_files(name, split, path),
                "primary_metric": evaluation.primary_metric(name), "sota": SOTA.get((name, split))})
    for system in systems:
        t0 = time.perf_counter()
        extra: dict[str, Any] = {}
        if system == "majority":
            if spec.task == "mentions":
                preds: Any = [["O"] * len(t) for t in ds["tokens"]]
                extra["trained_on"] = "all-O"
            else:
                src = train if train is not None else ds
                label = Counter(src["label"]).most_common(1)[0][0]
                preds = [label] * len(ds)
                extra["label"] = label
                extra["trained_on"] = spec.train_split or f"{split} (no train split: optimistic)"
                if name in PER_TARGET_MAJORITY:
                    by_target = {
                        t: Counter(lab for tt, lab in zip(src["target"], src["label"], strict=True) if tt == t)
                        .most_common(1)[0][0]
                        for t in set(src["target"])
                    }
                    preds = [by_target.get(t, label) for t in ds["target"]]
                    extra["label"] = by_target
                    extra["per_target"] = True
        elif system == "tfidf_lr":
            if train is None:
                continue
            predict = _tagger(train) if spec.task == "mentions" else _tfidf_lr(train, spec.task)
            preds = predict(ds)
            extra["trained_on"] = spec.train_split
        elif system == "model":
            if "pipeline" not in _PIPELINE:
                import stancekit

                _PIPELINE["pipeline"] = stancekit.load(None if model in (None, "default") else model)
            rep = evaluation.evaluate(model or "default", dataset=name, split=split, pipeline=_PIPELINE["pipeline"])
            preds = None
            entry = {k: rep[k] for k in ("primary_metric", "metrics", "per_label", "confusion_matrix")}
            entry.update({"model": rep["model"], "seconds": round(time.perf_counter() - t0, 1)})
            doc["systems"]["model"] = entry
            continue
        else:
            raise SystemExit(f"unknown system {system!r}; choose majority, tfidf_lr, model")
        rep = evaluation.build_report(name, ds, preds, model=system, file=path)
        entry = {k: rep[k] for k in ("primary_metric", "metrics", "per_label", "confusion_matrix")}
        entry.update({"model": system, "seconds": round(time.perf_counter() - t0, 1), **extra})
        doc["systems"][system] = entry
        timings[f"{name}/{split}/{system}"] = entry["seconds"]
    commit = _START.get("commit") or _git_commit()
    doc.update({"commit": commit, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "machine": _machine(), "command": "python benchmarks/accuracy.py " + " ".join(sys.argv[1:])})
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out_file


def _fmt(doc: dict[str, Any], system: str) -> str:
    e = doc["systems"].get(system)
    return "" if e is None else f"{100 * e['primary_metric']['value']:.1f}"


def render_markdown() -> str:
    """The accuracy section of RESULTS.md from every results/accuracy-*.json."""
    lines = [
        "## Accuracy (official metric per set, ×100)",
        "",
        "Dev split where `../shared/data` has one, else test. Baselines: majority class of train "
        "(per target for SemEval-2016 and P-Stance; of dev itself for PerSenT, which has no train split); "
        "TF-IDF + logistic regression trained on train (token-level LR with window features for the mention sets). "
        "Reproduce: `nice -n 19 python benchmarks/accuracy.py` (model column: "
        "`--systems model --model DIR`). Per-set JSON with per-label P/R/F1 and confusion matrices: "
        "`benchmarks/results/accuracy-*.json`.",
        "",
        "| set | split | n | metric | majority | TF-IDF + LR | stancekit model | published SOTA (for reference) |",
        "|---|---|---:|---|---:|---:|---:|---|",
    ]
    for name, split in ROWS:
        f = RESULTS_DIR / f"accuracy-{name}-{split}.json"
        if not f.exists():
            continue
        doc = json.loads(f.read_text(encoding="utf-8"))
        lines.append(
            f"| {name} | {split} | {doc['n']} | {doc['primary_metric']} | {_fmt(doc, 'majority')} | "
            f"{_fmt(doc, 'tfidf_lr')} | {_fmt(doc, 'model')} | {doc.get('sota') or '—'} |"
        )
    extras = []
    for name, split in ROWS:
        f = RESULTS_DIR / f"accuracy-{name}-{split}.json"
        if not f.exists():
            continue
        doc = json.loads(f.read_text(encoding="utf-8"))
        for system, e in doc["systems"].items():
            keys = ("f1_macro_zero", "f1_macro_few", "f1_macro[")
            sub = {k: v for k, v in e["metrics"].items() if k.startswith(keys)}
            if sub:
                extras.append(f"- {name} {split} {system}: " + ", ".join(f"{k} {100 * v:.1f}" for k, v in sub.items()))
    if extras:
        lines += ["", "Sub-metrics:", "", *extras]
    commits = {json.loads(f.read_text())["commit"] for f in RESULTS_DIR.glob("accuracy-*.json")}
    lines += ["", f"Measured at commit(s) {', '.join(sorted(c[:10] for c in commits if c))}."]
    return "\n".join(lines)


def write_results_md() -> None:
    """Rewrite the accuracy section of RESULTS.md, keeping everything else (the throughput section)."""
    start, end = "<!-- accuracy:start -->", "<!-- accuracy:end -->"
    body = render_markdown()
    if RESULTS_MD.exists():
        text = RESULTS_MD.read_text(encoding="utf-8")
    else:
        text = (
            "# stancekit benchmark results\n\n"
            f"{start}\n{end}\n\n"
            "<!-- throughput:start -->\n## Throughput\n\n"
            "_Not measured yet: `benchmarks/throughput.py` writes this section._\n"
            "<!-- throughput:end -->\n"
        )
    if start not in text or end not in text:
        text = f"{text.rstrip()}\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    RESULTS_MD.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sets", default=None, help="comma-separated set names (default: all rows)")
    p.add_argument("--systems", default="majority,tfidf_lr", help="majority,tfidf_lr,model")
    p.add_argument("--model", default=None, help="model directory for the 'model' system ('default': shipped)")
    p.add_argument("--table-only", action="store_true", help="only rebuild RESULTS.md from results/*.json")
    args = p.parse_args(argv)
    _START["commit"] = _git_commit()
    if not args.table_only:
        wanted = set(args.sets.split(",")) if args.sets else None
        systems = args.systems.split(",")
        timings: dict[str, float] = {}
        for name, split in ROWS:
            if wanted and name not in wanted:
                continue
            f = run_row(name, split, systems, args.model, timings)
            print(f"{name}/{split}: wrote {f.relative_to(HERE.parent)}", flush=True)
    write_results_md()
    print(f"wrote {RESULTS_MD.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
