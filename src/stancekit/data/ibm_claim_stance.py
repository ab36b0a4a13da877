"""IBM Debater Claim Stance (Bar-Haim et al., EACL 2017): stance of Wikipedia claims toward a debate motion.

The reconstructed CSV holds both splits (column ``split``). Text = ``claims.claimCorrectedText``,
target = ``topicText`` (the motion; a topic, so offsets are null unless it occurs verbatim).
Label map: PRO → favor, CON → against. Extras: ``topic_target`` and ``topic_sentiment``, the
claim's own target span (``claim_target``, ``claim_target_start``/``end`` into ``text``),
``claim_sentiment`` and ``targets_relation`` (0 when the claim is not compatible).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import datasets

from stancekit.data._common import find_target, map_label, require_file, row_error, stance_features, to_dataset

LABELS: dict[Any, str] = {"PRO": "favor", "CON": "against"}
FILE = "claim_stance_dataset_v1.reconstructed.csv"
COLUMNS = ("topicId", "split", "topicText", "topicTarget", "topicSentiment", "claims.claimId", "claims.stance",
           "claims.claimCorrectedText", "claims.claimTarget.text", "claims.claimTarget.span.start",
           "claims.claimTarget.span.end", "claims.claimSentiment", "claims.targetsRelation")
FEATURES = stance_features(
    {
        "topic_id": datasets.Value("string"),
        "topic_target": datasets.Value("string"),
        "topic_sentiment": datasets.Value("int32"),
        "claim_target": datasets.Value("string"),
        "claim_target_start": datasets.Value("int32"),
        "claim_target_end": datasets.Value("int32"),
        "claim_sentiment": datasets.Value("int32"),
        "targets_relation": datasets.Value("int32"),
    }
)


def _int(value: str) -> int | None:
    value = value.strip()
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def read(path: Path, split: str | None, name: str = "ibm-claim-stance") -> datasets.Dataset:
    """Read the claim-stance CSV; ``split`` (train or test) filters on its ``split`` column, None keeps all."""
    require_file(path, name)
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise row_error(path, 1, f"a header with {', '.join(COLUMNS)}", f"missing {missing}")
        for rec in reader:
            no = reader.line_num
            if None in rec or any(rec.get(c) is None for c in COLUMNS):
                raise row_error(path, no, f"{len(reader.fieldnames or [])} fields", rec)
            if split is not None and rec["split"].strip() != split:
                continue
            text = rec["claims.claimCorrectedText"]
            target = rec["topicText"].strip()
            start, end = find_target(text, [target])
            cts, cte = _int(rec["claims.claimTarget.span.start"]), _int(rec["claims.claimTarget.span.end"])
            if cts is None or cte is None or not (0 <= cts <= cte <= len(text)):
                cts = cte = None
            rows.append(
                {
                    "id": rec["claims.claimId"].strip(),
                    "text": text,
                    "target": target,
                    "target_start": start,
                    "target_end": end,
                    "label": map_label(rec["claims.stance"].strip(), LABELS, path, no, "claims.stance"),
                    "dataset": name,
                    "split": rec["split"].strip(),
                    "topic_id": rec["topicId"].strip(),
                    "topic_target": rec["topicTarget"].strip(),
                    "topic_sentiment": _int(rec["topicSentiment"]) or 0,
                    "claim_target": rec["claims.claimTarget.text"],
                    "claim_target_start": cts,
                    "claim_target_end": cte,
                    "claim_sentiment": _int(rec["claims.claimSentiment"]) or 0,
                    "targets_relation": _int(rec["claims.targetsRelation"]) or 0,
                }
            )
    return to_dataset(rows, FEATURES)
