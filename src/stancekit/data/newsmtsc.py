"""NewsMTSC (Hamborg & Donnay, EACL 2021): sentiment toward persons in US political news sentences.

Both layouts load, detected per line: the grouped layout (one sentence per line with
``targets``, polarity 2.0/4.0/6.0, optional ``further_mentions``) and the flat per-target layout
(``mention``, ``polarity`` −1/0/1, ``from``, ``to``, ``sentence``, ``id``).
Label map: negative → against, neutral → neutral, positive → favor. One row per target;
``other_spans`` holds the target's further mentions (automatic coreferences, grouped layout only)
as ``[start, end]`` pairs into ``text``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import map_label, require_file, row_error, stance_features, to_dataset

GROUPED_LABELS: dict[Any, str] = {2.0: "against", 4.0: "neutral", 6.0: "favor"}
FLAT_LABELS: dict[Any, str] = {-1: "against", 0: "neutral", 1: "favor"}

FEATURES = stance_features(
    {
        "sentence_id": datasets.Value("string"),
        "other_spans": datasets.Sequence(datasets.Sequence(datasets.Value("int32"))),
    }
)


def _span(text: str, start: Any, end: Any, path: Path, no: int, mention: Any) -> tuple[int, int]:
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        raise row_error(path, no, "integer offsets 0 <= from <= to <= len(sentence)", f"from={start}, to={end}")
    if mention is not None and text[start:end] != mention:
        raise row_error(path, no, f"sentence[{start}:{end}] == mention {mention!r}", text[start:end])
    return start, end


def read(path: Path, split: str | None, name: str = "newsmtsc") -> datasets.Dataset:
    """Read one NewsMTSC jsonl file (either layout) into the stance schema."""
    require_file(path, name)
    split_name = split or path.stem
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise row_error(path, no, "a JSON object", line.strip()) from None
            if isinstance(obj, dict) and "targets" in obj and "sentence_normalized" in obj:
                text = obj["sentence_normalized"]
                if not isinstance(text, str) or not isinstance(obj["targets"], list):
                    raise row_error(path, no, "'sentence_normalized' string and 'targets' list", line.strip())
                for k, t in enumerate(obj["targets"]):
                    if not isinstance(t, dict) or not {"from", "to", "polarity"} <= set(t):
                        raise row_error(path, no, "targets with 'from', 'to', 'polarity'", t)
                    start, end = _span(text, t["from"], t["to"], path, no, t.get("mention"))
                    others = []
                    for fm in t.get("further_mentions") or []:
                        others.append(list(_span(text, fm.get("from"), fm.get("to"), path, no, fm.get("mention"))))
                    rows.append(
                        {
                            "id": str(t.get("Input.gid", f"{obj.get('primary_gid', no)}#{k}")),
                            "text": text,
                            "target": text[start:end],
                            "target_start": start,
                            "target_end": end,
                            "label": map_label(t["polarity"], GROUPED_LABELS, path, no, "polarity"),
                            "dataset": name,
                            "split": split_name,
                            "sentence_id": str(obj.get("primary_gid", "")),
                            "other_spans": others,
                        }
                    )
            elif isinstance(obj, dict) and {"sentence", "from", "to", "polarity"} <= set(obj):
                text = obj["sentence"]
                if not isinstance(text, str):
                    raise row_error(path, no, "'sentence' string", obj["sentence"])
                start, end = _span(text, obj["from"], obj["to"], path, no, obj.get("mention"))
                rows.append(
                    {
                        "id": str(obj.get("id", no)),
                        "text": text,
                        "target": text[start:end],
                        "target_start": start,
                        "target_end": end,
                        "label": map_label(obj["polarity"], FLAT_LABELS, path, no, "polarity"),
                        "dataset": name,
                        "split": split_name,
                        "sentence_id": text,
                        "other_spans": [],
                    }
                )
            else:
                raise row_error(
                    path,
                    no,
                    "a NewsMTSC line: {'sentence_normalized', 'targets'} (grouped) or "
                    "{'sentence', 'from', 'to', 'polarity'} (flat)",
                    line.strip(),
                )
    return to_dataset(rows, FEATURES)
