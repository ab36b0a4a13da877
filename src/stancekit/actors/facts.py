"""Facts about the world: countries (``countryinfo`` + a sourced table) and organisations (a sourced table).

Capitals and demonyms come from the maintained ``countryinfo`` package; other country names and
seats of power from ``resources/country_aliases.tsv``, organisations from
``resources/organisations.tsv`` (each row names its source).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as _resources


@dataclass(frozen=True)
class Organisation:
    name: str
    type: str
    aliases: tuple[str, ...]


@dataclass
class FactTables:
    country_names: dict[str, str]  # iso3 -> canonical name
    ci: dict[str, tuple[str, str]]  # casefolded surface -> (target, kind); target "C:ISO3" or "O:name"
    cs: dict[str, tuple[str, str]]  # case-sensitive short codes -> (target, kind)
    orgs: dict[str, Organisation]
    surface_re: re.Pattern[str]
    combining: dict[str, str]  # "Sino" -> "C:CHN": combining forms, read only inside hyphenated compounds
    forms: dict[str, frozenset[str]]  # iso3 -> kinds of country: "kingdom", "republic", "island", …


# States countryinfo still lists that no longer exist: their capitals and demonyms belong to the successors
# ("Belgrade" is Serbia's, not Serbia and Montenegro's).
_DEFUNCT = {"SCG", "ANT", "YUG", "CSK", "SUN", "DDR"}


def _read_tsv(name: str) -> list[dict[str, str]]:
    text = _resources.files("stancekit.resources").joinpath(name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _plural(demonym: str) -> str | None:
    if demonym.endswith(("ese", "ch", "sh", "ss", "ish")) or " " in demonym:
        return None if " " in demonym else demonym
    return demonym + "s"  # "Israelis", "Saudis", "Pakistanis" as well as "Russians"


def fold(s: str) -> str:
    return " ".join(s.replace(".", "").split()).casefold()


def is_code(s: str) -> bool:
    bare = s.replace(".", "").replace("-", "")
    return len(bare) <= 5 and bare.isupper() and bare.isalnum()


@lru_cache(maxsize=1)
def fact_tables() -> FactTables:
    """Build the lookup tables once (about 40 ms)."""
    from countryinfo import CountryInfo

    try:
        rows = CountryInfo.all()  # countryinfo 1.x: a classmethod
    except TypeError:
        rows = CountryInfo().all()  # countryinfo 0.1.x (Python 3.10): an instance method
    ci: dict[str, tuple[str, str]] = {}
    cs: dict[str, tuple[str, str]] = {}
    names: dict[str, str] = {}
    pops: dict[str, int] = {}
    forms: dict[str, frozenset[str]] = {}
    # Several territories share a capital or demonym with a state ("Chinese", "Jerusalem",
    # "American"): the most populous country keeps the word.
    ordered = sorted(rows.values(), key=lambda r: -(r.get("population") or 0))
    for row in ordered:
        iso = (row.get("ISO") or {}).get("alpha3")
        if not iso or iso in _DEFUNCT:
            continue
        names.setdefault(iso, row["name"])
        forms.setdefault(iso, _forms(row))
        pops[iso] = int(row.get("population") or 0)
        target = f"C:{iso}"
        surfaces: list[tuple[str, str]] = [(row["name"], "name")]
        surfaces += [(s, "name") for s in row.get("altSpellings") or () if isinstance(s, str) and not is_code(s)]
        demonym = row.get("demonym")
        if isinstance(demonym, str) and demonym:
            surfaces.append((demonym, "demonym"))
            plural = _plural(demonym)
            if plural:
                surfaces.append((plural, "demonym"))
        capital = row.get("capital")
        # Capitals of small territories ("Victoria", "Hamilton", "Stanley", "Douglas") are common
        # personal names; only capitals of countries of a million people or more stand for a government.
        if isinstance(capital, str) and capital and pops[iso] >= 1_000_000:
            surfaces.append((capital, "capital"))
            if capital.endswith(" D.C."):
                surfaces.append((capital[: -len(" D.C.")], "capital"))
        for surface, kind in surfaces:
            ci.setdefault(fold(surface), (target, kind))
    orgs: dict[str, Organisation] = {}
    for trow in _read_tsv("organisations.tsv"):
        aliases = tuple(a for a in trow["aliases"].split("|") if a)
        org = Organisation(trow["name"], trow["type"], aliases)
        orgs[org.name] = org
        for surface in (org.name, *aliases):
            if is_code(surface):
                cs.setdefault(surface.replace(".", ""), (f"O:{org.name}", "org"))
            else:
                ci.setdefault(fold(surface), (f"O:{org.name}", "org"))
    combining: dict[str, str] = {}
    for trow in _read_tsv("country_aliases.tsv"):
        target = trow["target"]
        target = f"O:{target[4:]}" if target.startswith("org:") else f"C:{target}"
        if trow["kind"] == "name" and target.startswith("C:"):
            names.setdefault(target[2:], trow["alias"])  # a country countryinfo lacks ("Kosovo")
        if trow["kind"] == "combining":
            combining[trow["alias"]] = target
        elif trow["kind"] == "code":
            cs[trow["alias"].replace(".", "")] = (target, "name")
        else:
            ci[fold(trow["alias"])] = (target, trow["kind"])
    surfaces_all: set[str] = set()
    for row in ordered:
        for s in [row["name"], row.get("demonym"), row.get("capital")] + list(row.get("altSpellings") or ()):
            if isinstance(s, str) and s and not is_code(s) and (s.casefold() in ci or fold(s) in ci):
                surfaces_all.add(s)
                if s == row.get("demonym") and _plural(s):
                    surfaces_all.add(_plural(s) or s)
                if s.endswith(" D.C."):
                    surfaces_all.add(s[: -len(" D.C.")])
    for org in orgs.values():
        surfaces_all.update((org.name, *org.aliases))
    for trow in _read_tsv("country_aliases.tsv"):
        if trow["kind"] == "combining":
            continue
        surfaces_all.add(trow["alias"])
        if trow["kind"] == "code":
            surfaces_all.add(".".join(trow["alias"]) + ".")  # "U.S." for "US"
    surfaces_all = {s for s in surfaces_all if s.strip() and (fold(s) in ci or s.replace(".", "") in cs)}
    # Keep only capitalised surfaces: lower-case words are not names.
    pattern = "|".join(re.escape(s) for s in sorted(surfaces_all, key=len, reverse=True) if s[:1].isupper())
    surface_re = re.compile(rf"(?<![\w.])(?:{pattern})(?![\w])")
    return FactTables(
        country_names=names, ci=ci, cs=cs, orgs=orgs, surface_re=surface_re, combining=combining, forms=forms
    )


_FORM_WORDS = {"kingdom": "kingdom", "republic": "republic", "emirate": "emirate", "emirates": "emirate",
               "sultanate": "sultanate", "principality": "principality"}  # fmt: skip


def _forms(row: Mapping[str, object]) -> frozenset[str]:
    """Kinds of country from its official names ("Kingdom of Saudi Arabia" → kingdom) and its land borders
    (none: an island nation, as "the island nation" calls Japan or the Philippines)."""
    alt = row.get("altSpellings")
    names = [row.get("name"), *(alt if isinstance(alt, list) else ())]
    out = {form for n in names if isinstance(n, str) for w, form in _FORM_WORDS.items() if w in n.lower().split()}
    if row.get("borders") == []:
        out.add("island")
    return frozenset(out)


@lru_cache(maxsize=1)
def _people() -> tuple[dict[tuple[str, ...], str], dict[str, str]]:
    full: dict[tuple[str, ...], str] = {}
    by_last: dict[str, set[str]] = {}
    for row in _read_tsv("people.tsv"):
        toks = tuple(w.strip(".,").casefold() for w in row["name"].split() if w.strip(".,"))
        while len(toks) > 1 and toks[-1] in ("jr", "sr", "ii", "iii", "iv"):
            toks = toks[:-1]  # as references.name_tokens reads names
        if toks:
            full[toks] = f"C:{row['country']}"
            by_last.setdefault(toks[-1], set()).add(f"C:{row['country']}")
    return full, {last: next(iter(cs)) for last, cs in by_last.items() if len(cs) == 1}


def nationality(tokens: Sequence[str]) -> str | None:
    """The country ("C:ISO3") of a prominent politician named by ``tokens`` (lower-cased name words), if listed.

    "Nicolás Maduro" and "Maduro" both give Venezuela; "Donald J. Trump" matches "Donald Trump" (same first and
    last word); a bare surname only when every listed person of that surname is of one country.
    """
    if not tokens:
        return None
    full, by_last = _people()
    key = tuple(tokens)
    if key in full:
        return full[key]
    if len(key) == 1:
        return by_last.get(key[0])
    for toks, country in full.items():
        if toks[0] == key[0] and toks[-1] == key[-1]:
            return country
    return None


def lookup(core: str) -> tuple[str, str] | None:
    """The (target, kind) a name stands for, or ``None``: "the U.S." → ("C:USA", "name")."""
    facts = fact_tables()
    bare = core.replace(".", "").strip()
    if not bare:
        return None
    if bare in facts.cs:
        return facts.cs[bare]
    if len(bare) <= 3 and not bare[:1].isupper():
        return None
    return facts.ci.get(fold(core))


def lookup_part(part: str) -> tuple[str, str] | None:
    """Like :func:`lookup`, for one part of a hyphenated compound: "Sino" (of "Sino-Japanese") → China."""
    core = part.strip()
    if core.endswith("'s"):
        core = core[:-2]
    if core in fact_tables().combining:
        return fact_tables().combining[core], "combining"
    if not core[:1].isupper():
        return None
    return lookup(core)
