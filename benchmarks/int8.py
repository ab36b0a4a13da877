"""Can dynamic int8 agree with fp32? Label agreement of selectively quantised models, side by side.

Each row quantises a different set of ``nn.Linear`` layers of the shipped model with torch's
dynamic int8 (``quantize_dynamic``: int8 weights, activations quantised per call) and runs the
engine in fp32 otherwise; agreement is with the fp32 engine on the throughput corpus (claim labels,
mention spans and types, stance of mentions and of given spans: ``throughput.agreement``). Rows:
every linear layer (the old ``precision="int8"``), the encoder only (heads fp32), the encoder's
feed-forward layers only, its attention projections only, the attention projections with
per-channel weights, and everything but the first and last layer; plus the same attention-only set
with full-range (0–255) activations on the oneDNN quantised engine.

Usage::

    python benchmarks/int8.py --units 600          # writes benchmarks/results/int8-cpu.json
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=600)
    ap.add_argument("--data", default=os.environ.get("STANCEKIT_DATA", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throughput import _cpu_flags, _cpu_model, _git_commit, agreement, build_corpus, labels_of_engine

    from stancekit.inference import Engine
    from stancekit.serialization import load_model

    warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
    from torch.ao.quantization import (
        PlaceholderObserver,
        QConfig,
        default_dynamic_qconfig,
        default_per_channel_weight_observer,
        per_channel_dynamic_qconfig,
    )

    texts, spans, sources = build_corpus(Path(args.data), args.units)
    model, tokenizer = load_model(None, inference=True)
    ref = labels_of_engine(Engine(model, tokenizer, device="cpu", precision="fp32").predict(texts, spans))
    linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    enc = [n for n in linears if n.startswith("encoder.")]
    n_layers = int(model.encoder.config.num_hidden_layers)

    def layer(n: str) -> int:
        return int(n.split(".")[3])

    ffn = [n for n in enc if "intermediate" in n or (n.endswith("output.dense") and "attention" not in n)]
    attention = [n for n in enc if "attention" in n]
    full_range = QConfig(
        activation=PlaceholderObserver.with_args(dtype=torch.quint8, quant_min=0, quant_max=255, is_dynamic=True),
        weight=default_per_channel_weight_observer,
    )
    variants: list[tuple[str, list[str], Any, str]] = [
        ("every linear layer (the removed precision='int8')", linears, default_dynamic_qconfig, "fbgemm"),
        ("encoder only (heads fp32)", enc, default_dynamic_qconfig, "fbgemm"),
        ("encoder feed-forward only", ffn, default_dynamic_qconfig, "fbgemm"),
        ("encoder attention projections only", attention, default_dynamic_qconfig, "fbgemm"),
        ("attention projections, per-channel weights", attention, per_channel_dynamic_qconfig, "fbgemm"),
        (
            "encoder layers 2..n-1 only (first and last fp32)",
            [n for n in enc if 0 < layer(n) < n_layers - 1],
            default_dynamic_qconfig,
            "fbgemm",
        ),
        ("attention projections, full-range activations (onednn)", attention, full_range, "onednn"),
    ]
    rows = []
    for name, layers, qconfig, qengine in variants:
        torch.backends.quantized.engine = qengine
        q = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {n: qconfig for n in layers}, dtype=torch.qint8
        )
        t0 = time.perf_counter()
        out = Engine(q, tokenizer, device="cpu", precision="fp32").predict(texts, spans)
        dt = time.perf_counter() - t0
        ag = agreement(labels_of_engine(out), ref)
        rows.append({"variant": name, "layers": len(layers), "qengine": qengine, "agreement": ag, "seconds": dt})
        print(f"{name:58s} {len(layers):3d} layers  agreement {ag['all'] * 100:.2f} %", flush=True)
    result = {
        "benchmark": "int8",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "command": "python benchmarks/int8.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpu": _cpu_model(), "cpu_flags": _cpu_flags(), "cpus": len(os.sched_getaffinity(0))},
        "model": "models/stancekit-news-small",
        "corpus": {"units": len(texts), "sources": sources},
        "results": rows,
    }
    if not args.no_write:
        out_path = REPO / "benchmarks" / "results" / "int8-cpu.json"
        out_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
