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
    "Unit",
    "Claim",
    "Article",
]

#: Stance labels, in the order of every score vector.
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
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

    ``counts`` counts the claims labelled favor/against/neutral toward the actor; ``scores`` is
    the mean score distribution over those claims; ``stance`` is its argmax (``neutral`` when the
    actor appears in no claim).
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


@dataclass(frozen=True)
class Unit:
    """One unit of an article: a claim-sized span of text, or a boilerplate line.

    ``is_claim`` is the model's decision (``claim_score >= threshold``) unless ``reason`` says why
    the unit cannot be a claim (``"heading"``, ``"caption"``, ``"byline"``, ``"bio"``,
    ``"duplicate"``, ``"navigation"``, …). ``actors`` are the actors the unit is about, with
    stance toward each; ``primary_actor`` / ``stance`` pick the most salient one; ``source`` is
    the actor the claim is attributed to ("X said …"), if any.
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

    def __post_init__(self) -> None:
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
        }

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(self.units))
        object.__setattr__(self, "actors", tuple(self.actors))
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
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Article:
        return cls(
            text=d["text"],
            id=d.get("id"),
            units=tuple(Unit.from_dict(u) for u in d.get("units", ())),
            actors=tuple(Actor.from_dict(a) for a in d.get("actors", ())),
        )

    def _repr_html_(self) -> str:
        from stancekit.report import render_article_html

        return render_article_html(self)


def stance_of(scores: Sequence[float] | Mapping[str, float]) -> str:
    """The argmax label of a score vector in :data:`STANCE_LABELS` order (or a label→score map)."""
    if isinstance(scores, Mapping):
        return _argmax(scores)
    return STANCE_LABELS[max(range(len(STANCE_LABELS)), key=lambda i: scores[i])]
