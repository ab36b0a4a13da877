"""Argument Annotated Essays, sentence level (Stab & Gurevych 2017; Eger et al. 2018).

Two line-aligned files: ``argMinPE.en`` (lower-cased tokens, each suffixed ``_en``; the suffix is
stripped and tokens joined by spaces) and ``labels`` (MajorClaim, Claim, Premise, O). Label map:
MajorClaim, Claim → claim; Premise, O → not_claim; ``component`` keeps the original label.
Essay boundaries and the official split are not marked, so stancekit splits by position, in
contiguous blocks to keep essays together: **lines 1–80% train, the next 10% dev, the last 10%
test** (indices ``floor(n*0.8)`` and ``floor(n*0.9)``; only the essays at the two cut points straddle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import claim_features, map_label, require_file, row_error, to_dataset
from stancekit.errors import DatasetError

LABELS: dict[Any, str] = {"MajorClaim": "claim", "Claim": "claim", "Premise": "not_claim", "O": "not_claim"}
TEXT_FILE = "argMinPE.en"
LABEL_FILE = "labels"
FEATURES = claim_features({"component": datasets.Value("string")})


def split_bounds(n: int) -> dict[str, tuple[int, int]]:
    """Line-index ranges ``[lo, hi)`` of train, dev and test for a file of ``n`` sentences."""
    a, b = int(n * 0.8), int(n * 0.9)
    return {"train": (0, a), "dev": (a, b), "test": (b, n)}


def read(path: Path, split: str | None, name: str = "aae-sentences") -> datasets.Dataset:
    """Read the folder holding ``argMinPE.en`` and ``labels`` (or the ``argMinPE.en`` file itself)."""
    folder = path if path.is_dir() else path.parent
    text_path = require_file(folder / TEXT_FILE if path.is_dir() else path, name)
    label_path = require_file(folder / LABEL_FILE, name)
    texts = text_path.read_text(encoding="utf-8").splitlines()
    labels = label_path.read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise DatasetError(f"{name}: {text_path} has {len(texts)} lines but {label_path} has {len(labels)}; "
                           "the two files must be line-aligned.")
    bounds = split_bounds(len(texts))
    if split is not None and split not in bounds:
        raise DatasetError(f"{name}: no split {split!r}; choose one of {sorted(bounds)}.")
    rows: list[dict[str, Any]] = []
    for s, (lo, hi) in bounds.items():
        if split is not None and s != split:
            continue
        for i in range(lo, hi):
            toks = texts[i].split()
            if not toks or any(not t.endswith("_en") for t in toks):
                raise row_error(text_path, i + 1, "tokens each suffixed '_en'", texts[i])
            comp = labels[i].strip()
            rows.append(
                {
                    "id": str(i + 1),
                    "text": " ".join(t[:-3] for t in toks),
                    "label": map_label(comp, LABELS, label_path, i + 1, "label"),
                    "dataset": name,
                    "split": s,
                    "component": comp,
                }
            )
    return to_dataset(rows, FEATURES)
