import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stancekit
from stancekit.errors import InputError
from stancekit.pipeline import decode

ARTICLE = (
    "Abe Faces Pressure\n\n"
    "By Jane Roe\n\n"
    "Japanese Prime Minister Shinzo Abe defended the U.S.-led plan on Tuesday. "
    "His critics in Tokyo say it is a failure; Russia rejected it outright.\n\n"
    "Credit: Reuters\n"
)


@pytest.fixture(scope="module")
def nlp(tiny_model_dir):
    return stancekit.load(tiny_model_dir, device="cpu")


def _check_offsets(article):
    for unit in article.units:
        assert article.text[unit.start : unit.end] == unit.text
        for actor in unit.actors:
            for m in actor.mentions:
                assert article.text[m.start : m.end] == m.text
                assert unit.start <= m.start and m.end <= unit.end
    for actor in article.actors:
        for m in actor.mentions:
            assert article.text[m.start : m.end] == m.text


def test_offsets_match_article_text(nlp):
    article = nlp(ARTICLE)
    assert article.units
    _check_offsets(article)


def test_boilerplate_units_are_kept_but_not_claims(nlp):
    article = nlp(ARTICLE)
    reasons = {u.text: u.reason for u in article.units}
    assert reasons["By Jane Roe"] == "byline"
    assert reasons["Credit: Reuters"] == "caption"
    assert all(not u.is_claim for u in article.units if u.reason is not None)


def test_claim_flag_follows_claim_score_and_threshold(tiny_model_dir):
    low = stancekit.load(tiny_model_dir, device="cpu", claim_threshold=0.0)(ARTICLE)
    high = stancekit.load(tiny_model_dir, device="cpu", claim_threshold=1.0)(ARTICLE)
    assert all(u.is_claim == (u.reason is None) for u in low.units)
    assert all(u.is_claim == (u.reason is None and u.claim_score >= 1.0) for u in high.units)


@pytest.mark.parametrize("text", ["", "   \n\t\u00a0 \n"])
def test_empty_or_whitespace_text_gives_an_article_without_units(nlp, text):
    article = nlp(text)
    assert article.text == text and article.units == () and article.actors == ()


def test_pipe_restores_input_order_and_matches_single_calls(nlp):
    texts = [ARTICLE, "Russia rejected it.", "", "Mr. Smith met Gen. Mills in Washington. They disagreed!"] * 3
    piped = list(nlp.pipe(texts, batch_size=2, window_units=3))
    assert [a.text for a in piped] == texts
    for a, text in zip(piped, texts, strict=True):
        single = nlp(text)
        assert [(u.start, u.end, u.is_claim) for u in a.units] == [(u.start, u.end, u.is_claim) for u in single.units]
        for u, v in zip(a.units, single.units, strict=True):
            assert u.claim_score == pytest.approx(v.claim_score, abs=1e-3)


def test_pipe_is_lazy_over_an_unbounded_iterator(nlp):
    endless = (f"Article number {i} says Russia is wrong." for i in itertools.count())
    first = list(itertools.islice(nlp.pipe(endless, window_units=4), 5))
    assert [a.text for a in first] == [f"Article number {i} says Russia is wrong." for i in range(5)]


def test_ids_are_carried_into_articles(nlp):
    articles = list(nlp.pipe(["One claim here.", "Another one."], ids=["a", "b"]))
    assert [a.id for a in articles] == ["a", "b"]
    assert nlp(articles[0]).id == "a"


def test_non_text_input_raises_input_error(nlp):
    with pytest.raises(InputError, match="expected article text"):
        nlp(42)  # type: ignore[arg-type]


def test_non_utf8_bytes_name_the_byte_offset():
    with pytest.raises(InputError, match="byte offset 6"):
        decode(b"abc" + b"def\xff rest", "file.txt")


def test_utf8_bom_is_dropped():
    assert decode("\ufeffhello".encode()) == "hello"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab .;?!\n\u00a0\u2028()\"'Mr.U.S.\U0001f600é")), max_size=120))
def test_offsets_hold_for_arbitrary_text(nlp, text):
    _check_offsets(nlp(text))


def test_default_claim_threshold_comes_from_the_model_config(tiny_model):
    import copy

    from stancekit.pipeline import Pipeline

    model, tokenizer = tiny_model
    assert Pipeline(model, tokenizer, device="cpu").claim_threshold == model.config.claim_threshold == 0.5
    m = copy.deepcopy(model)
    m.config.claim_threshold = 0.0
    everything = Pipeline(m, tokenizer, device="cpu")(ARTICLE)
    assert all(u.is_claim == (u.reason is None) for u in everything.units)
    assert Pipeline(m, tokenizer, device="cpu", claim_threshold=1.0).claim_threshold == 1.0
