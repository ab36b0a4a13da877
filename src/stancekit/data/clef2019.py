"""CLEF-2019 CheckThat! Task 1 (Atanasova et al. 2019): check-worthiness of debate and speech sentences.

Tab-separated, no header: ``line_number, speaker, text, label`` (CRLF in the test files).
Label map: 1 → claim, 0 → not_claim. A split is a folder of .tsv files (``training``,
``test_annotated``); any single .tsv file loads too. Extras: ``speaker``, ``debate`` (file stem),
``line_number``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import claim_features, map_label, require_file, row_error, to_dataset
from stancekit.errors import DatasetError

LABELS: dict[Any, str] = {"1": "claim", "0": "not_claim"}
FEATURES = claim_features(
    {"speaker": datasets.Value("string"), "debate": datasets.Value("string"), "line_number": datasets.Value("int32")}
)


def read_file(path: Path, split: str, name: str) -> list[dict[str, Any]]:
    """Rows of one debate file."""
    require_file(path, name)
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 4 or not parts[0].strip().isdigit():
                raise row_error(path, no, "4 tab-separated fields (line_number, speaker, text, label)", line)
            rows.append(
                {
                    "id": f"{path.stem}:{parts[0].strip()}",
                    "text": parts[2],
                    "label": map_label(parts[3].strip(), LABELS, path, no, "label"),
                    "dataset": name,
                    "split": split,
                    "speaker": parts[1].strip(),
                    "debate": path.stem,
                    "line_number": int(parts[0]),
                }
            )
    return rows


def read(path: Path, split: str | None, name: str = "clef2019") -> datasets.Dataset:
    """Read one .tsv file or a folder of them (sorted by name)."""
    if path.is_dir():
        files = sorted(path.glob("*.tsv"))
        if not files:
            raise DatasetError(f"{name}: no .tsv files in {path}. Pass the folder of debate files or one file.")
        rows: list[dict[str, Any]] = []
        for f in files:
            rows += read_file(f, split or path.name, name)
        return to_dataset(rows, FEATURES)
    return to_dataset(read_file(path, split or path.stem, name), FEATURES)
