"""HTML reports: highlights, chips, hover scores, escaping, the actor table and chart, and a real browser."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stancekit.errors import InputError
from stancekit.report import (
    STANCE_COLOURS,
    articles_from_unit_rows,
    render_article_html,
    render_report,
    write_report,
)
from stancekit.scoring import score
from stancekit.types import Actor, ActorStance, Article, Mention, Target, TargetStance, Unit

sys.path.insert(0, str(Path(__file__).parent))
from test_scoring import FakePipeline, fake_article  # noqa: E402


def _scores(stance: str) -> dict[str, float]:
    s = {"favor": 0.1, "against": 0.1, "neutral": 0.1}
    s[stance] = 0.8
    return s


def hand_article() -> Article:
    """A hand-built article: a heading, three claims (against, favor, no actor), an escaped actor name."""
    text = (
        'Tokyo <rejects> plan\n\nAbe called the plan reckless. The "A&B" group praised Abe warmly. Prices rose again.'
    )

    def at(s: str) -> tuple[int, int]:
        i = text.index(s)
        return i, i + len(s)

    def mention(s: str, after: int = 0) -> Mention:
        i = text.index(s, after)
        return Mention(s, i, i + len(s))

    s0, e0 = at("Tokyo <rejects> plan")
    s1, e1 = at("Abe called the plan reckless.")
    s2, e2 = at('The "A&B" group praised Abe warmly.')
    s3, e3 = at("Prices rose again.")
    abe1 = ActorStance("Shinzo Abe", "person", "against", _scores("against"), (mention("Abe"),))
    ab = ActorStance('"A&B" <group>', "group", "neutral", _scores("neutral"), (mention('"A&B" group'),))
    abe2 = ActorStance("Shinzo Abe", "person", "favor", _scores("favor"), (mention("Abe", s2),))
    units = (
        Unit(0, text[s0:e0], s0, e0, False, 0.05, "heading"),
        Unit(1, text[s1:e1], s1, e1, True, 0.93, None, (abe1,), "Shinzo Abe", "against"),
        Unit(2, text[s2:e2], s2, e2, True, 0.88, None, (ab, abe2), "Shinzo Abe", "favor", '"A&B" <group>'),
        Unit(3, text[s3:e3], s3, e3, True, 0.71),
    )
    actors = (
        Actor("Shinzo Abe", "person", (abe1.mentions[0], abe2.mentions[0]), "favor", _scores("favor"),
              {"favor": 1, "against": 1, "neutral": 0}),
        Actor('"A&B" <group>', "group", ab.mentions, "neutral", _scores("neutral"), {"neutral": 1}),
    )  # fmt: skip
    return Article(text=text, units=units, actors=actors, id="hand<1>")


class _Collect(HTMLParser):
    """Collects elements by class, the text of ``.sk-text`` without chips/reason tags, and svg bars."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str]]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.article_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        self.stack.append((tag, set((d.get("class") or "").split())))
        self.elements.append((tag, d))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        classes = set().union(*(c for _, c in self.stack)) if self.stack else set()
        if "sk-text" in classes and not classes & {"sk-chip", "sk-reason"}:
            self.article_text.append(data)

    def with_class(self, cls: str) -> list[dict[str, str | None]]:
        return [d for _, d in self.elements if cls in (d.get("class") or "").split()]


def _parse(doc: str) -> _Collect:
    p = _Collect()
    p.feed(doc)
    return p


# --------------------------------------------------------------------------------------------


def test_claims_are_shaded_only_where_their_actors_share_one_stance() -> None:
    page = _parse(render_article_html(hand_article()))
    claims = page.with_class("sk-claim")
    # Unit 2 praises Abe (favor) and is neutral toward "A&B": no single colour tells the truth, the chips do.
    assert [c["data-stance"] for c in claims] == ["against", "mixed", "none"]
    assert "sk-against" in claims[0]["class"] and "sk-mixed" in claims[1]["class"]
    assert "sk-favor" not in claims[1]["class"] and "sk-noactor" in claims[2]["class"]
    article = hand_article()
    agree = dataclasses.replace(
        article.units[2],
        actors=tuple(dataclasses.replace(a, stance="favor", scores=_scores("favor")) for a in article.units[2].actors),
    )
    same = dataclasses.replace(article, units=(*article.units[:2], agree, article.units[3]))
    assert [c["data-stance"] for c in _parse(render_article_html(same)).with_class("sk-claim")] == [
        "against",
        "favor",
        "none",
    ]


def test_mentions_are_coloured_by_the_stance_toward_their_actor() -> None:
    page = _parse(render_article_html(hand_article()))
    assert [m["class"] for m in page.with_class("sk-mention")] == [
        "sk-mention sk-m-against",
        "sk-mention sk-m-neutral",
        "sk-mention sk-m-favor",
    ]


def test_headings_render_as_headings() -> None:
    page = _parse(render_article_html(hand_article()))
    (heading,) = page.with_class("sk-heading")
    assert heading["role"] == "heading" and "sk-nonclaim" in heading["class"]


def test_named_targets_show_in_the_report() -> None:
    article = hand_article()
    ts = TargetStance("sanctions", "against", _scores("against"), form="pair")
    units = tuple(dataclasses.replace(u, targets=(ts,)) if u.is_claim else u for u in article.units)
    target = Target("sanctions", "against", _scores("against"), {"against": 3}, actor=None)
    doc = render_article_html(dataclasses.replace(article, units=units, targets=(target,)))
    page = _parse(doc)
    assert len(page.with_class("sk-target")) == 3 and "Named targets" in doc
    assert "target sanctions (pair): against" in page.with_class("sk-claim")[0]["title"]


def test_claims_carry_actor_chips_and_scores_on_hover() -> None:
    page = _parse(render_article_html(hand_article()))
    chips = page.with_class("sk-chip")
    assert [(c["class"], c["title"].split(":")[0]) for c in chips] == [
        ("sk-chip sk-against sk-primary", "Shinzo Abe [person]"),
        ("sk-chip sk-neutral", '"A&B" <group> [group]'),
        ("sk-chip sk-favor sk-primary", "Shinzo Abe [person]"),
    ]
    assert "against 0.80" in chips[0]["title"]
    claim_title = page.with_class("sk-claim")[0]["title"]
    assert "claim score 0.93" in claim_title and "favor 0.10 · against 0.80 · neutral 0.10" in claim_title
    assert [m["title"].split(":")[0] for m in page.with_class("sk-mention")] == [
        "Shinzo Abe",
        '"A&B" <group>',
        "Shinzo Abe",
    ]


def test_non_claims_are_greyed_with_their_reason() -> None:
    page = _parse(render_article_html(hand_article()))
    grey = page.with_class("sk-nonclaim")
    assert [g["data-reason"] for g in grey] == ["heading"]
    assert "not a claim: heading" in grey[0]["title"]


def test_everything_is_html_escaped() -> None:
    doc = render_article_html(hand_article())
    assert "<rejects>" not in doc and "&lt;rejects&gt;" in doc
    assert "<group>" not in doc and "&#34;A&amp;B&#34; &lt;group&gt;" in doc  # markupsafe writes " as &#34;
    assert 'data-article-id="hand&lt;1&gt;"' in doc


def test_rendered_text_is_exactly_the_article_text() -> None:
    article = hand_article()
    page = _parse(render_article_html(article))
    assert "".join(page.article_text) == article.text


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab AB.&<>\"'\n\u00a0é")), min_size=1, max_size=80))
def test_any_text_renders_back_to_itself(text: str) -> None:
    article = fake_article(text.replace("BOOM", ""), id="<&>")
    page = _parse(render_article_html(article))
    assert "".join(page.article_text) == article.text
    assert len(page.with_class("sk-claim")) == len(article.claims)


def test_actor_table_and_chart_count_claims_by_stance() -> None:
    page = _parse(render_article_html(hand_article()))
    bars = [(d["class"], d["width"]) for t, d in page.elements if t == "rect" and "sk-bar" in (d.get("class") or "")]
    # Shinzo Abe: 1 favor + 1 against (together the longest bar); "A&B": 1 neutral, half as long.
    assert [c for c, _ in bars] == ["sk-bar sk-bar-favor", "sk-bar sk-bar-against", "sk-bar sk-bar-neutral"]
    assert float(bars[0][1]) == float(bars[1][1]) == float(bars[2][1])
    assert float(bars[0][1]) + float(bars[1][1]) == 2 * float(bars[2][1])
    doc = render_article_html(hand_article())
    row = re.search(r"<tr><td>Shinzo Abe</td><td>person</td>(.*?)</tr>", doc)
    assert row is not None
    assert re.findall(r'class="sk-num">(\d+)<', row.group(1)) == ["1", "1", "0", "2", "2"]


def test_report_file_is_self_contained(tmp_path: Path) -> None:
    out = render_report(
        [hand_article(), fake_article("Merkel met Biden in Berlin today.", id="b")], tmp_path / "r.html"
    )
    doc = out.read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>")
    for forbidden in ("<script", "<link", "<img", "src=", "url(", "@import", "https:"):
        assert forbidden not in doc
    assert set(re.findall(r"http://[^\"]+", doc)) == {"http://www.w3.org/2000/svg"}  # the SVG namespace, not a fetch
    assert "Content-Security-Policy" in doc and "Actors across 2 articles" in doc


def test_corpus_summary_adds_up_over_articles(tmp_path: Path) -> None:
    a, b = hand_article(), hand_article()
    doc = render_report([a, b], tmp_path / "r.html").read_text(encoding="utf-8")
    corpus = doc.split('<section class="sk-article"')[0]
    row = re.search(r"<tr><td>Shinzo Abe</td><td>person</td>(.*?)</tr>", corpus)
    assert row is not None
    assert re.findall(r'class="sk-num">(\d+)<', row.group(1)) == ["2", "2", "0", "4", "4", "2"]


def test_max_articles_limits_text_but_not_the_summary(tmp_path: Path) -> None:
    arts = [fake_article(f"Merkel spoke on day {i} at length.", id=str(i)) for i in range(7)]
    doc = render_report(arts, tmp_path / "r.html", max_articles=3).read_text(encoding="utf-8")
    assert doc.count('<section class="sk-article"') == 3
    assert "7 articles" in doc and "4 more are counted above" in doc


def test_report_of_scored_output_matches_report_of_articles(tmp_path: Path) -> None:
    texts = [
        "Abe criticised Russia on Monday.\n\nBy Staff\n\nMerkel said the deal was good for Europe.",
        "Biden praised Tokyo.  Prices fell.",
    ]
    rows = [{"id": f"art{i}", "text": t} for i, t in enumerate(texts)]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for fmt in (".jsonl", ".parquet"):
        score(tmp_path / "in.jsonl", tmp_path / f"out{fmt}", model=FakePipeline(), progress=False)
        from_file = write_report([tmp_path / f"out{fmt}"], tmp_path / f"file{fmt}.html").read_text(encoding="utf-8")
        direct = [fake_article(t, id=r["id"]) for t, r in zip(texts, rows, strict=True)]
        from_articles = render_report(direct, tmp_path / "direct.html").read_text(encoding="utf-8")
        f, d = _parse(from_file), _parse(from_articles)
        for cls in ("sk-claim", "sk-chip", "sk-nonclaim", "sk-mention"):
            assert [x.get("title") for x in f.with_class(cls)] == [x.get("title") for x in d.with_class(cls)]
        assert re.findall(r"<tbody>.*?</tbody>", from_file) == re.findall(r"<tbody>.*?</tbody>", from_articles)


def test_unit_rows_rebuild_line_breaks_around_headings() -> None:
    text = "Russia Rejects the Plan\nRussia rejected the plan. Abe agreed."
    units = (
        Unit(0, "Russia Rejects the Plan", 0, 23, reason="heading"),
        Unit(1, "Russia rejected the plan.", 24, 49, True, 0.9),
        Unit(2, "Abe agreed.", 50, 61, True, 0.9),
    )
    article = Article(text=text, units=units, id="a")
    (rebuilt,) = articles_from_unit_rows([u.to_dict("a") for u in article.units])
    assert rebuilt.text == text


def test_unit_rows_rebuild_articles_with_exact_offsets() -> None:
    article = hand_article()
    rows = [u.to_dict(article.id) for u in article.units]
    (rebuilt,) = articles_from_unit_rows(rows)
    assert rebuilt.id == article.id and len(rebuilt.text) == len(article.text)
    assert [(u.start, u.end, u.text) for u in rebuilt.units] == [(u.start, u.end, u.text) for u in article.units]


def test_txt_inputs_are_analysed_with_the_model(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Merkel praised Biden at length today.", encoding="utf-8")
    doc = write_report([tmp_path / "story.txt"], tmp_path / "r.html", model=FakePipeline()).read_text(encoding="utf-8")
    assert 'data-article-id="story"' in doc and "sk-chip" in doc


def test_bad_report_inputs_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        write_report([tmp_path / "missing.jsonl"], tmp_path / "r.html")
    (tmp_path / "x.csv").write_text("a\n")
    with pytest.raises(InputError, match="cannot report"):
        write_report([tmp_path / "x.csv"], tmp_path / "r.html")
    (tmp_path / "s.jsonl").write_text('{"article_id": "a", "n_units": 1}\n')
    with pytest.raises(InputError, match="not its .articles/.errors"):
        write_report([tmp_path / "s.jsonl"], tmp_path / "r.html")
    with pytest.raises(InputError, match="Articles or unit dicts"):
        render_report([42], tmp_path / "r.html")


def test_article_repr_html_is_escaped_and_needs_no_report_module() -> None:
    import html

    article = hand_article()
    doc = article._repr_html_()
    assert [u.text for u in article.claims] and all(html.escape(u.text) in doc for u in article.claims)
    evil = Article(text="<script>x</script>", units=(Unit(0, "<script>x</script>", 0, 18, is_claim=True),))
    assert "<script>" not in evil._repr_html_()
    # Result types do not depend on the HTML renderer: importing and showing them never imports report.
    code = (
        "import sys, stancekit.types as t; a = t.Article(text='x'); a._repr_html_(); repr(a); "
        "sys.exit('stancekit.report' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --------------------------------------------------------------------------------------------
# Headless Chromium
# --------------------------------------------------------------------------------------------

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([str(_CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=True)


def _pixels_near(img, rgb: tuple[int, int, int], tol: int = 6) -> int:  # noqa: ANN001
    return sum(
        n
        for n, (r, g, b, *_) in img.getcolors(maxcolors=1 << 24)
        if abs(r - rgb[0]) <= tol and abs(g - rgb[1]) <= tol and abs(b - rgb[2]) <= tol
    )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


@pytest.mark.browser
@pytest.mark.skipif(_CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_report_renders_highlights_and_chart_in_headless_chromium(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    report = render_report([hand_article()], tmp_path / "report.html", title="browser check")
    url = report.resolve().as_uri()
    dom = _chromium(["--dump-dom", url], tmp_path / "profile").stdout
    page = _parse(dom)
    assert [c["data-stance"] for c in page.with_class("sk-claim")] == ["against", "mixed", "none"]
    assert len(page.with_class("sk-chip")) == 3 and len(page.with_class("sk-nonclaim")) == 1
    assert [t for t, d in page.elements if t == "svg"] == ["svg"]
    assert len([d for t, d in page.elements if t == "rect" and "sk-bar" in (d.get("class") or "")]) == 3

    shot = tmp_path / "shot.png"
    _chromium(["--window-size=1000,1000", "--hide-scrollbars", f"--screenshot={shot}", url], tmp_path / "profile")
    img = image.open(shot).convert("RGB")
    assert img.size == (1000, 1000)
    for stance in ("favor", "against"):
        highlight, bar = (_rgb(c) for c in STANCE_COLOURS[stance])
        # Only the one-actor claim is shaded (against); the mixed claim shows its stances in chips alone.
        assert (_pixels_near(img, highlight) > 300) == (stance == "against"), f"{stance} highlight"
        assert _pixels_near(img, bar) > 1000, f"no {stance} bar in the chart"
    assert _pixels_near(img, _rgb(STANCE_COLOURS["neutral"][1])) > 1000  # the neutral bar of "A&B"


_EVIL = [
    "<script>document.body.setAttribute('data-pwned','script')</script>",
    "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
    "</style><script>document.body.setAttribute('data-pwned','style')</script>",
    "</script><script>document.body.setAttribute('data-pwned','close')</script>",
    "' onmouseover='x' \u202e[/]\x1b[31m",
]


def evil_article() -> Article:
    """Article text and actor names built to break out of text, attributes, <style> and <script>."""
    sentences = [f"Abe said {e} today." for e in _EVIL]
    text = " ".join(sentences)
    units, actors = [], []
    pos = 0
    for i, (s, name) in enumerate(zip(sentences, _EVIL, strict=True)):
        start = text.index(s, pos)
        pos = start + len(s)
        m = Mention("Abe", start, start + 3)
        a = ActorStance(name, "person", "against", _scores("against"), (m,))
        units.append(Unit(i, s, start, pos, True, 0.9, None, (a,), name, "against"))
        actors.append(Actor(name, "person", (m,), "against", _scores("against"), {"against": 1}))
    return Article(text=text, units=tuple(units), actors=tuple(actors), id=_EVIL[1])


@pytest.mark.browser
@pytest.mark.skipif(_CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_injected_markup_in_text_and_actor_names_stays_text_in_headless_chromium(tmp_path: Path) -> None:
    report = render_report([evil_article()], tmp_path / "evil.html", title=_EVIL[2])
    dom = _chromium(["--dump-dom", report.resolve().as_uri()], tmp_path / "profile").stdout
    page = _parse(dom)
    (body,) = [d for t, d in page.elements if t == "body"]
    assert "data-pwned" not in body  # no injected script or handler ran
    assert not [d for t, d in page.elements if t == "img"]  # no element was created from the text
    assert [(t, d) for t, d in page.elements if any(k.startswith("on") for k in d)] == []
    assert len(page.with_class("sk-claim")) == len(_EVIL)
    assert "".join(page.article_text) == evil_article().text  # every string is shown as the text it is
    assert all(e in [c["title"].split(" [")[0] for c in page.with_class("sk-chip")] for e in _EVIL)


def test_corpus_summary_merges_one_person_named_differently_across_articles(tmp_path: Path) -> None:
    def one(text: str, name: str, stance: str) -> Article:
        surface = name if name in text else name.split()[-1]
        m = Mention(surface, text.index(surface), text.index(surface) + len(surface))
        a = ActorStance(name, "person", stance, _scores(stance), (m,))
        unit = Unit(0, text, 0, len(text), True, 0.9, None, (a,), name, stance)
        counts = {"favor": int(stance == "favor"), "against": int(stance == "against"), "neutral": 0}
        return Article(text=text, units=(unit,), actors=(Actor(name, "person", (m,), stance, _scores(stance), counts),))

    arts = [
        one("Vladimir Putin spoke.", "Vladimir Putin", "against"),
        one("Putin spoke again.", "Putin", "against"),
        one("Melania Trump spoke.", "Melania Trump", "favor"),
        one("Donald J. Trump spoke.", "Donald J. Trump", "favor"),
    ]
    doc = render_report(arts, tmp_path / "r.html").read_text(encoding="utf-8")
    corpus = doc.split('<section class="sk-article"')[0]
    assert "<tr><td>Putin</td>" not in corpus
    row = re.search(r"<tr><td>Vladimir Putin</td><td>person</td>(.*?)</tr>", corpus)
    assert row is not None and re.findall(r'class="sk-num">(\d+)<', row.group(1))[:4] == ["0", "2", "0", "2"]
    # two different people who share a surname stay two rows
    assert "<tr><td>Melania Trump</td>" in corpus and "<tr><td>Donald J. Trump</td>" in corpus
