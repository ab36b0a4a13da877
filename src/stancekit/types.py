"""Frozen result types: an :class:`Article`, its units (:class:`Unit`, alias ``Claim``),
actor mentions, per-claim :class:`ActorStance` and per-article :class:`Actor`.

Every span carries exact character offsets into the original article text; :class:`Article`
checks ``article.text[start:end] == text`` for every unit and mention on construction.
Every label sits beside its full score distribution. ``to_dict()`` / ``from_dict()`` round-trip
through JSON; the unit dict follows the CLI contract in DESIGN.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stancekit.errors import InputError

__all__ = [
    "STANCE_LABELS",
    "ACTOR_TYPES",
    "NON_CLAIM_REASONS",
    "Mention",
    "ActorStance",
    "Actor",
    "TargetStance",
    "Target",
    "Unit",
    "Claim",
    "Article",
    "unit_schema",
    "article_schema",
]

from stancekit.labels import STANCE_LABELS  # noqa: E402  (stance labels, in the order of every score vector)

#: Canonical actor types.
ACTOR_TYPES: tuple[str, ...] = ("person", "country", "organisation", "group", "other")
#: Why a unit is not a claim, when the reason is the text's form rather than the model.
NON_CLAIM_REASONS: tuple[str, ...] = (
    "heading",
    "caption",
    "byline",
    "bio",
    "duplicate",
    "navigation",
    "question",
    "model",
)


def _check_scores(scores: Mapping[str, float], where: str) -> dict[str, float]:
    if set(scores) != set(STANCE_LABELS):
        raise InputError(f"{where}: scores must have keys {STANCE_LABELS}, got {sorted(scores)}.")
    out = {k: float(scores[k]) for k in STANCE_LABELS}
    if any(not (0.0 <= v <= 1.0) or math.isnan(v) for v in out.values()):
        raise InputError(f"{where}: scores must lie in [0, 1], got {out}.")
    return out


def _argmax(scores: Mapping[str, float]) -> str:
    return max(STANCE_LABELS, key=lambda k: scores[k])


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass(frozen=True)
class Mention:
    """One place in the article text that names an actor."""

    text: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end) or self.end - self.start != len(self.text):
            raise InputError(
                f"Mention {self.text!r}: offsets [{self.start}, {self.end}) do not span "
                f"{len(self.text)} characters."
            )

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Mention:
        return cls(text=d["text"], start=int(d["start"]), end=int(d["end"]))


@dataclass(frozen=True)
class ActorStance:
    """The stance one unit takes toward one actor, with the mentions of that actor in the unit."""

    name: str
    type: str
    stance: str
    scores: Mapping[str, float]
    mentions: tuple[Mention, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in ACTOR_TYPES:
            raise InputError(f"Actor {self.name!r}: type must be one of {ACTOR_TYPES}, got {self.type!r}.")
        object.__setattr__(self, "scores", _check_scores(self.scores, f"Actor {self.name!r}"))
        if self.stance not in STANCE_LABELS:
            raise InputError(f"Actor {self.name!r}: stance must be one of {STANCE_LABELS}, got {self.stance!r}.")
        object.__setattr__(self, "mentions", tuple(self.mentions))

    @property
    def score(self) -> float:
        """The score of the chosen stance."""
        return self.scores[self.stance]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "stance": self.stance,
            "scores": dict(self.scores),
            "mentions": [m.to_dict() for m in self.mentions],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ActorStance:
        return cls(
            name=d["name"],
            type=d["type"],
            stance=d["stance"],
            scores=d["scores"],
            mentions=tuple(Mention.from_dict(m) for m in d.get("mentions", ())),
        )


@dataclass(frozen=True)
class Actor:
    """One canonical actor of an article, with all its mentions and its stance over the article.

    ``counts`` counts the claims labelled favor/against/neutral toward the actor; ``scores`` is the
    article-level distribution pooled from the units that mention it, claims weighing more than the
    other units the model read (``stancekit.actors.article_stance``); ``stance`` is its argmax
    (``neutral`` when no unit the model read mentions the actor).
    """

    name: str
    type: str
    mentions: tuple[Mention, ...] = ()
    stance: str = "neutral"
    scores: Mapping[str, float] = field(default_factory=lambda: {"favor": 0.0, "against": 0.0, "neutral": 1.0})
    counts: Mapping[str, int] = field(default_factory=lambda: {"favor": 0, "against": 0, "neutral": 0})
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in ACTOR_TYPES:
            raise InputError(f"Actor {self.name!r}: type must be one of {ACTOR_TYPES}, got {self.type!r}.")
        object.__setattr__(self, "scores", _check_scores(self.scores, f"Actor {self.name!r}"))
        object.__setattr__(self, "counts", {k: int(self.counts.get(k, 0)) for k in STANCE_LABELS})
        object.__setattr__(self, "mentions", tuple(self.mentions))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        if self.stance not in STANCE_LABELS:
            raise InputError(f"Actor {self.name!r}: stance must be one of {STANCE_LABELS}, got {self.stance!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "stance": self.stance,
            "scores": dict(self.scores),
            "counts": dict(self.counts),
            "aliases": list(self.aliases),
            "mentions": [m.to_dict() for m in self.mentions],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Actor:
        return cls(
            name=d["name"],
            type=d["type"],
            stance=d.get("stance", "neutral"),
            scores=d.get("scores", {"favor": 0.0, "against": 0.0, "neutral": 1.0}),
            counts=d.get("counts", {}),
            aliases=tuple(d.get("aliases", ())),
            mentions=tuple(Mention.from_dict(m) for m in d.get("mentions", ())),
        )


#: How a unit's stance toward a named target was read: ``mention`` (the target is an actor the unit
#: mentions; the stance head reads that actor's mention tokens) or ``pair`` (``target [SEP] text``).
TARGET_FORMS: tuple[str, ...] = ("mention", "pair")


@dataclass(frozen=True)
class TargetStance:
    """The stance one unit takes toward a target the user named (``nlp(text, targets=[…])``).

    ``form`` says how it was read: ``"mention"`` when the target is one of the unit's actors (the
    score is that actor's, ``actor`` its canonical name), else ``"pair"`` (``target [SEP] text``).
    """

    target: str
    stance: str
    scores: Mapping[str, float]
    form: str = "pair"
    actor: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", _check_scores(self.scores, f"Target {self.target!r}"))
        if self.stance not in STANCE_LABELS:
            raise InputError(f"Target {self.target!r}: stance must be one of {STANCE_LABELS}, got {self.stance!r}.")
        if self.form not in TARGET_FORMS:
            raise InputError(f"Target {self.target!r}: form must be one of {TARGET_FORMS}, got {self.form!r}.")

    @property
    def score(self) -> float:
        """The score of the chosen stance."""
        return self.scores[self.stance]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "stance": self.stance,
            "scores": dict(self.scores),
            "form": self.form,
            "actor": self.actor,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TargetStance:
        return cls(
            target=d["target"],
            stance=d["stance"],
            scores=d["scores"],
            form=d.get("form", "pair"),
            actor=d.get("actor"),
        )


@dataclass(frozen=True)
class Target:
    """The stance of a whole article toward a target the user named.

    ``basis`` says where ``scores`` come from: ``"text"`` — the whole text read at once in the pair form
    (a text that fits in one encoder window: a tweet, a headline, a comment); ``"claims"`` — the mean of
    the units' distributions over the article's claims; ``"units"`` — that mean over all its body units,
    when none is a claim. ``counts`` counts the claims (or units) by their stance; ``stance`` is the
    argmax of ``scores``. ``actor`` is the article's actor the target names
    (:func:`stancekit.actors.find_actor`), if any.
    """

    target: str
    stance: str = "neutral"
    scores: Mapping[str, float] = field(default_factory=lambda: {"favor": 0.0, "against": 0.0, "neutral": 1.0})
    counts: Mapping[str, int] = field(default_factory=lambda: {"favor": 0, "against": 0, "neutral": 0})
    actor: str | None = None
    basis: str = "claims"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", _check_scores(self.scores, f"Target {self.target!r}"))
        object.__setattr__(self, "counts", {k: int(self.counts.get(k, 0)) for k in STANCE_LABELS})
        if self.stance not in STANCE_LABELS:
            raise InputError(f"Target {self.target!r}: stance must be one of {STANCE_LABELS}, got {self.stance!r}.")
        if self.basis not in ("text", "claims", "units"):
            raise InputError(f"Target {self.target!r}: basis must be text, claims or units, got {self.basis!r}.")

    @property
    def score(self) -> float:
        """The score of the chosen stance."""
        return self.scores[self.stance]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "stance": self.stance,
            "scores": dict(self.scores),
            "counts": dict(self.counts),
            "actor": self.actor,
            "basis": self.basis,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Target:
        return cls(
            target=d["target"],
            stance=d.get("stance", "neutral"),
            scores=d.get("scores", {"favor": 0.0, "against": 0.0, "neutral": 1.0}),
            counts=d.get("counts", {}),
            actor=d.get("actor"),
            basis=d.get("basis", "claims"),
        )


@dataclass(frozen=True)
class Unit:
    """One unit of an article: a claim-sized span of text, or a boilerplate line.

    ``is_claim`` is the model's decision (``claim_score >= threshold``) unless ``reason`` says why
    the unit cannot be a claim (``"heading"``, ``"caption"``, ``"byline"``, ``"bio"``,
    ``"duplicate"``, ``"navigation"``, …). ``actors`` are the actors the unit is about, with
    stance toward each; ``primary_actor`` / ``stance`` pick the most salient one; ``source`` is
    the actor the claim is attributed to ("X said …"), if any. ``targets`` holds the stance toward
    each target the caller named (``nlp(text, targets=[…])``), in the order given; empty otherwise.
    """

    index: int
    text: str
    start: int
    end: int
    is_claim: bool = False
    claim_score: float = 0.0
    reason: str | None = None
    actors: tuple[ActorStance, ...] = ()
    primary_actor: str | None = None
    stance: str | None = None
    source: str | None = None
    targets: tuple[TargetStance, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))
        if not (0 <= self.start <= self.end) or self.end - self.start != len(self.text):
            raise InputError(
                f"Unit {self.index}: offsets [{self.start}, {self.end}) do not span {len(self.text)} characters."
            )
        if not (0.0 <= self.claim_score <= 1.0):
            raise InputError(f"Unit {self.index}: claim_score must lie in [0, 1], got {self.claim_score}.")
        if self.reason is not None and self.reason not in NON_CLAIM_REASONS:
            raise InputError(f"Unit {self.index}: reason must be one of {NON_CLAIM_REASONS}, got {self.reason!r}.")
        object.__setattr__(self, "actors", tuple(self.actors))
        if self.primary_actor is not None and self.primary_actor not in {a.name for a in self.actors}:
            raise InputError(f"Unit {self.index}: primary_actor {self.primary_actor!r} is not among its actors.")
        if self.stance is not None and self.stance not in STANCE_LABELS:
            raise InputError(f"Unit {self.index}: stance must be one of {STANCE_LABELS}, got {self.stance!r}.")

    def to_dict(self, article_id: str | None = None) -> dict[str, Any]:
        """The unit as a JSON-ready dict with the fields of the CLI contract."""
        return {
            "article_id": article_id,
            "index": self.index,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "is_claim": self.is_claim,
            "claim_score": self.claim_score,
            "reason": self.reason,
            "actors": [a.to_dict() for a in self.actors],
            "primary_actor": self.primary_actor,
            "stance": self.stance,
            "source": self.source,
            "targets": [t.to_dict() for t in self.targets],
        }

    def __repr__(self) -> str:
        actors = ", ".join(f"{a.name}:{a.stance}" for a in self.actors)
        kind = "claim" if self.is_claim else (self.reason or "not a claim")
        targets = ", ".join(f"{t.target}:{t.stance}" for t in self.targets)
        return (
            f"Unit({self.index}, [{self.start}:{self.end}] {_short(self.text)!r}, {kind} {self.claim_score:.2f}"
            f"{', actors [' + actors + ']' if actors else ''}{', targets [' + targets + ']' if targets else ''})"
        )

    def __str__(self) -> str:
        return self.text

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Unit:
        return cls(
            index=int(d["index"]),
            text=d["text"],
            start=int(d["start"]),
            end=int(d["end"]),
            is_claim=bool(d.get("is_claim", False)),
            claim_score=float(d.get("claim_score", 0.0)),
            reason=d.get("reason"),
            actors=tuple(ActorStance.from_dict(a) for a in d.get("actors", ())),
            primary_actor=d.get("primary_actor"),
            stance=d.get("stance"),
            source=d.get("source"),
            targets=tuple(TargetStance.from_dict(t) for t in d.get("targets") or ()),
        )


#: The public name for a unit in the API (``article.claims`` holds units that are claims).
Claim = Unit


@dataclass(frozen=True)
class Article:
    """An analysed article: the original text, all its units in order, and its actors.

    Raises:
        InputError: if any unit or mention does not point exactly into ``text``.
    """

    text: str
    units: tuple[Unit, ...] = ()
    actors: tuple[Actor, ...] = ()
    id: str | None = None
    targets: tuple[Target, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(self.units))
        object.__setattr__(self, "actors", tuple(self.actors))
        object.__setattr__(self, "targets", tuple(self.targets))
        for u in self.units:
            self._check_span(u.text, u.start, u.end, f"unit {u.index}")
            for a in u.actors:
                for m in a.mentions:
                    self._check_span(m.text, m.start, m.end, f"mention of {a.name!r} in unit {u.index}")
        for actor in self.actors:
            for m in actor.mentions:
                self._check_span(m.text, m.start, m.end, f"mention of {actor.name!r}")

    def _check_span(self, text: str, start: int, end: int, what: str) -> None:
        if self.text[start:end] != text:
            raise InputError(
                f"Article {self.id or ''}: {what} claims text {text!r} at [{start}, {end}) "
                f"but the article has {self.text[start:end]!r} there."
            )

    @property
    def claims(self) -> tuple[Unit, ...]:
        """The units judged to be claims."""
        return tuple(u for u in self.units if u.is_claim)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "units": [u.to_dict(self.id) for u in self.units],
            "actors": [a.to_dict() for a in self.actors],
            "targets": [t.to_dict() for t in self.targets],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Article:
        return cls(
            text=d["text"],
            id=d.get("id"),
            units=tuple(Unit.from_dict(u) for u in d.get("units", ())),
            actors=tuple(Actor.from_dict(a) for a in d.get("actors", ())),
            targets=tuple(Target.from_dict(t) for t in d.get("targets") or ()),
        )

    def __repr__(self) -> str:
        head = f"Article(id={self.id!r}, {len(self.text):,} chars, {len(self.units)} units, {len(self.claims)} claims"
        actors = ", ".join(f"{a.name}:{a.stance}" for a in self.actors[:5])
        more = f" +{len(self.actors) - 5}" if len(self.actors) > 5 else ""
        targets = ", ".join(f"{t.target}:{t.stance}" for t in self.targets)
        return (
            head
            + (f", actors [{actors}{more}]" if actors else "")
            + (f", targets [{targets}]" if targets else "")
            + ")"
        )

    def __str__(self) -> str:
        return self.text

    def to_arrow(self) -> Any:
        """The article's units as a ``pyarrow.Table`` with :func:`unit_schema` (one row per unit)."""
        import pyarrow as pa

        return pa.Table.from_pylist([u.to_dict(self.id) for u in self.units], schema=unit_schema())

    def to_pandas(self) -> Any:
        """The article's units as a ``pandas.DataFrame`` (needs pandas); columns of :func:`unit_schema`."""
        return self.to_arrow().to_pandas()

    def _repr_html_(self) -> str:
        """A compact table for notebooks (the full report is :func:`stancekit.report.render_article_html`)."""
        import html

        colours = {"favor": "#1a7f37", "against": "#cf222e", "neutral": "#6e7781"}
        rows = []
        for u in self.claims:
            actors = ", ".join(
                f'<span style="color:{colours[a.stance]}">{html.escape(a.name)} ({a.stance} {a.score:.2f})</span>'
                for a in u.actors
            )
            rows.append(
                f"<tr><td>{u.index}</td><td>{html.escape(u.text)}</td><td>{u.claim_score:.2f}</td><td>{actors}</td></tr>"
            )
        title = html.escape(f"{self.id or 'article'}: {len(self.claims)} claims of {len(self.units)} units")
        return (
            f"<table><caption>{title}</caption><tr><th>#</th><th>claim</th><th>score</th><th>actors (stance)</th></tr>"
            + "".join(rows)
            + "</table>"
        )


def _scores_type() -> Any:
    import pyarrow as pa

    return pa.struct([(k, pa.float64()) for k in STANCE_LABELS])


def _mention_type() -> Any:
    import pyarrow as pa

    return pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])


def unit_schema() -> Any:
    """The Arrow schema of a unit row: :meth:`Unit.to_dict`'s fields (the CLI contract), used by
    :mod:`stancekit.scoring`'s Parquet output, Ray and :meth:`Article.to_arrow`."""
    import pyarrow as pa

    actor = pa.struct(
        [
            ("name", pa.string()),
            ("type", pa.string()),
            ("stance", pa.string()),
            ("scores", _scores_type()),
            ("mentions", pa.list_(_mention_type())),
        ]
    )
    target = pa.struct(
        [
            ("target", pa.string()),
            ("stance", pa.string()),
            ("scores", _scores_type()),
            ("form", pa.string()),
            ("actor", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("article_id", pa.string()),
            ("index", pa.int64()),
            ("text", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("is_claim", pa.bool_()),
            ("claim_score", pa.float64()),
            ("reason", pa.string()),
            ("actors", pa.list_(actor)),
            ("primary_actor", pa.string()),
            ("stance", pa.string()),
            ("source", pa.string()),
            ("targets", pa.list_(target)),
        ]
    )


def article_schema() -> Any:
    """The Arrow schema of a per-article summary row of :mod:`stancekit.scoring`."""
    import pyarrow as pa

    counts = pa.struct([(k, pa.int64()) for k in STANCE_LABELS])
    actor = pa.struct(
        [
            ("name", pa.string()),
            ("type", pa.string()),
            ("stance", pa.string()),
            ("scores", _scores_type()),
            ("counts", counts),
            ("aliases", pa.list_(pa.string())),
            ("mentions", pa.list_(_mention_type())),
        ]
    )
    target = pa.struct(
        [
            ("target", pa.string()),
            ("stance", pa.string()),
            ("scores", _scores_type()),
            ("counts", counts),
            ("actor", pa.string()),
            ("basis", pa.string()),
        ]
    )
    return pa.schema(
        [
            ("article_id", pa.string()),
            ("n_units", pa.int64()),
            ("n_claims", pa.int64()),
            ("actors", pa.list_(actor)),
            ("targets", pa.list_(target)),
        ]
    )


def stance_of(scores: Sequence[float] | Mapping[str, float]) -> str:
    """The argmax label of a score vector in :data:`STANCE_LABELS` order (or a label→score map)."""
    if isinstance(scores, Mapping):
        return _argmax(scores)
    return STANCE_LABELS[max(range(len(STANCE_LABELS)), key=lambda i: scores[i])]
