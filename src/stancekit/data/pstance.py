"""P-Stance (Li et al., Findings ACL 2021): tweet stance toward Donald Trump, Joe Biden, Bernie Sanders.

Files ``raw_{train,val,test}_{trump,biden,bernie}.csv`` with columns ``Tweet, Target, Stance``.
Label map: FAVOR → favor, AGAINST → against, NONE → neutral. ``pstance`` is the standard binary
benchmark (NONE rows dropped); ``pstance-all`` keeps them as neutral. ``target_start``/``target_end``:
the first whole-word, case-insensitive match of the full name, else the surname, else null.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import find_target, map_label, require_file, row_error, stance_features, to_dataset

LABELS: dict[Any, str] = {"FAVOR": "favor", "AGAINST": "against", "NONE": "neutral"}
TARGET_FILES = ("trump", "biden", "bernie")
FEATURES = stance_features()


def read_file(path: Path, split: str, name: str, binary: bool) -> list[dict[str, Any]]:
    """Rows of one P-Stance CSV."""
    require_file(path, name)
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"Tweet", "Target", "Stance"} <= set(reader.fieldnames):
            raise row_error(path, 1, "a header with Tweet, Target, Stance", ",".join(reader.fieldnames or []))
        for k, rec in enumerate(reader):
            no = reader.line_num
            if None in rec or any(rec[c] is None for c in ("Tweet", "Target", "Stance")):
                raise row_error(path, no, "3 fields (Tweet, Target, Stance)", rec)
            label = map_label(rec["Stance"].strip(), LABELS, path, no, "Stance")
            if binary and label == "neutral":
                continue
            target = rec["Target"].strip()
            start, end = find_target(rec["Tweet"], [target, target.split()[-1] if target else ""])
            rows.append(
                {
                    "id": f"{path.stem}:{k}",
                    "text": rec["Tweet"],
                    "target": target,
                    "target_start": start,
                    "target_end": end,
                    "label": label,
                    "dataset": name,
                    "split": split,
                }
            )
    return rows


def read(path: Path, split: str | None, name: str = "pstance", binary: bool = True) -> datasets.Dataset:
    """Read one CSV, or a folder's three per-target files of ``split`` (train, val, test)."""
    if path.is_dir():
        split = split or "test"
        rows: list[dict[str, Any]] = []
        for t in TARGET_FILES:
            rows += read_file(path / f"raw_{split}_{t}.csv", split, name, binary)
        return to_dataset(rows, FEATURES)
    return to_dataset(read_file(path, split or path.stem, name, binary), FEATURES)
