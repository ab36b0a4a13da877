"""Save and load a stancekit model directory.

A model directory holds:

* ``config.json`` — the encoder's own transformers config, plus a ``"stancekit"`` key with the
  :class:`~stancekit.modeling.ModelConfig` (label sets, heads, input forms, max length, base
  encoder, format version and the versions of stancekit / transformers / torch that wrote it);
* ``model.safetensors`` — the encoder's weights under the names ``transformers.AutoModel`` expects,
  and the heads' weights under the ``stancekit_heads.`` prefix (``AutoModel`` ignores them). No pickle.
* the tokenizer files, and a ``README.md`` model card.

>>> save(model, tokenizer, "my-model")                 # doctest: +SKIP
>>> model, tokenizer = load_model("my-model")          # doctest: +SKIP
>>> encoder = transformers.AutoModel.from_pretrained("my-model")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from stancekit.errors import ModelLoadError
from stancekit.modeling import CONFIG_FORMAT_VERSION, ModelConfig, StanceModel

__all__ = ["ModelCard", "save", "load_model", "default_model_path", "resolve_device", "RustTokenizer"]

#: The shipped default model: ``models/<name>`` in the repository, ``stancekit/models/<name>`` in the package.
DEFAULT_MODEL_NAME = "stancekit-news-small"
WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"


@dataclass
class ModelCard:
    """The model card written as ``README.md`` next to the weights.

    Attributes:
        name: model name (the directory name by convention).
        description: one paragraph on what the model does.
        training_command: the exact command that trained it.
        data: the training sets and how they were sampled.
        seed: the training seed.
        dev_scores: metric name → value, measured on the dev splits.
        limits: known weaknesses.
        notes: anything else (measurements behind design choices, timings).
    """

    name: str
    description: str = ""
    training_command: str = ""
    data: list[str] = field(default_factory=list)
    seed: int | None = None
    dev_scores: dict[str, float] = field(default_factory=dict)
    limits: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self, config: ModelConfig) -> str:
        """The card as Markdown."""
        lines = [f"# {self.name}", "", self.description, ""]
        lines += [
            "## Model",
            "",
            f"- Base encoder: `{config.base_encoder}` (hidden size {config.hidden_size})",
            f"- Heads: {', '.join(config.heads)}; stance pooling: mention tokens + unit mean"
            + (" + mention→unit attention" if config.stance_attention else ""),
            f"- Max length: {config.max_length} tokens",
            f"- Labels: stance {list(config.stance_labels)}, claim {list(config.claim_labels)}, "
            f"tags {list(config.tag_labels)}",
            "- Input forms: " + "; ".join(f"`{k}`: {v}" for k, v in config.input_forms.items()),
            f"- Written by: {', '.join(f'{k} {v}' for k, v in config.versions.items())}",
            "",
        ]
        if self.training_command:
            lines += ["## Training", "", "```", self.training_command, "```", ""]
            if self.seed is not None:
                lines += [f"Seed: {self.seed}", ""]
        if self.data:
            lines += ["## Data", ""] + [f"- {d}" for d in self.data] + [""]
        if self.dev_scores:
            lines += ["## Dev scores", "", "| metric | value |", "|---|---:|"]
            lines += [f"| {k} | {v:.4f} |" for k, v in self.dev_scores.items()] + [""]
        if self.limits:
            lines += ["## Limits", ""] + [f"- {x}" for x in self.limits] + [""]
        if self.notes:
            lines += ["## Notes", ""] + [f"- {x}" for x in self.notes] + [""]
        return "\n".join(lines)


def _versions() -> dict[str, str]:
    import transformers

    from stancekit import __version__

    return {"stancekit": __version__, "transformers": transformers.__version__, "torch": torch.__version__}


def default_model_path() -> Path:
    """Where :func:`load_model` looks when given no path.

    ``$STANCEKIT_MODEL`` if set, else the model shipped inside the installed package
    (``stancekit/models/stancekit-news-small``: in a source checkout a link to ``models/stancekit-news-small``,
    in a wheel a copy of it), so ``pip install stancekit`` and ``pip install -e .`` find the same model.
    """
    env = os.environ.get("STANCEKIT_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "models" / DEFAULT_MODEL_NAME


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → ``cuda`` if available else ``cpu``; an unavailable CUDA device raises :class:`DeviceError`.

    The one implementation lives in :mod:`stancekit.inference`, which owns devices at eval time.
    """
    from stancekit.inference import _resolve_device

    return _resolve_device(device)


def save(
    model: StanceModel,
    tokenizer: Any,
    path: str | os.PathLike[str],
    card: ModelCard | None = None,
    *,
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Write ``model`` and ``tokenizer`` as a model directory at ``path`` (created if needed).

    Args:
        model: the :class:`StanceModel`.
        tokenizer: its (fast) tokenizer.
        path: the output directory.
        card: the model card; a minimal one is written if ``None``.
        dtype: storage dtype of floating-point weights (``torch.float16`` halves the size).

    Returns:
        The directory path.
    """
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    model.config.versions = _versions()
    model.config.format_version = CONFIG_FORMAT_VERSION
    from stancekit.adapters import PREFIX, base_encoder_of, lora_tensors

    cfg = base_encoder_of(model.encoder).config.to_dict()
    cfg.pop("dtype", None)
    cfg.pop("torch_dtype", None)
    cfg["stancekit"] = model.config.to_dict()
    tensors: dict[str, torch.Tensor] = {}
    if model.config.lora:  # adapters and heads only; the base encoder is resolved at load
        state = {**{PREFIX + k: v for k, v in lora_tensors(model).items()}, **model.head_state_dict()}
    else:
        state = {**model.encoder.state_dict(), **model.head_state_dict()}
    for k, v in state.items():
        t = v.detach().to("cpu")
        if t.is_floating_point():
            t = t.to(dtype)
        tensors[k] = t.contiguous().clone()
    save_file(tensors, str(out / WEIGHTS_NAME), metadata={"format": "pt"})
    (out / CONFIG_NAME).write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tokenizer.save_pretrained(str(out))
    card = card or ModelCard(name=out.name, description="A stancekit model.")
    (out / "README.md").write_text(card.render(model.config), encoding="utf-8")
    return out


def _check_dir(path: Path) -> dict[str, Any]:
    if not path.is_dir():
        raise ModelLoadError(
            f"{path} is not a stancekit model directory: it does not exist or is not a directory. "
            "Pass the directory written by stancekit.serialization.save (or `stancekit train -o DIR`)."
        )
    missing = [n for n in (CONFIG_NAME, WEIGHTS_NAME) if not (path / n).is_file()]
    if missing:
        found = sorted(p.name for p in path.iterdir())[:10]
        raise ModelLoadError(
            f"{path} is not a stancekit model: expected config.json and model.safetensors, missing "
            f"{missing}, found {found}. Save models with stancekit.serialization.save(model, tokenizer, path)."
        )
    try:
        cfg = json.loads((path / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelLoadError(
            f"{path / CONFIG_NAME} is not valid JSON ({err}). Re-save the model or restore config.json."
        ) from err
    sk = cfg.get("stancekit") if isinstance(cfg, dict) else None
    if not isinstance(sk, dict):
        raise ModelLoadError(
            f"{path / CONFIG_NAME} has no 'stancekit' section: this is a plain transformers model, not a "
            "stancekit model. Fine-tune it with `stancekit train` or load a stancekit model directory."
        )
    _check_fields(sk, path / CONFIG_NAME)
    _check_tokenizer_files(path)
    version = str(sk.get("format_version", "?"))
    if version.split(".")[0] != CONFIG_FORMAT_VERSION.split(".")[0]:
        writer = sk.get("versions", {}).get("stancekit", "an unknown stancekit version")
        raise ModelLoadError(
            f"{path} was written with model format {version} (by {writer}); this stancekit reads format "
            f"{CONFIG_FORMAT_VERSION}. Load it with the stancekit version that wrote it, or retrain/re-save it."
        )
    return cfg


#: Any one of these makes a tokenizer (a fast ``tokenizer.json``, a WordPiece ``vocab.txt``, a BPE
#: pair, a SentencePiece model). Without them transformers silently builds a tokenizer of five
#: special tokens that reads every word as ``[UNK]`` (issue 16), so their absence is an error.
_TOKENIZER_SETS: tuple[tuple[str, ...], ...] = (
    ("tokenizer.json",),
    ("vocab.txt",),
    ("vocab.json", "merges.txt"),
    ("spiece.model",),
    ("sentencepiece.bpe.model",),
)
#: A real vocabulary has thousands of entries; fewer than this means the tokenizer is not the model's.
_MIN_VOCAB = 100


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, tuple):
        return "a list of strings"
    return "a JSON object"


def _fits(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, tuple):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return True


def _check_fields(sk: dict[str, Any], config_path: Path) -> None:
    """Type-check every known field of ``config.json["stancekit"]`` against :class:`ModelConfig`.

    The expected kind comes from each field's default, so a field added to ModelConfig is checked
    too. Unknown keys are ignored (forward compatible), as in :meth:`ModelConfig.from_dict`.
    """
    for f in dataclasses.fields(ModelConfig):
        if f.name not in sk:
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
        value = sk[f.name]
        if not _fits(value, default):
            shown = json.dumps(value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ModelLoadError(
                f"{config_path}: field 'stancekit.{f.name}' must be {_kind(default)}, got {shown} "
                f"({type(value).__name__}). Restore config.json from the model's source or re-save the model "
                "with stancekit.serialization.save."
            )
    max_length = sk.get("max_length")
    if isinstance(max_length, int) and max_length < 8:
        raise ModelLoadError(
            f"{config_path}: field 'stancekit.max_length' must be at least 8 tokens, got {max_length}. "
            "Restore config.json from the model's source."
        )


def _check_tokenizer_files(path: Path) -> None:
    if any(all((path / n).is_file() for n in group) for group in _TOKENIZER_SETS):
        return
    found = sorted(p.name for p in path.iterdir())[:10]
    raise ModelLoadError(
        f"{path} has no tokenizer files (expected tokenizer.json or vocab.txt; found {found}). Without them "
        "every word would read as [UNK]. Copy the model directory again, or re-save it with "
        "stancekit.serialization.save(model, tokenizer, path)."
    )


def _load_weights(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path / WEIGHTS_NAME))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        size = (path / WEIGHTS_NAME).stat().st_size
        raise ModelLoadError(
            f"{path / WEIGHTS_NAME} ({size} bytes) cannot be read as safetensors: {err}. The file is probably "
            "truncated or corrupted; copy or download the model directory again."
        ) from err


def _missing_default(path: Path) -> ModelLoadError:
    if os.environ.get("STANCEKIT_MODEL"):
        where = f"$STANCEKIT_MODEL={path}"
        fix = "Point STANCEKIT_MODEL at a stancekit model directory, or unset it to use the shipped model."
    else:
        where = str(path)
        fix = (
            "The shipped model is part of the stancekit package: reinstall it from the repository "
            "(`pip install .` or a wheel built with `pip wheel .`), set STANCEKIT_MODEL, or pass a model directory."
        )
    return ModelLoadError(f"no stancekit model found: looked for the default model at {where}. {fix}")


def load_model(
    path: str | os.PathLike[str] | None = None, device: str = "cpu", *, inference: bool = False
) -> tuple[StanceModel, Any]:
    """Load a model directory as ``(model, tokenizer)``; the model is in eval mode, float32, on ``device``.

    Args:
        path: the model directory; ``None`` → :func:`default_model_path` (``$STANCEKIT_MODEL``, else the
            model shipped in the package). There is no fallback to untrained heads: a missing model raises.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``.
        inference: load for inference only, without importing ``transformers`` (it takes longer to
            import than torch): a BERT-family encoder runs as :class:`stancekit.bert.BertEncoder`
            on the file's tensors, and the tokenizer is the model's Rust tokenizer
            (:class:`RustTokenizer`). Other encoders, and directories without ``tokenizer.json``,
            load through ``transformers`` as usual. The model is not meant for training.

    Raises:
        ModelLoadError: not a model directory, unreadable or truncated weights, a config from an
            incompatible format version, or weights that do not match the config.
        DeviceError: CUDA requested but unavailable.
    """
    dev = resolve_device(device)
    if path is None:
        path = default_model_path()
        if not (path / CONFIG_NAME).is_file():
            raise _missing_default(path)
    p = Path(path)
    cfg = _check_dir(p)
    sk = ModelConfig.from_dict(cfg["stancekit"])
    weights = _load_weights(p)
    if sk.lora:  # adapters + heads: the base encoder comes from its package (stancekit.encoders)
        return _load_adapter_model(p, sk, weights, dev)
    if inference:
        fast = _load_for_inference(p, cfg, sk, weights)
        if fast is not None:
            _check_vocab(p, fast[1], weights)
            return fast[0].to(dev).eval(), fast[1]
    import transformers

    try:
        enc_cfg = transformers.AutoConfig.from_pretrained(str(p), local_files_only=True)
        encoder = transformers.AutoModel.from_config(enc_cfg)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ModelLoadError(
            f"{p / CONFIG_NAME}: the encoder config cannot be built ({err}). Re-save the model."
        ) from err
    model = StanceModel(encoder.float(), sk)
    prefix = StanceModel.HEAD_PREFIX
    enc_state = {k: v.float() if v.is_floating_point() else v for k, v in weights.items() if not k.startswith(prefix)}
    head_state = {k[len(prefix) :]: v.float() for k, v in weights.items() if k.startswith(prefix)}
    try:
        result = model.encoder.load_state_dict(enc_state, strict=False)
        # An encoder saved without its (unused) pooler gets none: AutoModel.from_config always adds one.
        missing = [k for k in result.missing_keys if not k.startswith("pooler.")]
        if missing or result.unexpected_keys:
            raise RuntimeError(f"missing keys {missing[:5]}, unexpected keys {result.unexpected_keys[:5]}")
        if result.missing_keys and getattr(model.encoder, "pooler", None) is not None:
            model.encoder.pooler = None  # type: ignore[assignment]
        model.load_head_state_dict(head_state)
    except RuntimeError as err:
        raise ModelLoadError(
            f"{p / WEIGHTS_NAME} does not match {p / CONFIG_NAME}: {str(err)[:300]}. Re-save the model with "
            "stancekit.serialization.save."
        ) from err
    tokenizer = _read_tokenizer(p, weights)
    return model.to(dev).eval(), tokenizer


def _read_tokenizer(path: Path, weights: dict[str, torch.Tensor]) -> Any:
    """The directory's tokenizer through ``transformers``, checked against the encoder's embeddings."""
    import transformers

    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, TypeError) as err:
        raise ModelLoadError(f"{path}: the tokenizer files cannot be read ({err}). Re-save the model.") from err
    _check_vocab(path, tokenizer, weights)
    return tokenizer


def _check_vocab(path: Path, tokenizer: Any, weights: dict[str, torch.Tensor]) -> None:
    """Refuse a tokenizer that cannot be this model's: a handful of tokens (every word ``[UNK]``) or
    more ids than the encoder has embeddings."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    vocab = backend.get_vocab_size(with_added_tokens=True) if backend is not None else len(tokenizer)
    rows = [int(v.shape[0]) for k, v in weights.items() if k.endswith("word_embeddings.weight") and v.dim() == 2]
    n_embeddings = rows[0] if rows else None
    if vocab < _MIN_VOCAB or (n_embeddings is not None and vocab > n_embeddings):
        raise ModelLoadError(
            f"{path}: the tokenizer has {vocab} tokens but the encoder embeds {n_embeddings}: the tokenizer files "
            "do not belong to this model. Copy the model directory again, or re-save it with "
            "stancekit.serialization.save(model, tokenizer, path)."
        )


class RustTokenizer:
    """A model directory's ``tokenizer.json`` through the ``tokenizers`` library alone: what
    :class:`~stancekit.inference.Engine` reads from a tokenizer, without importing ``transformers``.

    Attributes:
        backend_tokenizer: the ``tokenizers.Tokenizer``.
        cls_token_id / sep_token_id / pad_token_id: special token ids (``None`` if the model has none).
        bos_token_id / eos_token_id: ``None`` (BERT-family tokenizers have none).
    """

    def __init__(self, directory: Path, backend: Any, special: dict[str, int | None]) -> None:
        self.directory = directory
        self.backend_tokenizer = backend
        self.cls_token_id = special.get("cls_token")
        self.sep_token_id = special.get("sep_token")
        self.pad_token_id = special.get("pad_token")
        self.bos_token_id: int | None = None
        self.eos_token_id: int | None = None

    def __repr__(self) -> str:
        return f"RustTokenizer({str(self.directory)!r}, vocab_size={self.backend_tokenizer.get_vocab_size()})"

    def save_pretrained(self, path: str | os.PathLike[str]) -> None:
        """Copy the tokenizer files next to a saved model (what :func:`save` calls)."""
        import shutil

        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        for name in _TOKENIZER_FILES:
            src = self.directory / name
            if src.is_file() and src.resolve() != (out / name).resolve():
                shutil.copyfile(src, out / name)

    @classmethod
    def from_directory(cls, path: Path) -> RustTokenizer | None:
        """The tokenizer of a model directory, or ``None`` when it has no ``tokenizer.json`` or its
        special tokens are not all in ``tokenizer_config.json`` (then use ``transformers``).

        Raises:
            ModelLoadError: the files exist but cannot be read.
        """
        tj, tc = path / "tokenizer.json", path / "tokenizer_config.json"
        if not (tj.is_file() and tc.is_file()):
            return None
        from tokenizers import Tokenizer

        try:
            backend = Tokenizer.from_file(str(tj))
            conf = json.loads(tc.read_text(encoding="utf-8"))
        except Exception as err:  # tokenizers raises a bare Exception on a malformed file
            raise ModelLoadError(f"{path}: the tokenizer files cannot be read ({err}). Re-save the model.") from err
        special: dict[str, int | None] = {}
        for key in ("cls_token", "sep_token", "pad_token"):
            token = conf.get(key)
            if isinstance(token, dict):  # an AddedToken written as a dict
                token = token.get("content")
            if not isinstance(token, str) or backend.token_to_id(token) is None:
                return None
            special[key] = backend.token_to_id(token)
        return cls(path, backend, special)


_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def _load_for_inference(
    path: Path, cfg: dict[str, Any], sk: ModelConfig, weights: dict[str, torch.Tensor]
) -> tuple[StanceModel, RustTokenizer] | None:
    """The model built once, on the file's tensors converted to float32 once (no random init, no
    copy into freshly allocated parameters), or ``None`` when the encoder or tokenizer needs
    ``transformers``."""
    from stancekit import bert

    values = {k: v for k, v in cfg.items() if k != "stancekit"}
    if not bert.supports(values):
        return None
    tokenizer = RustTokenizer.from_directory(path)
    if tokenizer is None:
        return None
    tensors = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    prefix = StanceModel.HEAD_PREFIX
    try:
        with bert.uninitialised():  # parameters get the file's tensors below
            encoder = bert.BertEncoder(values)
            model = StanceModel(encoder, sk)
        encoder.load_weights({k: v for k, v in tensors.items() if not k.startswith(prefix)})
        model.heads.load_state_dict(
            {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}, strict=True, assign=True
        )
        unset = [k for k, v in model.state_dict().items() if v.is_meta]
        if unset:
            raise RuntimeError(f"no tensors for {unset[:5]}")
    except (RuntimeError, ValueError, KeyError, TypeError) as err:
        raise ModelLoadError(
            f"{path / WEIGHTS_NAME} does not match {path / CONFIG_NAME}: {str(err)[:300]}. Re-save the model with "
            "stancekit.serialization.save."
        ) from err
    return model, tokenizer


def _load_adapter_model(p: Path, sk: ModelConfig, weights: dict[str, torch.Tensor], dev: torch.device) -> tuple[
    StanceModel, Any
]:
    """An adapter model: resolve its base encoder by name and checksum, merge the adapters, load the heads."""
    import transformers

    from stancekit import encoders
    from stancekit.adapters import PREFIX, merge_lora

    base = encoders.resolve(sk.base_encoder, sk.base_sha256)
    encoder = transformers.AutoModel.from_pretrained(str(base), local_files_only=True).float()
    lora = {k[len(PREFIX) :]: v.float() for k, v in weights.items() if k.startswith(PREFIX)}
    assert sk.lora is not None
    merge_lora(encoder, lora, sk.lora)
    model = StanceModel(encoder, sk)
    model.lora_state = lora  # kept so that re-saving (export to fp16) writes the adapters again
    prefix = StanceModel.HEAD_PREFIX
    try:
        model.load_head_state_dict({k[len(prefix) :]: v.float() for k, v in weights.items() if k.startswith(prefix)})
    except RuntimeError as err:
        raise ModelLoadError(
            f"{p / WEIGHTS_NAME}: the heads do not match {p / CONFIG_NAME}: {str(err)[:300]}."
        ) from err
    embeddings = {k: v for k, v in encoder.state_dict().items() if k.endswith("word_embeddings.weight")}
    return model.to(dev).eval(), _read_tokenizer(p, embeddings)
