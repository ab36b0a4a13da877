"""Official metrics per labelled set, and reports of a model scored on a labelled file.

:func:`compute_metrics` is pure (labels in, numbers out; scikit-learn underneath) and is what the
training loop calls on dev; :func:`evaluate` loads a model, predicts a labelled file and builds the
report (:func:`build_report`) that the CLI prints with :func:`render_table`.

The metric of each set is the one its paper or shared task reports:

========================  ==============================================================
set                       primary metric (``primary_metric(name)``)
========================  ==============================================================
NewsMTSC                  ``f1_macro`` (F1m, three classes); also ``accuracy``
SemEval-2016 Task 6       ``f_avg`` = (F1 favor + F1 against) / 2, all targets pooled
P-Stance                  ``f1_macro_avg``: macro-F1 of favor/against per target, averaged
VAST                      ``f1_macro`` (three classes); also ``f1_macro_zero``/``_few``
IBM Claim Stance          ``accuracy``
ClaimBuster, CLEF, AAE    ``f1_claim`` (F1 of the claim class)
CoNLL, WikiANN, WNUT-17   ``f1_micro`` (entity-level, conlleval/seqeval chunking)
PerSenT                   ``accuracy`` (article level); also ``f1_macro``
========================  ==============================================================

>>> compute_metrics("newsmtsc", {"label": ["favor", "against"]}, ["favor", "neutral"])["accuracy"]
0.5
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from stancekit.actors import find_actor
from stancekit.encoders import file_sha256
from stancekit.errors import DatasetError, InputError
from stancekit.labels import CLAIM_LABELS, ENTITY_TYPES, STANCE_LABELS

__all__ = [
    "compute_metrics",
    "primary_metric",
    "metric_family",
    "entity_spans",
    "stance_inputs",
    "predict",
    "build_report",
    "evaluate",
    "compare",
    "EvaluationReport",
    "Comparison",
    "render_table",
    "render_comparison",
    "write_plot",
]


#: metric family → task (the family and the metric of each set are in its DatasetSpec)
_TASK_OF_FAMILY = {"newsmtsc": "stance", "semeval2016": "stance", "pstance": "stance", "vast": "stance",
                   "ibm-claim-stance": "stance", "claim": "claim", "mentions": "mentions", "persent": "articles"}


#: Your own labelled data (``evaluate(task=…, file=…)``, :mod:`stancekit.data.generic`): the metric family of each
#: task. Stance reads target offsets where a row has them (mention form), else the pair form, like NewsMTSC.
TASK_FAMILIES: dict[str, str] = {"stance": "newsmtsc", "claim": "claim", "mentions": "mentions", "articles": "persent"}


def metric_family(name: str) -> str:
    """The metric family of a data set name (``newsmtsc-rw`` → ``newsmtsc``, ``wnut17`` → ``mentions``), or of
    a task name for your own data (``stance``, ``claim``, ``mentions``, ``articles``)."""
    if name in TASK_FAMILIES:
        return TASK_FAMILIES[name]
    from stancekit.data import spec

    return spec(name).family


def _roles(name: str) -> tuple[str, str, str | None, bool]:
    """``(family, metric, input form, binary)`` of a registered set, or of a task name for your own
    data (stance reads target offsets where a row has them, else the pair form: the mention form's rule)."""
    from stancekit.data import _METRICS, spec

    if name in TASK_FAMILIES:
        fam = TASK_FAMILIES[name]
        return fam, _METRICS[fam], "mention" if name == "stance" else None, False
    s = spec(name)
    return s.family, s.metric, s.form, s.binary


def primary_metric(name: str) -> str:
    """The key of the official metric of ``name`` in :func:`compute_metrics`'s result."""
    return _roles(name)[1]


def _binary(name: str) -> bool:
    return _roles(name)[3]


def _column(dataset: Any, key: str) -> list[Any] | None:
    try:
        names = dataset.column_names if hasattr(dataset, "column_names") else list(dataset.keys())
    except AttributeError:
        names = list(dataset[0].keys()) if len(dataset) else []
        return [row[key] for row in dataset] if key in names else None
    return list(dataset[key]) if key in names else None


def _labels_of(predictions: Any, labels: Sequence[str], n: int) -> list[str]:
    """Predicted labels from strings, or from an [N, len(labels)] score array (argmax)."""
    if isinstance(predictions, np.ndarray) and predictions.ndim == 2:
        if predictions.shape != (n, len(labels)):
            raise InputError(f"Expected scores of shape ({n}, {len(labels)}), got {predictions.shape}.")
        return [labels[i] for i in predictions.argmax(axis=1)]
    out = [str(p) for p in predictions]
    if len(out) != n:
        raise InputError(f"Expected {n} predictions (one per example), got {len(out)}.")
    return out


def _f1(y: Sequence[str], p: Sequence[str], labels: Sequence[str]) -> float:
    return float(f1_score(y, p, labels=list(labels), average="macro", zero_division=0))


def _per_label(y: Sequence[str], p: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, float]]:
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=list(labels), zero_division=0)
    return {
        lab: {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]), "support": int(sup[i])}
        for i, lab in enumerate(labels)
    }


# -- entity chunks: seqeval (conlleval rules, its default mode) -------------------------------


def _split_tag(tag: str) -> tuple[str, str]:
    if tag in ("O", "", "."):
        return "O", ""
    if len(tag) > 2 and tag[1] in "-_":
        return tag[0], tag[2:]
    return tag[0], ""


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities of one tag sequence as ``(type, first, last)`` token indices (inclusive), conlleval
    rules (``seqeval.metrics.sequence_labeling.get_entities``).

    >>> entity_spans(["B-PER", "I-PER", "O", "I-LOC"])
    [('PER', 0, 1), ('LOC', 3, 3)]
    """
    from seqeval.metrics.sequence_labeling import get_entities

    return [(t, int(a), int(b)) for t, a, b in get_entities(list(tags))]


def _mention_metrics(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> tuple[dict, dict]:
    """Entity-level micro P/R/F1 and per type, by seqeval (default mode = conlleval)."""
    from seqeval.metrics import f1_score as seq_f1
    from seqeval.metrics import precision_score, recall_score

    if len(gold) != len(pred):
        raise InputError(f"Expected {len(gold)} tag sequences (one per sentence), got {len(pred)}.")
    for k, (gt, pt) in enumerate(zip(gold, pred, strict=True)):
        if len(gt) != len(pt):
            raise InputError(f"Sentence {k}: {len(gt)} gold tags but {len(pt)} predicted tags.")
    gold_l = [list(map(str, g)) for g in gold]
    pred_l = [list(map(str, p)) for p in pred]
    g = {(k, *e) for k, seq in enumerate(gold_l) for e in entity_spans(seq)}
    p = {(k, *e) for k, seq in enumerate(pred_l) for e in entity_spans(seq)}

    def prf(gs: set, ps: set) -> dict[str, float]:
        tp = len(gs & ps)
        prec = tp / len(ps) if ps else 0.0
        rec = tp / len(gs) if gs else 0.0
        return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                "support": len(gs)}

    types = sorted({e[1] for e in g} | {e[1] for e in p})
    per = {t: prf({e for e in g if e[1] == t}, {e for e in p if e[1] == t}) for t in types}
    metrics = {
        "f1_micro": float(seq_f1(gold_l, pred_l, zero_division=0)) if g or p else 0.0,
        "precision": float(precision_score(gold_l, pred_l, zero_division=0)) if p else 0.0,
        "recall": float(recall_score(gold_l, pred_l, zero_division=0)) if g else 0.0,
    }
    metrics.update({f"f1_{t}": v["f1"] for t, v in per.items()})
    return metrics, per


def _token_types(tags: Sequence[Sequence[str]]) -> list[str]:
    return [_split_tag(t)[1] or "O" for seq in tags for t in seq]


# -- metrics -------------------------------------------------------------------------------


def _claim_label(p: Any) -> str:
    """``claim``/``not_claim`` from a label, a bool, or a probability of ``claim`` (>= 0.5)."""
    if isinstance(p, bool | np.bool_):
        return "claim" if p else "not_claim"
    if isinstance(p, int | float | np.integer | np.floating):
        return "claim" if p >= 0.5 else "not_claim"
    return str(p)


def _details(name: str, dataset: Any, predictions: Any) -> tuple[dict[str, float], dict, list[str], list, list]:
    """Metrics, per-label P/R/F1, and (labels, gold, predicted) for the confusion matrix."""
    fam = metric_family(name)
    task = _TASK_OF_FAMILY[fam]
    gold_col = "tags" if task == "mentions" else "label"
    gold = _column(dataset, gold_col)
    if gold is None:
        raise InputError(f"{name}: the data set has no {gold_col!r} column to score against.")
    if task == "mentions":
        pred_tags = [list(map(str, s)) for s in predictions]
        metrics, per = _mention_metrics(gold, pred_tags)
        labels = ["O", *ENTITY_TYPES]
        return metrics, per, labels, _token_types(gold), _token_types(pred_tags)

    labels = list(CLAIM_LABELS if task == "claim" else STANCE_LABELS)
    if task == "claim" and not (isinstance(predictions, np.ndarray) and predictions.ndim == 2):
        pred = _labels_of([_claim_label(p) for p in predictions], labels, len(gold))
    elif _binary(name) and isinstance(predictions, np.ndarray) and predictions.ndim == 2:
        two = np.asarray(predictions, dtype=float).copy()
        if two.shape[1:] == (len(labels),):
            two[:, labels.index("neutral")] = -np.inf
        pred = _labels_of(two, labels, len(gold))
    else:
        pred = _labels_of(predictions, labels, len(gold))
    unknown = sorted(set(pred) - set(labels))
    if unknown:
        raise InputError(f"{name}: predictions must be in {labels}, got {unknown}.")
    m: dict[str, float] = {"accuracy": float(accuracy_score(gold, pred))}
    if fam == "claim":
        prec, rec, f1, _ = precision_recall_fscore_support(
            gold, pred, labels=["claim"], zero_division=0
        )
        m.update({"f1_claim": float(f1[0]), "precision_claim": float(prec[0]), "recall_claim": float(rec[0])})
        m["f1_macro"] = _f1(gold, pred, labels)
    elif fam == "semeval2016":
        f = f1_score(gold, pred, labels=["favor", "against"], average=None, zero_division=0)
        m["f_avg"] = float(np.mean(f))
        m["f1_macro"] = _f1(gold, pred, labels)
        targets = _column(dataset, "target")
        if targets is not None:
            for t in sorted(set(targets)):
                idx = [i for i, x in enumerate(targets) if x == t]
                ft = f1_score([gold[i] for i in idx], [pred[i] for i in idx], labels=["favor", "against"],
                              average=None, zero_division=0)
                m[f"f_avg[{t}]"] = float(np.mean(ft))
    elif fam == "pstance":
        m["f1_macro_pooled"] = _f1(gold, pred, ["favor", "against"])
        targets = _column(dataset, "target") or ["all"] * len(gold)
        per_t = []
        for t in sorted(set(targets)):
            idx = [i for i, x in enumerate(targets) if x == t]
            v = _f1([gold[i] for i in idx], [pred[i] for i in idx], ["favor", "against"])
            m[f"f1_macro[{t}]"] = v
            per_t.append(v)
        m["f1_macro_avg"] = float(np.mean(per_t))
    else:
        m["f1_macro"] = _f1(gold, pred, labels)
        if fam == "vast":
            shots = _column(dataset, "shot")
            if shots is not None:
                for s in ("zero", "few"):
                    idx = [i for i, x in enumerate(shots) if x == s]
                    if idx:
                        m[f"f1_macro_{s}"] = _f1([gold[i] for i in idx], [pred[i] for i in idx], labels)
    return m, _per_label(gold, pred, labels), labels, gold, pred


def compute_metrics(name: str, dataset: Any, predictions: Any) -> dict[str, float]:
    """The official metrics of data set ``name`` for ``predictions`` on ``dataset``.

    Args:
        name: a data set name of :data:`stancekit.data.DATASETS` (decides the metric).
        dataset: a :class:`datasets.Dataset`, a mapping of columns, or a list of row dicts with the
            gold ``label`` (``tags`` for mention sets) and, where a metric needs them, ``target``
            (SemEval, P-Stance) and ``shot`` (VAST).
        predictions: one label per example (``favor``/``against``/``neutral``; ``claim``/``not_claim``
            or booleans), an ``[N, 3]`` / ``[N, 2]`` score array in label order
            (``("favor", "against", "neutral")`` / ``("not_claim", "claim")``), claim probabilities, or one tag list per
            sentence for mention sets.

    Returns:
        Metric name → value in [0, 1]; the official one is ``primary_metric(name)``.

    Raises:
        InputError: predictions of the wrong length or with unknown labels.
    """
    return _details(name, dataset, predictions)[0]


# -- model predictions ----------------------------------------------------------------------


def stance_inputs(name: str, dataset: Any) -> tuple[list[str], list[str], list[tuple[int, int] | None]]:
    """``(texts, targets, spans)`` for ``Engine.predict_stance``: spans for mention-form sets, else None.

    The training loop should build its stance inputs with this too, so that train and evaluation
    use the same input form per set.
    """
    texts = [str(t) for t in _column(dataset, "text") or []]
    targets = [str(t) for t in _column(dataset, "target") or []]
    if _roles(name)[2] == "mention":
        starts = _column(dataset, "target_start") or [None] * len(texts)
        ends = _column(dataset, "target_end") or [None] * len(texts)
        spans: list[tuple[int, int] | None] = [
            (int(s), int(e)) if s is not None and e is not None else None for s, e in zip(starts, ends, strict=True)
        ]
    else:
        spans = [None] * len(texts)
    return texts, targets, spans


def predict(engine: Any, name: str, dataset: Any) -> Any:
    """Predictions of an :class:`~stancekit.inference.Engine` on a stance, claim or mention set, in
    the form :func:`compute_metrics` scores: ``[N, 3]`` stance scores (in the set's input form),
    ``claim``/``not_claim`` labels (the head's own 0.5 decision, not the pipeline's article-level
    threshold), or one tag list per sentence. The training loop scores dev through this too.

    Raises:
        InputError: ``name`` is an article-level set (those need a pipeline: :func:`evaluate`).
    """
    task = _TASK_OF_FAMILY[metric_family(name)]
    if task == "stance":
        texts, targets, spans = stance_inputs(name, dataset)
        return np.asarray(engine.predict_stance(texts, targets, spans))
    if task == "claim":
        probs = np.asarray(engine.predict_claims([str(t) for t in dataset["text"]]))
        return ["claim" if p >= 0.5 else "not_claim" for p in probs]
    if task == "mentions":
        return engine.predict_tags([list(t) for t in dataset["tokens"]])
    raise InputError(f"{name} is an article-level set: score it with stancekit.evaluate (it needs the pipeline).")


def _predict(pipeline: Any, name: str, ds: Any, batch_size: int) -> tuple[Any, dict[str, Any]]:
    task = _TASK_OF_FAMILY[metric_family(name)]
    info: dict[str, Any] = {}
    if task == "claim":
        info["claim_threshold"] = 0.5
    if task != "articles":
        return predict(pipeline.engine, name, ds), info
    preds, unmatched = [], 0
    for row, article in zip(ds, pipeline.pipe(list(ds["text"]), batch_size=batch_size), strict=True):
        actor = find_actor(article, row["actor"])
        if actor is None:
            unmatched += 1
            preds.append("neutral")
        else:
            preds.append(actor.stance)
    info["articles_without_matching_actor"] = unmatched
    return preds, info


# -- reports --------------------------------------------------------------------------------


def _file_info(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    if path.is_file():
        return {"path": str(path), "sha256": file_sha256(path)}
    files = sorted(p for p in path.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for p in files:
        h.update(str(p.relative_to(path)).encode() + b"\0" + file_sha256(p).encode())
    return {"path": str(path), "sha256": h.hexdigest(), "files": len(files)}


def _n(dataset: Any) -> int:
    return len(_column(dataset, "tags") or _column(dataset, "label") or [])


@dataclass(frozen=True)
class EvaluationReport:
    """What :func:`evaluate` measured: the official metric and the rest, per label, the confusion matrix.

    ``report["metrics"]``-style reads keep working (``__getitem__``/``get`` read :meth:`to_dict`), for
    code written against the earlier dict reports.
    """

    dataset: str
    n: int
    primary_metric: str
    metrics: Mapping[str, float]
    per_label: Mapping[str, Mapping[str, float]]
    confusion_matrix: Mapping[str, Any]
    model: str | None = None
    file: Mapping[str, Any] | None = None
    stancekit_version: str = ""
    date: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """The value of the official metric."""
        return float(self.metrics[self.primary_metric])

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (``primary_metric`` as ``{"name", "value"}``, extra keys at the top level)."""
        return {
            "dataset": self.dataset,
            "n": self.n,
            "primary_metric": {"name": self.primary_metric, "value": self.value},
            "metrics": dict(self.metrics),
            "per_label": {k: dict(v) for k, v in self.per_label.items()},
            "confusion_matrix": dict(self.confusion_matrix),
            "model": self.model,
            "file": None if self.file is None else dict(self.file),
            "stancekit_version": self.stancekit_version,
            "date": self.date,
            **self.extra,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EvaluationReport:
        known = {"dataset", "n", "primary_metric", "metrics", "per_label", "confusion_matrix", "model", "file",
                 "stancekit_version", "date"}  # fmt: skip
        return cls(
            dataset=d["dataset"],
            n=int(d["n"]),
            primary_metric=d["primary_metric"]["name"],
            metrics=d["metrics"],
            per_label=d["per_label"],
            confusion_matrix=d["confusion_matrix"],
            model=d.get("model"),
            file=d.get("file"),
            stancekit_version=d.get("stancekit_version", ""),
            date=d.get("date", ""),
            extra={k: v for k, v in d.items() if k not in known},
        )

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def __repr__(self) -> str:
        value = f"{self.primary_metric}={self.value:.4f}"
        return f"EvaluationReport({self.dataset}, n={self.n}, {value}, model={self.model!r})"


@dataclass(frozen=True)
class Comparison:
    """Several models evaluated on the same data (:func:`compare`), in the order given."""

    reports: tuple[EvaluationReport, ...]

    def to_dict(self) -> dict[str, Any]:
        first = self.reports[0]
        return {
            "dataset": first.dataset,
            "n": first.n,
            "file": None if first.file is None else dict(first.file),
            "primary_metric": first.primary_metric,
            "models": [r.to_dict() for r in self.reports],
        }


def build_report(
    name: str,
    dataset: Any,
    predictions: Any,
    *,
    model: str | None = None,
    file: str | os.PathLike[str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The evaluation report of ``predictions`` on ``dataset`` (JSON-serialisable).

    Keys: ``dataset``, ``n``, ``primary_metric`` (``{name, value}``), ``metrics``, ``per_label``
    (precision, recall, F1, support), ``confusion_matrix`` (``{labels, matrix}``, rows = gold; token
    entity types for mention sets), ``model``, ``file`` (``{path, sha256}``), ``stancekit_version``,
    ``date`` and anything in ``extra``.
    """
    from stancekit import __version__

    metrics, per, labels, gold, pred = _details(name, dataset, predictions)
    cm = confusion_matrix(gold, pred, labels=labels).tolist() if gold else [[0] * len(labels) for _ in labels]
    key = primary_metric(name)
    report: dict[str, Any] = {
        "dataset": name,
        "n": _n(dataset),
        "primary_metric": {"name": key, "value": metrics[key]},
        "metrics": metrics,
        "per_label": per,
        "confusion_matrix": {"labels": labels, "matrix": cm},
        "model": model,
        "file": _file_info(Path(file)) if file is not None else None,
        "stancekit_version": __version__,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    report.update(extra or {})
    return report


def evaluate(
    model: str | os.PathLike[str] | None = None,
    *,
    dataset: str | None = None,
    file: str | os.PathLike[str] | None = None,
    output: str | os.PathLike[str] | None = None,
    plot: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    batch_size: int = 64,
    device: str = "auto",
    max_batch_tokens: int = 8192,
    split: str | None = None,
    pipeline: Any = None,
    precision: str = "auto",
    task: str | None = None,
    columns: Mapping[str, str] | None = None,
    label_map: Mapping[str, str] | None = None,
) -> EvaluationReport:
    """Score a model on a labelled file with the set's official metric.

    Args:
        model: a model directory (``None``: the shipped default), loaded with :func:`stancekit.load`.
        dataset: the set's name (``newsmtsc-rw``, ``semeval2016``, ``conll2003``, …); decides the
            file format and the metric. Give ``dataset`` or ``task``.
        task: evaluate your own labelled ``file`` in the generic schema of ``stance``, ``claim``, ``mentions``
            or ``articles`` (:mod:`stancekit.data.generic`), with the metrics of NewsMTSC, ClaimBuster,
            CoNLL and PerSenT respectively.
        columns: for ``task``: stancekit column → your column (``{"text": "tweet"}``).
        label_map: for ``task``: your label → stancekit's (``{"pos": "favor"}``).
        file: any file in that set's format (or a folder laid out like the set's); ``None`` reads
            the set's dev split (test where the set has no dev) from ``data_dir``.
        output: write the report JSON here.
        plot: write the confusion matrix as PNG here (needs matplotlib).
        data_dir: root of the labelled sets (default :func:`stancekit.data.data_dir`).
        batch_size, device, max_batch_tokens, precision: passed to :func:`stancekit.load`.
        split: the split to read from ``data_dir`` (or from ``file`` when it is a folder or a file
            holding several splits, such as the SemEval zip); default: the set's dev split.
        pipeline: an already loaded pipeline (anything with ``.engine`` and ``.pipe``) instead of ``model``.

    Returns:
        An :class:`EvaluationReport`.

    Raises:
        DatasetError: unknown set, missing or malformed file.
        ModelLoadError, DeviceError: from loading the model.
    """
    if (dataset is None) == (task is None):
        raise InputError("give dataset= (--dataset, a public set) or task= with file= (--task/--file, your data).")
    if task is not None:
        return _evaluate_task(
            model, task, file, columns, label_map, output, plot, pipeline,
            dict(device=device, batch_size=batch_size, max_batch_tokens=max_batch_tokens, precision=precision),
        )  # fmt: skip
    assert dataset is not None
    from stancekit import data

    s = data.spec(dataset)
    if split is not None:
        split = s.aliases.get(split, split)
    if file is not None:
        src = Path(file)
        if not src.exists():
            raise DatasetError(
                f"{s.name}: file= (--file) {src.resolve()} does not exist. Pass a file in the {s.name} format "
                "(docs/data.md), or leave it out to read the set from the data folder."
            )
        if src.is_dir():  # a folder laid out like the set's folder (P-Stance, CLEF, AAE)
            ds = data.load(s.name, split or s.eval_splits[0], path=src)
        else:
            ds = data.load(s.name, split, path=src)
    else:
        folder = Path(data_dir) / s.folder if data_dir is not None else None
        where = folder if folder is not None else data.data_dir() / s.folder
        if not where.exists():
            raise DatasetError(
                f"{s.name}: no labelled data at {where.resolve()}. The data folder is data_dir= (--data-dir), else "
                f"${data.ENV_VAR}, else ../shared/data; stancekit does not ship the labelled sets: docs/data.md says "
                "where each comes from and how its folder is laid out. Or pass file= (--file) with a file in the "
                "set's format."
            )
        split = split or s.eval_splits[0]
        src = data.split_path(s.name, split, folder)
        ds = data.load(s.name, split, path=folder)
    if pipeline is None:
        import stancekit

        pipeline = stancekit.load(
            model, device=device, batch_size=batch_size, max_batch_tokens=max_batch_tokens, precision=precision
        )
    preds, info = _predict(pipeline, s.name, ds, batch_size)
    model_name = str(model) if model is not None else getattr(pipeline, "model_path", None) or "default"
    report = EvaluationReport.from_dict(build_report(s.name, ds, preds, model=model_name, file=src, extra=info))
    _write(report, output, plot)
    return report


def _write(report: Any, output: str | os.PathLike[str] | None, plot: str | os.PathLike[str] | None = None) -> None:
    if output is not None:
        Path(output).write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if plot is not None:
        write_plot(report, plot)


def _evaluate_task(
    model: Any,
    task: str,
    file: Any,
    columns: Mapping[str, str] | None,
    label_map: Mapping[str, str] | None,
    output: Any,
    plot: Any,
    pipeline: Any,
    load_options: dict[str, Any],
) -> EvaluationReport:
    import datasets

    from stancekit.data.generic import read_task_file

    if file is None:
        raise InputError(f"task={task!r} evaluates your own labelled data: pass file= (--file) with it.")
    cols = read_task_file(task, file, columns=columns, label_map=label_map)
    ds = datasets.Dataset.from_dict(cols)
    if pipeline is None:
        import stancekit

        pipeline = stancekit.load(model, **load_options)
    preds, info = _predict(pipeline, task, ds, int(load_options.get("batch_size", 64)))
    model_name = str(model) if model is not None else getattr(pipeline, "model_path", None) or "default"
    info = {**info, "task": task, "columns": dict(columns or {}), "label_map": dict(label_map or {})}
    report = EvaluationReport.from_dict(build_report(task, ds, preds, model=model_name, file=file, extra=info))
    _write(report, output, plot)
    return report


def compare(
    models: Sequence[str | os.PathLike[str] | None],
    *,
    output: str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> Comparison:
    """:func:`evaluate` each of ``models`` on the same data (same keyword arguments), one after another.

    Returns:
        A :class:`Comparison` (``render_comparison`` prints it side by side; ``to_dict()`` is its JSON).
    """
    if not models:
        raise InputError("compare: give at least one model.")
    kwargs.pop("pipeline", None)
    reports = tuple(evaluate(m, output=None, plot=None, **kwargs) for m in models)
    result = Comparison(reports)
    if output is not None:
        Path(output).write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def render_comparison(comparison: Comparison) -> Any:
    """A :class:`rich.table.Table`: one row per metric and per-label F1, one column per model."""
    from rich.markup import escape
    from rich.table import Table

    first = comparison.reports[0]
    table = Table(title=escape(f"{first.dataset} · n={first.n} · {len(comparison.reports)} models"))
    table.add_column("metric")
    for r in comparison.reports:
        table.add_column(escape(str(r.model)), justify="right")
    for k in first.metrics:
        label = f"[bold]{k}[/bold] (primary)" if k == first.primary_metric else escape(k)
        table.add_row(label, *(f"{100 * r.metrics[k]:.2f}" if k in r.metrics else "" for r in comparison.reports))
    for lab in first.per_label:
        table.add_row(
            f"F1 {escape(lab)}",
            *(f"{100 * r.per_label[lab]['f1']:.2f}" if lab in r.per_label else "" for r in comparison.reports),
        )
    return table


def render_table(report: Mapping[str, Any] | EvaluationReport) -> Any:
    """A :class:`rich.table.Table` of a report: the metrics, then per-label precision/recall/F1."""
    from rich.table import Table

    prim = report["primary_metric"]["name"]
    title = f"{report['dataset']} · n={report['n']} · model={report.get('model')}"
    table = Table(title=title)
    table.add_column("metric / label")
    for col in ("value", "precision", "recall", "f1", "support"):
        table.add_column(col, justify="right")
    for k, v in report["metrics"].items():
        label = f"[bold]{k}[/bold] (primary)" if k == prim else k
        table.add_row(label, f"{100 * v:.2f}", "", "", "", "")
    for lab, d in report["per_label"].items():
        table.add_row(lab, "", f"{100 * d['precision']:.2f}", f"{100 * d['recall']:.2f}",
                      f"{100 * d['f1']:.2f}", str(d["support"]))
    return table


def write_plot(report: Mapping[str, Any] | EvaluationReport, path: str | os.PathLike[str]) -> Path:
    """Write the report's confusion matrix as a PNG (matplotlib, Agg backend).

    Raises:
        InputError: if matplotlib is not installed (``pip install 'stancekit[plot]'``).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise InputError(
            "--plot needs matplotlib, which is not installed. Install it with pip install 'stancekit[plot]'."
        ) from err
    labels = report["confusion_matrix"]["labels"]
    cm = np.asarray(report["confusion_matrix"]["matrix"])
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.2 * len(labels) + 1.5))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    peak = cm.max() if cm.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > peak / 2 else "black")
    prim = report["primary_metric"]
    ax.set_title(f"{report['dataset']}: {prim['name']} = {100 * prim['value']:.1f}")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
