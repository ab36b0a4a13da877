"""actors package: mentions → canonical actors, per-claim stance, claimants, article-level actors.

The engine's output is built by hand here (``inference.MentionPrediction`` / ``UnitPrediction``)
so that each test states exactly which mentions the tagger saw and what stance each span got.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancekit.actors import Resolution, UnitInput, find_actor, reference_spans, resolve
from stancekit.actors.summary import ARTICLE_STANCE, ArticleStanceParams, StanceEvidence, article_stance
from stancekit.inference import MentionPrediction, UnitPrediction
from stancekit.types import Article, Unit

FAVOR, AGAINST, NEUTRAL = (0.8, 0.1, 0.1), (0.1, 0.8, 0.1), (0.1, 0.1, 0.8)
ROOT = Path(__file__).resolve().parent.parent


def _units(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a test article: one unit per line."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            s = pos + len(line) - len(line.lstrip())
            out.append((s, s + len(line.strip())))
        pos += len(line) + 1
    return out


def analyse(
    text: str,
    tags: dict[int, list[tuple[str, str]]] | None = None,
    stance: dict[str, tuple[float, float, float]] | None = None,
    claims: set[int] | None = None,
) -> tuple[Resolution, list[tuple[int, int]]]:
    """Resolve an article whose units are its lines.

    ``tags[i]`` lists the (surface, type) the tagger found in unit ``i`` in order; every reference
    span comes from ``reference_spans`` as in the pipeline; ``stance[surface]`` gives the stance
    scores of every span with that text (neutral otherwise).
    """
    tags, stance = tags or {}, stance or {}
    spans = _units(text)
    inputs = []
    for i, (s, e) in enumerate(spans):
        unit = text[s:e]
        mentions, cursor = [], 0
        for surface, type_ in tags.get(i, []):
            at = unit.index(surface, cursor)
            cursor = at + len(surface)
            mentions.append(MentionPrediction(at, cursor, type_, 0.99, stance.get(surface, NEUTRAL)))
        extra_spans = reference_spans(unit)
        extra = tuple(MentionPrediction(a, b, "other", 1.0, stance.get(unit[a:b], NEUTRAL)) for a, b in extra_spans)
        pred = UnitPrediction(0.9, tuple(mentions), extra)
        is_claim = claims is None or i in claims
        inputs.append(UnitInput(start=s, end=e, is_claim=is_claim, prediction=pred, extra_spans=extra_spans))
    return resolve(text, inputs), spans


def names(res: Resolution, i: int) -> list[str]:
    return [a.name for a in res.unit_actors[i]]


def article_of(text: str, res: Resolution, spans: list[tuple[int, int]]) -> Article:
    """Assemble an Article as the pipeline does; its constructor checks every offset."""
    units = [
        Unit(
            index=i,
            text=text[s:e],
            start=s,
            end=e,
            is_claim=True,
            claim_score=0.9,
            actors=res.unit_actors[i],
            primary_actor=res.primary[i],
            stance=res.stances[i],
            source=res.sources[i],
        )
        for i, (s, e) in enumerate(spans)
    ]
    return Article(text=text, units=tuple(units), actors=res.actors)


# ---------------------------------------------------------------------------------------------
# reference_spans


def test_reference_spans_finds_pronouns_descriptions_and_known_names() -> None:
    t = "The tough Russian leader told the prime minister that his plan and NATO's were doomed, the Kremlin said."
    got = [t[s:e] for s, e in reference_spans(t)]
    assert got == ["The tough Russian leader", "the prime minister", "his", "NATO", "Kremlin"]


def test_reference_spans_leave_titles_before_names_and_expletive_it() -> None:
    t = "Russian President Vladimir Putin said it is late. It offers little."
    got = [t[s:e] for s, e in reference_spans(t)]
    assert "Russian President" not in " ".join(got)
    assert "it" not in got and "It" not in got


def test_reference_spans_are_sorted_and_never_overlap() -> None:
    t = "Russia's leader and the Japanese government said Japan's prime minister, the U.S. president, agreed."
    spans = reference_spans(t)
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert [t[s:e] for s, e in spans][:2] == ["Russia's leader", "the Japanese government"]


@pytest.mark.parametrize("bad", ["", "   ", "\n\n"])
def test_reference_spans_of_empty_text_is_empty(bad: str) -> None:
    assert reference_spans(bad) == []


# ---------------------------------------------------------------------------------------------
# name variants, countries, organisations


def test_name_variants_resolve_to_one_person() -> None:
    text = (
        "Japanese Prime Minister Shinzo Abe won the vote.\n"
        "Abe's rivals conceded.\n"
        "Abe’s allies cheered.\n"
        "Critics said Abe was lucky."
    )
    tags = {
        0: [("Shinzo Abe", "person")],
        1: [("Abe", "person")],
        2: [("Abe", "person")],
        3: [("Abe", "person")],
    }
    res, _ = analyse(text, tags)
    people = [a for a in res.actors if a.type == "person"]
    assert [a.name for a in people] == ["Shinzo Abe"]
    assert len(people[0].mentions) == 4
    assert "Japan" not in [a.name for a in res.actors]  # "Japanese" only qualifies his title


@pytest.mark.parametrize(
    ("surface", "tag", "country"),
    [
        ("Tokyo", "location", "Japan"),
        ("Moscow", "location", "Russia"),
        ("Washington", "location", "United States"),
        ("Pyongyang", "location", "North Korea"),
        ("Beijing", "location", "China"),
        ("White House", "organisation", "United States"),
        ("Kremlin", "organisation", "Russia"),
        ("America", "location", "United States"),
        ("U.S.", "location", "United States"),
        ("United States", "location", "United States"),
    ],
)
def test_countries_by_other_names(surface: str, tag: str, country: str) -> None:
    text = (
        f"The {surface} rejected the plan."
        if surface in ("White House", "Kremlin", "United States")
        else (f"{surface} rejected the plan.")
    )
    res, _ = analyse(text, {0: [(surface, tag)]})
    assert [(a.name, a.type) for a in res.unit_actors[0]] == [(country, "country")]


@pytest.mark.parametrize(("word", "country"), [("Japanese", "Japan"), ("Russian", "Russia"), ("French", "France")])
def test_demonyms_resolve_to_their_country_without_a_tagger(word: str, country: str) -> None:
    res, _ = analyse(f"The {word} officials walked out.")
    assert names(res, 0) == [country]
    assert res.actors[0].type == "country"


def test_all_names_of_a_country_join_one_actor() -> None:
    text = "Washington imposed tariffs.\nThe White House defended them.\nAmerica will not back down.\nThe U.S. is firm."
    tags = {0: [("Washington", "location")], 1: [("White House", "organisation")], 2: [("America", "location")]}
    res, _ = analyse(text, tags)
    assert [a.name for a in res.actors] == ["United States"]
    assert len(res.actors[0].mentions) == 4
    assert {"Washington", "White House", "America", "U.S."} <= set(res.actors[0].aliases)


def test_capital_as_a_setting_is_not_an_actor() -> None:
    res, _ = analyse("Leaders met in Tokyo on Friday.", {0: [("Tokyo", "location")]})
    assert names(res, 0) == []


def test_acronyms_and_long_forms_join() -> None:
    text = (
        "The North Atlantic Treaty Organization met.\n"
        "NATO leaders agreed.\n"
        "The Group of Seven issued a statement.\n"
        "The G7 will meet again."
    )
    tags = {
        0: [("North Atlantic Treaty Organization", "organisation")],
        1: [("NATO", "organisation")],
        2: [("Group of Seven", "group")],
        3: [("G7", "group")],
    }
    res, _ = analyse(text, tags)
    assert [(a.name, a.type, len(a.mentions)) for a in res.actors] == [
        ("NATO", "organisation", 2),
        ("G7", "group", 2),
    ]


def test_acronym_defined_in_the_article_joins_its_long_form() -> None:
    text = "The Institute for Emerging Economies (BOFIT) expects a slowdown.\nBOFIT was right before."
    tags = {
        0: [("Institute for Emerging Economies", "organisation"), ("BOFIT", "organisation")],
        1: [("BOFIT", "organisation")],
    }
    res, _ = analyse(text, tags)
    assert [a.name for a in res.actors] == ["Institute for Emerging Economies"]
    assert len(res.actors[0].mentions) == 3


def test_types_follow_what_a_mention_resolves_to() -> None:
    text = "Russia, Hamas, the Democrats and Crimea were named."
    tags = {0: [("Russia", "location"), ("Hamas", "organisation"), ("Democrats", "group"), ("Crimea", "location")]}
    res, _ = analyse(text, tags)
    assert [(a.name, a.type) for a in res.unit_actors[0]] == [
        ("Russia", "country"),
        ("Hamas", "organisation"),
        ("Democrats", "group"),
        ("Crimea", "other"),
    ]


# ---------------------------------------------------------------------------------------------
# pronouns and descriptions


def test_pronoun_carries_its_stance_to_the_person() -> None:
    text = "Shinzo Abe led Japan for years.\nHis flagship policy is deemed a failure."
    res, _ = analyse(text, {0: [("Shinzo Abe", "person"), ("Japan", "location")]}, stance={"His": AGAINST})
    assert res.primary[1] == "Shinzo Abe"
    assert res.stances[1] == "against"
    assert res.unit_actors[1][0].mentions[0].text == "His"


def test_pronoun_agrees_in_gender() -> None:
    text = "Mrs. Merkel met Mr. Macron.\nShe praised the deal.\nHe criticised it."
    tags = {0: [("Merkel", "person"), ("Macron", "person")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Merkel"]
    assert names(res, 2) == ["Macron"]


def test_pronoun_prefers_the_most_recent_subject() -> None:
    text = "Putin met Biden in Geneva.\nLater, Xi spoke with Putin.\nHe said the talks went well."
    tags = {0: [("Putin", "person"), ("Biden", "person")], 1: [("Xi", "person"), ("Putin", "person")]}
    res, _ = analyse(text, tags)
    assert res.sources[2] == "Xi"  # "He said …": the pronoun is the claimant


def test_pronoun_before_any_name_is_left_unresolved() -> None:
    text = "He said the vote was rigged.\nOpposition leader Navalny disagreed."
    res, _ = analyse(text, {1: [("Navalny", "person")]})
    assert res.unit_actors[0] == ()
    assert res.primary[0] is None and res.stances[0] is None


@pytest.mark.parametrize(
    ("first", "tag", "description"),
    [
        ("Russian President Vladimir Putin spoke.", "Vladimir Putin", "The Russian leader"),
        ("Russia's Vladimir Putin spoke.", "Vladimir Putin", "The tough Russian leader"),
        ("Vladimir Putin, the Russian president, spoke.", "Vladimir Putin", "The president"),
        ("Japan's leader Vladimir Putin spoke.", "Vladimir Putin", "The Japanese leader"),
    ],
)
def test_descriptions_resolve_to_the_person_tied_to_the_role(first: str, tag: str, description: str) -> None:
    text = f"{first}\n{description} then left the room."
    res, _ = analyse(text, {0: [(tag, "person")]}, stance={description: AGAINST})
    assert names(res, 1) == ["Vladimir Putin"]
    assert res.stances[1] == "against"


def test_description_picks_the_person_of_the_right_country() -> None:
    text = (
        "Japanese Prime Minister Fumio Kishida met British Prime Minister Rishi Sunak.\n"
        "The Japanese prime minister later flew home."
    )
    res, _ = analyse(text, {0: [("Fumio Kishida", "person"), ("Rishi Sunak", "person")]})
    assert names(res, 1) == ["Fumio Kishida"]


def test_description_without_a_referent_is_dropped() -> None:
    res, _ = analyse("The Russian leader himself said nothing.")
    assert res.unit_actors[0] == ()


# ---------------------------------------------------------------------------------------------
# claimants


_PUTIN, _NATO, _RUSSIA = ("Putin", "person"), ("NATO", "organisation"), ("Russia", "location")
_CLAIMANTS = [
    ("Putin has declared that NATO is a threat.", [_PUTIN, _NATO], "Putin", "NATO"),
    ("According to Reuters, Russia lost the battle.", [("Reuters", "organisation"), _RUSSIA], "Reuters", "Russia"),
    ("Stoltenberg said Russia must pay.", [("Stoltenberg", "person"), _RUSSIA], "Stoltenberg", "Russia"),
    (
        '"Russia must pay," said Jens Stoltenberg.',
        [_RUSSIA, ("Jens Stoltenberg", "person")],
        "Jens Stoltenberg",
        "Russia",
    ),
]


@pytest.mark.parametrize(("text", "tags", "source", "about"), _CLAIMANTS)
def test_claimant_is_recorded_apart_from_what_the_claim_is_about(
    text: str, tags: list[tuple[str, str]], source: str, about: str
) -> None:
    res, _ = analyse(text, {0: tags})
    assert res.sources[0] == source
    assert names(res, 0) == [about]
    assert res.primary[0] == about


def test_claimant_mention_still_belongs_to_the_article_actor() -> None:
    res, _ = analyse("Stoltenberg said Russia must pay.", {0: [("Stoltenberg", "person"), ("Russia", "location")]})
    assert [a.name for a in res.actors] == ["Stoltenberg", "Russia"]
    assert res.actors[0].mentions[0].text == "Stoltenberg"
    assert sum(res.actors[0].counts.values()) == 0  # no claim is about him


def test_negated_speech_is_not_an_attribution() -> None:
    res, _ = analyse("Washington has never said what it would do.", {0: [("Washington", "location")]})
    assert res.sources[0] is None
    assert names(res, 0) == ["United States"]


# ---------------------------------------------------------------------------------------------
# article level


def test_article_actor_counts_are_over_claims_and_scores_over_every_read_unit() -> None:
    text = "Abe won.\nAbe lost badly.\nAbe failed again.\nAbe is a headline."
    tags = {i: [("Abe", "person")] for i in range(4)}
    # one stance per unit via distinct surfaces is not possible; give each unit's mention by index
    spans = _units(text)
    scores = [FAVOR, AGAINST, AGAINST, FAVOR]
    inputs = []
    for i, (s, e) in enumerate(spans):
        m = MentionPrediction(0, 3, "person", 0.99, scores[i])
        pred = UnitPrediction(0.9, (m,), ())
        inputs.append(UnitInput(s, e, i < 3, pred, ()))
    del tags
    res = resolve(text, inputs)
    (abe,) = res.actors
    assert abe.counts == {"favor": 1, "against": 2, "neutral": 0}
    # the article-level scores pool the three claims and, at its lower weight, the fourth unit
    # (read by the model, not a claim); Abe is each unit's primary actor
    ev = [StanceEvidence(tuple(sc), 1.0) for sc in scores[:3]]
    want = article_stance([*ev, StanceEvidence(tuple(scores[3]), ARTICLE_STANCE.nonclaim_weight)])
    assert 0.0 < ARTICLE_STANCE.nonclaim_weight < 1.0
    assert all(math.isclose(abe.scores[k], want[k], rel_tol=1e-6) for k in want)
    assert not all(math.isclose(abe.scores[k], v, rel_tol=1e-6) for k, v in article_stance(ev).items())
    assert abe.stance == max(want, key=want.__getitem__)
    assert len(abe.mentions) == 4  # the non-claim unit's mention is still listed


def test_article_stance_is_neutral_without_evidence_and_follows_clear_evidence() -> None:
    assert article_stance([]) == {"favor": 0.0, "against": 0.0, "neutral": 1.0}
    assert article_stance([StanceEvidence((0.9, 0.05, 0.05), 0.0)]) == {"favor": 0.0, "against": 0.0, "neutral": 1.0}

    def label(ev: list[StanceEvidence], params: ArticleStanceParams = ARTICLE_STANCE) -> str:
        out = article_stance(ev, params)
        assert math.isclose(sum(out.values()), 1.0, rel_tol=1e-9)
        return max(out, key=out.__getitem__)

    # the shipped calibration: neutral claims read neutral, many clearly polar claims read polar
    assert label([StanceEvidence((0.05, 0.05, 0.9), 1.0)] * 3) == "neutral"
    assert label([StanceEvidence((0.8, 0.1, 0.1), 1.0)] * 5) == "favor"
    assert label([StanceEvidence((0.1, 0.8, 0.1), 1.0)] * 5) == "against"
    # the neutral prior: one claim moves the pooled scores half as far as many identical ones
    one, many = [StanceEvidence((0.1, 0.8, 0.1), 1.0)], [StanceEvidence((0.1, 0.8, 0.1), 1.0)] * 5
    assert article_stance(one)["against"] < article_stance(many)["against"]
    no_prior = ArticleStanceParams(neutral_prior=0.0)
    assert math.isclose(article_stance(one, no_prior)["against"], article_stance(many, no_prior)["against"])


def test_article_stance_weights_and_the_fitted_model_move_the_decision() -> None:
    ev = [StanceEvidence((0.05, 0.9, 0.05), 1.0), StanceEvidence((0.9, 0.05, 0.05), 0.1)] * 3
    assert max(article_stance(ev).items(), key=lambda kv: kv[1])[0] == "against"
    heavier = [StanceEvidence(ev[0].scores, 0.1), StanceEvidence(ev[1].scores, 1.0)] * 3
    assert max(article_stance(heavier).items(), key=lambda kv: kv[1])[0] == "favor"
    # another fitted model (here: one that never says favor) changes the distribution, not the pooling
    never_favor = ArticleStanceParams(intercept=(-50.0, -1.3633, 0.7905))
    assert article_stance(heavier, never_favor)["favor"] < 1e-6
    # NaN scores or weights never break the distribution
    bad = [StanceEvidence((float("nan"), 0.0, 1.0), float("nan")), StanceEvidence((0.1, 0.1, 0.8), 1.0)]
    assert math.isclose(sum(article_stance(bad).values()), 1.0, rel_tol=1e-9)


def test_a_country_needs_stronger_evidence_than_a_person_to_leave_neutral() -> None:
    weak = [StanceEvidence((0.6, 0.2, 0.2), 1.0)]
    strong = [StanceEvidence((0.8, 0.1, 0.1), 1.0)] * 5

    def label(ev: list[StanceEvidence], kind: str, params: ArticleStanceParams = ARTICLE_STANCE) -> str:
        out = article_stance(ev, params, actor_type=kind)
        return max(out, key=out.__getitem__)

    assert ARTICLE_STANCE.country_neutral_bias > 0
    assert label(weak, "person") == "favor" and label(weak, "organisation") == "favor"
    assert label(weak, "country") == "neutral"
    assert label(strong, "country") == "favor"
    unbiased = ArticleStanceParams(country_neutral_bias=0.0)
    assert article_stance(weak, unbiased, actor_type="country") == article_stance(weak, unbiased)
    # through the resolver: the same claim about a country and about a person
    text = "Japan won.\nAbe won."
    inputs = [
        UnitInput(0, 10, True, UnitPrediction(0.9, (MentionPrediction(0, 5, "location", 0.99, (0.6, 0.2, 0.2)),), ())),
        UnitInput(11, 19, True, UnitPrediction(0.9, (MentionPrediction(0, 3, "person", 0.99, (0.6, 0.2, 0.2)),), ())),
    ]
    res = resolve(text, inputs)
    kinds = {a.type: a for a in res.actors}
    assert kinds["country"].name == "Japan" and kinds["person"].name == "Abe"
    assert kinds["country"].scores["neutral"] > kinds["person"].scores["neutral"]
    assert kinds["person"].stance == "favor" and kinds["country"].stance == "neutral"


def test_actor_in_no_claim_counts_no_claim_and_leans_less_than_in_a_claim() -> None:
    text = "Abe won."
    m = MentionPrediction(0, 3, "person", 1, FAVOR)
    res = resolve(text, [UnitInput(0, 8, False, UnitPrediction(0.01, (m,), ()), ())])
    claim = resolve(text, [UnitInput(0, 8, True, UnitPrediction(0.9, (m,), ()), ())])
    assert sum(res.actors[0].counts.values()) == 0 and sum(claim.actors[0].counts.values()) == 1
    assert 0.0 < res.actors[0].scores["favor"] < claim.actors[0].scores["favor"]
    # a unit the model did not read (boilerplate: no prediction) says nothing about the actor
    unread = resolve(
        "Abe won.\nAbe lost.", [UnitInput(0, 8, True, UnitPrediction(0.9, (m,), ()), ()), UnitInput(9, 18)]
    )
    assert unread.actors[0].scores == claim.actors[0].scores


def test_primary_actor_is_the_first_named_not_other() -> None:
    text = "In Crimea, Russia and Ukraine traded fire."
    tags = {0: [("Crimea", "location"), ("Russia", "location"), ("Ukraine", "location")]}
    res, _ = analyse(text, tags)
    assert res.primary[0] == "Russia"


def test_result_assembles_into_an_article_with_exact_offsets() -> None:
    text = "Japanese Prime Minister Shinzo Abe met NATO.\nHis plan, the Kremlin said, was bold."
    res, spans = analyse(text, {0: [("Shinzo Abe", "person"), ("NATO", "organisation")]})
    article = article_of(text, res, spans)
    for actor in article.actors:
        for m in actor.mentions:
            assert text[m.start : m.end] == m.text
    assert article.units[1].source == "Russia"


# ---------------------------------------------------------------------------------------------
# find_actor


def test_find_actor_by_name_alias_surname_and_country_name() -> None:
    text = "Benjamin Koellmann bought a flat in Miami.\nKoellmann said Washington failed him."
    tags = {0: [("Benjamin Koellmann", "person")], 1: [("Koellmann", "person"), ("Washington", "location")]}
    res, spans = analyse(text, tags)
    article = article_of(text, res, spans)
    assert find_actor(article, "Benjamin Koellmann").name == "Benjamin Koellmann"  # type: ignore[union-attr]
    assert find_actor(article, "koellmann").name == "Benjamin Koellmann"  # type: ignore[union-attr]
    assert find_actor(article, "Ben Koellmann").name == "Benjamin Koellmann"  # type: ignore[union-attr]
    assert find_actor(article, "the U.S.").name == "United States"  # type: ignore[union-attr]
    assert find_actor(article, "Washington").name == "United States"  # type: ignore[union-attr]
    assert find_actor(article, "Angela Merkel") is None
    assert find_actor(article, "") is None


# ---------------------------------------------------------------------------------------------
# bad input


def test_no_units_and_no_mentions_give_empty_results() -> None:
    assert resolve("", []) == Resolution([], [], [], [], ())
    res = resolve("Nothing here.", [UnitInput(0, 13, True, None, ())])
    assert res.unit_actors == [()] and res.primary == [None] and res.actors == ()


def test_malformed_predictions_are_skipped_not_raised() -> None:
    text = "Abe met Putin."
    bad = (
        MentionPrediction(5, 2, "person", 1.0, NEUTRAL),  # end before start
        MentionPrediction(0, 99, "person", 1.0, NEUTRAL),  # past the unit
        MentionPrediction(0, 3, "alien", float("nan"), (float("nan"), 1.0, 0.0)),  # unknown type, NaN scores
        MentionPrediction(8, 13, "person", 1.0, (-3.0, 7.0, 2.0)),  # scores out of range
    )
    res = resolve(text, [UnitInput(0, 14, True, UnitPrediction(0.9, bad, (NEUTRAL,)), [(0, 3), (1,)])])  # type: ignore[arg-type]
    for a in res.actors:
        assert all(0.0 <= v <= 1.0 for v in a.scores.values())
    assert "Putin" in [a.name for a in res.actors]


def test_hundreds_of_actors_resolve_quickly() -> None:
    firsts = ["Anna", "Boris", "Chen", "Dara", "Emil", "Fatou", "Goran", "Hana", "Ivo", "Jana"]
    lasts = [f"Zed{chr(97 + i)}{chr(97 + j)}" for i in range(10) for j in range(4)]
    people = [f"{f} {last}" for f in firsts for last in lasts][:400]
    text = "\n".join(f"{p} criticised him and the Kremlin." for p in people)
    tags = {i: [(p, "person")] for i, p in enumerate(people)}
    t0 = time.perf_counter()
    res, spans = analyse(text, tags)
    elapsed = time.perf_counter() - t0
    assert len([a for a in res.actors if a.type == "person"]) == 400
    assert len(res.unit_actors) == len(spans)
    assert elapsed < 20, f"resolving 400 actors took {elapsed:.1f}s"


_WORDS = ["Abe", "he", "his", "she", "they", "its", "it", "Tokyo", "NATO", "the", "said", "Russian", "leader"]
_WORDS += ["Japanese", "Prime", "Minister", "according", "to", ",", "'s", "’s", "White", "House", "x", "Kremlin"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.sampled_from(_WORDS), min_size=0, max_size=40),
    cuts=st.lists(st.integers(0, 400), max_size=6),
    raw=st.lists(
        st.tuples(
            st.integers(-5, 300),
            st.integers(-5, 300),
            st.sampled_from(["person", "organisation", "location", "group", "other", "bogus"]),
            st.tuples(*[st.floats(allow_nan=True, allow_infinity=True, width=32)] * 3),
        ),
        max_size=12,
    ),
    claim=st.booleans(),
)
def test_random_mention_sets_never_raise_and_keep_offsets(words, cuts, raw, claim) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(words)
    bounds = sorted({0, len(text), *[min(c, len(text)) for c in cuts]})
    inputs = []
    for s, e in zip(bounds, bounds[1:], strict=False):
        unit = text[s:e]
        mentions = tuple(MentionPrediction(a, b, t, 1.0, sc) for a, b, t, sc in raw)
        refs = reference_spans(unit)
        extra = tuple(
            MentionPrediction(a, b, "other", 1.0, sc) for (a, b), (_, _, _, sc) in zip(refs, raw, strict=False)
        )
        inputs.append(UnitInput(s, e, claim, UnitPrediction(0.5, mentions, extra), refs))
    res = resolve(text, inputs)
    assert len(res.unit_actors) == len(res.primary) == len(res.stances) == len(res.sources) == len(inputs)
    all_names = {a.name for a in res.actors}
    assert len(all_names) == len(res.actors)  # names are unique: units refer to actors by name
    for i, unit_actors in enumerate(res.unit_actors):
        assert res.primary[i] is None or res.primary[i] in {a.name for a in unit_actors}
        for a in unit_actors:
            assert a.name in all_names
            for m in a.mentions:
                assert text[m.start : m.end] == m.text
                assert inputs[i].start <= m.start <= m.end <= inputs[i].end
    Article(text=text, actors=res.actors)  # checks every article-level mention


# ---------------------------------------------------------------------------------------------
# gold articles (tests/data/actors): the resolver on gold mentions keeps its measured quality


def _bench():  # type: ignore[no-untyped-def]
    from conftest import load_benchmark

    return load_benchmark("actors")


def test_gold_actor_files_are_consistent_with_the_gold_articles() -> None:
    bench = _bench()
    files = bench.gold_files()
    assert len(files) >= 8
    with_stance = 0
    for path in files:
        gold = bench.load_gold(path)  # raises on a unit, mention or actor it cannot place
        assert gold.claims
        # Article-level gold (issue 13 files): the author's stance toward each of the article's main actors.
        stance = json.loads(path.read_text(encoding="utf-8")).get("article_stance")
        if stance is None:
            continue
        with_stance += 1
        assert 2 <= len(stance) <= 5, path.name
        for actor, label in stance.items():
            assert actor in gold.aliases, f"{path.name}: article_stance names {actor!r}, not in the actor list"
            assert label in ("favor", "against", "neutral"), f"{path.name}: {actor!r} has label {label!r}"
    assert with_stance >= 15


def test_resolver_on_gold_mentions_meets_its_measured_quality() -> None:
    # Measured at commit time (benchmarks/results/actors.json, mode "gold_mentions"): dev P/R ≈ 0.97/0.95.
    # The floor leaves room for gold added later, but catches a broken resolver.
    report = _bench().run_gold(None)
    dev = report["dev"]
    assert dev["actor_precision"] >= 0.85 and dev["actor_recall"] >= 0.85
    assert dev["source_accuracy"] >= 0.85
    assert dev["primary_accuracy"] >= 0.8


def test_gold_phenomena_are_all_covered() -> None:
    """Every phenomenon of the issue appears in the gold articles at least once."""
    text = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "data" / "articles").glob("*.txt"))
    gold = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "data" / "actors").glob("*.json"))
    for needle in ["Kremlin", "Washington", "Pyongyang", "Japanese", "NATO", "Group of Seven", "The Russian leader",
                   "Abe’s", "according to", "said"]:  # fmt: skip
        assert needle in text, needle
    assert re.search(r'"source": "[^"]+"', gold)


def test_a_country_the_tagger_calls_a_person_is_still_the_country() -> None:
    res, _ = analyse("Russia and Washington traded barbs.", {0: [("Russia", "person"), ("Washington", "person")]})
    # A capital standing alone is its government even when the tagger says "person" (issue 13) …
    assert [(a.name, a.type) for a in res.unit_actors[0]] == [("Russia", "country"), ("United States", "country")]
    # … a full name or a titled one is still a person.
    res, _ = analyse("George Washington crossed the Delaware.", {0: [("George Washington", "person")]})
    assert [(a.name, a.type) for a in res.unit_actors[0]] == [("George Washington", "person")]


# ---------------------------------------------------------------------------------------------
# issue 13: clean mention spans, what is an actor, one actor one name, descriptions and pronouns


def test_a_mention_never_starts_with_a_conjunction_preposition_or_adverb() -> None:
    text = "Although Japan joined the sanctions, Abe stayed.\nUnder Putin, Russia changed.\nNow New Delhi waits."
    tags = {
        0: [("Although Japan", "location"), ("Abe", "person")],
        1: [("Under Putin", "person"), ("Russia", "location")],
    }
    tags[2] = [("Now New Delhi", "location")]
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Japan", "Abe"]
    assert names(res, 1) == ["Putin", "Russia"]
    assert names(res, 2) == ["India"]
    for a in res.actors:
        for m in a.mentions:
            assert m.text.split()[0] not in ("Although", "Under", "Now")


def test_hyphenated_compounds_yield_the_actors_inside_them() -> None:
    text = (
        "Japan joined the U.S.-led sanctions.\nA Japan-Russia thaw worries Sino-Japanese experts.\n"
        "The NATO-Ukraine Council met."
    )
    tags = {0: [("Japan", "location"), ("U.S.-led", "location")], 1: [("Japan-Russia", "location")]}
    tags[1].append(("Sino-Japanese", "group"))
    tags[2] = [("NATO-Ukraine Council", "organisation")]
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Japan", "United States"]
    assert names(res, 1) == ["Japan", "Russia", "China"]
    assert names(res, 2) == ["NATO-Ukraine Council"]  # a hyphenated name is one actor
    u = res.unit_actors[0][1].mentions[0]
    assert u.text == "U.S."  # the abbreviation keeps its full stop


def test_events_wars_ideologies_and_adjectives_are_not_actors() -> None:
    text = (
        "After World War II and Brexit, Asian nations and Siberian gas mattered.\n"
        "Republican leaders balked, but the Republicans in Congress agreed.\n"
        "The Latin American left and Peronism lost."
    )
    tags = {
        0: [("World War II", "other"), ("Brexit", "organisation"), ("Asian", "group"), ("Siberian", "location")],
        1: [("Republican", "group"), ("Republicans", "group"), ("Congress", "organisation")],
        2: [("Peronism", "group")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == []
    assert names(res, 1) == ["Republicans", "Congress"]
    assert names(res, 2) == []  # "Latin American" is a region's adjective, not the United States


def test_places_that_are_not_countries_are_actors_only_when_they_act() -> None:
    text = (
        "The Kuril Islands dispute and the Pahalgam attack hurt.\n"
        "Abbott vowed that Texas would fight.\nEurope’s problems grew."
    )
    tags = {
        0: [("Kuril Islands", "location"), ("Pahalgam", "location")],
        1: [("Abbott", "person"), ("Texas", "location")],
    }
    tags[2] = [("Europe", "location")]
    res, _ = analyse(text, tags)
    assert names(res, 0) == []
    assert names(res, 1) == ["Texas"]
    assert names(res, 2) == ["Europe"]


def test_a_dateline_in_capitals_with_accents_is_not_an_actor() -> None:
    res, _ = analyse(
        "BELÉM, Brazil — Lula spoke.", {0: [("BELÉM", "location"), ("Brazil", "location"), ("Lula", "person")]}
    )
    assert names(res, 0) == ["Lula"]


def test_qualified_country_names_merge_into_the_plain_one() -> None:
    text = "Moscow leans on Communist China.\nBeijing watched, and the courtship of the Kremlin went on."
    tags = {
        0: [("Moscow", "location"), ("Communist China", "location")],
        1: [("Beijing", "location"), ("Kremlin", "organisation")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Russia", "China"]
    assert names(res, 1) == ["China", "Russia"]
    assert [a.name for a in res.actors] == ["Russia", "China"]


def test_possessor_of_a_person_gives_both_actors_but_a_title_qualifier_does_not() -> None:
    text = "Germany’s Angela Merkel met Abe.\nRussia’s President Vladimir Putin smiled."
    tags = {0: [("Germany", "location"), ("Angela Merkel", "person"), ("Abe", "person")]}
    tags[1] = [("Russia", "location"), ("Vladimir Putin", "person")]
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Germany", "Angela Merkel", "Abe"]
    assert names(res, 1) == ["Vladimir Putin"]


def test_the_russian_leader_is_the_person_the_article_ties_to_russia() -> None:
    text = (
        "Under Putin, Russia has stalled, yet Abe courted him.\n"
        "The tough Russian leader has given little.\n"
        "He has declared that Russia will never bend."
    )
    tags = {0: [("Putin", "person"), ("Russia", "location"), ("Abe", "person")], 2: [("Russia", "location")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Putin"]
    assert res.sources[2] == "Putin"


def test_a_description_the_article_does_not_pin_stays_unresolved() -> None:
    text = (
        "Much depends on the election.\n"
        "The next president may push Tokyo, while French President François Hollande urged talks."
    )
    tags = {1: [("Tokyo", "location"), ("François Hollande", "person")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Japan", "François Hollande"]
    assert [m.text for m in res.unit_actors[1][1].mentions] == ["François Hollande"]


def test_a_country_description_by_role_finds_the_person_whose_country_is_not_stated() -> None:
    # (The text must name the country first: see the test of "The Brazilian president" below.)
    text = "Washington wants a deal.\nErdogan spoke with President Joe Biden.\nThe U.S. president has backed the sale."
    res, _ = analyse(text, {0: [("Washington", "location")], 1: [("Erdogan", "person"), ("Joe Biden", "person")]})
    assert names(res, 2) == ["Joe Biden"]


def test_his_government_is_the_country_of_the_person_when_the_article_says_it() -> None:
    text = "Shehbaz Sharif, Pakistan’s prime minister, objected.\nHis government suspended the accord."
    res, _ = analyse(text, {0: [("Shehbaz Sharif", "person")]})
    assert names(res, 1) == ["Pakistan"]
    text = "Olaf Scholz objected.\nHis government has no plan."
    res, _ = analyse(text, {0: [("Olaf Scholz", "person")]})
    assert names(res, 1) == ["Olaf Scholz"]


def test_a_subject_pronoun_claim_about_the_speaker_makes_it_source_and_actor() -> None:
    text = "Trump has made immigration his theme.\nHe said that if he returns he will deport millions."
    res, _ = analyse(text, {0: [("Trump", "person")]})
    assert res.sources[1] == "Trump"
    assert names(res, 1) == ["Trump"]


def test_a_person_and_the_organisation_after_of_are_two_mentions() -> None:
    text = '"Not a plan," said Márcio Astrini of the Climate Observatory.'
    res, _ = analyse(text, {0: [("Márcio Astrini", "person"), ("Climate Observatory", "organisation")]})
    assert res.sources[0] == "Márcio Astrini"


def test_generational_suffixes_do_not_join_different_people() -> None:
    text = "Ferdinand Marcos Jr. met Romeo Brawner Jr.\nMarcos thanked Brawner."
    tags = {
        0: [("Ferdinand Marcos Jr.", "person"), ("Romeo Brawner Jr.", "person")],
        1: [("Marcos", "person"), ("Brawner", "person")],
    }
    res, _ = analyse(text, tags)
    assert [a.name for a in res.actors] == ["Ferdinand Marcos Jr.", "Romeo Brawner Jr."]
    assert [len(a.mentions) for a in res.actors] == [2, 2]


def test_dateline_places_are_not_actors() -> None:
    text = "VILNIUS, Lithuania — NATO met on Tuesday.\nGENEVA, Nov 29 (Reuters) - Iran talked."
    tags = {0: [("VILNIUS", "location"), ("Lithuania", "location"), ("NATO", "organisation")]}
    tags[1] = [("GENEVA", "location"), ("Reuters", "organisation"), ("Iran", "location")]
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["NATO"] and names(res, 1) == ["Iran"]


def test_people_of_a_capital_stand_for_its_country() -> None:
    res, _ = analyse("Many in Beijing and Seoul thought so.", {0: [("Beijing", "location"), ("Seoul", "location")]})
    assert names(res, 0) == ["China", "South Korea"]


def test_outlet_is_the_claimant_of_reported_speech_and_the_speaker_of_a_quote() -> None:
    text = (
        "Xi has told his generals to be ready, according to U.S. officials.\n"
        '"It offers nothing new," said Toshiyuki Mimaki, according to Kyodo News.'
    )
    tags = {
        0: [("Xi", "person"), ("U.S.", "location")],
        1: [("Toshiyuki Mimaki", "person"), ("Kyodo News", "organisation")],
    }
    res, _ = analyse(text, tags)
    assert res.sources == ["United States", "Toshiyuki Mimaki"]
    assert names(res, 0) == ["Xi"]
    assert names(res, 1) == []


def test_subject_it_refers_to_an_organisation_or_country_but_expletive_it_does_not() -> None:
    text = "What will Beijing do next?\nIn 2018, it answered tariffs with tariffs.\nIt is a remarkable turnaround."
    res, _ = analyse(text, {0: [("Beijing", "location")]})
    assert names(res, 1) == ["China"]
    assert names(res, 2) == []


def test_a_description_in_apposition_belongs_to_its_name() -> None:
    text = '"This is humiliating," said Lee Jae-myung, the leader of the opposition.'
    res, _ = analyse(text, {0: [("Lee Jae-myung", "person")]})
    assert res.sources[0] == "Lee Jae-myung"
    assert names(res, 0) == []


def test_tagger_fragments_of_one_name_are_joined_and_lowercase_pieces_dropped() -> None:
    text = "European Union leaders and Recep Tayyip Erdoğan met the hawks."
    tags = {0: [("European", "group"), ("Union", "organisation"), ("Recep", "person"), ("Tayyip Erdoğan", "person")]}
    tags[0].append(("hawks", "group"))
    res, _ = analyse(text, tags)
    assert [(a.name, a.type) for a in res.unit_actors[0]] == [
        ("European Union", "organisation"),
        ("Recep Tayyip Erdoğan", "person"),
    ]


def test_corpus_names_merge_one_person_but_not_people_sharing_a_surname() -> None:
    from stancekit.actors import merge_actor_names

    pairs = [
        ("Vladimir Putin", "person"), ("Putin", "person"), ("Donald Trump", "person"), ("Donald J. Trump", "person"),
        ("Melania Trump", "person"), ("Trump", "person"),
        ("U.S. Senate", "organisation"), ("US Senate", "organisation"),
        ("Ferdinand Marcos Jr.", "person"), ("Ferdinand Marcos", "person"), ("Imelda Marcos", "person"),
    ]  # fmt: skip
    m = merge_actor_names(pairs)
    assert m[("Putin", "person")] == m[("Vladimir Putin", "person")] == "Vladimir Putin"
    assert m[("Donald Trump", "person")] == m[("Donald J. Trump", "person")] == "Donald J. Trump"
    assert m[("Melania Trump", "person")] == "Melania Trump"
    assert m[("Trump", "person")] == "Trump"  # two Trumps in the corpus: not guessed
    assert m[("US Senate", "organisation")] == m[("U.S. Senate", "organisation")]
    assert m[("Imelda Marcos", "person")] == "Imelda Marcos"


def test_names_the_tagger_calls_groups_are_actors_only_when_they_name_people() -> None:
    text = "Crimea and the Black Sea mattered to the Republicans, the E3 and the Wagner Group.\nHamas said no."
    tags = {
        0: [("Crimea", "group"), ("Black Sea", "group"), ("Republicans", "group"), ("E3", "group")],
        1: [("Hamas", "group")],
    }
    tags[0].append(("Wagner Group", "group"))
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Republicans", "E3", "Wagner Group"]
    assert res.sources[1] == "Hamas"


def test_a_lower_case_piece_joined_to_a_name_is_trimmed() -> None:
    text = "The post-war Japanese governments insisted on it."
    res, _ = analyse(text, {0: [("war", "group"), ("Japanese", "group")]})
    assert [(a.name, [m.text for m in a.mentions]) for a in res.unit_actors[0]] == [("Japan", ["Japanese"])]


def test_plural_demonyms_ending_in_i_are_their_country() -> None:
    text = "The Saudis and the Israelis disagree."
    res, _ = analyse(text)
    assert names(res, 0) == ["Saudi Arabia", "Israel"]


def test_became_prime_minister_is_the_current_holder_of_the_role() -> None:
    text = "Keir Starmer became prime minister on Friday.\nThe new prime minister ruled out tax rises."
    res, _ = analyse(text, {0: [("Keir Starmer", "person")]})
    assert names(res, 1) == ["Keir Starmer"]


def test_a_place_the_tagger_calls_a_person_is_not_a_person() -> None:
    text = "A ship fired water cannon near Second Thomas Shoal on Sunday."
    res, _ = analyse(text, {0: [("Second Thomas Shoal", "person")]})
    assert names(res, 0) == []


def test_it_and_they_skip_names_inside_prepositional_phrases() -> None:
    text = "Canada cut its duties on steel.\nEconomists at the Brenner Institute (BI) say, it may cut them again."
    tags = {0: [("Canada", "location")], 1: [("Brenner Institute", "organisation"), ("BI", "organisation")]}
    res, _ = analyse(text, tags)
    assert "Canada" in names(res, 1)  # "it" is Canada, not the institute the economists work at
    assert [m.text for a in res.unit_actors[1] if a.name == "Canada" for m in a.mentions] == ["it"]


def test_it_after_an_unnamed_subject_refers_to_that_subject() -> None:
    text = (
        "Chile hosted the envoys of Peru and Bolivia.\n"
        "The final communique called for calm.\n"
        "It did not mention Argentina."
    )
    tags = {0: [("Chile", "location"), ("Peru", "location"), ("Bolivia", "location")], 2: [("Argentina", "location")]}
    res, _ = analyse(text, tags)
    assert names(res, 2) == ["Argentina"]


def test_it_across_units_skips_a_possessor_of_a_thing_but_not_of_a_body() -> None:
    text = "Norway's bid for the seat of Sweden failed.\nIt may come back next year."
    res, _ = analyse(text, {0: [("Norway", "location"), ("Sweden", "location")]})
    assert names(res, 1) == []
    text = "Vietnam's foreign ministry protested;\nit called its own patrols lawful."
    res, _ = analyse(text, {0: [("Vietnam", "location")]})
    assert names(res, 1) == ["Vietnam"]


def test_the_claimants_affiliation_and_apposition_are_not_actors() -> None:
    text = (
        "“It will not work,” said Anna Berg of the Nordic Policy Centre, a network of Swedish think tanks.\n"
        "Senator Ruth Okafor, then the chair of the Senate Budget Committee, warned that Nigeria would default."
    )
    tags = {
        0: [("Anna Berg", "person"), ("Nordic Policy Centre", "organisation"), ("Swedish", "group")],
        1: [("Ruth Okafor", "person"), ("Senate Budget Committee", "organisation"), ("Nigeria", "location")],
    }
    res, _ = analyse(text, tags)
    assert res.sources == ["Anna Berg", "Ruth Okafor"]
    assert names(res, 0) == [] and names(res, 1) == ["Nigeria"]
    assert [a.name for a in res.actors] == ["Anna Berg", "Ruth Okafor", "Nigeria"]


def test_a_politicians_party_in_the_apposition_stays_an_actor() -> None:
    text = "“A disgrace,” said Paulo Reis, the leader of the opposition Liberal Party."
    res, _ = analyse(text, {0: [("Paulo Reis", "person"), ("Liberal Party", "organisation")]})
    assert res.sources[0] == "Paulo Reis"
    assert names(res, 0) == ["Liberal Party"]


def test_an_outlet_platform_or_meeting_addressed_is_not_an_actor() -> None:
    text = (
        "Amina Diallo told Sky News that Kenya would pay.\n"
        "She posted a photo of the deal on X.\n"
        "President William Ruto told the General Assembly that Somalia was ready."
    )
    tags = {
        0: [("Amina Diallo", "person"), ("Sky News", "organisation"), ("Kenya", "location")],
        1: [("X", "organisation")],
        2: [("William Ruto", "person"), ("General Assembly", "organisation"), ("Somalia", "location")],
    }
    res, _ = analyse(text, tags)
    assert [names(res, i) for i in range(3)] == [["Kenya"], ["Amina Diallo"], ["Somalia"]]
    assert [a.name for a in res.actors] == ["Amina Diallo", "Kenya", "William Ruto", "Somalia"]


def test_a_description_followed_by_a_name_in_apposition_is_that_person() -> None:
    text = "President Ana Ruiz of Peru spoke first.\nRebels vowed to restore the deposed president, Tomas Vega."
    tags = {0: [("Ana Ruiz", "person"), ("Peru", "location")], 1: [("Tomas Vega", "person")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Tomas Vega"]


def test_an_official_the_article_does_not_name_stands_for_the_country() -> None:
    text = (
        "Prime Minister Kofi Mensah welcomed the vote.\n"
        "The rebels told the Danish envoy to leave and seized his passport.\n"
        "The Iranian leader said nothing."
    )
    res, _ = analyse(text, {0: [("Kofi Mensah", "person")]})
    assert names(res, 1) == ["Denmark"]  # "his" is the envoy's, not Mensah's
    assert names(res, 2) == []  # an unnamed head of state stays unresolved


def test_the_government_alone_is_the_government_of_the_country_in_focus() -> None:
    text = "Chilean President Gabriel Soto praised the accord.\nThe opposition accused the government of haste."
    res, _ = analyse(text, {0: [("Gabriel Soto", "person")]})
    assert names(res, 1) == ["Chile"]
    text = (
        "Ottawa promised closer ties with Mexico.\n"
        "In 2020, Canada banned the firm.\n"
        "Ms. Tremblay is back, as trade minister.\n"
        "The government's answer is cautious."
    )
    tags = {0: [("Ottawa", "location"), ("Mexico", "location")], 1: [("Canada", "location")]}
    tags[2] = [("Tremblay", "person")]
    res, _ = analyse(text, tags)
    assert names(res, 3) == ["Canada"]


def test_a_kind_of_country_refers_to_the_last_country_of_that_kind() -> None:
    text = "Iran and Jordan talked while Egypt watched.\nLater, Qatar mediated between Iran and the kingdom."
    res, _ = analyse(text)
    assert names(res, 1) == ["Qatar", "Iran", "Jordan"]
    res, _ = analyse("Japan and China met.\nThe island nation wants calm.")
    assert names(res, 1) == ["Japan"]
    res, _ = analyse("The Czech Republic and the United Kingdom agreed.")
    assert names(res, 0) == ["Czech Republic", "United Kingdom"]


def test_a_capital_after_a_relation_word_is_its_government_not_a_setting() -> None:
    text = (
        "Manila has moved closer to Washington.\n"
        "The talks in Washington ended.\n"
        "Warsaw called it a diktat from Brussels.\n"
        "Biden backed the sale of F-16 jets to Ankara."
    )
    tags = {0: [("Manila", "location"), ("Washington", "location")], 1: [("Washington", "location")]}
    tags[2], tags[3] = [("Warsaw", "location"), ("Brussels", "location")], [("Biden", "person"), ("Ankara", "location")]
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Philippines", "United States"]
    assert names(res, 1) == []
    assert names(res, 2) == ["Poland", "European Union"]
    assert names(res, 3) == ["Biden", "Turkey"]


def test_a_party_adjective_before_people_names_the_partys_group() -> None:
    text = "Several Republican senators objected.\nThe Republicans walked out.\nThe Republican primary is in May."
    res, _ = analyse(text, {1: [("Republicans", "group")], 2: [("Republican", "other")]})
    assert names(res, 0) == ["Republicans"] and names(res, 1) == ["Republicans"]
    assert names(res, 2) == []
    assert [a.name for a in res.actors] == ["Republicans"]


def test_combining_forms_and_prefixed_compounds_before_a_name() -> None:
    res, _ = analyse("Yet the Sino-Australian thaw has limits.")
    assert names(res, 0) == ["China", "Australia"]
    res, _ = analyse("Post-Brexit Britain still struggles.", {0: [("Britain", "location")]})
    assert names(res, 0) == ["United Kingdom"]


def test_a_nationality_before_an_occupation_and_a_name_describes_the_person() -> None:
    text = "Beijing has not released the Australian writer Yang Hengjun.\nAustralian officials want him back."
    res, _ = analyse(text, {0: [("Beijing", "location"), ("Yang Hengjun", "person")]})
    assert names(res, 0) == ["China", "Yang Hengjun"]
    assert names(res, 1)[0] == "Australia"


def test_a_demonym_before_history_or_culture_is_not_the_country() -> None:
    res, _ = analyse("It was the largest operation in American history.")
    assert names(res, 0) == []


def test_worry_and_fear_attribute_like_saying() -> None:
    res, _ = analyse("Mexican officials, privately, worry more about the tariffs.")
    assert res.sources[0] == "Mexico"
    assert names(res, 0) == []


def test_ships_aboard_and_model_designations_are_not_actors() -> None:
    text = "Troops aboard the grounded Santa Rosa held out.\nTurkey wants F-16 jets."
    res, _ = analyse(text, {0: [("Santa Rosa", "other")], 1: [("Turkey", "location"), ("F-16", "group")]})
    assert names(res, 0) == [] and names(res, 1) == ["Turkey"]


def test_the_government_is_not_a_country_named_after_it_in_the_unit() -> None:
    text = (
        "Anthony Albanese on Saturday became the first Australian prime minister to visit.\n"
        "Peter Dutton accused the government of going soft on Beijing."
    )
    tags = {0: [("Anthony Albanese", "person")], 1: [("Peter Dutton", "person"), ("Beijing", "location")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Peter Dutton", "Australia", "China"]


def test_a_description_of_a_partys_leader_opening_a_unit_is_the_subject_before() -> None:
    text = "Sir Ed Davey became deputy prime minister on Friday.\nThe Liberal Democrat leader promised “a fair deal.”"
    res, _ = analyse(text, {0: [("Ed Davey", "person")], 1: [("Liberal Democrat", "organisation")]})
    assert res.sources[1] == "Ed Davey"
    text = "Inflation rose again in May.\nThe Green leader promised “a fair deal.”"
    res, _ = analyse(text, {1: [("Green", "organisation")]})
    assert res.sources[1] == "Green"  # nobody to pin it on: the party named inside stays


def test_its_after_an_enumeration_marker_is_the_subject_of_the_item_before() -> None:
    text = (
        "Washington tolerates this: (a) India is a partner;\n"
        "(b) its economy is growing;\n"
        "and (c) Moscow's influence in New Delhi is fading."
    )
    tags = {
        0: [("Washington", "location"), ("India", "location")],
        2: [("Moscow", "location"), ("New Delhi", "location")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["India"]
    assert names(res, 2) == ["Russia", "India"]


def test_names_qualifying_an_agreement_or_after_a_are_not_actors_but_bodies_are() -> None:
    text = (
        "Canberra buys submarines under the AUKUS pact.\n"
        "Scholz promised a Zeitenwende.\n"
        "India launched a Global Biofuels Alliance.\n"
        "A Hamas official denied it.\n"
        "A drone hit the Black Sea Fleet on Sunday."
    )
    tags = {
        0: [("Canberra", "location"), ("AUKUS", "organisation")],
        1: [("Scholz", "person"), ("Zeitenwende", "organisation")],
        2: [("India", "location"), ("Global Biofuels Alliance", "organisation")],
        3: [("Hamas", "group")],
        4: [("Black Sea Fleet", "location")],
    }
    res, _ = analyse(text, tags)
    assert [names(res, i) for i in (0, 1, 2)] == [["Australia"], ["Scholz"], ["India", "Global Biofuels Alliance"]]
    assert res.sources[3] == "Hamas"
    assert names(res, 4) == ["Black Sea Fleet"]


def test_a_name_after_a_title_is_a_person_even_when_the_tagger_missed_it() -> None:
    res, _ = analyse("President Biden called the deal historic.\nThe General Assembly met.")
    assert names(res, 0) == ["Biden"]
    assert names(res, 1) == []


def test_a_countrys_ministry_is_an_actor_of_its_own() -> None:
    res, _ = analyse("China's Foreign Ministry said the talks failed.", {0: [("China", "location")]})
    assert res.sources[0] == "China's Foreign Ministry"
    assert [a.type for a in res.actors] == ["organisation"]


def test_a_demonym_before_a_place_is_the_country_unless_the_place_is_one_name() -> None:
    res, _ = analyse("Clearing in the Brazilian Amazon fell.", {0: [("Amazon", "location")]})
    assert names(res, 0) == ["Brazil"]
    res, _ = analyse("Ships crossed the Indian Ocean.", {0: [("Ocean", "location")]})
    assert names(res, 0) == []


def test_a_party_before_what_it_forms_or_its_benches_stays_an_actor() -> None:
    res, _ = analyse("Markets shrugged off a Labour government.", {0: [("Labour", "organisation")]})
    assert names(res, 0) == ["Labour"]
    res, _ = analyse("The hawks on the Conservative back benches want more.", {0: [("Conservative", "organisation")]})
    assert names(res, 0) == ["Conservatives"]


def test_tagger_pieces_after_a_prefixed_compound_are_not_joined() -> None:
    res, _ = analyse("Post-Brexit Britain still struggles.", {0: [("Brexit", "group"), ("Britain", "location")]})
    assert names(res, 0) == ["United Kingdom"]


def test_a_country_and_its_ministry_tagged_apart_are_one_body() -> None:
    text = "By May, 200 ships had sailed, according to Peru's Ministry of Transport."
    res, _ = analyse(text, {0: [("Peru", "location"), ("Ministry of", "organisation")]})
    assert res.sources[0] == "Peru's Ministry of Transport"
    assert names(res, 0) == []


def test_an_abbreviation_ending_a_name_keeps_its_full_stop() -> None:
    text = "President Ramon Cruz Jr. said he was concerned."
    res, _ = analyse(text, {0: [("Ramon Cruz Jr", "person")]})
    assert res.sources[0] == "Ramon Cruz Jr."


def test_bodies_the_tagger_cut_short_are_grown_and_kept() -> None:
    text = "A drone hit the Black Sea Fleet.\nThe Chinese Embassy in Washington responded."
    res, _ = analyse(text, {0: [("Black", "group")], 1: [("Chinese", "group"), ("Washington", "location")]})
    assert names(res, 0) == ["Black Sea Fleet"]
    assert names(res, 1) == ["Chinese Embassy"]


def test_a_place_compound_says_where_someone_is_not_who_acts() -> None:
    text = "A Beijing-based analyst said Canberra erred.\nThe Ottawa-born envoy praised U.S.-led talks."
    tags = {
        0: [("Beijing-based", "location"), ("Canberra", "location")],
        1: [("Ottawa-born", "location"), ("U.S.-led", "location")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Australia"]
    assert names(res, 1) == ["United States"]


def test_regions_languages_and_fields_are_not_actors() -> None:
    text = (
        "China is already Central Asia's largest trading partner.\n"
        "The Kazakh leader speaks fluent Chinese.\n"
        "She is an expert on Argentine history.\n"
        "Argentine police met the protesters."
    )
    tags = {
        0: [("China", "location"), ("Central Asia", "location")],
        1: [("Chinese", "group")],
        2: [("Argentine", "group")],
        3: [("Argentine", "group")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["China"]
    assert "China" not in names(res, 1)  # a language, not the country
    assert names(res, 2) == []  # a field, not the country acting
    assert names(res, 3) == ["Argentina"]  # the same demonym before people is the country
    assert "Central Asia" not in [a.name for a in res.actors]


def test_demonyms_seats_and_combining_forms_missing_from_countryinfo() -> None:
    text = (
        "Kazakhstan's Kassym-Jomart Tokayev met Uzbek officials.\n"
        "The Kazakh leader praised the Casa Rosada.\n"
        "A Franco-German push angered Kosovar leaders."
    )
    tags = {
        0: [("Kazakhstan", "location"), ("Kassym-Jomart Tokayev", "person"), ("Uzbek", "group")],
        1: [("Rosada", "location")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Kazakhstan", "Kassym-Jomart Tokayev", "Uzbekistan"]
    assert names(res, 1) == ["Kassym-Jomart Tokayev", "Argentina"]
    assert names(res, 2) == ["France", "Germany", "Kosovo"]


def test_one_name_typed_differently_by_the_tagger_is_one_actor() -> None:
    text = (
        "Lebanon's parliament elected Joseph Aoun on Thursday.\n"
        "Aoun won 99 votes after Hezbollah switched.\n"
        "The deal ended fighting between Israel and Hezbollah."
    )
    tags = {
        0: [("Lebanon", "location"), ("Joseph Aoun", "person")],
        1: [("Aoun", "organisation"), ("Hezbollah", "organisation")],
        2: [("Israel", "location"), ("Hezbollah", "location")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Joseph Aoun", "Hezbollah"]
    assert names(res, 2) == ["Israel", "Hezbollah"]
    assert [(a.name, a.type) for a in res.actors if a.name in ("Joseph Aoun", "Hezbollah")] == [
        ("Joseph Aoun", "person"),
        ("Hezbollah", "organisation"),
    ]


def test_the_president_is_the_most_mentioned_president_and_as_president_gives_the_role() -> None:
    text = (
        "Parliament elected army commander Joseph Aoun as president on Thursday.\n"
        "Aoun promised reform.\n"
        "President Emmanuel Macron will visit next week.\n"
        "The president must now name a prime minister."
    )
    tags = {
        0: [("Joseph Aoun", "person")],
        1: [("Aoun", "person")],
        2: [("Emmanuel Macron", "person")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 3) == ["Joseph Aoun"]
    # With one mention each, the most recent president is meant.
    res, _ = analyse(text.replace("Aoun promised reform.", "Reform was promised."), {0: tags[0], 2: tags[2]})
    assert names(res, 3) == ["Emmanuel Macron"]


def test_a_demonym_description_needs_its_country_in_the_text_or_the_dateline() -> None:
    # "The Brazilian president" is not a U.S. president named earlier, nor a former president.
    text = (
        "President Donald Trump praised Milei.\n"
        "Former President Cristina Kirchner stayed silent.\n"
        "The Brazilian president skipped the inauguration."
    )
    tags = {0: [("Donald Trump", "person"), ("Milei", "person")], 1: [("Cristina Kirchner", "person")]}
    res, _ = analyse(text, tags)
    assert names(res, 2) == []
    # A country named in the dateline is named: the president of the story is its president.
    text = "NAIROBI, Kenya — President William Ruto spoke on Wednesday.\nThe Kenyan president signed the bill."
    res, _ = analyse(text, {0: [("NAIROBI", "location"), ("Kenya", "location"), ("William Ruto", "person")]})
    assert names(res, 1) == ["William Ruto"]


def test_an_organisation_name_the_tagger_cut_after_of_or_for_is_grown() -> None:
    text = "Simion leads the far-right Alliance for the Union of Romanians."
    res, _ = analyse(text, {0: [("Simion", "person"), ("Union of Romanians", "organisation")]})
    assert names(res, 0) == ["Simion", "Alliance for the Union of Romanians"]


def test_winning_the_presidential_run_off_makes_the_new_president() -> None:
    text = (
        "Nicușor Dan, the mayor of Bucharest, won Romania's presidential run-off, defeating George Simion.\n"
        "Simion conceded.\n"
        "The new president inherits a deficit.\n"
        "He will have to cut spending."
    )
    tags = {
        0: [("Nicușor Dan", "person"), ("Romania", "location"), ("George Simion", "person")],
        1: [("Simion", "person")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 2) == ["Nicușor Dan"]
    assert names(res, 3) == ["Nicușor Dan"]


def test_plans_treaties_and_their_acronyms_are_not_actors() -> None:
    text = "Trump withdrew the U.S. from the Joint Comprehensive Plan of Action, or JCPOA, and the Treaty of Paris."
    tags = {0: [("U.S.", "location"), ("Joint Comprehensive Plan of Action", "organisation"), ("JCPOA", "organisation"),
                ("Treaty of Paris", "organisation")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["United States"]
    assert [a.name for a in res.actors] == ["United States"]


def test_a_body_of_ideas_named_after_a_person_is_not_the_person() -> None:
    text = "Xi Jinping Thought is taught in schools.\nMr Xi visited Moscow."
    res, _ = analyse(text, {0: [("Xi Jinping Thought", "person")], 1: [("Xi", "person"), ("Moscow", "location")]})
    assert names(res, 0) == []
    assert find_actor(res, "Mr Xi") is not None and find_actor(res, "Mr Xi").name == "Xi"


def test_find_actor_repairs_a_mojibake_name() -> None:
    res, _ = analyse("Fernando Sánchez won the vote.", {0: [("Fernando Sánchez", "person")]})
    hit = find_actor(res, "Fernando SÃ¡nchez")
    assert hit is not None and hit.name == "Fernando Sánchez"


def test_military_ranks_titles_with_a_body_and_a_lower_case_party() -> None:
    text = (
        "Burkina Faso's Captain Ibrahim Traoré called the alliance a sovereign choice.\n"
        "Foreign ministry spokeswoman Pham Thu Hang said Vietnam was wronged.\n"
        "Milan Radoičić, a former vice-president of the Srpska Lista party, later admitted it."
    )
    tags = {
        0: [("Burkina Faso", "location"), ("Captain Ibrahim Traoré", "person")],
        1: [("Foreign ministry", "organisation"), ("Pham Thu Hang", "person"), ("Vietnam", "location")],
        2: [("Milan Radoičić", "person"), ("Srpska Lista party", "organisation")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Burkina Faso", "Ibrahim Traoré"]
    assert res.sources[1] == "Pham Thu Hang" and names(res, 1) == ["Vietnam"]
    assert res.sources[2] == "Milan Radoičić" and "Srpska Lista" in names(res, 2)


def test_capitals_in_a_relation_between_governments_are_the_governments() -> None:
    text = (
        "Diplomats in Brussels fear the standoff between Pristina and Belgrade will drag on.\n"
        "Flights between Rome and Milan resumed."
    )
    tags = {0: [("Brussels", "location"), ("Pristina", "location"), ("Belgrade", "location")],
            1: [("Rome", "location"), ("Milan", "location")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Kosovo", "Serbia"]  # not "Serbia and Montenegro", a state that no longer exists
    assert names(res, 1) == []


def test_age_descriptions_their_government_nationalities_and_streets() -> None:
    text = (
        "Milan Radoičić later admitted that he had organised the group.\n"
        "The 44-year-old businessman said he had acted alone.\n"
        "Protesters on Rustaveli Avenue are angry at Georgia's rulers.\n"
        "Their government should listen.\n"
        "The former French diplomat has little power."
    )
    tags = {
        0: [("Milan Radoičić", "person")],
        2: [("Rustaveli Avenue", "location"), ("Georgia", "location")],
        4: [("French", "group")],
    }
    res, _ = analyse(text, tags)
    assert res.sources[1] == "Milan Radoičić"
    assert names(res, 2) == ["Georgia"]
    assert names(res, 3) == ["Georgia"]
    assert names(res, 4) == []  # a person's nationality, not France acting


def test_they_in_a_later_unit_is_not_a_country_named_before() -> None:
    text = "Bangladesh has had many interim governments.\nThey rarely left on schedule."
    res, _ = analyse(text, {0: [("Bangladesh", "location")]})
    assert names(res, 1) == []
    # In its own unit "they" may still be a country named there.
    text = "Mali and Niger left the bloc, and they want a new one."
    res, _ = analyse(text, {0: [("Mali", "location"), ("Niger", "location")]})
    assert "they" in [m.text for a in res.unit_actors[0] if a.type == "country" for m in a.mentions]


def test_the_three_countries_are_the_three_just_listed() -> None:
    text = (
        "The juntas of Mali, Burkina Faso and Niger left ECOWAS on Saturday.\n"
        "The three countries have turned to Russia for help.\n"
        "Both sides want a deal."
    )
    tags = {0: [("Mali", "location"), ("Burkina Faso", "location"), ("Niger", "location"), ("ECOWAS", "organisation")],
            1: [("Russia", "location")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Mali", "Burkina Faso", "Niger", "Russia"]
    for a in res.unit_actors[1][:3]:
        assert [m.text for m in a.mentions] == ["The three countries"]
    # "Both sides": no list of two, and no two countries named twice each: unresolved, not guessed.
    assert names(res, 2) == []


def test_a_person_name_grows_over_lower_case_particles() -> None:
    text = "Egypt's Abdel Fattah el-Sisi met Mohammed bin Salman and Lula da Silva in Rio de Janeiro."
    tags = {0: [("Egypt", "location"), ("Abdel Fattah", "person"), ("Mohammed", "person"), ("Lula", "person"),
                ("Rio", "location")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Egypt", "Abdel Fattah el-Sisi", "Mohammed bin Salman", "Lula da Silva"]


def test_a_listed_politician_belongs_to_a_country_the_text_does_not_name() -> None:
    text = (
        "Mark Carney sat down with Narendra Modi.\n"
        "The Indian prime minister flew in for the summit.\n"
        "Nicolás Maduro was sworn in again.\n"
        "The Venezuelan leader has given little in return.\n"
        "The Brazilian president stayed away."
    )
    tags = {0: [("Mark Carney", "person"), ("Narendra Modi", "person")], 2: [("Nicolás Maduro", "person")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Narendra Modi"]
    assert names(res, 3) == ["Nicolás Maduro"]
    assert names(res, 4) == []  # nobody listed as Brazilian is named: unresolved
    # The table ties people to countries; it never makes an actor of its own.
    assert [a.name for a in res.actors] == ["Mark Carney", "Narendra Modi", "Nicolás Maduro"]


def test_nationality_table_matches_full_names_first_and_last_words_and_unique_surnames() -> None:
    from stancekit.actors.facts import nationality

    assert nationality(["nicolás", "maduro"]) == "C:VEN"
    assert nationality(["maduro"]) == "C:VEN"
    assert nationality(["donald", "j", "trump"]) == "C:USA"
    assert nationality(["ferdinand", "marcos"]) == "C:PHL"  # "Jr." is not part of the key
    assert nationality(["fernando", "sánchez"]) is None  # another Sánchez than the listed one
    assert nationality(["jane", "roe"]) is None


def test_the_bloc_and_the_alliance_are_the_body_just_named() -> None:
    text = (
        "Indonesia hosted the ASEAN summit in Jakarta.\n"
        "The bloc remains divided over Myanmar.\n"
        "Poland wants more from NATO.\n"
        "The alliance's eastern flank is thin.\n"
        "A researcher at the Centre for Strategic Studies spoke.\n"
        "The grouping has no answer."
    )
    tags = {0: [("Indonesia", "location"), ("ASEAN", "organisation"), ("Jakarta", "location")],
            1: [("Myanmar", "location")], 2: [("Poland", "location"), ("NATO", "organisation")],
            4: [("Centre for Strategic Studies", "organisation")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 1)[0] == "ASEAN"
    assert names(res, 3) == ["NATO"]
    assert "Centre for Strategic Studies" not in names(res, 5)  # a think tank is not a bloc of states


def test_a_unit_opening_with_an_abbreviated_compound_is_not_a_dateline_and_under_names_a_leader() -> None:
    text = (
        "U.S.-led talks collapsed in 2020.\nUnder Trudeau, relations sank.\n"
        "Under Prabowo, Indonesia joined BRICS.\nUnder the deal, troops leave."
    )
    tags = {
        0: [("U.S.-led", "location")],
        2: [("Prabowo", "location"), ("Indonesia", "location"), ("BRICS", "organisation")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["United States"]
    assert names(res, 1) == ["Trudeau"]
    assert names(res, 2) == ["Prabowo", "Indonesia", "BRICS"]
    assert names(res, 3) == []
    # A real dateline still is one.
    res, _ = analyse("BEIRUT -- Lebanon's parliament met.", {0: [("BEIRUT", "location"), ("Lebanon", "location")]})
    assert names(res, 0) == ["Lebanon"]


def test_a_place_the_tagger_calls_a_person_and_a_led_compound_before_a_name() -> None:
    text = (
        "Dina Boluarte took office in 2022.\n"
        "Most of the dead came from Puno and Ayacucho.\n"
        "She has blamed violent groups.\n"
        "Armenia froze its part in the Russian-led Collective Security Treaty Organization."
    )
    tags = {
        0: [("Dina Boluarte", "person")],
        1: [("Puno", "location"), ("Ayacucho", "person")],
        3: [("Armenia", "location"), ("Russian-led Collective Security Treaty Organization", "organisation")],
    }
    res, _ = analyse(text, tags)
    assert names(res, 1) == []
    assert names(res, 2) == ["Dina Boluarte"]  # not the "person" Ayacucho
    assert names(res, 3) == ["Armenia", "Russia", "Collective Security Treaty Organization"]
    # A one-word person named in full elsewhere stays a person, even after "from".
    tags = {0: [("Javier Milei", "person")], 1: [("Milei", "person")]}
    res, _ = analyse("Javier Milei won.\nThe cheers came from Milei.", tags)
    assert names(res, 1) == ["Javier Milei"]


def test_an_acronyms_long_form_the_tagger_missed_is_found_by_its_initials() -> None:
    text = "Dagalo sent a delegation of the Rapid Support Forces to Geneva.\nThe RSF denies the charges."
    res, _ = analyse(text, {0: [("Dagalo", "person"), ("Geneva", "location")], 1: [("RSF", "organisation")]})
    assert names(res, 0) == ["Dagalo", "Rapid Support Forces"]
    assert [a.name for a in res.actors] == ["Dagalo", "Rapid Support Forces"]
    rsf = res.actors[1]
    assert [m.text for m in rsf.mentions] == ["Rapid Support Forces", "RSF"]


def test_a_possessive_pronoun_is_not_the_speaker_and_workers_party_keeps_its_apostrophe() -> None:
    text = (
        "Chile Vamos opposed the reform.\n"
        "Its leader, José Antonio Kast, said the reform was a tax on work.\n"
        "The Workers' United Centre called the deal insufficient."
    )
    tags = {0: [("Chile Vamos", "organisation")], 1: [("José Antonio Kast", "person")],
            2: [("United Centre", "organisation")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert res.sources[1] == "José Antonio Kast"
    assert names(res, 2) == ["Workers' United Centre"]


def test_his_counterpart_is_another_person_not_him() -> None:
    text = "Fernando Grande-Marlaska visited Rabat.\nHis Moroccan counterpart, Abdelouafi Laftit, praised the deal."
    tags = {0: [("Fernando Grande-Marlaska", "person"), ("Rabat", "location")], 1: [("Abdelouafi Laftit", "person")]}
    res, _ = analyse(text, tags)
    assert "Fernando Grande-Marlaska" not in names(res, 1)
    assert "Abdelouafi Laftit" in names(res, 1)


def test_body_names_grow_over_a_plural_possessive_and_title_words() -> None:
    text = (
        "His National People's Power alliance took 159 seats.\nThe Defence Ministry objected.\n"
        "President Macron's Renaissance party lost."
    )
    tags = {0: [("People", "organisation")], 1: [("Ministry", "organisation")],
            2: [("Macron", "person"), ("Renaissance", "organisation")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert "National People's Power" in names(res, 0)
    assert names(res, 1) == ["Defence Ministry"]
    assert names(res, 2) == ["Macron", "Renaissance"]  # a title ends a body's name on its left


def test_fact_tables_name_only_known_countries_and_every_row_has_a_source() -> None:
    from stancekit.actors.facts import _read_tsv, fact_tables

    names = fact_tables().country_names
    for table in ("people.tsv", "country_aliases.tsv"):
        rows = _read_tsv(table)
        assert rows, table
        for row in rows:
            target = row.get("country") or row["target"]
            if target.startswith("org:"):
                assert target[4:] in fact_tables().orgs, f"{table}: {row} names an unknown organisation"
            else:
                assert target in names, f"{table}: {row} names an unknown country"
            assert row["source"].startswith("https://"), f"{table}: {row} has no source"
    people = [r["name"] for r in _read_tsv("people.tsv")]
    assert len(people) == len(set(people)), "a person listed twice"


def test_a_name_the_tagger_found_once_is_found_where_it_missed_it() -> None:
    text = (
        "President Kais Saied won again.\n"
        "The economy offers Saied no cover.\n"
        "Labour protested, and the UGTT union joined.\n"
        "Labour costs rose.\n"
        "The UGTT called a strike.\n"
        "Ali Rahman met Sara Rahman.\n"
        "Rahman left."
    )
    tags = {0: [("Kais Saied", "person")], 2: [("Labour", "organisation"), ("UGTT", "organisation")],
            5: [("Ali Rahman", "person"), ("Sara Rahman", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Kais Saied"]  # the surname of a full name the tagger found
    assert names(res, 4) == ["UGTT"]  # an acronym
    assert names(res, 3) == []  # a lone capitalised word the tables do not know does not spread
    assert names(res, 6) == []  # a surname two people share names neither
    m = next(m for a in res.unit_actors[1] for m in a.mentions)
    assert text[m.start : m.end] == "Saied"


def test_expecting_an_outcome_is_not_a_claim_attributed_to_the_subject() -> None:
    text = (
        "President Maia Sandu, who called the referendum, had expected a comfortable majority.\n"
        "The Bank of Finland expects growth to slow."
    )
    tags = {0: [("Maia Sandu", "person")], 1: [("Bank of Finland", "organisation")]}
    res, _ = analyse(text, tags)
    assert res.sources[0] is None and names(res, 0) == ["Maia Sandu"]
    assert res.sources[1] == "Bank of Finland"  # expecting that something happens still attributes


def test_it_opening_a_unit_is_the_subject_before_even_after_a_resolved_description() -> None:
    text = (
        "Romania, which shares a border with Moldova, has done more than anyone to help.\n"
        "It cannot carry the load alone.\n"
        "It cannot be denied that aid helps.\n"
        "The European Union has chosen to look away.\n"
        "The bloc wanted fewer boats, and it got them.\n"
        "It did not ask about the price."
    )
    tags = {0: [("Romania", "location"), ("Moldova", "location")], 3: [("European Union", "organisation")]}
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Romania"]
    assert names(res, 2) == []  # "It cannot be denied that …" is no one
    assert names(res, 5) == ["European Union"]  # "The bloc" was the EU, so the subject before is named


def test_both_men_are_the_two_people_just_named_but_one_of_the_two_men_is_not() -> None:
    text = (
        "Prime Minister Mohammed Shia al-Sudani will not pay.\n"
        "Masrour Barzani called that blackmail.\n"
        "Both men have reasons to drag the dispute out.\n"
        "One of the two men allowed to stand, Ayachi Zammel, is in prison.\n"
        "Ali Ahmed, Sara Ahmed and Omar Said met.\n"
        "The two leaders disagreed."
    )
    tags = {0: [("Mohammed Shia al-Sudani", "person")], 1: [("Masrour Barzani", "person")],
            3: [("Ayachi Zammel", "person")], 4: [("Ali Ahmed", "person"), ("Sara Ahmed", "person"),
                                                  ("Omar Said", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 2) == ["Mohammed Shia al-Sudani", "Masrour Barzani"]
    assert names(res, 3) == ["Ayachi Zammel"]
    assert names(res, 5) == []  # three people just named: which two is not said


def test_both_leaders_are_the_two_people_named_together_not_whoever_was_named_since() -> None:
    text = (
        "Kyrgyz President Sadyr Japarov and his Tajik counterpart Emomali Rahmon signed the treaty.\n"
        "Kremlin spokesman Dmitry Peskov said Moscow had backed a settlement.\n"
        "Uzbekistan's Shavkat Mirziyoyev is expected to host both leaders next year."
    )
    tags = {0: [("Sadyr Japarov", "person"), ("Emomali Rahmon", "person")],
            1: [("Dmitry Peskov", "person"), ("Moscow", "location")],
            2: [("Uzbekistan", "location"), ("Shavkat Mirziyoyev", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert set(names(res, 2)) == {"Uzbekistan", "Shavkat Mirziyoyev", "Sadyr Japarov", "Emomali Rahmon"}


def test_a_leaders_administration_is_the_country_and_a_led_compound_gives_both_names() -> None:
    text = (
        "President Donald Trump spoke on Monday.\n"
        "The Trump administration called the prison a model.\n"
        "Herbert Kickl won the most votes.\n"
        "A Kickl-led Austria would join Hungary in a bloc."
    )
    tags = {0: [("Donald Trump", "person")], 1: [("Trump", "person")], 2: [("Herbert Kickl", "person")],
            3: [("Kickl-led Austria", "location"), ("Hungary", "location")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["United States"]
    assert names(res, 0) == ["Donald Trump"]  # the person himself, elsewhere, stays a person
    (us,) = res.unit_actors[1]
    assert [m.text for m in us.mentions] == ["Trump administration"]  # "Trump" alone never names the country
    article = article_of(text, res, _units(text))
    assert find_actor(article, "Trump") is not None and find_actor(article, "Trump").name == "Donald Trump"
    assert names(res, 3) == ["Herbert Kickl", "Austria", "Hungary"]


def test_neither_side_is_both_countries_just_named_but_either_side_of_a_border_is_a_place() -> None:
    text = (
        "Ethiopia and Eritrea massed troops on the border.\n"
        "Analysts say neither side can afford a war.\n"
        "Villagers on either side of the border fled."
    )
    res, _ = analyse(text, {0: [("Ethiopia", "location"), ("Eritrea", "location")]})
    assert names(res, 1) == ["Ethiopia", "Eritrea"]
    assert names(res, 2) == []


def test_a_choice_between_capitals_and_a_capitals_possessions_are_governments_its_streets_a_place() -> None:
    text = (
        "Kazakhstan will never choose between Moscow and Beijing.\n"
        "A good policy does not start from Moscow's moods.\n"
        "Protesters marched through Moscow's streets."
    )
    tags = {0: [("Kazakhstan", "location"), ("Moscow", "location"), ("Beijing", "location")],
            1: [("Moscow", "location")], 2: [("Moscow", "location")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Kazakhstan", "Russia", "China"]
    assert names(res, 1) == ["Russia"]
    assert names(res, 2) == []


def test_a_quoted_nickname_inside_a_name_is_one_person_named_without_it() -> None:
    text = "The alliance, led by former police officer Jimmy “Barbecue” Chérizier, attacked.\nChérizier said so."
    tags = {0: [("Jimmy “Barbecue", "person"), ("Chérizier", "person")], 1: [("Chérizier", "person")]}
    res, _ = analyse(text, tags)
    (jimmy,) = res.actors
    assert jimmy.name == "Jimmy Chérizier"
    assert [m.text for m in jimmy.mentions] == ["Jimmy “Barbecue” Chérizier", "Chérizier"]
    assert all(text[m.start : m.end] == m.text for m in jimmy.mentions)


def test_speakers_as_actors_adds_the_speaker_but_not_as_the_primary_actor() -> None:
    text = "Vladimir Putin said Russia would never give up.\nAccording to Reuters, Russia is losing."
    tags = {0: [("Vladimir Putin", "person"), ("Russia", "location")],
            1: [("Reuters", "organisation"), ("Russia", "location")]}  # fmt: skip
    spans = _units(text)
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Russia"] and res.sources[0] == "Vladimir Putin"
    inputs = []
    for i, (s, e) in enumerate(spans):
        ms = tuple(MentionPrediction(text.index(t, s) - s, text.index(t, s) - s + len(t), ty, 0.99, (0.1, 0.1, 0.8))
                   for t, ty in tags[i])  # fmt: skip
        inputs.append(UnitInput(s, e, True, UnitPrediction(0.9, ms, ()), ()))
    plain = resolve(text, inputs)
    both = resolve(text, inputs, speakers_as_actors=True)
    assert names(plain, 0) == ["Russia"]
    assert names(both, 0) == ["Vladimir Putin", "Russia"]
    assert both.primary[0] == "Russia" and both.sources[0] == "Vladimir Putin"
    # "according to" names the claim's source too, so the option lists it as well
    assert names(plain, 1) == ["Russia"] and names(both, 1) == ["Reuters", "Russia"]
    assert both.primary[1] == "Russia"


def test_saying_little_is_not_a_claim_by_the_subject() -> None:
    text = "Iran, whose allies hold sway in Baghdad, has said little in public.\nIran has said it will respond."
    res, _ = analyse(text, {0: [("Iran", "location"), ("Baghdad", "location")], 1: [("Iran", "location")]})
    assert res.sources == [None, "Iran"]
    assert "Iran" in names(res, 0)


def test_the_x_family_is_a_group_not_the_person_of_that_surname() -> None:
    text = "Gotabaya Rajapaksa fled in 2022.\nThe Rajapaksa family, which dominated politics, lost.\nRajapaksa is back."
    tags = {0: [("Gotabaya Rajapaksa", "person")], 1: [("Rajapaksa", "organisation")], 2: [("Rajapaksa", "person")]}
    res, _ = analyse(text, tags)
    assert [(a.name, a.type) for a in res.unit_actors[1]] == [("Rajapaksa family", "group")]
    assert names(res, 2) == ["Gotabaya Rajapaksa"]


def test_his_country_is_the_country_of_the_person_he_is() -> None:
    text = (
        "Israeli Prime Minister Benjamin Netanyahu said Iran was racing toward a bomb and that his country would act.\n"
        "The minister said their country would wait."
    )
    res, _ = analyse(text, {0: [("Benjamin Netanyahu", "person"), ("Iran", "location")]})
    assert names(res, 0) == ["Iran", "Israel"] and res.sources[0] == "Benjamin Netanyahu"
    assert names(res, 1) == []  # "their country" names no one the text pins down


def test_talking_to_a_seat_is_talking_to_its_government_and_a_border_compound_names_both_sides() -> None:
    text = (
        "Faye has kept talking to creditors and to the Élysée.\n"
        "He flew to Paris.\n"
        "The Slovak-Ukrainian border remains open.\n"
        "Ukrainian territory was shelled."
    )
    tags = {0: [("Faye", "person")], 1: [("Paris", "location")], 2: [("Slovak-Ukrainian", "group")],
            3: [("Ukrainian", "group")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["Faye", "France"]
    assert "France" not in names(res, 1)  # a journey's end is a place
    assert names(res, 2) == ["Slovakia", "Ukraine"]
    assert names(res, 3) == []  # "Ukrainian territory": the place


def test_a_tagged_span_with_a_verb_inside_is_the_names_on_either_side() -> None:
    text = (
        "It cannot make Washington trust Mexico's new courts.\n"
        "The Bank of England and the Organization for Security and Co-operation in Europe agreed."
    )
    tags = {0: [("Washington trust Mexico", "organisation")],
            1: [("Bank of England", "organisation"),
                ("Organization for Security and Co-operation in Europe", "organisation")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["United States", "Mexico"]
    assert names(res, 1) == ["Bank of England", "Organization for Security and Co-operation in Europe"]


def test_an_acronym_the_tagger_calls_a_person_is_a_body_unless_a_person_has_those_initials() -> None:
    text = (
        "Prime Minister Anwar Ibrahim leads the coalition.\n"
        "Akmal Saleh warned him.\n"
        "The 78-year-old prime minister needs UMNO's 26 seats.\n"
        "Andrés Manuel López Obrador left office.\n"
        "AMLO still speaks daily."
    )
    tags = {0: [("Anwar Ibrahim", "person")], 1: [("Akmal Saleh", "person")], 2: [("UMNO", "person")],
            3: [("Andrés Manuel López Obrador", "person")], 4: [("AMLO", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    types = {a.name: a.type for a in res.actors}
    assert types["UMNO"] == "organisation" and types["AMLO"] == "person"
    # an age with a role is the holder of that role the text names, not the person named last
    assert names(res, 2) == ["Anwar Ibrahim", "UMNO"]


def test_congo_alone_is_the_democratic_republic_in_an_article_that_names_it() -> None:
    text = "The Democratic Republic of Congo and Rwanda met.\nCongo's delegation said it would not sign."
    res, _ = analyse(text, {0: [("Democratic Republic of Congo", "location"), ("Rwanda", "location")],
                            1: [("Congo", "location")]})  # fmt: skip
    assert names(res, 1) == ["Democratic Republic of the Congo"]
    assert [a.name for a in res.actors] == ["Democratic Republic of the Congo", "Rwanda"]
    res, _ = analyse("Congo's delegation said it would not sign.", {0: [("Congo", "location")]})
    assert names(res, 0) == ["Republic of the Congo"]  # the tables' reading when nothing says otherwise


def test_a_body_name_grows_over_in_place_when_its_acronym_says_so() -> None:
    text = (
        "The United Nations Assistance Mission in Afghanistan (UNAMA) counted nine dead.\n"
        "The Red Cross in Geneva (ICRC) agreed."
    )
    tags = {0: [("United Nations Assistance Mission", "organisation"), ("UNAMA", "organisation")],
            1: [("Red Cross", "organisation"), ("Geneva", "location"), ("ICRC", "organisation")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 0) == ["United Nations Assistance Mission in Afghanistan"]
    assert "Red Cross" in names(res, 1)  # "RCG" is not "ICRC": Geneva stays a place


def test_a_government_in_a_capital_is_that_country_and_a_meeting_there_is_not() -> None:
    text = "The Taliban administration in Kabul said its forces had retaliated.\nDiplomats met in Kabul."
    res, _ = analyse(text, {0: [("Taliban", "organisation"), ("Kabul", "location")], 1: [("Kabul", "location")]})
    assert "Afghanistan" in names(res, 0)
    assert names(res, 1) == []


def test_declaring_an_act_or_a_clause_subject_is_not_the_speaker() -> None:
    text = (
        "When Yoon Suk Yeol declared martial law, lawmakers voted it down.\n"
        "Although Thailand has insisted on talks, Prime Minister Anutin Charnvirakul said Bangkok would wait.\n"
        "Yoon declared that the vote was void."
    )
    tags = {0: [("Yoon Suk Yeol", "person")], 1: [("Thailand", "location"), ("Anutin Charnvirakul", "person"),
            ("Bangkok", "location")], 2: [("Yoon", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert res.sources[0] is None and names(res, 0) == ["Yoon Suk Yeol"]
    assert res.sources[1] == "Anutin Charnvirakul"  # the main clause's speaker, after the subordinate clause
    assert res.sources[2] == "Yoon Suk Yeol"  # declaring that … is speech


def test_the_claim_after_a_claimants_apposition_keeps_its_actors() -> None:
    text = (
        "President Yoon Suk Yeol was removed.\n"
        "According to Kim Ji-won, a political scientist at Korea University, the PPP is split between Yoon loyalists.\n"
        "Menendez, then the chairman of the Senate Foreign Relations Committee, warned Moscow."
    )
    tags = {0: [("Yoon Suk Yeol", "person")],
            1: [("Kim Ji-won", "person"), ("Korea University", "organisation"), ("PPP", "organisation"),
                ("Yoon", "person")],
            2: [("Menendez", "person"), ("Senate Foreign Relations Committee", "organisation"),
                ("Moscow", "location")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert res.sources[1] == "Kim Ji-won"
    assert names(res, 1) == ["PPP", "Yoon Suk Yeol"]  # not Korea University, the source's affiliation
    assert "Senate Foreign Relations Committee" not in names(res, 2)


def test_a_hyphenated_pair_of_surnames_is_the_people_and_a_double_surname_stays_whole() -> None:
    text = (
        "President Bernardo Arévalo faces Attorney General Consuelo Porras.\n"
        "The Arévalo-Porras standoff continues.\n"
        "Yoweri Museveni rules on.\n"
        "Museveni-era tactics have hardened.\n"
        "Fernando Grande-Marlaska spoke."
    )
    tags = {0: [("Bernardo Arévalo", "person"), ("Consuelo Porras", "person")], 1: [("Arévalo-Porras", "group")],
            2: [("Yoweri Museveni", "person")], 3: [("Museveni-era", "person")],
            4: [("Fernando Grande-Marlaska", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert names(res, 1) == ["Bernardo Arévalo", "Consuelo Porras"]
    assert names(res, 3) == ["Yoweri Museveni"]
    assert names(res, 4) == ["Fernando Grande-Marlaska"]


def test_body_names_the_tagger_cut_short_are_whole() -> None:
    text = (
        "Prime Minister Abdul Hamid Dbeibah's Government of National Unity replaced the governor.\n"
        "Rafizi Ramli, from Anwar's own People's Justice Party, objected.\n"
        "The National Unity Government, formed by ousted lawmakers, called the vote a sham.\n"
        "President Biden's government disagreed."
    )
    tags = {0: [("Abdul Hamid Dbeibah", "person"), ("National Unity", "organisation")],
            1: [("Rafizi Ramli", "person"), ("Anwar", "person"), ("People", "organisation"),
                ("Justice Party", "organisation")],
            2: [("National Unity", "organisation")], 3: [("Biden", "person")]}  # fmt: skip
    res, _ = analyse(text, tags)
    assert "Government of National Unity" in names(res, 0)
    assert "People's Justice Party" in names(res, 1)
    assert names(res, 2) == ["National Unity Government"]
    assert "Biden" in names(res, 3)  # a person's name does not grow over "government"
