"""VAST (Allaway & McKeown, EMNLP 2020): zero/few-shot stance of NYT comments toward free-text topics.

Two CSV formats, detected from the header: the original (``post``, ``topic_str``, ``label``,
``seen?``, … — train inside ``vast_train.zip``, and the sentswap challenge file) and the 4-column
reduction of dev/test (``Tweet``, ``Target``, ``Stance``, ``seen?``). The target is the
lemmatised ``topic_str`` in both (the reduced files carry only that form). Label map:
0 (con) → against, 1 (pro) → favor, 2 (neutral) → neutral. ``shot`` is ``few`` when ``seen?`` = 1
(the topic occurs in train) and ``zero`` when 0.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import find_target, map_label, require_file, row_error, stance_features, to_dataset
from stancekit.errors import DatasetError

LABELS: dict[Any, str] = {"0": "against", "1": "favor", "2": "neutral"}
SHOTS: dict[Any, str] = {"0": "zero", "1": "few"}
FEATURES = stance_features(
    {
        "shot": datasets.Value("string"),
        "topic": datasets.Value("string"),
        "type_idx": datasets.Value("int32"),
    }
)


def _parse(fh: io.TextIOBase, where: str, split: str, name: str) -> list[dict[str, Any]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(fh)
    cols = set(reader.fieldnames or [])
    if {"post", "topic_str", "label", "seen?"} <= cols:
        text_c, target_c, label_c = "post", "topic_str", "label"
    elif {"Tweet", "Target", "Stance", "seen?"} <= cols:
        text_c, target_c, label_c = "Tweet", "Target", "Stance"
    else:
        raise row_error(where, 1, "a VAST header (post, topic_str, label, seen? — or Tweet, Target, Stance, seen?)",
                        ",".join(reader.fieldnames or []))
    rows: list[dict[str, Any]] = []
    for k, rec in enumerate(reader):
        no = reader.line_num
        if None in rec or any(rec.get(c) is None for c in (text_c, target_c, label_c, "seen?")):
            raise row_error(where, no, f"{len(cols)} fields", rec)
        target = rec[target_c].strip()
        start, end = find_target(rec[text_c], [target])
        type_idx = rec.get("type_idx") or "-1"
        rows.append(
            {
                "id": rec.get("new_id") or f"{Path(where).stem}:{k}",
                "text": rec[text_c],
                "target": target,
                "target_start": start,
                "target_end": end,
                "label": map_label(rec[label_c].strip(), LABELS, where, no, label_c),
                "dataset": name,
                "split": split,
                "shot": map_label(rec["seen?"].strip(), SHOTS, where, no, "seen?"),
                "topic": (rec.get("new_topic") or target).strip(),
                "type_idx": int(float(type_idx)) if type_idx.strip().lstrip("-").replace(".", "", 1).isdigit() else -1,
            }
        )
    return rows


def read(path: Path, split: str | None, name: str = "vast") -> datasets.Dataset:
    """Read a VAST CSV (either format) or a zip holding one CSV."""
    require_file(path, name)
    split = split or path.stem
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.endswith(".csv") and not n.startswith("__MACOSX")]
            if len(members) != 1:
                raise DatasetError(f"{name}: expected one .csv inside {path}, found {members}.")
            with zf.open(members[0]) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
                return to_dataset(_parse(fh, f"{path}::{members[0]}", split, name), FEATURES)
    with open(path, encoding="utf-8", newline="") as fh:
        return to_dataset(_parse(fh, str(path), split, name), FEATURES)
