"""Distillation: a teacher model's soft labels on the training text, and the student's KL term.

Two steps, one command (``stancekit distil --teacher DIR --config FILE -o DIR``):

1. :func:`score_teacher` — the teacher scores the **training** text once (the train splits of the
   sets in the config's ``distil.sets``, read through the registry in :mod:`stancekit.data`; never a
   dev or test split) through its :class:`~stancekit.inference.Engine`, the path users get:

   * a **unit** record per sentence (texts are cut into units by :func:`stancekit.segmenting.segment`,
     as the pipeline does; CoNLL rows keep their words): the claim probability, a tag distribution
     per word (at the word's first sub-token; words are character spans, so student and teacher
     tokenizers need not match) and a stance distribution per mention the teacher's tagger finds,
     plus the annotated target spans of mention-form sets (character offsets);
   * a **pair** record per (text, target) row of pair-form sets (P-Stance, VAST, SemEval): the
     stance distribution toward the row's target, in the pair form ``target [SEP] text``.

   It writes one Parquet file (probabilities as float16, offsets as int32; no pickle) whose schema
   metadata holds a small JSON header (:data:`HEADER_KEY`): teacher name and sha256, sets, record
   counts, seconds taken.

2. :func:`train` with a ``distil`` block in the :class:`~stancekit.training.TrainConfig`: besides the
   gold-labelled batches (unchanged), a share of the steps draws a batch of teacher records and
   its loss is the temperature-scaled KL divergence toward the teacher (:func:`kd_loss`, × T²)
   through the same head objects (:mod:`stancekit.heads`): claim, tags and stance of a unit in one
   encoder pass; stance toward the target for pairs.

``distil`` block keys (:class:`DistilConfig`): ``file`` (the scored file), ``weight`` (of the KL
term), ``temperature``, ``share`` (of training steps), ``parts`` (units vs pairs within that share;
default: by record count), ``heads`` (weights of the claim/mentions/stance terms of a unit batch),
``sets`` (training-set names the teacher scores; default: the seven of the issue).

>>> teacher = "models/stancekit-news-base"
>>> info = score_teacher(teacher, "configs/distil.json", "runs/scores.parquet")  # doctest: +SKIP
>>> summary = distil(teacher, "configs/distil.json", "runs/distil-s14")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from stancekit.encoders import file_sha256
from stancekit.errors import InputError
from stancekit.forms import MENTION, TARGET, span_tokens
from stancekit.heads import Features, head_for_task
from stancekit.labels import CLAIM_LABELS, STANCE_LABELS, TAG_LABELS

if TYPE_CHECKING:
    from stancekit.training import TrainSummary

__all__ = [
    "DistilConfig",
    "DISTIL_SETS",
    "HEADER_KEY",
    "score_teacher",
    "read_scores",
    "kd_loss",
    "distil",
]

#: The training sets the teacher scores unless ``distil.sets`` says otherwise (issue 12).
DISTIL_SETS: tuple[str, ...] = ("newsmtsc", "pstance", "vast", "semeval2016", "claimbuster", "clef2019", "conll2003")
#: The Parquet schema-metadata key of the JSON header.
HEADER_KEY = b"stancekit.distil"
FORMAT_VERSION = 1
#: Words of a unit for the tag distributions: runs of word characters (with inner ' or -), or one
#: other non-space character, close to CoNLL's tokenization and to BERT-style pre-tokenizers.
_WORD_RE = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")
_UNIT_STREAM, _PAIR_STREAM = "distil_units", "distil_pairs"


@dataclass
class DistilConfig:
    """The ``distil`` block of a training config.

    Attributes:
        file: the teacher's scores (:func:`score_teacher`); relative paths are from the working directory.
        weight: weight of the KL term of a distillation batch (gold batches keep weight 1).
        temperature: T of the KL term; its gradient scale is kept by multiplying with T².
        share: the share of training steps that draw a distillation batch (the rest: gold sets by ``weights``).
        parts: ``{"units": w, "pairs": w}``: how distillation steps split between unit and pair records
            (default: in proportion to their counts).
        heads: weights of the ``claim``, ``mentions`` and ``stance`` terms of a unit batch.
        sets: training-set names (``weights`` keys) whose train splits the teacher scores.
    """

    file: str = ""
    weight: float = 1.0
    temperature: float = 2.0
    share: float = 0.5
    parts: dict[str, float] | None = None
    heads: dict[str, float] = field(default_factory=lambda: {"claim": 1.0, "mentions": 1.0, "stance": 1.0})
    sets: list[str] = field(default_factory=lambda: list(DISTIL_SETS))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DistilConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(k for k in d if k not in known and not k.startswith("_"))
        if unknown:
            raise InputError(f"Unknown keys {unknown} in the 'distil' block; known keys are {sorted(known)}.")
        c = cls(**{k: v for k, v in d.items() if k in known})
        if c.temperature <= 0:
            raise InputError(f"distil.temperature must be positive, got {c.temperature!r}.")
        if not 0.0 < c.share <= 1.0:
            raise InputError(f"distil.share must be in (0, 1], got {c.share!r}.")
        if c.weight < 0:
            raise InputError(f"distil.weight must not be negative, got {c.weight!r}.")
        bad_heads = sorted(set(c.heads) - {"claim", "mentions", "stance"})
        if bad_heads:
            raise InputError(f"distil.heads: unknown heads {bad_heads}; known: claim, mentions, stance.")
        if c.parts is not None and (set(c.parts) - {"units", "pairs"} or sum(c.parts.values()) <= 0):
            raise InputError(f"distil.parts must weigh 'units' and/or 'pairs' (positive sum), got {c.parts!r}.")
        return c


# --------------------------------------------------------------------------------------------------
# The teacher's pass
# --------------------------------------------------------------------------------------------------


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def _token_words(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """A pre-split sentence as text joined by spaces, and each word's character span."""
    spans, pos = [], 0
    for t in tokens:
        spans.append((pos, pos + len(t)))
        pos += len(t) + 1
    return " ".join(tokens), spans


def _units_of(text: str) -> list[tuple[int, int]]:
    """The units the pipeline would score: :func:`stancekit.segmenting.segment` minus boilerplate."""
    from stancekit.segmenting import segment

    return [(s.start, s.end) for s in segment(text) if s.reason is None and s.end > s.start]


def _collect(cfg: Any, dc: DistilConfig, datasets: Mapping[str, Any] | None) -> tuple[
    dict[str, dict[str, Any]], dict[tuple[str, str], str], dict[str, dict[str, int]]
]:
    """Unit records (text → {set, words, spans}), pair records ((text, target) → set), per-set counts.

    Only the train split of each set (``training.TRAIN_SETS``) is read."""
    from stancekit.training import _data_dir, _examples, _load_set, _train_sets

    known = _train_sets()
    unknown = sorted(set(dc.sets) - set(known))
    if unknown:
        raise InputError(f"Unknown training sets {unknown} in distil.sets; known: {sorted(known)}.")
    root = _data_dir(cfg)
    units: dict[str, dict[str, Any]] = {}
    pairs: dict[tuple[str, str], str] = {}
    counts: dict[str, dict[str, int]] = {}
    for name in dc.sets:
        reg, split = known[name]
        task, ds = _load_set(root, reg, split, datasets)
        exs = _examples(reg, task, ds, further=True)
        if cfg.train_limit:
            exs = exs[: cfg.train_limit]
        n_units = n_pairs = 0
        for ex in exs:
            if task == "tags":
                text, words = _token_words(ex["tokens"])
                if text not in units:
                    units[text] = {"set": reg, "words": words, "spans": []}
                    n_units += 1
                continue
            text = ex["text"]
            if task == "stance" and ex["target"] is not None:
                if (text, ex["target"]) not in pairs:
                    pairs[(text, ex["target"])] = reg
                    n_pairs += 1
            given = ex.get("spans") or []
            for us, ue in _units_of(text):
                unit = text[us:ue]
                rec = units.get(unit)
                if rec is None:
                    rec = units[unit] = {"set": reg, "words": _words(unit), "spans": []}
                    n_units += 1
                for s, e in given:  # annotated targets inside this unit, unit-relative
                    if us <= s < e <= ue and (s - us, e - us) not in rec["spans"]:
                        rec["spans"].append((s - us, e - us))
        counts[name] = {"units": n_units, "pairs": n_pairs, "rows": len(exs)}
    return units, pairs, counts


def teacher_id(teacher_dir: str | os.PathLike[str]) -> dict[str, str]:
    """``{"name", "path", "sha256"}`` of a model directory (sha256 of its ``model.safetensors``)."""
    from stancekit.serialization import WEIGHTS_NAME

    p = Path(teacher_dir)
    w = p / WEIGHTS_NAME
    if not w.is_file():
        from stancekit.errors import ModelLoadError

        raise ModelLoadError(f"{p} is not a stancekit model: {WEIGHTS_NAME} is missing. Pass the teacher's model "
                             "directory (e.g. models/stancekit-news-base).")
    return {"name": p.resolve().name, "path": str(p), "sha256": file_sha256(w)}


def score_teacher(
    teacher_dir: str | os.PathLike[str],
    config: str | os.PathLike[str] | dict[str, Any],
    output: str | os.PathLike[str],
    *,
    device: str = "auto",
    precision: str = "auto",
    batch_size: int = 64,
    datasets: Mapping[str, Any] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    chunk: int = 8192,
) -> dict[str, Any]:
    """Score the training text of the config's ``distil.sets`` with the teacher; write ``output`` (Parquet).

    Args:
        teacher_dir: the teacher's model directory.
        config: a training config (file or dict); its ``distil`` block names the sets (default:
            :data:`DISTIL_SETS`), its ``data_dir`` and ``train_limit`` apply.
        output: the Parquet file to write (its folder is created).
        device, precision, batch_size: the teacher's :class:`~stancekit.inference.Engine` settings.
        datasets: in-memory sets, as for :func:`stancekit.training.train` (``"name:split"`` or name).
        progress: called with ``{"event": "teacher", "part", "done", "of", "seconds"}`` after each
            ``chunk`` records (the library never prints).

    Returns:
        The header written into the file: teacher, sets (rows, units, pairs per set), ``units``
        (sentences), ``pairs``, ``mentions``, ``seconds`` (the teacher's passes), ``windowed_units``.

    Raises:
        InputError: unknown set names or config keys. ModelLoadError: the teacher does not load.
        DatasetError: a set's train file is missing or malformed.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stancekit.inference import Engine
    from stancekit.serialization import load_model
    from stancekit.training import load_config

    cfg = load_config(config)
    dc = DistilConfig.from_dict(cfg.distil or {})
    ident = teacher_id(teacher_dir)
    units, pairs, counts = _collect(cfg, dc, datasets)
    model, tok = load_model(teacher_dir)
    engine = Engine(model, tok, device=device, precision=precision, batch_size=batch_size)
    if tuple(model.config.tag_labels) != TAG_LABELS or tuple(model.config.stance_labels) != STANCE_LABELS:
        raise InputError(f"the teacher's labels {model.config.tag_labels} / {model.config.stance_labels} are not "
                         f"stancekit's {TAG_LABELS} / {STANCE_LABELS}; a student could not learn from them.")
    texts = list(units)
    pair_keys = list(pairs)
    t0 = time.time()

    def chunked(part: str, items: list[Any], run: Callable[[list[Any]], list[Any]]) -> list[Any]:
        done: list[Any] = []
        for i in range(0, len(items), chunk):
            done.extend(run(items[i : i + chunk]))
            if progress is not None:
                progress({"event": "teacher", "part": part, "done": len(done), "of": len(items),
                          "seconds": round(time.time() - t0, 1)})
        return done

    with warnings.catch_warnings():
        # long pair texts are scored in windows, as for users; counted in the header, not warned about
        warnings.simplefilter("ignore", UserWarning)
        preds = chunked("units", texts, lambda ts: engine.predict(ts, [units[t]["spans"] for t in ts]))
        tag_scores = chunked("tags", texts, lambda ts: engine.predict_tag_scores(
            [[t[s:e] for s, e in units[t]["words"]] for t in ts]))
        pair_stance = chunked("pairs", pair_keys, lambda ks: list(engine.predict_stance(
            [k[0] for k in ks], [k[1] for k in ks], [None] * len(ks))))
    seconds = time.time() - t0
    rows: dict[str, list[Any]] = {k: [] for k in ("kind", "set", "text", "target", "claim", "words", "tags",
                                                  "spans", "stance")}
    n_mentions = 0
    for text, pred, tags in zip(texts, preds, tag_scores, strict=True):
        found = {(m.start, m.end): m.stance_scores for m in pred.mentions}
        for m in pred.extra:  # annotated spans the tagger missed (or found with other offsets)
            found.setdefault((m.start, m.end), m.stance_scores)
        spans = sorted(found)
        n_mentions += len(spans)
        rows["kind"].append("unit")
        rows["set"].append(units[text]["set"])
        rows["text"].append(text)
        rows["target"].append(None)
        rows["claim"].append(pred.claim_score)
        rows["words"].append(np.asarray(units[text]["words"], dtype=np.int32).reshape(-1))
        rows["tags"].append(np.asarray(tags, dtype=np.float16).reshape(-1))
        rows["spans"].append(np.asarray(spans, dtype=np.int32).reshape(-1))
        rows["stance"].append(np.asarray([found[s] for s in spans], dtype=np.float16).reshape(-1))
    for (text, target), st in zip(pair_keys, pair_stance, strict=True):
        rows["kind"].append("pair")
        rows["set"].append(pairs[(text, target)])
        rows["text"].append(text)
        rows["target"].append(target)
        rows["claim"].append(None)
        rows["words"].append(np.zeros(0, dtype=np.int32))
        rows["tags"].append(np.zeros(0, dtype=np.float16))
        rows["spans"].append(np.zeros(0, dtype=np.int32))
        rows["stance"].append(np.asarray(st, dtype=np.float16))
    header = {
        "format": FORMAT_VERSION,
        "teacher": ident,
        "sets": counts,
        "units": len(texts),
        "pairs": len(pair_keys),
        "mentions": n_mentions,
        "seconds": round(seconds, 1),
        "windowed_units": engine.stats["windowed_units"],
        "engine": {"device": str(engine.device), "precision": engine.precision, "batch_size": batch_size},
        "labels": {"claim": list(CLAIM_LABELS), "tags": list(TAG_LABELS), "stance": list(STANCE_LABELS)},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    schema = pa.schema(
        [("kind", pa.dictionary(pa.int8(), pa.string())), ("set", pa.dictionary(pa.int8(), pa.string())),
         ("text", pa.string()), ("target", pa.string()), ("claim", pa.float16()),
         ("words", pa.list_(pa.int32())), ("tags", pa.list_(pa.float16())),
         ("spans", pa.list_(pa.int32())), ("stance", pa.list_(pa.float16()))],
        metadata={HEADER_KEY: json.dumps(header).encode()},
    )
    arrays = [
        pa.array(rows["kind"]).dictionary_encode().cast(schema.field("kind").type),
        pa.array(rows["set"]).dictionary_encode().cast(schema.field("set").type),
        pa.array(rows["text"], pa.string()),
        pa.array(rows["target"], pa.string()),
        pa.array([None if c is None else np.float16(c) for c in rows["claim"]], pa.float16()),
        *(pa.array(rows[k], schema.field(k).type) for k in ("words", "tags", "spans", "stance")),
    ]
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), tmp, compression="zstd")
    os.replace(tmp, out)
    return header


def read_scores(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The header and the records of a file :func:`score_teacher` wrote.

    Returns:
        ``(header, {"units": [...], "pairs": [...]})``. A unit: ``set, text, claim`` (P(claim)),
        ``words`` [W, 2] int, ``tags`` [W, len(TAG_LABELS)] float32, ``spans`` [M, 2] int,
        ``stance`` [M, 3] float32. A pair: ``set, text, target, stance`` [3] float32.

    Raises:
        InputError: the file is missing or was not written by :func:`score_teacher`.
    """
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file():
        raise InputError(f"teacher scores {p} not found. Write them with stancekit.distillation.score_teacher "
                         "(stancekit distil does so when the file is missing).")
    header = _header(p)
    table = pq.read_table(p)
    n_tags, n_st = len(header["labels"]["tags"]), len(header["labels"]["stance"])
    cols = {c: table.column(c).to_pylist() for c in ("kind", "set", "text", "target", "claim")}
    flat: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c, dtype in (("words", np.int64), ("tags", np.float32), ("spans", np.int64), ("stance", np.float32)):
        arr = table.column(c).combine_chunks()
        offsets = arr.offsets.to_numpy()
        values = arr.flatten().to_numpy(zero_copy_only=False).astype(dtype)
        flat[c] = (offsets - offsets[0], values)  # numpy slices: no per-row Arrow calls
    out: dict[str, list[dict[str, Any]]] = {"units": [], "pairs": []}

    def row(c: str, i: int, width: int, dtype: Any) -> np.ndarray:
        offsets, values = flat[c]
        return values[offsets[i] : offsets[i + 1]].reshape(-1, width)

    for i, kind in enumerate(cols["kind"]):
        if kind == "unit":
            out["units"].append({
                "set": cols["set"][i], "text": cols["text"][i], "claim": float(cols["claim"][i]),
                "words": row("words", i, 2, np.int64), "tags": row("tags", i, n_tags, np.float32),
                "spans": row("spans", i, 2, np.int64), "stance": row("stance", i, n_st, np.float32),
            })
        else:
            out["pairs"].append({"set": cols["set"][i], "text": cols["text"][i], "target": cols["target"][i],
                                 "stance": row("stance", i, n_st, np.float32)[0]})
    return header, out


# --------------------------------------------------------------------------------------------------
# The student's side: rows from the records, the KL term, the streams the training loop draws from
# --------------------------------------------------------------------------------------------------


def kd_loss(student_logits: torch.Tensor, teacher_probs: torch.Tensor, temperature: float) -> torch.Tensor:
    """Temperature-scaled KL divergence KL(teacher_T ‖ student_T) × T², the mean over rows (fp32).

    ``teacher_probs`` are the teacher's probabilities at T = 1 (what the Engine reports); at T they
    are ``softmax(log p / T)``, exactly the softmax of the teacher's logits over T. × T² keeps the
    gradient's scale independent of T (Hinton et al., 2015). Zero when the student's logits give
    the teacher's distribution.
    """
    t = float(temperature)
    if student_logits.shape[0] == 0:
        return student_logits.float().sum() * 0.0
    log_p = torch.log_softmax(teacher_probs.float().clamp_min(1e-8).log() / t, -1)
    log_q = torch.log_softmax(student_logits.float() / t, -1)
    return (log_p.exp() * (log_p - log_q)).sum(-1).mean() * (t * t)


def _word_positions(cs: np.ndarray, ce: np.ndarray, words: np.ndarray, n_text: int) -> tuple[list[int], list[int]]:
    """``(word indices, token positions)``: each word's first token inside the row, one word per token."""
    idx, pos, taken = [], [], set()
    for w, (s, e) in enumerate(words.tolist()):
        lo = int(np.searchsorted(ce, s, side="right"))  # first token ending after the word's start
        if lo >= n_text or cs[lo] >= e or lo in taken:
            continue  # truncated away, no token of its own, or a token shared with the previous word
        taken.add(lo)
        idx.append(w)
        pos.append(lo)
    return idx, pos


class _Rows:
    """Student rows of teacher records, built with the student's tokenizer and :mod:`stancekit.forms`."""

    def __init__(self, enc: Any) -> None:  # a training._RowEncoder
        self.enc = enc

    def units(self, recs: list[dict[str, Any]], max_length: int,
              per_set: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        """Unit rows (mention form); ``per_set``: registered set name → its max length (else ``max_length``)."""
        tok, enc = self.enc.tok, self.enc
        per_set = per_set or {}
        encs = tok.encode_batch([r["text"] for r in recs], add_special_tokens=False)
        out = []
        for r, e in zip(recs, encs, strict=True):
            row = MENTION.build(enc.cls, enc.sep, np.asarray(e.ids, dtype=np.int64),
                                max_length=per_set.get(r["set"], max_length))
            offs = np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2)
            cs, ce = offs[:, 0], offs[:, 1]
            widx, wpos = _word_positions(cs, ce, r["words"], row.n_text)
            spans, keep = [], []
            for k, (s, t) in enumerate(r["spans"].tolist()):
                lo, hi = span_tokens(cs, ce, s, t)
                if hi < lo or lo >= row.n_text:
                    continue  # truncated away
                spans.append((lo + row.text_offset, min(hi, row.n_text - 1) + row.text_offset))
                keep.append(k)
            out.append({
                "input_ids": row.ids,
                "claim": np.asarray([1.0 - r["claim"], r["claim"]], dtype=np.float32),
                "tag_pos": np.asarray(wpos, dtype=np.int64) + row.text_offset,
                "tags": r["tags"][widx],
                "spans": spans,
                "stance": r["stance"][keep],
            })
        return out

    def pairs(self, recs: list[dict[str, Any]], max_length: int,
              per_set: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        """Pair-form rows; ``per_set``: registered set name → its max length (else ``max_length``)."""
        tok, enc = self.enc.tok, self.enc
        per_set = per_set or {}
        encs = tok.encode_batch([r["text"] for r in recs], add_special_tokens=False)
        tencs = tok.encode_batch([r["target"] for r in recs], add_special_tokens=False)
        out = []
        for r, e, te in zip(recs, encs, tencs, strict=True):
            row = TARGET.build(enc.cls, enc.sep, np.asarray(e.ids, dtype=np.int64),
                               target_ids=np.asarray(te.ids, dtype=np.int64),
                               max_length=per_set.get(r["set"], max_length))
            assert row.span is not None
            out.append({"input_ids": row.ids, "token_type_ids": row.type_ids, "spans": [row.span],
                        "stance": r["stance"][None, :]})
        return out


def _max_lengths(cfg: Any) -> dict[str, int]:
    """Registered set name → the config's max length for its training name (``max_length_per_set``)."""
    from stancekit.training import _train_sets

    return {reg: cfg.max_length_per_set[name] for name, (reg, _) in _train_sets().items()
            if name in cfg.max_length_per_set}


class Distillation:
    """The training loop's side of distillation: the streams of teacher records and their loss.

    Built by :func:`stancekit.training.train` when the config has a ``distil`` block; the loop draws
    the streams named in :attr:`streams` like any set and asks :meth:`loss` for their batches.
    """

    def __init__(self, cfg: Any, enc: Any, rng: Any, stream_cls: Callable[..., Any]) -> None:
        self.dc = DistilConfig.from_dict(cfg.distil or {})
        if not self.dc.file:
            raise InputError("the 'distil' block needs 'file': the teacher's scores (stancekit distil writes them).")
        self.header, recs = read_scores(self.dc.file)
        rows = _Rows(enc)
        limit = cfg.train_limit
        built = {
            _UNIT_STREAM: rows.units(recs["units"][:limit] if limit else recs["units"], cfg.max_length,
                                     _max_lengths(cfg)),
            _PAIR_STREAM: rows.pairs(recs["pairs"][:limit] if limit else recs["pairs"], cfg.max_length,
                                     _max_lengths(cfg)),
        }
        parts = self.dc.parts or {"units": len(built[_UNIT_STREAM]), "pairs": len(built[_PAIR_STREAM])}
        self.parts = {_UNIT_STREAM: float(parts.get("units", 0.0)), _PAIR_STREAM: float(parts.get("pairs", 0.0))}
        self.streams: dict[str, Any] = {}
        for name, r in built.items():
            if r and self.parts[name] > 0:
                self.streams[name] = stream_cls(r, type(rng)(rng.random()), cfg.length_buckets, cfg.batch_size)
        if not self.streams:
            raise InputError(f"{self.dc.file} holds no records for the distil.parts asked for ({self.dc.parts}).")

    def mix(self, names: list[str], weights: Mapping[str, float]) -> np.ndarray:
        """Sampling probabilities of ``names``: ``share`` over the distillation streams (by ``parts``),
        the rest over the gold sets (by their ``weights``)."""
        gold = np.array([0.0 if n in self.streams else float(weights[n]) for n in names])
        dist = np.array([self.parts[n] if n in self.streams else 0.0 for n in names])
        share = self.dc.share if gold.sum() > 0 else 1.0
        p = share * dist / dist.sum()
        if gold.sum() > 0:
            p = p + (1.0 - share) * gold / gold.sum()
        return p / p.sum()

    def loss(self, model: Any, name: str, rows: list[dict[str, Any]], pad_id: int, device: torch.device) -> Any:
        """``weight`` × the KL term of one batch of teacher records (units: claim + tags + mention stance
        in one encoder pass; pairs: stance toward the target)."""
        from stancekit.training import _pad, _span_features

        b = {k: v.to(device) for k, v in _pad(rows, pad_id).items()}
        mask = b["attention_mask"]
        t = self.dc.temperature
        stance = head_for_task(model.heads, "stance")
        if name == _PAIR_STREAM:
            hidden = model.encode(b["input_ids"], mask, b["token_type_ids"])
            soft = torch.from_numpy(np.concatenate([r["stance"] for r in rows])).to(device)
            return self.dc.weight * kd_loss(stance.logits(hidden, _span_features(rows, mask)), soft, t)
        hidden = model.encode(b["input_ids"], mask)
        hw = self.dc.heads
        total = torch.zeros((), device=device)
        if hw.get("claim", 0.0):
            claim = head_for_task(model.heads, "claim")
            soft = torch.from_numpy(np.stack([r["claim"] for r in rows])).to(device)
            total = total + hw["claim"] * kd_loss(claim.logits(hidden, Features(mask)), soft, t)
        if hw.get("mentions", 0.0):
            tagger = head_for_task(model.heads, "mentions")
            ri = torch.from_numpy(np.concatenate([np.full(len(r["tag_pos"]), i) for i, r in enumerate(rows)]))
            pi = torch.from_numpy(np.concatenate([r["tag_pos"] for r in rows]))
            soft = torch.from_numpy(np.concatenate([r["tags"] for r in rows])).to(device)
            logits = tagger.logits(hidden, Features(mask))[ri.to(device), pi.to(device)]
            total = total + hw["mentions"] * kd_loss(logits, soft, t)
        if hw.get("stance", 0.0) and any(r["spans"] for r in rows):
            soft = torch.from_numpy(np.concatenate([r["stance"] for r in rows])).to(device)
            total = total + hw["stance"] * kd_loss(stance.logits(hidden, _span_features(rows, mask)), soft, t)
        return self.dc.weight * total


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------


def distil(
    teacher_dir: str | os.PathLike[str],
    config: str | os.PathLike[str] | dict[str, Any],
    output_dir: str | os.PathLike[str],
    *,
    resume: bool = False,
    device: str | None = None,
    seed: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    datasets: Mapping[str, Any] | None = None,
    stop_after_steps: int | None = None,
) -> TrainSummary:
    """Distil ``teacher_dir`` into the student the config describes (``stancekit distil``).

    Scores the teacher into ``distil.file`` (default ``<output_dir>/teacher-scores.parquet``) when that
    file is missing, then trains the student (:func:`stancekit.training.train`) with the config's
    ``distil`` block pointing at it. An existing file is reused only if the same teacher wrote it.

    Args:
        teacher_dir: the teacher's model directory (e.g. ``models/stancekit-news-base``).
        config: the student's training config with a ``distil`` block (e.g. ``configs/distil.json``).
        output_dir: the run directory (as for ``train``).
        resume: continue the student's training from ``output_dir/last``.
        device: for the teacher's pass and the student's training (default: the config's).
        seed: overrides the config's ``seed`` (one config, several seeds; the teacher's scores are shared).
        progress: called with each log record (the teacher's pass, then training's).
        datasets, stop_after_steps: as for :func:`stancekit.training.train`.

    Returns:
        The training summary, with ``"teacher_scores"``: the scores file's header and path.

    Raises:
        InputError: no ``distil`` block, a scores file written by another teacher, bad keys.
    """
    from stancekit.training import load_config, train

    cfg = load_config(config)
    if cfg.distil is None:
        raise InputError("the config has no 'distil' block; see configs/distil.json.")
    dc = DistilConfig.from_dict(cfg.distil)
    out = Path(output_dir)
    file = Path(dc.file) if dc.file else out / "teacher-scores.parquet"
    ident = teacher_id(teacher_dir)
    if file.is_file():
        header = _header(file)
        if header["teacher"]["sha256"] != ident["sha256"]:
            raise InputError(f"{file} holds the scores of another teacher ({header['teacher']['name']}, sha256 "
                             f"{header['teacher']['sha256'][:12]}…), not of {teacher_dir}. Delete it or point "
                             "distil.file elsewhere.")
        if sorted(header["sets"]) != sorted(dc.sets):
            raise InputError(f"{file} holds the teacher's scores of the sets {sorted(header['sets'])}, the config "
                             f"asks for {sorted(dc.sets)}. Delete it or point distil.file elsewhere.")
        if progress is not None:
            progress({"event": "teacher_scores", "reused": True, "file": str(file), **header})
    else:
        header = score_teacher(teacher_dir, cfg.__dict__, file, device=device or cfg.device, datasets=datasets,
                               progress=progress)
        if progress is not None:
            progress({"event": "teacher_scores", "reused": False, "file": str(file), **header})
    student = {**cfg.__dict__, "distil": {**cfg.distil, "file": str(file)}}
    if seed is not None:
        student["seed"] = int(seed)
    summary = train(student, out, progress=progress, resume=resume, device=device, datasets=datasets,
                    stop_after_steps=stop_after_steps)
    return dataclasses.replace(summary, extra={**summary.extra, "teacher_scores": {"file": str(file), **header}})


def _header(path: Path) -> dict[str, Any]:
    """The JSON header of a scores file, without reading its records."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception as err:  # pyarrow's own error types
        raise InputError(f"{path} is not a Parquet file of teacher scores: {err}") from err
    if HEADER_KEY not in meta:
        raise InputError(f"{path} has no {HEADER_KEY.decode()} header: it was not written by score_teacher.")
    header = dict(json.loads(meta[HEADER_KEY]))
    if header.get("format") != FORMAT_VERSION:
        raise InputError(f"{path}: teacher-scores format {header.get('format')!r}, this stancekit reads "
                         f"{FORMAT_VERSION}. Score the teacher again.")
    return header
