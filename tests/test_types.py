import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stancekit.errors import InputError
from stancekit.types import Actor, ActorStance, Article, Mention, Unit, stance_of

TEXT = "Tokyo rejected the plan. Abe called it reckless.\n\nCredit: Reuters"


def _article() -> Article:
    abe = Mention("Abe", 25, 28)
    tokyo = Mention("Tokyo", 0, 5)
    scores = {"favor": 0.1, "against": 0.7, "neutral": 0.2}
    units = (
        Unit(
            0,
            "Tokyo rejected the plan.",
            0,
            24,
            True,
            0.9,
            actors=(ActorStance("Japan", "country", "against", scores, (tokyo,)),),
            primary_actor="Japan",
            stance="against",
        ),
        Unit(
            1,
            "Abe called it reckless.",
            25,
            48,
            True,
            0.8,
            actors=(
                ActorStance("Shinzo Abe", "person", "neutral", {"favor": 0.2, "against": 0.2, "neutral": 0.6}, (abe,)),
            ),
            primary_actor="Shinzo Abe",
            stance="neutral",
            source="Shinzo Abe",
        ),
        Unit(2, "Credit: Reuters", 50, 65, False, 0.0, reason="caption"),
    )
    actors = (
        Actor("Japan", "country", (tokyo,), "against", scores, {"against": 1}),
        Actor("Shinzo Abe", "person", (abe,)),
    )
    return Article(TEXT, units, actors, id="a1")


def test_json_round_trip_gives_equal_article():
    article = _article()
    again = Article.from_dict(json.loads(json.dumps(article.to_dict())))
    assert again == article


def test_claims_are_the_units_judged_claims():
    assert [u.index for u in _article().claims] == [0, 1]


def test_unit_dict_has_the_cli_contract_fields():
    d = _article().units[0].to_dict("a1")
    for key in (
        "article_id",
        "index",
        "text",
        "start",
        "end",
        "is_claim",
        "claim_score",
        "actors",
        "primary_actor",
        "stance",
    ):
        assert key in d
    assert set(d["actors"][0]) >= {"name", "type", "stance", "scores", "mentions"}
    assert set(d["actors"][0]["scores"]) == {"favor", "against", "neutral"}


def test_offsets_that_do_not_match_the_article_text_raise():
    with pytest.raises(InputError, match="unit 0"):
        Article("Hello world.", (Unit(0, "Hello world!", 0, 12),))


def test_mention_offsets_are_checked_against_the_article():
    scores = {"favor": 0.3, "against": 0.3, "neutral": 0.4}
    bad = ActorStance("X", "person", "neutral", scores, (Mention("Bob", 0, 3),))
    with pytest.raises(InputError, match="mention"):
        Article("Abe spoke.", (Unit(0, "Abe spoke.", 0, 10, actors=(bad,)),))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stance": "positive"},
        {"type": "martian"},
        {"scores": {"favor": 1.0, "against": 0.0}},
        {"scores": {"favor": 1.5, "against": 0.0, "neutral": 0.0}},
    ],
)
def test_invalid_actor_stance_raises(kwargs):
    base = dict(name="X", type="person", stance="neutral", scores={"favor": 0.2, "against": 0.2, "neutral": 0.6})
    with pytest.raises(InputError):
        ActorStance(**{**base, **kwargs})


def test_primary_actor_must_be_among_the_units_actors():
    with pytest.raises(InputError, match="primary_actor"):
        Unit(0, "x", 0, 1, primary_actor="Nobody")


def test_results_are_frozen():
    with pytest.raises(AttributeError):
        _article().units[0].text = "changed"  # type: ignore[misc]


def test_stance_of_picks_the_argmax():
    assert stance_of([0.1, 0.7, 0.2]) == "against"
    assert stance_of({"favor": 0.5, "against": 0.1, "neutral": 0.4}) == "favor"


@given(st.text(min_size=1, max_size=200), st.data())
def test_units_from_any_slice_round_trip(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start, len(text)))
    unit = Unit(0, text[start:end], start, end, claim_score=data.draw(st.floats(0, 1)))
    article = Article(text, (unit,))
    assert Article.from_dict(json.loads(json.dumps(article.to_dict()))) == article


# -- Arrow, public names ---------------------------------------------------------------------


def test_to_arrow_uses_the_one_unit_schema_and_round_trips():
    from stancekit.types import TargetStance, unit_schema

    scores = {"favor": 0.1, "against": 0.8, "neutral": 0.1}
    a = ActorStance("Russia", "country", "against", scores, (Mention("Russia", 0, 6),))
    t = TargetStance("sanctions", "favor", {"favor": 0.7, "against": 0.2, "neutral": 0.1})
    unit = Unit(0, "Russia lied.", 0, 12, True, 0.9, None, (a,), "Russia", "against", None, (t,))
    article = Article(text="Russia lied.", units=(unit,), id="x")
    table = article.to_arrow()
    assert table.schema == unit_schema()
    assert table.to_pylist() == [unit.to_dict("x")]
    assert list(article.to_pandas().columns) == unit_schema().names
    assert list(unit.to_dict()) == unit_schema().names  # the dict and the schema cannot drift apart


def test_read_scored_gives_an_arrow_table_of_a_scored_corpus(tmp_path):
    import pyarrow.parquet as pq

    import stancekit
    from stancekit.types import unit_schema

    unit = Unit(0, "Russia lied.", 0, 12, True, 0.9)
    rows = [unit.to_dict("a"), unit.to_dict("b")]
    jl = tmp_path / "scored.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    table = stancekit.read_scored(jl)
    assert table.schema == unit_schema() and table.column("article_id").to_pylist() == ["a", "b"]
    pq.write_table(table, tmp_path / "scored.parquet")
    assert stancekit.read_scored(tmp_path / "scored.parquet").equals(table)
    (tmp_path / "raw.jsonl").write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="raw.jsonl:1: expected a unit row"):
        stancekit.read_scored(tmp_path / "raw.jsonl")


def test_public_functions_keep_their_signatures_and_import_lazily():
    import inspect
    import subprocess
    import sys

    import stancekit
    from stancekit import evaluation, scoring, training

    assert stancekit.evaluate is evaluation.evaluate and stancekit.score is scoring.score
    assert stancekit.train is training.train
    assert "dataset" in inspect.signature(stancekit.evaluate).parameters
    code = "import sys, stancekit; sys.exit(any(m in sys.modules for m in ('torch', 'stancekit.evaluation')))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    with pytest.raises(AttributeError):
        stancekit.no_such_thing  # noqa: B018
