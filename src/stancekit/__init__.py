"""stancekit: claims, the actors they are about, and the stance toward each, in news and opinion writing.

>>> import stancekit
>>> nlp = stancekit.load()                       # doctest: +SKIP
>>> article = nlp("Russia's plan is a failure.")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stancekit.errors import DatasetError, DeviceError, InputError, ModelLoadError, StancekitError
from stancekit.types import Actor, ActorStance, Article, Claim, Mention, Unit

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load",
    "evaluate",
    "train",
    "score",
    "Article",
    "Unit",
    "Claim",
    "Actor",
    "ActorStance",
    "Mention",
    "StancekitError",
    "InputError",
    "DatasetError",
    "ModelLoadError",
    "DeviceError",
]

if TYPE_CHECKING:
    from stancekit.pipeline import Pipeline


def load(path: Any = None, *, device: str = "auto", **kwargs: Any) -> Pipeline:
    """Load a model directory (default: the shipped model) as a :class:`~stancekit.pipeline.Pipeline`.

    Torch and transformers are imported here, not at ``import stancekit``, so that the types and
    the CLI's ``--help`` stay fast.
    """
    from stancekit.pipeline import load as _load

    return _load(path, device=device, **kwargs)


def evaluate(*args: Any, **kwargs: Any) -> Any:
    """Score a model on a labelled file; see :func:`stancekit.evaluation.evaluate`."""
    from stancekit.evaluation import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


def train(*args: Any, **kwargs: Any) -> Any:
    """Fine-tune a model from a config; see :func:`stancekit.training.train`."""
    from stancekit.training import train as _train

    return _train(*args, **kwargs)


def score(*args: Any, **kwargs: Any) -> Any:
    """Score a corpus to files, resumably; see :func:`stancekit.scoring.score`."""
    from stancekit.scoring import score as _score

    return _score(*args, **kwargs)
