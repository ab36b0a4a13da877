"""Shared helpers of the loaders: file checks, row errors, schemas and label maps.

Every loader turns its set's own file format into one of four schemas (stance, claim, mentions,
articles); the column lists below are the contract the training loop and the evaluation read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import datasets

from stancekit.errors import DatasetError

#: Columns every stance set has (extras follow them).
STANCE_COLUMNS: tuple[str, ...] = (
    "id",
    "text",
    "target",
    "target_start",
    "target_end",
    "label",
    "dataset",
    "split",
)
#: Columns every claim set has (``speaker`` and ``component`` where the set has them).
CLAIM_COLUMNS: tuple[str, ...] = ("id", "text", "label", "dataset", "split")
#: Columns every mention-tagging set has (``source_tags`` keeps the set's own tags).
MENTION_COLUMNS: tuple[str, ...] = ("id", "tokens", "tags", "dataset", "split")
#: Columns of the article-level set (PerSenT).
ARTICLE_COLUMNS: tuple[str, ...] = ("id", "text", "actor", "label", "dataset", "split")

# The label sets are defined once, in stancekit.labels.
from stancekit.labels import CLAIM_LABELS, STANCE_LABELS, TAG_LABELS  # noqa: E402,F401


def stance_features(extra: dict[str, Any] | None = None) -> datasets.Features:
    """The features of a stance set: :data:`STANCE_COLUMNS` then the set's ``extra`` columns."""
    f = {
        "id": datasets.Value("string"),
        "text": datasets.Value("string"),
        "target": datasets.Value("string"),
        "target_start": datasets.Value("int32"),
        "target_end": datasets.Value("int32"),
        "label": datasets.Value("string"),
        "dataset": datasets.Value("string"),
        "split": datasets.Value("string"),
    }
    f.update(extra or {})
    return datasets.Features(f)


def claim_features(extra: dict[str, Any] | None = None) -> datasets.Features:
    """The features of a claim set: :data:`CLAIM_COLUMNS` then the set's ``extra`` columns."""
    f = {k: datasets.Value("string") for k in CLAIM_COLUMNS}
    f.update(extra or {})
    return datasets.Features(f)


def mention_features() -> datasets.Features:
    """The features of a mention-tagging set."""
    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "tags": datasets.Sequence(datasets.Value("string")),
            "source_tags": datasets.Sequence(datasets.Value("string")),
            "dataset": datasets.Value("string"),
            "split": datasets.Value("string"),
        }
    )


def require_file(path: Path, dataset: str) -> Path:
    """Return ``path`` if it is a file, else raise :class:`DatasetError` naming the path and the set."""
    if not path.is_file():
        raise DatasetError(
            f"{dataset}: file {path} not found. Point STANCEKIT_DATA (or --data-dir) at the folder "
            f"holding the labelled sets, or pass path= to the file."
        )
    return path


def row_error(path: Path | str, line: int, expected: str, got: Any) -> DatasetError:
    """A :class:`DatasetError` for one malformed row: file, line, what was expected, a snippet of what was found."""
    snippet = got if isinstance(got, str) else repr(got)
    if len(snippet) > 120:
        snippet = snippet[:117] + "..."
    return DatasetError(f"{path}:{line}: expected {expected}, got {snippet!r}. Fix or remove that row.")


def map_label(value: Any, mapping: dict[Any, str], path: Path | str, line: int, what: str) -> str:
    """Map one label of a set to ours, or raise a row error listing the labels the set allows."""
    try:
        return mapping[value]
    except (KeyError, TypeError):
        raise row_error(path, line, f"{what} in {sorted(map(str, mapping))}", value) from None


def find_target(text: str, candidates: Sequence[str]) -> tuple[int | None, int | None]:
    """Character offsets of the first candidate found in ``text`` (case-insensitive, whole words), else (None, None).

    Candidates are tried in order, so put the full name before shorter forms.
    """
    for cand in candidates:
        cand = cand.strip()
        if not cand:
            continue
        m = re.search(r"(?<!\w)" + re.escape(cand) + r"(?!\w)", text, flags=re.IGNORECASE)
        if m:
            return m.start(), m.end()
    return None, None


def to_dataset(rows: Iterable[dict[str, Any]], features: datasets.Features) -> datasets.Dataset:
    """Build an in-memory :class:`datasets.Dataset` with the given features (no cache files written)."""
    rows = list(rows)
    if not rows:
        return datasets.Dataset.from_dict({k: [] for k in features}, features=features)
    return datasets.Dataset.from_list(rows, features=features)


def read_conll(path: Path, dataset: str, *, token_col: int, tag_col: int, ncols: int | None,
               sep: str | None) -> list[tuple[int, list[str], list[str]]]:
    """Read a one-token-per-line file with blank lines between sentences.

    Returns ``(first_line_number, tokens, tags)`` per sentence. ``ncols`` (when given) is the
    exact number of columns a token line must have; ``sep=None`` splits on any whitespace.
    """
    require_file(path, dataset)
    out: list[tuple[int, list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    first = 0
    with open(path, encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    out.append((first, tokens, tags))
                    tokens, tags = [], []
                continue
            if line.startswith("-DOCSTART-"):
                continue
            parts = line.split(sep) if sep else line.split()
            if (ncols is not None and len(parts) != ncols) or len(parts) <= max(token_col, tag_col):
                want = ncols if ncols is not None else max(token_col, tag_col) + 1
                raise row_error(path, no, f"{want} columns (token ... tag)", line)
            tag = parts[tag_col]
            if not (tag == "O" or tag[:2] in ("B-", "I-")):
                raise row_error(path, no, "an IOB2 tag (O, B-X or I-X) in the last column", line)
            if not tokens:
                first = no
            tokens.append(parts[token_col])
            tags.append(tag)
    if tokens:
        out.append((first, tokens, tags))
    return out


def map_tags(tags: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """Map IOB2 tags entity type by type (``mapping``: source type → PER/ORG/LOC/GRP, absent → O).

    An ``I-`` whose previous mapped tag is not of the same type becomes ``B-`` (IOB2 repair).
    """
    out: list[str] = []
    for tag in tags:
        if tag == "O":
            out.append("O")
            continue
        prefix, typ = tag[:2], tag[2:]
        new = mapping.get(typ)
        if new is None:
            out.append("O")
            continue
        if prefix == "I-" and not (out and out[-1] in (f"B-{new}", f"I-{new}")):
            prefix = "B-"
        out.append(prefix + new)
    return out
