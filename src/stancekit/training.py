"""Multi-task fine-tuning of a :class:`~stancekit.modeling.StanceModel`, resumable, on CPU or CUDA.

One shared encoder, three heads (:mod:`stancekit.heads`): **stance** (NewsMTSC mentions incl. their
``further_mentions``, SemEval-2016 Task A, P-Stance, VAST, IBM Claim Stance), **claim** (ClaimBuster,
CLEF-2019, argument essays) and **mentions** (CoNLL-2003 BIO tags). Each step draws one set by its
sampling weight and one batch from that set; sets cycle through a seeded shuffled order.

One code path with serving: rows are built with the engine's input forms (:mod:`stancekit.forms`)
from the engine's tokenizer, losses come from the head objects, and every epoch the dev splits are
scored **through** :class:`~stancekit.inference.Engine` and :func:`stancekit.evaluation.compute_metrics`
— the figures a model card reports are the figures users get. The sets, their tasks, input forms,
metrics and train/dev roles come from the registry in :mod:`stancekit.data`.

Runs are resumable: every ``checkpoint_every`` steps (and at each epoch's end and when the
``max_minutes`` budget of one invocation is spent) ``<output_dir>/last`` holds the weights, the
optimizer, the schedule, every random state and each set's position (safetensors + JSON, no
pickle). ``train(..., resume=True)`` continues from it with the same result as an uninterrupted run.

Base encoders are resolved offline by name and checksum (:mod:`stancekit.encoders`). With ``lora``
in the config the encoder is frozen and trained through LoRA adapters (``peft``); the saved model then
holds only the adapters and the heads, and loading merges the adapters into the encoder.

>>> summary = train("configs/quick.json", "runs/quick")   # doctest: +SKIP
>>> summary["best"]["headline"]                            # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers

from stancekit.errors import InputError
from stancekit.forms import FORMS, MENTION, span_tokens
from stancekit.heads import IGNORE, Features, head_for_task
from stancekit.labels import STANCE_LABELS, TAG_LABELS
from stancekit.modeling import ModelConfig, StanceModel
from stancekit.serialization import ModelCard, save

__all__ = [
    "TrainConfig", "TrainSummary", "train", "load_config", "evaluate_model", "export", "refit_claim_head",
    "DEV_METRICS",
]

_STANCE = {s: i for i, s in enumerate(STANCE_LABELS)}
_TAG = {t: i for i, t in enumerate(TAG_LABELS)}
#: Readable names of the metrics (model cards).
_METRIC_NAMES = {"f1_macro": "F1m", "f_avg": "F_avg", "f1_macro_avg": "macro-F1 (avg of targets)",
                 "f1_claim": "F1(claim)", "f1_micro": "entity F1", "accuracy": "accuracy"}
DEFAULT_BASE = "sentence-transformers/all-MiniLM-L6-v2"


def _train_sets() -> dict[str, tuple[str, str]]:
    from stancekit.data import train_sets

    return train_sets()


def _dev_sets() -> dict[str, tuple[str, str]]:
    from stancekit.data import dev_sets

    return dev_sets()


def _metric_name(dev_name: str) -> str:
    from stancekit.evaluation import primary_metric

    m = primary_metric(_dev_sets()[dev_name][0])
    return _METRIC_NAMES.get(m, m)


class _LazyTable(Mapping[str, Any]):
    """A read-only view of a registry-derived table (kept importable for existing callers)."""

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build = build

    def __getitem__(self, key: str) -> Any:
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())


#: training-config set name → (registered set, split), from the registry in :mod:`stancekit.data`.
TRAIN_SETS: Mapping[str, tuple[str, str]] = _LazyTable(_train_sets)
#: dev name → (registered set, split), from the registry.
DEV_SETS: Mapping[str, tuple[str, str]] = _LazyTable(_dev_sets)
#: dev name → the readable name of its official metric.
DEV_METRICS: Mapping[str, str] = _LazyTable(lambda: {k: _metric_name(k) for k in _dev_sets()})


@dataclass
class TrainConfig:
    """Training hyper-parameters; the JSON config's keys are these field names.

    Attributes (besides the usual optimisation ones):
        base_encoder: a name of :data:`stancekit.encoders.BASE_ENCODERS` or an encoder directory.
        device: ``auto`` (CUDA when present), ``cpu``, ``cuda``, ``cuda:N``.
        bf16: bf16 autocast (on CPU with AVX-512-bf16/AMX, and on CUDA).
        checkpoint_every: steps between resumable checkpoints in ``<output>/last`` (0: epoch ends only).
        lora: ``{"r", "alpha", "dropout", "targets", "layers"}``: train LoRA adapters on the frozen
            encoder (``targets``: module name suffixes; ``layers``: encoder layer indices, all if absent).
        length_buckets: 0: batches are random rows; N > 0: length-bucketed batches from windows of N batches.
        eval_on_stop: score dev when the ``max_minutes`` budget stops a run mid-epoch (off for runs whose
            dev pass costs more than the budget buys, e.g. a base encoder on a CPU).
        distil: ``{"file", "weight", "temperature", "share", …}``: a share of the steps trains toward a
            teacher's soft labels (:class:`stancekit.distillation.DistilConfig`).
    """

    seed: int = 13
    base_encoder: str | None = None
    data_dir: str | None = None
    device: str = "auto"
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
    stance_attention: bool = False
    further_mentions: bool = True
    weights: dict[str, float] = field(default_factory=lambda: {"newsmtsc": 1.0})
    dev: list[str] = field(default_factory=lambda: list(_dev_sets()))
    dev_limit: int | None = None
    train_limit: int | None = None
    tiny_encoder: dict[str, int] | None = None
    threads: int | None = None
    save_checkpoints: bool = True
    checkpoint_every: int = 200
    max_minutes: float | None = None
    length_buckets: int = 0
    lora: dict[str, Any] | None = None
    eval_batch_size: int = 64
    eval_on_stop: bool = True
    distil: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        if d.get("stance_markers"):
            raise InputError(
                "stance_markers is no longer a training option: the engine serves the mention and target "
                "forms only (stancekit.forms), and a model must be trained in the form it is served in."
            )
        unknown = sorted(k for k in d if k not in known and not k.startswith("_") and k != "stance_markers")
        if unknown:
            raise InputError(f"Unknown training config keys {unknown}; known keys are {sorted(known)}.")
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class TrainSummary:
    """What :func:`train` did (also written to ``<output_dir>/summary.json``).

    Attributes:
        best: the best evaluation (``epoch``, ``step``, ``scores``, ``headline``, ``mean``), or ``None``
            when the run stopped before its first one.
        history: every evaluation, in order.
        step / of: steps done and planned; ``stopped``: why the run stopped early (``time_budget``,
            ``stop_after_steps``), else ``None``; ``resumable``: ``--resume`` continues it.
        examples / examples_per_s / train_s / wall_s: how much and how fast it trained.
        extra: anything a caller adds (``distil`` adds the teacher scores' header).
    """

    config: dict[str, Any]
    train_rows: dict[str, int]
    passes: dict[str, float]
    history: list[dict[str, Any]]
    best: dict[str, Any] | None
    step: int
    of: int
    examples: int
    examples_per_s: float
    train_s: float
    wall_s: float
    stopped: str | None
    resumable: bool
    device: str
    output_dir: str
    argv: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary (``extra``'s keys at the top level)."""
        d = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "extra"}
        return {**d, **self.extra}

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __repr__(self) -> str:
        mean = f"{self.best['mean']:.4f}" if self.best else "none yet"
        return (f"TrainSummary(step {self.step}/{self.of}, best dev mean {mean}, stopped={self.stopped!r}, "
                f"output_dir={self.output_dir!r})")


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

_TASKS = {"stance": "stance", "claim": "claim", "mentions": "tags"}


def _data_dir(cfg: TrainConfig) -> Path:
    """The config's ``data_dir``, else :func:`stancekit.data.data_dir` (``$STANCEKIT_DATA``, ``../shared/data``)."""
    from stancekit.data import data_dir

    return Path(cfg.data_dir) if cfg.data_dir else data_dir()


def _load_set(root: Path, name: str, split: str, given: Mapping[str, Any] | None = None) -> tuple[str, Any]:
    """``(task, dataset)`` of a registered set: from ``given["name:split"]`` or ``given[name]`` (in-memory
    sets), else read from ``root``."""
    from stancekit import data

    s = data.spec(name)
    if given is not None:
        for key in (f"{name}:{split}", name):
            if key in given:
                return _TASKS[s.task], given[key]
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
# Encoding: the engine's tokenizer and input forms (stancekit.forms), so rows are laid out as served
# --------------------------------------------------------------------------------------------------


class _RowEncoder:
    """Token rows for training, built with the engine's Rust tokenizer and :mod:`stancekit.forms`."""

    def __init__(self, tokenizer: Any) -> None:
        from stancekit.inference import _backend_tokenizer

        self.tok = _backend_tokenizer(tokenizer)
        self.cls = int(tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id)
        self.sep = int(tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id)
        self.pad = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)

    def stance(self, exs: list[dict[str, Any]], max_length: int) -> list[dict[str, Any]]:
        """One row per example: ids, type ids, token spans (inclusive ranges) and labels; spans that
        truncation cut away are dropped (a row left without spans is dropped by the caller)."""
        encs = self.tok.encode_batch([e["text"] for e in exs], add_special_tokens=False)
        tidx = [i for i, e in enumerate(exs) if e["target"] is not None]
        tencs = dict(zip(tidx, self.tok.encode_batch([exs[i]["target"] for i in tidx], add_special_tokens=False),
                         strict=True))
        out = []
        for i, (ex, enc) in enumerate(zip(exs, encs, strict=True)):
            ids = np.asarray(enc.ids, dtype=np.int64)
            if i in tencs:
                form = FORMS["target"]
                row = form.build(self.cls, self.sep, ids, target_ids=np.asarray(tencs[i].ids), max_length=max_length)
                assert row.span is not None
                spans, labels = [row.span], list(ex["labels"])
            else:
                row = MENTION.build(self.cls, self.sep, ids, max_length=max_length)
                offs = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
                spans, labels = [], []
                for (s, e), lab in zip(ex["spans"], ex["labels"], strict=True):
                    lo, hi = span_tokens(offs[:, 0], offs[:, 1], s, e)
                    if hi < lo or lo >= row.n_text:
                        continue  # truncated away
                    spans.append((lo + row.text_offset, min(hi, row.n_text - 1) + row.text_offset))
                    labels.append(lab)
            out.append({"input_ids": row.ids, "token_type_ids": row.type_ids, "spans": spans, "labels": labels})
        return out

    def claim(self, exs: list[dict[str, Any]], max_length: int) -> list[dict[str, Any]]:
        encs = self.tok.encode_batch([e["text"] for e in exs], add_special_tokens=False)
        return [
            {"input_ids": MENTION.build(self.cls, self.sep, np.asarray(enc.ids), max_length=max_length).ids,
             "label": ex["label"]}
            for ex, enc in zip(exs, encs, strict=True)
        ]

    def tags(self, exs: list[dict[str, Any]], max_length: int) -> list[dict[str, Any]]:
        """Every sub-token carries a tag (continuations of an entity are ``I-``), as the engine reads them."""
        encs = self.tok.encode_batch([e["tokens"] for e in exs], is_pretokenized=True, add_special_tokens=False)
        out = []
        for ex, enc in zip(exs, encs, strict=True):
            row = MENTION.build(self.cls, self.sep, np.asarray(enc.ids), max_length=max_length)
            labels = np.full(len(row.ids), IGNORE, dtype=np.int64)
            prev = None
            for j, w in enumerate(enc.word_ids[: row.n_text]):
                if w is None:
                    continue
                tag = ex["tags"][w]
                lab = _TAG[tag] if w != prev else (_TAG["O"] if tag == "O" else _TAG["I-" + tag[2:]])
                labels[row.text_offset + j] = lab
                prev = w
            out.append({"input_ids": row.ids, "labels": labels})
        return out


def _pad(rows: list[dict[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    # Pad to a multiple of 16: fewer distinct shapes, so oneDNN reuses its kernels (bf16 on AMX).
    t = -(-max(len(r["input_ids"]) for r in rows) // 16) * 16
    ids = torch.full((len(rows), t), pad_id, dtype=torch.long)
    am = torch.zeros((len(rows), t), dtype=torch.long)
    tt = torch.zeros((len(rows), t), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n] = torch.as_tensor(r["input_ids"])
        am[i, :n] = 1
        if r.get("token_type_ids") is not None:
            tt[i, :n] = torch.as_tensor(r["token_type_ids"])
    return {"input_ids": ids, "attention_mask": am, "token_type_ids": tt}


def _span_features(rows: list[dict[str, Any]], mask: torch.Tensor) -> Features:
    """The stance head's features for rows with token ``spans`` (inclusive ranges), on ``mask``'s device."""
    n = sum(len(r["spans"]) for r in rows)
    span_mask = torch.zeros((n, mask.shape[1]))
    span_row = torch.zeros(n, dtype=torch.long)
    k = 0
    for i, r in enumerate(rows):
        for lo, hi in r["spans"]:
            span_mask[k, lo : hi + 1] = 1.0
            span_row[k] = i
            k += 1
    return Features(mask, span_mask.to(mask.device), span_row.to(mask.device))


def _batch(
    task: str, rows: list[dict[str, Any]], pad_id: int
) -> tuple[dict[str, torch.Tensor], Features, torch.Tensor]:
    """Padded inputs, the heads' features and the loss targets of one training batch."""
    b = _pad(rows, pad_id)
    t = b["input_ids"].shape[1]
    if task == "stance":
        targets = torch.tensor([lab for r in rows for lab in r["labels"]], dtype=torch.long)
        return b, _span_features(rows, b["attention_mask"]), targets
    if task == "claim":
        return b, Features(b["attention_mask"]), torch.tensor([r["label"] for r in rows], dtype=torch.long)
    targets = torch.full((len(rows), t), IGNORE, dtype=torch.long)
    for i, r in enumerate(rows):
        targets[i, : len(r["labels"])] = torch.as_tensor(r["labels"])
    return b, Features(b["attention_mask"]), targets


_HEAD_TASK = {"stance": "stance", "claim": "claim", "tags": "mentions"}  # training row form → data-set task


def _step_loss(model: StanceModel, task: str, rows: list[dict[str, Any]], pad_id: int, device: torch.device) -> Any:
    b, feats, targets = _batch(task, rows, pad_id)
    b = {k: v.to(device) for k, v in b.items()}
    feats = Features(
        feats.mask.to(device),
        feats.span_mask.to(device) if feats.span_mask is not None else None,
        feats.span_row.to(device) if feats.span_row is not None else None,
    )
    head = head_for_task(model.heads, _HEAD_TASK[task])
    hidden = model.encode(b["input_ids"], b["attention_mask"], b["token_type_ids"] if task == "stance" else None)
    return head.loss(head.logits(hidden, feats), targets.to(device))


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



# --------------------------------------------------------------------------------------------------
# Evaluation: through the Engine and evaluation.compute_metrics, the user's path
# --------------------------------------------------------------------------------------------------


def _load_dev(cfg: TrainConfig, names: list[str] | None = None,
              given: Mapping[str, Any] | None = None) -> dict[str, tuple[str, Any]]:
    """dev name → (registered set, dataset)."""
    root = _data_dir(cfg)
    dev = _dev_sets()
    out = {}
    for name in names or cfg.dev:
        if name not in dev:
            raise InputError(f"Unknown dev set {name!r}; known: {sorted(dev)}.")
        reg, split = dev[name]
        _, ds = _load_set(root, reg, split, given)
        if cfg.dev_limit:
            ds = ds.select(range(min(cfg.dev_limit, len(ds))))
        out[name] = (reg, ds)
    return out


def _evaluate(model: StanceModel, tokenizer: Any, dev: dict[str, tuple[str, Any]], cfg: TrainConfig,
              device: torch.device) -> dict[str, dict[str, float]]:
    from stancekit.evaluation import compute_metrics, predict
    from stancekit.inference import Engine

    was_training = model.training
    precision = "bf16" if cfg.bf16 else "fp32"
    engine = Engine(model, tokenizer, device=device, precision=precision, batch_size=cfg.eval_batch_size)
    scores = {}
    with warnings.catch_warnings():
        # units longer than max_length are scored in windows, as for users; counted, not warned about
        warnings.simplefilter("ignore", UserWarning)
        for name, (reg, ds) in dev.items():
            scores[name] = compute_metrics(reg, ds, predict(engine, reg, ds))
    model.train(was_training)
    return scores


def _headline(scores: dict[str, dict[str, float]]) -> dict[str, float]:
    """Each set's official metric (``evaluation.primary_metric``)."""
    from stancekit.evaluation import primary_metric

    dev = _dev_sets()
    return {name: s[primary_metric(dev[name][0])] for name, s in scores.items() if name in dev}


def evaluate_model(
    model: StanceModel,
    tokenizer: Any,
    cfg: TrainConfig | dict[str, Any] | str | os.PathLike[str] | None = None,
    names: list[str] | None = None,
    *,
    device: str = "cpu",
) -> dict[str, dict[str, float]]:
    """Score ``model`` on the dev splits (``cfg.dev`` or ``names``) through the Engine: set name →
    {metric: value}, the metrics of :func:`stancekit.evaluation.compute_metrics`."""
    from stancekit.inference import _resolve_device

    cfg = cfg if isinstance(cfg, TrainConfig) else load_config(cfg or {})
    return _evaluate(model, tokenizer, _load_dev(cfg, names), cfg, _resolve_device(device))


# --------------------------------------------------------------------------------------------------
# Models: base encoders, tiny encoders, LoRA
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


def _build_model(cfg: TrainConfig) -> tuple[StanceModel, Any]:
    from stancekit import encoders

    name = cfg.base_encoder or DEFAULT_BASE
    base = encoders.resolve(name)
    tok = transformers.AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    mcfg = ModelConfig(
        max_length=max([cfg.max_length, *cfg.max_length_per_set.values()]),
        stance_attention=cfg.stance_attention,
    )
    if cfg.tiny_encoder is not None:
        model = StanceModel(_tiny_encoder(cfg.tiny_encoder, tok.vocab_size, cfg.seed), mcfg)
        mcfg.base_encoder = "tiny-random-bert"
    else:
        desc = encoders.describe(base)
        mcfg.base_encoder = desc["name"] if encoders.encoder_spec(desc["name"]) else name
        mcfg.base_sha256 = desc["sha256"]
        model = StanceModel.from_encoder(str(base), mcfg)
    if cfg.lora:
        from stancekit.adapters import add_lora

        add_lora(model, cfg.lora)
    return model, tok


# --------------------------------------------------------------------------------------------------
# Resumable checkpoints: safetensors for tensors, JSON for the rest (no pickle)
# --------------------------------------------------------------------------------------------------

_STATE = "state.safetensors"
_META = "trainer_state.json"


def _trainable_state(model: StanceModel) -> dict[str, torch.Tensor]:
    """What a checkpoint must hold: every parameter that trains (the frozen encoder of a LoRA run is
    resolved again from its package) and the buffers."""
    keep = {n for n, p in model.named_parameters() if p.requires_grad}
    lora = bool(model.config.lora)
    out = {}
    for k, v in model.state_dict().items():
        if not lora or k in keep or k.startswith("heads."):
            out[k] = v
    return out


def _save_checkpoint(path: Path, model: StanceModel, opt: torch.optim.Optimizer, sched: Any,
                     meta: dict[str, Any], streams: dict[str, _Stream]) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tensors = {"model." + k: v.detach().cpu().contiguous().clone() for k, v in _trainable_state(model).items()}
    osd = opt.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for pid, st in osd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"optim.{pid}.{k}"] = v.detach().cpu().contiguous().clone()
            else:
                scalars.setdefault(str(pid), {})[k] = v
    tensors["rng.torch"] = torch.get_rng_state()
    if torch.cuda.is_available():
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    stream_meta = {}
    for name, s in streams.items():
        tensors[f"stream.{name}.order"] = torch.tensor(s.order, dtype=torch.int64)
        stream_meta[name] = {"pos": s.pos, "passes": s.passes, "rng": _rng_state(s.rng)}
    save_file(tensors, str(tmp / _STATE))
    meta = {**meta, "optimizer": {"param_groups": osd["param_groups"], "scalars": scalars},
            "scheduler": sched.state_dict(), "streams": stream_meta}
    (tmp / _META).write_text(json.dumps(meta, default=_json_default) + "\n", encoding="utf-8")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer | np.floating):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    if callable(o):
        return None
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _set_rng_state(rng: random.Random, state: list[Any]) -> None:
    rng.setstate((state[0], tuple(state[1]), state[2]))


def _load_checkpoint(path: Path, model: StanceModel, opt: torch.optim.Optimizer, sched: Any,
                     streams: dict[str, _Stream]) -> dict[str, Any]:
    from safetensors.torch import load_file

    if not (path / _STATE).is_file() or not (path / _META).is_file():
        raise InputError(f"--resume: no checkpoint in {path} (expected {_STATE} and {_META}). Start without --resume.")
    tensors = load_file(str(path / _STATE))
    meta = json.loads((path / _META).read_text(encoding="utf-8"))
    state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    result = model.load_state_dict(state, strict=False)
    expected = set(_trainable_state(model))
    missing = sorted(set(result.missing_keys) & expected)
    if missing or result.unexpected_keys:
        raise InputError(f"--resume: the checkpoint in {path} does not match this config's model "
                         f"(missing {missing[:3]}, unexpected {result.unexpected_keys[:3]}).")
    osd = opt.state_dict()
    new_state: dict[int, dict[str, Any]] = {}
    for k, v in tensors.items():
        if k.startswith("optim."):
            _, pid, name = k.split(".", 2)
            new_state.setdefault(int(pid), {})[name] = v
    for pid, sc in meta["optimizer"]["scalars"].items():
        new_state.setdefault(int(pid), {}).update(sc)
    osd["state"] = new_state
    osd["param_groups"] = meta["optimizer"]["param_groups"]
    opt.load_state_dict(osd)
    sched_state = dict(meta["scheduler"])
    sched_state.pop("lr_lambdas", None)
    sched.load_state_dict({**sched.state_dict(), **sched_state})
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    for name, s in streams.items():
        sm = meta["streams"][name]
        s.order = tensors[f"stream.{name}.order"].tolist()
        s.pos, s.passes = sm["pos"], sm["passes"]
        _set_rng_state(s.rng, sm["rng"])
    return meta


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


def _device(cfg: TrainConfig, device: str | None) -> torch.device:
    from stancekit.inference import _resolve_device

    return _resolve_device(device or cfg.device)


def _autocast(device: torch.device, enabled: bool) -> Any:
    if device.type == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype, enabled=enabled)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def train(
    config: str | os.PathLike[str] | dict[str, Any],
    output_dir: str | os.PathLike[str],
    *,
    progress: Callable[[dict[str, Any]], None] | None = None,
    resume: bool = False,
    device: str | None = None,
    datasets: Mapping[str, Any] | None = None,
    stop_after_steps: int | None = None,
) -> TrainSummary:
    """Fine-tune a multi-task model and write it to ``output_dir``.

    Writes ``output_dir/best`` (the best evaluation by the mean of the dev metrics, a loadable model
    directory), ``output_dir/epoch-N`` (if ``save_checkpoints``), ``output_dir/last`` (the resumable
    state), ``output_dir/log.jsonl`` (one JSON object per logged step and evaluation) and
    ``output_dir/summary.json``.

    Args:
        config: a JSON file path or a dict of :class:`TrainConfig` fields.
        output_dir: where to write; created if needed.
        progress: called with each log record (the CLI prints them); the library itself never prints.
        resume: continue from ``output_dir/last`` (same result as an uninterrupted run).
        device: overrides the config's ``device`` (``auto``: CUDA when present).
        datasets: ``"name:split"`` or registered set name → an in-memory :class:`datasets.Dataset` in
            stancekit's schema, used instead of reading that set from the data directory (tests, custom data).
        stop_after_steps: stop (with a resumable checkpoint) after this many steps in total, as an
            interruption would; for tests of resuming.

    Returns:
        A :class:`TrainSummary`: config, per-evaluation dev scores, the best one, examples/s, wall time
        (``summary["best"]``-style reads work too).

    Raises:
        InputError: unknown config keys or set names, ``resume`` without a checkpoint.
        DatasetError: a data file is missing or malformed. ModelLoadError: the base encoder is missing.
    """
    cfg = load_config(config)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev_t = _device(cfg, device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    log_f = (out / "log.jsonl").open("a", encoding="utf-8")

    def log(rec: dict[str, Any]) -> None:
        rec = {"time": round(time.time(), 1), **rec}
        log_f.write(json.dumps(rec, default=_json_default) + "\n")
        log_f.flush()
        if progress is not None:
            progress(rec)

    model, tok = _build_model(cfg)
    torch.manual_seed(cfg.seed)
    enc = _RowEncoder(tok)
    root = _data_dir(cfg)
    known = _train_sets()
    unknown = sorted(set(cfg.weights) - set(known))
    if unknown:
        raise InputError(f"Unknown training sets {unknown} in 'weights'; known: {sorted(known)}.")
    streams: dict[str, _Stream] = {}
    tasks: dict[str, str] = {}
    sizes = {}
    for name, w in cfg.weights.items():
        if w <= 0:
            continue
        reg, split = known[name]
        task, ds = _load_set(root, reg, split, datasets)
        raw = _examples(reg, task, ds, cfg.further_mentions)
        if cfg.train_limit:
            raw = raw[: cfg.train_limit]
        ml = cfg.max_length_per_set.get(name, cfg.max_length)
        if task == "stance":
            rows = [r for r in enc.stance(raw, ml) if r["spans"]]
        elif task == "claim":
            rows = enc.claim(raw, ml)
        else:
            rows = enc.tags(raw, ml)
        streams[name] = _Stream(rows, random.Random(rng.random()), cfg.length_buckets, cfg.batch_size)
        tasks[name] = task
        sizes[name] = len(rows)
    distil = None
    if cfg.distil is not None:  # teacher records as extra streams, their loss a KL term (distillation.py)
        from stancekit.distillation import Distillation

        distil = Distillation(cfg, enc, rng, _Stream)
        streams.update(distil.streams)
        sizes.update({n: len(s.rows) for n, s in distil.streams.items()})
    names = list(streams)
    if distil is not None:
        probs = distil.mix(names, cfg.weights)
    else:
        probs = np.array([cfg.weights[n] for n in names], dtype=float)
        probs /= probs.sum()
    dev = _load_dev(cfg, given=datasets)
    log({"event": "data", "train_rows": sizes, "dev_rows": {k: len(v[1]) for k, v in dev.items()},
         "device": str(dev_t), "resume": resume})

    model.to(dev_t)
    head_params = [p for p in model.heads.parameters() if p.requires_grad]
    enc_named = [(n, p) for n, p in model.encoder.named_parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [
            {"params": [p for n, p in enc_named if p.ndim >= 2], "lr": cfg.lr, "weight_decay": cfg.weight_decay},
            {"params": [p for n, p in enc_named if p.ndim < 2], "lr": cfg.lr, "weight_decay": 0.0},
            {"params": head_params, "lr": cfg.head_lr, "weight_decay": cfg.weight_decay},
        ]
    )
    total = cfg.epochs * cfg.steps_per_epoch
    sched = transformers.get_linear_schedule_with_warmup(opt, max(1, int(cfg.warmup * total)), total)
    pad_id = enc.pad
    step_rng = np.random.default_rng(cfg.seed)
    meta: dict[str, Any] = {"step": 0, "seen": 0, "train_s": 0.0, "history": [], "best": None}
    if resume:
        meta = _load_checkpoint(out / "last", model, opt, sched, streams)
        step_rng.bit_generator.state = meta["step_rng"]
        log({"event": "resumed", "step": meta["step"], "of": total})
    t0 = time.time()
    step = int(meta["step"])
    seen = int(meta["seen"])
    train_time = float(meta["train_s"])
    history: list[dict[str, Any]] = list(meta["history"])
    best: dict[str, Any] | None = meta["best"]
    loss_acc: dict[str, list[float]] = {n: [] for n in names}
    stopped = None

    def checkpoint() -> None:
        _save_checkpoint(out / "last", model, opt, sched,
                         {"step": step, "seen": seen, "train_s": train_time, "history": history, "best": best,
                          "step_rng": step_rng.bit_generator.state, "config": dict(cfg.__dict__)}, streams)

    def evaluate(epoch: float) -> None:
        nonlocal best
        tev = time.time()
        scores = _evaluate(model, tok, dev, cfg, dev_t)
        head = _headline(scores)
        mean = float(np.mean(list(head.values()))) if head else 0.0
        rec = {"epoch": epoch, "step": step, "scores": scores, "headline": head, "mean": mean,
               "eval_s": round(time.time() - tev, 1)}
        history.append(rec)
        log({"event": "eval", **rec})
        model.config.training = {"config": dict(cfg.__dict__), "epoch": epoch, "step": step, "dev": head}
        if cfg.save_checkpoints and float(epoch).is_integer():
            save(model, tok, out / f"epoch-{int(epoch)}", _card(cfg, rec, "checkpoint"))
        if best is None or mean > best["mean"]:
            best = rec
            save(model, tok, out / "best", _card(cfg, rec, "best"))

    model.train()
    while step < total:
        if cfg.max_minutes is not None and (time.time() - t0) / 60 > cfg.max_minutes:
            stopped = "time_budget"
            break
        if stop_after_steps is not None and step >= stop_after_steps:
            stopped = "stop_after_steps"
            break
        te = time.time()
        name = names[int(step_rng.choice(len(names), p=probs))]
        rows = streams[name].take(cfg.batch_size)
        with _autocast(dev_t, cfg.bf16):
            if distil is not None and name in distil.streams:
                loss = distil.loss(model, name, rows, pad_id, dev_t)
            else:
                loss = _step_loss(model, tasks[name], rows, pad_id, dev_t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        sched.step()
        step += 1
        seen += len(rows)
        loss_acc[name].append(float(loss.detach()))
        train_time += time.time() - te
        if step % 50 == 0 or step == total:
            rate = seen / max(train_time, 1e-9)
            log({"event": "step", "epoch": -(-step // cfg.steps_per_epoch), "step": step, "of": total,
                 "examples_per_s": round(rate, 2),
                 "loss": {n: round(float(np.mean(v)), 4) for n, v in loss_acc.items() if v},
                 "lr": sched.get_last_lr()[0],
                 "eta_min": round((total - step) * cfg.batch_size / max(rate, 1e-9) / 60, 1)})
            loss_acc = {n: [] for n in names}
        if step % cfg.steps_per_epoch == 0:
            evaluate(step // cfg.steps_per_epoch)
            checkpoint()
        elif cfg.checkpoint_every and step % cfg.checkpoint_every == 0:
            checkpoint()
    if stopped is not None:
        log({"event": stopped, "step": step, "of": total})
        if stopped == "time_budget" and step % cfg.steps_per_epoch and cfg.eval_on_stop:
            evaluate(round(step / cfg.steps_per_epoch, 3))  # what we have, kept in best/ if it is the best
        checkpoint()
    wall = time.time() - t0
    summary = TrainSummary(
        config=dict(cfg.__dict__),
        train_rows=sizes,
        passes={n: round(streams[n].passes + streams[n].pos / max(1, len(streams[n].rows)), 2) for n in names},
        history=history,
        best=best,
        step=step,
        of=total,
        examples=seen,
        examples_per_s=round(seen / max(train_time, 1e-9), 2),
        train_s=round(train_time, 1),
        wall_s=round(wall, 1),
        stopped=stopped,
        resumable=stopped is not None,
        device=str(dev_t),
        output_dir=str(out),
        argv=list(sys.argv),
    )
    (out / "summary.json").write_text(
        json.dumps(summary.to_dict(), indent=2, default=_json_default) + "\n", encoding="utf-8"
    )
    log({"event": "done" if stopped is None else "stopped", "wall_s": round(wall, 1),
         "best_epoch": best["epoch"] if best else None})
    log_f.close()
    return summary


def _card(cfg: TrainConfig, rec: dict[str, Any], kind: str) -> ModelCard:
    return ModelCard(
        name=f"stancekit {kind} (epoch {rec['epoch']})",
        description="A stancekit multi-task model (claims, actor mentions, per-actor stance).",
        seed=cfg.seed,
        data=[f"{k}: sampling weight {v}" for k, v in cfg.weights.items()]
        + ([f"teacher soft labels (stancekit.distillation): {cfg.distil}"] if cfg.distil else []),
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
    known = _train_sets()
    enc = _RowEncoder(tokenizer)
    rows = []
    for name in sets:
        if name not in known:
            raise InputError(f"Unknown training set {name!r}; known: {sorted(known)}.")
        reg, split = known[name]
        task, ds = _load_set(root, reg, split)
        if task != "claim":
            raise InputError(f"refit_claim_head needs claim sets; {name!r} is a {task} set.")
        raw = _examples(reg, task, ds, False)
        raw = raw[: cfg.train_limit] if cfg.train_limit else raw
        rows += enc.claim(raw, cfg.max_length_per_set.get(name, cfg.max_length))
    from stancekit.heads import masked_mean

    model.eval()
    pooled_parts, labels = [], []
    with torch.no_grad():
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
        for i in range(0, len(order), 64):
            chunk = order[i : i + 64]
            b = _pad([rows[j] for j in chunk], enc.pad)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                h = model.encode(b["input_ids"], b["attention_mask"])
            pooled_parts.append(masked_mean(h.float(), b["attention_mask"]))
            labels += [rows[j]["label"] for j in chunk]
    # the claim head reads only the unit's masked mean: fit it on the pooled vectors (a "unit" of one token)
    x = torch.cat(pooled_parts).unsqueeze(1)
    ones = torch.ones(x.shape[0], 1)
    y = torch.tensor(labels, dtype=torch.long)
    head = model.head("claim")
    head.eval()  # no dropout: a deterministic fit of the head on fixed features

    def loss_on(idx: torch.Tensor | slice) -> torch.Tensor:
        return head.loss(head.logits(x[idx], Features(ones[idx])), y[idx])

    with torch.no_grad():
        before = float(loss_on(slice(None)))
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=cfg.weight_decay)
    for _ in range(epochs):
        perm = torch.randperm(len(y), generator=gen)
        for i in range(0, len(y), batch_size):
            loss = loss_on(perm[i : i + batch_size])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    with torch.no_grad():
        after = float(loss_on(slice(None)))
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
    """Re-save a checkpoint in ``dtype`` (half precision by default) and score both on the dev splits
    through the Engine.

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
    ap.add_argument("--resume", action="store_true", help="continue from OUTPUT/last")
    ap.add_argument("--device", default=None, help="auto (CUDA when present), cpu, cuda, cuda:N")
    a = ap.parse_args(argv)
    train(a.config, a.output, resume=a.resume, device=a.device, progress=lambda r: print(json.dumps(r), flush=True))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
