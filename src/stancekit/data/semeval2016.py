"""SemEval-2016 Task 6 (Mohammad et al. 2016): tweet stance toward a target, from the organisers' zip.

Task A train = ``trainingdata`` + ``trialdata`` (the organisers allow the trial data for training);
test = ``testdata-taskA``; ``test-b`` = Task B (Donald Trump). Files are tab-separated, Latin-1,
header ``ID Target Tweet Stance Opinion towards Sentiment``. Label map: FAVOR → favor,
AGAINST → against, NONE → neutral. Targets are topics: ``target_start``/``target_end`` give the
first whole-word, case-insensitive occurrence of the target string in the tweet, else null.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import find_target, map_label, require_file, row_error, stance_features, to_dataset
from stancekit.errors import DatasetError

LABELS: dict[Any, str] = {"FAVOR": "favor", "AGAINST": "against", "NONE": "neutral"}
HEADER = ["ID", "Target", "Tweet", "Stance", "Opinion towards", "Sentiment"]
MEMBERS: dict[str, tuple[str, ...]] = {
    "train": ("trainingdata-all-annotations.txt", "trialdata-all-annotations.txt"),
    "test": ("testdata-taskA-all-annotations.txt",),
    "test-b": ("testdata-taskB-all-annotations.txt",),
}
FEATURES = stance_features(
    {"opinion_towards": datasets.Value("string"), "sentiment": datasets.Value("string")}
)


def _parse(text: str, where: str, split: str, name: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows: list[dict[str, Any]] = []
    for rec in reader:
        no = reader.line_num
        if no == 1:
            if [c.strip() for c in rec] != HEADER:
                raise row_error(where, no, "the header " + "\\t".join(HEADER), "\t".join(rec))
            continue
        if not rec or not "".join(rec).strip():
            continue
        if len(rec) != 6:
            raise row_error(where, no, "6 tab-separated fields (ID, Target, Tweet, Stance, Opinion towards, Sentiment)",
                            "\t".join(rec))
        rid, target, tweet, stance, opinion, sentiment = (c.strip() for c in rec)
        start, end = find_target(tweet, [target])
        rows.append(
            {
                "id": rid,
                "text": tweet,
                "target": target,
                "target_start": start,
                "target_end": end,
                "label": map_label(stance, LABELS, where, no, "Stance"),
                "dataset": name,
                "split": split,
                "opinion_towards": opinion,
                "sentiment": sentiment,
            }
        )
    return rows


def read(path: Path, split: str | None, name: str = "semeval2016") -> datasets.Dataset:
    """Read the organisers' zip (``split``: train, test, test-b; None → test) or one of its .txt files."""
    require_file(path, name)
    if zipfile.is_zipfile(path):
        split = split or "test"
        if split not in MEMBERS:
            raise DatasetError(f"{name}: no split {split!r} in {path}; choose one of {sorted(MEMBERS)}.")
        rows: list[dict[str, Any]] = []
        with zipfile.ZipFile(path) as zf:
            names = {Path(n).name: n for n in zf.namelist()}
            for member in MEMBERS[split]:
                if member not in names:
                    raise DatasetError(f"{name}: {path} has no member {member}; found {sorted(names)}.")
                text = zf.read(names[member]).decode("latin-1")
                rows += _parse(text, f"{path}::{names[member]}", split, name)
        return to_dataset(rows, FEATURES)
    text = path.read_bytes().decode("latin-1")
    return to_dataset(_parse(text, str(path), split or path.stem, name), FEATURES)
