"""Tests of stancekit.evaluation: metrics against hand-computed values, sklearn and seqeval; reports; evaluate()."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score

from stancekit import evaluation
from stancekit.errors import DatasetError, InputError
from stancekit.evaluation import build_report, compute_metrics, entity_spans, primary_metric, render_table


def test_newsmtsc_f1m_and_accuracy_match_hand_computed_values():
    gold = ["favor", "against", "neutral", "neutral", "favor", "against"]
    pred = ["favor", "neutral", "neutral", "against", "favor", "against"]
    m = compute_metrics("newsmtsc-rw", {"label": gold}, pred)
    # favor F1 = 1, against F1 = 0.5, neutral F1 = 0.5
    assert m["f1_macro"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert primary_metric("newsmtsc-rw") == "f1_macro"


def test_score_arrays_are_argmaxed_in_stance_label_order():
    gold = ["favor", "against", "neutral"]
    scores = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.1, 0.4]])
    m = compute_metrics("newsmtsc", {"label": gold}, scores)
    assert m["accuracy"] == pytest.approx(2 / 3)


def test_semeval_f_avg_is_mean_of_favor_and_against_f1_pooled_over_targets():
    ds = {"label": ["favor", "favor", "against", "against", "neutral"], "target": ["A", "B", "A", "B", "A"]}
    pred = ["favor", "favor", "against", "neutral", "favor"]
    m = compute_metrics("semeval2016", ds, pred)
    # favor: P 2/3, R 1 -> 0.8; against: P 1, R 1/2 -> 2/3
    assert m["f_avg"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert primary_metric("semeval2016") == "f_avg"
    # target A: favor P 1/2 R 1 -> 2/3; against P 1 R 1 -> 1
    assert m["f_avg[A]"] == pytest.approx((2 / 3 + 1) / 2)


def test_pstance_macro_f1_per_target_then_averaged():
    ds = {"label": ["favor", "against", "favor", "against"], "target": ["A", "A", "B", "B"]}
    pred = ["favor", "favor", "favor", "against"]
    m = compute_metrics("pstance", ds, pred)
    assert m["f1_macro[A]"] == pytest.approx(1 / 3)
    assert m["f1_macro[B]"] == pytest.approx(1.0)
    assert m["f1_macro_avg"] == pytest.approx(2 / 3)
    assert m["f1_macro_pooled"] == pytest.approx((0.8 + 2 / 3) / 2)


def test_vast_reports_zero_and_few_shot_macro_f1():
    ds = {
        "label": ["favor", "against", "neutral", "favor", "neutral"],
        "shot": ["zero", "zero", "zero", "few", "few"],
    }
    pred = ["favor", "against", "neutral", "against", "neutral"]
    m = compute_metrics("vast", ds, pred)
    assert m["f1_macro_zero"] == pytest.approx(1.0)
    assert m["f1_macro_few"] == pytest.approx(1 / 3)
    assert m["f1_macro"] == pytest.approx(f1_score(ds["label"], pred, average="macro"))


def test_ibm_primary_metric_is_accuracy():
    m = compute_metrics("ibm-claim-stance", {"label": ["favor", "against", "favor"]}, ["favor", "favor", "favor"])
    assert primary_metric("ibm") == "accuracy" and m["accuracy"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "pred",
    [
        ["claim", "not_claim", "claim", "not_claim"],
        [True, False, True, False],
        [0.9, 0.2, 0.5, 0.49],
        np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]),
    ],
)
def test_claim_f1_is_f1_of_the_claim_class(pred):
    gold = ["claim", "claim", "not_claim", "not_claim"]
    for name in ("claimbuster", "clef2019", "aae-sentences"):
        m = compute_metrics(name, {"label": gold}, pred)
        assert m["f1_claim"] == pytest.approx(0.5)
        assert primary_metric(name) == "f1_claim"


def test_persent_accuracy_and_macro_f1():
    gold = ["favor", "against", "neutral", "neutral"]
    pred = ["favor", "neutral", "neutral", "neutral"]
    m = compute_metrics("persent", [{"label": g} for g in gold], pred)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["f1_macro"] == pytest.approx(f1_score(gold, pred, average="macro", zero_division=0))


def test_entity_f1_matches_hand_computed_value():
    m = compute_metrics("conll2003", {"tags": [["B-PER", "I-PER", "O", "B-LOC"]]}, [["B-PER", "O", "O", "B-LOC"]])
    assert (m["precision"], m["recall"], m["f1_micro"]) == pytest.approx((0.5, 0.5, 0.5))
    assert m["f1_LOC"] == 1.0 and m["f1_PER"] == 0.0


def test_entity_spans_follow_conlleval_for_stray_inside_tags():
    assert entity_spans(["I-PER", "I-PER", "B-PER", "I-ORG", "O"]) == [("PER", 0, 1), ("PER", 2, 2), ("ORG", 3, 3)]


TAGS = st.sampled_from(["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-GRP", "I-GRP"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(TAGS, TAGS), min_size=1, max_size=12), min_size=1, max_size=5))
def test_entity_metrics_match_seqeval(pairs):
    seqeval = pytest.importorskip("seqeval.metrics")
    gold = [[g for g, _ in s] for s in pairs]
    pred = [[p for _, p in s] for s in pairs]
    m = compute_metrics("wnut17", {"tags": gold}, pred)
    assert m["f1_micro"] == pytest.approx(seqeval.f1_score(gold, pred, zero_division=0))
    assert m["precision"] == pytest.approx(seqeval.precision_score(gold, pred, zero_division=0))
    assert m["recall"] == pytest.approx(seqeval.recall_score(gold, pred, zero_division=0))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["favor", "against", "neutral"]),
                          st.sampled_from(["favor", "against", "neutral"])), min_size=1, max_size=40))
def test_stance_metrics_match_sklearn(pairs):
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    m = compute_metrics("newsmtsc", {"label": gold}, pred)
    labels = ["favor", "against", "neutral"]
    assert m["f1_macro"] == pytest.approx(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))
    assert m["accuracy"] == pytest.approx(accuracy_score(gold, pred))


def test_wrong_number_or_unknown_predictions_raise_input_error():
    with pytest.raises(InputError, match="Expected 2 predictions"):
        compute_metrics("newsmtsc", {"label": ["favor", "against"]}, ["favor"])
    with pytest.raises(InputError, match="positive"):
        compute_metrics("newsmtsc", {"label": ["favor"]}, ["positive"])
    with pytest.raises(InputError, match="gold tags"):
        compute_metrics("wnut17", {"tags": [["O", "O"]]}, [["O"]])


def test_report_holds_primary_metric_per_label_confusion_and_file_hash(tmp_path):
    f = tmp_path / "gold.txt"
    f.write_text("x", encoding="utf-8")
    gold = ["favor", "against", "neutral", "neutral"]
    pred = ["favor", "neutral", "neutral", "neutral"]
    r = build_report("newsmtsc", {"label": gold}, pred, model="m", file=f)
    assert r["primary_metric"] == {"name": "f1_macro", "value": r["metrics"]["f1_macro"]}
    assert r["confusion_matrix"] == {
        "labels": ["favor", "against", "neutral"],
        "matrix": [[1, 0, 0], [0, 0, 1], [0, 0, 2]],
    }
    assert r["per_label"]["neutral"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2})
    # sha256 of b"x"
    assert r["file"]["sha256"] == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert r["n"] == 4 and r["model"] == "m" and r["stancekit_version"]
    json.dumps(r)
    table = render_table(r)
    assert table.row_count == len(r["metrics"]) + 3


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    r = build_report("claimbuster", {"label": ["claim", "not_claim"]}, ["claim", "claim"])
    out = evaluation.write_plot(r, tmp_path / "cm.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- evaluate() with a fake predictor ---------------------------------------------------------


class FakeEngine:
    """Predicts from the text alone: 'good' → favor, 'bad' → against, else neutral; records its inputs."""

    def __init__(self):
        self.calls = []

    def predict_stance(self, texts, targets, spans):
        self.calls.append(("stance", list(targets), list(spans)))
        out = []
        for t in texts:
            out.append([0.8, 0.1, 0.1] if "good" in t else [0.1, 0.8, 0.1] if "bad" in t else [0.1, 0.1, 0.8])
        return np.array(out)

    def predict_claims(self, texts):
        return np.array([0.9 if "will" in t else 0.1 for t in texts])

    def predict_tags(self, tokens):
        return [["B-PER" if w[0].isupper() else "O" for w in s] for s in tokens]


@dataclass
class FakeMention:
    text: str


@dataclass
class FakeActor:
    name: str
    stance: str
    mentions: tuple = ()
    aliases: tuple = ()
    type: str = "person"


@dataclass
class FakeArticle:
    actors: tuple = field(default_factory=tuple)


class FakePipeline:
    model_path = "fake"
    claim_threshold = 0.5

    def __init__(self):
        self.engine = FakeEngine()

    def pipe(self, texts, batch_size=64):
        for t in texts:
            yield FakeArticle(
                actors=(
                    FakeActor("Joe Biden", "against", (FakeMention("Biden"),)),
                    FakeActor("Angela Merkel", "favor" if "good" in t else "neutral", (FakeMention("Merkel"),)),
                )
            )


def test_evaluate_newsmtsc_file_uses_mention_spans_and_writes_report(tmp_path):
    rows = [
        {"primary_gid": "a", "sentence_normalized": "Abe is good.",
         "targets": [{"Input.gid": "a1", "from": 0, "to": 3, "mention": "Abe", "polarity": 6.0}]},
        {"primary_gid": "b", "sentence_normalized": "Putin is bad.",
         "targets": [{"Input.gid": "b1", "from": 0, "to": 5, "mention": "Putin", "polarity": 4.0}]},
    ]
    f = tmp_path / "test.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pipe = FakePipeline()
    out = tmp_path / "r.json"
    r = evaluation.evaluate(dataset="newsmtsc-rw", file=f, output=out, pipeline=pipe)
    assert pipe.engine.calls == [("stance", ["Abe", "Putin"], [(0, 3), (0, 5)])]
    assert r["metrics"]["accuracy"] == pytest.approx(0.5)
    assert json.loads(out.read_text())["primary_metric"]["name"] == "f1_macro"
    assert r["file"]["path"] == str(f)


def test_evaluate_topic_sets_use_target_form(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("Tweet,Target,Stance,seen?\ngood taxes,taxes,1,0\nbad,taxes,0,1\n", encoding="utf-8")
    pipe = FakePipeline()
    r = evaluation.evaluate(dataset="vast", file=f, pipeline=pipe)
    assert pipe.engine.calls[0][2] == [None, None]
    assert r["metrics"]["accuracy"] == 1.0 and "f1_macro_zero" in r["metrics"]


def test_evaluate_claims_and_mentions(tmp_path):
    clef = tmp_path / "d.tsv"
    clef.write_text("1\tA\tWe will win.\t1\n2\tB\tHello.\t0\n3\tA\tTaxes will rise.\t0\n", encoding="utf-8")
    r = evaluation.evaluate(dataset="clef2019", file=clef, pipeline=FakePipeline())
    assert r["metrics"]["f1_claim"] == pytest.approx(2 / 3)
    wnut = tmp_path / "w.conll"
    wnut.write_text("Merkel\tB-person\nspoke\tO\n\nthe\tO\nIphone\tB-product\n", encoding="utf-8")
    r = evaluation.evaluate(dataset="wnut17", file=wnut, pipeline=FakePipeline())
    # gold: one PER; predicted: PER at Merkel and PER at Iphone (product maps to O)
    assert (r["metrics"]["precision"], r["metrics"]["recall"]) == pytest.approx((0.5, 1.0))


def test_evaluate_persent_reads_the_target_actor_from_the_article(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text(
        "DOCUMENT_INDEX,TITLE,TARGET_ENTITY,DOCUMENT,TRUE_SENTIMENT,Paragraph0\n"
        '1,t,Merkel,"a good day",Positive,Positive\n'
        "2,t,Joe Biden,plain,Negative,\n"
        "3,t,Nobody Here,plain,Neutral,\n",
        encoding="utf-8",
    )
    r = evaluation.evaluate(dataset="persent", file=f, pipeline=FakePipeline())
    assert r["metrics"]["accuracy"] == 1.0
    assert r["articles_without_matching_actor"] == 1


def test_evaluate_reads_a_split_from_a_folder_or_the_data_dir(tmp_path):
    folder = tmp_path / "ps"
    folder.mkdir()
    for t in ("trump", "biden", "bernie"):
        (folder / f"raw_test_{t}.csv").write_text(
            f"Tweet,Target,Stance\ngood {t},T {t},FAVOR\nbad {t},T {t},AGAINST\nmeh,T {t},NONE\n", encoding="utf-8"
        )
    r = evaluation.evaluate(dataset="pstance", file=folder, split="test", pipeline=FakePipeline())
    assert r["n"] == 6 and r["metrics"]["f1_macro_avg"] == 1.0
    clef = tmp_path / "root" / "clef2019-checkthat-task1" / "test_annotated"
    clef.mkdir(parents=True)
    (clef / "d.tsv").write_text("1\tA\tWe will win.\t1\n2\tB\tHello.\t0\n", encoding="utf-8")
    r = evaluation.evaluate(dataset="clef2019", data_dir=tmp_path / "root", pipeline=FakePipeline())
    assert r["n"] == 2 and r["primary_metric"] == {"name": "f1_claim", "value": 1.0}


def test_evaluate_runs_a_real_tiny_model_end_to_end(tiny_model_dir, tmp_path):
    """The contract with stancekit.load / Engine: random weights, so only the report's shape is checked."""
    f = tmp_path / "test.jsonl"
    row = {"primary_gid": "a", "sentence_normalized": "Abe met Putin in Tokyo.",
           "targets": [{"Input.gid": "a1", "from": 0, "to": 3, "mention": "Abe", "polarity": 6.0},
                       {"Input.gid": "a2", "from": 8, "to": 13, "mention": "Putin", "polarity": 2.0}]}
    f.write_text(json.dumps(row) + "\n", encoding="utf-8")
    r = evaluation.evaluate(tiny_model_dir, dataset="newsmtsc", file=f, device="cpu")
    assert r["n"] == 2 and 0.0 <= r["primary_metric"]["value"] <= 1.0
    assert sum(map(sum, r["confusion_matrix"]["matrix"])) == 2
    wnut = tmp_path / "w.conll"
    wnut.write_text("Merkel\tB-person\nspoke\tO\n", encoding="utf-8")
    r = evaluation.evaluate(tiny_model_dir, dataset="wnut17", file=wnut, device="cpu")
    assert r["n"] == 1 and "f1_micro" in r["metrics"]
    clef = tmp_path / "d.tsv"
    clef.write_text("1\tA\tWe will win.\t1\n2\tB\tHello.\t0\n", encoding="utf-8")
    r = evaluation.evaluate(tiny_model_dir, dataset="clef2019", file=clef, device="cpu")
    assert r["n"] == 2 and r["claim_threshold"] == 0.5
    per = tmp_path / "p.csv"
    per.write_text(
        "DOCUMENT_INDEX,TITLE,TARGET_ENTITY,DOCUMENT,TRUE_SENTIMENT\n"
        '1,t,Angela Merkel,"Angela Merkel won the vote.\nMerkel thanked her party.",Positive\n',
        encoding="utf-8",
    )
    r = evaluation.evaluate(tiny_model_dir, dataset="persent", file=per, device="cpu")
    assert r["n"] == 1 and 0 <= r["articles_without_matching_actor"] <= 1


def test_binary_stance_sets_decide_score_arrays_between_favor_and_against():
    data = {"label": ["favor", "against"], "target": ["Joe Biden", "Joe Biden"]}
    scores = np.array([[0.3, 0.1, 0.6], [0.1, 0.35, 0.55]])
    assert compute_metrics("pstance", data, scores)["accuracy"] == 1.0
    # the three-way set keeps neutral: both rows are argmax-neutral there
    assert compute_metrics("pstance-all", data, scores)["accuracy"] == 0.0


# -- your own labelled data (evaluate(task=…)) -----------------------------------------------


def test_evaluate_own_stance_jsonl_with_column_and_label_maps(tmp_path):
    rows = [
        {"tweet": "Abe is good.", "about": "Abe", "y": "pos", "s": 0, "e": 3},
        {"tweet": "Putin is bad.", "about": "sanctions", "y": "neg"},
        {"tweet": "Rain today.", "about": "weather", "y": "none"},
    ]
    f = tmp_path / "mine.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pipe = FakePipeline()
    r = evaluation.evaluate(
        task="stance",
        file=f,
        pipeline=pipe,
        columns={"text": "tweet", "target": "about", "label": "y", "target_start": "s", "target_end": "e"},
        label_map={"pos": "favor", "neg": "against", "none": "neutral"},
    )
    # Offsets where a row has them (mention form), the pair form elsewhere.
    assert pipe.engine.calls == [("stance", ["Abe", "sanctions", "weather"], [(0, 3), None, None])]
    assert isinstance(r, evaluation.EvaluationReport)
    assert r.primary_metric == "f1_macro" and r.value == 1.0 and r.n == 3
    assert r["primary_metric"] == {"name": "f1_macro", "value": 1.0}  # dict-style reads still work
    assert r.to_dict()["task"] == "stance"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_evaluate_own_claim_file_in_csv_and_parquet(tmp_path, fmt):
    rows = [
        {"text": "We will win.", "label": "1"},
        {"text": "Hello.", "label": "0"},
        {"text": "It will rain.", "label": "yes"},
    ]
    f = tmp_path / f"claims.{fmt}"
    if fmt == "csv":
        f.write_text("text,label\n" + "".join(f"{r['text']},{r['label']}\n" for r in rows), encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), f)
    r = evaluation.evaluate(task="claim", file=f, pipeline=FakePipeline())
    assert r.primary_metric == "f1_claim" and r.value == 1.0


def test_evaluate_own_articles_and_mentions(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("text,actor,label\na good day,Merkel,favor\nplain,Joe Biden,against\n", encoding="utf-8")
    assert evaluation.evaluate(task="articles", file=f, pipeline=FakePipeline()).value == 1.0
    m = tmp_path / "m.jsonl"
    m.write_text(json.dumps({"tokens": ["Merkel", "spoke"], "tags": ["B-PER", "O"]}) + "\n", encoding="utf-8")
    assert evaluation.evaluate(task="mentions", file=m, pipeline=FakePipeline()).value == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"text": "a", "target": "b", "label": "favor"}\n{"text": "a", "label": "favor"}\n',
            r"mine.jsonl:2: .*missing \['target'\]",
        ),
        (
            '{"text": "a", "target": "b", "label": "pro"}\n',
            r"mine.jsonl:1: expected label in \['favor', 'against', 'neutral'\], got 'pro'",
        ),
        (
            '{"text": "abc", "target": "b", "label": "favor", "target_start": 2, "target_end": 9}\n',
            r"mine.jsonl:1: target offsets",
        ),
        ('{"text": "a", "target": "b", "label": "favor"}\nnot json\n', r"mine.jsonl:2: expected a JSON object"),
    ],
)
def test_bad_rows_of_own_data_name_file_line_and_expectation(tmp_path, content, message):
    f = tmp_path / "mine.jsonl"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        evaluation.evaluate(task="stance", file=f, pipeline=FakePipeline())


def test_compare_puts_models_side_by_side(tmp_path, tiny_model_dir):
    import shutil

    other = tmp_path / "other-model"
    shutil.copytree(tiny_model_dir, other)
    f = tmp_path / "mine.csv"
    f.write_text("text,target,label\nAbe is good.,Abe,favor\nPutin is bad.,Putin,against\n", encoding="utf-8")
    out = tmp_path / "cmp.json"
    result = evaluation.compare([str(tiny_model_dir), str(other)], task="stance", file=f, device="cpu", output=out)
    a, b = result.reports
    assert a.metrics == b.metrics  # the same weights give the same numbers
    doc = json.loads(out.read_text())
    assert [m["model"] for m in doc["models"]] == [str(tiny_model_dir), str(other)]
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(evaluation.render_comparison(result))
    text = console.export_text()
    assert "other-model" in text and "f1_macro" in text
