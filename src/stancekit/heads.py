"""The model's heads as objects: each declares its labels, its logits, its loss and its decoding.

Training (:mod:`stancekit.training`) and serving (:class:`stancekit.inference.Engine`) use the same
objects, so what is trained is what is served. A head reads the shared encoder's hidden states and a
:class:`Features` bundle (the attention mask, and for the stance head the spans to pool).

=============  ==================  ==============================================================
head           ``config.heads``    what it does
=============  ==================  ==============================================================
ClaimHead      ``claim``           the unit's mean-pooled vector → ``not_claim`` / ``claim``
TagHead        ``mentions``        one BIO tag per token over :data:`~stancekit.labels.TAG_LABELS`
StanceHead     ``stance``          TD-BERT pooling of each span's tokens + the unit vector (+ an
                                   optional attention read-out) → ``favor`` / ``against`` / ``neutral``
=============  ==================  ==============================================================

Adding a head means writing its class here and listing it in :data:`HEADS`; the model builds the
heads named in ``ModelConfig.heads``. Weight names are stable: a head's parameters live under
``stancekit_heads.<key>.`` in ``model.safetensors`` (``claim``, ``tag``, ``stance``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from stancekit.labels import CLAIM_LABELS, STANCE_LABELS, TAG_LABELS

__all__ = [
    "Features", "Head", "ClaimHead", "TagHead", "StanceHead", "HEADS", "build_heads", "head_for_task", "masked_mean",
]

#: Loss targets that are ignored (padding, special tokens).
IGNORE = -100


def masked_mean(hidden: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``hidden`` [B, T, H] over the positions where ``mask`` [B, T] is non-zero."""
    m = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)


@dataclass
class Features:
    """What the heads read besides the hidden states.

    Attributes:
        mask: the attention mask [B, T].
        span_mask: float [M, T], 1 on the tokens of span m (stance head only).
        span_row: long [M], the batch row of span m (stance head only).
    """

    mask: Tensor
    span_mask: Tensor | None = None
    span_row: Tensor | None = None


class Head(nn.Module):
    """A head: ``logits(hidden, features)``, ``loss(logits, targets)``, ``decode(logits)``.

    Class attributes:
        name: its name in ``ModelConfig.heads`` and in training configs' task column.
        key: where its weights live (``stancekit_heads.<key>.…``).
        task: the data-set task it is trained on (``claim``, ``mentions``, ``stance``).
    """

    name: ClassVar[str]
    key: ClassVar[str]
    task: ClassVar[str]

    def __init__(self, labels: tuple[str, ...], dropout: float) -> None:
        super().__init__()
        self.labels = tuple(labels)
        self.p_drop = float(dropout)

    @classmethod
    def from_config(cls, config: Any, hidden: int) -> Head:
        """The head for a :class:`~stancekit.modeling.ModelConfig` and an encoder of width ``hidden``."""
        raise NotImplementedError  # pragma: no cover - every head defines it

    def _drop(self, x: Tensor) -> Tensor:
        return nn.functional.dropout(x, self.p_drop, self.training)

    def logits(self, hidden: Tensor, features: Features) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def loss(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Cross-entropy in fp32; targets equal to ``-100`` are ignored."""
        return nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE
        )

    def decode(self, logits: Tensor) -> Tensor:
        """Probabilities over :attr:`labels` (fp32), one row per logit row."""
        return torch.softmax(logits.float(), -1)


class ClaimHead(Head):
    """Claim detection on the unit's mean-pooled vector (two layers, tanh)."""

    name = "claim"
    key = "claim"
    task = "claim"

    def __init__(self, hidden: int, labels: tuple[str, ...] = CLAIM_LABELS, dropout: float = 0.1) -> None:
        super().__init__(labels, dropout)
        # named "0" and "2" as the nn.Sequential the first shipped model was saved from
        self.add_module("0", nn.Linear(hidden, hidden))
        self.add_module("2", nn.Linear(hidden, len(labels)))

    @classmethod
    def from_config(cls, config: Any, hidden: int) -> ClaimHead:
        return cls(hidden, tuple(config.claim_labels), config.head_dropout)

    def logits(self, hidden: Tensor, features: Features) -> Tensor:
        """[B, len(labels)]."""
        x = self._drop(masked_mean(hidden, features.mask))
        return self._modules["2"](torch.tanh(self._modules["0"](x)))  # type: ignore[misc]

    def claim_probability(self, logits: Tensor) -> Tensor:
        """P(``claim``) per row, [B]."""
        return self.decode(logits)[:, self.labels.index("claim")]


class TagHead(Head):
    """Actor-mention tagging: one BIO tag per token (every sub-token of a word carries a tag)."""

    name = "mentions"
    key = "tag"
    task = "mentions"

    def __init__(self, hidden: int, labels: tuple[str, ...] = TAG_LABELS, dropout: float = 0.1) -> None:
        super().__init__(labels, dropout)
        check_bio(self.labels)
        lin = nn.Linear(hidden, len(labels))  # stored as "tag.weight"/"tag.bias", as the first shipped model
        self.weight, self.bias = lin.weight, lin.bias

    @classmethod
    def from_config(cls, config: Any, hidden: int) -> TagHead:
        return cls(hidden, tuple(config.tag_labels), config.head_dropout)

    def logits(self, hidden: Tensor, features: Features | None = None) -> Tensor:
        """[B, T, len(labels)]."""
        return nn.functional.linear(self._drop(hidden), self.weight, self.bias)

    @property
    def types(self) -> tuple[str, ...]:
        """Entity types in tag order (``PER``, ``ORG``, …)."""
        return tuple(self.labels[i][2:] for i in range(1, len(self.labels), 2))

    def word_tags(self, logits: Tensor, word_first: Tensor, content: Tensor) -> tuple[Tensor, Tensor]:
        """Word-level tag ids and confidences [B, T]: every sub-token takes its word's first
        sub-token's tag (a ``B-`` there becomes ``I-``); tokens outside ``content`` get ``O``."""
        prob, tag = torch.softmax(logits.float(), -1).max(-1)
        b, p = tag.shape
        wtag = tag.gather(1, word_first)
        wprob = prob.gather(1, word_first)
        pos = torch.arange(p, device=tag.device).expand(b, p)
        cont = word_first != pos
        wtag = torch.where(cont & (wtag % 2 == 1), wtag + 1, wtag)
        wtag = torch.where(content, wtag, torch.zeros_like(wtag))
        return wtag, wprob

    def mentions(self, logits: Tensor, word_first: Tensor, content: Tensor, glued: Tensor) -> dict[str, Tensor]:
        """Mentions of a batch, decoded on the device with one host sync (the number of mentions).

        One written word is one mention: the tokenizer splits "E.U." into E . U . and the tagger may
        restart or change type inside it. A lone ``O`` between two tagged tokens of the same written
        word joins them, and a tagged token glued to a tagged one continues its mention.

        Returns:
            ``row``, ``first``, ``last`` (token positions), ``type`` (index into :attr:`types`),
            ``score`` (mean word confidence), ``span_mask`` [M, T] float.
        """
        wtag, wprob = self.word_tags(logits, word_first, content)
        b, p = wtag.shape
        dev = wtag.device
        pos = torch.arange(p, device=dev).expand(b, p)
        cont = word_first != pos
        typ = (wtag + 1) // 2  # 0 for O, else the type index (1-based)
        prev = torch.zeros_like(typ)
        prev[:, 1:] = typ[:, :-1]
        nxt = torch.zeros_like(typ)
        nxt[:, :-1] = typ[:, 1:]
        glued_next = torch.zeros_like(glued)
        glued_next[:, :-1] = glued[:, 1:]
        typ = torch.where((typ == 0) & glued & glued_next & (prev > 0) & (nxt > 0), prev, typ)
        prev[:, 1:] = typ[:, :-1]
        member = typ > 0
        start = member & ((wtag % 2 == 1) | (typ != prev)) & ~(glued & (prev > 0))
        mid = torch.cumsum(start.reshape(-1).long(), 0) - 1  # mention id of each token (valid on members)
        sb, stok = start.nonzero(as_tuple=True)
        n_m = int(sb.shape[0])
        flat_member = member.reshape(-1)
        mem_id = mid[flat_member]
        mem_pos = pos.reshape(-1)[flat_member]
        last = torch.zeros(n_m, dtype=torch.long, device=dev).scatter_reduce(0, mem_id, mem_pos, "amax")
        is_word = (~cont).reshape(-1)[flat_member].float()
        psum = torch.zeros(n_m, device=dev).index_add_(0, mem_id, wprob.reshape(-1)[flat_member] * is_word)
        wcount = torch.zeros(n_m, device=dev).index_add_(0, mem_id, is_word)
        span_mask = torch.zeros((n_m, p), device=dev)
        span_mask[mem_id, mem_pos] = 1.0
        return {
            "row": sb,
            "first": stok,
            "last": last,
            "type": typ[sb, stok] - 1,
            "score": psum / wcount.clamp_min(1.0),
            "span_mask": span_mask,
        }


class StanceHead(Head):
    """Stance per span: the mean of the span's tokens (TD-BERT) and the unit's mean vector, plus, with
    ``attention``, a single-head read-out of the unit's tokens queried by the span."""

    name = "stance"
    key = "stance"
    task = "stance"

    def __init__(
        self, hidden: int, labels: tuple[str, ...] = STANCE_LABELS, dropout: float = 0.1, attention: bool = False
    ) -> None:
        super().__init__(labels, dropout)
        self.attention = bool(attention)
        n_parts = 3 if attention else 2
        self.add_module("0", nn.Linear(n_parts * hidden, hidden))
        self.add_module("2", nn.Linear(hidden, len(labels)))
        if attention:
            self.query = nn.Linear(hidden, hidden)

    @classmethod
    def from_config(cls, config: Any, hidden: int) -> StanceHead:
        return cls(hidden, tuple(config.stance_labels), config.head_dropout, config.stance_attention)

    def logits(self, hidden: Tensor, features: Features) -> Tensor:
        """[M, len(labels)] for the M spans of ``features``."""
        if features.span_mask is None or features.span_row is None:
            raise ValueError("the stance head needs features.span_mask and features.span_row")
        span_mask, row, mask = features.span_mask, features.span_row, features.mask
        # Pool without copying the hidden states once per span (hidden[row] is [M, T, H]): the unit
        # mean is computed once per batch row, and the span mean gathers only the span's tokens.
        unit = masked_mean(hidden, mask)[row]
        m_idx, t_idx = span_mask.nonzero(as_tuple=True)
        weights = span_mask[m_idx, t_idx].to(hidden.dtype).unsqueeze(-1)
        span_sum = torch.zeros(span_mask.shape[0], hidden.shape[-1], dtype=hidden.dtype, device=hidden.device)
        span_sum = span_sum.index_add(0, m_idx, hidden[row[m_idx], t_idx] * weights)
        span = span_sum / span_mask.sum(1).clamp_min(1.0).to(hidden.dtype).unsqueeze(-1)
        parts = [span, unit]
        if self.attention:
            h = hidden[row]  # [M, T, H]: the attention variant needs every token per span
            q = self.query(span)
            scores = torch.einsum("mh,mth->mt", q, h) / (h.shape[-1] ** 0.5)
            scores = scores.masked_fill(mask[row] == 0, torch.finfo(scores.dtype).min)
            parts.append(torch.einsum("mt,mth->mh", torch.softmax(scores, dim=-1), h))
        x = self._drop(torch.cat(parts, dim=-1))
        return self._modules["2"](torch.tanh(self._modules["0"](x)))  # type: ignore[misc]


#: Head classes by ``ModelConfig.heads`` name.
HEADS: dict[str, type[Head]] = {h.name: h for h in (ClaimHead, TagHead, StanceHead)}


def build_heads(config: Any, hidden: int) -> dict[str, Head]:
    """The heads named in ``config.heads`` (a :class:`~stancekit.modeling.ModelConfig`), keyed by weight key."""
    unknown = [n for n in config.heads if n not in HEADS]
    if unknown:
        raise ValueError(f"unknown head(s) {unknown}; known heads: {sorted(HEADS)}")
    return {HEADS[n].key: HEADS[n].from_config(config, hidden) for n in config.heads}


def head_for_task(heads: Any, task: str) -> Head:
    """The head of a model's ``heads`` that is trained on data-set task ``task``."""
    for h in heads.values():
        if isinstance(h, Head) and h.task == task:
            return h
    raise KeyError(f"no head is trained on {task!r} data")


def check_bio(labels: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``labels`` is ``('O', 'B-X', 'I-X', 'B-Y', 'I-Y', …)``."""
    ok = len(labels) % 2 == 1 and labels[0] == "O"
    for i in range(1, len(labels), 2):
        ok = ok and labels[i].startswith("B-") and labels[i + 1] == "I-" + labels[i][2:]
    if not ok:
        raise ValueError(f"tag labels must be ('O', 'B-X', 'I-X', 'B-Y', 'I-Y', …), got {labels}")
