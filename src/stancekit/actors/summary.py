"""Summary: per unit and per article, the actors with their stance, and finding an actor by name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from stancekit.actors.facts import fact_tables, fold, is_code, lookup
from stancekit.actors.grammar import STRAIGHT_QUOTES
from stancekit.actors.references import name_core, name_tokens
from stancekit.actors.state import ArticleState, MentionDraft, Resolution, clean_scores
from stancekit.types import STANCE_LABELS, Actor, ActorStance, Mention, stance_of


class Summary(ArticleState):
    """Step 5: per unit the actors it is about, per article each actor's stance over its claims."""

    def summarise(self, sources: list[int | None]) -> Resolution:
        live = [m for m in self.mentions if not m.dropped and m.actor is not None]
        of_actor: dict[int, list[MentionDraft]] = {}
        for m in live:  # live is in article order, so the dict's order is first mention's
            if m.actor is not None:
                of_actor.setdefault(m.actor, []).append(m)
        used = list(of_actor)
        names = self._names(used)
        unit_actors: list[tuple[ActorStance, ...]] = []
        primary: list[str | None] = []
        stances: list[str | None] = []
        src_names: list[str | None] = []
        per_actor_claims: dict[int, list[dict[str, float]]] = {ai: [] for ai in used}
        by_unit: dict[int, list[MentionDraft]] = {}
        for m in live:
            by_unit.setdefault(m.unit, []).append(m)
        for ui, unit in enumerate(self.units):
            ms = [m for m in by_unit.get(ui, []) if not m.source]
            order: list[int] = []
            for m in ms:
                if m.actor is not None and m.actor not in order:
                    order.append(m.actor)
            stances_here: list[ActorStance] = []
            for ai in order:
                mine = [m for m in ms if m.actor == ai]
                mean = [sum(m.scores[k] for m in mine) / len(mine) for k in range(3)]
                scores = dict(zip(STANCE_LABELS, clean_scores(mean), strict=True))
                stances_here.append(
                    ActorStance(
                        name=names[ai],
                        type=self._type(ai),
                        stance=stance_of(scores),
                        scores=scores,
                        mentions=tuple(Mention(self.text[m.start : m.end], m.start, m.end) for m in mine),
                    )
                )
                if bool(getattr(unit, "is_claim", False)):
                    per_actor_claims[ai].append(scores)
            unit_actors.append(tuple(stances_here))
            main = next((a for a in stances_here if a.type != "other"), stances_here[0] if stances_here else None)
            primary.append(main.name if main else None)
            stances.append(main.stance if main else None)
            src = sources[ui]
            src_names.append(names[src] if src is not None and src in names else None)
        actors: list[Actor] = []
        for ai in used:
            mine = of_actor[ai]
            claims = per_actor_claims[ai]
            counts = {k: 0 for k in STANCE_LABELS}
            for sc in claims:
                counts[stance_of(sc)] += 1
            if claims:
                raw = [sum(sc[k] for sc in claims) / len(claims) for k in STANCE_LABELS]
                avg = dict(zip(STANCE_LABELS, clean_scores(raw), strict=True))
            else:
                avg = {"favor": 0.0, "against": 0.0, "neutral": 1.0}
            aliases: list[str] = []
            for m in mine:
                if m.kind == "pronoun":
                    continue
                surface = name_core(self.text[m.start : m.end].translate(STRAIGHT_QUOTES))
                if surface and surface != names[ai] and surface not in aliases:
                    aliases.append(surface)
            actors.append(
                Actor(
                    name=names[ai],
                    type=self._type(ai),
                    mentions=tuple(Mention(self.text[m.start : m.end], m.start, m.end) for m in mine),
                    stance=stance_of(avg),
                    scores=avg,
                    counts=counts,
                    aliases=tuple(aliases),
                )
            )
        return Resolution(unit_actors, primary, stances, src_names, tuple(actors))

    def _type(self, ai: int) -> str:
        t = self.actors[ai].type
        return t if t in ("person", "country", "organisation", "group") else "other"

    def _names(self, used: Iterable[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        taken: set[str] = set()
        for ai in used:
            a = self.actors[ai]
            if a.canonical:
                name = a.canonical
            elif a.type == "person":
                name = max(a.names, key=lambda n: (len(n.split()), len(n))) if a.names else "?"
            elif a.names:
                # The most frequent surface; ties go to the longest ("North Atlantic Treaty Organization").
                name = max(set(a.names), key=lambda n: (not is_code(n), a.names.count(n), len(n)))
            else:
                name = "?"
            if name in taken:
                name = f"{name} ({self._type(ai)})"
            k = 2
            base = name
            while name in taken:
                name, k = f"{base} {k}", k + 1
            taken.add(name)
            out[ai] = name
        return out


def find_actor(article: Any, name: str) -> Actor | None:
    """The actor of an analysed article that ``name`` refers to, or ``None``.

    Matches, in order: the actor's name, its aliases or a mention's text (case-insensitive, with
    "the" and possessives dropped); then, for people, a shared last word ("Koellmann" ↔
    "Benjamin Koellmann"); then a country by any of its names ("U.S." → *United States*). Among
    several matches the one with the most mentions wins.

    Args:
        article: a :class:`stancekit.types.Article` (anything with an ``actors`` sequence).
        name: the name to look for, e.g. PerSenT's ``TARGET_ENTITY``.
    """
    actors: Sequence[Actor] = tuple(getattr(article, "actors", ()) or ())
    want = fold(name_core(str(name or "").translate(STRAIGHT_QUOTES)))
    if not want or not actors:
        return None

    def surfaces(a: Actor) -> set[str]:
        out = {fold(name_core(a.name)), *(fold(name_core(x)) for x in a.aliases)}
        out |= {fold(name_core(m.text.translate(STRAIGHT_QUOTES))) for m in a.mentions}
        return out

    def best(cands: list[Actor]) -> Actor | None:
        return max(cands, key=lambda a: len(a.mentions)) if cands else None

    hit = best([a for a in actors if want in surfaces(a)])
    if hit is not None:
        return hit
    want_tokens = want.split()
    people = [
        a for a in actors
        if a.type == "person" and (
            (name_tokens(a.name) and name_tokens(a.name)[-1] == want_tokens[-1])
            or set(want_tokens) <= set(name_tokens(a.name))
            or set(name_tokens(a.name)) <= set(want_tokens)
        )
    ]  # fmt: skip
    hit = best(people)
    if hit is not None:
        return hit
    found = lookup(name_core(str(name)))
    if found is not None and found[0].startswith("C:"):
        country = fact_tables().country_names.get(found[0][2:])
        return best([a for a in actors if a.name == country])
    return None
