"""Self-contained HTML reports: highlighted claims, actor chips, an actor summary table and chart.

>>> import stancekit
>>> from stancekit.report import render_report
>>> nlp = stancekit.load()                                             # doctest: +SKIP
>>> render_report([nlp(open("article.txt").read())], "report.html")   # doctest: +SKIP

Everything is one HTML file: inline CSS, an inline SVG chart, no scripts, no fonts or images
fetched from anywhere (a Content-Security-Policy forbids every fetch), so a report opens offline and
can be mailed as it is. The page comes from the jinja2 templates in ``stancekit/templates/`` with
autoescape on: every piece of text from the articles or the model is HTML-escaped.

What a report shows, per article: the article text, headings as headings; each actor chip and each
mention coloured by the stance toward that actor (green favor, red against, amber neutral); a claim
shaded by stance only where that is unambiguous — one actor, or several that all get the same
stance — so a sentence that praises one actor and attacks another is not painted one colour (its
chips tell); a blue outline for a claim with no actor; every score on hover (the ``title``
attribute); non-claims greyed out with the reason (caption, byline, model …); the stance toward
each target the user named. Then an actor summary over the article (or, for several articles, the
whole corpus): a table and a stacked bar chart of how many claims take each stance toward each actor.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stancekit.errors import InputError
from stancekit.types import STANCE_LABELS, Actor, Article, Target, Unit

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
.sk-claim.sk-mixed{box-shadow:inset 0 -2px 0 0 #9a9a9a}
.sk-swatch-mixed{box-shadow:inset 0 -2px 0 0 #9a9a9a}
.sk-nonclaim{color:#9a9a9a}
.sk-nonclaim.sk-heading{color:#1d1d1f;font-weight:700;font-size:1.12rem}
.sk-heading .sk-reason{display:none}
.sk-reason{font-size:.7rem;color:#777;border:1px solid #ccc;border-radius:8px;padding:0 5px;margin-left:3px;
  white-space:nowrap;vertical-align:1px}
.sk-mention{text-decoration:underline;text-decoration-thickness:2px;text-underline-offset:2px}
.sk-m-favor{text-decoration-color:#1b9e4b}
.sk-m-against{text-decoration-color:#d7301f}
.sk-m-neutral{text-decoration-color:#b38700}
.sk-chip{display:inline-block;font-size:.72rem;line-height:1.2;color:#fff;border-radius:9px;padding:1px 7px;
  margin-left:3px;white-space:nowrap;vertical-align:1px}
.sk-chip.sk-favor{background:#1b9e4b}
.sk-chip.sk-against{background:#d7301f}
.sk-chip.sk-neutral{background:#b38700}
.sk-chip.sk-primary{font-weight:700}
.sk-chip.sk-target{background:#fff;border:1.5px solid #888;color:#333}
.sk-chip.sk-target.sk-favor{border-color:#1b9e4b;color:#1b9e4b}
.sk-chip.sk-target.sk-against{border-color:#d7301f;color:#d7301f}
.sk-chip.sk-target.sk-neutral{border-color:#b38700;color:#8a6a00}
.sk-legend span{margin-right:1rem;font-size:.85rem}
.sk-swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:-2px;margin-right:4px}
table.sk-actors{border-collapse:collapse;font-size:.9rem;margin:.5rem 0 1rem}
table.sk-actors th,table.sk-actors td{border-bottom:1px solid #e3e3e3;padding:3px 10px;text-align:left}
table.sk-actors td.sk-num{text-align:right;font-variant-numeric:tabular-nums}
svg.sk-chart text{font-family:system-ui,"DejaVu Sans",sans-serif}
"""


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    # The CSS is this module's constant, not data: it goes into <style> unescaped.
    env.globals.update(css=Markup(_CSS), stance_colours=STANCE_COLOURS, no_actor=_NO_ACTOR)
    return env


def _render(template: str, **context: Any) -> str:
    return str(_environment().get_template(template).render(**context))


# --------------------------------------------------------------------------------------------
# Articles: what the templates print
# --------------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
    for t in unit.targets:
        lines.append(f"target {t.target} ({t.form}): {t.stance} — {_scores_text(t.scores)}")
    return "\n".join(lines)


def _pieces(article_text: str, unit: Unit) -> list[dict[str, Any]]:
    """The unit's text cut at its actor mentions (overlapping mentions: the first wins)."""
    spans = sorted(
        ((m.start, m.end, a) for a in unit.actors for m in a.mentions if unit.start <= m.start < m.end <= unit.end),
        key=lambda s: (s[0], -s[1]),
    )
    out: list[dict[str, Any]] = []
    cursor = unit.start
    for start, end, actor in spans:
        if start < cursor:
            continue
        if start > cursor:
            out.append({"text": article_text[cursor:start], "mention": False})
        out.append(
            {
                "text": article_text[start:end],
                "mention": True,
                "stance": actor.stance,
                "title": f"{actor.name}: {actor.stance} — {_scores_text(actor.scores)}",
            }
        )
        cursor = end
    if unit.end > cursor:
        out.append({"text": article_text[cursor : unit.end], "mention": False})
    return out


def _unit_stance(unit: Unit) -> str:
    """What the claim is shaded by: the one stance its actors share, ``none`` without actors, else ``mixed``."""
    stances = {a.stance for a in unit.actors}
    if not stances:
        return "none"
    return stances.pop() if len(stances) == 1 else "mixed"


def _unit_view(article_text: str, unit: Unit) -> dict[str, Any]:
    title = _unit_title(unit)
    if not unit.is_claim:
        reason = unit.reason or "model"
        return {"nonclaim": True, "reason": reason, "heading": reason == "heading", "title": title, "text": unit.text}
    stance = _unit_stance(unit)
    cls = {"none": "sk-noactor", "mixed": "sk-mixed"}.get(stance, f"sk-{stance}")
    chips = [
        {
            "cls": f"sk-chip sk-{a.stance}" + (" sk-primary" if a.name == unit.primary_actor else ""),
            "title": f"{a.name} [{a.type}]: {a.stance} — {_scores_text(a.scores)}",
            "name": a.name,
        }
        for a in unit.actors
    ]
    chips += [
        {
            "cls": f"sk-chip sk-target sk-{t.stance}",
            "title": f"target {t.target} ({t.form}): {t.stance} — {_scores_text(t.scores)}",
            "name": t.target,
        }
        for t in unit.targets
        if t.form == "pair" and t.stance != "neutral"  # a mention-form target is one of the actor chips
    ]
    return {
        "nonclaim": False,
        "cls": cls,
        "stance": stance,
        "title": title,
        "pieces": _pieces(article_text, unit),
        "chips": chips,
    }


def _segments(article: Article) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = 0
    for unit in sorted(article.units, key=lambda u: u.start):
        if unit.start < cursor:  # overlapping units are not expected; never duplicate text
            continue
        if unit.start > cursor:
            out.append({"unit": None, "gap": article.text[cursor : unit.start]})
        out.append({"unit": _unit_view(article.text, unit), "gap": ""})
        cursor = unit.end
    if cursor < len(article.text):
        out.append({"unit": None, "gap": article.text[cursor:]})
    return out


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

    def numbers(self, corpus: bool) -> list[int]:
        return (
            [self.counts[k] for k in STANCE_LABELS] + [self.claims, self.mentions] + ([self.articles] if corpus else [])
        )


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
        # One row per actor across articles ("Putin" / "Vladimir Putin"): stancekit.actors owns the rule.
        from stancekit.actors import merge_actor_names

        names = merge_actor_names((t.name, t.type) for t in self.actors.values() for _ in range(t.articles))
        merged: dict[str, _ActorTotals] = {}
        for t in self.actors.values():
            m = merged.setdefault(
                names.get((t.name, t.type), t.name), _ActorTotals(names.get((t.name, t.type), t.name), t.type)
            )
            for k in STANCE_LABELS:
                m.counts[k] += t.counts[k]
            m.mentions += t.mentions
            m.articles += t.articles
        return sorted(merged.values(), key=lambda t: (-t.claims, -t.mentions, t.name))

    def view(self, corpus: bool) -> dict[str, Any]:
        ranked = self.ranked()
        scope = f"across {self.articles} articles" if corpus else "across the article"
        return {"scope": scope, "chart": _chart(ranked), "ranked": ranked, "corpus": corpus}


def _chart(ranked: Sequence[_ActorTotals], max_actors: int = 20) -> dict[str, Any]:
    """A horizontal stacked bar per actor: claims in favor / against / neutral (drawn as inline SVG)."""
    shown = [t for t in ranked if t.claims > 0][:max_actors]
    label_w, bar_w, row_h, top = 190, 440, 24, 30
    width = label_w + bar_w + 60
    most = max((t.claims for t in shown), default=1)
    legend = [{"x": label_w + 90 * i, "colour": STANCE_COLOURS[k][1], "name": k} for i, k in enumerate(STANCE_LABELS)]
    rows = []
    for i, t in enumerate(shown):
        x: float = label_w
        bars = []
        for k in STANCE_LABELS:
            n = t.counts[k]
            if n == 0:
                continue
            w = bar_w * n / most
            bars.append(
                {"stance": k, "x": x, "w": w, "n": n, "colour": STANCE_COLOURS[k][1], "title": f"{t.name}: {n} {k}"}
            )
            x += w
        label = t.name if len(t.name) <= 28 else t.name[:27] + "…"
        rows.append({"y": top + i * row_h, "label": label, "bars": bars, "end": x, "total": t.claims})
    return {
        "rows": rows,
        "legend": legend,
        "width": width,
        "height": top + row_h * len(shown) + 10,
        "label_w": label_w,
        "row_h": row_h,
    }


# --------------------------------------------------------------------------------------------
# Public renderers
# --------------------------------------------------------------------------------------------


def _article_view(article: Article, heading: str | None) -> dict[str, Any]:
    summary = _Summary()
    summary.add(article)
    n_claims, n_units, n_actors = len(article.claims), len(article.units), len(summary.actors)
    meta = f"{_plural(n_claims, 'claim')} of {_plural(n_units, 'unit')} · {_plural(n_actors, 'actor')}"
    return {
        "id": article.id or "",
        "heading": heading,
        "meta": meta,
        "segments": _segments(article),
        "targets": list(article.targets),
        "summary": summary.view(corpus=False),
    }


def render_article_html(article: Article) -> str:
    """One article as an HTML fragment (with its own ``<style>``): highlights, chips, actor summary.

    All text is HTML-escaped (jinja2 autoescape).

    Args:
        article: an analysed :class:`~stancekit.Article`.

    Returns:
        An HTML fragment (a ``<div class="sk-report">``), safe to embed in any page.
    """
    return _render("article.html.j2", article=_article_view(article, article.id))


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

    Returns:
        The path written.

    Raises:
        InputError: if an item is neither an Article nor a unit row.
    """
    articles = _as_articles(articles_or_unit_rows)
    summary = _Summary()
    sections: list[dict[str, Any]] = []
    for i, article in enumerate(articles):
        summary.add(article)
        if i < max_articles:
            sections.append(_article_view(article, article.id or f"article {i + 1}"))
    corpus = summary.articles > 1
    counts = ((summary.articles, "article"), (summary.units, "unit"), (summary.claims, "claim"))
    meta = " · ".join(_plural(n, w) for n, w in (*counts, (len(summary.actors), "actor")))
    doc = _render(
        "report.html.j2",
        title=title,
        meta=meta,
        corpus=corpus,
        corpus_summary=summary.view(corpus=True),
        sections=sections,
        hidden=summary.articles - len(sections),
    )
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc + "\n", encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------------
# Reading scored output back
# --------------------------------------------------------------------------------------------


def articles_from_unit_rows(
    rows: Iterable[Mapping[str, Any]],
    actors: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    targets: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Iterator[Article]:
    """Rebuild :class:`Article` objects from unit rows (consecutive rows with the same ``article_id``).

    Unit rows do not carry the text between units, so the gaps are filled with whitespace of the
    same length: line breaks where the gap is two or more characters or where it borders a heading,
    byline, caption or other line-level non-claim; a space between sentences. Every offset stays exact.

    Args:
        rows: unit dicts with the fields of :meth:`Unit.to_dict`.
        actors: optional article id → actor dicts (the ``*.articles.*`` summary file of a run).
        targets: optional article id → article-level target dicts (the same summary file).
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
            yield _rebuild(current, group, actors, targets)
            group = []
        current = aid
        try:
            unit = Unit.from_dict(row)
        except KeyError as err:
            raise InputError(f"unit row {n}: missing field {err.args[0]!r}. {_UNIT_ROWS_HINT}") from err
        except (TypeError, ValueError, AttributeError) as err:
            raise InputError(f"unit row {n}: {err}. {_UNIT_ROWS_HINT}") from err
        group.append(unit)
    if group:
        yield _rebuild(current, group, actors, targets)


_UNIT_ROWS_HINT = "Pass the units file written by `stancekit score` or `stancekit analyze --format jsonl`"


def _rebuild(
    article_id: str | None, units: list[Unit], actors: Mapping[str, Any] | None, targets: Mapping[str, Any] | None
) -> Article:
    pieces: list[str] = []
    cursor = 0
    prev: Unit | None = None
    for u in sorted(units, key=lambda u: u.start):
        gap = u.start - cursor
        if gap > 0:
            line_level = (prev is not None and prev.reason not in (None, "model", "question")) or u.reason not in (
                None,
                "model",
                "question",
            )
            pieces.append("\n" * gap if gap >= 2 or line_level else " ")
        if u.start >= cursor:
            pieces.append(u.text)
            cursor = u.end
            prev = u
    text = "".join(pieces)
    key = article_id or ""
    found = actors.get(key, ()) if actors else ()
    named = targets.get(key, ()) if targets else ()
    try:
        article_actors = tuple(Actor.from_dict(a) for a in found)
        article_targets = tuple(Target.from_dict(t) for t in named or ())
    except KeyError as err:
        raise InputError(
            f"article {article_id}: an actor or target in the .articles file lacks {err.args[0]!r}. {_UNIT_ROWS_HINT}"
        ) from err
    except (TypeError, ValueError, AttributeError) as err:
        raise InputError(
            f"article {article_id}: a bad actor or target in the .articles file ({err}). {_UNIT_ROWS_HINT}"
        ) from err
    return Article(text=text, units=tuple(units), actors=article_actors, targets=article_targets, id=article_id)


def _read_rows(path: Path, where: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a scored file; ``where[0]`` is kept at "line N" / "row N" of the row last yielded."""
    where = where if where is not None else [""]
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
            n = 0
            for batch in pf.iter_batches(batch_size=1024):
                for row in batch.to_pylist():
                    n += 1
                    where[0] = f"row {n}"
                    yield row
        except (OSError, ValueError) as err:  # pyarrow.ArrowInvalid is a ValueError
            if isinstance(err, InputError):
                raise
            raise InputError(f"{path}: not a readable Parquet file ({err}). Pass scored output.") from err
        return
    with path.open("r", encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{line_no}: not a JSON line ({err.msg}). Pass scored output.") from err
                where[0] = f"line {line_no}"
                yield row


def _located(articles: Iterator[Article], path: Path, where: list[str]) -> Iterator[Article]:
    """Prefix errors about a row with the file and its line (or Parquet row)."""
    try:
        yield from articles
    except InputError as err:
        raise InputError(f"{path}: {where[0]}: {err}") from err


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
    actors = targets = None
    if side.is_file() and not stem.endswith((".articles", ".errors")):
        actors, targets = {}, {}
        side_where = [""]
        try:
            for r in _read_rows(side, side_where):
                actors[str(r["article_id"])] = r.get("actors") or []
                targets[str(r["article_id"])] = r.get("targets") or []
        except (KeyError, TypeError, AttributeError) as err:
            raise InputError(
                f"{side}: {side_where[0]}: not an article summary row ({err!r}). Pass the files of one `stancekit "
                "score` run, or move this file away."
            ) from err
    where = [""]
    return _located(articles_from_unit_rows(_read_rows(p, where), actors, targets), p, where)


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
    targets: Sequence[str] | None = None,
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
        targets: for ``.txt`` inputs, names or topics to read the stance toward (shown per claim and per article).
        load_options: more :func:`stancekit.load` options for ``.txt`` inputs (``precision``, ``batch_size``, …).

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

                named = {"targets": list(targets)} if targets else {}
                yield dataclasses.replace(nlp(read_article(p), **named), id=p.stem)
            else:
                yield from read_scored(p)

    name = title or ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    return render_report(articles(), output, title=f"stancekit report: {name}", max_articles=max_articles)
