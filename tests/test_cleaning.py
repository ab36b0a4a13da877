"""Tests for stancekit.cleaning: offset-keeping normalisation and boilerplate blocks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stancekit.cleaning import Block, find_blocks, normalize, repair_mojibake
from stancekit.types import NON_CLAIM_REASONS

ARTICLES = Path(__file__).parent / "data" / "articles"
GOLD = sorted(ARTICLES.glob("*.json"))

SPECIAL = [
    "\u00a0", "\u202f", "\u2009", "\u3000", "\u2028", "\u2029", "\x85", "\r\n", "\r", "\n", "\n\n", "\t",
    "\u201c", "\u201d", "\u2018", "\u2019", "\u2026", "\u2014", "\U0001f1ef\U0001f1f5", "\U0001f600", "e\u0301",
    "\u200b", "\ufeff", ". ", "? ", "! ", "; ", "(1) ", "(2) ", "By ", "Credit: ", "Recent Features", "U.S. ",
    "Mr. ", "Tokyo said no.", "The Kremlin Responds",
]  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=12)), max_size=40).map("".join)


def _gold(path: Path) -> tuple[str, list[dict]]:
    d = json.loads(path.read_text(encoding="utf-8"))
    return (ARTICLES / d["article"]).read_bytes().decode("utf-8"), d["units"]


@given(texts)
@settings(max_examples=300, deadline=None)
def test_normalize_keeps_length_and_changes_only_spaces_and_quotes(text: str) -> None:
    norm = normalize(text)
    assert len(norm) == len(text)
    for a, b in zip(text, norm, strict=True):
        assert a == b or b in " \n\"'"


def test_normalize_maps_unicode_spaces_and_curly_quotes() -> None:
    text = "Tokyo\u00a0said \u201cno\u201d \u2014 Kishida\u2019s\u2009aide\u2028left\u2026"
    assert normalize(text) == 'Tokyo said "no" \u2014 Kishida\'s aide\nleft\u2026'


@given(texts)
@settings(max_examples=300, deadline=None)
def test_blocks_are_stripped_ordered_and_cover_every_non_space_character(text: str) -> None:
    blocks = find_blocks(text)
    covered = [False] * len(text)
    prev_end = 0
    for b in blocks:
        assert prev_end <= b.start < b.end <= len(text)
        assert not text[b.start].isspace() and not text[b.end - 1].isspace()
        assert b.reason is None or b.reason in NON_CLAIM_REASONS
        covered[b.start : b.end] = [True] * (b.end - b.start)
        prev_end = b.end
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


@pytest.mark.parametrize("text", ["", " ", "\n\n\t\u00a0\u2028 \r\n"])
def test_empty_or_whitespace_text_has_no_blocks(text: str) -> None:
    assert find_blocks(text) == []


def test_block_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Block(0, 1, None).start = 2  # type: ignore[misc]


@pytest.mark.parametrize("path", GOLD, ids=[p.stem for p in GOLD])
def test_boilerplate_reasons_match_gold_article(path: Path) -> None:
    text, units = _gold(path)
    gold = {(u["start"], u["end"]): u["reason"] for u in units if u["reason"] is not None}
    found = {(b.start, b.end): b.reason for b in find_blocks(text) if b.reason is not None}
    assert found == gold


def test_gold_articles_cover_every_boilerplate_reason() -> None:
    reasons = {u["reason"] for p in GOLD for u in _gold(p)[1]}
    assert {"heading", "caption", "byline", "bio", "duplicate", "navigation"} <= reasons


def _reasons(text: str) -> list[tuple[str, str | None]]:
    return [(text[b.start : b.end], b.reason) for b in find_blocks(text)]


def test_scraped_page_furniture_is_marked_not_dropped() -> None:
    text = (
        "Recent Features\n"
        "Seoul Weighs Its Options After Pyongyang’s Launch\n"
        "Seoul Weighs Its Options After Pyongyang’s Launch\n"
        "By Lee Min-jun\u00a0and Sarah Cole\n"
        "Credit: Depositphotos\n"
        "North Korea fired a missile on Tuesday. Seoul protested.\n"
        "\n"
        "Why It Matters\n"
        "The launch came days after the summit.\n"
        "Share on Facebook\n"
        "Lee Min-jun is a senior fellow at the Asan Institute who writes on Korean security.\n"
    )
    assert _reasons(text) == [
        ("Recent Features", "navigation"),
        ("Seoul Weighs Its Options After Pyongyang’s Launch", "heading"),
        ("Seoul Weighs Its Options After Pyongyang’s Launch", "duplicate"),
        ("By Lee Min-jun\u00a0and Sarah Cole", "byline"),
        ("Credit: Depositphotos", "caption"),
        ("North Korea fired a missile on Tuesday. Seoul protested.", None),
        ("Why It Matters", "heading"),
        ("The launch came days after the summit.", None),
        ("Share on Facebook", "navigation"),
        ("Lee Min-jun is a senior fellow at the Asan Institute who writes on Korean security.", "bio"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "By 9 a.m. the next morning, the yuan had fallen to its weakest level since July.",
        "By December, more than 200 ships had used the corridor.",
        "By contrast, Seoul said it respected the findings.",
    ],
)
def test_sentences_starting_with_by_are_body_not_bylines(line: str) -> None:
    text = f"Tokyo Responds\n{line}\nThe talks went on."
    assert _reasons(text)[1] == (line, None)


def test_bio_pattern_counts_only_at_the_end_of_the_article() -> None:
    opening = "Vladimir Putin is a former KGB officer who has ruled Russia since 2000."
    text = f"{opening}\nHe faces no rival.\nThe vote is in March.\nMoscow says turnout will be high.\nIt was not."
    assert _reasons(text)[0] == (opening, None)


def test_closing_sentence_about_a_leader_is_not_a_bio_when_the_byline_names_someone_else() -> None:
    text = (
        "By Anna Petrova\n"
        "The Kremlin is patient.\n"
        "Vladimir Putin is a former KGB officer who knows how to wait.\n"
        "Anna Petrova is a journalist based in Riga who covers Russia.\n"
    )
    assert [r for _, r in _reasons(text)] == ["byline", None, None, "bio"]


def test_without_bylines_only_the_last_block_can_be_a_bio() -> None:
    text = (
        "Moscow says turnout will be high.\n"
        "Kaja Kallas is a former prime minister of Estonia who now leads EU diplomacy.\n"
        "Jon Berg is a senior fellow at the Nordic Institute who writes on Russia.\n"
    )
    assert [r for _, r in _reasons(text)] == [None, None, "bio"]


def test_bullet_items_are_body_not_headings() -> None:
    text = "The EU Agrees New Sanctions\n• Sanctions on Russian diamonds\n• A tighter oil price cap\nHungary objected."
    assert [r for _, r in _reasons(text)] == ["heading", None, None, None]


def test_captions_with_agency_credits() -> None:
    text = (
        "Kishida speaks in Tokyo, Japan, May 19, 2023. REUTERS/Kim Kyung-Hoon\n"
        "Photo: NATO leaders in Vilnius.\n"
        "Yoon and Kishida shake hands. (AP Photo/Eugene Hoshiko)\n"
        "The Kremlin said nothing."
    )
    assert [r for _, r in _reasons(text)] == ["caption", "caption", "caption", None]


def test_crlf_and_unicode_line_separators_split_lines_with_exact_offsets() -> None:
    text = "Summit Ends Without a Deal\r\n\r\nThe G7 met.\u2028Russia objected.\r\nBy Jane Roe\r\n"
    blocks = find_blocks(text)
    assert [text[b.start : b.end] for b in blocks] == [
        "Summit Ends Without a Deal",
        "The G7 met.",
        "Russia objected.",
        "By Jane Roe",
    ]
    assert [b.reason for b in blocks] == ["heading", None, None, "byline"]


def test_hard_wrapped_paragraphs_are_joined_but_web_lines_are_not() -> None:
    wrapped = (
        "TOKYO (AP) - Japan and South Korea agreed on Thursday to resume regular\n"
        "summits, ending a freeze that began in 2018 over wartime labor and\n"
        "export controls.\n"
        "\n"
        "The leaders met for two hours. Officials said the mood was cordial and\n"
        "that a joint statement would follow.\n"
    )
    blocks = find_blocks(wrapped)
    assert len(blocks) == 2 and all(b.reason is None for b in blocks)
    assert wrapped[blocks[0].start : blocks[0].end].endswith("export controls.")
    web = "A Thaw Between Old Rivals\nJapan and South Korea agreed on Thursday to resume regular summits.\n"
    assert len(find_blocks(web)) == 2


def test_find_blocks_handles_a_large_article() -> None:
    text = "".join(f"Line {i}: Tokyo and Seoul met again on day {i}.\n" for i in range(50_000))
    blocks = find_blocks(text)
    assert len(blocks) == 50_000 and blocks[-1].end == len(text) - 1


def test_a_sentence_title_shown_twice_in_a_row_is_a_heading_and_its_duplicate() -> None:
    text = (
        "Ports Reopened. Trade Has Not Recovered.\nPorts Reopened. Trade Has Not Recovered.\nBy A. Writer\n\n"
        "The ports reopened in May. Trade has not recovered.\n\nThe ports reopened in May. Trade has not recovered.\n"
    )
    reasons = [b.reason for b in find_blocks(text)]
    assert reasons[:3] == ["heading", "duplicate", "byline"]
    assert reasons[3] is None  # body text
    assert reasons[4] == "duplicate"  # a body paragraph repeated (not Title Case): the first stays body text


# ---------------------------------------------------------------------------------------------
# mojibake: UTF-8 read as Latin-1 / Windows-1252


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from(["latin-1", "cp1252"]))
def test_mojibake_is_undone_and_every_character_maps_back(text: str, codec: str) -> None:
    try:
        broken = text.encode("utf-8").decode(codec)
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
        broken = text.encode("utf-8").decode("latin-1")
    repair = repair_mojibake(broken)
    if repair is None:
        assert broken == text  # nothing to repair only where nothing was broken
        return
    assert repair.text == text

    def as_bytes(s: str) -> bytes:
        return bytes(ord(c) if ord(c) < 256 else c.encode("cp1252")[0] for c in s)

    for i, c in enumerate(repair.text):
        s, e = repair.span(i, i + 1)
        assert broken[s:e] == c or as_bytes(broken[s:e]).decode("utf-8") == c
    assert repair.span(0, len(repair.text)) == (0, len(broken))


def test_correct_text_with_latin_1_letters_is_left_alone() -> None:
    for text in ["Ångström and Ørsted", "São Paulo, Zürich, Málaga", "â€ alone", "naïve café — “quoted”"]:
        assert repair_mojibake(text) is None
    r = repair_mojibake("Russiaâ\u0080\u0099s war, JosÃ© said: â€œno.â€\u009d")
    assert r is not None and r.text == "Russia’s war, José said: “no.”"
    assert r.span(0, 8) == (0, 10)  # "Russia’s" came from "Russiaâ\x80\x99s"
