"""ClaimBuster (Arslan et al., ICWSM 2020): check-worthy factual sentences from US presidential debates.

JSON array of ``{"sentence_id", "label", "text"}``; label 1 (CFS) → claim, 0 (NCS) → not_claim.
The set has no fixed split (the paper uses k-fold cross-validation). stancekit's split is
deterministic and independent of file order: **dev = the sentences with ``sentence_id % 10 == 0``**,
train = all others (about 10% / 90%). ``claimbuster`` reads the 2.5×NCS file (``kfold_25ncs.json``),
``claimbuster-2x`` and ``claimbuster-3x`` the others. ``split=None`` on a file keeps every row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import claim_features, require_file, row_error, to_dataset
from stancekit.errors import DatasetError

LABELS: dict[Any, str] = {1: "claim", 0: "not_claim"}
DEV_MODULUS = 10
FEATURES = claim_features({"sentence_id": datasets.Value("int64")})


def split_of(sentence_id: int) -> str:
    """The stancekit split of a ClaimBuster sentence: ``dev`` when ``sentence_id % 10 == 0``, else ``train``."""
    return "dev" if sentence_id % DEV_MODULUS == 0 else "train"


def read(path: Path, split: str | None, name: str = "claimbuster") -> datasets.Dataset:
    """Read a ClaimBuster JSON file; ``split`` (train or dev) selects the deterministic fold, None keeps all."""
    require_file(path, name)
    if split not in (None, "train", "dev"):
        raise DatasetError(f"{name}: no split {split!r}; choose train or dev (dev = sentence_id % 10 == 0).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise row_error(path, err.lineno, "a JSON array of {sentence_id, label, text} objects", err.msg) from err
    if not isinstance(data, list):
        raise row_error(path, 1, "a JSON array of {sentence_id, label, text} objects", type(data).__name__)
    rows: list[dict[str, Any]] = []
    for k, obj in enumerate(data):
        where = f"item {k}"
        if not isinstance(obj, dict) or not isinstance(obj.get("sentence_id"), int) or not isinstance(
            obj.get("text"), str
        ):
            raise DatasetError(f"{path}:{where}: expected an object with integer 'sentence_id', 'label' and "
                               f"string 'text', got {str(obj)[:120]!r}. Fix or remove that item.")
        fold = split_of(obj["sentence_id"])
        if split is not None and fold != split:
            continue
        rows.append(
            {
                "id": str(obj["sentence_id"]),
                "text": obj["text"],
                "label": _label(path, where, obj.get("label")),
                "dataset": name,
                "split": split or fold,
                "sentence_id": obj["sentence_id"],
            }
        )
    return to_dataset(rows, FEATURES)


def _label(path: Path, where: str, label: Any) -> str:
    if isinstance(label, int) and not isinstance(label, bool) and label in LABELS:
        return LABELS[label]
    raise DatasetError(f"{path}:{where}: expected label 0 or 1, got {label!r}. Fix or remove that item.")
