"""The batch inference engine: every prediction stancekit makes goes through :class:`Engine`.

One encoder pass per unit gives the claim score, the actor-mention tags and a stance score for each
tagged mention and for each span the caller adds (pronouns, role descriptions).

How it is fast (each choice is measured in ``benchmarks/throughput.py``, results in
``benchmarks/RESULTS.md``):

* the fast (Rust) tokenizer encodes whole chunks of units at once, with character offsets, in a
  producer thread that also sorts, batches and pads, so the model never waits on Python;
* units are sorted by token length and cut into batches by a padded-token budget
  (``max_batch_tokens``) and a count cap (``batch_size``); each batch is padded to its longest row
  rounded up to a multiple of 8; results come back in input order;
* ``torch.inference_mode``, the encoder's scaled-dot-product attention, mention decoding on the
  device (one host sync per batch), outputs moved back to the CPU per batch;
* precision ``"auto"``: bf16 on CPUs with AVX-512-bf16/AMX and on CUDA (fp16 on GPUs without
  bf16), else fp32. On CPU a BERT-family encoder runs as :class:`stancekit.bert.CpuBf16Encoder`
  (weights cast and packed once, fused query/key/value and GELU, fp32 residual stream and
  softmax) with the heads in fp32; elsewhere it is ``torch.autocast``. There is no int8 mode:
  dynamic int8 agreed with fp32 on 85 % of labels, 97 % at best with the heads, embeddings and
  feed-forward layers kept in fp32 (``benchmarks/int8.py``);
* ``backend="openvino"`` / ``"onnxruntime"`` (CPU, optional extra ``stancekit[runtimes]``) run the
  encoder pass in that runtime; batching, decoding and heads stay the same (:mod:`stancekit.backends`).

Units longer than the model's ``max_length`` are scored in overlapping windows: every token (and so
every mention and every given span) belongs to the window where it sits most centrally; a unit's
claim score is the mean over its windows. Such units are counted in :attr:`Engine.stats` and
warned about once per call.

Batch invariance: the same input gives the same labels, and scores equal within ``1e-4`` (fp32),
whatever ``batch_size``, ``max_batch_tokens`` and the input order (tested with hypothesis).

>>> from stancekit.serialization import load_model
>>> model, tokenizer = load_model()                                   # doctest: +SKIP
>>> engine = Engine(model, tokenizer)                                 # doctest: +SKIP
>>> [p.claim_score for p in engine.predict(["Abe called the plan reckless."])]   # doctest: +SKIP
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import os
import queue
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from stancekit.errors import DeviceError, InputError
from stancekit.forms import TARGET, span_tokens
from stancekit.heads import TagHead, check_bio
from stancekit.labels import MENTION_TYPES

__all__ = [
    "MentionPrediction",
    "UnitPrediction",
    "Engine",
    "PRECISIONS",
    "BACKENDS",
    "MENTION_TYPES",
    "resolve_precision",
]

#: Precision modes accepted by :class:`Engine`.
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16", "fp16")
#: Encoder runtimes accepted by :class:`Engine`; the last two need ``pip install 'stancekit[runtimes]'``.
BACKENDS: tuple[str, ...] = ("torch", "openvino", "onnxruntime")

#: Units tokenized and sorted together. Larger chunks sort better (less padding); this bounds the
#: memory a stream keeps in flight (a few MB of token ids).
_CHUNK_UNITS = 4096
#: Batches prepared ahead of the model by the producer thread.
_QUEUE_DEPTH = 4
_PAD_MULTIPLE = 8
#: Modes whose requests are pre-split words (results per word).
_WORD_MODES = ("tags", "tag_scores")


@dataclass(frozen=True)
class MentionPrediction:
    """A mention found by the tagger (or given by the caller) in one unit.

    Attributes:
        start / end: unit-relative character offsets.
        type: ``"person"``, ``"organisation"``, ``"location"``, ``"group"``; ``"other"`` for given spans.
        score: the tagger's mean confidence over the mention's words (1.0 for given spans).
        stance_scores: (favor, against, neutral) probabilities.
    """

    start: int
    end: int
    type: str
    score: float
    stance_scores: tuple[float, float, float]


@dataclass(frozen=True)
class UnitPrediction:
    """Everything one encoder pass says about one unit."""

    claim_score: float
    mentions: tuple[MentionPrediction, ...]
    extra: tuple[MentionPrediction, ...]


# --------------------------------------------------------------------------------------------
# devices and precision


def _resolve_device(device: str | torch.device) -> torch.device:
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise DeviceError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device={device!r} was requested but torch.cuda.is_available() is False. "
                "Pass device='cpu' or device='auto'."
            )
        try:
            index = int(device.split(":")[1]) if ":" in device else 0
        except ValueError as err:
            raise DeviceError(f"device must be 'cuda' or 'cuda:N' with N an integer, got {device!r}.") from err
        if index >= torch.cuda.device_count():
            raise DeviceError(
                f"device={device!r} was requested but only {torch.cuda.device_count()} CUDA device(s) exist. "
                "Pass an index below that, or device='auto'."
            )
        return torch.device("cuda", index)
    if device != "cpu":
        raise DeviceError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    return torch.device("cpu")


def _cpu_has_bf16() -> bool:
    """AVX-512-bf16 or AMX: where oneDNN runs bf16 matmuls natively (measured 2x+ fp32 here)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - very old or stripped torch builds
        return False


def _cpu_bf16_encoder(model: Any) -> Any:
    """``encode(ids, mask, type_ids) -> hidden`` through :class:`stancekit.bert.CpuBf16Encoder` when the
    model's encoder is a :class:`stancekit.bert.BertEncoder` (``load_model(inference=True)``), else ``None``
    (transformers encoders such as MPNet, and models being trained, stay on autocast).

    The bf16 weights are copies made here: an Engine built before the model's weights change keeps
    the old ones (training builds a new Engine for each evaluation, and trains a transformers model).
    """
    from stancekit.bert import BertEncoder, CpuBf16Encoder

    encoder = getattr(model, "encoder", None)
    if not isinstance(encoder, BertEncoder):
        return None
    fast = CpuBf16Encoder(encoder).eval()

    def encode(ids: torch.Tensor, mask: torch.Tensor, type_ids: torch.Tensor | None = None) -> torch.Tensor:
        return fast(ids, mask, type_ids).last_hidden_state

    return encode


def resolve_precision(precision: str, device: torch.device, backend: str = "torch") -> str:
    """The concrete precision (``fp32``/``bf16``/``fp16``) that ``precision`` means on ``device``
    with the encoder running in ``backend``.

    Raises:
        InputError: an unknown precision or backend, ``fp16`` on CPU, a CPU-only backend on CUDA, or
            a precision the backend does not run (ONNX Runtime runs fp32 only).
    """
    if precision == "int8":
        raise InputError(
            "precision='int8' was removed: dynamic int8 agreed with fp32 on 85 % of labels, and on 97 % at best "
            "with only the attention projections quantised (benchmarks/int8.py). Use 'auto' (bf16 where the CPU "
            "has it) or 'fp32'."
        )
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {BACKENDS}, got {backend!r}.")
    if device.type == "cuda":
        if backend != "torch":
            raise InputError(f"backend={backend!r} runs on the CPU; on CUDA use backend='torch'.")
        if precision == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return precision
    if precision == "fp16":
        raise InputError("precision='fp16' is for CUDA; on CPU use 'auto', 'bf16' or 'fp32'.")
    if backend == "onnxruntime":
        if precision == "bf16":
            raise InputError("backend='onnxruntime' runs the encoder in fp32; use precision='fp32' or 'auto'.")
        return "fp32"
    if precision == "auto":
        return "bf16" if _cpu_has_bf16() else "fp32"
    return precision


def _configure_threads() -> None:
    """Never run more intra-op threads than the CPUs this process may use (cgroup/affinity limits)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    if torch.get_num_threads() > n:
        torch.set_num_threads(n)


def _pad_to(n: int, multiple: int = _PAD_MULTIPLE) -> int:
    return max(multiple, -(-n // multiple) * multiple)


# --------------------------------------------------------------------------------------------
# host-side data: rows (one encoder input each) and batches


class _Store:
    """Every encoder row of one chunk, flat: row ``r`` is ``[off, off + length)`` of each array.

    Arrays: ``ids`` (special tokens included), ``type_ids`` (pair form, else ``None``), ``word_first``
    (row-local position of the first sub-token of each token's word; a special token points at
    itself), ``content`` (tokens of the unit text, the ones that can carry tags), ``char_start`` /
    ``char_end`` (unit-relative character offsets), ``word_index`` (input word of each token, for
    :meth:`Engine.predict_tags`; ``None`` otherwise).
    """

    __slots__ = ("ids", "type_ids", "word_first", "content", "char_start", "char_end", "word_index")

    def __init__(self, parts: list[dict[str, np.ndarray]], with_types: bool, with_words: bool) -> None:
        def cat(key: str, dtype: Any) -> np.ndarray:
            arrays = [p[key] for p in parts if key in p]
            return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)

        self.ids = cat("ids", np.int64)
        self.word_first = cat("word_first", np.int64)
        self.content = cat("content", bool)
        self.char_start = cat("char_start", np.int64)
        self.char_end = cat("char_end", np.int64)
        self.type_ids = (
            np.concatenate([p.get("type_ids", np.zeros(len(p["ids"]), np.int64)) for p in parts])
            if with_types
            else None
        )
        self.word_index = cat("word_index", np.int64) if with_words else None


class _Row:
    """One encoder input: a unit, or one window of a long unit."""

    __slots__ = ("unit", "off", "length", "own_lo", "own_hi", "extras")

    def __init__(self, unit: int, off: int, length: int) -> None:
        self.unit = unit  # index of the unit in its chunk
        self.off = off  # first position in the chunk's _Store
        self.length = length
        self.own_lo = 0  # row-local tokens [own_lo, own_hi] are owned by this row (windows of long units)
        self.own_hi = 1 << 30
        self.extras: list[tuple[int, int, int]] = []  # (k, first, last token) of spans to score here

    @property
    def windowed(self) -> bool:
        return self.own_hi < (1 << 30)


@dataclass
class _Batch:
    rows: list[_Row]
    store: _Store
    ids: torch.Tensor
    mask: torch.Tensor
    type_ids: torch.Tensor | None
    word_first: torch.Tensor
    content: torch.Tensor
    glued: torch.Tensor  # [B, P] bool: a content token that touches the previous one (no space between)
    extra_mask: torch.Tensor  # [E, P] float
    extra_row: torch.Tensor  # [E] long
    extra_key: list[tuple[int, int]]  # (row index in batch, k)

    def __len__(self) -> int:
        return len(self.rows)


def _collate(rows: list[_Row], store: _Store, pin: bool) -> _Batch:
    """Gather ``rows`` from the store into tensors padded to a multiple of 8 (vectorised: no
    per-row Python beyond reading offsets)."""
    offs = np.fromiter((r.off for r in rows), dtype=np.int64, count=len(rows))
    lens = np.fromiter((r.length for r in rows), dtype=np.int64, count=len(rows))
    p = _pad_to(int(lens.max()))
    pos = np.arange(p, dtype=np.int64)
    valid = pos[None, :] < lens[:, None]
    idx = np.where(valid, offs[:, None] + pos[None, :], 0)
    ids = np.where(valid, store.ids[idx], 0)
    word_first = np.where(valid, store.word_first[idx], pos[None, :])
    content = valid & store.content[idx]
    glued = np.zeros_like(content)
    glued[:, 1:] = content[:, 1:] & content[:, :-1] & (store.char_start[idx[:, 1:]] == store.char_end[idx[:, :-1]])
    type_ids = np.where(valid, store.type_ids[idx], 0) if store.type_ids is not None else None
    extra_key: list[tuple[int, int]] = []
    spans: list[tuple[int, int, int]] = []
    for i, r in enumerate(rows):
        for k, lo, hi in r.extras:
            extra_key.append((i, k))
            spans.append((i, lo, hi))
    extra_mask = np.zeros((len(spans), p), dtype=np.float32)
    for j, (_, lo, hi) in enumerate(spans):
        extra_mask[j, lo : hi + 1] = 1.0
    extra_row = np.asarray([s[0] for s in spans], dtype=np.int64)

    def t(a: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(a))
        return x.pin_memory() if pin else x

    return _Batch(
        rows=rows,
        store=store,
        ids=t(ids),
        mask=t(valid.astype(np.int64)),
        type_ids=t(type_ids) if type_ids is not None else None,
        word_first=t(word_first),
        content=t(content),
        glued=t(glued),
        extra_mask=t(extra_mask),
        extra_row=t(extra_row),
        extra_key=extra_key,
    )


def _cut_batches(lengths: Sequence[int], batch_size: int, max_batch_tokens: int) -> list[list[int]]:
    """Indices of ``lengths`` sorted longest first, cut so that no batch has more than ``batch_size``
    rows nor more than ``max_batch_tokens`` padded tokens (a single row over the budget is a batch of
    its own). Ties keep input order, so the cut is deterministic."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    cur: list[int] = []
    width = 0  # padded width of the current batch: its first (longest) row's
    for i in order:
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * width > max_batch_tokens):
            batches.append(cur)
            cur = []
        if not cur:
            width = _pad_to(lengths[i])
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def _window_starts(n: int, size: int) -> list[int]:
    """Starts of windows of ``size`` tokens over ``n`` tokens, overlapping by half a window, the last
    one flush with the end, so that every token has at least a quarter window of context on each
    side in the window that owns it (except at the ends of the unit)."""
    if n <= size:
        return [0]
    step = max(1, size // 2)
    starts = list(range(0, n - size, step))
    starts.append(n - size)
    return starts


def _owned_ranges(starts: list[int], size: int, n: int) -> list[tuple[int, int]]:
    """Content-token range each window owns: the tokens that sit more centrally in it than in any
    other window (ties go to the earlier window)."""
    bounds = []
    for w in range(len(starts) - 1):
        end_w = min(starts[w] + size, n) - 1
        bounds.append((end_w + starts[w + 1]) // 2)
    out = []
    lo = 0
    for w in range(len(starts)):
        hi = bounds[w] if w < len(bounds) else n - 1
        out.append((lo, hi))
        lo = hi + 1
    return out


# --------------------------------------------------------------------------------------------
# the engine


class _Request:
    """What one call asks of each unit: the text, an optional target (pair form) and spans to score."""

    __slots__ = ("text", "target", "char_spans", "words")

    def __init__(
        self,
        text: str,
        target: str | None = None,
        char_spans: Sequence[tuple[int, int]] = (),
        words: Sequence[str] | None = None,
    ) -> None:
        self.text = text
        self.target = target
        self.char_spans = char_spans
        self.words = words


class Engine:
    """The batch inference engine over a :class:`~stancekit.modeling.StanceModel`.

    Args:
        model: a ``StanceModel`` (moved to ``device`` and put in eval mode).
        tokenizer: its ``transformers`` fast tokenizer.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        precision: ``"auto"`` (bf16 autocast on CPUs with AVX-512-bf16/AMX and on CUDA, fp16 on older
            GPUs, else fp32), ``"fp32"``, ``"bf16"``, ``"fp16"`` (CUDA).
        backend: where the encoder pass runs: ``"torch"``; on CPU also ``"openvino"`` (fp32 or bf16)
            or ``"onnxruntime"`` (fp32), optional extra ``stancekit[runtimes]``: the encoder is
            exported to ONNX once, at construction (a few seconds). Heads and decoding stay in torch.
        batch_size: at most this many encoder rows per batch.
        max_batch_tokens: at most this many padded tokens per batch (a single longer row runs alone).

    Raises:
        DeviceError: the device is not available.
        InputError: an unknown precision or backend, or a non-positive batch size / budget.
        ImportError: the backend's runtime is not installed.

    Attributes:
        stats: running counts: ``units``, ``rows``, ``batches``, ``windowed_units`` (units longer than
            ``max_length``), ``oom_splits`` (batches halved after running out of device memory).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        device: str | torch.device = "auto",
        precision: str = "auto",
        batch_size: int = 64,
        max_batch_tokens: int = 8192,
        backend: str = "torch",
    ) -> None:
        self.device = _resolve_device(device)
        self.backend = backend
        #: the precision the encoder runs in
        self.encoder_precision = resolve_precision(precision, self.device, backend)
        # the precision of the torch part (autocast): the heads always run in fp32 on another runtime's output
        self.precision = self.encoder_precision if backend == "torch" else "fp32"
        self.requested_precision = precision
        _check_sizes(batch_size, max_batch_tokens)
        self.batch_size = int(batch_size)
        self.max_batch_tokens = int(max_batch_tokens)
        self.tokenizer = tokenizer
        self.max_length = int(getattr(getattr(model, "config", None), "max_length", 0) or 512)
        self.tag_labels: tuple[str, ...] = tuple(model.config.tag_labels)
        self._check_tag_labels()
        if self.device.type == "cpu":
            _configure_threads()
        model = model.to(self.device).eval()
        if backend != "torch":
            from stancekit.backends import cpu_encoder, with_encoder

            model = with_encoder(model, cpu_encoder(model, backend, self.encoder_precision))
        elif self.device.type == "cpu" and self.encoder_precision == "bf16":
            fast = _cpu_bf16_encoder(model)
            if fast is not None:
                from stancekit.backends import with_encoder

                model = with_encoder(model, fast)
                self.precision = "fp32"  # the encoder runs its own bf16; the heads run in fp32
        self.model = model
        self._tok = _backend_tokenizer(tokenizer)
        self._cls = int(tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id)
        self._sep = int(tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id)
        self._pin = self.device.type == "cuda"
        self.stats: dict[str, int] = {"units": 0, "rows": 0, "batches": 0, "windowed_units": 0, "oom_splits": 0}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Engine(device={str(self.device)!r}, backend={self.backend!r}, precision={self.encoder_precision!r}, "
            f"batch_size={self.batch_size}, "
            f"max_batch_tokens={self.max_batch_tokens}, max_length={self.max_length})"
        )

    def _check_tag_labels(self) -> None:
        labels = self.tag_labels
        try:
            check_bio(labels)
        except ValueError as err:
            raise InputError(
                f"the engine expects tag labels ('O', 'B-X', 'I-X', 'B-Y', 'I-Y', …), got {labels}."
            ) from err
        kinds = [labels[i][2:] for i in range(1, len(labels), 2)]
        self._tag_types = tuple(MENTION_TYPES.get(k, k.lower()) for k in kinds)

    # ---------------------------------------------------------------- public API

    def predict(
        self,
        texts: Sequence[str],
        extra_spans: Sequence[Sequence[tuple[int, int]]] | None = None,
        *,
        batch_size: int | None = None,
    ) -> list[UnitPrediction]:
        """One encoder pass per unit: claim score, tagged mentions with stance, and stance for given spans.

        Args:
            texts: unit texts.
            extra_spans: per unit, unit-relative ``(start, end)`` character spans (pronouns, role
                descriptions) to score for stance; the results are in ``UnitPrediction.extra``, same order.
            batch_size: overrides the engine's count cap for this call.

        Returns:
            One :class:`UnitPrediction` per text, in input order.

        Raises:
            InputError: a text is not a ``str`` or ``extra_spans`` does not match ``texts``.
        """
        texts = _check_texts(texts)
        if extra_spans is not None and len(extra_spans) != len(texts):
            raise InputError(
                f"extra_spans must have one entry per text: got {len(extra_spans)} for {len(texts)} texts."
            )
        reqs = [
            _Request(t, None, _check_spans(extra_spans[i], t, i) if extra_spans is not None else ())
            for i, t in enumerate(texts)
        ]
        before = self.stats["windowed_units"]
        out = list(self._run(iter(reqs), "full", batch_size))
        self._warn_windows(self.stats["windowed_units"] - before)
        return out  # type: ignore[return-value]

    def predict_stream(
        self,
        units: Iterable[str | tuple[str, Sequence[tuple[int, int]]]],
        *,
        chunk_size: int = _CHUNK_UNITS,
    ) -> Iterator[UnitPrediction]:
        """:meth:`predict` over an unbounded iterable, lazily, in input order, with bounded memory.

        Each item is a unit text or ``(text, extra_spans)``. At most about two chunks of
        ``chunk_size`` units are in flight: one being tokenized while the previous one runs.
        """
        if chunk_size < 1:
            raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}.")

        def requests() -> Iterator[_Request]:
            for i, u in enumerate(units):
                if isinstance(u, str):
                    yield _Request(u)
                elif isinstance(u, tuple) and len(u) == 2 and isinstance(u[0], str):
                    yield _Request(u[0], None, _check_spans(u[1], u[0], i))
                else:
                    raise InputError(f"unit {i}: expected a str or (text, extra_spans), got {type(u).__name__}.")

        before = self.stats["windowed_units"]
        warned = False
        for pred in self._run(requests(), "full", None, chunk_size=chunk_size):
            if not warned and self.stats["windowed_units"] > before:
                warned = True
                self._warn_windows(self.stats["windowed_units"] - before, stream=True)
            yield pred  # type: ignore[misc]

    def predict_stance(
        self,
        texts: Sequence[str],
        targets: Sequence[str | None],
        spans: Sequence[tuple[int, int] | None],
    ) -> np.ndarray:
        """Stance (favor, against, neutral) of each text toward a target.

        With a span, the mention form scores the tokens of ``text[start:end]``; without one, the pair
        form ``target [SEP] text`` scores the target's tokens.

        Returns:
            float32 array [N, 3].

        Raises:
            InputError: lengths differ, or a row has neither a span nor a target.
        """
        texts = _check_texts(texts)
        if not (len(texts) == len(targets) == len(spans)):
            raise InputError(
                f"texts, targets and spans must have the same length, got {len(texts)}, {len(targets)}, {len(spans)}."
            )
        reqs = []
        for i, (t, tg, sp) in enumerate(zip(texts, targets, spans, strict=True)):
            if sp is not None:
                reqs.append(_Request(t, None, _check_spans([sp], t, i)))
            elif tg:
                reqs.append(_Request(t, str(tg), ()))
            else:
                raise InputError(f"row {i}: give a span (mention form) or a non-empty target (pair form), got neither.")
        before = self.stats["windowed_units"]
        out = np.asarray(list(self._run(iter(reqs), "stance", None)), dtype=np.float32).reshape(len(reqs), 3)
        self._warn_windows(self.stats["windowed_units"] - before)
        return out

    def predict_claims(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each text is a claim, float32 [N]."""
        texts = _check_texts(texts)
        before = self.stats["windowed_units"]
        out = np.asarray(list(self._run((_Request(t) for t in texts), "claims", None)), dtype=np.float32)
        self._warn_windows(self.stats["windowed_units"] - before)
        return out

    def predict_tags(self, tokens: Sequence[Sequence[str]]) -> list[list[str]]:
        """Word-level BIO tags (the tag of each word's first sub-token) for pre-split words.

        Returns:
            One list of tags (from the model's ``tag_labels``) per sentence, as long as its words.
        """
        if isinstance(tokens, (str, bytes)) or any(isinstance(s, (str, bytes)) for s in tokens):
            raise InputError("predict_tags expects a list of sentences, each a list of word strings.")
        reqs = [_Request(" ".join(ws), None, (), words=list(ws)) for ws in tokens]
        before = self.stats["windowed_units"]
        out = list(self._run(iter(reqs), "tags", None))
        self._warn_windows(self.stats["windowed_units"] - before)
        return out  # type: ignore[return-value]

    def predict_tag_scores(self, tokens: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Word-level tag distributions (at each word's first sub-token) for pre-split words.

        The soft counterpart of :meth:`predict_tags` (its argmax), for distillation.

        Returns:
            One float32 array [words, len(tag_labels)] per sentence; a word without tokens gets ``O``.
        """
        if isinstance(tokens, (str, bytes)) or any(isinstance(s, (str, bytes)) for s in tokens):
            raise InputError("predict_tag_scores expects a list of sentences, each a list of word strings.")
        reqs = [_Request(" ".join(ws), None, (), words=list(ws)) for ws in tokens]
        before = self.stats["windowed_units"]
        out = list(self._run(iter(reqs), "tag_scores", None))
        self._warn_windows(self.stats["windowed_units"] - before)
        return out  # type: ignore[return-value]

    # ---------------------------------------------------------------- internals

    def _warn_windows(self, n: int, stream: bool = False) -> None:
        if n <= 0:
            return
        more = " (counting so far; see Engine.stats['windowed_units'])" if stream else ""
        warnings.warn(
            f"{n} unit(s) exceeded max_length={self.max_length} tokens and were scored in overlapping windows"
            f"{more}. Split long units (the segmenter does) for the model's best accuracy.",
            UserWarning,
            stacklevel=3,
        )

    def _run(
        self, reqs: Iterator[_Request], mode: str, batch_size: int | None, chunk_size: int = _CHUNK_UNITS
    ) -> Iterator[Any]:
        """Results of ``mode`` for each request, in order. A producer thread tokenizes, sorts and
        batches chunk k+1 while the model runs chunk k."""
        bs = self.batch_size if batch_size is None else int(batch_size)
        _check_sizes(bs, self.max_batch_tokens)
        q: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_DEPTH)
        stop = threading.Event()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                while not stop.is_set():
                    chunk = _take(reqs, chunk_size)
                    if not chunk:
                        break
                    store, rows = self._rows(chunk, mode)
                    batches = _cut_batches([r.length for r in rows], bs, self.max_batch_tokens)
                    if not put(("chunk", chunk, rows, len(batches), store)):
                        return
                    for idx in batches:
                        if not put(("batch", _collate([rows[i] for i in idx], store, self._pin))):
                            return
                put(("end",))
            except BaseException as err:  # handed to the consumer, which re-raises it
                put(("error", err))

        thread = threading.Thread(target=produce, name="stancekit-tokenize", daemon=True)
        thread.start()
        try:
            while True:
                msg = q.get()
                if msg[0] == "end":
                    break
                if msg[0] == "error":
                    raise msg[1]
                _, chunk, rows, n_batches, store = msg
                acc = _Accumulator(len(chunk), mode, self, store)
                # one inference/autocast context per chunk (never across a yield): autocast then
                # casts each weight once per chunk instead of once per batch
                with torch.inference_mode(), self._autocast():
                    for _ in range(n_batches):
                        m = q.get()
                        if m[0] == "error":
                            raise m[1]
                        self._run_batch_safe(m[1], mode, acc)
                with self._lock:
                    self.stats["units"] += len(chunk)
                    self.stats["rows"] += len(rows)
                    self.stats["batches"] += n_batches
                    self.stats["windowed_units"] += len({r.unit for r in rows if r.windowed})
                yield from acc.results(chunk)
        finally:
            stop.set()
            thread.join()

    # -- tokenization into rows

    def _rows(self, chunk: list[_Request], mode: str) -> tuple[_Store, list[_Row]]:
        tok = self._tok
        if chunk[0].words is not None:
            encs = tok.encode_batch([r.words for r in chunk], is_pretokenized=True, add_special_tokens=False)
        else:
            encs = tok.encode_batch([r.text for r in chunk], add_special_tokens=False)
        tenc: dict[int, Any] = {}
        idx = [i for i, r in enumerate(chunk) if r.target is not None]
        if idx:
            tencs = tok.encode_batch([chunk[i].target for i in idx], add_special_tokens=False)
            tenc = dict(zip(idx, tencs, strict=True))
        size = max(1, self.max_length - 2)
        lens = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        fast = [u for u in range(len(chunk)) if lens[u] <= size and u not in tenc]
        parts: list[dict[str, np.ndarray]] = []
        rows: list[_Row] = []
        if fast:
            part, fast_rows = self._fast_rows(chunk, encs, fast, lens, mode)
            parts.append(part)
            rows.extend(fast_rows)
        off = len(parts[0]["ids"]) if parts else 0
        slow = sorted(set(range(len(chunk))) - set(fast))
        for u in slow:
            for part, row in self._unit_rows(u, chunk[u], encs[u], tenc.get(u), mode):
                row.off = off
                off += row.length
                parts.append(part)
                rows.append(row)
        store = _Store(parts, with_types=bool(tenc), with_words=mode in _WORD_MODES)
        return store, rows

    def _fast_rows(
        self, chunk: list[_Request], encs: list[Any], fast: list[int], lens: np.ndarray, mode: str
    ) -> tuple[dict[str, np.ndarray], list[_Row]]:
        """Rows of the units that fit in one window with no target, built for all of them at once."""
        chain = itertools.chain.from_iterable
        n_tok = lens[fast]
        total_tok = int(n_tok.sum())
        tok_ids = np.fromiter(chain(encs[u].ids for u in fast), dtype=np.int64, count=total_tok)
        offs = np.fromiter(chain(chain(encs[u].offsets for u in fast)), dtype=np.int64, count=2 * total_tok)
        offs = offs.reshape(total_tok, 2)
        wids = np.fromiter(
            (-1 if w is None else w for w in chain(encs[u].word_ids for u in fast)), dtype=np.int64, count=total_tok
        )
        tok_off = np.zeros(len(fast), dtype=np.int64)
        np.cumsum(n_tok[:-1], out=tok_off[1:])
        uid = np.repeat(np.arange(len(fast)), n_tok)
        gpos = np.arange(total_tok, dtype=np.int64)
        local = gpos - tok_off[uid]
        new_word = np.ones(total_tok, dtype=bool)
        new_word[1:] = (wids[1:] != wids[:-1]) | (wids[1:] < 0)
        new_word[local == 0] = True
        first_local = np.maximum.accumulate(np.where(new_word, gpos, 0)) - tok_off[uid]
        row_len = n_tok + 2
        row_off = np.zeros(len(fast), dtype=np.int64)
        np.cumsum(row_len[:-1], out=row_off[1:])
        total = int(row_len.sum())
        cpos = row_off[uid] + 1 + local  # where each content token lands
        ids = np.full(total, self._sep, dtype=np.int64)
        ids[row_off] = self._cls
        ids[cpos] = tok_ids
        word_first = np.arange(total, dtype=np.int64) - np.repeat(row_off, row_len)
        word_first[cpos] = first_local + 1
        content = np.zeros(total, dtype=bool)
        content[cpos] = True
        char_start = np.zeros(total, dtype=np.int64)
        char_end = np.zeros(total, dtype=np.int64)
        char_start[cpos] = offs[:, 0]
        char_end[cpos] = offs[:, 1]
        part = {"ids": ids, "word_first": word_first, "content": content}
        part.update(char_start=char_start, char_end=char_end)
        if mode in _WORD_MODES:
            wi = np.full(total, -1, dtype=np.int64)
            wi[cpos] = wids
            part["word_index"] = wi
        rows = []
        for j, u in enumerate(fast):
            row = _Row(u, int(row_off[j]), int(row_len[j]))
            spans = chunk[u].char_spans
            if spans:
                a, n = int(tok_off[j]), int(n_tok[j])
                cs, ce = offs[a : a + n, 0], offs[a : a + n, 1]
                for k, (s, e) in enumerate(spans):
                    lo, hi = span_tokens(cs, ce, s, e)
                    row.extras.append((k, lo + 1, hi + 1))
            rows.append(row)
        return part, rows

    def _unit_rows(self, u: int, req: _Request, enc: Any, tenc: Any, mode: str) -> list[tuple[dict[str, Any], _Row]]:
        """Rows of a unit that needs windows or the pair form (one row per window)."""
        ids = np.asarray(enc.ids, dtype=np.int64)
        n = len(ids)
        offs = np.asarray(enc.offsets, dtype=np.int64).reshape(n, 2)
        cs, ce = offs[:, 0], offs[:, 1]
        wids = np.asarray([-1 if w is None else w for w in enc.word_ids], dtype=np.int64)
        if n:
            new_word = np.ones(n, dtype=bool)
            new_word[1:] = (wids[1:] != wids[:-1]) | (wids[1:] < 0)
            first = np.maximum.accumulate(np.where(new_word, np.arange(n), 0))
        else:
            first = np.zeros(0, dtype=np.int64)
        prefix = TARGET.prefix(np.asarray(tenc.ids), self.max_length) if req.target is not None else None
        head = TARGET.text_offset(prefix)  # [CLS] (target [SEP])
        size = max(1, self.max_length - head - 1)
        starts = _window_starts(n, size)
        owned = _owned_ranges(starts, size, n) if len(starts) > 1 else [(0, max(n - 1, 0))]
        # Each span goes to the one window that owns its centre token, found by bisection over the
        # windows' owned ranges: time linear in windows + spans (scanning every window for every
        # span was windows x spans, quadratic in a long unit's length).
        by_window: list[list[tuple[int, int, int]]] = [[] for _ in starts]
        owned_hi = [b for _, b in owned]
        for k, (s, e) in enumerate(req.char_spans):
            lo, hi = span_tokens(cs, ce, s, e)
            if hi < lo:  # empty unit: the span pools nothing (scored in the first window)
                by_window[0].append((k, lo, hi))
                continue
            w_owner = bisect.bisect_left(owned_hi, (lo + hi) // 2)
            by_window[w_owner if w_owner < len(starts) else 0].append((k, lo, hi))
        out: list[tuple[dict[str, Any], _Row]] = []
        for w, ws in enumerate(starts):
            we = min(ws + size, n)
            m = we - ws
            length = head + m + 1
            row_ids = np.empty(length, dtype=np.int64)
            row_ids[0] = self._cls
            part: dict[str, Any] = {}
            if prefix is not None:
                row_ids[1 : 1 + len(prefix)] = prefix
                row_ids[1 + len(prefix)] = self._sep
                type_ids = np.zeros(length, dtype=np.int64)
                type_ids[head:] = 1
                part["type_ids"] = type_ids
            row_ids[head : head + m] = ids[ws:we]
            row_ids[length - 1] = self._sep
            wf = np.arange(length, dtype=np.int64)
            wf[head : head + m] = np.maximum(first[ws:we], ws) - ws + head
            content = np.zeros(length, dtype=bool)
            content[head : head + m] = True
            rcs = np.zeros(length, dtype=np.int64)
            rce = np.zeros(length, dtype=np.int64)
            rcs[head : head + m] = cs[ws:we]
            rce[head : head + m] = ce[ws:we]
            part.update(ids=row_ids, word_first=wf, content=content, char_start=rcs, char_end=rce)
            if mode in _WORD_MODES:
                wi = np.full(length, -1, dtype=np.int64)
                wi[head : head + m] = wids[ws:we]
                part["word_index"] = wi
            row = _Row(u, 0, length)
            if len(starts) > 1:
                lo, hi = owned[w]
                row.own_lo, row.own_hi = lo - ws + head, hi - ws + head
            if prefix is not None and w == 0:  # the pair form's span is the target; scored in the first window
                row.extras.append((0, 1, len(prefix)))
            for k, lo, hi in by_window[w]:
                if hi < lo:
                    row.extras.append((k, head, head - 1))
                else:
                    row.extras.append((k, max(lo, ws) - ws + head, min(hi, we - 1) - ws + head))
            out.append((part, row))
        return out

    # -- the model

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.precision in ("bf16", "fp16"):
            dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
            return torch.autocast(device_type=self.device.type, dtype=dtype)
        return contextlib.nullcontext()

    def _run_batch_safe(self, batch: _Batch, mode: str, acc: _Accumulator) -> None:
        """Run one batch; on out-of-memory halve it and retry each half (never drop or repeat a row)."""
        try:
            out = self._forward(batch, mode)
        except torch.OutOfMemoryError as err:
            if len(batch) == 1:
                raise DeviceError(
                    f"one unit of {int(batch.mask.sum())} tokens does not fit in {self.device} memory even alone. "
                    "Lower max_length, free device memory, or use device='cpu'."
                ) from err
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            with self._lock:
                self.stats["oom_splits"] += 1
            half = len(batch) // 2
            for part in (batch.rows[:half], batch.rows[half:]):
                self._run_batch_safe(_collate(part, batch.store, self._pin), mode, acc)
            return
        for row, res in zip(batch.rows, out, strict=True):
            acc.add(row, res)

    def _forward(self, batch: _Batch, mode: str) -> list[Any]:
        """One batch through the model; one result per row. Runs inside inference_mode/autocast."""
        dev = self.device
        nb = self._pin
        model = self.model
        ids = batch.ids.to(dev, non_blocking=nb)
        mask = batch.mask.to(dev, non_blocking=nb)
        tt = batch.type_ids.to(dev, non_blocking=nb) if batch.type_ids is not None else None
        hidden = model.encode(ids, mask, tt) if tt is not None else model.encode(ids, mask)
        if self.precision in ("bf16", "fp16"):
            # Heads run in fp32 on the low-precision encoder's output: near-tied tag logits decide
            # mention labels, and bf16 heads cost 0.2 points of agreement with fp32 (99.44 % → 99.64 %,
            # benchmarks/throughput.py --quick --agreement-only with the shipped model).
            with torch.autocast(device_type=dev.type, enabled=False):
                return self._heads(batch, mode, ids, mask, hidden.float())
        return self._heads(batch, mode, ids, mask, hidden)

    def _heads(
        self, batch: _Batch, mode: str, ids: torch.Tensor, mask: torch.Tensor, hidden: torch.Tensor
    ) -> list[Any]:
        dev = self.device
        nb = self._pin
        model = self.model
        b, p = ids.shape
        if mode == "claims":
            return model.heads["claim"].claim_probability(model.claim_logits(hidden, mask)).cpu().tolist()
        if mode == "stance":
            em = batch.extra_mask.to(dev, non_blocking=nb)
            er = batch.extra_row.to(dev, non_blocking=nb)
            st = model.heads["stance"].decode(model.stance_logits(hidden, mask, em, er)).cpu().tolist()
            per_row: list[list[tuple[int, list[float]]]] = [[] for _ in batch.rows]
            for (i, k), s in zip(batch.extra_key, st, strict=True):
                per_row[i].append((k, s))
            return per_row
        word_first = batch.word_first.to(dev, non_blocking=nb)
        content = batch.content.to(dev, non_blocking=nb)
        tagger: TagHead = model.heads["tag"]
        tag_logits = model.tag_logits(hidden)
        if mode == "tag_scores":
            probs = tagger.decode(tag_logits).cpu().numpy()
            return [probs[i] for i in range(b)]
        if mode == "tags":
            tags = tagger.word_tags(tag_logits, word_first, content)[0].cpu().numpy()
            return [tags[i] for i in range(b)]
        claim_t = model.heads["claim"].claim_probability(model.claim_logits(hidden, mask))
        found = tagger.mentions(tag_logits, word_first, content, batch.glued.to(dev, non_blocking=nb))
        sb, stok, last, mtype, mscore = found["row"], found["first"], found["last"], found["type"], found["score"]
        span_mask = found["span_mask"]
        n_m = int(sb.shape[0])
        all_mask = torch.cat([span_mask, batch.extra_mask.to(dev, non_blocking=nb)], 0)
        all_row = torch.cat([sb, batch.extra_row.to(dev, non_blocking=nb)], 0)
        if all_mask.shape[0]:
            stance = model.heads["stance"].decode(model.stance_logits(hidden, mask, all_mask, all_row))
        else:
            stance = torch.zeros((0, 3), device=dev)
        # everything back in one copy: claim [B], (row, first, last, type, score) [M, 5], stance [M+E, 3]
        ints = torch.stack([sb, stok, last, mtype], 1).float()
        packed = torch.cat([claim_t, torch.cat([ints, mscore[:, None]], 1).reshape(-1), stance.reshape(-1)]).cpu()
        host = packed.numpy()
        claim = host[:b].tolist()
        mentions = host[b : b + 5 * n_m].reshape(n_m, 5).tolist()
        stances = host[b + 5 * n_m :].reshape(-1, 3).tolist()
        results: list[list[Any]] = [[c, [], []] for c in claim]
        store = batch.store
        rows = batch.rows
        types = self._tag_types
        for j, (i, f, last_tok, ty, score) in enumerate(mentions):
            r = rows[int(i)]
            f, last_tok = int(f), int(last_tok)
            if not (r.own_lo <= (f + last_tok) // 2 <= r.own_hi):
                continue  # a window's mention that sits more centrally in a neighbouring window
            results[int(i)][1].append(
                MentionPrediction(
                    int(store.char_start[r.off + f]),
                    int(store.char_end[r.off + last_tok]),
                    types[int(ty)],
                    score,
                    tuple(stances[j]),  # type: ignore[arg-type]
                )
            )
        for (i, k), s in zip(batch.extra_key, stances[n_m:], strict=True):
            results[i][2].append((k, s))
        return results


class _Accumulator:
    """Collects row results of one chunk and merges windows into one result per unit."""

    def __init__(self, n: int, mode: str, engine: Engine, store: _Store) -> None:
        self.mode = mode
        self.engine = engine
        self.store = store
        self.parts: list[list[tuple[_Row, Any]]] = [[] for _ in range(n)]

    def add(self, row: _Row, res: Any) -> None:
        self.parts[row.unit].append((row, res))

    def results(self, chunk: list[_Request]) -> Iterator[Any]:
        mode = self.mode
        for u, parts in enumerate(self.parts):
            req = chunk[u]
            if mode == "claims":
                yield sum(r for _, r in parts) / len(parts)
            elif mode == "stance":
                yield next(s for _, res in parts for k, s in res)
            elif mode in _WORD_MODES:
                yield self._tags(req, parts)
            else:
                yield self._unit(req, parts)

    def _tags(self, req: _Request, parts: list[tuple[_Row, Any]]) -> list[str] | np.ndarray:
        labels = self.engine.tag_labels
        words = req.words or []
        scores = self.mode == "tag_scores"
        out: Any = np.eye(len(labels), dtype=np.float32)[np.zeros(len(words), dtype=np.int64)] if scores else (
            ["O"] * len(words))
        seen = [False] * len(words)
        for row, tags in parts:
            assert self.store.word_index is not None
            wi = self.store.word_index[row.off : row.off + row.length]
            for j in np.flatnonzero(wi >= 0).tolist():
                w = int(wi[j])
                if seen[w] or not (row.own_lo <= j <= row.own_hi):
                    continue
                if j > 0 and wi[j - 1] == w:
                    continue  # not the word's first sub-token in this row
                seen[w] = True
                out[w] = tags[j] if scores else labels[int(tags[j])]
        return out

    def _unit(self, req: _Request, parts: list[tuple[_Row, Any]]) -> UnitPrediction:
        if len(parts) == 1:
            claim, mentions, extras = parts[0][1]
        else:
            claim = sum(p[1][0] for p in parts) / len(parts)
            mentions = _dedupe([m for p in parts for m in p[1][1]])
            extras = [e for p in parts for e in p[1][2]]
        spans = req.char_spans
        if not spans:
            return UnitPrediction(claim, tuple(mentions), ())
        extra: list[Any] = [None] * len(spans)
        for k, s in extras:
            start, end = spans[k]
            extra[k] = MentionPrediction(start, end, "other", 1.0, tuple(s))
        return UnitPrediction(claim, tuple(mentions), tuple(extra))


def _dedupe(mentions: list[MentionPrediction]) -> list[MentionPrediction]:
    """Mentions of neighbouring windows sorted by start; overlapping ones keep the more confident."""
    out: list[MentionPrediction] = []
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if out and m.start < out[-1].end:
            if m.score > out[-1].score:
                out[-1] = m
            continue
        out.append(m)
    return out


# --------------------------------------------------------------------------------------------
# helpers


def _backend_tokenizer(tokenizer: Any) -> Any:
    """A private copy of the Rust tokenizer with truncation and padding off (we window and pad)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise InputError(
            f"the engine needs a fast (Rust) tokenizer with offsets, got {type(tokenizer).__name__}. "
            "Load it with transformers.AutoTokenizer (use_fast=True)."
        )
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(backend.to_str())
    tok.no_truncation()
    tok.no_padding()
    return tok


def _take(it: Iterator[_Request], n: int) -> list[_Request]:
    out: list[_Request] = []
    for r in it:
        out.append(r)
        if len(out) >= n:
            break
    if out and any((r.words is None) != (out[0].words is None) for r in out):  # pragma: no cover - internal
        raise InputError("cannot mix word lists and texts in one call.")
    return out


def _check_sizes(batch_size: int, max_batch_tokens: int) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InputError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if not isinstance(max_batch_tokens, int) or isinstance(max_batch_tokens, bool) or max_batch_tokens < 8:
        raise InputError(f"max_batch_tokens must be an integer of at least 8, got {max_batch_tokens!r}.")


def _check_texts(texts: Sequence[str]) -> Sequence[str]:
    if isinstance(texts, str):
        raise InputError("expected a list of unit texts, got one str; wrap it in a list.")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"text {i}: expected str, got {type(t).__name__}.")
    return texts


def _check_spans(spans: Sequence[tuple[int, int]], text: str, i: int) -> list[tuple[int, int]]:
    out = []
    for s in spans:
        try:
            start, end = int(s[0]), int(s[1])
        except (TypeError, ValueError, IndexError) as err:
            raise InputError(f"unit {i}: a span must be (start, end) character offsets, got {s!r}.") from err
        if not (0 <= start <= end <= len(text)):
            raise InputError(f"unit {i}: span ({start}, {end}) lies outside the unit text of {len(text)} characters.")
        out.append((start, end))
    return out
