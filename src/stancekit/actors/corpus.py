"""Across the articles of a corpus: one name per actor ("Putin" / "Vladimir Putin" → one).

Within an article the resolver already gives each actor one canonical name; across articles the
same person may be "Donald Trump" in one and "Donald J. Trump" in another, or only "Putin" in an
article that never spells the full name. :func:`merge_actor_names` maps every (name, type) of a
corpus to one corpus-wide name, for reports and for consumers of scoring output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from stancekit.actors.facts import fold
from stancekit.actors.references import name_tokens

__all__ = ["merge_actor_names"]

_INITIAL = re.compile(r"[a-z]\.?")


def _person_key(name: str) -> tuple[str, ...]:
    """Name words without middle initials and generational suffixes: "Donald J. Trump" → (donald, trump)."""
    toks = name_tokens(name)
    if len(toks) > 2:
        toks = [toks[0], *(t for t in toks[1:-1] if not _INITIAL.fullmatch(t)), toks[-1]]
    return tuple(toks)


def merge_actor_names(actors: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """One corpus-wide name for every ``(name, type)`` of a corpus's actors.

    - People whose names agree once middle initials and "Jr."/"Sr." are set aside are one
      person ("Donald Trump", "Donald J. Trump"); the name with the most words (then the longest,
      then the most frequent) names them.
    - A one-word person name ("Putin") joins the one full name in the corpus that ends with it
      ("Vladimir Putin"); when several people share that surname ("Donald Trump", "Melania
      Trump") it stays apart rather than being guessed. Different first names never merge.
    - Other actors merge when their names fold to the same text (case, full stops and spacing
      aside: "U.S. Senate" / "US Senate"); countries already carry one name per country.

    Args:
        actors: ``(name, type)`` pairs, one per article actor (repeats count as frequency).

    Returns:
        A mapping from every input pair to its corpus-wide name.

    >>> m = merge_actor_names([("Vladimir Putin", "person"), ("Putin", "person"), ("Donald Trump", "person"),
    ...                        ("Donald J. Trump", "person"), ("Melania Trump", "person"), ("Trump", "person")])
    >>> m[("Putin", "person")], m[("Donald Trump", "person")], m[("Trump", "person")]
    ('Vladimir Putin', 'Donald J. Trump', 'Trump')
    """
    freq = Counter((str(n), str(t)) for n, t in actors)
    out: dict[tuple[str, str], str] = {}
    people = [n for n, t in freq if t == "person"]
    groups: dict[tuple[str, ...], list[str]] = {}
    singles: list[str] = []
    for name in people:
        key = _person_key(name)
        if not key:
            out[(name, "person")] = name
        elif len(key) == 1:
            singles.append(name)
        else:
            groups.setdefault(key, []).append(name)

    def best(names: list[str]) -> str:
        return max(names, key=lambda n: (len(n.split()), len(n), freq[(n, "person")], n))

    canonical = {key: best(names) for key, names in groups.items()}
    for key, names in groups.items():
        for name in names:
            out[(name, "person")] = canonical[key]
    for name in singles:
        last = _person_key(name)[0]
        owners = [key for key in groups if key[-1] == last]
        out[(name, "person")] = canonical[owners[0]] if len(owners) == 1 else name
    by_fold: dict[tuple[str, str], list[str]] = {}
    for name, type_ in freq:
        if type_ != "person":
            by_fold.setdefault((type_, fold(name)), []).append(name)
    for (type_, _), names in by_fold.items():
        top = max(names, key=lambda n: (freq[(n, type_)], len(n), n))
        for name in names:
            out[(name, type_)] = top
    return out
