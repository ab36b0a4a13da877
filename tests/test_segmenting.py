"""Tests for stancekit.segmenting: sentences and claim units with exact offsets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stancekit.cleaning import normalize
from stancekit.segmenting import Span, segment, split_claims, split_sentences
from stancekit.types import NON_CLAIM_REASONS

ARTICLES = Path(__file__).parent / "data" / "articles"
GOLD = sorted(ARTICLES.glob("*.json"))
HARD = [json.loads(line) for line in (ARTICLES / "hard-sentences.jsonl").read_text(encoding="utf-8").splitlines()]
# Known miss: "U.S." followed by a proper name that opens a new sentence (we keep "U.S. President …" whole).
KNOWN_HARD_MISSES = {"Troops moved to the U.S. Washington denied it."}
#: Unit-boundary F1 (exact (start, end) match) over all units of the 17 gold articles must stay at or
#: above this floor. Measured 1.000 with `python benchmarks/segmenters.py` (dev and held-out); the
#: held-out articles, scored once before any rule change, gave 0.969.
GOLD_F1_FLOOR = 0.97

SPECIAL = [
    "\u00a0", "\u202f", "\u3000", "\u2028", "\u2029", "\x85", "\r\n", "\r", "\n", "\n\n", "\t", " ",
    "\u201c", "\u201d", "\u2019", "\u2026", "...", "\u2014", "\U0001f1ef\U0001f1f5", "\U0001f600", "e\u0301",
    "\u200b", ". ", "? ", "! ", "; ", ";", "(", ")", "[", "]", "(1) ", "(2) ", "(a) ", "(b) ", " and (3) ",
    "U.S. ", "Mr. ", "J. ", "a.m. ", "3.5", "The ", "By ", "Credit: ", "Tokyo said no.", "Seoul Responds",
]  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=10)), max_size=50).map("".join)


def _units(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


def _gold(path: Path) -> tuple[str, list[dict]]:
    d = json.loads(path.read_text(encoding="utf-8"))
    return (ARTICLES / d["article"]).read_bytes().decode("utf-8"), d["units"]


@given(texts)
@settings(max_examples=400, deadline=None)
def test_offsets_are_exact_ordered_disjoint_and_cover_all_non_space_text(text: str) -> None:
    spans = segment(text)
    covered = [False] * len(text)
    prev_end = 0
    for sp in spans:
        assert prev_end <= sp.start < sp.end <= len(text)
        unit = text[sp.start : sp.end]
        assert unit == unit.strip() and unit
        assert sp.reason is None or sp.reason in NON_CLAIM_REASONS
        covered[sp.start : sp.end] = [True] * (sp.end - sp.start)
        prev_end = sp.end
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\u00a0\u2028\t\r\n"])
def test_empty_or_whitespace_text_gives_no_spans(text: str) -> None:
    assert segment(text) == []


def test_span_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Span(0, 1).end = 3  # type: ignore[misc]


def _boundary_counts(paths: list[Path]) -> tuple[int, int, int]:
    correct = predicted = gold_n = 0
    for path in paths:
        text, units = _gold(path)
        gold = {(u["start"], u["end"]) for u in units}
        found = {(s.start, s.end) for s in segment(text)}
        correct += len(gold & found)
        predicted += len(found)
        gold_n += len(gold)
    return correct, predicted, gold_n


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_gold_article_unit_boundary_f1_stays_above_floor(split: str) -> None:
    paths = [p for p in GOLD if json.loads(p.read_text(encoding="utf-8"))["split"] == split]
    assert paths
    correct, predicted, gold_n = _boundary_counts(paths)
    precision, recall = correct / predicted, correct / gold_n
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= GOLD_F1_FLOOR, f"{split}: P={precision:.3f} R={recall:.3f} F1={f1:.3f}"


@pytest.mark.parametrize("path", GOLD, ids=[p.stem for p in GOLD])
def test_gold_units_have_exact_offsets_and_boilerplate_reasons(path: Path) -> None:
    text, units = _gold(path)
    by_offsets = {(s.start, s.end): s.reason for s in segment(text)}
    for u in units:
        assert text[u["start"] : u["end"]] == u["text"]
        if u["reason"] is not None:
            assert by_offsets.get((u["start"], u["end"])) == u["reason"]


@pytest.mark.parametrize(
    "case",
    HARD,
    ids=[c["text"][:40] for c in HARD],
)
def test_sentence_splitter_handles_abbreviations_quotes_and_brackets(case: dict) -> None:
    if case["text"] in KNOWN_HARD_MISSES:
        pytest.xfail("'U.S.' before a capitalised name that starts a new sentence is kept together")
    text = case["text"]
    assert [text[s:e] for s, e in split_sentences(normalize(text))] == case["sentences"]


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("He did early work on the case against then-D.C. Mayor Marion Barry. He won.", 2),
        ("Sen. John McCain (R-Ariz.) agreed. Others did not.", 2),
        ("He said we have not yet proven . . . that Albany can be trusted. Then he left.", 2),
        ("1. Nunes rose to prominence. He fell.", 2),
        ("The talks in Geneva ended at 6 p.m. Mr. Lavrov left first.", 2),
    ],
)
def test_abbreviation_rules_found_on_newsmtsc_sentences(text: str, n: int) -> None:
    assert len(split_sentences(normalize(text))) == n


def test_numbered_enumeration_gives_one_unit_per_item_with_lead_in_on_the_first() -> None:
    text = (
        "The allies agreed to three things: (1) a new NATO-Ukraine Council, in which Kyiv sits as an equal; "
        "(2) dropping the Membership Action Plan; and (3) a program to bring Ukraine's forces up to NATO standards."
    )
    assert _units(text) == [
        "The allies agreed to three things: (1) a new NATO-Ukraine Council, in which Kyiv sits as an equal;",
        "(2) dropping the Membership Action Plan;",
        "and (3) a program to bring Ukraine's forces up to NATO standards.",
    ]


def test_lettered_and_roman_enumerations_split() -> None:
    assert _units("Tokyo wants (a) stable prices, (b) open sea lanes and (c) a seat at the table.") == [
        "Tokyo wants (a) stable prices,",
        "(b) open sea lanes",
        "and (c) a seat at the table.",
    ]
    assert len(_units("London should (i) publish the audit, (ii) fund Mandarin, or (iii) do nothing.")) == 3


def test_a_lone_or_out_of_order_marker_does_not_split() -> None:
    text = "Beijing cited Article (2) of the treaty and clause (5) of the annex."
    assert _units(text) == [text]


def test_independent_clauses_joined_by_semicolon_are_separate_units() -> None:
    assert _units("Wages barely rose; the Bank of Japan’s target was missed for most of his tenure.") == [
        "Wages barely rose;",
        "the Bank of Japan’s target was missed for most of his tenure.",
    ]


def test_semicolon_list_of_names_is_one_unit() -> None:
    text = (
        "The ministers — Penny Wong of Australia; Yoko Kamikawa of Japan; and Antony J. Blinken of the "
        "United States — issued a joint statement."
    )
    assert _units(text) == [text]


def test_parenthetical_aside_stays_in_its_claim() -> None:
    text = (
        "Poland (which spends almost 4 percent; more than any ally) has urged others to follow. "
        "Taiwan's budget is too small (the government has promised to raise it)."
    )
    assert _units(text) == [
        "Poland (which spends almost 4 percent; more than any ally) has urged others to follow.",
        "Taiwan's budget is too small (the government has promised to raise it).",
    ]


def test_split_claims_without_enumeration_or_semicolon_returns_the_sentence() -> None:
    text = "  Xi met Biden in Lima.  "
    assert split_claims(text, 0, len(text)) == [(2, 23)]


def test_questions_and_exclamations_are_units_without_reason() -> None:
    spans = segment("Will the détente survive? Nobody knows! Seoul hopes so.")
    assert [s.reason for s in spans] == [None, None, None] and len(spans) == 3


def test_offsets_point_into_original_text_with_nbsp_and_curly_quotes() -> None:
    text = "TOKYO\u00a0— Japan said “no.”\u00a0The Kremlin\u2019s envoy left.\u2028Mr.\u00a0Abe stayed."
    assert _units(text) == ["TOKYO\u00a0— Japan said “no.”", "The Kremlin\u2019s envoy left.", "Mr.\u00a0Abe stayed."]


@pytest.mark.parametrize(
    "text",
    ["." * 200_000, ";" * 200_000, "( " * 100_000, "(1) " * 50_000, "A. " * 60_000, "\u2026" * 200_000],
)
def test_pathological_inputs_complete(text: str) -> None:
    spans = segment(text)
    assert spans and spans[-1].end <= len(text)


def test_five_megabyte_article_completes() -> None:
    paragraph = (
        "The G7 leaders met in Hiroshima on day {i}; Tokyo hosted them. Mr. Kishida said the U.S.-led order "
        "must hold (1) at sea, (2) in space and (3) online. Did Moscow listen?\n\n"
    )
    n = 5_000_000 // len(paragraph) + 1
    text = "".join(paragraph.format(i=i) for i in range(n))
    assert len(text) >= 5_000_000
    spans = segment(text)
    # Six units per paragraph: "…day {i};" / "Tokyo hosted them." / "Mr. … (1) at sea," / "(2) in space" /
    # "and (3) online." / "Did Moscow listen?"
    assert len(spans) == 6 * n
    last = spans[-1]
    assert text[last.start : last.end] == "Did Moscow listen?"


# ------------------------------------------------------------------ bounded units (issue 16)


def _check_bounded(text: str, spans: list) -> None:
    from stancekit.segmenting import MAX_UNIT_CHARS

    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert all(s.end - s.start <= MAX_UNIT_CHARS for s in spans if s.reason is None)
    covered = "".join(text[s.start : s.end] for s in spans)
    assert "".join(covered.split()) == "".join(text.split())  # every non-space character, once, in order


def test_a_megabyte_line_without_punctuation_is_cut_into_bounded_units_quickly() -> None:
    import random
    import time

    rng = random.Random(0)
    words = "the minister said that russia and japan would consider a plan for trade talks with china".split()
    text = " ".join(rng.choice(words) for _ in range(190_000))[:1_000_000]
    t0 = time.perf_counter()
    spans = segment(text)
    assert time.perf_counter() - t0 < 30  # generous: a few tenths of a second on 2 cores
    assert len(spans) >= 1000
    _check_bounded(text, spans)


def test_long_units_are_cut_at_clause_punctuation_first() -> None:
    from stancekit.segmenting import MAX_UNIT_CHARS

    clause = "the ministers of the two countries met again in the capital to discuss the plan"
    text = ", ".join([clause] * 40) + "."
    spans = segment(text)
    _check_bounded(text, spans)
    assert len(spans) > 1
    assert all(text[s.end - 1] in ",." for s in spans)  # every piece ends at a clause mark
    assert all(s.end - s.start > MAX_UNIT_CHARS // 2 for s in spans[:-1])  # pieces are not needlessly small


def test_text_without_any_whitespace_is_cut_hard_and_never_inside_a_combining_sequence() -> None:
    text = ("e\u0301" * 700) + ("東京" * 900) + "\U0001f600" * 600
    spans = segment(text)
    _check_bounded(text, spans)
    import unicodedata

    assert all(not unicodedata.combining(text[s.start]) for s in spans)


def test_numbers_and_times_do_not_count_as_clause_punctuation() -> None:
    from stancekit.segmenting import split_long

    text = "1,000,000 12:30 " * 100
    for a, b in split_long(text, 0, len(text.rstrip()), limit=100):
        assert text[b - 1] != ","
        assert b - a <= 100
