"""Shared fixtures: a tiny model built in code (2 layers, 32 wide, seeded) with the base encoder's tokenizer.

No network and no real checkpoint: the encoder weights are random, so its predictions are
meaningless but deterministic; tests check shapes, contracts and round trips, not accuracy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def load_benchmark(name: str) -> Any:
    """Import ``benchmarks/<name>.py`` as a module (the benchmarks folder is not a package)."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_bench", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the file executes
    spec.loader.exec_module(mod)
    return mod


def build_tiny_model(seed: int = 0) -> tuple[Any, Any]:
    """A seeded 2-layer, 32-wide BERT encoder with fresh stancekit heads, and the base tokenizer."""
    import torch
    import transformers

    from stancekit.modeling import ModelConfig, StanceModel, base_encoder_path

    tokenizer = transformers.AutoTokenizer.from_pretrained(base_encoder_path(), local_files_only=True)
    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    encoder = transformers.BertModel(config, add_pooling_layer=False)
    model = StanceModel(encoder, ModelConfig(max_length=128, base_encoder="tiny-random-bert")).eval()
    return model, tokenizer


@pytest.fixture(scope="session")
def tiny_model() -> tuple[Any, Any]:
    """``(model, tokenizer)``: a tiny seeded :class:`~stancekit.modeling.StanceModel` in eval mode.

    Shared by the whole session: do not train or modify it in place (copy it with ``copy.deepcopy``).
    """
    return build_tiny_model()


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The :func:`tiny_model` saved as a model directory (``stancekit.serialization.save``)."""
    from stancekit.serialization import save

    model, tokenizer = tiny_model
    return save(model, tokenizer, tmp_path_factory.mktemp("tiny-model"))
