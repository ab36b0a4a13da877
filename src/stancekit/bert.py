"""A BERT-family encoder in plain torch, for inference without importing ``transformers``.

``import transformers`` plus building a ``BertModel`` costs about 6 s on the 2-core CPU machine,
more than twice the time torch itself takes to import (``python -X importtime``, see
``benchmarks/startup.py``): most of ``stancekit analyze`` on a short article. This module runs the
same computation as ``transformers.BertModel`` (absolute positions, post-layer-norm blocks,
scaled-dot-product attention) from the same ``config.json`` and the same ``model.safetensors`` key
names, so a model directory stays loadable with ``transformers.AutoModel`` and training keeps using
``transformers``. Hidden states equal ``BertModel``'s within float rounding
(``tests/test_bert.py``).

Only what inference needs is here: no dropout, no pooler (stancekit's heads pool themselves), no
gradient checkpointing, no cross-attention. :func:`supports` says whether a config can run here;
anything else (MPNet, RoBERTa with relative positions, …) loads through ``transformers``.

>>> encoder = BertEncoder(config_dict)                            # doctest: +SKIP
>>> encoder.load_state_dict(weights, strict=False, assign=True)   # doctest: +SKIP
>>> encoder(input_ids, attention_mask).last_hidden_state          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["BertEncoder", "CpuBf16Encoder", "EncoderConfig", "supports"]

_ACTIVATIONS = {
    "gelu": lambda x: F.gelu(x),
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
}


@contextlib.contextmanager
def uninitialised() -> Iterator[None]:
    """Build modules without initialising their parameters (they are about to be replaced by
    :meth:`BertEncoder.load_weights`): random init of MiniLM's 22.7M parameters takes 0.2 s on the
    2-core machine, and the ``meta`` device would import ``torch._dynamo`` (4 s). The same approach
    as ``transformers``' ``no_init_weights``: ``torch.nn.init`` fills become no-ops while active."""
    init = torch.nn.init
    names = ("uniform_", "normal_", "kaiming_uniform_", "ones_", "zeros_", "trunc_normal_")
    saved = {n: getattr(init, n) for n in names}

    def keep(tensor: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return tensor

    try:
        for n in names:
            setattr(init, n, keep)
        yield
    finally:
        for n, f in saved.items():
            setattr(init, n, f)


def supports(config: Mapping[str, Any]) -> bool:
    """Whether the encoder config (``config.json`` without the ``stancekit`` key) can run here."""
    return (
        config.get("model_type") == "bert"
        and config.get("position_embedding_type", "absolute") in (None, "absolute")
        and config.get("hidden_act", "gelu") in _ACTIVATIONS
        and not config.get("is_decoder", False)
        and not config.get("add_cross_attention", False)
        and int(config.get("hidden_size", 0)) % max(1, int(config.get("num_attention_heads", 1))) == 0
    )


class EncoderConfig:
    """The encoder's ``config.json`` as attributes (what stancekit reads from a transformers config),
    with :meth:`to_dict` returning it unchanged so that :func:`stancekit.serialization.save` writes
    the same file back."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"the encoder config has no {name!r}") from None

    def to_dict(self) -> dict[str, Any]:
        """The config as loaded (a copy)."""
        return dict(self._values)


@dataclass
class EncoderOutput:
    """What :class:`~stancekit.modeling.StanceModel` reads from an encoder's output."""

    last_hidden_state: Tensor


class _Embeddings(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None) -> Tensor:
        n = input_ids.shape[1]
        positions = torch.arange(n, device=input_ids.device)
        if token_type_ids is None:
            # the same sum as BertEmbeddings (word + type, then + position) for identical rounding
            x = self.word_embeddings(input_ids) + self.token_type_embeddings.weight[0]
        else:
            x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(positions)
        return self.LayerNorm(x)


class _SelfAttention(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)


class _DenseNorm(nn.Module):
    def __init__(self, d_in: int, d_out: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=eps)


class _Attention(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c.hidden_size, c.hidden_size, c.layer_norm_eps)


class _Intermediate(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)


class _Layer(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c.intermediate_size, c.hidden_size, c.layer_norm_eps)
        self.heads = int(c.num_attention_heads)
        self.head_dim = int(c.hidden_size) // self.heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.act = _ACTIVATIONS[c.hidden_act]

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        b, n, h = x.shape
        sa = self.attention.self

        def split(t: Tensor) -> Tensor:
            return t.view(b, n, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scale)
        ctx = ctx.transpose(1, 2).reshape(b, n, h)
        ao = self.attention.output
        x = ao.LayerNorm(ao.dense(ctx) + x)
        y = self.output.dense(self.act(self.intermediate.dense(x)))
        return self.output.LayerNorm(y + x)


class _Stack(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(int(c.num_hidden_layers)))


class BertEncoder(nn.Module):
    """``transformers.BertModel``'s forward for inference, with the same parameter names.

    Args:
        config: the encoder's ``config.json`` (a mapping; the ``stancekit`` key is ignored).

    Raises:
        ValueError: if :func:`supports` is false for ``config``.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        values = {k: v for k, v in config.items() if k != "stancekit"}
        if not supports(values):
            raise ValueError(
                f"BertEncoder runs absolute-position BERT encoders; got model_type={values.get('model_type')!r}, "
                f"position_embedding_type={values.get('position_embedding_type')!r}, "
                f"hidden_act={values.get('hidden_act')!r}."
            )
        values.setdefault("layer_norm_eps", 1e-12)
        values.setdefault("type_vocab_size", 2)
        values.setdefault("hidden_act", "gelu")
        self.config = EncoderConfig(values)
        self.embeddings = _Embeddings(self.config)
        self.encoder = _Stack(self.config)

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None
    ) -> EncoderOutput:
        """Hidden states [B, T, H] as ``EncoderOutput.last_hidden_state``."""
        x = self.embeddings(input_ids, token_type_ids)
        mask = None
        if attention_mask is not None:
            # [B, 1, 1, T] boolean: True where a key may be attended to (padding is False)
            mask = attention_mask.bool()[:, None, None, :]
        for layer in self.encoder.layer:
            x = layer(x, mask)
        return EncoderOutput(x)

    def load_weights(self, weights: Mapping[str, Tensor]) -> None:
        """Take the encoder tensors of ``weights`` (``BertModel`` names; ``pooler.*`` is ignored) as the
        parameters, without copying when they already are float32.

        Raises:
            RuntimeError: a parameter is missing or a tensor has no matching parameter.
        """
        state = {k: v for k, v in weights.items() if not k.startswith("pooler.") and not k.endswith(".position_ids")}
        result = self.load_state_dict(state, strict=False, assign=True)
        if result.missing_keys or result.unexpected_keys:
            raise RuntimeError(f"missing keys {result.missing_keys[:5]}, unexpected keys {result.unexpected_keys[:5]}")


def _packed_linear_ops() -> bool:
    """Whether this torch build has oneDNN's packed-weight linear (``torch.ops.mkldnn._linear_pointwise``),
    which fuses the bias and GELU into the bf16 matmul (what ``torch.compile`` uses on CPU)."""
    try:
        return bool(torch.backends.mkldnn.is_available()) and hasattr(torch.ops.mkldnn, "_linear_pointwise")
    except (AttributeError, RuntimeError):  # pragma: no cover - builds without oneDNN
        return False


class _Bf16Linear(nn.Module):
    """``y = act(x @ W.T + b)`` in bf16 with ``W`` cast (and, with oneDNN, packed) once at build time."""

    def __init__(self, weight: Tensor, bias: Tensor | None, act: str = "none", pack_rows: int = 2048) -> None:
        super().__init__()
        weight = weight.detach().to(torch.bfloat16).contiguous()
        bias = bias.detach().to(torch.bfloat16) if bias is not None else None
        self.act = act
        self.packed = _packed_linear_ops()
        if self.packed:
            weight = torch.ops.mkldnn._reorder_linear_weight(weight, pack_rows)
        # plain attributes, not buffers: this is a CPU-only, inference-only copy (never moved nor saved)
        self.weight: Tensor = weight
        self.bias: Tensor | None = bias

    def forward(self, x: Tensor, residual: Tensor | None = None) -> Tensor:
        """``act(x @ W.T + b)``, plus ``residual`` when given (then ``act`` must be ``"none"``)."""
        if self.packed:
            if residual is not None:
                return torch.ops.mkldnn._linear_pointwise.binary(x, residual, self.weight, self.bias, "add")
            return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, self.act, [], "none")
        y = F.linear(x, self.weight, self.bias)
        if residual is not None:
            return y + residual
        return F.gelu(y.float()).to(torch.bfloat16) if self.act == "gelu" else y


class _Bf16Layer(nn.Module):
    def __init__(self, layer: _Layer) -> None:
        super().__init__()
        sa = layer.attention.self
        with torch.no_grad():  # one matmul for query, key and value; the attention scale folded into the query
            self.qkv = _Bf16Linear(
                torch.cat([sa.query.weight * layer.scale, sa.key.weight, sa.value.weight]),
                torch.cat([sa.query.bias * layer.scale, sa.key.bias, sa.value.bias]),
            )
        dense = layer.attention.output.dense
        self.attn_out = _Bf16Linear(dense.weight, dense.bias)
        gelu = layer.act is _ACTIVATIONS["gelu"]
        inter = layer.intermediate.dense
        self.inter = _Bf16Linear(inter.weight, inter.bias, "gelu" if gelu else "none")
        self.act = None if gelu else layer.act
        self.out = _Bf16Linear(layer.output.dense.weight, layer.output.dense.bias)
        self.norms = [
            (norm.weight.detach().to(torch.bfloat16), norm.bias.detach().to(torch.bfloat16), float(norm.eps))
            for norm in (layer.attention.output.LayerNorm, layer.output.LayerNorm)
        ]
        self.heads, self.head_dim = layer.heads, layer.head_dim

    def forward(self, x: Tensor, b: int, n: int, bias: Tensor | None) -> Tensor:
        """``x``: bf16 [B·T, H] hidden states of ``b`` rows of ``n`` tokens; ``bias``: additive bf16
        [B·heads, T, T] mask, or ``None`` when no token is padding."""
        h = x.shape[1]
        qkv = self.qkv(x).view(b, n, 3, self.heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).reshape(3, b * self.heads, n, self.head_dim).unbind(0)
        if bias is None:
            scores = torch.bmm(q, k.transpose(1, 2))
        else:
            scores = torch.baddbmm(bias, q, k.transpose(1, 2))
        ctx = torch.bmm(torch.softmax(scores, dim=-1), v)  # the softmax accumulates in fp32
        ctx = ctx.view(b, self.heads, n, self.head_dim).transpose(1, 2).reshape(b * n, h)
        (w1, b1, e1), (w2, b2, e2) = self.norms
        x = F.layer_norm(self.attn_out(ctx, residual=x), (h,), w1, b1, e1)
        y = self.inter(x)
        if self.act is not None:
            y = self.act(y.float()).to(torch.bfloat16)
        return F.layer_norm(self.out(y, residual=x), (h,), w2, b2, e2)


class CpuBf16Encoder(nn.Module):
    """:class:`BertEncoder`'s forward with bf16 matmuls for CPUs with native bf16 (AVX-512-bf16, AMX).

    What ``torch.autocast`` does, minus its per-call costs: weights are cast to bf16 once (and packed
    for oneDNN when the build has it), query/key/value are one matmul, GELU and the residual adds
    are fused into the matmuls, attention is two bf16 matmuls around a softmax that accumulates in
    fp32 (for the short rows of news text about twice as fast as the fused CPU attention kernel),
    and the residual stream stays in bf16 between the layer norms (which accumulate in fp32), as
    OpenVINO's bf16 mode does: no cast between fp32 and bf16 inside the encoder. Labels agree with
    fp32 on 99.7 % of the throughput corpus (``benchmarks/throughput.py``), as OpenVINO bf16's do;
    ``tests/test_bert.py`` bounds the hidden-state error.

    It is an inference-only view of ``encoder``: the embeddings are shared, the matmul weights are
    bf16 copies (about half the encoder's fp32 size), nothing is trainable or saved.
    """

    def __init__(self, encoder: BertEncoder) -> None:
        super().__init__()
        self.config = encoder.config
        self.embeddings = encoder.embeddings
        self.layers = nn.ModuleList(_Bf16Layer(cast(_Layer, layer)) for layer in encoder.encoder.layer)

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None
    ) -> EncoderOutput:
        x = self.embeddings(input_ids, token_type_ids)
        b, n, h = x.shape
        bias = None
        if attention_mask is not None:
            # additive, 0 where a key may be attended to and -1e30 on padding, one [T, T] per row and head
            heads = int(self.config.num_attention_heads)
            key = (1.0 - attention_mask[:, None, :].float()) * -1e30
            bias = key.to(torch.bfloat16).repeat_interleave(heads, 0).expand(-1, n, -1)
        y = x.reshape(b * n, h).to(torch.bfloat16)
        for layer in self.layers:
            y = layer(y, b, n, bias)
        return EncoderOutput(y.float().view(b, n, h))
