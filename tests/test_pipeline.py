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


def test_mojibake_is_read_repaired_and_the_offsets_point_into_the_text_as_given(nlp):
    clean = ARTICLE.replace("Tokyo say", "Tokyo say \u201cit\u2019s a failure\u201d \u2014 Jos\u00e9 agrees \u2014 and")
    broken = clean.encode("utf-8").decode("latin-1")
    assert broken != clean
    got, want = nlp(broken), nlp(clean)
    assert got.text == broken
    _check_offsets(got)
    # The same units and actors as the clean text: the model read the repaired text.
    assert [u.text.encode("latin-1").decode("utf-8") for u in got.units] == [u.text for u in want.units]
    assert [(a.name, a.type, len(a.mentions)) for a in got.actors] == [
        (a.name, a.type, len(a.mentions)) for a in want.actors
    ]


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


# -- stance toward named targets ------------------------------------------------------------


def test_targets_pair_form_matches_the_engine_on_each_unit(nlp):
    article = nlp(ARTICLE, targets=["the plan", "sanctions against Russia"])
    body = [u for u in article.units if u.reason is None]
    assert body and all(not u.targets for u in article.units if u.reason is not None)
    texts = [ARTICLE[u.start : u.end] for u in body for _ in range(2)]
    targets = ["the plan", "sanctions against Russia"] * len(body)
    expected = nlp.engine.predict_stance(texts, targets, [None] * len(texts))
    got = [t for u in body for t in u.targets]
    assert [t.target for t in got] == targets
    for row, t in zip(expected, got, strict=True):
        assert t.form == "pair" and t.actor is None
        assert [t.scores[k] for k in ("favor", "against", "neutral")] == pytest.approx(row.tolist(), abs=1e-6)
        assert t.stance == max(t.scores, key=t.scores.get)


def test_target_naming_an_actor_of_the_unit_uses_its_mention_stance(nlp):
    plain = nlp(ARTICLE)
    actor = next(a for u in plain.claims for a in u.actors)
    article = nlp(ARTICLE, targets=[actor.name])
    (tgt,) = article.targets
    assert tgt.actor == actor.name
    for before, unit in zip(plain.units, article.units, strict=True):
        assert unit.actors == before.actors  # targets add, never change, the actors
        if unit.reason is not None:
            continue
        (ts,) = unit.targets
        hit = next((a for a in unit.actors if a.name == actor.name), None)
        if hit is not None:
            assert (ts.form, ts.actor, dict(ts.scores)) == ("mention", actor.name, dict(hit.scores))
        else:
            assert ts.form == "pair"


def test_article_target_of_a_long_article_is_the_mean_over_claims(nlp):
    # Far more than the tiny model's 128-token window (distinct sentences: repeats would be duplicates).
    text = " ".join(f"Russia rejected plan number {i} on day {i}, Abe said." for i in range(30))
    article = nlp(text, targets=["the plan"])
    (tgt,) = article.targets
    pool = article.claims or [u for u in article.units if u.reason is None]
    assert tgt.basis == ("claims" if article.claims else "units")
    for k in ("favor", "against", "neutral"):
        assert tgt.scores[k] == pytest.approx(sum(u.targets[0].scores[k] for u in pool) / len(pool))
    assert sum(tgt.counts.values()) == len(pool)
    assert tgt.stance == max(tgt.scores, key=tgt.scores.get)


def test_article_target_of_a_short_text_reads_the_whole_text(nlp):
    text = "Russia rejected the plan. Japan said it was a good plan."
    article = nlp(text, targets=["the plan"])
    (tgt,) = article.targets
    assert tgt.basis == "text"
    (expected,) = nlp.engine.predict_stance([text], ["the plan"], [None])
    assert [tgt.scores[k] for k in ("favor", "against", "neutral")] == pytest.approx(expected.tolist(), abs=1e-6)
    assert sum(tgt.counts.values()) == len(article.claims or article.units)


def test_pipe_takes_one_target_list_per_article_in_order(nlp):
    texts = ["Russia rejected the plan.", "The plan is good for Japan.", "Nobody cares."]
    per = [["Russia"], ["Japan", "the plan"], []]
    articles = list(nlp.pipe(texts, targets=per))
    assert [[t.target for t in a.targets] for a in articles] == per
    alone = [nlp(t, targets=p) for t, p in zip(texts, per, strict=True)]
    for a, b in zip(articles, alone, strict=True):  # batching across articles changes nothing but rounding
        for x, y in zip(a.targets, b.targets, strict=True):
            assert (x.target, x.actor, x.counts) == (y.target, y.actor, y.counts)
            assert dict(x.scores) == pytest.approx(dict(y.scores), abs=1e-4)


def test_targets_round_trip_through_dicts(nlp):
    article = nlp(ARTICLE, targets=["the plan"])
    again = stancekit.Article.from_dict(article.to_dict())
    assert again == article


@pytest.mark.parametrize(
    ("targets", "message"),
    [("Russia", "not a single string"), (["Russia", ""], "non-empty"), ([["a"], 3], "list of target strings")],
)
def test_bad_targets_are_input_errors(nlp, targets, message):
    with pytest.raises(InputError, match=message):
        list(nlp.pipe(["Russia rejected it.", "Japan agreed."], targets=targets))


def test_reprs_are_short(nlp):
    article = nlp(ARTICLE * 20, targets=["the plan"])
    assert len(repr(article)) < 400 and "targets [the plan:" in repr(article)
    assert all(len(repr(u)) < 400 for u in article.units)
    assert "tiny" in repr(nlp) or "model=" in repr(nlp)
    assert str(article) == article.text


@pytest.mark.slow
def test_a_megabyte_line_without_punctuation_is_analysed_in_bounded_time(tiny_model):
    """Issue 16: a 2 MB unpunctuated line ran for over 20 minutes (one unit, windows x spans).

    The tiny model's tagger is biased to "O" so that the run measures the pipeline, not the stance
    head on thousands of random mentions (about 25 s on 2 shared cores)."""
    import copy
    import random
    import time

    import torch

    from stancekit.pipeline import Pipeline
    from stancekit.segmenting import MAX_UNIT_CHARS

    model, tokenizer = tiny_model
    m = copy.deepcopy(model)
    with torch.no_grad():
        m.heads["tag"].bias[0] = 100.0  # "O" everywhere
    nlp = Pipeline(m, tokenizer, device="cpu")
    rng = random.Random(0)
    words = "the minister said that Russia and Japan would consider a plan for trade talks with China".split()
    text = " ".join(rng.choice(words) for _ in range(190_000))[:1_000_000]
    t0 = time.perf_counter()
    with pytest.warns(UserWarning, match="exceeded max_length"):  # 1000-character pieces > 128 tokens
        article = nlp(text)
    assert time.perf_counter() - t0 < 240
    assert len(article.units) >= 1000
    assert all(u.end - u.start <= MAX_UNIT_CHARS for u in article.units)
    _check_offsets(article)


# ------------------------------------------------------------------ input checks (issue 16)


@pytest.mark.parametrize("text", ["Abe \ud800 said so.", "\udcff", "ok \udfff"])
def test_lone_surrogates_raise_input_error_naming_the_character(nlp, text):
    with pytest.raises(InputError, match=r"lone surrogate U\+D[89A-F][0-9A-F]{2} at character \d+"):
        nlp(text)


@pytest.mark.parametrize(
    "encoding,bom",
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-8", b"\xef\xbb\xbf"),
    ],
)
def test_byte_order_marks_are_recognised(encoding, bom):
    text = "Café: Abe said “no” 😀."
    assert decode(bom + text.encode(encoding)) == text


def test_utf16_without_bom_is_named_in_the_error():
    with pytest.raises(InputError, match="looks like UTF-16 without a byte-order mark"):
        decode("Abe said no to the plan.".encode("utf-16-le")[:-1] + b"\xd8")


def test_broken_utf16_with_bom_is_not_blamed_on_latin1():
    with pytest.raises(InputError, match="UTF-16 byte-order mark") as info:
        decode(b"\xff\xfe" + "Abe".encode("utf-16-le") + b"\x00\xdc")  # a lone low surrogate
    assert "latin1" not in str(info.value)


_ANY_TEXT = st.lists(
    st.one_of(
        st.characters(),  # every code point but surrogates: control, zero-width, RTL, emoji, CJK, combining
        st.sampled_from(["\ud800", "\udfff", "\u202e", "\u200b", "\x1b", "[/]", "</script>", "\r\n", "\u2028", ". "]),
    ),
    max_size=200,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_ANY_TEXT)
def test_fuzz_any_unicode_gives_exact_offsets_or_an_input_error_in_bounded_time(nlp, text):
    import time

    t0 = time.perf_counter()
    has_surrogate = any("\ud800" <= c <= "\udfff" for c in text)
    try:
        article = nlp(text)
    except InputError as err:
        assert has_surrogate, f"unexpected InputError: {err}"
    else:
        assert not has_surrogate
        _check_offsets(article)
        assert article.text == text
    assert time.perf_counter() - t0 < 30
