"""Training: the train → save → load → predict contract on a tiny config, seeding, config errors, metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from stancekit.errors import InputError
from stancekit.serialization import load_model
from stancekit.training import _data_dir, _score, export, load_config, refit_claim_head, train

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "configs" / "quick.json"
needs_data = pytest.mark.skipif(
    not (_data_dir(load_config(QUICK)) / "newsmtsc").is_dir(), reason="needs the shared labelled data"
)


@needs_data
def test_train_two_steps_save_load_predict(tmp_path):
    summary = train(QUICK, tmp_path / "run")
    assert summary["examples"] == 2 * 4
    assert set(summary["best"]["headline"]) == {"newsmtsc_rw", "semeval2016", "pstance", "claimbuster", "conll2003"}
    assert all(0.0 <= v <= 1.0 for v in summary["best"]["headline"].values())
    records = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert {r["event"] for r in records} >= {"data", "step", "eval", "done"}
    assert all("examples_per_s" in r and "eta_min" in r for r in records if r["event"] == "step")

    model, tokenizer = load_model(tmp_path / "run" / "best")
    b = tokenizer(["Senator Smith attacked the plan."], return_tensors="pt")
    with torch.no_grad():
        h = model.encode(b["input_ids"], b["attention_mask"])
        span = torch.zeros(1, h.shape[1])
        span[0, 1:3] = 1
        probs = torch.softmax(model.stance_logits(h, b["attention_mask"], span, torch.tensor([0])), -1)
    assert probs.shape == (1, 3)
    assert torch.allclose(probs.sum(-1), torch.ones(1))
    card = (tmp_path / "run" / "best" / "README.md").read_text()
    assert "newsmtsc_rw F1m" in card


@needs_data
def test_same_seed_gives_the_same_scores(tmp_path):
    a = train(QUICK, tmp_path / "a")["best"]["scores"]
    b = train(QUICK, tmp_path / "b")["best"]["scores"]
    assert a == b


def test_unknown_config_key_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="Unknown training config keys"):
        train({"epochs": 1, "learning_rate": 1.0}, tmp_path)


def test_missing_config_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "absent.json")


@needs_data
def test_unknown_training_set_raises_input_error(tmp_path):
    cfg = {**json.loads(QUICK.read_text()), "weights": {"nonexistent": 1.0}}
    with pytest.raises(InputError, match="Unknown training sets"):
        train(cfg, tmp_path)


def test_semeval_score_is_mean_f1_of_favor_and_against():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 50)
    probs = rng.random((50, 3))
    rows = [{"labels": [int(g)], "main": [True], "group": "t"} for g in gold]
    preds = [p[None, :] for p in probs]
    got = _score("semeval2016", "stance", rows, preds)["F_avg"]
    want = f1_score(gold, probs.argmax(1), labels=[0, 1], average=None).mean()
    assert got == pytest.approx(want)


def test_pstance_score_decides_between_favor_and_against_only():
    rows = [{"labels": [lab], "main": [True], "group": g} for lab, g in [(0, "a"), (1, "a"), (0, "b"), (1, "b")]]
    # neutral has the highest score everywhere, yet only favor vs against is compared
    preds = [
        np.array([[0.3, 0.1, 0.6]]),
        np.array([[0.1, 0.3, 0.6]]),
        np.array([[0.3, 0.1, 0.6]]),
        np.array([[0.3, 0.1, 0.6]]),
    ]
    s = _score("pstance", "stance", rows, preds)
    assert s["F1m a"] == pytest.approx(1.0)
    assert s["F1m b"] == pytest.approx(f1_score([0, 1], [0, 0], average="macro"))
    assert s["macro-F1 (avg of 3 targets)"] == pytest.approx((s["F1m a"] + s["F1m b"]) / 2)


def test_tag_score_reads_first_subtokens_and_pads_truncated_words_with_o():
    rows = [{"gold": ["B-PER", "I-PER", "O", "B-LOC"]}]
    perfect = _score("conll2003", "tags", rows, [[1, 2, 0, 5]])["entity F1"]
    truncated = _score("conll2003", "tags", rows, [[1, 2]])["entity F1"]
    assert perfect == 1.0
    assert truncated == pytest.approx(2 * 0.5 * 1.0 / 1.5)


@needs_data
def test_export_writes_half_precision_and_scores_both(tmp_path):
    train(QUICK, tmp_path / "run")
    res = export(tmp_path / "run" / "best", tmp_path / "half", QUICK)
    assert set(res) == {"checkpoint", "exported"}
    assert set(res["exported"]) == set(res["checkpoint"])
    model, _ = load_model(tmp_path / "half")
    assert model.config.hidden_size == 32
    assert (tmp_path / "half" / "model.safetensors").stat().st_size < (
        tmp_path / "run" / "best" / "model.safetensors"
    ).stat().st_size


@needs_data
def test_refit_claim_head_lowers_its_loss_and_leaves_the_encoder_alone(tiny_model):
    import copy

    model, tokenizer = tiny_model
    model = copy.deepcopy(model)
    encoder_before = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    stance_before = {k: v.clone() for k, v in model.heads["stance"].state_dict().items()}
    res = refit_claim_head(model, tokenizer, {**json.loads(QUICK.read_text()), "train_limit": 64}, epochs=20)
    assert res["rows"] == 64
    assert res["loss_after"] < res["loss_before"]
    assert all(torch.equal(v, model.encoder.state_dict()[k]) for k, v in encoder_before.items())
    assert all(torch.equal(v, model.heads["stance"].state_dict()[k]) for k, v in stance_before.items())
