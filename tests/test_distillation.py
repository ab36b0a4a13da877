"""Distillation: the teacher's scores file, the KL term, and a distilled student that trains, saves,
loads and resumes; tiny models built in code, in-memory sets (no ../shared/data needed)."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

from stancekit.distillation import DistilConfig, Distillation, distil, kd_loss, read_scores, score_teacher
from stancekit.errors import InputError
from stancekit.inference import Engine
from stancekit.serialization import load_model
from test_training import _fixture_config, _fixture_sets

REPO = Path(__file__).resolve().parents[1]
SETS = ["newsmtsc", "pstance", "claimbuster", "conll2003"]


def _train_and_dev_sets() -> dict[str, datasets.Dataset]:
    """The fixture sets as train splits, plus dev splits whose texts appear nowhere in training."""
    from stancekit.data.pstance import FEATURES as PSTANCE

    sets = _fixture_sets()
    given = {"newsmtsc:train": sets["newsmtsc"], "pstance-all:train": sets["pstance-all"],
             "claimbuster:train": sets["claimbuster"], "conll2003:train": sets["conll2003"]}
    nm_dev = sets["newsmtsc"].map(lambda r: {"text": "DEVTEXT " + r["text"], "target_start": r["target_start"] + 8,
                                             "target_end": r["target_end"] + 8, "other_spans": []})
    ps_dev = datasets.Dataset.from_list(
        [{"id": "d", "text": "DEVTEXT rally in Ohio.", "target": "Donald Trump", "target_start": None,
          "target_end": None, "label": "favor", "dataset": "pstance", "split": "val"}], features=PSTANCE)
    cb_dev = sets["claimbuster"].map(lambda r: {"text": "DEVTEXT " + r["text"]})
    conll_dev = sets["conll2003"].map(lambda r: {"tokens": ["DEVTEXT", *r["tokens"]], "tags": ["O", *r["tags"]]})
    given.update({"newsmtsc-rw:dev": nm_dev, "pstance:val": ps_dev, "claimbuster:dev": cb_dev,
                  "conll2003:testa": conll_dev})
    return given


def _config(**over: object) -> dict[str, object]:
    return _fixture_config(distil={"sets": SETS, "temperature": 2.0, "share": 0.5}, **over)


@pytest.fixture(scope="module")
def scored(tiny_model_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("distil") / "scores.parquet"
    events: list[dict] = []
    header = score_teacher(tiny_model_dir, _config(), path, device="cpu", precision="fp32",
                           datasets=_train_and_dev_sets(), progress=events.append, chunk=5)
    return path, header, events


def test_scores_file_holds_what_the_teachers_engine_says(scored, tiny_model_dir):
    path, header, events = scored
    head, recs = read_scores(path)
    assert head == header
    assert header["units"] == len(recs["units"]) > 0 and header["pairs"] == len(recs["pairs"]) == 4
    assert header["teacher"]["name"] == Path(tiny_model_dir).name and len(header["teacher"]["sha256"]) == 64
    assert header["seconds"] >= 0 and set(header["sets"]) == set(SETS)
    # scored in chunks of 5 (results joined in order, checked below), progress after each
    assert [(e["part"], e["done"]) for e in events if e["part"] == "pairs"] == [("pairs", 4)]
    assert [e["done"] for e in events if e["part"] == "units"][-1] == header["units"] > 5
    model, tok = load_model(tiny_model_dir)
    engine = Engine(model, tok, device="cpu", precision="fp32")
    units = recs["units"]
    texts = [u["text"] for u in units]
    preds = engine.predict(texts)
    # float16 storage: probabilities within 2.5e-4 (half a float16 step below 1)
    np.testing.assert_allclose([u["claim"] for u in units], [p.claim_score for p in preds], atol=5e-4)
    words = [[u["text"][s:e] for s, e in u["words"].tolist()] for u in units]
    tag_scores, tags = engine.predict_tag_scores(words), engine.predict_tags(words)
    n_found = 0
    for u, p, ws, sc, tg in zip(units, preds, words, tag_scores, tags, strict=True):
        found = {(m.start, m.end): m.stance_scores for m in p.mentions}
        n_found += len(found)
        assert set(found) <= {tuple(s) for s in u["spans"].tolist()}  # every tagged mention is in the file
        for (s, e), st in zip(u["spans"].tolist(), u["stance"], strict=True):
            if (s, e) in found:
                np.testing.assert_allclose(st, found[(s, e)], atol=5e-4)
        assert u["tags"].shape == (len(ws), 9)
        np.testing.assert_allclose(u["tags"], sc, atol=5e-4)
        assert [model.config.tag_labels[i] for i in u["tags"].argmax(1)] == tg  # argmax = the hard tags
    assert n_found > 0
    # the annotated NewsMTSC targets are scored too, as the Engine scores a given span
    smith = next(u for u in units if u["text"].startswith("Smith praised"))
    want = engine.predict_stance([smith["text"]], ["Lee"], [(35, 38)])[0]
    k = smith["spans"].tolist().index([35, 38])
    np.testing.assert_allclose(smith["stance"][k], want, atol=5e-4)
    pairs = recs["pairs"]
    want = engine.predict_stance([p["text"] for p in pairs], [p["target"] for p in pairs], [None] * len(pairs))
    np.testing.assert_allclose(np.stack([p["stance"] for p in pairs]), want, atol=5e-4)
    # CoNLL rows keep their own words
    merkel = next(u for u in units if u["text"].startswith("Angela Merkel"))
    assert [merkel["text"][s:e] for s, e in merkel["words"].tolist()] == ["Angela", "Merkel", "visited", "Paris", "."]


def test_only_train_text_is_scored(scored):
    path = scored[0]
    _, recs = read_scores(path)
    texts = [u["text"] for u in recs["units"]] + [p["text"] for p in recs["pairs"]]
    assert texts and not any("DEVTEXT" in t for t in texts)
    assert "Lee left." in texts  # a train sentence is there


def test_offsets_of_words_and_mentions_index_the_unit_text(scored):
    _, recs = read_scores(scored[0])
    for u in recs["units"]:
        for s, e in [*u["words"].tolist(), *u["spans"].tolist()]:
            assert 0 <= s < e <= len(u["text"]) and u["text"][s:e].strip() == u["text"][s:e]


def test_kd_loss_is_zero_for_the_teachers_logits_and_positive_otherwise():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(7, 9, generator=g) * 3
    teacher = torch.softmax(logits, -1)
    for t in (1.0, 2.0, 4.0):
        assert float(kd_loss(logits, teacher, t)) == pytest.approx(0.0, abs=1e-5)
        assert float(kd_loss(logits + 0.5, teacher, t)) == pytest.approx(0.0, abs=1e-5)  # a shift is the same law
        other = torch.randn(7, 9, generator=g)
        assert float(kd_loss(other, teacher, t)) > 1e-3
    # × T²: with the student a little off, the loss is about the same at T = 1 and T = 4
    near = logits + 0.01 * torch.randn(7, 9, generator=g)
    assert float(kd_loss(near, teacher, 4.0)) == pytest.approx(float(kd_loss(near, teacher, 1.0)), rel=0.5)
    # the gradient points toward the teacher
    s = torch.zeros(1, 3, requires_grad=True)
    kd_loss(s, torch.tensor([[0.8, 0.1, 0.1]]), 2.0).backward()
    assert s.grad is not None and int(s.grad.argmin()) == 0


def test_distil_block_keys_are_checked():
    with pytest.raises(InputError, match="Unknown keys"):
        DistilConfig.from_dict({"file": "x", "temprature": 2})
    with pytest.raises(InputError, match="share"):
        DistilConfig.from_dict({"file": "x", "share": 0})
    from stancekit.distillation import _collect
    from stancekit.training import load_config

    with pytest.raises(InputError, match="Unknown training sets"):
        _collect(load_config(_fixture_config()), DistilConfig.from_dict({"sets": ["nope"]}), {})


def test_distil_trains_a_loadable_student_and_resumes_like_an_uninterrupted_run(tmp_path, tiny_model_dir, scored):
    from safetensors.torch import load_file

    import stancekit

    sets = _train_and_dev_sets()
    cfg = _config(steps_per_epoch=4, dev=["newsmtsc_rw", "claimbuster"])
    cfg["distil"] = {**cfg["distil"], "file": str(scored[0])}
    records: list[dict] = []
    whole = distil(tiny_model_dir, cfg, tmp_path / "whole", datasets=sets, progress=records.append)
    assert whole["step"] == 4 and whole["stopped"] is None
    assert whole["train_rows"]["distil_units"] > 0 and whole["train_rows"]["distil_pairs"] == 4
    assert next(r for r in records if r["event"] == "teacher_scores")["reused"] is True
    losses = [r["loss"] for r in records if r["event"] == "step"]
    assert any(k.startswith("distil_") for r in losses for k in r)
    nlp = stancekit.load(tmp_path / "whole" / "best", device="cpu")
    article = nlp("Angela Merkel praised the plan.")
    assert article.units and article.text[article.units[0].start : article.units[0].end] == article.units[0].text
    card = (tmp_path / "whole" / "best" / "README.md").read_text()
    assert "teacher soft labels" in card

    part = distil(tiny_model_dir, cfg, tmp_path / "part", datasets=sets, stop_after_steps=2)
    assert part["step"] == 2 and part["resumable"]
    resumed = distil(tiny_model_dir, cfg, tmp_path / "part", datasets=sets, resume=True)
    assert resumed["step"] == 4 and resumed["examples"] == whole["examples"]
    assert resumed["best"]["scores"] == whole["best"]["scores"]
    a = load_file(str(tmp_path / "whole" / "best" / "model.safetensors"))
    b = load_file(str(tmp_path / "part" / "best" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_kl_term_vanishes_when_the_student_is_the_teacher_and_not_otherwise(scored, tiny_model_dir):
    """The student's rows (its own tokenizer, char offsets → tokens, first sub-token of each word, the
    pair form) reproduce what the teacher's Engine computed: the teacher as student has a KL of ~0 on
    every term; another model does not."""
    import random

    from conftest import build_tiny_model
    from stancekit.training import _RowEncoder, _Stream, load_config

    cfg = _config()
    cfg["distil"] = {**cfg["distil"], "file": str(scored[0])}
    teacher, tok = load_model(tiny_model_dir)
    enc = _RowEncoder(tok)
    d = Distillation(load_config(cfg), enc, random.Random(0), _Stream)
    assert set(d.streams) == {"distil_units", "distil_pairs"}
    other, _ = build_tiny_model(seed=1)
    cpu = torch.device("cpu")
    for name, stream in d.streams.items():
        for heads in ({"claim": 1.0}, {"mentions": 1.0}, {"stance": 1.0}):
            d.dc.heads = heads
            with torch.no_grad():
                same = float(d.loss(teacher.eval(), name, stream.rows, enc.pad, cpu))
                diff = float(d.loss(other.eval(), name, stream.rows, enc.pad, cpu))
            assert same < 1e-5, (name, heads, same)
            assert diff > 1e-3, (name, heads, diff)


def test_scores_of_another_teacher_or_other_sets_are_refused(tmp_path, scored, tiny_model, tiny_model_dir):
    import copy

    from stancekit.serialization import save

    model, tok = tiny_model
    other = copy.deepcopy(model)
    with torch.no_grad():
        next(other.heads["claim"].parameters()).add_(1.0)
    other_dir = save(other, tok, tmp_path / "other-teacher")
    cfg = _config()
    cfg["distil"] = {**cfg["distil"], "file": str(scored[0])}
    with pytest.raises(InputError, match="another teacher"):
        distil(other_dir, cfg, tmp_path / "run", datasets=_train_and_dev_sets())
    cfg["distil"]["sets"] = ["newsmtsc"]
    with pytest.raises(InputError, match="the config asks for"):
        distil(tiny_model_dir, cfg, tmp_path / "run", datasets=_train_and_dev_sets())


def test_a_config_without_a_distil_block_is_an_input_error(tmp_path, tiny_model_dir):
    with pytest.raises(InputError, match="no 'distil' block"):
        distil(tiny_model_dir, _fixture_config(), tmp_path / "run")


def test_cli_distil_passes_its_arguments_to_the_library(monkeypatch, tmp_path, capsys):
    import stancekit.distillation as dmod
    from stancekit.cli import main

    seen = {}

    def fake(teacher, config, output, **kw):
        seen.update(teacher=teacher, config=config, output=output, **kw)
        import types

        return types.SimpleNamespace(to_dict=lambda: {"step": 0, "teacher_scores": {"units": 1}})

    monkeypatch.setattr(dmod, "distil", fake)
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(_config()))
    assert main(["distil", "--teacher", "T", "--config", str(cfg), "-o", "OUT", "--resume", "--device", "cpu",
                 "--seed", "3"]) == 0
    assert seen["teacher"] == "T" and seen["config"] == str(cfg) and seen["output"] == "OUT"
    assert seen["resume"] is True and seen["device"] == "cpu" and seen["seed"] == 3
    assert json.loads(capsys.readouterr().out)["teacher_scores"] == {"units": 1}


def test_shipped_distil_config_is_valid():
    from stancekit.training import load_config

    cfg = load_config(REPO / "configs" / "distil.json")
    dc = DistilConfig.from_dict(cfg.distil or {})
    assert dc.temperature > 0 and 0 < dc.share <= 1
    default = json.loads((REPO / "configs" / "default.json").read_text())
    assert cfg.base_encoder in (None, "sentence-transformers/all-MiniLM-L6-v2") and cfg.tiny_encoder is None
    assert cfg.max_length == default["max_length"] and cfg.dev == default["dev"]
