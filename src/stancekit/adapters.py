"""LoRA adapters on a frozen base encoder: trained with ``peft``, shipped alone, merged at load.

A base-size encoder (all-mpnet-base-v2, 438 MB) is too large to ship per model, and too slow to
fine-tune fully on a CPU. Training wraps the encoder's linear layers with LoRA (``peft``); the model
directory then stores only the adapters' ``A``/``B`` matrices and the heads (a few MB), and
:func:`merge_lora` folds ``W += (alpha / r) · B @ A`` into the resolved base encoder when the model is
loaded, so inference runs a plain encoder and pays nothing for the adapters. ``peft`` is needed only
to train.
"""

from __future__ import annotations

import re
from typing import Any

import torch
from torch import Tensor, nn

from stancekit.errors import ModelLoadError

__all__ = ["add_lora", "lora_tensors", "merge_lora", "PREFIX", "base_encoder_of"]

#: Key prefix of adapter weights in ``model.safetensors``.
PREFIX = "stancekit_lora."
_LAYER = re.compile(r"(?:^|\.)layer\.(\d+)\.")


def base_encoder_of(encoder: nn.Module) -> Any:
    """The plain ``transformers`` encoder inside a ``peft`` wrapper (or the encoder itself)."""
    get = getattr(encoder, "get_base_model", None)
    return get() if callable(get) else encoder


def _targets(encoder: nn.Module, layers: list[int] | None) -> list[str]:
    """Every linear layer inside the encoder's transformer layers (attention and feed-forward),
    restricted to ``layers`` (indices) when given."""
    out = []
    for name, mod in encoder.named_modules():
        if not isinstance(mod, nn.Linear):
            continue
        m = _LAYER.search(name)
        if m is None:
            continue
        if layers is not None and int(m.group(1)) not in set(layers):
            continue
        out.append(name)
    return out


def add_lora(model: Any, spec: dict[str, Any]) -> None:
    """Wrap ``model.encoder`` with LoRA adapters in place; the encoder's own weights are frozen.

    Args:
        model: a :class:`~stancekit.modeling.StanceModel`.
        spec: ``r`` (rank, default 16), ``alpha`` (default 2·r), ``dropout`` (0.1), ``layers``
            (encoder layer indices to adapt; default all — adapting only the top layers also stops
            the backward pass below them), ``targets`` (module names; default every linear layer of
            those layers).
    """
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as err:  # pragma: no cover - peft is a train extra
        raise ModelLoadError("LoRA training needs peft: pip install 'stancekit[train]'.") from err
    r = int(spec.get("r", 16))
    alpha = int(spec.get("alpha", 2 * r))
    targets = list(spec.get("targets") or _targets(model.encoder, spec.get("layers")))
    cfg = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=float(spec.get("dropout", 0.1)), target_modules=targets)
    model.encoder = get_peft_model(model.encoder, cfg)
    model.config.lora = {"r": r, "alpha": alpha, "dropout": float(spec.get("dropout", 0.1)),
                         "layers": spec.get("layers"), "targets": targets}


def lora_tensors(model: Any) -> dict[str, Tensor]:
    """The adapters of a model: ``{"<module>.lora_A": A, "<module>.lora_B": B}`` with module names of
    the plain encoder. From a ``peft``-wrapped encoder, or the adapters a loaded model kept."""
    kept = getattr(model, "lora_state", None)
    if kept:
        return dict(kept)
    from peft.tuners.lora import LoraLayer

    out: dict[str, Tensor] = {}
    base = base_encoder_of(model.encoder)
    names = {id(m): n for n, m in base.named_modules()}
    for mod in model.encoder.modules():
        if isinstance(mod, LoraLayer) and "default" in mod.lora_A:
            name = names[id(mod)]
            a: Any = mod.lora_A["default"]
            b: Any = mod.lora_B["default"]
            out[f"{name}.lora_A"] = a.weight.detach()
            out[f"{name}.lora_B"] = b.weight.detach()
    return out


def merge_lora(encoder: nn.Module, tensors: dict[str, Tensor], spec: dict[str, Any]) -> None:
    """Fold adapters into ``encoder``'s linear layers: ``W += (alpha / r) · B @ A`` (in fp32).

    Raises:
        ModelLoadError: an adapter names a module the encoder does not have, or shapes differ.
    """
    scaling = float(spec["alpha"]) / float(spec["r"])
    mods = dict(encoder.named_modules())
    with torch.no_grad():
        for key, a in tensors.items():
            if not key.endswith(".lora_A"):
                continue
            name = key[: -len(".lora_A")]
            b = tensors.get(name + ".lora_B")
            lin = mods.get(name)
            if b is None or not isinstance(lin, nn.Linear):
                raise ModelLoadError(f"adapter {name!r} does not match the base encoder (no such linear layer).")
            delta = b.float() @ a.float()
            if delta.shape != lin.weight.shape:
                raise ModelLoadError(
                    f"adapter {name!r} has shape {tuple(delta.shape)}, the layer {tuple(lin.weight.shape)}: "
                    "the model was trained on a different base encoder."
                )
            lin.weight += (scaling * delta).to(lin.weight.dtype)
