"""PerSenT (Bastan et al., COLING 2020): the author's sentiment toward the main person of a news article.

CSV with ``DOCUMENT_INDEX, TITLE, TARGET_ENTITY, DOCUMENT, MASKED_DOCUMENT, TRUE_SENTIMENT,
Paragraph0…Paragraph15``. Label map: Positive → favor, Negative → against, Neutral → neutral.
``paragraph_labels`` keeps the per-paragraph labels (mapped the same way; ``""`` where the set has
none), ``paragraphs`` the document split on newlines.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import map_label, require_file, row_error, to_dataset

LABELS: dict[Any, str] = {"Positive": "favor", "Negative": "against", "Neutral": "neutral"}
PARAGRAPH_COLUMNS = tuple(f"Paragraph{i}" for i in range(16))
COLUMNS = ("DOCUMENT_INDEX", "TITLE", "TARGET_ENTITY", "DOCUMENT", "TRUE_SENTIMENT")
FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "text": datasets.Value("string"),
        "actor": datasets.Value("string"),
        "label": datasets.Value("string"),
        "dataset": datasets.Value("string"),
        "split": datasets.Value("string"),
        "title": datasets.Value("string"),
        "paragraphs": datasets.Sequence(datasets.Value("string")),
        "paragraph_labels": datasets.Sequence(datasets.Value("string")),
    }
)


def read(path: Path, split: str | None, name: str = "persent") -> datasets.Dataset:
    """Read one PerSenT CSV (dev.csv, random_test.csv, fixed_test.csv, train.csv)."""
    require_file(path, name)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise row_error(path, 1, f"a header with {', '.join(COLUMNS)}", f"missing {missing}")
        pcols = [c for c in PARAGRAPH_COLUMNS if c in (reader.fieldnames or [])]
        for rec in reader:
            no = reader.line_num
            if None in rec or any(rec.get(c) is None for c in COLUMNS):
                raise row_error(path, no, f"{len(reader.fieldnames or [])} fields", rec)
            plabels = []
            for c in pcols:
                v = (rec.get(c) or "").strip()
                plabels.append(map_label(v, LABELS, path, no, c) if v else "")
            while plabels and plabels[-1] == "":
                plabels.pop()
            rows.append(
                {
                    "id": rec["DOCUMENT_INDEX"].strip(),
                    "text": rec["DOCUMENT"],
                    "actor": rec["TARGET_ENTITY"].strip(),
                    "label": map_label(rec["TRUE_SENTIMENT"].strip(), LABELS, path, no, "TRUE_SENTIMENT"),
                    "dataset": name,
                    "split": split or path.stem,
                    "title": rec["TITLE"],
                    "paragraphs": [p for p in rec["DOCUMENT"].split("\n") if p.strip()],
                    "paragraph_labels": plabels,
                }
            )
    return to_dataset(rows, FEATURES)
