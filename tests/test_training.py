"""Training: the train → save → load → predict contract on a tiny config, seeding, config errors, metrics."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

from stancekit.errors import InputError
from stancekit.serialization import load_model
from stancekit.training import (
    TRAIN_SETS,
    _data_dir,
    _examples,
    _load_set,
    evaluate_model,
    export,
    load_config,
    refit_claim_head,
    train,
)

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


def _newsmtsc_rows() -> datasets.Dataset:
    from stancekit.data.newsmtsc import FEATURES

    text = "Smith praised Jones, but he mocked Lee."
    rows = [
        {
            "id": "a",
            "text": text,
            "target": "Smith",
            "target_start": 0,
            "target_end": 5,
            "label": "favor",
            "dataset": "newsmtsc",
            "split": "x",
            "sentence_id": "s1",
            "other_spans": [[25, 27]],
        },
        {
            "id": "b",
            "text": text,
            "target": "Lee",
            "target_start": 35,
            "target_end": 38,
            "label": "against",
            "dataset": "newsmtsc",
            "split": "x",
            "sentence_id": "s1",
            "other_spans": [],
        },
        {
            "id": "c",
            "text": "Lee left.",
            "target": "Lee",
            "target_start": 0,
            "target_end": 3,
            "label": "neutral",
            "dataset": "newsmtsc",
            "split": "x",
            "sentence_id": "s2",
            "other_spans": [],
        },
    ]
    return datasets.Dataset.from_list(rows, features=FEATURES)


def test_mention_form_rows_of_one_sentence_become_one_example_with_further_mentions():
    ex = _examples("newsmtsc", "stance", _newsmtsc_rows(), further=True)
    assert len(ex) == 2
    assert ex[0]["spans"] == [(0, 5), (25, 27), (35, 38)]
    assert ex[0]["labels"] == [0, 0, 1]
    assert ex[0]["main"] == [True, False, True]
    assert ex[1]["spans"] == [(0, 3)] and ex[1]["target"] is None
    no_further = _examples("newsmtsc", "stance", _newsmtsc_rows(), further=False)
    assert no_further[0]["spans"] == [(0, 5), (35, 38)]


def test_target_form_rows_keep_their_target_as_the_group():
    from stancekit.data.pstance import FEATURES

    ds = datasets.Dataset.from_list(
        [
            {
                "id": str(i),
                "text": f"tweet {i}",
                "target": t,
                "target_start": None,
                "target_end": None,
                "label": lab,
                "dataset": "pstance",
                "split": "x",
            }
            for i, (t, lab) in enumerate([("Trump", "favor"), ("Biden", "against")])
        ],
        features=FEATURES,
    )
    ex = _examples("pstance", "stance", ds, further=True)
    assert [(e["target"], e["group"], e["labels"], e["spans"]) for e in ex] == [
        ("Trump", "Trump", [0], []),
        ("Biden", "Biden", [1], []),
    ]


@needs_data
def test_dev_scores_are_the_evaluation_harness_metrics(tmp_path, tiny_model):
    from stancekit import data
    from stancekit.evaluation import compute_metrics

    model, tokenizer = tiny_model
    cfg = {**json.loads(QUICK.read_text()), "dev_limit": 40}
    scores = evaluate_model(model, tokenizer, cfg, ["pstance", "claimbuster"])
    ds = data.load("pstance", "val").select(range(40))
    assert set(scores["pstance"]) == set(compute_metrics("pstance", ds, ["favor"] * 40))
    assert 0.0 <= scores["pstance"]["f1_macro_avg"] <= 1.0
    assert "f1_claim" in scores["claimbuster"]
    from_path = evaluate_model(model, tokenizer, QUICK, ["claimbuster"])  # a config file path works too
    assert set(from_path["claimbuster"]) == set(scores["claimbuster"])


@needs_data
def test_essays_train_on_the_train_split_only():
    from stancekit import data

    cfg = load_config(QUICK)
    task, ds = _load_set(_data_dir(cfg), *TRAIN_SETS["essays"])
    assert task == "claim"
    assert set(ds["split"]) == {"train"}
    held_out = {*data.load("aae-sentences", "dev")["text"], *data.load("aae-sentences", "test")["text"]}
    train_texts = [e["text"] for e in _examples("aae-sentences", task, ds, further=False)]
    assert len(train_texts) == len(ds) > 0
    assert len(set(train_texts) & held_out) < 0.02 * len(held_out)  # only sentences repeated across essays


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


def test_length_buckets_group_similar_lengths_and_still_visit_every_row_once_per_pass():
    import random

    from stancekit.training import _Stream

    rows = [{"input_ids": [0] * n, "n": i} for i, n in enumerate(random.Random(0).choices(range(5, 100), k=96))]
    plain = _Stream(rows, random.Random(1), bucket=0, batch_size=8)
    bucketed = _Stream(rows, random.Random(1), bucket=4, batch_size=8)

    def spread(stream: _Stream) -> float:
        batches = [stream.take(8) for _ in range(12)]
        assert sorted(r["n"] for b in batches for r in b) == list(range(96))  # one pass: every row once
        return float(
            np.mean([max(len(r["input_ids"]) for r in b) - min(len(r["input_ids"]) for r in b) for b in batches])
        )

    assert spread(bucketed) < spread(plain) / 2


# -- one code path, resuming, in-memory fixtures (no ../shared/data needed) --------------------------


def _fixture_sets() -> dict[str, datasets.Dataset]:
    """Tiny in-memory sets in stancekit's schemas: mention-form stance, pair-form stance, claims, tags."""
    from stancekit.data.pstance import FEATURES as PSTANCE

    nm = _newsmtsc_rows()
    ps = datasets.Dataset.from_list(
        [
            {"id": str(i), "text": t, "target": tg, "target_start": None, "target_end": None, "label": lab,
             "dataset": "pstance", "split": "x"}
            for i, (t, tg, lab) in enumerate(
                [("Great rally tonight!", "Donald Trump", "favor"), ("Worst plan ever.", "Joe Biden", "against"),
                 ("He will win big.", "Bernie Sanders", "favor"), ("Not my president.", "Donald Trump", "against")]
            )
        ],
        features=PSTANCE,
    )
    claims = datasets.Dataset.from_list(
        [{"id": str(i), "text": t, "label": lab, "dataset": "claimbuster", "split": "x"}
         for i, (t, lab) in enumerate([("Taxes rose 40 percent last year.", "claim"), ("Thank you all.", "not_claim"),
                                       ("We created ten million jobs.", "claim"), ("Good evening.", "not_claim")])]
    )
    tags = datasets.Dataset.from_list(
        [{"id": str(i), "tokens": tok, "tags": tg, "dataset": "conll2003", "split": "x"}
         for i, (tok, tg) in enumerate([(["Angela", "Merkel", "visited", "Paris", "."],
                                         ["B-PER", "I-PER", "O", "B-LOC", "O"]),
                                        (["The", "UN", "met", "."], ["O", "B-ORG", "O", "O"])])]
    )
    return {"newsmtsc": nm, "newsmtsc-rw": nm, "pstance-all": ps, "pstance": ps, "claimbuster": claims,
            "conll2003": tags}


def _fixture_config(**over: object) -> dict[str, object]:
    cfg = {
        "seed": 5, "tiny_encoder": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                                    "intermediate_size": 64},
        "max_length": 48, "max_length_per_set": {}, "batch_size": 2, "epochs": 1, "steps_per_epoch": 6,
        "bf16": False, "save_checkpoints": False, "checkpoint_every": 2, "device": "cpu",
        "weights": {"newsmtsc": 1, "pstance": 1, "claimbuster": 1, "conll2003": 1},
        "dev": ["newsmtsc_rw", "pstance", "claimbuster", "conll2003"],
    }
    cfg.update(over)
    return cfg


def test_train_save_load_analyze_on_in_memory_fixtures(tmp_path):
    import stancekit

    summary = train(_fixture_config(), tmp_path / "run", datasets=_fixture_sets())
    assert summary["step"] == 6 and summary["stopped"] is None
    assert set(summary["best"]["headline"]) == {"newsmtsc_rw", "pstance", "claimbuster", "conll2003"}
    nlp = stancekit.load(tmp_path / "run" / "best", device="cpu")
    article = nlp("Angela Merkel praised the plan. Critics in Berlin called it reckless.")
    want = ["Angela Merkel praised the plan.", "Critics in Berlin called it reckless."]
    assert [u.text for u in article.units] == want
    assert all(article.text[u.start : u.end] == u.text for u in article.units)


def test_dev_scores_are_what_the_engine_path_gives(tmp_path):
    from stancekit.evaluation import compute_metrics, predict
    from stancekit.inference import Engine

    sets = _fixture_sets()
    summary = train(_fixture_config(steps_per_epoch=2), tmp_path / "run", datasets=sets)
    model, tok = load_model(tmp_path / "run" / "best")
    engine = Engine(model, tok, device="cpu", precision="fp32")
    for dev_name, reg in (("newsmtsc_rw", "newsmtsc-rw"), ("pstance", "pstance"), ("claimbuster", "claimbuster")):
        want = compute_metrics(reg, sets[reg], predict(engine, reg, sets[reg]))
        assert summary["best"]["scores"][dev_name] == pytest.approx(want, abs=1e-9)


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path):
    from safetensors.torch import load_file

    sets = _fixture_sets()
    whole = train(_fixture_config(), tmp_path / "whole", datasets=sets)
    part = train(_fixture_config(), tmp_path / "part", datasets=sets, stop_after_steps=3)
    assert part["step"] == 3 and part["resumable"] and part["best"] is None
    assert (tmp_path / "part" / "last" / "trainer_state.json").is_file()
    resumed = train(_fixture_config(), tmp_path / "part", datasets=sets, resume=True)
    assert resumed["step"] == 6 and resumed["examples"] == whole["examples"]
    assert resumed["best"]["scores"] == whole["best"]["scores"]
    a = load_file(str(tmp_path / "whole" / "best" / "model.safetensors"))
    b = load_file(str(tmp_path / "part" / "best" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_resume_without_a_checkpoint_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no checkpoint"):
        train(_fixture_config(), tmp_path / "none", datasets=_fixture_sets(), resume=True)


def test_stance_markers_are_refused_because_the_engine_cannot_serve_them(tmp_path):
    with pytest.raises(InputError, match="stance_markers"):
        load_config({"stance_markers": True})


def test_training_rows_use_the_engine_layout_for_pairs_and_mentions(tiny_model):
    from stancekit.training import _RowEncoder

    _, tok = tiny_model
    enc = _RowEncoder(tok)
    pair = enc.stance([{"text": "Tax cuts now.", "target": "Joe Biden", "spans": [], "labels": [1]}], 32)[0]
    target_ids = tok("Joe Biden", add_special_tokens=False)["input_ids"]
    text_ids = tok("Tax cuts now.", add_special_tokens=False)["input_ids"]
    assert pair["input_ids"].tolist() == [tok.cls_token_id, *target_ids, tok.sep_token_id, *text_ids, tok.sep_token_id]
    assert pair["spans"] == [(1, len(target_ids))]
    assert pair["token_type_ids"].tolist() == [0] * (len(target_ids) + 2) + [1] * (len(text_ids) + 1)
    men = enc.stance([{"text": "Smith praised Jones.", "target": None, "spans": [(14, 19)], "labels": [0]}], 32)[0]
    tokens = tok.convert_ids_to_tokens(men["input_ids"].tolist())
    lo, hi = men["spans"][0]
    assert "".join(t.lstrip("#") for t in tokens[lo : hi + 1]) == "jones"
    cut = enc.stance([{"text": "a " * 40 + "Smith.", "target": None, "spans": [(80, 85)], "labels": [0]}], 16)[0]
    assert cut["spans"] == []  # truncated away: never trained on an empty span


@needs_data
def test_resume_on_the_quick_config_matches_an_uninterrupted_run(tmp_path):
    cfg = {**json.loads(QUICK.read_text()), "steps_per_epoch": 4, "checkpoint_every": 2}
    whole = train(cfg, tmp_path / "whole")
    train(cfg, tmp_path / "part", stop_after_steps=2)
    resumed = train(cfg, tmp_path / "part", resume=True)
    assert resumed["best"]["scores"] == whole["best"]["scores"]
    assert resumed["examples"] == whole["examples"] == 4 * cfg["batch_size"]


def test_train_returns_a_typed_summary_that_matches_its_json(tmp_path):
    from stancekit.training import TrainSummary

    summary = train(_fixture_config(steps_per_epoch=2), tmp_path / "run", datasets=_fixture_sets())
    assert isinstance(summary, TrainSummary)
    assert summary.step == 2 and summary["step"] == 2 and summary.best is not None
    on_disk = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert on_disk["best"]["headline"] == summary.best["headline"] and on_disk["of"] == summary.of
    assert "best dev mean" in repr(summary)
