"""Fit and check the article-level stance model (``stancekit.actors.summary.ARTICLE_STANCE``).

**PerSenT dev** labels the author's stance toward one person per article (``TARGET_ENTITY``); its
train split is not available, so dev is where the model is fitted *and* measured. To keep the
figure honest the benchmark reports **nested cross-validation**: the outer folds are scored by a
model whose pooling values and logistic-regression settings were chosen (inner 5-fold CV) and whose
coefficients were fitted on the other outer folds only, repeated over three seeds. The shipped
parameters are the ones chosen and fitted on all of dev (their dev score is optimistic and is
reported as such).

The model runs once per article and its unit predictions are cached
(``runs/persent-dev-units.json``, made by ``benchmarks/actors.py --persent … --cache …``); the
resolver then replays exactly what ``Pipeline`` does, so every grid point costs seconds.

What is chosen, by the shipped procedure ``SHIPPED``: the logistic regression's L2 strength (C
0.3, 1, 3, 10) and class weights (against 1–4, neutral 1–1.4, favor 1), on inner-CV accuracy
among the settings whose inner macro-F1 reaches ``F1_FLOOR`` (0.52: issue 13's 0.50 plus a
margin), which is what the issue asks for. The pooling values (neutral prior 1, secondary weight 1)
are fixed.

``--variants`` runs the nested CV of every procedure in ``VARIANTS``, each tried once on dev to
reach the issue's accuracy target (majority + 5 points) without overfitting it; ``SHIPPED`` is the
one with the best nested-CV mean accuracy whose macro-F1 stays above 0.50. None reaches the
target, and the differences between the multinomial ones are within the noise (their order
changed with resolver commits that did not touch article stance; RESULTS.md). The others:

* the previous stop's: class weights favouring the minority classes only (against 1.5–2.5), C up
  to 3, chosen on the mean of accuracy and macro-F1;
* class weights from the unweighted (1, 1, 1) to against 2.5, chosen on accuracy with the macro-F1
  floor, or on log-loss (the calibrated choice, which always picks unweighted and loses macro-F1);
* an ordinal (proportional-odds) model, against < neutral < favor, on one linear score of
  ``(f, a)``: fewer parameters, but one score cannot use how strong the evidence is (the
  multinomial model's neutral logit falls with both ``f`` and ``a``);
* each claim's scores recalibrated first on PerSenT's per-paragraph labels of the outer training
  folds (a logistic regression from the claim's scores to its paragraph's label).

**Gold articles** (``tests/data/actors/*.json`` with ``article_stance``): each article through the
pipeline (``stancekit.load``), the predicted stance of each labelled actor (``find_actor``) against
the label, per split. One number is chosen on them: ``country_neutral_bias`` (PerSenT labels
people only, and on the gold articles' countries its fit over-calls favor), from
``COUNTRY_BIASES`` on the mean of accuracy and macro-F1, reported on all the splits and leaving one
split out at a time; the held-back splits never take part. The splits in ``HELD_BACK_SPLITS``
(kept for one final scoring) are left out unless ``--held-back`` is given.

    python benchmarks/article_stance.py --cache runs/persent-dev-units.json
    python benchmarks/article_stance.py --cache runs/persent-dev-units.json --gold   # and the gold articles
    python benchmarks/article_stance.py --cache runs/persent-dev-units.json --gold --variants   # and VARIANTS

Writes benchmarks/results/article-stance-persent.json.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("favor", "against", "neutral")
#: Ordinal rank of each label (indexed as LABELS): against 0 < neutral 1 < favor 2.
RANK = np.array([2, 0, 1])
GRID = {
    # Pooling: fixed. An exploration on all of PerSenT dev (prior 0/1/2, secondary weight 0.25–1,
    # weighting by claim score) preferred these; searching them inside the nested CV as well gave
    # 0.559 accuracy / 0.500 macro-F1 (more selection noise for no gain), recorded in RESULTS.md.
    "neutral_prior": (1.0,),
    "secondary_weight": (1.0,),
    # Units the claim model did not call claims: left out (weight 0) by the first procedures.
    "nonclaim_weight": (0.0,),
    # Salience terms s·f and s·a (s: the actor's mentions over the article's most mentioned actor's).
    "salience": (0.0,),
    "C": (0.3, 1.0, 3.0),
    "against_weight": (1.0, 1.25, 1.5, 2.0, 2.5),
    "neutral_weight": (1.0, 1.2, 1.4),
}
#: Other grids a variant may search instead of GRID's: the previous stop's (only class weights that
#: favour the minority classes), and GRID widened past the edges that its choices sat on (C 3 and
#: against 2.5).
GRIDS = {
    "wide": GRID,
    "minority": dict(GRID, against_weight=(1.5, 2.0, 2.5), neutral_weight=(1.0, 1.2, 1.4)),
    "extended": dict(GRID, C=(0.3, 1.0, 3.0, 10.0), against_weight=(1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)),
}
#: The extended grid with the units that are not claims pooled as well, at a weight the inner CV
#: chooses: a sentence the claim model scores below its threshold ("Smith was greeted by cheering
#: crowds") still says how the article treats the actor.
GRIDS["all units"] = dict(GRIDS["extended"], nonclaim_weight=(0.25, 0.5, 1.0))
#: And the salience terms: the article's main actor is what its author takes a side on; an actor
#: mentioned in passing is more often treated neutrally.
GRIDS["all units, salience"] = dict(GRIDS["all units"], salience=(1.0,))
SEEDS = (0, 1, 2)
#: The inner-CV macro-F1 a setting must reach to be chosen on accuracy (issue 13's 0.50 plus a margin).
F1_FLOOR = 0.52


@dataclass(frozen=True)
class Variant:
    """A model-selection procedure: the model form, the class-weight grid and the inner-CV criterion."""

    name: str
    form: str  # "multinomial" | "ordinal"
    weights: str  # a key of GRIDS
    criterion: str  # "mean" | "accuracy_f1floor" | "logloss"
    calibrate: bool = False  # claim scores recalibrated on the training folds' paragraph labels first


#: Every procedure measured on PerSenT dev by nested CV, in the order they were tried (the first is
#: the previous stop's). ``SHIPPED`` is the one that chose and fitted ``ARTICLE_STANCE``.
VARIANTS = (
    Variant("multinomial, minority weights, mean(accuracy, macro-F1)", "multinomial", "minority", "mean"),
    Variant("multinomial, wide weights, accuracy with macro-F1 floor", "multinomial", "wide", "accuracy_f1floor"),
    Variant("multinomial, wide weights, log-loss", "multinomial", "wide", "logloss"),
    Variant("ordinal, wide weights, accuracy with macro-F1 floor", "ordinal", "wide", "accuracy_f1floor"),
    Variant("ordinal, wide weights, log-loss", "ordinal", "wide", "logloss"),
    Variant("multinomial, extended grid, accuracy with macro-F1 floor", "multinomial", "extended", "accuracy_f1floor"),
    Variant("paragraph-calibrated claims, minority weights, mean", "multinomial", "minority", "mean", calibrate=True),
    Variant("all units, extended grid, accuracy with macro-F1 floor", "multinomial", "all units", "accuracy_f1floor"),
    Variant(
        "all units and salience, accuracy with macro-F1 floor", "multinomial", "all units, salience", "accuracy_f1floor"
    ),  # fmt: skip
)
SHIPPED = VARIANTS[7]
#: The values ``--gold`` chooses ``ArticleStanceParams.country_neutral_bias`` from.
COUNTRY_BIASES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: Gold splits kept for one final scoring by others: ``--gold`` leaves them out unless ``--held-back``.
HELD_BACK_SPLITS = ("heldout-v11", "heldout-v12", "heldout-v13", "heldout-v14", "heldout-v15", "heldout-v16")


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("actors_bench", ROOT / "benchmarks" / "actors.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def collect(rows: Sequence[dict[str, str]], cached: Sequence[Any], claim_threshold: float) -> list[dict[str, Any]]:
    """Per article: the gold label, the units that mention the target actor (stance scores toward
    it, primary actor or not, claim or not; units the model did not read are left out), per unit
    PerSenT's label of its paragraph (an index into LABELS, -1 if unlabelled), and the actor's
    salience (its mentions over the most mentioned actor's)."""
    from stancekit.actors import find_actor, resolve

    bench = _bench()
    out = []
    for row, units in zip(rows, cached, strict=True):
        inputs = bench.unit_inputs(units, claim_threshold)
        text = bench.working_text(row["DOCUMENT"])  # the cached offsets are into it
        res = resolve(text, inputs)
        actor = find_actor(res, row["TARGET_ENTITY"])
        ev: list[tuple[tuple[float, float, float], bool, bool]] = []
        para: list[int] = []
        most = max((len(x.mentions) for x in res.actors), default=1)
        salience = len(actor.mentions) / most if actor is not None else 0.0
        if actor is not None:
            for ui, inp in enumerate(inputs):
                if inp.prediction is None:
                    continue
                for st in res.unit_actors[ui]:
                    if st.name == actor.name:
                        sc = (st.scores["favor"], st.scores["against"], st.scores["neutral"])
                        ev.append((sc, res.primary[ui] == st.name, inp.is_claim))
                        k = text[: inp.start].count("\n")
                        label = bench.PERSENT_LABELS.get(row.get(f"Paragraph{k}", "").strip())
                        para.append(LABELS.index(label) if label else -1)
        gold = bench.PERSENT_LABELS[row["TRUE_SENTIMENT"].strip()]
        kind = actor.type if actor is not None else "person"
        out.append({"gold": gold, "evidence": ev, "paragraph_labels": para, "salience": salience, "actor_type": kind})
    return out


@dataclass(frozen=True)
class Setting:
    neutral_prior: float
    secondary_weight: float
    C: float
    against_weight: float
    neutral_weight: float
    nonclaim_weight: float = 0.0
    salience: float = 0.0  # 1: add the salience terms
    form: str = "multinomial"


def grid_values(v: Variant) -> dict[str, tuple[float, ...]]:
    return GRIDS[v.weights]


def grid(v: Variant) -> list[Setting]:
    """The settings the inner CV chooses from under ``v``, simplest first (ties go to the first)."""
    g = grid_values(v)
    return [Setting(**dict(zip(g, values, strict=True)), form=v.form) for values in itertools.product(*g.values())]


def evidence_weight(primary: bool, claim: bool, s: Any) -> float:
    """A unit's weight in the pooling, as :class:`stancekit.actors.summary.Summary` gives it."""
    return (1.0 if primary else s.secondary_weight) * (1.0 if claim else s.nonclaim_weight)


def features(articles: Sequence[dict[str, Any]], s: Setting) -> tuple[np.ndarray, np.ndarray]:
    """``(f, a)`` per article as :func:`stancekit.actors.summary.pool_evidence` pools them (and
    ``(s·f, s·a)`` with ``s.salience``), and whether the article has any evidence (without, the
    stance is neutral whatever the fit)."""
    from stancekit.actors.summary import StanceEvidence, pool_evidence

    x = np.zeros((len(articles), 4 if s.salience else 2))
    has = np.zeros(len(articles), dtype=bool)
    for i, a in enumerate(articles):
        ev = [StanceEvidence(sc, evidence_weight(prim, claim, s)) for sc, prim, claim in a["evidence"]]
        pooled = pool_evidence(ev, s.neutral_prior)
        if pooled is not None:
            f, ag = pooled
            sal = a.get("salience", 1.0)
            x[i], has[i] = ((f, ag, sal * f, sal * ag) if s.salience else (f, ag)), True
    return x, has


def calibrate_on_paragraphs(articles: Sequence[dict[str, Any]], train: np.ndarray) -> list[dict[str, Any]]:
    """``articles`` with each claim's scores replaced by a multinomial logistic regression's
    distribution over its paragraph's label, fitted on the claims of the ``train`` articles whose
    paragraph PerSenT labels (the article labels are not used)."""
    from sklearn.linear_model import LogisticRegression

    pairs = []
    for i in train:
        a = articles[i]
        pairs += [(sc, k) for (sc, *_), k in zip(a["evidence"], a["paragraph_labels"], strict=True) if k >= 0]
    model = LogisticRegression(max_iter=5000).fit(np.array([sc for sc, _ in pairs]), np.array([k for _, k in pairs]))
    out = []
    for a in articles:
        ev = a["evidence"]
        p = model.predict_proba(np.array([sc for sc, *_ in ev])) if ev else np.zeros((0, 3))
        out.append(
            {**a, "evidence": [(tuple(float(v) for v in row), *rest) for row, (_, *rest) in zip(p, ev, strict=True)]}
        )
    return out


class Ordinal:
    """Cumulative-logit (proportional-odds) model, against < neutral < favor: one score
    ``s = coef · (f, a)`` and two thresholds, ``P(rank ≤ k) = σ(threshold[k] − s)``. Fitted by
    L-BFGS on the class-weighted log-likelihood with sklearn's L2 convention (``‖coef‖² / 2C``)."""

    def __init__(self, C: float, class_weight: dict[int, float]) -> None:
        self.C, self.class_weight = C, class_weight
        self.params_ = np.zeros(4)  # coef (2), first threshold, log of the gap to the second

    @staticmethod
    def _cum(params: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from scipy.special import expit

        s = x @ params[:2]
        t1, t2 = params[2], params[2] + np.exp(params[3])
        return expit(t1 - s), expit(t2 - s)

    def fit(self, x: np.ndarray, y: np.ndarray) -> Ordinal:
        from scipy.optimize import minimize

        r = RANK[y]
        sw = np.array([self.class_weight[int(k)] for k in y])

        def loss(params: np.ndarray) -> float:
            c1, c2 = self._cum(params, x)
            p = np.where(r == 0, c1, np.where(r == 1, c2 - c1, 1.0 - c2))
            w = params[:2]
            return float(-(sw * np.log(np.clip(p, 1e-15, None))).sum() + w @ w / (2 * self.C))

        start = np.array([0.0, 0.0, -0.5, 0.0])
        res = minimize(loss, start, method="L-BFGS-B")
        self.params_ = res.x
        return self

    @property
    def coef_(self) -> np.ndarray:
        return np.asarray(self.params_[:2])

    @property
    def thresholds_(self) -> np.ndarray:
        return np.array([self.params_[2], self.params_[2] + np.exp(self.params_[3])])

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        c1, c2 = self._cum(self.params_, x)
        return np.stack([1.0 - c2, c1, c2 - c1], axis=1)  # LABELS order: favor, against, neutral


def fit(x: np.ndarray, y: np.ndarray, s: Setting) -> Any:
    from sklearn.linear_model import LogisticRegression

    weights = {0: 1.0, 1: s.against_weight, 2: s.neutral_weight}
    if s.form == "ordinal":
        return Ordinal(s.C, weights).fit(x, y)
    return LogisticRegression(C=s.C, class_weight=weights, max_iter=5000).fit(x, y)


def proba(model: Any, x: np.ndarray, has: np.ndarray) -> np.ndarray:
    """The distribution per article (LABELS order); exactly neutral without evidence."""
    p = np.asarray(model.predict_proba(x), dtype=float)
    p[~has] = (0.0, 0.0, 1.0)
    return p


def score(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "macro_f1": round(float(f1_score(y, pred, labels=[0, 1, 2], average="macro", zero_division=0)), 4),
    }


def _objective(criterion: str, y: np.ndarray, p: np.ndarray, has: np.ndarray) -> tuple[float, ...]:
    """Larger is better. ``logloss``: minus the mean log-loss over the articles with evidence (the
    others are exactly neutral under every setting); ``accuracy_f1floor``: accuracy among the
    settings whose macro-F1 reaches F1_FLOOR (macro-F1 if none does); ``mean``: mean of the two."""
    sc = score(y, p.argmax(axis=1))
    if criterion == "logloss":
        return (float(np.mean(np.log(np.clip(p[has, y[has]], 1e-15, None)))),)
    if criterion == "accuracy_f1floor":
        ok = sc["macro_f1"] >= F1_FLOOR
        return (float(ok), sc["accuracy"] if ok else sc["macro_f1"], sc["macro_f1"])
    return ((sc["accuracy"] + sc["macro_f1"]) / 2,)


def choose(articles: Sequence[dict[str, Any]], y: np.ndarray, idx: np.ndarray, seed: int, v: Variant) -> Setting:
    """The setting of ``grid(v)`` with the best inner 5-fold CV objective on ``idx`` (ties: the first, simplest)."""
    from sklearn.model_selection import StratifiedKFold

    cache: dict[tuple[float, float, float, float], tuple[np.ndarray, np.ndarray]] = {}
    best: tuple[tuple[float, ...], Setting] | None = None
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(idx, y[idx]))
    for s in grid(v):
        key = (s.neutral_prior, s.secondary_weight, s.nonclaim_weight, s.salience)
        if key not in cache:
            cache[key] = features(articles, s)
        x, has = cache[key]
        p = np.zeros((len(idx), 3))
        for tr, te in folds:
            p[te] = proba(fit(x[idx[tr]], y[idx[tr]], s), x[idx[te]], has[idx[te]])
        obj = tuple(round(o, 9) for o in _objective(v.criterion, y[idx], p, has[idx]))
        if best is None or obj > best[0]:
            best = (obj, s)
    assert best is not None
    return best[1]


def nested_cv(articles: Sequence[dict[str, Any]], y: np.ndarray, v: Variant) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold

    reps: list[dict[str, Any]] = []
    for seed in SEEDS:
        pred = np.zeros_like(y)
        chosen = []
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=100 + seed).split(y, y):
            arts = calibrate_on_paragraphs(articles, tr) if v.calibrate else articles
            s = choose(arts, y, tr, seed, v)
            x, has = features(arts, s)
            pred[te] = proba(fit(x[tr], y[tr], s), x[te], has[te]).argmax(axis=1)
            chosen.append(asdict(s))
        reps.append({"seed": seed, **score(y, pred), "chosen": chosen})
    return {
        "repeats": reps,
        "accuracy": round(float(np.mean([r["accuracy"] for r in reps])), 4),
        "macro_f1": round(float(np.mean([r["macro_f1"] for r in reps])), 4),
        "accuracy_range": [min(r["accuracy"] for r in reps), max(r["accuracy"] for r in reps)],
        "macro_f1_range": [min(r["macro_f1"] for r in reps), max(r["macro_f1"] for r in reps)],
    }


def shipped_score(articles: Sequence[dict[str, Any]], y: np.ndarray) -> dict[str, float]:
    """Dev figures of the shipped ``ARTICLE_STANCE`` through :func:`article_stance` itself."""
    from stancekit.actors.summary import ARTICLE_STANCE, StanceEvidence, article_stance

    pred = []
    for a in articles:
        ev = [StanceEvidence(sc, evidence_weight(prim, claim, ARTICLE_STANCE)) for sc, prim, claim in a["evidence"]]
        dist = article_stance(ev, actor_type=a.get("actor_type", "person"))
        pred.append(LABELS.index(max(LABELS, key=lambda k: dist[k])))
    return score(y, np.asarray(pred))


def run_gold(held_back: bool = False) -> dict[str, Any]:
    """Article-level stance of the gold articles' labelled actors through the pipeline, per split
    (the splits in HELD_BACK_SPLITS only if ``held_back``)."""
    import stancekit
    from stancekit.actors import find_actor

    bench = _bench()
    nlp = stancekit.load()
    per_split: dict[str, dict[str, list[str]]] = {}
    rows = []
    for path in bench.gold_files():
        raw = json.loads(path.read_text(encoding="utf-8"))
        labels = raw.get("article_stance")
        if not labels:
            continue
        gold = bench.load_gold(path)
        if gold.split in HELD_BACK_SPLITS and not held_back:
            continue
        article = nlp(gold.text)
        for name, want in labels.items():
            found = None
            for alias in [name, *sorted(gold.aliases.get(name, ()))]:
                found = find_actor(article, alias)
                if found is not None:
                    break
            got = found.stance if found is not None else "neutral"
            d = per_split.setdefault(gold.split, {"gold": [], "pred": []})
            d["gold"].append(want)
            d["pred"].append(got)
            rows.append({"article": gold.name, "split": gold.split, "actor": name, "gold": want, "pred": got,
                         "found": found is not None, "type": found.type if found is not None else None,
                         "scores": dict(found.scores) if found is not None else None})  # fmt: skip
    out: dict[str, Any] = {}
    for split, d in sorted(per_split.items()):
        g = np.array([LABELS.index(x) for x in d["gold"]])
        p = np.array([LABELS.index(x) for x in d["pred"]])
        majority = int(np.bincount(g, minlength=3).argmax())
        out[split] = {
            "pairs": len(g),
            "gold_counts": {k: int((g == i).sum()) for i, k in enumerate(LABELS)},
            "pred_counts": {k: int((p == i).sum()) for i, k in enumerate(LABELS)},
            **score(g, p),
            "majority_baseline": {"label": LABELS[majority], **score(g, np.full_like(g, majority))},
        }
    out["country_bias"] = choose_country_bias([r for r in rows if r["split"] not in HELD_BACK_SPLITS])
    out["pairs"] = rows
    return out


def relabel(row: dict[str, Any], bias: float) -> int:
    """The label (index into LABELS) a gold pair would get with ``country_neutral_bias`` = ``bias``,
    from the distribution the pipeline gave under the shipped one (only the neutral logit moves)."""
    from stancekit.actors.summary import ARTICLE_STANCE

    if row["scores"] is None:
        return LABELS.index("neutral")
    logp = np.log(np.clip([row["scores"][k] for k in LABELS], 1e-12, None))
    if row["type"] == "country":
        logp[LABELS.index("neutral")] += bias - ARTICLE_STANCE.country_neutral_bias
    return int(np.argmax(logp))


def choose_country_bias(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Choose ``ArticleStanceParams.country_neutral_bias`` from COUNTRY_BIASES on the gold pairs
    ``rows``: the one with the best mean of accuracy and macro-F1 (ties: the smaller), on all of them
    and leaving one split out at a time (each split scored by the bias chosen on the others)."""
    y = np.array([LABELS.index(r["gold"]) for r in rows])
    split = np.array([r["split"] for r in rows])

    def objective(idx: np.ndarray, bias: float) -> float:
        sc = score(y[idx], np.array([relabel(rows[i], bias) for i in idx]))
        return round((sc["accuracy"] + sc["macro_f1"]) / 2, 9)

    def best(idx: np.ndarray) -> float:
        return max(COUNTRY_BIASES, key=lambda b: (objective(idx, b), -b))

    loso = np.zeros_like(y)
    chosen: dict[str, float] = {}
    for held in sorted(set(split.tolist())):
        test = np.flatnonzero(split == held)
        chosen[held] = best(np.flatnonzero(split != held))
        loso[test] = [relabel(rows[int(i)], chosen[held]) for i in test]
    every = np.arange(len(rows))
    return {
        "pairs": len(rows),
        "chosen_on_all": best(every),
        "leave_one_split_out": {"chosen": chosen, **score(y, loso)},
        "per_bias": {str(b): score(y, np.array([relabel(r, b) for r in rows])) for b in COUNTRY_BIASES},
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persent", type=Path, default=ROOT.parent / "shared" / "data" / "persent" / "dev.csv")
    ap.add_argument("--cache", type=Path, default=ROOT / "runs" / "persent-dev-units.json")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "stancekit-news-small")
    ap.add_argument("--gold", action="store_true", help="also score the gold articles' article_stance labels")
    ap.add_argument("--variants", action="store_true", help="also the nested CV of every procedure in VARIANTS")
    ap.add_argument("--held-back", action="store_true", help="--gold: also the splits kept for the final scoring")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "article-stance-persent.json")
    args = ap.parse_args(argv)

    bench = _bench()
    rows = bench.persent_rows(args.persent)
    cached = bench.cached_predictions(None, rows, args.cache)
    config = json.loads((args.model / "config.json").read_text(encoding="utf-8"))
    threshold = float(config.get("stancekit", {}).get("claim_threshold", config.get("claim_threshold", 0.5)))
    articles = collect(rows, cached, threshold)
    y = np.array([LABELS.index(a["gold"]) for a in articles])
    majority = int(np.bincount(y, minlength=3).argmax())

    assert not SHIPPED.calibrate, "article_stance() pools raw claim scores"
    chosen = choose(articles, y, np.arange(len(y)), seed=7, v=SHIPPED)
    x, has = features(articles, chosen)
    model = fit(x, y, chosen)
    params: dict[str, Any]
    if chosen.form == "ordinal":
        params = {"coef": [round(float(v), 4) for v in model.coef_],
                  "thresholds": [round(float(v), 4) for v in model.thresholds_]}  # fmt: skip
    else:
        params = {"coef": [[round(float(v), 4) for v in row] for row in model.coef_],
                  "intercept": [round(float(v), 4) for v in model.intercept_]}  # fmt: skip
    out = {
        "file": args.persent.name,
        "sha256": hashlib.sha256(args.persent.read_bytes()).hexdigest(),
        "model": str(args.model.relative_to(ROOT) if args.model.is_relative_to(ROOT) else args.model),
        "claim_threshold": threshold,
        "articles": len(articles),
        "target_found": sum(1 for a in articles if a["evidence"]),
        "target_in_claims": sum(1 for a in articles if any(claim for *_, claim in a["evidence"])),
        "gold_counts": {k: int((y == i).sum()) for i, k in enumerate(LABELS)},
        "majority_baseline": {"label": LABELS[majority], **score(y, np.full_like(y, majority))},
        "procedure": asdict(SHIPPED),
        "grid": {k: list(v) for k, v in grid_values(SHIPPED).items()},
        "f1_floor": F1_FLOOR,
        "nested_cv": nested_cv(articles, y, SHIPPED),
        "fit_on_all": {"setting": asdict(chosen), **params, **score(y, proba(model, x, has).argmax(axis=1))},
        "shipped": shipped_score(articles, y),
    }
    if args.variants:
        out["variants"] = [{**asdict(v), **nested_cv(articles, y, v)} for v in VARIANTS]
    if args.gold:
        out["gold_articles"] = run_gold(args.held_back)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "gold_articles"}, indent=2))
    if "gold_articles" in out:
        print(json.dumps({k: v for k, v in out["gold_articles"].items() if k != "pairs"}, indent=2))
        from stancekit.actors.summary import ARTICLE_STANCE

        chosen = out["gold_articles"]["country_bias"]["chosen_on_all"]
        if chosen != ARTICLE_STANCE.country_neutral_bias:
            print(f"note: the gold labels choose country_neutral_bias {chosen}; "
                  f"ARTICLE_STANCE has {ARTICLE_STANCE.country_neutral_bias}", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
