"""Throughput of the stancekit inference engine against the plain-transformers way, side by side.

What it measures, in one process and one run (so machine load hits every configuration alike):

* **baseline** — the same weights and heads run the way a plain ``transformers`` user would: units in
  input order, batches of 32, padding to the longest in the batch, truncation at ``max_length``,
  fp32, ``torch.no_grad``, mentions decoded and spans aligned in Python per unit;
* **engine** — :class:`stancekit.inference.Engine` at its default settings (``precision="auto"``);
* one row per other precision of the engine (CPU: fp32; CUDA: fp32, fp16);
* **peers** (CPU, when ``pip install 'stancekit[runtimes]'`` is there; ``--no-peers`` skips them):
  the same encoder exported to ONNX and run by ONNX Runtime (fp32, and its dynamic int8
  quantisation) and by OpenVINO (fp32, bf16), each with its best practice on this machine — graph
  optimisations on, intra-op threads = the CPUs, the engine's length-sorted token-budget batches
  (``Engine(backend=…)``; the heads and decoding stay the engine's, in fp32).

The engine rows load the model the way ``stancekit.load`` does (``load_model(inference=True)``:
``stancekit.bert``); the baseline uses the ``transformers`` model and tokenizer.

Every configuration does the same work: text in, claim score + tagged mentions + stance per mention
and per given span out. After a warm-up, the configurations run round-robin for ``--rounds`` rounds;
the JSON has the median and the spread of units/s, tokens/s (real tokens, special tokens included,
padding excluded), the peak resident memory above the pre-run level (sampled every 5 ms), the ratio to
the baseline's median, and label agreement with the engine at fp32 (claim labels, mention spans+types,
stance labels of mentions found by both and of the given spans). It also measures a matmul peak (fp32
and bf16 on CPU; fp32/fp16/bf16 on CUDA) and reports model FLOPs/token × tokens/s as a fraction of it.

The corpus is fixed: PerSenT dev articles split into sentence units (with the article's target
person's occurrences as given spans), interleaved with NewsMTSC sentences (its targets as given spans),
dev sets first then train, until ``--units`` units (default 6,000; ``--quick``: 1,000).

Usage::

    nice -n 19 python benchmarks/throughput.py                 # full run, writes results + RESULTS.md
    python benchmarks/throughput.py --quick --no-write          # a smoke run
    python benchmarks/throughput.py --model models/stancekit-news-small
    python benchmarks/throughput.py --save-corpus .bench/corpus.jsonl   # for benchmarks/gpu.sh
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import gc
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
MARK_START = "<!-- throughput:start -->"
MARK_END = "<!-- throughput:end -->"

# --------------------------------------------------------------------------------------------
# corpus

_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def _sentences(paragraph: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph by a fixed rule (the benchmark corpus must not move when the
    library's segmenter changes)."""
    spans = []
    pos = 0
    for m in _SENT_END.finditer(paragraph):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(paragraph)))
    out = []
    for s, e in spans:
        while s < e and paragraph[s].isspace():
            s += 1
        while e > s and paragraph[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_corpus(data: Path, n_units: int) -> tuple[list[str], list[list[tuple[int, int]]], list[dict[str, Any]]]:
    """The fixed benchmark corpus: (unit texts, given spans per unit, source files with sha256)."""
    persent = data / "persent" / "dev.csv"
    mtsc = [
        data / "newsmtsc" / "splits" / "newsmtsc-mt" / "dev.jsonl",
        data / "newsmtsc" / "splits" / "newsmtsc-rw" / "dev.jsonl",
        data / "newsmtsc" / "splits" / "train.jsonl",
    ]
    csv.field_size_limit(1 << 30)
    articles: list[list[tuple[str, list[tuple[int, int]]]]] = []
    with persent.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            target = (row.get("TARGET_ENTITY") or "").strip()
            units = []
            for para in row["DOCUMENT"].split("\n"):
                for s, e in _sentences(para):
                    text = para[s:e]
                    spans = []
                    if target:
                        for m in re.finditer(re.escape(target), text):
                            spans.append((m.start(), m.end()))
                    units.append((text, spans))
            if units:
                articles.append(units)
    sentences: list[tuple[str, list[tuple[int, int]]]] = []
    for path in mtsc:
        with path.open(encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                text = d["sentence_normalized"]
                spans = sorted({(int(t["from"]), int(t["to"])) for t in d["targets"]})
                sentences.append((text, spans))
    texts: list[str] = []
    spans_out: list[list[tuple[int, int]]] = []
    ai = si = 0
    # one article, then as many NewsMTSC sentences as it had units: half the units from each source
    while len(texts) < n_units and (ai < len(articles) or si < len(sentences)):
        if ai < len(articles):
            art = articles[ai]
            ai += 1
            for t, sp in art:
                texts.append(t)
                spans_out.append(sp)
            k = len(art)
        else:
            k = 64
        for t, sp in sentences[si : si + k]:
            texts.append(t)
            spans_out.append(sp)
        si += k
    texts, spans_out = texts[:n_units], spans_out[:n_units]
    sources = [{"file": str(p.relative_to(data)), "sha256": _sha256(p)} for p in [persent, *mtsc]]
    return texts, spans_out, sources


def load_corpus_file(path: Path) -> tuple[list[str], list[list[tuple[int, int]]], list[dict[str, Any]]]:
    """A corpus written by ``--save-corpus`` (one JSON object per unit: text, spans)."""
    texts, spans = [], []
    with path.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            texts.append(d["text"])
            spans.append([tuple(s) for s in d["spans"]])
    return texts, spans, [{"file": path.name, "sha256": _sha256(path)}]


# --------------------------------------------------------------------------------------------
# the plain-transformers baseline


def _decode_mentions(
    word_ids: list[int | None], offsets: list[tuple[int, int]], tag: list[int], prob: list[float]
) -> list[list[Any]]:
    """Mentions ``[first_tok, last_tok, type, [word probs]]`` from one row's token tags, by the
    engine's rules written as a plain Python loop (``stancekit.heads.TagHead.mentions``): every
    sub-token takes its word's tag (``B-`` becomes ``I-``); a lone ``O`` glued (no space) between two
    tagged tokens takes the previous type; a tagged token glued to a tagged one continues its
    mention; otherwise a ``B-`` tag or a change of type starts one."""
    from stancekit.modeling import TAG_LABELS

    n = len(word_ids)
    first_of: dict[int, int] = {}
    wtag, wprob, is_first = [0] * n, [0.0] * n, [False] * n
    for t, w in enumerate(word_ids):
        if w is None:
            continue
        f = first_of.setdefault(w, t)
        is_first[t] = f == t
        wtag[t], wprob[t] = tag[f], prob[f]
        if f != t and TAG_LABELS[wtag[t]].startswith("B-"):
            wtag[t] = TAG_LABELS.index("I-" + TAG_LABELS[wtag[t]][2:])
    kind = [TAG_LABELS[x][2:] if x else "" for x in wtag]
    glued = [
        t > 0 and word_ids[t] is not None and word_ids[t - 1] is not None and offsets[t][0] == offsets[t - 1][1]
        for t in range(n)
    ]
    filled = list(kind)
    for t in range(1, n - 1):
        if not kind[t] and glued[t] and glued[t + 1] and kind[t - 1] and kind[t + 1]:
            filled[t] = kind[t - 1]
    mentions: list[list[Any]] = []
    for t in range(n):
        if not filled[t]:
            continue
        prev = filled[t - 1] if t > 0 else ""
        begins = TAG_LABELS[wtag[t]].startswith("B-") or filled[t] != prev
        if mentions and prev and (glued[t] or not begins):
            mentions[-1][1] = t
            if is_first[t]:
                mentions[-1][3].append(wprob[t])
        else:
            mentions.append([t, t, filled[t], [wprob[t]] if is_first[t] else []])
    for m in mentions:
        m[3] = m[3] or [0.0]
    return mentions


def baseline_predict(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    spans: list[list[tuple[int, int]]],
    device: torch.device,
    batch_size: int = 32,
) -> list[dict[str, Any]]:
    """The same heads, run the plain way: input order, batches of 32, pad to longest, fp32, no_grad."""

    max_length = int(model.config.max_length)
    types = {"PER": "person", "ORG": "organisation", "LOC": "location", "GRP": "group"}
    out: list[dict[str, Any]] = []
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            enc = tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=max_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = enc.pop("offset_mapping").tolist()
            ids = enc["input_ids"].to(device)
            mask = enc["attention_mask"].to(device)
            hidden = model.encode(ids, mask)
            claim = torch.softmax(model.claim_logits(hidden, mask), -1)[:, 1].tolist()
            probs = torch.softmax(model.tag_logits(hidden), -1)
            tprob, tag = probs.max(-1)
            tprob, tag = tprob.tolist(), tag.tolist()
            rows, masks, keys = [], [], []
            units = []
            for b in range(len(batch)):
                word_ids = enc.word_ids(b)
                mentions = _decode_mentions(word_ids, offsets[b], tag[b], tprob[b])
                for m in mentions:
                    sm = [0.0] * ids.shape[1]
                    for t in range(m[0], m[1] + 1):
                        sm[t] = 1.0
                    masks.append(sm)
                    rows.append(b)
                    keys.append(("m", b, len(keys)))
                for s, e in spans[i + b]:
                    sm = [0.0] * ids.shape[1]
                    hit = False
                    for t, (a, z) in enumerate(offsets[b]):
                        if word_ids[t] is not None and a < e and z > s:
                            sm[t] = 1.0
                            hit = True
                    if not hit:  # truncated away or empty: pool the last real token
                        sm[int(mask[b].sum()) - 2] = 1.0
                    masks.append(sm)
                    rows.append(b)
                    keys.append(("x", b, len(keys)))
                units.append((mentions, offsets[b]))
            if masks:
                span_mask = torch.tensor(masks, device=device)
                row = torch.tensor(rows, device=device)
                st = torch.softmax(model.stance_logits(hidden, mask, span_mask, row), -1).tolist()
            else:
                st = []
            res = [{"claim": claim[b], "mentions": [], "extra": []} for b in range(len(batch))]
            j = 0
            for b, (mentions, offs) in enumerate(units):
                for m in mentions:
                    res[b]["mentions"].append(
                        (offs[m[0]][0], offs[m[1]][1], types.get(m[2], m[2]), sum(m[3]) / len(m[3]), st[j])
                    )
                    j += 1
                for _ in spans[i + b]:
                    res[b]["extra"].append(st[j])
                    j += 1
            out.extend(res)
    return out


# --------------------------------------------------------------------------------------------
# labels and agreement


def labels_of_engine(preds: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "claim": p.claim_score >= 0.5,
            "mentions": {(m.start, m.end, m.type): int(np.argmax(m.stance_scores)) for m in p.mentions},
            "extra": [int(np.argmax(x.stance_scores)) for x in p.extra],
        }
        for p in preds
    ]


def labels_of_baseline(preds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "claim": p["claim"] >= 0.5,
            "mentions": {(m[0], m[1], m[2]): int(np.argmax(m[4])) for m in p["mentions"]},
            "extra": [int(np.argmax(x)) for x in p["extra"]],
        }
        for p in preds
    ]


def agreement(a: list[dict[str, Any]], ref: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of labels that agree: claim labels, mentions (span + type, over the union), stance of the
    mentions both found, stance of the given spans."""
    c = m_agree = m_total = s_agree = s_total = x_agree = x_total = 0
    for p, r in zip(a, ref, strict=True):
        c += p["claim"] == r["claim"]
        keys = set(p["mentions"]) | set(r["mentions"])
        both = set(p["mentions"]) & set(r["mentions"])
        m_total += len(keys)
        m_agree += len(both)
        s_total += len(both)
        s_agree += sum(p["mentions"][k] == r["mentions"][k] for k in both)
        x_total += len(r["extra"])
        x_agree += sum(int(u == v) for u, v in zip(p["extra"], r["extra"], strict=True))
    n = len(ref)
    total = n + m_total + s_total + x_total
    return {
        "all": (c + m_agree + s_agree + x_agree) / max(total, 1),
        "claim": c / max(n, 1),
        "mentions": m_agree / max(m_total, 1),
        "mention_stance": s_agree / max(s_total, 1),
        "span_stance": x_agree / max(x_total, 1),
        "labels": total,
    }


# --------------------------------------------------------------------------------------------
# measuring


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Peak RSS above the level at entry (sampled every 5 ms), and CUDA peak allocated if on CUDA."""

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.base = _rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._sample, daemon=True)
        self._t.start()
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.cuda_base = torch.cuda.memory_allocated(self.device)
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _rss())
        self.rss_mb = (self.peak - self.base) / 2**20
        self.cuda_mb = None
        if self.device.type == "cuda":
            self.cuda_mb = (torch.cuda.max_memory_allocated(self.device) - self.cuda_base) / 2**20


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(device: torch.device, dtype: torch.dtype, seconds: float = 2.0) -> float:
    """Measured matmul FLOP/s: the best of several timed square products."""
    n = 2048 if device.type == "cpu" else 8192
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    with torch.inference_mode():
        for _ in range(2):
            a @ b
        _sync(device)
        best = 0.0
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            reps = 1 if device.type == "cpu" else 10
            for _ in range(reps):
                a @ b
            _sync(device)
            best = max(best, reps * 2 * n**3 / (time.perf_counter() - t0))
    return best


def model_flops(model: Any, lengths: list[int]) -> float:
    """Forward FLOPs of the encoder + heads over units of these token lengths (2 per multiply-add;
    weight matmuls + attention scores and mixing; embeddings, norms and softmax not counted)."""
    cfg = model.encoder.config
    h, inter, layers = int(cfg.hidden_size), int(cfg.intermediate_size), int(cfg.num_hidden_layers)
    n_tags = len(model.config.tag_labels)
    per_token = layers * 2 * (4 * h * h + 2 * h * inter) + 2 * h * n_tags
    total = 0.0
    for n in lengths:
        total += n * per_token + layers * 2 * 2 * n * n * h
    return total


def _git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                return sorted(f for f in flags if f.startswith(("avx512_bf16", "amx", "avx512f", "avx512_vnni")))
    except OSError:
        pass
    return []


# --------------------------------------------------------------------------------------------
# peers: ONNX Runtime and OpenVINO


def _peer_engines(model: Any, tokenizer: Any, configs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Engines whose encoder runs in ONNX Runtime (fp32, dynamic int8) and OpenVINO (fp32, bf16);
    the rows are added to ``configs``. Missing runtimes are reported and skipped."""
    import tempfile

    from stancekit import backends
    from stancekit.inference import Engine, _cpu_has_bf16

    out: dict[str, Any] = {}
    for runtime in ("onnxruntime", "openvino", "onnx"):
        try:
            __import__(runtime)
        except ImportError:
            print(f"peers skipped: {runtime} is not installed (pip install 'stancekit[runtimes]')", flush=True)
            return out
    import onnxruntime
    import openvino

    base = {"kind": "peer", "batch_size": 64, "max_batch_tokens": 8192}
    ort_v, ov_v = onnxruntime.__version__, openvino.__version__
    out["ONNX Runtime fp32 (peer)"] = Engine(model, tokenizer, device="cpu", precision="fp32", backend="onnxruntime")
    configs["ONNX Runtime fp32 (peer)"] = {**base, "runtime": f"onnxruntime {ort_v}", "resolved_precision": "fp32"}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = backends.export_onnx(model, Path(tmp) / "encoder.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            int8 = backends.quantize_onnx_int8(fp32, Path(tmp) / "encoder-int8.onnx")
        session = backends.OnnxRuntimeEncoder(int8)
    out["ONNX Runtime dynamic int8 (peer)"] = Engine(
        backends.with_encoder(model, session), tokenizer, device="cpu", precision="fp32"
    )
    configs["ONNX Runtime dynamic int8 (peer)"] = {
        **base, "runtime": f"onnxruntime {ort_v} (quantize_dynamic, QInt8 weights)", "resolved_precision": "int8",
    }
    precisions = ["fp32", "bf16"] if _cpu_has_bf16() else ["fp32"]
    for prec in precisions:
        name = f"OpenVINO {prec} (peer)"
        out[name] = Engine(model, tokenizer, device="cpu", precision=prec, backend="openvino")
        configs[name] = {**base, "runtime": f"openvino {ov_v}", "resolved_precision": prec}
    return out


# --------------------------------------------------------------------------------------------
# main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a stancekit model directory (default: load_model(None))")
    ap.add_argument("--model-desc", help="how to name the model in the results (default: from --model)")
    ap.add_argument("--data", default=os.environ.get("STANCEKIT_DATA", str(DEFAULT_DATA)), help="shared data dir")
    ap.add_argument("--corpus", help="a corpus file written by --save-corpus (instead of --data)")
    ap.add_argument("--save-corpus", help="write the corpus as JSONL here and exit")
    ap.add_argument("--units", type=int, default=6000)
    ap.add_argument("--quick", action="store_true", help="1,000 units, 2 rounds")
    ap.add_argument("--repeat", type=int, default=1, help="repeat the corpus k times (GPU runs)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precisions", help="comma list of extra engine precisions (default: per device)")
    ap.add_argument("--tuned", default="", help="extra engine row 'batch_size,max_batch_tokens' (e.g. 512,65536)")
    ap.add_argument("--out", help="JSON path (default benchmarks/results/throughput-<device>.json)")
    ap.add_argument("--no-write", action="store_true", help="print only; write no JSON nor RESULTS.md")
    ap.add_argument(
        "--agreement-only", action="store_true", help="one pass per engine precision, print label agreement, no timing"
    )
    ap.add_argument("--note", default="", help="free text stored in the JSON (e.g. machine contention)")
    ap.add_argument("--no-peers", action="store_true", help="skip the ONNX Runtime / OpenVINO rows")
    args = ap.parse_args(argv)
    if args.quick:
        args.units, args.rounds = 1000, 2

    sys.path.insert(0, str(REPO / "src"))
    from stancekit.inference import Engine
    from stancekit.serialization import load_model

    if args.corpus:
        texts, spans, sources = load_corpus_file(Path(args.corpus))
        texts, spans = texts[: args.units], spans[: args.units]
    else:
        texts, spans, sources = build_corpus(Path(args.data), args.units)
    if args.save_corpus:
        p = Path(args.save_corpus)
        p.parent.mkdir(parents=True, exist_ok=True)
        with p.open("w", encoding="utf-8") as f:
            for t, s in zip(texts, spans, strict=True):
                f.write(json.dumps({"text": t, "spans": s}) + "\n")
        print(f"wrote {len(texts)} units to {p}")
        return 0
    texts, spans = texts * args.repeat, spans * args.repeat

    model_tf, tokenizer_tf = load_model(args.model, device="cpu")
    model, tokenizer = load_model(args.model, device="cpu", inference=True)
    # load_model(None) is the shipped model (a missing one is a ModelLoadError, never fresh heads)
    model_desc = args.model_desc or args.model or "models/stancekit-news-small"
    engine_probe = Engine(model, tokenizer, device=args.device, precision="fp32")
    device = engine_probe.device
    model = model.to(device).eval()
    model_tf = model_tf.to(device).eval()

    lengths = [len(x) + 2 for x in tokenizer_tf(texts, add_special_tokens=False)["input_ids"]]
    n_tokens = sum(lengths)
    max_length = int(model.config.max_length)
    flops = model_flops(model, [min(n, max_length) for n in lengths])
    print(
        f"corpus: {len(texts)} units, {n_tokens} tokens (mean {n_tokens / len(texts):.1f}, max {max(lengths)}, "
        f"{sum(n > max_length for n in lengths)} over max_length={max_length}); model: {model_desc}; device: {device}",
        flush=True,
    )

    default_extra = ["fp32"] if device.type == "cpu" else ["fp32", "fp16"]
    extra_precisions = args.precisions.split(",") if args.precisions else default_extra
    configs: dict[str, dict[str, Any]] = {"baseline": {"kind": "baseline"}}
    configs["engine (default)"] = {"kind": "engine", "precision": "auto", "batch_size": 64, "max_batch_tokens": 8192}
    for prec in extra_precisions:
        configs[f"engine {prec}"] = {"kind": "engine", "precision": prec, "batch_size": 64, "max_batch_tokens": 8192}
    if args.tuned:
        bs, mbt = (int(x) for x in args.tuned.split(","))
        configs[f"engine (default precision, batch {bs}/{mbt} tokens)"] = {
            "kind": "engine", "precision": "auto", "batch_size": bs, "max_batch_tokens": mbt,
        }

    engines: dict[str, Engine] = {}
    for name, c in configs.items():
        if c["kind"] == "engine":
            engines[name] = Engine(
                model, tokenizer, device=device, precision=c["precision"], batch_size=c["batch_size"],
                max_batch_tokens=c["max_batch_tokens"],
            )
            c["resolved_precision"] = engines[name].encoder_precision
    if device.type == "cpu" and not args.no_peers:
        engines.update(_peer_engines(model, tokenizer, configs))

    def run(name: str, t: list[str], s: list[list[tuple[int, int]]]) -> Any:
        if configs[name]["kind"] == "baseline":
            return baseline_predict(model_tf, tokenizer_tf, t, s, device)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # windowed long units: counted in engine.stats instead
            return engines[name].predict(t, s)

    if args.agreement_only:
        outs = {n: labels_of_engine(run(n, texts, spans)) for n in engines}
        report = {n: agreement(o, outs["engine fp32"]) for n, o in outs.items()}
        print(json.dumps({"model": model_desc, "units": len(texts), "agreement_with_engine_fp32": report}, indent=2))
        return 0

    # warm-up: every configuration once over a slice (threads, allocator, oneDNN kernels, CUDA context)
    warm = min(128 if device.type == "cpu" else 2048, len(texts))
    for name in configs:
        run(name, texts[:warm], spans[:warm])
        _sync(device)

    times: dict[str, list[float]] = {n: [] for n in configs}
    mem: dict[str, list[float]] = {n: [] for n in configs}
    cuda_mem: dict[str, list[float]] = {n: [] for n in configs}
    outputs: dict[str, Any] = {}
    load_before = os.getloadavg()
    for r in range(args.rounds):
        for name in configs:
            with PeakMemory(device) as pm:
                t0 = time.perf_counter()
                out = run(name, texts, spans)
                _sync(device)
                dt = time.perf_counter() - t0
            times[name].append(dt)
            mem[name].append(pm.rss_mb)
            if pm.cuda_mb is not None:
                cuda_mem[name].append(pm.cuda_mb)
            if r == 0:
                outputs[name] = out
            print(f"round {r + 1}/{args.rounds} {name:<44} {len(texts) / dt:9.1f} units/s", flush=True)
            del out
    load_after = os.getloadavg()

    ref = labels_of_engine(outputs["engine fp32"]) if "engine fp32" in outputs else None
    peaks = {"fp32": matmul_peak(device, torch.float32)}
    if device.type == "cuda" or engines["engine (default)"].encoder_precision == "bf16":
        peaks["bf16"] = matmul_peak(device, torch.bfloat16)
    if device.type == "cuda":
        peaks["fp16"] = matmul_peak(device, torch.float16)
    base_ups = statistics.median(len(texts) / t for t in times["baseline"])
    rows: dict[str, Any] = {}
    for name, c in configs.items():
        ts = times[name]
        ups = [len(texts) / t for t in ts]
        med = statistics.median(ups)
        prec = c.get("resolved_precision", "fp32")
        peak = peaks.get(prec if prec in peaks else "fp32")
        labs = labels_of_baseline(outputs[name]) if c["kind"] == "baseline" else labels_of_engine(outputs[name])
        if prec == "int8":
            prec = "fp32"  # int8 has no matmul peak of its own here: measured against fp32
        row = {
            **{k: v for k, v in c.items() if k != "kind"},
            "units_per_s": {"median": med, "min": min(ups), "max": max(ups), "runs": ups},
            "tokens_per_s": {"median": med * n_tokens / len(texts)},
            "seconds": ts,
            "peak_rss_mb_above_start": {"median": statistics.median(mem[name]), "max": max(mem[name])},
            "ratio_to_baseline": med / base_ups,
            "agreement_with_engine_fp32": agreement(labs, ref) if ref is not None else None,
            "model_tflops_per_s": med * flops / len(texts) / 1e12,
            "fraction_of_matmul_peak": (med * flops / len(texts)) / peak if peak else None,
            "matmul_peak_used": prec if prec in peaks else "fp32",
        }
        if cuda_mem[name]:
            row["peak_cuda_mb"] = max(cuda_mem[name])
        if c["kind"] in ("engine", "peer"):
            row["engine_stats"] = dict(engines[name].stats)
        rows[name] = row

    result = {
        "benchmark": "throughput",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "command": "python benchmarks/throughput.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "device": str(device),
            "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
            "cpu": _cpu_model(),
            "cpu_flags": _cpu_flags(),
            "cpus": len(os.sched_getaffinity(0)),
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "niceness": os.nice(0),
        },
        "note": args.note,
        "model": model_desc,
        "corpus": {
            "units": len(texts),
            "repeat": args.repeat,
            "tokens": n_tokens,
            "mean_tokens": n_tokens / len(texts),
            "max_tokens": max(lengths),
            "over_max_length": sum(n > max_length for n in lengths),
            "given_spans": sum(len(s) for s in spans),
            "sources": sources,
        },
        "rounds": args.rounds,
        "model_gflops_per_unit": flops / len(texts) / 1e9,
        "model_mflops_per_token": flops / n_tokens / 1e6,
        "matmul_peak_tflops": {k: v / 1e12 for k, v in peaks.items()},
        "results": rows,
    }
    _print_table(result)
    if not args.no_write:
        out = Path(args.out) if args.out else REPO / "benchmarks" / "results" / f"throughput-{device.type}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")
        _update_results_md(REPO / "benchmarks" / "RESULTS.md", out)
    return 0


def _table(result: dict[str, Any]) -> list[str]:
    lines = [
        "| configuration | precision | units/s (median, min–max) | tokens/s | × baseline | agreement with fp32 "
        "| peak RSS MB | fraction of matmul peak |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in result["results"].items():
        u = r["units_per_s"]
        ag = r["agreement_with_engine_fp32"]
        frac = r["fraction_of_matmul_peak"]
        lines.append(
            f"| {name} | {r.get('resolved_precision', 'fp32')} | {_n(u['median'])} ({_n(u['min'])}–{_n(u['max'])}) "
            f"| {r['tokens_per_s']['median']:,.0f} | {r['ratio_to_baseline']:.2f} "
            f"| {ag['all'] * 100:.2f} % | {r['peak_rss_mb_above_start']['max']:.0f} "
            f"| {frac * 100:.1f} % ({r['matmul_peak_used']}) |"
            if ag
            else f"| {name} | | {u['median']:,.0f} | | {r['ratio_to_baseline']:.2f} | n/a | | |"
        )
    return lines


def _n(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def _print_table(result: dict[str, Any]) -> None:
    print("\n".join(_table(result)))


def write_results_section(path: Path, start_mark: str, end_mark: str, lines: list[str]) -> None:
    """Replace what lies between ``start_mark`` and ``end_mark`` in ``path`` (benchmarks/RESULTS.md) by
    ``lines``; the two markers are appended first when the file has no such section."""
    if not path.is_file():
        print(f"{path} does not exist yet; not updated")
        return
    text = path.read_text(encoding="utf-8")
    if start_mark not in text or end_mark not in text:
        text = text.rstrip("\n") + f"\n\n{start_mark}\n{end_mark}\n"
    start = text.index(start_mark) + len(start_mark)
    end = text.index(end_mark)
    path.write_text(text[:start] + "\n".join(lines) + "\n" + text[end:], encoding="utf-8")
    print(f"updated {path}")


def _update_results_md(path: Path, json_path: Path) -> None:
    """Rewrite the section between the throughput markers from every throughput-*.json present."""
    parts = ["", "## Throughput (`benchmarks/throughput.py`)", ""]
    for jp in sorted(json_path.parent.glob("throughput-*.json")):
        r = json.loads(jp.read_text(encoding="utf-8"))
        m = r["machine"]
        c = r["corpus"]
        where = m["gpu"] or f"{m['cpu']} ({m['cpus']} CPUs, {m['torch_threads']} torch threads)"
        parts += [
            f"**{m['device']}** — {where}; {r['date'][:10]}, commit `{(r['commit'] or '?')[:8]}`; model: {r['model']}; "
            f"corpus: {c['units']:,} units, {c['tokens']:,} tokens (mean {c['mean_tokens']:.1f}), "
            f"{c['given_spans']:,} given spans; {r['rounds']} rounds after warm-up; "
            f"matmul peak measured: "
            + ", ".join(f"{k} {v:.2f} TFLOP/s" for k, v in r["matmul_peak_tflops"].items())
            + f"; model {r['model_mflops_per_token']:.1f} MFLOP/token. Load average "
            f"{m['loadavg_before'][0]:.1f} → {m['loadavg_after'][0]:.1f}. {r['note']}",
            "",
            f"Command: `{r['command']}` → `benchmarks/results/{jp.name}`",
            "",
            *_table(r),
            "",
        ]
    write_results_section(path, MARK_START, MARK_END, parts)


if __name__ == "__main__":
    raise SystemExit(main())
