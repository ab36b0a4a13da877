"""Your own labelled data: one generic file schema per task, in JSONL, CSV or Parquet.

``stancekit evaluate --task TASK --file FILE`` (:func:`stancekit.evaluation.evaluate` with ``task=``)
reads these columns (rename yours with ``columns=`` / ``--text-field`` and friends):

=========  ==============================================================================
task       columns
=========  ==============================================================================
stance     ``text``, ``target``, ``label`` (favor/against/neutral); optional ``target_start``
           and ``target_end`` (character offsets of the target in ``text``: the mention form;
           without them the pair form ``target [SEP] text`` is used)
claim      ``text``, ``label`` (claim/not_claim; also true/false, 1/0, yes/no)
mentions   ``tokens`` (a list of words), ``tags`` (BIO: O, B-PER, I-ORG, … with PER, ORG, LOC, GRP);
           JSONL or Parquet, since CSV has no lists
articles   ``text`` (a whole article), ``actor`` (the name it is about), ``label`` (the article's
           stance toward the actor)
=========  ==============================================================================

``label_map`` maps your labels to stancekit's (``{"pos": "favor", "neg": "against"}``); labels
already in stancekit's set pass through. A bad row raises :class:`DatasetError` with the file, the
line (JSONL/CSV; the row number for Parquet) and what was expected.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from stancekit.errors import DatasetError

__all__ = ["TASKS", "TASK_COLUMNS", "read_task_file"]

#: Required and optional columns of each task's generic schema.
TASK_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "stance": (("text", "target", "label"), ("target_start", "target_end")),
    "claim": (("text", "label"), ()),
    "mentions": (("tokens", "tags"), ()),
    "articles": (("text", "actor", "label"), ()),
}
TASKS: tuple[str, ...] = tuple(TASK_COLUMNS)
_LABELS: dict[str, tuple[str, ...]] = {
    "stance": ("favor", "against", "neutral"),
    "claim": ("not_claim", "claim"),
    "articles": ("favor", "against", "neutral"),
}
_CLAIM_ALIASES = {
    "true": "claim",
    "1": "claim",
    "yes": "claim",
    "false": "not_claim",
    "0": "not_claim",
    "no": "not_claim",
}
_TAG_TYPES = ("PER", "ORG", "LOC", "GRP")


def _rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(line or row number, record)`` of a .jsonl, .csv or .parquet file."""
    ext = path.suffix.lower()
    if ext == ".jsonl":
        with path.open(encoding="utf-8") as f:
            for no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as err:
                    raise DatasetError(f"{path}:{no}: expected a JSON object, got invalid JSON ({err.msg}).") from err
                if not isinstance(obj, dict):
                    raise DatasetError(f"{path}:{no}: expected a JSON object, got {type(obj).__name__}.")
                yield no, obj
    elif ext == ".csv":
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            for rec in reader:
                yield reader.line_num, rec
    elif ext == ".parquet":
        import pyarrow.parquet as pq

        no = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            for rec in batch.to_pylist():
                no += 1
                yield no, rec
    else:
        raise DatasetError(
            f"{path}: cannot read {ext or 'a file without suffix'!r}; pass a .jsonl, .csv or .parquet file."
        )


def _label(value: Any, task: str, label_map: Mapping[str, str], where: str) -> str:
    raw = str(value).strip()
    label = label_map.get(raw, raw)
    if task == "claim":
        label = _CLAIM_ALIASES.get(label.lower(), label)
    allowed = _LABELS[task]
    if label not in allowed:
        hint = f" (after label_map {dict(label_map)})" if label_map else "; map yours with label_map= / --label-map"
        raise DatasetError(f"{where}: expected label in {list(allowed)}, got {raw!r}{hint}.")
    return label


def read_task_file(
    task: str,
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    label_map: Mapping[str, str] | None = None,
) -> dict[str, list[Any]]:
    """Read a labelled file in the generic schema of ``task`` as columns (``{"text": [...], ...}``).

    Args:
        task: ``stance``, ``claim``, ``mentions`` or ``articles``.
        path: a ``.jsonl``, ``.csv`` or ``.parquet`` file.
        columns: stancekit column → your column, e.g. ``{"text": "tweet", "label": "stance"}``.
        label_map: your label → stancekit's, e.g. ``{"pos": "favor", "neg": "against", "none": "neutral"}``.

    Raises:
        DatasetError: unknown task, missing file, a missing column, a bad label or offsets that do not
            point into the text — naming the file, the line and what was expected.
    """
    if task not in TASK_COLUMNS:
        raise DatasetError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"{p.resolve()}: no such file. Pass a .jsonl, .csv or .parquet file with your labels.")
    required, optional = TASK_COLUMNS[task]
    names = {k: (columns or {}).get(k, k) for k in (*required, *optional)}
    lmap = dict(label_map or {})
    out: dict[str, list[Any]] = {k: [] for k in ("id", *required, *optional)}
    for no, rec in _rows(p):
        where = f"{p}:{no}"
        missing = [names[k] for k in required if rec.get(names[k]) in (None, "")]
        if missing:
            raise DatasetError(
                f"{where}: expected the {task} columns {[names[k] for k in required]}, missing {missing}; fields are: "
                f"{', '.join(map(str, rec))}. Map yours with columns= (--text-field, --target-field, --label-field, …)."
            )
        out["id"].append(str(rec.get("id", no)))
        if task == "mentions":
            tokens, tags = rec[names["tokens"]], rec[names["tags"]]
            if not isinstance(tokens, list) or not isinstance(tags, list) or len(tokens) != len(tags):
                raise DatasetError(
                    f"{where}: expected 'tokens' and 'tags' as lists of the same length, got {tokens!r}, {tags!r}."
                )
            bad = [t for t in tags if t != "O" and not (str(t)[:2] in ("B-", "I-") and str(t)[2:] in _TAG_TYPES)]
            if bad:
                raise DatasetError(f"{where}: expected BIO tags O, B-/I- + {'/'.join(_TAG_TYPES)}, got {bad[:3]}.")
            out["tokens"].append([str(t) for t in tokens])
            out["tags"].append([str(t) for t in tags])
            continue
        text = str(rec[names["text"]])
        out["text"].append(text)
        out["label"].append(_label(rec[names["label"]], task, lmap, where))
        if task in ("stance", "articles"):
            key = "target" if task == "stance" else "actor"
            out[key].append(str(rec[names[key]]))
        if task == "stance":
            s, e = rec.get(names["target_start"]), rec.get(names["target_end"])
            if s in (None, "") or e in (None, ""):
                out["target_start"].append(None)
                out["target_end"].append(None)
                continue
            try:
                si, ei = int(s), int(e)
            except (TypeError, ValueError) as err:
                raise DatasetError(f"{where}: expected integer target_start/target_end, got {s!r}, {e!r}.") from err
            if not 0 <= si < ei <= len(text):
                raise DatasetError(
                    f"{where}: target offsets [{si}, {ei}) are outside the text ({len(text)} characters)."
                )
            out["target_start"].append(si)
            out["target_end"].append(ei)
    n = len(out["id"])
    if n == 0:
        raise DatasetError(f"{p}: no rows. Expected one {task} example per line/row.")
    return {k: v for k, v in out.items() if len(v) == n}
