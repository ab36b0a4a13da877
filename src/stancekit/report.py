"""Self-contained HTML reports: highlighted claims, actor chips, an actor summary table and chart.

>>> import stancekit
>>> from stancekit.report import render_report
>>> nlp = stancekit.load()                                             # doctest: +SKIP
>>> render_report([nlp(open("article.txt").read())], "report.html")   # doctest: +SKIP

Everything is one HTML file: inline CSS, an inline hand-drawn SVG chart, no scripts, no fonts or
images fetched from anywhere, so a report opens offline and can be mailed as it is. Every piece
of text from the articles or the model is HTML-escaped. In a notebook, an :class:`~stancekit.Article`
renders itself with :func:`render_article_html` (``Article._repr_html_``).

What a report shows, per article: the article text with each claim highlighted by its stance
toward its primary actor (green favor, red against, amber neutral, blue outline for a claim with
no actor), the actors of each claim as chips coloured by stance, every score on hover (the
``title`` attribute), and non-claims greyed out with the reason (heading, caption, byline, model …).
Then an actor summary over the article (or, for several articles, the whole corpus): a table and a
stacked bar chart of how many claims take each stance toward each actor.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stancekit.errors import InputError
from stancekit.types import STANCE_LABELS, Actor, Article, Unit

__all__ = [
    "render_article_html",
    "render_report",
    "write_report",
    "articles_from_unit_rows",
    "read_scored",
    "STANCE_COLOURS",
]

#: Stance → (highlight background, chart/chip colour). Colour-blind-safe enough to tell apart
#: by lightness too; the legend always names them.
STANCE_COLOURS: Mapping[str, tuple[str, str]] = {
    "favor": ("#c7ecd0", "#1b9e4b"),
    "against": ("#f8c9c6", "#d7301f"),
    "neutral": ("#fbe7a8", "#d9a400"),
}
_NO_ACTOR = "#2f6fd6"  # outline of a claim with no actor

_CSS = """
.sk-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d1d1f;
  line-height:1.6;max-width:60rem}
.sk-report h1{font-size:1.5rem;margin:.2rem 0 .8rem}
.sk-report h2{font-size:1.2rem;margin:1.4rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.sk-report h3{font-size:1rem;margin:1rem 0 .4rem}
.sk-meta{color:#666;font-size:.85rem}
.sk-text{white-space:pre-wrap;font-size:1rem}
.sk-unit{border-radius:3px;padding:1px 0}
.sk-claim{padding:1px 2px}
.sk-claim.sk-favor{background:#c7ecd0}
.sk-claim.sk-against{background:#f8c9c6}
.sk-claim.sk-neutral{background:#fbe7a8}
.sk-claim.sk-noactor{box-shadow:inset 0 0 0 1.5px #2f6fd6}
.sk-nonclaim{color:#9a9a9a}
.sk-reason{font-size:.7rem;color:#777;border:1px solid #ccc;border-radius:8px;padding:0 5px;margin-left:3px;
  white-space:nowrap;vertical-align:1px}
.sk-mention{text-decoration:underline;text-decoration-thickness:2px;text-underline-offset:2px}
.sk-chip{display:inline-block;font-size:.72rem;line-height:1.2;color:#fff;border-radius:9px;padding:1px 7px;
  margin-left:3px;white-space:nowrap;vertical-align:1px}
.sk-chip.sk-favor{background:#1b9e4b}
.sk-chip.sk-against{background:#d7301f}
.sk-chip.sk-neutral{background:#b38700}
.sk-chip.sk-primary{font-weight:700}
.sk-legend span{margin-right:1rem;font-size:.85rem}
.sk-swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:-2px;margin-right:4px}
table.sk-actors{border-collapse:collapse;font-size:.9rem;margin:.5rem 0 1rem}
table.sk-actors th,table.sk-actors td{border-bottom:1px solid #e3e3e3;padding:3px 10px;text-align:left}
table.sk-actors td.sk-num{text-align:right;font-variant-numeric:tabular-nums}
svg.sk-chart text{font-family:system-ui,"DejaVu Sans",sans-serif}
"""


# --------------------------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _scores_text(scores: Mapping[str, float]) -> str:
    return " · ".join(f"{k} {scores[k]:.2f}" for k in STANCE_LABELS)


def _unit_title(unit: Unit) -> str:
    lines = [f"unit {unit.index} · claim score {unit.claim_score:.2f}"]
    if unit.reason is not None:
        lines.append(f"not a claim: {unit.reason}")
    if unit.primary_actor is not None:
        lines.append(f"primary actor: {unit.primary_actor} ({unit.stance})")
    if unit.source is not None:
        lines.append(f"source: {unit.source}")
    for a in unit.actors:
        lines.append(f"{a.name} [{a.type}]: {a.stance} — {_scores_text(a.scores)}")
    return "\n".join(lines)


def _unit_body(article_text: str, unit: Unit) -> str:
    """The unit's text with its actor mentions underlined (overlapping mentions: the first wins)."""
    spans = sorted(
        ((m.start, m.end, a) for a in unit.actors for m in a.mentions if unit.start <= m.start < m.end <= unit.end),
        key=lambda s: (s[0], -s[1]),
    )
    out: list[str] = []
    cursor = unit.start
    for start, end, actor in spans:
        if start < cursor:
            continue
        out.append(_esc(article_text[cursor:start]))
        title = f"{actor.name}: {actor.stance} — {_scores_text(actor.scores)}"
        out.append(f'<span class="sk-mention" title="{_esc(title)}">{_esc(article_text[start:end])}</span>')
        cursor = end
    out.append(_esc(article_text[cursor : unit.end]))
    return "".join(out)


def _render_unit(article_text: str, unit: Unit) -> str:
    title = _esc(_unit_title(unit))
    if not unit.is_claim:
        reason = unit.reason or "model"
        return (
            f'<span class="sk-unit sk-nonclaim" data-reason="{_esc(reason)}" title="{title}">'
            f'{_esc(unit.text)}<span class="sk-reason">{_esc(reason)}</span></span>'
        )
    stance = unit.stance if unit.stance in STANCE_COLOURS else None
    cls = f"sk-{stance}" if stance else "sk-noactor"
    chips = "".join(
        f'<span class="sk-chip sk-{a.stance}{" sk-primary" if a.name == unit.primary_actor else ""}" '
        f'title="{_esc(f"{a.name} [{a.type}]: {a.stance} — {_scores_text(a.scores)}")}">{_esc(a.name)}</span>'
        for a in unit.actors
    )
    return (
        f'<span class="sk-unit sk-claim {cls}" data-stance="{_esc(stance or "none")}" title="{title}">'
        f"{_unit_body(article_text, unit)}</span>{chips}"
    )


def _article_text_html(article: Article) -> str:
    out: list[str] = []
    cursor = 0
    for unit in sorted(article.units, key=lambda u: u.start):
        if unit.start < cursor:  # overlapping units are not expected; never duplicate text
            continue
        out.append(_esc(article.text[cursor : unit.start]))
        out.append(_render_unit(article.text, unit))
        cursor = unit.end
    out.append(_esc(article.text[cursor:]))
    return f'<div class="sk-text">{"".join(out)}</div>'


def _legend() -> str:
    items = [
        f'<span><span class="sk-swatch" style="background:{bg}"></span>{_esc(k)}</span>'
        for k, (bg, _) in STANCE_COLOURS.items()
    ]
    items.append(
        f'<span><span class="sk-swatch" style="box-shadow:inset 0 0 0 1.5px {_NO_ACTOR}"></span>claim, no actor</span>'
    )
    items.append('<span><span class="sk-swatch" style="background:#e6e6e6"></span>not a claim (reason)</span>')
    return f'<div class="sk-legend">{"".join(items)}</div>'


# --------------------------------------------------------------------------------------------
# Actor summary
# --------------------------------------------------------------------------------------------


@dataclass
class _ActorTotals:
    name: str
    type: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANCE_LABELS, 0))
    mentions: int = 0
    articles: int = 0

    @property
    def claims(self) -> int:
        return sum(self.counts.values())


def _article_actors(article: Article) -> list[Actor]:
    """The article's actors; derived from its claims when the article carries none (bare unit rows)."""
    if article.actors:
        return list(article.actors)
    found: dict[str, dict[str, Any]] = {}
    for unit in article.claims:
        for a in unit.actors:
            entry = found.setdefault(
                a.name, {"type": a.type, "counts": dict.fromkeys(STANCE_LABELS, 0), "mentions": []}
            )
            entry["counts"][a.stance] += 1
            entry["mentions"].extend(a.mentions)
    return [
        Actor(
            name,
            e["type"],
            mentions=tuple(e["mentions"]),
            stance=max(STANCE_LABELS, key=lambda k: e["counts"][k]),
            counts=e["counts"],
        )
        for name, e in found.items()
    ]


class _Summary:
    def __init__(self) -> None:
        self.actors: dict[str, _ActorTotals] = {}
        self.articles = 0
        self.units = 0
        self.claims = 0

    def add(self, article: Article) -> None:
        self.articles += 1
        self.units += len(article.units)
        self.claims += len(article.claims)
        for actor in _article_actors(article):
            t = self.actors.setdefault(actor.name, _ActorTotals(actor.name, actor.type))
            for k in STANCE_LABELS:
                t.counts[k] += actor.counts[k]
            t.mentions += len(actor.mentions)
            t.articles += 1

    def ranked(self) -> list[_ActorTotals]:
        return sorted(self.actors.values(), key=lambda t: (-t.claims, -t.mentions, t.name))


def _summary_table(ranked: Sequence[_ActorTotals], corpus: bool) -> str:
    head = "".join(
        f"<th>{_esc(h)}</th>"
        for h in ("actor", "type", "favor", "against", "neutral", "claims", "mentions")
        + (("articles",) if corpus else ())
    )
    rows = []
    for t in ranked:
        nums = [t.counts[k] for k in STANCE_LABELS] + [t.claims, t.mentions] + ([t.articles] if corpus else [])
        cells = "".join(f'<td class="sk-num">{n}</td>' for n in nums)
        rows.append(f"<tr><td>{_esc(t.name)}</td><td>{_esc(t.type)}</td>{cells}</tr>")
    if not rows:
        return '<p class="sk-meta">No actors found.</p>'
    return f'<table class="sk-actors"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _summary_chart(ranked: Sequence[_ActorTotals], max_actors: int = 20) -> str:
    """A horizontal stacked bar per actor: claims in favor / against / neutral (inline SVG)."""
    shown = [t for t in ranked if t.claims > 0][:max_actors]
    if not shown:
        return '<p class="sk-meta">No claims mention an actor, so there is nothing to chart.</p>'
    label_w, bar_w, row_h, top = 190, 440, 24, 30
    width = label_w + bar_w + 60
    height = top + row_h * len(shown) + 10
    most = max(t.claims for t in shown)
    parts = [
        f'<svg class="sk-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="claims per actor by stance">'
    ]
    x: float = label_w
    for k in STANCE_LABELS:  # legend
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{STANCE_COLOURS[k][1]}"/>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12" fill="#333">{_esc(k)}</text>')
        x += 90
    for i, t in enumerate(shown):
        y = top + i * row_h
        name = t.name if len(t.name) <= 28 else t.name[:27] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end" fill="#222">{_esc(name)}</text>'
        )
        x = label_w
        for k in STANCE_LABELS:
            n = t.counts[k]
            if n == 0:
                continue
            w = bar_w * n / most
            parts.append(
                f'<rect class="sk-bar sk-bar-{k}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{STANCE_COLOURS[k][1]}"><title>{_esc(f"{t.name}: {n} {k}")}</title></rect>'
            )
            if w >= 18:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 16}" font-size="11" text-anchor="middle" fill="#fff">{n}</text>'
                )
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="11" fill="#555">{t.claims}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _summary_html(summary: _Summary, corpus: bool) -> str:
    ranked = summary.ranked()
    scope = f"across {summary.articles} articles" if corpus else "across the article"
    return (
        f'<div class="sk-summary"><h3>Actors {scope}: claims by stance</h3>'
        f"{_summary_chart(ranked)}{_summary_table(ranked, corpus)}</div>"
    )


# --------------------------------------------------------------------------------------------
# Public renderers
# --------------------------------------------------------------------------------------------


def _article_section(article: Article, heading: str | None) -> str:
    summary = _Summary()
    summary.add(article)
    n_claims, n_units, n_actors = len(article.claims), len(article.units), len(summary.actors)
    meta = f"{_plural(n_claims, 'claim')} of {_plural(n_units, 'unit')} · {_plural(n_actors, 'actor')}"
    head = f"<h2>{_esc(heading)}</h2>" if heading else ""
    return (
        f'<section class="sk-article" data-article-id="{_esc(article.id or "")}">{head}'
        f'<p class="sk-meta">{_esc(meta)}</p>{_article_text_html(article)}{_summary_html(summary, corpus=False)}'
        "</section>"
    )


def render_article_html(article: Article) -> str:
    """One article as an HTML fragment (with its own ``<style>``): highlights, chips, actor summary.

    This is what ``Article._repr_html_`` shows in a notebook. All text is HTML-escaped.

    Args:
        article: an analysed :class:`~stancekit.Article`.

    Returns:
        An HTML fragment (a ``<div class="sk-report">``), safe to embed in any page.
    """
    return f'<div class="sk-report"><style>{_CSS}</style>{_legend()}{_article_section(article, article.id)}</div>'


def render_report(
    articles_or_unit_rows: Iterable[Article] | Iterable[Mapping[str, Any]],
    output_path: str | os.PathLike[str],
    *,
    title: str = "stancekit report",
    max_articles: int = 50,
) -> Path:
    """Write a self-contained HTML report of analysed articles (or unit rows of scored output).

    The corpus summary (table and chart) counts every article; the text of only the first
    ``max_articles`` is shown, so a report of a large corpus stays small. Input is consumed lazily.

    Args:
        articles_or_unit_rows: :class:`~stancekit.Article` objects, or unit dicts as written by
            ``stancekit score`` / ``analyze --format jsonl`` (grouped by consecutive ``article_id``).
        output_path: where to write the ``.html`` file (parent folders are created).
        title: the page title.
        max_articles: how many articles to show in full.
        load_options: more :func:`stancekit.load` options for ``.txt`` inputs (``precision``, ``batch_size``, …).

    Returns:
        The path written.

    Raises:
        InputError: if an item is neither an Article nor a unit row.
    """
    articles = _as_articles(articles_or_unit_rows)
    summary = _Summary()
    sections: list[str] = []
    for i, article in enumerate(articles):
        summary.add(article)
        if i < max_articles:
            sections.append(_article_section(article, article.id or f"article {i + 1}"))
    corpus = summary.articles > 1
    hidden = summary.articles - len(sections)
    note = f'<p class="sk-meta">Showing the first {len(sections)} articles; {hidden} more are counted above.</p>'
    counts = ((summary.articles, "article"), (summary.units, "unit"), (summary.claims, "claim"))
    meta = " · ".join(_plural(n, w) for n, w in (*counts, (len(summary.actors), "actor")))
    body = (
        f'<div class="sk-report"><h1>{_esc(title)}</h1><p class="sk-meta">{_esc(meta)}</p>{_legend()}'
        + (_summary_html(summary, corpus=True) if corpus else "")
        + "".join(sections)
        + (note if hidden > 0 else "")
        + "</div>"
    )
    doc = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No network: forbid every fetch, so a report can never phone home even if text slipped through.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{_esc(title)}</title><style>body{{margin:1.5rem 2rem;background:#fff}}{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc, encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------------
# Reading scored output back
# --------------------------------------------------------------------------------------------


def articles_from_unit_rows(
    rows: Iterable[Mapping[str, Any]], actors: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
) -> Iterator[Article]:
    """Rebuild :class:`Article` objects from unit rows (consecutive rows with the same ``article_id``).

    Unit rows do not carry the text between units, so the gaps are filled with whitespace of the
    same length (a line break where the gap is two or more characters): every offset stays exact.

    Args:
        rows: unit dicts with the fields of :meth:`Unit.to_dict`.
        actors: optional article id → actor dicts (the ``*.articles.*`` summary file of a run).
    """
    current: str | None = None
    group: list[Unit] = []
    for n, row in enumerate(rows):
        if isinstance(row, Mapping) and "text" in row and not {"index", "start", "end"} & set(row):
            raise InputError(
                f"row {n} has a 'text' field but no unit fields (index, start, end): this looks like an input "
                f"corpus of articles (fields: {', '.join(map(str, list(row)[:8]))}), not scored output. Score it "
                "first (`stancekit score CORPUS -o scored.jsonl`) and report on scored.jsonl, or pass .txt articles."
            )
        if not isinstance(row, Mapping) or "index" not in row or "start" not in row:
            raise InputError(
                f"unit row {n}: expected a dict with the unit fields (article_id, index, text, start, end, …), "
                f"got {str(row)[:80]!r}. Pass the units file written by `stancekit score`, "
                "not its .articles/.errors file."
            )
        aid = None if row.get("article_id") is None else str(row["article_id"])
        if group and aid != current:
            yield _rebuild(current, group, actors)
            group = []
        current = aid
        group.append(Unit.from_dict(row))
    if group:
        yield _rebuild(current, group, actors)


def _rebuild(article_id: str | None, units: list[Unit], actors: Mapping[str, Any] | None) -> Article:
    pieces: list[str] = []
    cursor = 0
    for u in sorted(units, key=lambda u: u.start):
        gap = u.start - cursor
        if gap > 0:
            pieces.append("\n" * gap if gap >= 2 else " ")
        if u.start >= cursor:
            pieces.append(u.text)
            cursor = u.end
    text = "".join(pieces)
    found = actors.get(article_id or "", ()) if actors else ()
    return Article(text=text, units=tuple(units), actors=tuple(Actor.from_dict(a) for a in found), id=article_id)


def _read_rows(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=1024):
            yield from batch.to_pylist()
        return
    with path.open("r", encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{line_no}: not a JSON line ({err.msg}). Pass scored output.") from err


def read_scored(path: str | os.PathLike[str]) -> Iterator[Article]:
    """Articles from a scored ``.jsonl``/``.parquet`` file, with actor summaries from the file beside it.

    Raises:
        InputError: if the file is missing or holds something other than unit rows.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Pass a .jsonl or .parquet file written by `stancekit score`.")
    ext = p.suffix.lower()
    stem = p.name[: -len(ext)]
    side = p.with_name(f"{stem}.articles{ext}")
    actors = None
    if side.is_file() and not stem.endswith((".articles", ".errors")):
        actors = {str(r["article_id"]): r.get("actors") or [] for r in _read_rows(side)}
    return articles_from_unit_rows(_read_rows(p), actors)


def _as_articles(items: Iterable[Any]) -> Iterator[Article]:
    it = iter(items)
    for first in it:
        if isinstance(first, Article):
            yield first
            for item in it:
                if not isinstance(item, Article):
                    raise InputError(
                        f"render_report: expected only Articles after the first, got {type(item).__name__}."
                    )
                yield item
        elif isinstance(first, Mapping):
            yield from articles_from_unit_rows(_chain(first, it))
        else:
            raise InputError(
                f"render_report: expected Articles or unit dicts, got {type(first).__name__}. "
                "Pass nlp.pipe(texts) or the rows of a scored .jsonl file."
            )
        return


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def write_report(
    paths: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    model: Any = None,
    device: str = "auto",
    title: str | None = None,
    max_articles: int = 50,
    **load_options: Any,
) -> Path:
    """``stancekit report PATH… -o report.html``: a report of scored outputs and/or raw ``.txt`` articles.

    Args:
        paths: scored ``.jsonl``/``.parquet`` files (units files of ``stancekit score`` or
            ``analyze --format jsonl``), and/or ``.txt`` article files, which are analysed with
            ``model`` first.
        output: the ``.html`` file to write.
        model: the model directory for ``.txt`` inputs (``None``: the shipped model) or a loaded Pipeline.
        device: the device for ``.txt`` inputs.
        title: the page title (default: the input names).
        max_articles: how many articles to show in full.

    Raises:
        InputError: for a missing path or an unsupported suffix.
    """
    if not paths:
        raise InputError("stancekit report: no input. Pass scored .jsonl/.parquet files or .txt articles.")
    kinds = []
    for path in paths:
        p = Path(path)
        ext = p.suffix.lower()
        if ext not in (".jsonl", ".parquet", ".txt"):
            raise InputError(
                f"{p}: cannot report on {ext or 'a file without suffix'!r}; pass .jsonl, .parquet or .txt."
            )
        if not p.is_file():
            raise InputError(f"{p}: no such file. Pass scored .jsonl/.parquet files or .txt articles.")
        kinds.append((p, ext))

    def articles() -> Iterator[Article]:
        txt = [p for p, ext in kinds if ext == ".txt"]
        nlp: Any = None
        if txt:
            if model is not None and hasattr(model, "pipe"):
                nlp = model
            else:
                import stancekit

                nlp = stancekit.load(model, device=device, **load_options)
        for p, ext in kinds:
            if ext == ".txt":
                from stancekit.pipeline import read_article

                yield dataclasses.replace(nlp(read_article(p)), id=p.stem)
            else:
                yield from read_scored(p)

    name = title or ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    return render_report(articles(), output, title=f"stancekit report: {name}", max_articles=max_articles)
