"""stancekit: claims, the actors they are about, and the stance toward each, in news and opinion writing.

>>> import stancekit
>>> nlp = stancekit.load()                       # doctest: +SKIP
>>> article = nlp("Russia's plan is a failure.")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stancekit.errors import DatasetError, DeviceError, InputError, ModelLoadError, StancekitError
from stancekit.types import Actor, ActorStance, Article, Claim, Mention, Target, TargetStance, Unit

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load",
    "evaluate",
    "train",
    "score",
    "compare",
    "read_scored",
    "Pipeline",
    "Article",
    "Unit",
    "Claim",
    "Actor",
    "ActorStance",
    "Mention",
    "Target",
    "TargetStance",
    "StancekitError",
    "InputError",
    "DatasetError",
    "ModelLoadError",
    "DeviceError",
]

if TYPE_CHECKING:
    from stancekit.evaluation import compare, evaluate
    from stancekit.pipeline import Pipeline
    from stancekit.scoring import read_scored, score
    from stancekit.training import train


def load(path: Any = None, *, device: str = "auto", **kwargs: Any) -> Pipeline:
    """Load a model directory (default: the shipped model) as a :class:`~stancekit.pipeline.Pipeline`.

    Torch and transformers are imported here, not at ``import stancekit``, so that the types and
    the CLI's ``--help`` stay fast.
    """
    from stancekit.pipeline import load as _load

    return _load(path, device=device, **kwargs)


_LAZY = {
    "evaluate": ("stancekit.evaluation", "evaluate"),
    "compare": ("stancekit.evaluation", "compare"),
    "train": ("stancekit.training", "train"),
    "score": ("stancekit.scoring", "score"),
    "read_scored": ("stancekit.scoring", "read_scored"),
    "Pipeline": ("stancekit.pipeline", "Pipeline"),
}


def __getattr__(name: str) -> Any:
    """``stancekit.evaluate``/``train``/``score``/``read_scored`` are the real functions, imported on first use
    (PEP 562), so ``import stancekit`` stays light and IDEs and type checkers see their real signatures."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stancekit' has no attribute {name!r}")
