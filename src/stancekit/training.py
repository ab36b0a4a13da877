"""Multi-task fine-tuning of a :class:`~stancekit.modeling.StanceModel`.

One shared encoder, three tasks: **stance** (NewsMTSC mentions incl. their ``further_mentions``,
SemEval-2016 Task A, P-Stance, VAST, IBM Claim Stance), **claim** (ClaimBuster, CLEF-2019, argument
essays) and **mentions** (CoNLL-2003 BIO tags). Each step draws one set by its sampling weight and
one batch from that set; sets cycle through a seeded shuffled order. Every epoch (a fixed number of
steps) the model is evaluated on all dev splits, checkpointed, and the best epoch (mean of the dev
metrics) is kept in ``<output_dir>/best``.

The config is a JSON file or dict; see ``configs/default.json``. Unknown keys raise
:class:`~stancekit.errors.InputError`.

>>> summary = train("configs/quick.json", "runs/quick")   # doctest: +SKIP
>>> summary["best"]["scores"]                              # doctest: +SKIP

Every set is read with :func:`stancekit.data.load` (from the config's ``data_dir``, else
:func:`stancekit.data.data_dir`) and dev splits are scored with
:func:`stancekit.evaluation.compute_metrics`, the same loaders and metrics as ``stancekit evaluate``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers

from stancekit.errors import InputError
from stancekit.modeling import STANCE_LABELS, TAG_LABELS, ModelConfig, StanceModel, base_encoder_path
from stancekit.serialization import ModelCard, save

__all__ = ["TrainConfig", "train", "load_config", "evaluate_model", "export", "refit_claim_head"]

_STANCE = {s: i for i, s in enumerate(STANCE_LABELS)}
_TAG = {t: i for i, t in enumerate(TAG_LABELS)}
#: Dev metric each set is judged by (what the issue table asks for).
DEV_METRICS = {
    "newsmtsc_rw": "F1m",
    "newsmtsc_mt": "F1m",
    "semeval2016": "F_avg",
    "pstance": "macro-F1 (avg of 3 targets)",
    "vast": "macro-F1",
    "claimbuster": "F1(claim)",
    "conll2003": "entity F1",
}


@dataclass
class TrainConfig:
    """Training hyper-parameters; the JSON config's keys are these field names."""

    seed: int = 13
    base_encoder: str | None = None
    data_dir: str | None = None
    max_length: int = 96
    max_length_per_set: dict[str, int] = field(default_factory=lambda: {"vast": 128})
    batch_size: int = 32
    epochs: int = 3
    steps_per_epoch: int = 1000
    lr: float = 6e-5
    head_lr: float = 5e-4
    weight_decay: float = 0.01
    warmup: float = 0.05
    bf16: bool = True
    stance_attention: bool = True
    stance_markers: bool = False
    further_mentions: bool = True
    weights: dict[str, float] = field(default_factory=lambda: {"newsmtsc": 1.0})
    dev: list[str] = field(default_factory=lambda: list(DEV_METRICS))
    dev_limit: int | None = None
    train_limit: int | None = None
    tiny_encoder: dict[str, int] | None = None
    threads: int | None = None
    save_checkpoints: bool = True
    max_minutes: float | None = None
    #: 0: batches are random rows; N > 0: length-bucketed batches from windows of N batches (see _Stream).
    length_buckets: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(k for k in d if k not in known and not k.startswith("_"))
        if unknown:
            raise InputError(f"Unknown training config keys {unknown}; known keys are {sorted(known)}.")
        return cls(**{k: v for k, v in d.items() if k in known})


def load_config(config: str | os.PathLike[str] | dict[str, Any]) -> TrainConfig:
    """A :class:`TrainConfig` from a JSON file path or a dict."""
    if isinstance(config, dict):
        return TrainConfig.from_dict(config)
    p = Path(config)
    try:
        return TrainConfig.from_dict(json.loads(p.read_text(encoding="utf-8")))
    except FileNotFoundError as err:
        raise InputError(f"Training config {p} does not exist. Pass a JSON file such as configs/default.json.") from err
    except ValueError as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"Training config {p} is not valid JSON: {err}.") from err


# --------------------------------------------------------------------------------------------------
# Data: every set comes from stancekit.data.load (one schema per task); these turn its rows into the
# training forms.
#   stance:  {"text", "target": str | None, "spans": [(start, end)], "labels": [int], "main": [bool],
#             "group": str | None}; the main spans, in order, are the dataset's rows, in order
#   claim:   {"text", "label": 0 | 1}
#   tags:    {"tokens": [str], "tags": [str]}
# --------------------------------------------------------------------------------------------------

#: training-config set name → (stancekit.data name, split). P-Stance trains on all three labels.
TRAIN_SETS: dict[str, tuple[str, str]] = {
    "newsmtsc": ("newsmtsc", "train"),
    "semeval2016": ("semeval2016", "train"),
    "pstance": ("pstance-all", "train"),
    "vast": ("vast", "train"),
    "ibm": ("ibm-claim-stance", "train"),
    "claimbuster": ("claimbuster", "train"),
    "clef2019": ("clef2019", "train"),
    "essays": ("aae-sentences", "train"),
    "conll2003": ("conll2003", "train"),
}
#: dev name → (stancekit.data name, split): the splits the issue's target table names.
DEV_SETS: dict[str, tuple[str, str]] = {
    "newsmtsc_rw": ("newsmtsc-rw", "dev"),
    "newsmtsc_mt": ("newsmtsc-mt", "dev"),
    "semeval2016": ("semeval2016", "test"),
    "pstance": ("pstance", "val"),
    "vast": ("vast", "dev"),
    "claimbuster": ("claimbuster", "dev"),
    "conll2003": ("conll2003", "testa"),
}
_TASKS = {"stance": "stance", "claim": "claim", "mentions": "tags"}


def _data_dir(cfg: TrainConfig) -> Path:
    """The config's ``data_dir``, else :func:`stancekit.data.data_dir` (``$STANCEKIT_DATA``, ``../shared/data``)."""
    from stancekit.data import data_dir

    return Path(cfg.data_dir) if cfg.data_dir else data_dir()


def _load_set(root: Path, name: str, split: str) -> tuple[str, Any]:
    """``(task, dataset)`` of a registered set, read from ``root``."""
    from stancekit import data

    s = data.spec(name)
    return _TASKS[s.task], data.load(name, split, path=root / s.folder)


def _examples(name: str, task: str, ds: Any, further: bool) -> list[dict[str, Any]]:
    """The training form of a loaded set (see the table above); mention-form stance rows of one
    sentence are grouped, so one encoder pass covers all of its targets."""
    from stancekit.evaluation import stance_inputs

    if task == "claim":
        return [{"text": t, "label": int(lab == "claim")} for t, lab in zip(ds["text"], ds["label"], strict=True)]
    if task == "tags":
        return [{"tokens": list(t), "tags": list(g)} for t, g in zip(ds["tokens"], ds["tags"], strict=True)]
    texts, targets, spans = stance_inputs(name, ds)
    labels = [_STANCE[lab] for lab in ds["label"]]
    if all(sp is None for sp in spans):
        return [
            {"text": x, "target": t, "spans": [], "labels": [lab], "main": [True], "group": t}
            for x, t, lab in zip(texts, targets, labels, strict=True)
        ]
    keys = ds["sentence_id"] if "sentence_id" in ds.column_names else list(range(len(texts)))
    others = ds["other_spans"] if further and "other_spans" in ds.column_names else [[]] * len(texts)
    out: list[dict[str, Any]] = []
    for x, key, sp, lab, more in zip(texts, keys, spans, labels, others, strict=True):
        if not out or out[-1]["key"] != (key, x):
            out.append(
                {"key": (key, x), "text": x, "target": None, "spans": [], "labels": [], "main": [], "group": None}
            )
        ex = out[-1]
        for span, is_main in [(sp, True), *(((int(a), int(b)), False) for a, b in more)]:
            ex["spans"].append(span)
            ex["labels"].append(lab)
            ex["main"].append(is_main)
    for ex in out:
        del ex["key"]
    return out


# --------------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------------


def _encode_stance(ex: dict[str, Any], tok: Any, max_length: int, markers: bool) -> list[dict[str, Any]]:
    """Token ids and per-mention token index lists; markers → one copy per span with [unused0/1] around it."""
    if ex["target"] is not None:
        enc = tok(ex["target"], ex["text"], truncation="only_second", max_length=max_length)
        seq = enc.sequence_ids()
        span = [i for i, s in enumerate(seq) if s == 0]
        return [
            {
                "input_ids": enc["input_ids"],
                "token_type_ids": enc.get("token_type_ids"),
                "spans": [span],
                "labels": list(ex["labels"]),
                "group": ex.get("group"),
                "main": [True],
            }
        ]
    enc = tok(ex["text"], truncation=True, max_length=max_length, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    spans, labels, main = [], [], []
    for (s, e), lab, is_main in zip(ex["spans"], ex["labels"], ex.get("main", [True] * len(ex["spans"])), strict=True):
        idx = [i for i, (a, b) in enumerate(offsets) if b > a and a < e and b > s]
        if idx:
            spans.append(idx)
            labels.append(lab)
            main.append(is_main)
        elif is_main:
            spans.append([])  # truncated away: keeps the dev count honest, predicted from the unit alone
            labels.append(lab)
            main.append(is_main)
    base = {"token_type_ids": enc.get("token_type_ids"), "group": ex.get("group")}
    if not markers:
        return [{**base, "input_ids": enc["input_ids"], "spans": spans, "labels": labels, "main": main}]
    ids = enc["input_ids"]
    m0, m1 = tok.convert_tokens_to_ids("[unused0]"), tok.convert_tokens_to_ids("[unused1]")
    out = []
    for idx, lab, is_main in zip(spans, labels, main, strict=True):
        if not idx:
            new, span = ids, []
        else:
            a, b = idx[0], idx[-1] + 1
            new = ids[:a] + [m0] + ids[a:b] + [m1] + ids[b:]
            span = list(range(a, b + 2))
        out.append({"input_ids": new, "token_type_ids": None, "spans": [span], "labels": [lab], "main": [is_main]})
    return out


def _encode_claim(ex: dict[str, Any], tok: Any, max_length: int) -> dict[str, Any]:
    enc = tok(ex["text"], truncation=True, max_length=max_length)
    return {"input_ids": enc["input_ids"], "label": ex["label"]}


def _encode_tags(ex: dict[str, Any], tok: Any, max_length: int) -> dict[str, Any]:
    enc = tok(ex["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    word_ids = enc.word_ids()
    labels, first, prev = [], [], None
    for i, w in enumerate(word_ids):
        if w is None:
            labels.append(-100)
        else:
            tag = ex["tags"][w]
            if w != prev:
                labels.append(_TAG[tag])
                first.append(i)
            else:
                labels.append(_TAG["O"] if tag == "O" else _TAG["I-" + tag[2:]])
        prev = w
    return {"input_ids": enc["input_ids"], "labels": labels, "first": first, "gold": ex["tags"]}


def _pad(rows: list[dict[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    # Pad to a multiple of 16: fewer distinct shapes, so oneDNN reuses its kernels (bf16 on AMX).
    t = -(-max(len(r["input_ids"]) for r in rows) // 16) * 16
    ids = torch.full((len(rows), t), pad_id, dtype=torch.long)
    am = torch.zeros((len(rows), t), dtype=torch.long)
    tt = torch.zeros((len(rows), t), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n] = torch.tensor(r["input_ids"])
        am[i, :n] = 1
        if r.get("token_type_ids") is not None:
            tt[i, :n] = torch.tensor(r["token_type_ids"])
    return {"input_ids": ids, "attention_mask": am, "token_type_ids": tt}


def _stance_batch(
    rows: list[dict[str, Any]], pad_id: int
) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    b = _pad(rows, pad_id)
    t = b["input_ids"].shape[1]
    masks, row_idx = [], []
    for i, r in enumerate(rows):
        for span in r["spans"]:
            m = torch.zeros(t)
            if span:
                m[span] = 1.0
            masks.append(m)
            row_idx.append(i)
    span_mask = torch.stack(masks) if masks else torch.zeros((0, t))
    return b, span_mask, torch.tensor(row_idx, dtype=torch.long)


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@torch.no_grad()
def _predict(
    model: StanceModel, task: str, rows: list[dict[str, Any]], pad_id: int, bf16: bool, batch_size: int = 64
) -> list[Any]:
    """Predictions per encoded row: stance → [n_spans, 3] probs; claim → P(claim); tags → first-subtoken ids."""
    model.eval()
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
    out: list[Any] = [None] * len(rows)
    for chunk in _batches(order, batch_size):
        batch_rows = [rows[i] for i in chunk]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            if task == "stance":
                b, span_mask, row = _stance_batch(batch_rows, pad_id)
                h = model.encode(b["input_ids"], b["attention_mask"], b["token_type_ids"])
                probs = torch.softmax(model.stance_logits(h, b["attention_mask"], span_mask, row).float(), -1)
                k = 0
                for i, r in zip(chunk, batch_rows, strict=True):
                    out[i] = probs[k : k + len(r["spans"])].numpy()
                    k += len(r["spans"])
            elif task == "claim":
                b = _pad(batch_rows, pad_id)
                h = model.encode(b["input_ids"], b["attention_mask"])
                probs = torch.softmax(model.claim_logits(h, b["attention_mask"]).float(), -1)[:, 1]
                for i, p in zip(chunk, probs.tolist(), strict=True):
                    out[i] = p
            else:
                b = _pad(batch_rows, pad_id)
                h = model.encode(b["input_ids"], b["attention_mask"])
                pred = model.tag_logits(h).argmax(-1)
                for j, (i, r) in enumerate(zip(chunk, batch_rows, strict=True)):
                    out[i] = pred[j, r["first"]].tolist()
    return out


def _fix_bio(tags: list[str]) -> list[str]:
    out, prev = [], "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def _dev_predictions(task: str, rows: list[dict[str, Any]], preds: list[Any]) -> Any:
    """Per-row predictions in the form ``evaluation.compute_metrics`` scores."""
    if task == "stance":  # main spans in order are the dataset's rows in order
        return np.array([p for r, pr in zip(rows, preds, strict=True) for m, p in zip(r["main"], pr, strict=True) if m])
    if task == "claim":
        return list(preds)
    return [
        _fix_bio([TAG_LABELS[i] for i in p] + ["O"] * (len(r["gold"]) - len(p)))
        for r, p in zip(rows, preds, strict=True)
    ]


def evaluate_model(
    model: StanceModel,
    tokenizer: Any,
    cfg: TrainConfig | dict[str, Any] | str | os.PathLike[str] | None = None,
    names: list[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Score ``model`` on the dev splits (``cfg.dev`` or ``names``); set name → {metric: value}.

    The metrics are ``stancekit.evaluation.compute_metrics`` of the set (its official one is
    ``DEV_METRICS[name]``); the batching is the training loop's, faster than the engine's path.
    """
    cfg = cfg if isinstance(cfg, TrainConfig) else load_config(cfg or {})
    dev = _load_dev(cfg, tokenizer, names)
    return _evaluate(model, dev, tokenizer.pad_token_id, cfg.bf16)


def _load_dev(
    cfg: TrainConfig, tok: Any, names: list[str] | None = None
) -> dict[str, tuple[str, Any, list[dict[str, Any]]]]:
    root = _data_dir(cfg)
    out = {}
    for name in names or cfg.dev:
        if name not in DEV_SETS:
            raise InputError(f"Unknown dev set {name!r}; known: {sorted(DEV_SETS)}.")
        reg, split = DEV_SETS[name]
        task, ds = _load_set(root, reg, split)
        if cfg.dev_limit:
            ds = ds.select(range(min(cfg.dev_limit, len(ds))))
        raw = _examples(reg, task, ds, further=False)
        ml = cfg.max_length_per_set.get(name.split("_")[0], cfg.max_length)
        if task == "stance":
            enc = [e for ex in raw for e in _encode_stance(ex, tok, ml, cfg.stance_markers)]
        elif task == "claim":
            enc = [_encode_claim(ex, tok, ml) for ex in raw]
        else:
            enc = [_encode_tags(ex, tok, ml) for ex in raw]
        out[name] = (task, ds, enc)
    return out


def _evaluate(
    model: StanceModel, dev: dict[str, tuple[str, Any, list[dict[str, Any]]]], pad_id: int, bf16: bool
) -> dict[str, dict[str, float]]:
    from stancekit.evaluation import compute_metrics

    scores = {}
    for name, (task, ds, rows) in dev.items():
        preds = _dev_predictions(task, rows, _predict(model, task, rows, pad_id, bf16))
        scores[name] = compute_metrics(DEV_SETS[name][0], ds, preds)
    return scores


def _headline(scores: dict[str, dict[str, float]]) -> dict[str, float]:
    """Each set's official metric (``evaluation.primary_metric``)."""
    from stancekit.evaluation import primary_metric

    return {name: s[primary_metric(DEV_SETS[name][0])] for name, s in scores.items() if name in DEV_SETS}


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


def _tiny_encoder(spec: dict[str, int], vocab_size: int, seed: int) -> transformers.PreTrainedModel:
    torch.manual_seed(seed)
    bc = transformers.BertConfig(
        vocab_size=vocab_size,
        hidden_size=spec.get("hidden_size", 32),
        num_hidden_layers=spec.get("num_hidden_layers", 2),
        num_attention_heads=spec.get("num_attention_heads", 2),
        intermediate_size=spec.get("intermediate_size", 64),
        max_position_embeddings=spec.get("max_position_embeddings", 512),
    )
    return transformers.BertModel(bc, add_pooling_layer=False)


class _Stream:
    """A set's encoded rows in a seeded shuffled order that reshuffles at the end of each pass.

    With ``bucket > 0`` each pass is cut into windows of ``bucket * batch_size`` shuffled rows,
    each window is sorted by length and cut into batches, and the batches are shuffled: batches
    hold rows of similar length, so padding (and the step's cost) drops, while every batch is
    still a random draw from the set (``group_by_length`` in transformers does the same).
    """

    def __init__(self, rows: list[dict[str, Any]], rng: random.Random, bucket: int = 0, batch_size: int = 32) -> None:
        self.rows, self.rng, self.pos, self.passes = rows, rng, 0, 0
        self.bucket, self.batch_size = bucket, batch_size
        self.order = list(range(len(rows)))
        self.order = self._new_order()

    def _new_order(self) -> list[int]:
        order = self.order  # shuffled in place: the same draws as before buckets existed
        self.rng.shuffle(order)
        if self.bucket <= 0:
            return order
        window = self.bucket * self.batch_size
        batches: list[list[int]] = []
        for w in range(0, len(order), window):
            chunk = sorted(order[w : w + window], key=lambda i: len(self.rows[i]["input_ids"]))
            batches += [chunk[b : b + self.batch_size] for b in range(0, len(chunk), self.batch_size)]
        self.rng.shuffle(batches)
        return [i for b in batches for i in b]

    def take(self, n: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while len(out) < n:
            if self.pos >= len(self.order):
                self.order = self._new_order()
                self.pos, self.passes = 0, self.passes + 1
            out.append(self.rows[self.order[self.pos]])
            self.pos += 1
        return out


def _step_loss(model: StanceModel, task: str, rows: list[dict[str, Any]], pad_id: int) -> torch.Tensor:
    ce = torch.nn.functional.cross_entropy
    if task == "stance":
        b, span_mask, row = _stance_batch(rows, pad_id)
        labels = torch.tensor([lab for r in rows for lab in r["labels"]], dtype=torch.long)
        h = model.encode(b["input_ids"], b["attention_mask"], b["token_type_ids"])
        return ce(model.stance_logits(h, b["attention_mask"], span_mask, row).float(), labels)
    b = _pad(rows, pad_id)
    h = model.encode(b["input_ids"], b["attention_mask"])
    if task == "claim":
        labels = torch.tensor([r["label"] for r in rows], dtype=torch.long)
        return ce(model.claim_logits(h, b["attention_mask"]).float(), labels)
    t = b["input_ids"].shape[1]
    labels = torch.full((len(rows), t), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        labels[i, : len(r["labels"])] = torch.tensor(r["labels"])
    logits = model.tag_logits(h).float()
    return ce(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def train(
    config: str | os.PathLike[str] | dict[str, Any],
    output_dir: str | os.PathLike[str],
    *,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Fine-tune a multi-task model and write it to ``output_dir``.

    Writes ``output_dir/best`` (the best epoch by the mean of the dev metrics, a loadable model
    directory), ``output_dir/epoch-N`` checkpoints (if ``save_checkpoints``), ``output_dir/log.jsonl``
    (one JSON object per logged step and per evaluation) and ``output_dir/summary.json``.

    Args:
        config: a JSON file path or a dict of :class:`TrainConfig` fields.
        output_dir: where to write; created if needed.
        progress: called with each log record (the CLI prints them); the library itself never prints.

    Returns:
        The summary: config, per-epoch dev scores, the best epoch, examples/s, wall time.

    Raises:
        InputError: unknown config keys or set names. DatasetError: a data file is missing or malformed.
    """
    cfg = load_config(config)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    log_f = (out / "log.jsonl").open("a", encoding="utf-8")

    def log(rec: dict[str, Any]) -> None:
        rec = {"time": round(time.time(), 1), **rec}
        log_f.write(json.dumps(rec) + "\n")
        log_f.flush()
        if progress is not None:
            progress(rec)

    base = cfg.base_encoder or base_encoder_path()
    tok = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
    mcfg = ModelConfig(
        max_length=max([cfg.max_length, *cfg.max_length_per_set.values()]),
        stance_attention=cfg.stance_attention,
        base_encoder="sentence-transformers/all-MiniLM-L6-v2" if cfg.base_encoder is None else Path(base).name,
    )
    if cfg.tiny_encoder is not None:
        model = StanceModel(_tiny_encoder(cfg.tiny_encoder, tok.vocab_size, cfg.seed), mcfg)
        mcfg.base_encoder = "tiny-random-bert"
    else:
        model = StanceModel.from_encoder(base, mcfg)
    torch.manual_seed(cfg.seed)

    root = _data_dir(cfg)
    unknown = sorted(set(cfg.weights) - set(TRAIN_SETS))
    if unknown:
        raise InputError(f"Unknown training sets {unknown} in 'weights'; known: {sorted(TRAIN_SETS)}.")
    sets: dict[str, tuple[str, _Stream]] = {}
    sizes = {}
    for name, w in cfg.weights.items():
        if w <= 0:
            continue
        reg, split = TRAIN_SETS[name]
        task, ds = _load_set(root, reg, split)
        raw = _examples(reg, task, ds, cfg.further_mentions)
        if cfg.train_limit:
            raw = raw[: cfg.train_limit]
        ml = cfg.max_length_per_set.get(name, cfg.max_length)
        if task == "stance":
            enc = [e for ex in raw for e in _encode_stance(ex, tok, ml, cfg.stance_markers)]
            enc = [e for e in enc if any(e["spans"])]
            for e in enc:  # drop truncated-away spans from training
                keep = [i for i, s in enumerate(e["spans"]) if s]
                e["spans"] = [e["spans"][i] for i in keep]
                e["labels"] = [e["labels"][i] for i in keep]
        elif task == "claim":
            enc = [_encode_claim(ex, tok, ml) for ex in raw]
        else:
            enc = [_encode_tags(ex, tok, ml) for ex in raw]
        sets[name] = (task, _Stream(enc, random.Random(rng.random()), cfg.length_buckets, cfg.batch_size))
        sizes[name] = len(enc)
    names = list(sets)
    probs = np.array([cfg.weights[n] for n in names], dtype=float)
    probs /= probs.sum()
    dev = _load_dev(cfg, tok)
    log({"event": "data", "train_rows": sizes, "dev_rows": {k: len(v[1]) for k, v in dev.items()}})

    head_params = list(model.heads.parameters())
    no_decay = [p for n, p in model.encoder.named_parameters() if p.ndim < 2]
    decay = [p for n, p in model.encoder.named_parameters() if p.ndim >= 2]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "lr": cfg.lr, "weight_decay": cfg.weight_decay},
            {"params": no_decay, "lr": cfg.lr, "weight_decay": 0.0},
            {"params": head_params, "lr": cfg.head_lr, "weight_decay": cfg.weight_decay},
        ]
    )
    total = cfg.epochs * cfg.steps_per_epoch
    warm = max(1, int(cfg.warmup * total))

    def lr_lambda(step: int) -> float:
        return (step + 1) / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    pad_id = tok.pad_token_id
    step_rng = np.random.default_rng(cfg.seed)
    t0 = time.time()
    seen = 0
    history = []
    best: dict[str, Any] | None = None
    loss_acc: dict[str, list[float]] = {n: [] for n in names}
    train_time = 0.0
    out_of_time = False
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        te = time.time()
        for s in range(cfg.steps_per_epoch):
            if cfg.max_minutes is not None and (time.time() - t0) / 60 > cfg.max_minutes:
                # The wall-clock budget is spent: evaluate and save what we have, then stop.
                out_of_time = True
                log({"event": "time_budget", "epoch": epoch, "step": (epoch - 1) * cfg.steps_per_epoch + s})
                break
            name = names[int(step_rng.choice(len(names), p=probs))]
            task, stream = sets[name]
            rows = stream.take(cfg.batch_size)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                loss = _step_loss(model, task, rows, pad_id)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            seen += len(rows)
            loss_acc[name].append(float(loss.detach()))
            step = (epoch - 1) * cfg.steps_per_epoch + s + 1
            if step % 50 == 0 or step == total:
                el = train_time + time.time() - te
                rate = seen / max(el, 1e-9)
                log(
                    {
                        "event": "step",
                        "epoch": epoch,
                        "step": step,
                        "of": total,
                        "examples_per_s": round(rate, 1),
                        "loss": {n: round(float(np.mean(v)), 4) for n, v in loss_acc.items() if v},
                        "lr": sched.get_last_lr()[0],
                        "eta_min": round((total - step) * cfg.batch_size / max(rate, 1e-9) / 60, 1),
                    }
                )
                loss_acc = {n: [] for n in names}
        train_time += time.time() - te
        tev = time.time()
        scores = _evaluate(model, dev, pad_id, cfg.bf16)
        head = _headline(scores)
        mean = float(np.mean(list(head.values()))) if head else 0.0
        rec = {"epoch": epoch, "scores": scores, "headline": head, "mean": mean, "eval_s": round(time.time() - tev, 1)}
        history.append(rec)
        log({"event": "eval", **rec})
        model.config.training = {"config": dict(cfg.__dict__), "epoch": epoch, "dev": head}
        if cfg.save_checkpoints:
            save(model, tok, out / f"epoch-{epoch}", _card(cfg, rec, "checkpoint"))
        if best is None or mean > best["mean"]:
            best = rec
            save(model, tok, out / "best", _card(cfg, rec, "best"))
        if out_of_time:
            break
    wall = time.time() - t0
    summary = {
        "config": cfg.__dict__,
        "train_rows": sizes,
        "passes": {n: round(sets[n][1].passes + sets[n][1].pos / max(1, len(sets[n][1].rows)), 2) for n in names},
        "history": history,
        "best": best,
        "examples": seen,
        "examples_per_s": round(seen / max(train_time, 1e-9), 1),
        "train_s": round(train_time, 1),
        "wall_s": round(wall, 1),
        "stopped_by_time_budget": out_of_time,
        "output_dir": str(out),
        "argv": sys.argv,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    log({"event": "done", "wall_s": round(wall, 1), "best_epoch": best["epoch"] if best else None})
    log_f.close()
    return summary


def _card(cfg: TrainConfig, rec: dict[str, Any], kind: str) -> ModelCard:
    return ModelCard(
        name=f"stancekit {kind} (epoch {rec['epoch']})",
        description="A stancekit multi-task model (claims, actor mentions, per-actor stance).",
        seed=cfg.seed,
        data=[f"{k}: sampling weight {v}" for k, v in cfg.weights.items()],
        dev_scores={f"{k} {DEV_METRICS[k]}": v for k, v in rec["headline"].items()},
    )


def refit_claim_head(
    model: StanceModel,
    tokenizer: Any,
    config: str | os.PathLike[str] | dict[str, Any] | None = None,
    *,
    sets: tuple[str, ...] = ("claimbuster",),
    epochs: int = 40,
    lr: float = 1e-3,
    batch_size: int = 256,
) -> dict[str, Any]:
    """Re-train only the claim head on the training split of ``sets``, with the encoder frozen.

    Multi-task training mixes claim sets with very different priors (CLEF-2019 has 2.7% positives,
    ClaimBuster 2.5xNCS 29%), which leaves the shared claim head under-predicting ``claim`` on
    ClaimBuster-like text. Refitting the head on the pooled vectors of one set's training rows
    fixes its calibration without touching the encoder or the other heads. Dev rows are never used.

    Returns:
        ``{"rows": n, "loss_before": x, "loss_after": y}`` (mean cross-entropy on those rows).
    """
    cfg = load_config(config or {})
    root = _data_dir(cfg)
    rows = []
    for name in sets:
        if name not in TRAIN_SETS:
            raise InputError(f"Unknown training set {name!r}; known: {sorted(TRAIN_SETS)}.")
        reg, split = TRAIN_SETS[name]
        task, ds = _load_set(root, reg, split)
        if task != "claim":
            raise InputError(f"refit_claim_head needs claim sets; {name!r} is a {task} set.")
        raw = _examples(reg, task, ds, False)
        raw = raw[: cfg.train_limit] if cfg.train_limit else raw
        rows += [_encode_claim(ex, tokenizer, cfg.max_length_per_set.get(name, cfg.max_length)) for ex in raw]
    model.eval()
    feats, labels = [], []
    with torch.no_grad():
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
        for chunk in _batches(order, 64):
            b = _pad([rows[i] for i in chunk], tokenizer.pad_token_id)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                h = model.encode(b["input_ids"], b["attention_mask"])
            feats.append(model.pooled(h.float(), b["attention_mask"]))
            labels += [rows[i]["label"] for i in chunk]
    x, y = torch.cat(feats), torch.tensor(labels, dtype=torch.long)
    head = model.heads["claim"]
    ce = torch.nn.functional.cross_entropy
    with torch.no_grad():
        before = float(ce(head(x), y))
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=cfg.weight_decay)
    for _ in range(epochs):
        perm = torch.randperm(len(y), generator=gen)
        for i in range(0, len(y), batch_size):
            idx = perm[i : i + batch_size]
            loss = ce(head(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    with torch.no_grad():
        after = float(ce(head(x), y))
    model.config.training = {**model.config.training, "claim_head_refit": {"sets": list(sets), "rows": len(y)}}
    return {"rows": len(y), "loss_before": before, "loss_after": after}


def export(
    checkpoint: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    config: str | os.PathLike[str] | dict[str, Any] | None = None,
    *,
    card: ModelCard | None = None,
    dtype: torch.dtype = torch.float16,
) -> dict[str, dict[str, dict[str, float]]]:
    """Re-save a checkpoint in ``dtype`` (half precision by default) and score both on the dev splits.

    Returns ``{"checkpoint": scores, "exported": scores}`` so the caller can check that dev scores
    hold in half precision before shipping. ``card`` is written with the exported model's scores
    added to ``card.dev_scores``.
    """
    from stancekit.serialization import load_model

    cfg = load_config(config or {})
    model, tok = load_model(checkpoint)
    before = evaluate_model(model, tok, cfg)
    card = card or ModelCard(name=Path(output_dir).name)
    save(model, tok, output_dir, card, dtype=dtype)
    exported, tok2 = load_model(output_dir)
    after = evaluate_model(exported, tok2, cfg)
    card.dev_scores = {**card.dev_scores, **{f"{k} {DEV_METRICS[k]}": v for k, v in _headline(after).items()}}
    (Path(output_dir) / "README.md").write_text(card.render(exported.config), encoding="utf-8")
    return {"checkpoint": before, "exported": after}


def _main(argv: list[str] | None = None) -> int:  # pragma: no cover - convenience for background runs
    import argparse

    ap = argparse.ArgumentParser(description="Train a stancekit model (same as `stancekit train`).")
    ap.add_argument("--config", required=True)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    train(a.config, a.output, progress=lambda r: print(json.dumps(r), flush=True))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
