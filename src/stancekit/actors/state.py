"""The article being resolved: the resolver's input and output types and its working state."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stancekit.actors.grammar import STRAIGHT_QUOTES
from stancekit.cleaning import normalize
from stancekit.types import Actor, ActorStance

if TYPE_CHECKING:  # pragma: no cover - typing only; the actors package never imports torch
    from stancekit.actors.references import Description
    from stancekit.inference import UnitPrediction


@dataclass(frozen=True)
class UnitInput:
    """One unit of the article as the resolver sees it.

    Attributes:
        start, end: article offsets of the unit.
        is_claim: whether the unit counts toward the article-level stance of its actors.
        prediction: the engine's output for the unit (``inference.UnitPrediction``; any object
            with ``mentions`` and ``extra`` sequences of mention predictions works), or ``None``
            for units the model did not read (boilerplate).
        extra_spans: the unit-relative spans given to the engine as ``extra_spans``, in the same
            order as ``prediction.extra`` (normally :func:`reference_spans` of the unit text).
    """

    start: int
    end: int
    is_claim: bool = False
    prediction: UnitPrediction | Any | None = None
    extra_spans: Sequence[tuple[int, int]] = ()


@dataclass(frozen=True)
class Resolution:
    """What :func:`resolve` found, one entry per input unit in the lists.

    Attributes:
        unit_actors: per unit, the actors it is about with the stance toward each.
        primary: per unit, the name of its primary actor, or ``None``.
        stances: per unit, the stance toward its primary actor, or ``None``.
        sources: per unit, the name of the actor the unit is attributed to, or ``None``.
        actors: the article's canonical actors, in order of first mention.
    """

    unit_actors: list[tuple[ActorStance, ...]]
    primary: list[str | None]
    stances: list[str | None]
    sources: list[str | None]
    actors: tuple[Actor, ...]


@dataclass
class MentionDraft:
    """One mention inside the resolver (article offsets)."""

    unit: int
    start: int
    end: int
    kind: str  # "name" | "pronoun" | "description"
    tag: str  # tagger type, or the type a reference span implies
    scores: tuple[float, float, float]
    text: str  # normalised text of the span
    from_tagger: bool
    core: str = ""
    desc: Description | None = None
    actor: int | None = None
    source: bool = False
    dropped: bool = False
    covers: list[MentionDraft] = field(default_factory=list)  # tagged names inside a description span


@dataclass
class ActorDraft:
    """An actor being built."""

    key: str
    type: str
    names: list[str] = field(default_factory=list)
    canonical: str | None = None
    tokens: set[str] = field(default_factory=set)
    gender: str | None = None
    roles: set[tuple[str | None, str | None, bool]] = field(default_factory=set)  # (role, country, past)
    listed: str | None = None  # the country facts.people lists the person under ("C:VEN"), if any


def clean_scores(raw: Any) -> tuple[float, float, float]:
    try:
        vals = [float(x) for x in list(raw)[:3]]
    except (TypeError, ValueError):
        vals = []
    if len(vals) != 3 or any(math.isnan(v) or math.isinf(v) for v in vals):
        return (0.0, 0.0, 1.0)
    vals = [min(1.0, max(0.0, v)) for v in vals]
    total = sum(vals)
    if total <= 0:
        return (0.0, 0.0, 1.0)
    f, a, _ = (v / total for v in vals)
    # Keep the sum at exactly one and every value in [0, 1] despite rounding.
    return (f, a, max(0.0, 1.0 - f - a))


class ArticleState:
    """What the resolver knows about one article so far; each step of the flow reads and extends it."""

    def __init__(self, text: str, units: Sequence[UnitInput], *, speakers_as_actors: bool = False) -> None:
        self.text = text
        self.speakers_as_actors = speakers_as_actors
        # Read the text as the encoder did (cleaning.normalize keeps every offset), so that the
        # patterns here see the same quotes and spaces as reference_spans did in the pipeline.
        self.norm = normalize(text).translate(STRAIGHT_QUOTES)
        self.units = list(units)
        self.bounds: list[tuple[int, int]] = []
        self.mentions: list[MentionDraft] = []
        self.actors: list[ActorDraft] = []
        self.by_key: dict[str, int] = {}

        self.in_unit: dict[int, list[MentionDraft]] = {}  # unit -> its mentions, in order
        self.last_seen: dict[int, int] = {}  # actor -> position of its latest mention in the history

    def _new(self, key: str, type_: str) -> int:
        self.actors.append(ActorDraft(key=key, type=type_))
        self.by_key[key] = len(self.actors) - 1
        return len(self.actors) - 1

    def _actor_for(self, key: str, type_: str) -> int:
        if key in self.by_key:
            return self.by_key[key]
        return self._new(key, type_)
