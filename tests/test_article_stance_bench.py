"""The model-selection pieces of benchmarks/article_stance.py (the procedure that fits ARTICLE_STANCE)."""

from __future__ import annotations

from types import ModuleType

import numpy as np


def _bench() -> ModuleType:
    from conftest import load_benchmark

    return load_benchmark("article_stance")


def test_accuracy_with_a_macro_f1_floor_prefers_any_setting_above_the_floor() -> None:
    b = _bench()
    y = np.array([0] * 7 + [1] * 2 + [2])
    has = np.ones(len(y), dtype=bool)
    always_favor = np.tile([1.0, 0.0, 0.0], (len(y), 1))  # accuracy 0.7, macro-F1 0.27
    balanced = np.eye(3)[[0, 0, 0, 1, 2, 2, 1, 1, 1, 2]]  # accuracy 0.6, macro-F1 0.59
    fav = b._objective("accuracy_f1floor", y, always_favor, has)
    bal = b._objective("accuracy_f1floor", y, balanced, has)
    assert bal > fav and bal[0] == 1.0 and fav[0] == 0.0  # lower accuracy, but above the floor
    assert b._objective("mean", y, balanced, has) > b._objective("mean", y, always_favor, has)
    # log-loss: the confident right answer beats the hedged one
    hedged = np.full((len(y), 3), 1 / 3)
    assert b._objective("logloss", y, np.eye(3)[y], has) > b._objective("logloss", y, hedged, has)


def test_ordinal_model_orders_against_neutral_favor_and_returns_distributions() -> None:
    b = _bench()
    rng = np.random.default_rng(0)
    # favor: f high, a low; against: the reverse; neutral in between (labels index LABELS: favor, against, neutral)
    centres = {0: (0.6, 0.1), 1: (0.1, 0.6), 2: (0.3, 0.3)}
    y = np.repeat([0, 1, 2], 60)
    x = np.array([centres[int(k)] for k in y]) + rng.normal(0, 0.05, (len(y), 2))
    model = b.fit(x, y, b.Setting(1.0, 1.0, 10.0, 1.0, 1.0, form="ordinal"))
    p = model.predict_proba(x)
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()
    assert (p.argmax(axis=1) == y).mean() > 0.9
    assert model.coef_[0] > 0 > model.coef_[1]  # the score rises with favor and falls with against
    assert model.thresholds_[0] < model.thresholds_[1]


def test_paragraph_calibration_learns_from_the_training_articles_only() -> None:
    b = _bench()
    rng = np.random.default_rng(1)
    arts = []
    for i in range(40):
        k = i % 3
        ev = [(tuple(float(v) for v in rng.dirichlet(np.ones(3) + 3 * np.eye(3)[k])), True, True) for _ in range(4)]
        arts.append({"gold": b.LABELS[k], "evidence": ev, "paragraph_labels": [k] * 4})
    train = np.arange(30)
    out = b.calibrate_on_paragraphs(arts, train)
    flipped = [dict(a, paragraph_labels=[(a["paragraph_labels"][0] + 1) % 3] * 4) if i >= 30 else a
               for i, a in enumerate(arts)]  # fmt: skip
    again = b.calibrate_on_paragraphs(flipped, train)
    assert all(o["evidence"] == a["evidence"] for o, a in zip(out, again, strict=True))
    for o, a in zip(out, arts, strict=True):
        assert len(o["evidence"]) == len(a["evidence"])
        assert all(np.isclose(sum(sc), 1.0) and prim and claim for sc, prim, claim in o["evidence"])


def test_features_pool_units_that_are_not_claims_at_their_weight_only() -> None:
    b = _bench()
    favor, against = (0.9, 0.05, 0.05), (0.05, 0.9, 0.05)
    arts = [
        {"evidence": [(against, True, True), (favor, True, False)], "salience": 0.5},
        {"evidence": [(favor, False, False)], "salience": 1.0},  # mentioned in no claim at all
    ]
    claims_only = b.Setting(1.0, 1.0, 1.0, 1.0, 1.0)
    x, has = b.features(arts, claims_only)
    assert x.shape == (2, 2) and has.tolist() == [True, False]
    assert np.allclose(x[0], (0.05 / 2, 0.9 / 2))  # one claim and the neutral prior
    half = b.Setting(1.0, 1.0, 1.0, 1.0, 1.0, nonclaim_weight=0.5)
    x, has = b.features(arts, half)
    assert has.tolist() == [True, True]
    assert np.allclose(x[0], ((0.05 + 0.45) / 2.5, (0.9 + 0.025) / 2.5))
    assert np.allclose(x[1], (0.9 * 0.5 / 1.5, 0.05 * 0.5 / 1.5))  # secondary weight 1 here
    x, _ = b.features(arts, b.Setting(1.0, 1.0, 1.0, 1.0, 1.0, nonclaim_weight=0.5, salience=1.0))
    assert x.shape == (2, 4) and np.allclose(x[0, 2:], 0.5 * x[0, :2]) and np.allclose(x[1, 2:], x[1, :2])


def test_country_bias_is_chosen_on_the_gold_pairs_and_moves_countries_only() -> None:
    b = _bench()
    from stancekit.actors.summary import ARTICLE_STANCE

    leaning = {"favor": 0.5, "against": 0.05, "neutral": 0.45}  # favor by a little, under the shipped bias
    rows = []
    for k in range(4):  # four splits: countries labelled neutral, people labelled favor, same scores
        for kind, want in (("country", "neutral"), ("country", "neutral"), ("person", "favor")):
            rows.append({"split": f"s{k}", "gold": want, "type": kind, "scores": dict(leaning)})
    rows.append({"split": "s0", "gold": "neutral", "type": None, "scores": None})  # not found: neutral
    assert b.relabel(rows[0], ARTICLE_STANCE.country_neutral_bias) == b.LABELS.index("favor")
    assert b.relabel(rows[0], ARTICLE_STANCE.country_neutral_bias + 1.0) == b.LABELS.index("neutral")
    assert b.relabel(rows[2], 10.0) == b.LABELS.index("favor")  # a person never moves
    assert b.relabel(rows[-1], 0.0) == b.LABELS.index("neutral")
    out = b.choose_country_bias(rows)
    assert out["chosen_on_all"] > ARTICLE_STANCE.country_neutral_bias
    assert set(out["leave_one_split_out"]["chosen"]) == {"s0", "s1", "s2", "s3"}
    assert out["leave_one_split_out"]["accuracy"] == 1.0
    assert out["per_bias"]["0.0"]["accuracy"] < 1.0
