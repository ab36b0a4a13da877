"""Actor resolution against the gold actor annotations in tests/data/actors/, and PerSenT dev.

Per claim, a predicted actor is correct when its name is the gold actor's name or one of its
accepted aliases (case-insensitive). Reported:

- actor precision / recall / F1, micro over the gold claims;
- source accuracy per gold claim (the attributed actor, or none);
- primary-actor accuracy: the predicted primary actor is one of the gold actors of the claim;
- stance accuracy per correctly found claim–actor pair whose gold stance is clear-cut.

Two modes:

(a) ``gold``: the gold units and gold name mentions are fed through ``actors.resolve`` (the
    references come from ``actors.reference_spans`` as in the pipeline), isolating the
    resolver from the tagger. Stance scores come from the model's stance head on those spans
    when a model is given (``--model``, or the shipped default when it exists), else every
    span scores neutral and stance accuracy is not reported.
(b) ``pipeline``: the real pipeline (``stancekit.load()``) end to end on the article text, its
    own units matched to the gold units by their start offset.

PerSenT (``--persent FILE``): each article through the pipeline, the author's stance toward
``TARGET_ENTITY`` read from ``find_actor(article, TARGET_ENTITY).stance`` (``neutral`` when not
found), accuracy and macro-F1 beside the majority-class baseline.

    python benchmarks/actors.py                       # mode (a), and (b) if a model loads
    python benchmarks/actors.py --persent ../shared/data/persent/dev.csv --limit 0

Results go to benchmarks/results/actors.json (and actors-persent.json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import hashlib
import json
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "tests" / "data" / "actors"
ARTICLES_DIR = ROOT / "tests" / "data" / "articles"
RESULTS = ROOT / "benchmarks" / "results"


# The engine's own prediction types: the resolver sees exactly what the pipeline gives it.
from stancekit.inference import MentionPrediction as _Mention  # noqa: E402
from stancekit.inference import UnitPrediction as _Prediction  # noqa: E402
from stancekit.pipeline import prepare  # noqa: E402


@dataclass
class GoldArticle:
    name: str
    text: str
    units: list[dict[str, Any]]  # the gold units of tests/data/articles/<name>.json
    claims: dict[int, dict[str, Any]]  # unit index -> gold actor annotation
    aliases: dict[str, set[str]]  # gold actor name -> accepted folded names
    types: dict[str, str]
    split: str


def _fold(s: str) -> str:
    s = s.replace("\u2019", "'").strip()
    if s.lower().startswith("the "):
        s = s[4:]
    if s.endswith("'s"):
        s = s[:-2]
    return " ".join(s.replace(".", "").split()).casefold()


def load_gold(path: Path) -> GoldArticle:
    """Read one gold actor file and the gold article and units it annotates."""
    gold = json.loads(path.read_text(encoding="utf-8"))
    name = gold["article"]
    text = (ARTICLES_DIR / f"{name}.txt").read_bytes().decode("utf-8")
    meta = json.loads((ARTICLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    units = meta["units"]
    claims: dict[int, dict[str, Any]] = {}
    for g in gold["units"]:
        hits = [i for i, u in enumerate(units) if u["text"].startswith(g["text"])]
        if len(hits) != 1:
            raise ValueError(f"{path}: unit starting {g['text']!r} matches {len(hits)} gold units, expected 1.")
        unit_text = units[hits[0]]["text"]
        spans = []
        cursor = 0
        for surface, type_ in g.get("mentions", []):
            at = unit_text.find(surface, cursor)
            if at < 0:
                raise ValueError(f"{path}: mention {surface!r} not found in order in unit {unit_text!r}.")
            spans.append((at, at + len(surface), type_))
            cursor = at + len(surface)
        claims[hits[0]] = {**g, "spans": spans}
    aliases = {a["name"]: {_fold(a["name"]), *(_fold(x) for x in a.get("aliases", []))} for a in gold["actors"]}
    types = {a["name"]: a["type"] for a in gold["actors"]}
    for g in gold["units"]:
        for n in [*g["actors"], *([g["source"]] if g.get("source") else [])]:
            if n not in aliases:
                raise ValueError(f"{path}: actor {n!r} of unit {g['text']!r} is not in the article's actor list.")
    return GoldArticle(name, text, units, claims, aliases, types, meta.get("split", "dev"))


def gold_files() -> list[Path]:
    return sorted(GOLD_DIR.glob("*.json"))


def _match(gold: GoldArticle, predicted: str | None) -> str | None:
    if predicted is None:
        return None
    f = _fold(predicted)
    for name, names in gold.aliases.items():
        if f in names:
            return name
    return None


class Tally:
    """Counts for precision / recall / stance accuracy over claims."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0
        self.src_ok = self.src_n = 0
        self.src_gold = self.src_pred = self.src_both = 0
        self.prim_ok = self.prim_n = 0
        self.stance_ok = self.stance_n = 0
        self.type_ok = self.type_n = 0
        self.stance_gold: list[str] = []
        self.errors: list[str] = []
        self.not_actor_pairs = 0  # predicted claim actors that are none of the article's gold actors
        self.article_actors = self.article_not_actors = 0

    def add_article(self, gold: GoldArticle, actors: Sequence[Any]) -> None:
        """Article-level: how many of the article's predicted actors are not actors at all."""
        for a in actors:
            self.article_actors += 1
            if _match(gold, a.name) is None:
                self.article_not_actors += 1
                self.errors.append(f"{gold.name} NOT-AN-ACTOR {a.name!r} ({a.type})")

    def add(self, gold: GoldArticle, ui: int, actors: Sequence[Any], primary: str | None, source: str | None) -> None:
        g = gold.claims[ui]
        want = dict(g["actors"])
        got: dict[str, Any] = {}
        for a in actors:
            m = _match(gold, a.name)
            if m is not None and m in want and m not in got:
                got[m] = a
            else:
                self.fp += 1
                self.not_actor_pairs += m is None
                self.errors.append(f"{gold.name}#{ui} FP {a.name!r} ({a.type})")
        self.tp += len(got)
        for miss in set(want) - set(got):
            self.fn += 1
            self.errors.append(f"{gold.name}#{ui} FN {miss!r}")
        for name, a in got.items():
            self.type_n += 1
            self.type_ok += a.type == gold.types[name]
            if want[name] is not None:
                self.stance_n += 1
                self.stance_ok += a.stance == want[name]
                self.stance_gold.append(want[name])
        self.src_n += 1
        ok = _match(gold, source) == g.get("source") and (source is None) == (g.get("source") is None)
        self.src_ok += ok
        self.src_gold += g.get("source") is not None
        self.src_pred += source is not None
        self.src_both += ok and source is not None
        if not ok:
            self.errors.append(f"{gold.name}#{ui} source {source!r} != {g.get('source')!r}")
        if want:
            self.prim_n += 1
            self.prim_ok += _match(gold, primary) in want

    def report(self, with_stance: bool) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        out: dict[str, Any] = {
            "claims": self.src_n,
            "gold_pairs": self.tp + self.fn,
            "predicted_pairs": self.tp + self.fp,
            "actor_precision": round(p, 4),
            "actor_recall": round(r, 4),
            "actor_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "not_actor_share_claims": round(self.not_actor_pairs / (self.tp + self.fp), 4)
            if self.tp + self.fp
            else None,
            "article_actors": self.article_actors,
            "not_actor_share_articles": (
                round(self.article_not_actors / self.article_actors, 4) if self.article_actors else None
            ),
            "source_accuracy": round(self.src_ok / self.src_n, 4) if self.src_n else None,
            "attributed_claims": self.src_gold,
            "source_precision": round(self.src_both / self.src_pred, 4) if self.src_pred else None,
            "source_recall": round(self.src_both / self.src_gold, 4) if self.src_gold else None,
            "primary_accuracy": round(self.prim_ok / self.prim_n, 4) if self.prim_n else None,
            "type_accuracy": round(self.type_ok / self.type_n, 4) if self.type_n else None,
            "stance_pairs": self.stance_n,
            "stance_accuracy": round(self.stance_ok / self.stance_n, 4) if with_stance and self.stance_n else None,
        }
        if self.stance_gold:
            top = max(set(self.stance_gold), key=self.stance_gold.count)
            out["stance_majority_baseline"] = {
                "label": top,
                "accuracy": round(self.stance_gold.count(top) / self.stance_n, 4),
            }
        return out


def resolve_gold(gold: GoldArticle, engine: Any = None, speakers_as_actors: bool = False) -> Any:
    """Mode (a): gold units and gold name mentions through actors.resolve."""
    from stancekit import actors
    from stancekit.cleaning import normalize

    norm = normalize(gold.text)
    texts, refs, names = [], [], []
    order = sorted(gold.claims)
    for ui in order:
        u = gold.units[ui]
        t = norm[u["start"] : u["end"]]
        texts.append(t)
        refs.append(actors.reference_spans(t))
        names.append(gold.claims[ui]["spans"])
    scores_names: list[list[tuple[float, float, float]]] = [[(0.0, 0.0, 1.0)] * len(n) for n in names]
    scores_refs: list[list[tuple[float, float, float]]] = [[(0.0, 0.0, 1.0)] * len(r) for r in refs]
    if engine is not None and texts:
        spans = [[(s, e) for s, e, _ in n] + list(r) for n, r in zip(names, refs, strict=True)]
        preds = engine.predict(texts, extra_spans=spans)
        for k, p in enumerate(preds):
            sc = [tuple(float(x) for x in mp.stance_scores) for mp in p.extra]
            scores_names[k] = sc[: len(names[k])]
            scores_refs[k] = sc[len(names[k]) :]
    inputs = []
    pos = {ui: k for k, ui in enumerate(order)}
    for ui, u in enumerate(gold.units):
        k = pos.get(ui)
        if k is None:
            inputs.append(actors.UnitInput(u["start"], u["end"], False, None, ()))
            continue
        ms = tuple(
            _Mention(s, e, t, 1.0, scores_names[k][j])
            for j, (s, e, t) in enumerate(names[k])  # type: ignore[arg-type]
        )
        ex = tuple(_Mention(s, e, "other", 1.0, scores_refs[k][j]) for j, (s, e) in enumerate(refs[k]))  # type: ignore[arg-type]
        inputs.append(actors.UnitInput(u["start"], u["end"], bool(u["is_claim"]), _Prediction(0.9, ms, ex), refs[k]))
    return actors.resolve(gold.text, inputs, speakers_as_actors=speakers_as_actors)


def run_gold(engine: Any = None, verbose: bool = False, speakers_as_actors: bool = False) -> dict[str, Any]:
    by_split: dict[str, Tally] = {}
    for path in gold_files():
        gold = load_gold(path)
        res = resolve_gold(gold, engine, speakers_as_actors)
        tally = by_split.setdefault(gold.split, Tally())
        tally.add_article(gold, res.actors)
        for ui in gold.claims:
            if not gold.units[ui]["is_claim"]:
                continue
            tally.add(gold, ui, res.unit_actors[ui], res.primary[ui], res.sources[ui])
    if verbose:
        for split, t in by_split.items():
            print(f"--- {split}", file=sys.stderr)
            print("\n".join(t.errors), file=sys.stderr)
    return {split: t.report(engine is not None) for split, t in sorted(by_split.items())}


def run_pipeline(nlp: Any, verbose: bool = False) -> dict[str, Any]:
    """Mode (b): the real pipeline end to end; its units are matched to gold units by start offset."""
    by_split: dict[str, Tally] = {}
    for path in gold_files():
        gold = load_gold(path)
        article = nlp(gold.text)
        by_start = {u.start: u for u in article.units}
        tally = by_split.setdefault(gold.split, Tally())
        tally.add_article(gold, article.actors)
        for ui in gold.claims:
            gu = gold.units[ui]
            if not gu["is_claim"]:
                continue
            u = by_start.get(gu["start"])
            if u is None:  # the segmenter cut differently: count the gold actors as missed
                tally.add(gold, ui, (), None, None)
                continue
            tally.add(gold, ui, u.actors, u.primary_actor, u.source)
    if verbose:
        for split, t in by_split.items():
            print(f"--- {split}", file=sys.stderr)
            print("\n".join(t.errors), file=sys.stderr)
    return {split: t.report(True) for split, t in sorted(by_split.items())}


PERSENT_LABELS = {"Positive": "favor", "Negative": "against", "Neutral": "neutral"}


_PRONOUN_WORDS = {"he", "him", "his", "himself", "she", "her", "hers", "herself"}


def _masked_pronouns(document: str, masked: str) -> list[tuple[int, int]]:
    """Character spans of the pronouns of ``document`` that ``masked`` replaces by [TGT]."""
    import difflib
    import re

    words = list(re.finditer(r"\S+", document))
    sm = difflib.SequenceMatcher(a=[w.group(0) for w in words], b=masked.split(), autojunk=False)
    out = []
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op != "replace" or a1 - a0 != 1 or b1 - b0 != 1 or "[TGT]" not in masked.split()[b0]:
            continue
        w = words[a0]
        core = re.search(r"[A-Za-z]+", w.group(0))
        if core and core.group(0).lower() in _PRONOUN_WORDS:
            out.append((w.start() + core.start(), w.start() + core.end()))
    return out


def persent_rows(file: Path, limit: int = 0) -> list[dict[str, str]]:
    csv.field_size_limit(10**8)
    with open(file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[:limit] if limit else rows


def _pack(mp: Any) -> list[Any]:
    return [int(mp.start), int(mp.end), str(mp.type), float(mp.score), [float(x) for x in mp.stance_scores]]


def _unpack(x: Sequence[Any]) -> _Mention:
    return _Mention(int(x[0]), int(x[1]), str(x[2]), float(x[3]), tuple(float(v) for v in x[4]))  # type: ignore[arg-type]


def predict_units(nlp: Any, prepared: Sequence[Any]) -> list[list[dict[str, Any]]]:
    """The engine's output for every unit of every article, as JSON-ready dicts.

    What the pipeline hands ``actors.resolve`` before any resolver decision, so that resolver
    and aggregation changes can be measured by replaying a cache instead of re-running the model.
    """
    out: list[list[dict[str, Any]]] = []
    for p in prepared:  # stancekit.pipeline.prepare of each article
        body_texts = [p.norm[p.spans[i].start : p.spans[i].end] for i in p.body]
        preds = nlp.engine.predict(body_texts, extra_spans=p.extra) if body_texts else []
        by_span = {i: k for k, i in enumerate(p.body)}
        units = []
        for i, span in enumerate(p.spans):
            k = by_span.get(i)
            u: dict[str, Any] = {"start": span.start, "end": span.end}
            if k is not None:
                u["claim_score"] = float(preds[k].claim_score)
                u["extra_spans"] = [list(x) for x in p.extra[k]]
                u["mentions"] = [_pack(m) for m in preds[k].mentions]
                u["extra"] = [_pack(m) for m in preds[k].extra]
            units.append(u)
        out.append(units)
    return out


def unit_inputs(units: Sequence[dict[str, Any]], claim_threshold: float) -> list[Any]:
    """Rebuild the resolver's input from :func:`predict_units` output."""
    from stancekit import actors

    inputs = []
    for u in units:
        if "claim_score" not in u:
            inputs.append(actors.UnitInput(u["start"], u["end"], False, None, ()))
            continue
        pred = _Prediction(
            u["claim_score"], tuple(_unpack(m) for m in u["mentions"]), tuple(_unpack(m) for m in u["extra"])
        )
        spans = [tuple(x) for x in u["extra_spans"]]
        inputs.append(actors.UnitInput(u["start"], u["end"], u["claim_score"] >= claim_threshold, pred, spans))
    return inputs


def working_text(document: str) -> str:
    """The text the pipeline reads for ``document``: its mojibake repaired (the cached offsets are into it)."""
    from stancekit.cleaning import repair_mojibake

    repair = repair_mojibake(document)
    return repair.text if repair is not None else document


def cached_predictions(nlp: Any, rows: Sequence[dict[str, str]], cache: Path | None) -> list[list[dict[str, Any]]]:
    """:func:`predict_units` for PerSenT rows, read from / written to ``cache`` (a JSON file)."""
    # v3: the key covers what the model is given (units and reference spans, stancekit.pipeline.prepare),
    # so a change to the segmenter or to reference_spans makes a new cache instead of replaying a stale one
    digest = hashlib.sha256(b"v3")
    prepared = [prepare(r["DOCUMENT"]) for r in rows]
    for p in prepared:
        digest.update(p.text.encode() + b"\x00")
        digest.update(json.dumps([[s.start, s.end, s.reason] for s in p.spans] + p.extra).encode())
    key = digest.hexdigest()
    if cache is not None and cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return list(data["articles"])
    if nlp is None:
        raise SystemExit(f"{cache}: no prediction cache for these rows and no model to make one")
    preds = predict_units(nlp, prepared)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "articles": preds}), encoding="utf-8")
    return preds


def run_persent(
    nlp: Any, file: Path, limit: int = 0, cache: Path | None = None, claim_threshold: float | None = None
) -> dict[str, Any]:
    """Article-level stance toward PerSenT's ``TARGET_ENTITY``.

    The model's unit predictions come from ``cache`` when it holds them for these rows (else the
    model makes them and they are written there); the resolver then runs on them exactly as
    ``Pipeline`` does (a unit is a claim when its claim score reaches the pipeline's threshold).
    """
    from sklearn.metrics import accuracy_score, f1_score

    from stancekit.actors import find_actor, resolve

    rows = persent_rows(file, limit)
    gold = [PERSENT_LABELS[r["TRUE_SENTIMENT"].strip()] for r in rows]
    pred: list[str] = []
    found = 0
    pron_total = pron_hit = 0
    if claim_threshold is None:
        claim_threshold = float(nlp.claim_threshold)
    cached = cached_predictions(nlp, rows, cache)
    articles = [
        resolve(working_text(r["DOCUMENT"]), unit_inputs(u, claim_threshold)) for r, u in zip(rows, cached, strict=True)
    ]
    for r, article in zip(rows, articles, strict=True):
        actor = find_actor(article, r["TARGET_ENTITY"])
        found += actor is not None
        pred.append(actor.stance if actor is not None else "neutral")
        # Coreference check: MASKED_DOCUMENT replaces the target's mentions, pronouns included,
        # by [TGT]; count the masked pronouns the resolver attached to the target actor.
        spans = _masked_pronouns(working_text(r["DOCUMENT"]), working_text(r.get("MASKED_DOCUMENT", "")))
        got = {(m.start, m.end) for m in actor.mentions} if actor is not None else set()
        pron_total += len(spans)
        pron_hit += sum(1 for sp in spans if sp in got)
    majority = max(set(gold), key=gold.count)
    base = [majority] * len(gold)
    labels = ["favor", "against", "neutral"]
    return {
        "file": str(Path(file).name),
        "claim_threshold": claim_threshold,
        "sha256": hashlib.sha256(Path(file).read_bytes()).hexdigest(),
        "articles": len(rows),
        "target_found": found,
        "accuracy": round(accuracy_score(gold, pred), 4),
        "macro_f1": round(f1_score(gold, pred, labels=labels, average="macro", zero_division=0), 4),
        "target_pronouns": pron_total,
        "target_pronoun_recall": round(pron_hit / pron_total, 4) if pron_total else None,
        "pred_counts": {k: pred.count(k) for k in labels},
        "gold_counts": {k: gold.count(k) for k in labels},
        "baseline_majority": {
            "label": majority,
            "accuracy": round(accuracy_score(gold, base), 4),
            "macro_f1": round(f1_score(gold, base, labels=labels, average="macro", zero_division=0), 4),
        },
    }


def _meta(model: str | None) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = None
    return {
        "commit": commit,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {platform.system()}".strip(),
        "python": platform.python_version(),
        "model": model,
        "gold_files": [p.name for p in gold_files()],
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model, if present)")
    ap.add_argument("--no-model", action="store_true", help="mode (a) only, neutral stance scores")
    ap.add_argument("--persent", type=Path, default=None, help="PerSenT csv to evaluate article-level stance on")
    ap.add_argument("--limit", type=int, default=0, help="PerSenT: first N articles only (0 = all)")
    ap.add_argument(
        "--cache", type=Path, default=None, help="PerSenT: JSON file of the model's unit predictions (read or written)"
    )
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--modes", default="gold,pipeline", help="which of gold,pipeline to run (default: both)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every error to stderr")
    ap.add_argument(
        "--speakers-as-actors", action="store_true", help="score with a claim's speaker among its actors (gold modes)"
    )
    args = ap.parse_args(argv)

    nlp = None
    model_name = None
    if not args.no_model:
        try:
            import stancekit

            nlp = stancekit.load(args.model, device=args.device, speakers_as_actors=args.speakers_as_actors)
            model_name = str(args.model or "default")
        except Exception as err:  # a missing model is reported, not fatal: mode (a) still runs
            print(f"no model: {err}", file=sys.stderr)
    out: dict[str, Any] = _meta(model_name)
    if args.speakers_as_actors:
        out["speakers_as_actors"] = True
    if args.persent:
        if nlp is None:
            print("--persent needs a model", file=sys.stderr)
            return 1
        out["persent"] = run_persent(nlp, args.persent, args.limit, args.cache)
        path = args.out or RESULTS / "actors-persent.json"
    else:
        engine = getattr(nlp, "engine", None) if nlp is not None else None
        modes = set(args.modes.split(","))
        if "gold" in modes:
            out["gold_mentions"] = run_gold(engine, args.verbose, args.speakers_as_actors)
        if nlp is not None and "pipeline" in modes:
            out["pipeline"] = run_pipeline(nlp, args.verbose)
        path = args.out or RESULTS / ("actors-speakers.json" if args.speakers_as_actors else "actors.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
