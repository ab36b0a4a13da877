"""Actors: from the model's mentions to the canonical actors of an article.

Within one article, :func:`resolve` clusters the mentions the encoder tagged (and the reference
spans it scored, see :func:`reference_spans`) into canonical actors, and says for every unit which
actors it is about, the stance toward each, the most salient ("primary") actor and the actor the
claim is attributed to (its ``source``).

What resolves to what:

- **People**: "Japanese Prime Minister Shinzo Abe", "Shinzo Abe", "Abe", "Abe's" → *Shinzo Abe*
  (titles stripped; a shorter name joins the most recent person whose name contains its last word).
- **Countries**: names and other names ("America", "the U.S."), capitals used for governments
  ("Tokyo", "Washington"), seats of power ("the Kremlin", "the White House"), demonyms and
  adjectives ("Japanese", "Russians"), "the Chinese government" → one ``country`` actor named as
  the ``countryinfo`` package names it. Capitals and demonyms come from ``countryinfo``; other
  names and seats of power from ``resources/country_aliases.tsv`` (each row names its source).
- **Organisations and groups**: acronyms and long forms ("NATO" / "North Atlantic Treaty
  Organization", "G7" / "Group of Seven") from ``resources/organisations.tsv``, plus acronyms the
  article itself defines ("Institute for Emerging Economies (BOFIT)") or whose letters are the
  initials of a long form in the same article.
- **Pronouns** (he/him/his, she/her, they/their/them, its, and "it" as a non-expletive subject)
  → the most salient compatible actor: earlier in the same unit first, then the units before,
  and within a unit its first (subject) mention first; an object pronoun ("him") skips its own
  clause's subject. People get a gender from a title ("Mr.", "Queen") or from the first pronoun
  that resolved to them, and then only agreeing pronouns resolve to them. "they"/"their" go to
  groups, organisations and countries at most one unit back, "them" to groups only, "its" to
  the nearest organisation or country in its own unit (plural and neuter pronouns mostly refer
  to things). A pronoun with no compatible antecedent (e.g. before any name) is left unresolved.
- **Descriptions** ("the Russian leader", "the prime minister", "Russia's president") → the
  person the article ties to that role and/or country, from titles ("Russian President Vladimir
  Putin", "Prime Minister Abe"), possessives ("Russia's Putin", "Japan's leader Abe") and
  appositions ("Abe, the Japanese prime minister"); the most recent such person wins.
- **Claimant**: "according to Y", "Y (has) said/declared/told/…", "…, said Y" → ``source`` Y,
  recorded apart from the actors the claim is about (that mention is not one of them).

Decisions (documented here because the tests and the benchmark rely on them):

- A place named as a setting ("in Tokyo", "at the White House", "from Brussels", a dateline
  "VILNIUS, Lithuania —", "in Lima, Peru") is not an actor, unless it is a country ("sanctions in
  Russia" is about Russia); people of a capital ("many in Beijing") are its country.
- A country or organisation word that only qualifies a title or another name ("*Japanese* Prime
  Minister Shinzo Abe", "*Russia's* Putin", "*NATO* Secretary General Jens Stoltenberg",
  "*China's* Hainan Island") is not a mention of its own; it ties the person to the country.
- The **primary actor** of a unit is the actor of its first mention that is not the source and not
  of type ``other`` (``other`` only when nothing else is there): in English news the subject comes
  first, and a pronoun subject ("His flagship policy …") counts as a mention of its referent.
- Per unit, an actor's scores are the mean of its mentions' stance scores in that unit. Per
  article, ``counts`` count the *claims* by their stance toward the actor and ``scores`` are the
  mean over those claims; ``stance`` is their argmax (``neutral`` when no claim mentions it).
- Actors are ordered by their first mention in the article.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources as _resources
from typing import TYPE_CHECKING, Any

from stancekit.cleaning import normalize
from stancekit.types import STANCE_LABELS, Actor, ActorStance, Mention, stance_of

if TYPE_CHECKING:  # pragma: no cover - typing only; actors.py never imports torch
    from stancekit.inference import UnitPrediction

__all__ = ["UnitInput", "Resolution", "reference_spans", "resolve", "find_actor"]


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Word lists (English grammar, not world facts)
# --------------------------------------------------------------------------------------------

_PRONOUNS: dict[str, str] = {
    "he": "m", "him": "m", "his": "m", "himself": "m",
    "she": "f", "her": "f", "hers": "f", "herself": "f",
    "they": "pl", "them": "pl", "their": "pl", "theirs": "pl", "themselves": "pl",
    "its": "it", "it": "it-subject",
}  # fmt: skip
# Roles of a head of state or government: a generic "the X leader" matches any of them.
_HEAD_ROLES = (
    "leader", "president", "prime minister", "premier", "chancellor", "king", "queen", "emperor",
    "monarch", "dictator", "strongman", "head of state", "head of government", "supreme leader",
    "ruler", "autocrat",
)  # fmt: skip
_OTHER_ROLES = (
    "foreign minister", "defence minister", "defense minister", "finance minister", "prime-minister",
    "secretary of state", "secretary-general", "secretary general", "general secretary", "minister",
    "vice president", "vice-president", "governor", "senator", "mayor", "ambassador", "envoy",
    "chief executive", "chairman", "chairwoman", "spokesman", "spokeswoman", "spokesperson",
    "foreign secretary", "opposition leader", "crown prince", "pope", "chief of staff", "commander", "chief",
    "president-elect", "prime minister-designate",
    "director general", "director-general", "director", "head", "national security adviser", "adviser", "advisor",
)  # fmt: skip
_GENERIC_ROLES = {"leader", "strongman", "dictator", "ruler", "autocrat", "head of state", "head of government"}
_ROLES = tuple(sorted(set(_HEAD_ROLES + _OTHER_ROLES), key=len, reverse=True))
_ROLE_ALIASES = {
    "premier": "prime minister",
    "prime-minister": "prime minister",
    "pm": "prime minister",
    "vice-president": "vice president",
    "secretary general": "secretary-general",
    "defense minister": "defence minister",
    "sen": "senator",
    "gov": "governor",
}
# Titles written before a name (case-insensitive, optional "."), with the gender they imply.
_TITLES: dict[str, str | None] = {
    **{r: None for r in _ROLES},
    "pm": None, "sen": None, "rep": None, "representative": None, "gov": None, "gen": None, "general": None,
    "dr": None, "prof": None, "former": None, "then": None, "then-president": None, "acting": None,
    "mr": "m", "sir": "m", "lord": "m", "king": "m", "prince": "m", "emperor": "m", "sheikh": "m",
    "mrs": "f", "ms": "f", "miss": "f", "madam": "f", "dame": "f", "lady": "f", "queen": "f", "princess": "f",
    "empress": "f",
}  # fmt: skip
_COUNTRY_BODIES = ("government", "administration", "regime", "authorities", "leadership", "cabinet")
_SPEECH_VERBS = (
    "said|says|say|told|tells|declared|declares|stated|states|claimed|claims|argued|argues|warned|warns|"
    "insisted|insists|added|adds|announced|announces|noted|notes|wrote|writes|believes|believed|thinks|"
    "thought|maintained|maintains|asserted|asserts|stressed|stresses|suggested|suggests|acknowledged|"
    "acknowledges|admitted|admits|explained|explains|contended|contends|emphasized|emphasised|emphasizes|"
    "emphasises|predicted|predicts|complained|complains|tweeted|tweets|"
    "alleged|alleges|denied|denies|confirmed|confirms|expects|expect|expected|reported|reports|report|"
    # answering verbs attribute only with what was said: "replied on Monday that …"
    # and so do promising verbs ("promised that …", not "promised a golden era")
    r"(?:replied|replies|responded|responds|countered|counters|vowed|vows|promised|promises|pledged|pledges|"
    r"concluded|concludes|found|finds)"
    r"(?=\s*,?\s*(?:(?:on|in|last|this|late|early)\s+\w+\s*,?\s*)?(?:that\b|[:\"“]))"
)
_ADVERBS = (
    r"(?:has|have|had|also|then|later|again|reportedly|publicly|repeatedly|previously|once|recently|long|"
    r"always|firmly|clearly|openly|often|now|already|flatly|privately|since|last\s+\w+|on\s+\w+|in\s+\w+)"
)
# A speaker noun between an actor word and the verb: "Japanese officials say", "Chinese state media reported".
_SPEAKER_NOUN = (
    r"(?:'s)?(?:\s+(?:state\s+|foreign\s+|defen[cs]e\s+)?(?:officials?|diplomats?|sources?|spokes(?:man|woman|person)|"
    r"authorities|media|ministry|government|leaders?|negotiators?|analysts?|economists?|experts?|envoys?|president|"
    r"prime\s+minister|coast\s+guard|military|army|navy|embassy|office))?"
)
_SPEAKER_AFTER = re.compile(
    rf"^\)?{_SPEAKER_NOUN}(?:\s*,[^;]{{1,120}}?,|\s*,)?(?:\s+{_ADVERBS}){{0,3}}\s+(?:{_SPEECH_VERBS})\b", re.I
)
# '…," said (NATO Secretary General) Jens Stoltenberg': titles may stand between verb and name.
_SPEAKER_BEFORE = re.compile(
    rf"""(?:^|[,"'“”‘’:—–-])\s*(?:{_SPEECH_VERBS})\s+(?:the\s+)?(?-i:(?:[A-Z][\w.'-]*\s+){{0,4}})$""", re.I
)
_ACCORDING_TO = re.compile(r"\b[Aa]ccording\s+to\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,4}$")
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|to|from|into|outside|around|across|via|visit|visited|visiting|visits|toward|towards|"
    r"throughout|through|within|between|inside|of|aboard|onboard)\s+(?:the\s+|[A-Z][\w.]*'s\s+)?$",
    re.I,
)
# "VILNIUS, Lithuania —", "GENEVA, Nov 29 (Reuters) -", "HIROSHIMA —": the place a story was filed from.
_DATELINE = re.compile(r"^[A-Z][A-Z .'/-]+(?:,\s*[A-Z][\w .'-]*?)?(?:\s*\([^)]{1,30}\))?\s*[—–-]")
# "from the crippled Fukushima Daiichi plant": a preposition, then adjectives, then a (non-country) place.
_LOCATIVE_ADJ = re.compile(r"\b(?:in|at|near|from|into|inside|outside|off)\s+the\s+(?:[a-z][\w-]*\s+){1,2}$")
# Words around a tagged name that extend it: capitalised words, and connectors inside organisation names.
_CAP_RIGHT = re.compile(r"(?:\s|(?<=\.)(?=[A-Z]))(?P<w>[A-Z][\w.'&-]*)(?<!\.)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)")
_CONNECTOR_RIGHT = re.compile(
    r"\s(?:of|for|and|de)\s(?:the\s)?(?P<w>[A-Z][\w.'&-]*)(?<!\.)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)"
)
_CAP_LEFT = re.compile(r"(?P<w>[A-Z][\w.'&-]*)(?:\s|(?<=\.))$")
# Capitalised words that do not belong to a name next to them.
_NOT_NAME = {
    "the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "yet", "but", "and", "or", "if",
    "when", "while", "after", "before", "for", "in", "on", "at", "by", "as", "it", "he", "she", "they", "we", "i",
    "his", "her", "their", "its", "our", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "not", "no", "all", "both", "every", "each", "said", "says",
}  # fmt: skip
# Title and role words: a name does not grow over them ("Commerce Secretary Gina Raimondo").
_TITLE_WORDS = {w for t in (*_TITLES, *_ROLES, "secretary", "minister", "adviser", "advisor") for w in t.split()}
_TITLE_WORDS |= {"secretary-general", "director-general", "president-elect", "affairs", "sen", "rep", "gov", "gen"}
# "Many in Beijing thought so": people of a capital, not a place.
_PEOPLE_IN = re.compile(
    r"\b(?:many|some|few|most|those|others|officials|people|critics|analysts|diplomats|leaders|voices|everyone|"
    r"anyone|nobody|no\s+one)\s+in\s+$",
    re.I,
)
# "in Lima, Peru": a country right after a place is part of the setting.
_LOCATIVE_CITY = re.compile(r"\b(?:in|at|near|from|to)\s+(?P<place>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?),\s*$")
# Same-length character map: the resolver reads straight quotes whatever the article uses.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_POSSESSIVE = re.compile(r"(?:'s|')$")
_WORD = re.compile(r"[\w][\w.'-]*")


# --------------------------------------------------------------------------------------------
# Facts: countries (countryinfo + sourced table) and organisations (sourced table)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    name: str
    type: str
    aliases: tuple[str, ...]


@dataclass
class _Facts:
    country_names: dict[str, str]  # iso3 -> canonical name
    ci: dict[str, tuple[str, str]]  # casefolded surface -> (target, kind); target "C:ISO3" or "O:name"
    cs: dict[str, tuple[str, str]]  # case-sensitive short codes -> (target, kind)
    orgs: dict[str, _Org]
    surface_re: re.Pattern[str]


def _read_tsv(name: str) -> list[dict[str, str]]:
    text = _resources.files("stancekit.resources").joinpath(name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _plural(demonym: str) -> str | None:
    if demonym.endswith(("ese", "ch", "sh", "ss", "ish", "i")) or " " in demonym:
        return None if " " in demonym else demonym
    return demonym + "s"


def _fold(s: str) -> str:
    return " ".join(s.replace(".", "").split()).casefold()


def _is_code(s: str) -> bool:
    bare = s.replace(".", "").replace("-", "")
    return len(bare) <= 5 and bare.isupper() and bare.isalnum()


@lru_cache(maxsize=1)
def _facts() -> _Facts:
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
    # Several territories share a capital or demonym with a state ("Chinese", "Jerusalem",
    # "American"): the most populous country keeps the word.
    ordered = sorted(rows.values(), key=lambda r: -(r.get("population") or 0))
    for row in ordered:
        iso = (row.get("ISO") or {}).get("alpha3")
        if not iso:
            continue
        names.setdefault(iso, row["name"])
        pops[iso] = int(row.get("population") or 0)
        target = f"C:{iso}"
        surfaces: list[tuple[str, str]] = [(row["name"], "name")]
        surfaces += [(s, "name") for s in row.get("altSpellings") or () if isinstance(s, str) and not _is_code(s)]
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
            ci.setdefault(_fold(surface), (target, kind))
    orgs: dict[str, _Org] = {}
    for trow in _read_tsv("organisations.tsv"):
        aliases = tuple(a for a in trow["aliases"].split("|") if a)
        org = _Org(trow["name"], trow["type"], aliases)
        orgs[org.name] = org
        for surface in (org.name, *aliases):
            if _is_code(surface):
                cs.setdefault(surface.replace(".", ""), (f"O:{org.name}", "org"))
            else:
                ci.setdefault(_fold(surface), (f"O:{org.name}", "org"))
    for trow in _read_tsv("country_aliases.tsv"):
        target = trow["target"]
        target = f"O:{target[4:]}" if target.startswith("org:") else f"C:{target}"
        if trow["kind"] == "code":
            cs[trow["alias"].replace(".", "")] = (target, "name")
        else:
            ci[_fold(trow["alias"])] = (target, trow["kind"])
    surfaces_all: set[str] = set()
    for row in ordered:
        for s in [row["name"], row.get("demonym"), row.get("capital")] + list(row.get("altSpellings") or ()):
            if isinstance(s, str) and s and not _is_code(s) and (s.casefold() in ci or _fold(s) in ci):
                surfaces_all.add(s)
                if s == row.get("demonym") and _plural(s):
                    surfaces_all.add(_plural(s) or s)
                if s.endswith(" D.C."):
                    surfaces_all.add(s[: -len(" D.C.")])
    for org in orgs.values():
        surfaces_all.update((org.name, *org.aliases))
    for trow in _read_tsv("country_aliases.tsv"):
        surfaces_all.add(trow["alias"])
        if trow["kind"] == "code":
            surfaces_all.add(".".join(trow["alias"]) + ".")  # "U.S." for "US"
    surfaces_all = {s for s in surfaces_all if s.strip() and (_fold(s) in ci or s.replace(".", "") in cs)}
    # Keep only capitalised surfaces: lower-case words are not names.
    pattern = "|".join(re.escape(s) for s in sorted(surfaces_all, key=len, reverse=True) if s[:1].isupper())
    surface_re = re.compile(rf"(?<![\w.])(?:{pattern})(?![\w])")
    return _Facts(country_names=names, ci=ci, cs=cs, orgs=orgs, surface_re=surface_re)


def _lookup(core: str) -> tuple[str, str] | None:
    """The (target, kind) a name stands for, or ``None``: "the U.S." → ("C:USA", "name")."""
    facts = _facts()
    bare = core.replace(".", "").strip()
    if not bare:
        return None
    if bare in facts.cs:
        return facts.cs[bare]
    if len(bare) <= 3 and not bare[:1].isupper():
        return None
    return facts.ci.get(_fold(core))


# --------------------------------------------------------------------------------------------
# reference_spans
# --------------------------------------------------------------------------------------------

_ROLE_ALT = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in _ROLES)
_PRONOUN_RE = re.compile(r"\b(?:" + "|".join(p for p in _PRONOUNS if p != "it") + r")\b", re.I)
# "it" only as a subject that is not expletive: "In 2018, it answered …", "Iran denies it seeks …";
# not "It is a remarkable turnaround", not the object in "adopted it".
_IT_RE = re.compile(
    r"(?:^|[,;:]\s*|\b(?:that|and|but|because|when|if|while|since|so|then|says|said|denies|denied|insists|"
    r"insisted|claims|claimed|argues|argued|warned|warns)\s+)(?P<it>[Ii]t)\b"
    r"(?!\s+(?:is|was|'s|seems|seemed|appears|appeared|remains|remained|would\s+be|will\s+be|could\s+be|may\s+be|"
    r"might\s+be|has\s+been|had\s+been|takes|took|makes|made|matters|mattered|means|meant|depends|turns|"
    r"turned|follows|followed|emerged|offers|offered|can\b|cannot|can't)\b)"
)
# "the (tough) (Russian|U.S.|Japan's) (former) leader" not followed by a name (then it is a title).
_DESC_RE = re.compile(
    rf"\b(?P<det>[Tt]he)\s+(?P<mods>(?:(?:[\w.'-]+)\s+){{0,3}}?)(?P<role>{_ROLE_ALT}|{'|'.join(_COUNTRY_BODIES)})\b"
    rf"(?!\s+(?-i:[A-Z]|of\s+[A-Z]))",
    re.I,
)
_POSS_DESC_RE = re.compile(
    rf"(?P<poss>\b[A-Z][\w.]*(?:\s+[A-Z][\w.]*){{0,3}}|\b(?:[Cc]ountry|[Nn]ation))'s\s+"
    rf"(?P<mods>(?:[a-z][\w-]*\s+){{0,2}}?)(?P<role>{_ROLE_ALT})\b(?!\s+(?:[A-Z]|of\s+[A-Z]))",
)


@dataclass(frozen=True)
class _Desc:
    role: str | None  # normalised role, or None for "the Chinese government"
    country: str | None  # "C:ISO3" when the description names a country
    kind: str  # "person" or "country"
    when: str | None = None  # "former" ("the former prime minister"), "current", or None


def _norm_role(role: str) -> str:
    r = " ".join(role.lower().split())
    return _ROLE_ALIASES.get(r, r)


def _parse_mods(mods: str) -> tuple[bool, str | None]:
    """Whether the words between "the" and the role may modify a role, and the country they name."""
    words = mods.split()
    country: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        hit = None
        for n in (4, 3, 2, 1):
            if i + n <= len(words):
                cand = " ".join(words[i : i + n])
                cand = _POSSESSIVE.sub("", cand)
                found = _lookup(cand) if cand[:1].isupper() else None
                if found and found[0].startswith("C:"):
                    hit = (n, found[0])
                    break
        if hit:
            country = hit[1]
            i += hit[0]
            continue
        rest.append(words[i])
        i += 1
    # Other words must be lower-case adjectives ("tough", "former"), or "country's"/"nation's".
    ok = all(w[:1].islower() and w.replace("-", "").replace("'", "").isalpha() for w in rest)
    return ok, country


def _when(mods: str) -> str | None:
    words = set(mods.lower().replace("-", " ").split())
    if words & {"former", "then", "ex", "late", "previous", "erstwhile"}:
        return "former"
    if words & {"current", "new", "incumbent", "sitting", "present", "newly"}:
        return "current"
    return None


def _parse_description(span: str) -> _Desc | None:
    span = span.translate(_QUOTES)
    m = _DESC_RE.fullmatch(span)
    if m:
        ok, country = _parse_mods(m.group("mods"))
        role = _norm_role(m.group("role"))
        if not ok:
            return None
        if role in _COUNTRY_BODIES:
            return _Desc(None, country, "country") if country else None
        return _Desc(role, country, "person", _when(m.group("mods")))
    m = _POSS_DESC_RE.fullmatch(span)
    if m:
        poss = m.group("poss")
        found = _lookup(poss) if poss[:1].isupper() else None
        if poss[:1].isupper() and not (found and found[0].startswith("C:")):
            return None
        return _Desc(_norm_role(m.group("role")), found[0] if found else None, "person")
    return None


def reference_spans(unit_text: str) -> list[tuple[int, int]]:
    """Spans of a unit that refer to actors without a name the tagger may see, to be scored.

    Pronouns ("he", "his", "their"), descriptions ("the Russian leader", "the prime minister",
    "Russia's president", "the Chinese government") and names of countries and organisations
    known from the facts tables ("Tokyo", "the Kremlin" → "Kremlin", "NATO"), so that each gets a
    stance score in the same encoder pass (the pipeline passes them as ``extra_spans``).

    Args:
        unit_text: the text of one unit.

    Returns:
        Unit-relative ``(start, end)`` spans, sorted, never overlapping; descriptions win over
        the names inside them.

    >>> t = "The Russian leader said he would visit Tokyo."
    >>> [t[s:e] for s, e in reference_spans(t)]
    ['The Russian leader', 'he', 'Tokyo']
    """
    if not isinstance(unit_text, str) or not unit_text:
        return []
    text = normalize(unit_text).translate(_QUOTES)
    found: list[tuple[int, int, int]] = []  # (start, end, priority)
    for m in _DESC_RE.finditer(text):
        if _parse_description(m.group(0)):
            found.append((m.start(), m.end(), 0))
    for m in _POSS_DESC_RE.finditer(text):
        if _parse_description(m.group(0)):
            found.append((m.start(), m.end(), 0))
    for m in _facts().surface_re.finditer(text):
        found.append((m.start(), m.end(), 1))
    for m in _PRONOUN_RE.finditer(text):
        found.append((m.start(), m.end(), 2))
    for m in _IT_RE.finditer(text):
        found.append((m.start("it"), m.end("it"), 2))
    found.sort(key=lambda x: (x[2], x[0], -(x[1] - x[0])))
    kept: list[tuple[int, int]] = []
    for s, e, _ in found:
        if all(e <= ks or s >= ke for ks, ke in kept):
            kept.append((s, e))
    return sorted(kept)


# --------------------------------------------------------------------------------------------
# resolve
# --------------------------------------------------------------------------------------------

# "Shinzo Abe was the longest-serving prime minister in Japan's history": a role by copula.
_COPULA_ROLE = re.compile(
    rf"^\s+(?P<verb>is|was|has\s+been|had\s+been|became|becomes|remains|remained|served\s+as|serves\s+as)\s+"
    rf"(?:the|a|an)?\s*(?P<mods>(?:[\w.'-]+\s+){{0,3}}?)(?P<role>{_ROLE_ALT})\b"
    rf"(?:\s+(?:of|in|for)\s+(?P<c>(?-i:[A-Z][\w.']*(?:\s+[A-Z][\w.']*){{0,2}})))?",
    re.I,
)
_ROLE_AFTER = re.compile(rf"^\s+(?i:then-|former\s+|acting\s+)?(?i:{_ROLE_ALT})\b")
# A title right before a name: "(former) President ", "Mr. ", "Prime Minister ".
_TITLE_TAIL = re.compile(
    rf"(?P<past>then-|former\s+)?(?:acting\s+)?(?P<role>(?i:{_ROLE_ALT})|Mr\.?|Mrs\.?|Ms\.?|Sir|Dr\.?|Gen\.?|Sen\.?|PM)"
    rf"\s*,?\s*$"
)
# "Russian President Vladimir Putin", "Japan's Prime Minister Abe" anywhere in the text (captions too).
_TEXT_TITLE = re.compile(
    rf"(?:'s)?\s+(?P<past>then-|former\s+)?(?P<role>(?i:{_ROLE_ALT}))\s+"
    rf"(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){{0,3}})"
)
# "the Lithuanian capital", "Japanese waters": a demonym naming a place.
_PLACE_AFTER = re.compile(
    r"^\s+(?:capital|city|border|coast(?!\s+guard)|waters|territory|soil|airspace|island|islands|port)\b", re.I
)
# After a country word: "('s) (then-)Prime Minister Shinzo" — a title before a capitalised name.
_TITLE_AFTER = re.compile(rf"^(?:'s)?\s+(?i:then-|former\s+|acting\s+)?(?i:{_ROLE_ALT})\s+(?:[A-Z]|of\s+[A-Z])")


@dataclass
class _M:
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
    desc: _Desc | None = None
    actor: int | None = None
    source: bool = False
    dropped: bool = False
    covers: list[_M] = field(default_factory=list)  # tagged names inside a description span


@dataclass
class _A:
    """An actor being built."""

    key: str
    type: str
    names: list[str] = field(default_factory=list)
    canonical: str | None = None
    tokens: set[str] = field(default_factory=set)
    gender: str | None = None
    roles: set[tuple[str | None, str | None, bool]] = field(default_factory=set)  # (role, country, past)


def _clean_scores(raw: Any) -> tuple[float, float, float]:
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


_TAG_TYPES = {"person": "person", "per": "person", "organisation": "organisation", "organization": "organisation",
              "org": "organisation", "location": "location", "loc": "location", "group": "group", "grp": "group",
              "country": "country"}  # fmt: skip


def _split_title(core: str) -> tuple[str, str | None, str | None, str | None]:
    """ "Japanese Prime Minister Shinzo Abe" → ("Shinzo Abe", "prime minister", "C:JPN", None)."""
    words = core.split()
    role: str | None = None
    country: str | None = None
    gender: str | None = None
    i = 0
    while i < len(words) - 1:
        # Country modifiers: "Japanese", "Russia's", "U.S."
        hit = None
        for n in (3, 2, 1):
            if i + n < len(words):
                cand = _POSSESSIVE.sub("", " ".join(words[i : i + n]))
                found = _lookup(cand) if cand[:1].isupper() else None
                if found and found[0].startswith("C:"):
                    hit = (n, found[0])
                    break
        if hit:
            country, i = hit[1], i + hit[0]
            continue
        for n in (3, 2, 1):
            if i + n < len(words):
                cand = " ".join(words[i : i + n]).lower().rstrip(".").replace("then-", "")
                if cand in _TITLES:
                    if cand in _ROLES or cand in _ROLE_ALIASES:
                        role = _norm_role(cand)
                    gender = gender or _TITLES[cand]
                    i += n
                    break
        else:
            break
    return " ".join(words[i:]), role, country, gender


def _name_core(text: str) -> str:
    core = text.strip().strip("\"'()[],;:").strip()
    core = _POSSESSIVE.sub("", core).strip()
    if core.lower().startswith("the "):
        core = core[4:].strip()
    return core


_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def _tokens(name: str) -> list[str]:
    """Lower-cased name words without generational suffixes ("Ferdinand Marcos Jr." → ferdinand, marcos)."""
    words = [w.strip(".,").casefold() for w in name.split() if w.strip(".,")]
    while len(words) > 1 and words[-1] in _NAME_SUFFIXES:
        words.pop()
    return words


def _initials(name: str) -> str:
    stop = {"of", "the", "and", "for", "on", "in", "de", "du", "des", "la", "le"}
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w.lower() not in stop).upper()


class _Resolver:
    def __init__(self, text: str, units: Sequence[UnitInput]) -> None:
        self.text = text
        # Read the text as the encoder did (cleaning.normalize keeps every offset), so that the
        # patterns here see the same quotes and spaces as reference_spans did in the pipeline.
        self.norm = normalize(text).translate(_QUOTES)
        self.units = list(units)
        self.bounds: list[tuple[int, int]] = []
        self.mentions: list[_M] = []
        self.actors: list[_A] = []
        self.by_key: dict[str, int] = {}

    # ---------------------------------------------------------------- collect
    def collect(self) -> None:
        n = len(self.text)
        for ui, unit in enumerate(self.units):
            try:
                s, e = int(unit.start), int(unit.end)
            except (TypeError, ValueError):
                s, e = 0, 0
            s, e = max(0, min(s, n)), max(0, min(e, n))
            if e < s:
                e = s
            self.bounds.append((s, e))
            pred = getattr(unit, "prediction", None)
            if pred is None or e == s:
                continue
            tagged: list[_M] = []
            for mp in getattr(pred, "mentions", ()) or ():
                m = self._make(ui, s, e, mp, None)
                if m is not None:
                    tagged.append(m)
            extras: list[_M] = []
            pairs = zip(getattr(unit, "extra_spans", ()) or (), getattr(pred, "extra", ()) or (), strict=False)
            for span, mp in pairs:  # a length mismatch scores only the pairs there are
                m = self._make(ui, s, e, mp, span)
                if m is not None:
                    extras.append(m)
            self.mentions.extend(self._merge(self._join_fragments(tagged), extras))
        self.mentions.sort(key=lambda m: (m.start, m.end))
        self.in_unit: dict[int, list[_M]] = {}
        for m in self.mentions:
            self.in_unit.setdefault(m.unit, []).append(m)

    def _make(self, ui: int, us: int, ue: int, mp: Any, span: Any) -> _M | None:
        try:
            rs, re_ = (int(span[0]), int(span[1])) if span is not None else (int(mp.start), int(mp.end))
        except (TypeError, ValueError, IndexError, AttributeError):
            return None
        # Trim whitespace and stray punctuation so that mention texts are clean.
        a, b = us + rs, us + re_
        if not (us <= a < b <= ue):
            return None
        while a < b and not (self.norm[a].isalnum() or self.norm[a] in "$€£"):
            a += 1
        while b > a and not (self.norm[b - 1].isalnum() or self.norm[b - 1] == "."):
            b -= 1
        if b <= a:
            return None
        txt = self.norm[a:b]
        scores = _clean_scores(getattr(mp, "stance_scores", None))
        if span is None:
            tag = _TAG_TYPES.get(str(getattr(mp, "type", "other")).lower(), "other")
            return _M(ui, a, b, "name", tag, scores, txt, True)
        if txt.lower() in _PRONOUNS:
            return _M(ui, a, b, "pronoun", "other", scores, txt, False)
        desc = _parse_description(txt)
        if desc is not None:
            return _M(ui, a, b, "description", desc.kind, scores, txt, False, desc=desc)
        return _M(ui, a, b, "name", "other", scores, txt, False)

    def _join_fragments(self, tagged: list[_M]) -> list[_M]:
        """Complete and join tagged pieces of one name; drop lower-case ones.

        A word-level tagger can split a name where its type flips between words or skip a word
        inside it ("European" group + "Union" organisation, "World" + "Programme" around "Food",
        "U" + ".S." + "Navy", "Park Geun" + "hye"). Each piece first grows over the name's own
        capitalised words (never into a neighbour); then pieces with nothing but a space, a hyphen
        or a full stop between them are one mention: a person if the last piece is, else an
        organisation if any piece is, else the last piece's type. A "name" with no capital letter
        ("the", "hawks", "shoal") is not a name.
        """
        out = sorted(tagged, key=lambda m: (m.start, -(m.end - m.start)))
        out = [m for i, m in enumerate(out) if not any(k.start <= m.start and m.end <= k.end for k in out[:i])]
        if not out:
            return out
        us, ue = self.bounds[out[0].unit]
        for i, m in enumerate(out):
            self._complete(m, (out[i - 1].end if i else us, out[i + 1].start if i + 1 < len(out) else ue))
        joined: list[_M] = []
        for m in out:
            prev = joined[-1] if joined else None
            gap = self.norm[prev.end : m.start] if prev is not None and prev.end <= m.start else None
            connector = (
                gap is not None
                and "organisation" in (prev.tag if prev else "", m.tag)
                and bool(re.fullmatch(r" (?:of|for|de)(?: the)? ", gap))
            )
            if prev is not None and gap is not None and (gap in ("", " ", "-", ".") or connector):
                n = len(prev.scores)
                total = (prev.end - prev.start) + (m.end - m.start)
                w1, w2 = (prev.end - prev.start) / total, (m.end - m.start) / total
                scores = tuple(w1 * prev.scores[k] + w2 * m.scores[k] for k in range(n))
                tag = m.tag if m.tag == "person" or "organisation" not in (prev.tag, m.tag) else "organisation"
                joined[-1] = _M(
                    prev.unit, prev.start, m.end, "name", tag, _clean_scores(scores),
                    self.norm[prev.start : m.end], True,
                )  # fmt: skip
                continue
            joined.append(m)
        return [m for m in joined if m.end > m.start and any(c.isupper() for c in m.text)]

    def _complete(self, m: _M, bounds: tuple[int, int]) -> None:
        """Trim a tagged span to its name and grow it over the capitalised words of the same name.

        A tagger trained on short windows often stops early or starts late ("Programme" for
        "World Food Programme", "S. Navy" for "U.S. Navy", "of Japan"); the name's own capitalised
        words around it (and, inside organisation names, "of"/"for"/"and") belong to it.
        """
        us, ue = bounds
        while True:  # leading lower-case words: "of Japan" → "Japan", "'s Institute" → "Institute"
            lead = re.match(r"(?:'s\s+|[a-z][\w'-]*\s+)(?=\S)", self.norm[m.start : m.end])
            if not lead:
                break
            m.start += lead.end()
        while True:  # trailing lower-case words: "Bank of" → "Bank" (re-grown below if a name follows)
            tail = re.search(r"\s+[a-z][\w'-]*$", self.norm[m.start : m.end])
            if not tail or tail.start() == 0:
                break
            m.end = m.start + tail.start()
        while True:
            right = _CAP_RIGHT.match(self.norm, m.end, ue)
            if right is None and m.tag == "organisation":
                right = _CONNECTOR_RIGHT.match(self.norm, m.end, ue)
            if right is None or right.group("w").rstrip(".").lower() in _NOT_NAME | _TITLE_WORDS:
                break
            m.end = right.end()
        while True:
            left = _CAP_LEFT.search(self.norm, us, m.start)
            if left is None or left.group("w").rstrip(".").lower() in _NOT_NAME | _TITLE_WORDS:
                break
            if "'" in left.group("w"):
                break  # "Italy's": a possessive qualifies the name, it is not part of it
            m.start = left.start()
        m.text = self.norm[m.start : m.end]

    @staticmethod
    def _merge(tagged: list[_M], extras: list[_M]) -> list[_M]:
        tagged.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[_M] = []
        for m in tagged:  # overlapping tagger spans: the longer one (first in this order) wins
            if all(m.end <= k.start or m.start >= k.end for k in kept):
                kept.append(m)
        out = list(kept)
        for x in extras:
            over = [k for k in kept if not (x.end <= k.start or x.start >= k.end)]
            if not over:
                out.append(x)
            elif x.kind == "description" and all(x.start <= k.start and k.end <= x.end for k in over):
                # "the Russian leader" over a tagged "Russian": the description is the mention if it
                # resolves; if not, the names inside it stay ("Japan's ambassador" → Japan).
                if not any(k.tag == "person" for k in over):
                    x.covers = over
                    out.append(x)
            elif x.kind == "name":
                # Both saw a name: keep the tagger's span, and average in the extra score if same span.
                pass
        return out

    # ---------------------------------------------------------------- names
    def _new(self, key: str, type_: str) -> int:
        self.actors.append(_A(key=key, type=type_))
        self.by_key[key] = len(self.actors) - 1
        return len(self.actors) - 1

    def _actor_for(self, key: str, type_: str) -> int:
        if key in self.by_key:
            return self.by_key[key]
        return self._new(key, type_)

    def cluster_names(self) -> None:
        names = [m for m in self.mentions if m.kind == "name"]
        persons: list[int] = []
        for m in names:
            core = _name_core(m.text)
            m.core = core
            if not core or not any(c.isalpha() for c in core):
                m.dropped = True
                continue
            pre = self.norm[self.bounds[m.unit][0] : m.start]
            if m.tag == "person":
                known = _lookup(core)
                # A tagger's "person" that is a country's or a listed organisation's name is that
                # actor (capitals excepted: "Washington", "Victoria" are also people's names).
                if known is None or known[1] == "capital":
                    self._person(m, core, persons)
                    continue
                m.tag = "organisation" if known[0].startswith("O:") else "location"
            if self._dateline(m) or self._title_modifier(m) or self._possessive_modifier(m):
                m.dropped = True  # the place a story was filed from, or a word qualifying another name
                continue
            found = _lookup(core)
            if found is not None and found[0].startswith("C:"):
                target, kind = found
                if (
                    (kind in ("capital", "seat") and self._setting(m, pre))
                    or self._after_city(m, pre)
                    or _PLACE_AFTER.match(self.norm[m.end : m.end + 30])
                ):
                    m.dropped = True  # a setting, not an actor
                    continue
                iso = target[2:]
                m.actor = self._actor_for(target, "country")
                self.actors[m.actor].canonical = _facts().country_names.get(iso, iso)
                self.actors[m.actor].names.append(core)
                continue
            if found is not None and found[0].startswith("O:"):
                if found[1] == "seat" and _LOCATIVE.search(pre):
                    m.dropped = True
                    continue
                org = _facts().orgs.get(found[0][2:])
                m.actor = self._actor_for(found[0], org.type if org else "organisation")
                self.actors[m.actor].canonical = found[0][2:]
                self.actors[m.actor].names.append(core)
                continue
            if m.tag in ("location", "other") and (
                _LOCATIVE.search(pre) or _LOCATIVE_ADJ.search(pre) or self._listed_after_setting(m, pre)
            ):
                m.dropped = True
                continue
            if not m.from_tagger:
                # A reference span the tables do not know: only a tagger can make it an actor.
                m.dropped = True
                continue
            type_ = {"location": "other"}.get(m.tag, m.tag)
            if type_ not in ("organisation", "group", "other"):
                type_ = "other"
            m.actor = self._actor_for(f"N:{type_}:{_fold(core)}", type_)
            self.actors[m.actor].names.append(core)
        self._link_acronyms()
        self._text_facts()

    def _text_facts(self) -> None:
        """Tie people to roles and countries from titles anywhere in the text, captions included."""
        by_token: dict[str, list[_A]] = {}
        for a in self.actors:
            if a.type == "person":
                for tok in a.tokens:
                    by_token.setdefault(tok, []).append(a)
        if not by_token:
            return
        for hit in _facts().surface_re.finditer(self.norm):
            found = _lookup(_name_core(hit.group(0)))
            if not found or not found[0].startswith("C:"):
                continue
            t = _TEXT_TITLE.match(self.norm, hit.end())
            if not t:
                continue
            toks = _tokens(t.group("name"))
            for a in by_token.get(toks[-1], ()) if toks else ():
                a.roles.add((_norm_role(t.group("role")), found[0], bool(t.group("past"))))

    def _setting(self, m: _M, pre: str) -> bool:
        """Whether a capital or seat names the place of an event ("met in Tokyo"), not its government.

        "Many in Beijing" (people there) is not a setting; "Berlin and Paris" share one reading.
        """
        if _PEOPLE_IN.search(pre):
            return False
        if _LOCATIVE.search(pre):
            return True
        if re.search(r"(?:,|\band|\bor)\s+$", pre):
            prev = [k for k in self.in_unit.get(m.unit, ()) if k.end <= m.start and k.kind == "name"]
            if prev and re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", self.norm[prev[-1].end : m.start]):
                found = _lookup(_name_core(prev[-1].text))
                if found and found[1] in ("capital", "seat"):
                    return self._setting(prev[-1], self.norm[self.bounds[m.unit][0] : prev[-1].start])
        return False

    def _listed_after_setting(self, m: _M, pre: str) -> bool:
        """ "in Africa and the Middle East": a place listed right after a dropped setting."""
        if not re.search(r"(?:,|\band|\bor)\s+(?:the\s+)?$", pre):
            return False
        prev = [k for k in self.in_unit.get(m.unit, ()) if k.end <= m.start and k.kind == "name"]
        return (
            bool(prev)
            and prev[-1].dropped
            and prev[-1].tag in ("location", "other")
            and bool(re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s+(?:the\s+)?", self.norm[prev[-1].end : m.start]))
        )

    def _after_city(self, m: _M, pre: str) -> bool:
        """ "in Lima, Peru": a country right after a tagged place that is not itself a country."""
        c = _LOCATIVE_CITY.search(pre)
        if c is None:
            return False
        place_end = self.bounds[m.unit][0] + c.end("place")
        place = next((k for k in self.in_unit.get(m.unit, ()) if k.end == place_end), None)
        if place is None or place.tag not in ("location", "other"):
            return False
        found = _lookup(c.group("place"))
        return not (found and found[0].startswith("C:") and found[1] != "capital")

    def _dateline(self, m: _M) -> bool:
        us = self.bounds[m.unit][0]
        d = _DATELINE.match(self.norm[us : us + 80])
        return d is not None and m.end <= us + d.end()

    def _possessive_modifier(self, m: _M) -> bool:
        """ "China's Hainan Island", "Beijing's Foreign Ministry": the claim is about the second name."""
        if not re.match(r"'s\s", self.norm[m.end : m.end + 3]) and not m.text.endswith("'s"):
            return False
        end = m.end if m.text.endswith("'s") else m.end + 2
        nxt = next((k for k in self.in_unit.get(m.unit, ()) if 0 < k.start - end <= 2), None)
        return nxt is not None and nxt.from_tagger and nxt.tag in ("location", "organisation", "group", "other")

    def _title_modifier(self, m: _M) -> bool:
        """Whether a country word only qualifies a person's title: "Japanese Prime Minister Abe"."""
        after = self.norm[m.end : m.end + 60]
        if _TITLE_AFTER.match(after):
            return True
        found = _lookup(_name_core(m.text))
        if found is not None and found[1] == "demonym" and _ROLE_AFTER.match(after):
            return True  # "a South Korean president", "Japanese Prime Minister": the role's, not the country's
        # "Russia's Putin": a possessive country right before a person tagged by the model
        if after.startswith("'s "):
            nxt = next((k for k in self.in_unit.get(m.unit, ()) if m.end + 3 <= k.start <= m.end + 4), None)
            return nxt is not None and nxt.tag == "person"
        return False

    def _person(self, m: _M, core: str, persons: list[int]) -> None:
        name, role, country, gender = _split_title(core)
        ctx_role, ctx_country, ctx_gender, past = self._context_facts(m)
        role, country, gender = role or ctx_role, country or ctx_country, gender or ctx_gender
        past = past or bool(re.match(r"(?i)(?:former|then-|ex-)", m.core or ""))
        toks = _tokens(name)
        if not toks:
            m.dropped = True
            return
        best: int | None = None
        exact = self.by_key.get("P:" + " ".join(toks))
        if exact is not None:
            best = exact
        else:
            for ai in reversed(persons):  # most recent first
                a = self.actors[ai]
                if set(toks) <= a.tokens and toks[-1] in a.tokens:
                    best = ai
                    break
                if (
                    a.tokens <= set(toks)
                    and len(a.tokens) >= 1
                    and max(a.names, key=len).split()[-1:]
                    and (_tokens(max(a.names, key=len))[-1] == toks[-1])
                ):
                    best = ai
                    break
        if best is None:
            best = self._new("P:" + " ".join(toks), "person")
            persons.append(best)
        a = self.actors[best]
        a.tokens |= set(toks)
        a.names.append(name)
        if gender and not a.gender:
            a.gender = gender
        if role or country:
            a.roles.add((role, country, past))
        m.actor = best
        if best in persons:
            persons.remove(best)
        persons.append(best)

    def _context_facts(self, m: _M) -> tuple[str | None, str | None, str | None, bool]:
        """Role, country and gender the text around a person mention gives, and whether it is past."""
        us, ue = self.bounds[m.unit]
        pre = self.norm[max(us, m.start - 80) : m.start]
        role = country = gender = None
        past = False
        tail = _TITLE_TAIL.search(pre)
        if tail:
            past = bool(tail.group("past"))
            r = tail.group("role").rstrip(".").lower()
            if r in _TITLES and _TITLES[r]:
                gender = _TITLES[r]
            elif r in _ROLES or r in _ROLE_ALIASES:
                role = _norm_role(r)
            pre = pre[: tail.start()]
        # a country right before (the title): "Russian (President)", "Russia's (President)", "U.S."
        words = pre.split()[-4:]
        for n in range(len(words), 0, -1):
            cand = _POSSESSIVE.sub("", " ".join(words[-n:]))
            found = _lookup(cand) if cand[:1].isupper() else None
            if found and found[0].startswith("C:"):
                country = found[0]
                break
        post = self.norm[m.end : min(ue, m.end + 90)]
        app = re.match(
            rf"^\s*,\s*(?:the|a|an)?\s*(?P<mods>(?:[\w.'-]+\s+){{0,3}}?)(?P<past>then-|former\s+)?(?P<role>{_ROLE_ALT})\b",
            post,
            re.I,
        )
        if app:
            ok, c2 = _parse_mods(app.group("mods"))
            if ok or c2:
                role = role or _norm_role(app.group("role"))
                country = country or c2
                past = past or bool(app.group("past")) or _when(app.group("mods")) == "former"
        cop = _COPULA_ROLE.match(post)
        if cop:
            ok, c2 = _parse_mods(cop.group("mods"))
            c3 = _lookup(_POSSESSIVE.sub("", cop.group("c"))) if cop.group("c") else None
            if ok or c2:
                role = role or _norm_role(cop.group("role"))
                country = country or c2 or (c3[0] if c3 and c3[0].startswith("C:") else None)
                past = past or cop.group("verb").lower().startswith(("was", "had", "served", "became"))
        return role, country, gender, past

    def _link_acronyms(self) -> None:
        """Join an acronym with its long form: "(BOFIT)" after a name, or matching initials."""
        org_like = [i for i, a in enumerate(self.actors) if a.type in ("organisation", "group", "other")]
        for i in org_like:
            a = self.actors[i]
            if not a.names or a.key.startswith("O:"):
                continue
            short = a.names[0]
            if not _is_code(short):
                continue
            target = None
            for j in org_like:
                b = self.actors[j]
                if j == i or not b.names or _is_code(b.names[0]):
                    continue
                if _initials(b.names[0]) == short.replace(".", "").replace("-", ""):
                    target = j
                    break
            if target is None:
                # "Institute for Emerging Economies (BOFIT)": the long form precedes "(" + acronym
                for m in self.mentions:
                    if m.actor == i:
                        before = self.norm[max(0, m.start - 2) : m.start]
                        if before.endswith("("):
                            here = self.in_unit.get(m.unit, ())
                            prev = [k for k in here if k.end <= m.start - 1 and k.actor not in (None, i)]
                            if prev and m.start - prev[-1].end <= 3:
                                target = prev[-1].actor
                        break
            if target is not None:
                self._absorb(target, i)

    def _absorb(self, keep: int, gone: int) -> None:
        for m in self.mentions:
            if m.actor == gone:
                m.actor = keep
        self.actors[keep].names.extend(self.actors[gone].names)
        self.actors[gone].names = []

    # ---------------------------------------------------------------- references
    def resolve_references(self) -> None:
        history: list[_M] = []  # resolved mentions so far, in article order
        self.last_seen: dict[int, int] = {}  # actor -> position of its latest mention in history
        previous: _M | None = None
        for m in self.mentions:
            if m.kind == "name":
                if not m.dropped and m.actor is not None:
                    history.append(m)
                    self.last_seen[m.actor] = len(history)
                previous = m
                continue
            if m.kind == "description":
                if (
                    previous is not None
                    and previous.unit == m.unit
                    and not previous.dropped
                    and previous.actor is not None
                    and self.actors[previous.actor].type == "person"
                    and re.fullmatch(r"\s*,\s*", self.norm[previous.end : m.start])
                ):
                    m.actor = previous.actor  # apposition: "Lee Jae-myung, the leader of …"
                else:
                    m.actor = self._description(m, history)
            elif m.text.lower().endswith(("self", "selves")) and previous is not None and previous.unit == m.unit:
                m.actor = previous.actor if not previous.dropped else None  # "the Russian leader himself"
            else:
                m.actor = self._pronoun(m, history)
            if m.actor is None:
                m.dropped = True
            else:
                history.append(m)
                self.last_seen[m.actor] = len(history)
                for k in m.covers:  # the description stands for the names inside it
                    k.dropped = True
            previous = m

    def _description(self, m: _M, history: list[_M]) -> int | None:
        d = m.desc
        if d is None:
            return None
        if d.kind == "country":
            if d.country is None:
                return None
            ai = self._actor_for(d.country, "country")
            self.actors[ai].canonical = _facts().country_names.get(d.country[2:], d.country[2:])
            return ai

        def fits(a: _A) -> bool:
            if a.type != "person":
                return False
            for role, country, past in a.roles:
                if d.country and country != d.country:
                    continue
                if d.when == "current" and past:
                    continue
                if d.when == "former" and not past and role is not None:
                    continue  # "the former president" is not someone the text calls president now
                if d.role in _GENERIC_ROLES:
                    if role is None or role in _HEAD_ROLES:
                        return True
                elif role == d.role:
                    return True
            return False

        # The most recently mentioned fitting person (one check per actor, not per mention).
        for ai in sorted(self.last_seen, key=self.last_seen.__getitem__, reverse=True):
            if fits(self.actors[ai]):
                return ai
        for u in (m.unit, m.unit + 1):  # cataphora, close by: "The Russian leader, Vladimir Putin, …"
            for h in self.in_unit.get(u, ()):
                if h.start > m.start and h.kind == "name" and h.actor is not None and fits(self.actors[h.actor]):
                    return h.actor
        if d.country is None:
            # No person holds the role in the text: the most recent person of the last two units
            # whose role the article never states ("Fumio Kishida, …" then "The current prime minister").
            for h in reversed(history):
                if m.unit - h.unit > 2:
                    break
                a = self.actors[h.actor] if h.actor is not None else None
                if a is not None and a.type == "person" and not any(r for r, _, _ in a.roles):
                    return h.actor
        return None

    def _pronoun(self, m: _M, history: list[_M]) -> int | None:
        p = _PRONOUNS.get(m.text.lower())
        if p is None:
            return None

        def fits(ai: int) -> bool:
            a = self.actors[ai]
            if p in ("m", "f"):
                return a.type == "person" and a.gender in (None, p)
            if word in ("them", "themselves"):
                return a.type == "group"  # "defended them": mostly things; only a group is safe
            return a.type in ("group", "organisation", "country")

        word = m.text.lower()
        # "its" refers inside its own unit, to the nearest compatible actor ("NATO told Ukraine that
        # its future …", "Hungary dropped its objections"); across units it is mostly a thing's.
        if p == "it":
            for h in reversed(history):
                if h.unit != m.unit:
                    break
                if h.actor is not None and fits(h.actor):
                    return h.actor
            if self.norm[self.bounds[m.unit][0] : m.start].strip(" ([\"'"):
                return None
            # "Its purchases …" opening a unit: the subject of the unit before.
            prev = [h for h in history if h.unit == m.unit - 1 and h.actor is not None and fits(h.actor)]
            return prev[0].actor if prev else None
        # Same unit first (its earliest compatible mention: the subject), then the units before,
        # each from its first mention; at most 6 units back. An object pronoun ("him", "them")
        # does not refer to its own clause's subject ("Park refused to meet him").
        by_unit: dict[int, list[_M]] = {}
        # Plural pronouns mostly refer to things or to a noun phrase nearby: look one unit back only.
        window = {"pl": 1, "it-subject": 2}.get(p, 6)
        for h in reversed(history):
            if m.unit - h.unit > window:
                break
            if h.unit <= m.unit and h.actor is not None:
                by_unit.setdefault(h.unit, []).insert(0, h)
        for u in sorted(by_unit, reverse=True):
            if u != m.unit:
                # In an earlier unit, names inside a quotation are not its subject: after
                # '"Putin is using food as a weapon," said Kuleba.', "his point" is Kuleba's.
                by_unit[u].sort(key=self._in_quote)
            for h in by_unit[u]:
                if u == m.unit and word in ("him", "them") and h is by_unit[u][0]:
                    continue  # an object pronoun is not its own clause's subject ("Park refused to meet him")
                if h.actor is not None and fits(h.actor):
                    a = self.actors[h.actor]
                    if p in ("m", "f") and a.gender is None:
                        a.gender = p
                    return h.actor
        return None

    def _in_quote(self, m: _M) -> bool:
        return self.norm.count('"', self.bounds[m.unit][0], m.start) % 2 == 1

    # ---------------------------------------------------------------- claimants
    def find_sources(self) -> list[int | None]:
        """Mark the mentions that attribute a unit, and return each unit's source actor.

        A speaker ("Y said", "said Y") wins over "according to Y" (the outlet that reported it);
        every attributing mention, and an apposition right after it ("Lee, the opposition
        leader"), is left out of the actors the unit is about.
        """
        sources: list[int | None] = [None] * len(self.units)
        by_unit: dict[int, list[_M]] = {}
        for m in self.mentions:
            if not m.dropped and m.actor is not None:
                by_unit.setdefault(m.unit, []).append(m)
        for ui, ms in by_unit.items():
            us, ue = self.bounds[ui]
            # A quoted speaker is the claimant even when an outlet reported it ('"…," said Mimaki,
            # according to Kyodo'); in reported speech the outlet is ("Xi has told his generals …,
            # according to U.S. intelligence officials").
            quoted = '"' in self.norm[us:ue]
            best: tuple[int, _M] | None = None
            for m in ms:
                pre = self.norm[us : m.start]
                post = self.norm[m.end : ue]
                if _SPEAKER_BEFORE.search(pre) or (_SPEAKER_AFTER.match(post) and self._subject(m, ms)):
                    rank = 0 if quoted else 2
                elif _ACCORDING_TO.search(pre):
                    rank = 1
                else:
                    continue
                if rank == 1:
                    m.source = True  # the outlet: not what the claim is about either
                if best is None or rank < best[0]:
                    best = (rank, m)
            if best is not None:
                best[1].source = True
            for m in ms:
                if m.source:
                    for k in ms:
                        between = self.norm[m.end : k.start] if k.start >= m.end else self.norm[k.end : m.start]
                        if k.actor == m.actor and k is not m and re.fullmatch(r"\s*[,(]\s*", between):
                            k.source = True
            if best is not None:
                sources[ui] = best[1].actor
        return sources

    def _subject(self, m: _M, unit_mentions: list[_M]) -> bool:
        """A speaker before "said" is a subject: unit start, after a quote/comma, or after a title."""
        us = self.bounds[m.unit][0]
        pre = self.norm[us : m.start]
        if not pre.strip() or re.search(r"""[,"':;—–]\s*$""", pre):
            return True
        # "Russian President Vladimir Putin told …", '…," European Commission President X said':
        # only capitalised title words since the clause began.
        words = re.split(r"""[,":;—–(]|'(?!s\b)""", pre)[-1].split()
        return len(words) <= 6 and all(
            w[:1].isupper() or w.lower() in ("the", "former", "then", *_ROLES) for w in words
        )

    # ---------------------------------------------------------------- output
    def build(self) -> Resolution:
        self.collect()
        self.cluster_names()
        self.resolve_references()
        sources = self.find_sources()
        live = [m for m in self.mentions if not m.dropped and m.actor is not None]
        of_actor: dict[int, list[_M]] = {}
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
        by_unit: dict[int, list[_M]] = {}
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
                scores = dict(zip(STANCE_LABELS, _clean_scores(mean), strict=True))
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
                avg = dict(zip(STANCE_LABELS, _clean_scores(raw), strict=True))
            else:
                avg = {"favor": 0.0, "against": 0.0, "neutral": 1.0}
            aliases: list[str] = []
            for m in mine:
                if m.kind == "pronoun":
                    continue
                surface = _name_core(self.text[m.start : m.end].translate(_QUOTES))
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
                name = max(set(a.names), key=lambda n: (not _is_code(n), a.names.count(n), len(n)))
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


def resolve(text: str, units: Sequence[UnitInput]) -> Resolution:
    """Cluster the mentions of an article into canonical actors and attach them to its units.

    Args:
        text: the original article text (mentions in the result slice it exactly).
        units: one :class:`UnitInput` per unit of the article, in order.

    Returns:
        A :class:`Resolution` with one entry per unit in ``unit_actors``, ``primary``,
        ``stances`` and ``sources``, and the article's actors. Malformed input (spans outside
        their unit, NaN scores, mismatched ``extra`` lengths) is skipped, never raised on; an
        article with no mentions gives empty results.

    >>> from types import SimpleNamespace as NS
    >>> t = "Abe said Russia is wrong. His plan failed."
    >>> m = lambda s, e, ty, sc: NS(start=s, end=e, type=ty, score=1.0, stance_scores=sc)
    >>> p1 = NS(claim_score=0.9, mentions=(m(0, 3, "person", (.1, .1, .8)), m(9, 15, "location", (0, 1, 0))), extra=())
    >>> p2 = NS(claim_score=0.9, mentions=(), extra=(m(0, 3, "other", (0, .9, .1)),))
    >>> r = resolve(t, [UnitInput(0, 25, True, p1, ()), UnitInput(26, 42, True, p2, [(0, 3)])])
    >>> r.sources[0], r.primary[0], r.stances[0], r.primary[1], r.stances[1]
    ('Abe', 'Russia', 'against', 'Abe', 'against')
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _Resolver(text, units).build()


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
    want = _fold(_name_core(str(name or "").translate(_QUOTES)))
    if not want or not actors:
        return None

    def surfaces(a: Actor) -> set[str]:
        out = {_fold(_name_core(a.name)), *(_fold(_name_core(x)) for x in a.aliases)}
        out |= {_fold(_name_core(m.text.translate(_QUOTES))) for m in a.mentions}
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
            (_tokens(a.name) and _tokens(a.name)[-1] == want_tokens[-1])
            or set(want_tokens) <= set(_tokens(a.name))
            or set(_tokens(a.name)) <= set(want_tokens)
        )
    ]  # fmt: skip
    hit = best(people)
    if hit is not None:
        return hit
    found = _lookup(_name_core(str(name)))
    if found is not None and found[0].startswith("C:"):
        country = _facts().country_names.get(found[0][2:])
        return best([a for a in actors if a.name == country])
    return None
