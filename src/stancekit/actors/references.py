"""References: the spans of an article that name or point at an actor.

Mention spans (the tagger's names, trimmed and completed to whole names), descriptions ("the
Russian leader", "Russia's president", "the Chinese government") and pronouns; the spans the
encoder is asked to score beside the tagged names (:func:`reference_spans`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from stancekit.actors.facts import fact_tables, lookup, lookup_part
from stancekit.actors.grammar import (
    CAP_LEFT,
    CAP_RIGHT,
    COMPOUND_PREFIXES,
    CONNECTOR_LEFT,
    CONNECTOR_RIGHT,
    COUNTRY_BODIES,
    COUNTRY_NOUNS,
    FUNCTION_WORDS,
    HOME_BODIES,
    NOT_NAME,
    PARTICLE_RIGHT,
    PARTY_ADJECTIVES,
    PEOPLE_AFTER,
    PLACE_HEADS,
    POSSESSIVE,
    PRONOUNS,
    ROLE_ALIASES,
    ROLE_PATTERN,
    ROLES,
    STRAIGHT_QUOTES,
    TITLE_WORDS,
    TITLES,
)  # fmt: skip
from stancekit.actors.state import ArticleState, MentionDraft, clean_scores
from stancekit.cleaning import normalize

_PRONOUN_RE = re.compile(r"\b(?:" + "|".join(p for p in PRONOUNS if p != "it") + r")\b", re.I)
# "it" only as a subject that is not expletive: "In 2018, it answered …", "Iran denies it seeks …";
# not "It is a remarkable turnaround", not the object in "adopted it".
_IT_RE = re.compile(
    r"(?:^|[,;:]\s*|\b(?:that|and|but|because|when|if|while|since|so|then|says|said|denies|denied|insists|"
    r"insisted|claims|claimed|argues|argued|warned|warns)\s+)(?P<it>[Ii]t)\b"
    r"(?!\s+(?:is|was|'s|seems|seemed|appears|appeared|remains|remained|would\s+be|will\s+be|could\s+be|may\s+be|"
    r"might\s+be|has\s+been|had\s+been|takes|took|makes|made|matters|mattered|means|meant|depends|turns|"
    r"turned|follows|followed|emerged|offers|offered|(?:can|cannot|can't)\s+be)\b)"
)
# "the (tough) (Russian|U.S.|Japan's) (former) leader" not followed by a name (then it is a title); "the
# (Chinese) government"; "the kingdom", "the island nation".
_COUNTRY_NOUN_PATTERN = "|".join(
    re.escape(n).replace(r"\ ", r"\s+") for n in sorted(COUNTRY_NOUNS, key=len, reverse=True)
)
_DESC_RE = re.compile(
    rf"\b(?P<det>[Tt]he)\s+(?P<mods>(?:(?:[\w.'-]+)\s+){{0,3}}?)"
    rf"(?P<role>{ROLE_PATTERN}|{'|'.join(COUNTRY_BODIES)}|{_COUNTRY_NOUN_PATTERN})\b"
    rf"(?!\s+(?-i:[A-Z]|of\s+[A-Z]))",
    re.I,
)
_POSS_DESC_RE = re.compile(
    rf"(?P<poss>\b[A-Z][\w.]*(?:\s+[A-Z][\w.]*){{0,3}}|\b(?:[Cc]ountry|[Nn]ation))'s\s+"
    rf"(?P<mods>(?:[a-z][\w-]*\s+){{0,2}}?)(?P<role>{ROLE_PATTERN})\b(?!\s+(?:[A-Z]|of\s+[A-Z]))",
)

# A name after a title of a person: "President Biden", "Chancellor Rachel Reeves", "Mr. Cameron".
_TITLED_NAME = re.compile(
    r"(?<![\w.])(?:President|Prime\s+Minister|Chancellor|Premier|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sen\.|Senator|Gov\.|Governor|"
    r"King|Queen|Prince|Princess|Pope|Sheikh|Sir|Dame)\s+"
    r"(?P<name>(?!(?:The|A|An|And|Of|In|On|At|For|To|But|Or|He|She|It|They|His|Her|Who|Which|That)\b)"
    r"[A-Z][\w'-]*[a-z][\w'-]*(?:\s+[A-Z][\w'-]*[a-z][\w'-]*){0,2})(?=$|[\s,.;:!?)\]\"'’])"
)
# "Under Trudeau, relations sank": a name after "Under" that opens a clause is mostly a leader's, one the
# tagger may miss.
UNDER_NAME = re.compile(r"(?:^|[.;:]\s+)Under\s+(?P<name>[A-Z][\w'-]*[a-z](?:\s+[A-Z][\w'-]*[a-z]){0,2}),")


def under_names(norm: str, us: int, ue: int) -> set[tuple[int, int]]:
    """Article offsets of the names after "Under" that open a clause of the unit ``norm[us:ue]``."""
    return {(us + u.start("name"), us + u.end("name")) for u in UNDER_NAME.finditer(norm[us:ue])}


# "China's Foreign Ministry", "Ukraine's Ministry of Infrastructure" right after a country's name.
_COUNTRY_BODY_NAME = re.compile(
    r"'s\s+(?:[A-Z][\w-]*\s+){0,2}(?:Ministry|Embassy|Foreign\s+Office|Department)"
    r"(?:\s+of(?:\s+the)?(?:\s+[A-Z][\w-]*)+)?(?![\w-])"
)
_PREFIXED = re.compile(r"(?i)\b(?:" + "|".join(sorted(COMPOUND_PREFIXES)) + r")-$")
# Titles that still end a body's name on its left ("President X's Party" is not one name).
_TITLES_BEFORE_BODY = {t for t in TITLES if " " not in t} - {"national", "foreign", "defence", "defense", "general"}
# "National People's Power", "the People's Party", "Workers' Party": a name with a plural possessive inside.
_PEOPLES = re.compile(r"\b(?:People|Workers|Women|Farmers|Peasants|Citizens)$")
_PEOPLES_RIGHT = re.compile(r"'s?\s(?P<w>[A-Z][\w-]*)(?=[\s,;:!?)\]\"']|\.\s|\.$|$)")
# "Russian-led Collective Security Treaty Organization": a compound qualifying the name after it.
_LED_BEFORE_NAME = re.compile(
    r"^(?P<c>[\w.]+?)-(?:led|backed|brokered|sponsored|allied|aligned|funded|controlled|dominated|owned|run)\s+"
    r"(?P<rest>[A-Z].*)$"
)
# Lower-case words that occur inside names: "Bank of England", "Casa de Nariño", "Trinidad and Tobago".
NAME_CONNECTORS = frozenset(
    ("of", "for", "and", "the", "de", "del", "da", "do", "dos", "das", "du", "des", "la", "le", "el", "al", "bin",
     "van", "von", "der", "den", "y", "e", "on", "in", "&")
)  # fmt: skip
_IN_BEFORE_ACRONYM = re.compile(r"\s+in\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2}(?=\s*\((?P<acr>[A-Z][A-Z.&-]{1,9})\))")
# Words after a person's name in a compound that qualifies something by that person: "Museveni-era".
_PERSON_COMPOUND_WORDS = frozenset(("era", "led", "backed", "style", "aligned", "allied", "linked", "appointed"))
_FAMILY_AFTER = re.compile(r"\s+(?:family|clan|dynasty)\b")
_PLACE_COMPOUND = re.compile(r"-(?:based|born|bred|raised|headquartered)$")
_PLACE_SUFFIX = re.compile(r"-(?:based|born|bred|raised|headquartered)\b")
_ABBREVIATED = re.compile(r"\b(?:Jr|Sr|Inc|Ltd|Corp|Co|Bros|St)$")
_PARTY_RE = re.compile(r"\b(?:" + "|".join(PARTY_ADJECTIVES) + r")\b")

# "his government", "her administration": the country of the person the pronoun refers to; "their
# government", "its government": the government of the country the story is about.
# "his country": the country of the person the pronoun refers to.
_PRONOUN_BODY_RE = re.compile(
    rf"\b(?P<poss>[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+(?P<body>{'|'.join(COUNTRY_BODIES)}|country)\b"
)
# "the two countries", "both governments", "the three juntas": the countries the text has just named.
_PLURAL_COUNTS = {"two": 2, "three": 3, "four": 4, "both": 2}
# "both men", "the two leaders": the people just named; "neither side", "either capital": one of the
# two countries just named, so both (but not "on either side of the border": a place).
_PLURAL_RE = re.compile(
    r"\b(?:[Tt]he\s+(?P<n>two|three|four)|(?P<both>[Bb]oth))\s+"
    r"(?:(?P<people>men|women|leaders|presidents)|countries|nations|governments|states|capitals|sides|neighbou?rs|"
    r"juntas|allies|rivals)\b"
    r"|(?<!on\s)\b(?P<neither>[Nn]either|[Ee]ither)\s+(?:side|capital|country|government|nation)\b(?!\s+of\b)"
)
# "the bloc", "the grouping", "the alliance": the organisation or group the text has just named.
_BODY_DESC_RE = re.compile(
    r"\b[Tt]he\s+(?:(?:regional|ten-member|\d+-member|military|trade|western)\s+)?(?P<head>bloc|grouping|alliance)\b"
)
# "the 72-year-old", "The 44-year-old businessman": the person the text has just named.
_AGE_ROLE = re.compile(rf"(?:{ROLE_PATTERN})$")
_AGE_RE = re.compile(
    rf"\b[Tt]he\s+\d{{1,3}}-year-old(?:\s+(?:{ROLE_PATTERN})\b"  # "The 78-year-old prime minister"
    r"|(?:\s+(?!(?:who|and|or|was|is|has|had|said|says)\b)[a-z][\w-]*)?\b)"
)


@lru_cache(maxsize=1)
def _combining_re() -> re.Pattern[str]:
    """Combining forms of country names before a hyphen and a capital: "Sino" of "Sino-Australian"."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(fact_tables().combining))) + r")(?=-[A-Z])")


@dataclass(frozen=True)
class Description:
    """A description of an actor without its name: "the tough Russian leader", "his government"."""

    role: str | None  # normalised role, or None for "the Chinese government"
    country: str | None  # "C:ISO3" when the description names a country
    kind: str  # "person" or "country"
    when: str | None = None  # "former" ("the former prime minister"), "current", "future" ("the next president")
    possessor: str | None = None  # "m"/"f" for "his/her government": the country of that person
    form: str | None = None  # "government" (no country named), "kingdom", "island", …: a country found by kind;
    # "age" for a person described by age ("the 72-year-old"): the person just named; "plural" for "the two
    # countries", "both governments": the ``count`` countries just named
    count: int = 0
    org: str | None = None  # "Labour" of "the Labour leader": the organisation the person leads or speaks for


def norm_role(role: str) -> str:
    r = " ".join(role.lower().split())
    return ROLE_ALIASES.get(r, r)


def parse_modifiers(mods: str) -> tuple[bool, str | None]:
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
                cand = POSSESSIVE.sub("", cand)
                found = lookup(cand) if cand[:1].isupper() else None
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


def _org_modifier(mods: str) -> str | None:
    """ "Labour" of "the (former) Labour leader": capitalised words of a name, lower-case adjectives around them."""
    words = mods.split()
    caps = [w for w in words if w[:1].isupper()]
    rest = [w for w in words if not w[:1].isupper()]
    if not caps or not all(w.replace("-", "").isalpha() for w in rest):
        return None
    if not all(re.fullmatch(r"[A-Z][\w&.-]*", w) and w.lower() not in NOT_NAME for w in caps):
        return None
    return " ".join(caps)


def when_of(mods: str) -> str | None:
    words = set(mods.lower().replace("-", " ").split())
    if words & {"former", "then", "ex", "late", "previous", "erstwhile"}:
        return "former"
    if words & {"current", "new", "incumbent", "sitting", "present", "newly"}:
        return "current"
    if words & {"next", "future", "eventual"}:
        return "future"  # whoever holds the role later: nobody the article names yet
    return None


def parse_description(span: str) -> Description | None:
    span = span.translate(STRAIGHT_QUOTES)
    if _AGE_RE.fullmatch(span):
        held = _AGE_ROLE.search(span)  # "The 78-year-old prime minister": also a role
        return Description(norm_role(held.group(0)) if held else None, None, "person", form="age")
    m = _DESC_RE.fullmatch(span)
    if m:
        ok, country = parse_modifiers(m.group("mods"))
        role = norm_role(m.group("role"))
        if not ok:
            org = _org_modifier(m.group("mods"))
            if org is not None and role in ROLES and country is None:
                # "The Labour leader", "the Hamas spokesman": a person of an organisation
                return Description(role, None, "person", when_of(m.group("mods")), org=org)
            return None
        if role in COUNTRY_BODIES:
            if country:
                return Description(None, country, "country")
            # "the government" alone: the government of the country the story is set in
            return (
                Description(None, None, "country", form="government")
                if role in HOME_BODIES and not m.group("mods")
                else None
            )
        noun = " ".join(role.split())
        if noun in COUNTRY_NOUNS:
            if m.group("role")[:1].isupper():
                return None  # "the Czech Republic", "the United Kingdom": part of a name
            return Description(None, country, "country", form=None if country else COUNTRY_NOUNS[noun])
        return Description(role, country, "person", when_of(m.group("mods")))
    m = _PRONOUN_BODY_RE.fullmatch(span)
    if m:
        poss = m.group("poss").lower()
        if poss in ("their", "its"):
            if m.group("body").lower() not in HOME_BODIES:
                return None
            return Description(None, None, "country", form="government")
        return Description(None, None, "country", possessor="m" if poss == "his" else "f")
    m = _BODY_DESC_RE.fullmatch(span)
    if m:
        return Description(m.group("head").lower(), None, "organisation", form="body")
    m = _PLURAL_RE.fullmatch(span)
    if m:
        kind = "person" if m.group("people") else "country"
        return Description(None, None, kind, form="plural", count=_PLURAL_COUNTS[(m.group("n") or "both").lower()])
    m = _POSS_DESC_RE.fullmatch(span)
    if m:
        poss = m.group("poss")
        found = lookup(poss) if poss[:1].isupper() else None
        if poss[:1].isupper() and not (found and found[0].startswith("C:")):
            return None
        return Description(norm_role(m.group("role")), found[0] if found else None, "person")
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
    text = normalize(unit_text).translate(STRAIGHT_QUOTES)
    found: list[tuple[int, int, int]] = []  # (start, end, priority)
    pos = 0
    while (d := _DESC_RE.search(text, pos)) is not None:
        if parse_description(d.group(0)):
            found.append((d.start(), d.end(), 0))
            pos = d.end()
        else:  # "The opposition accused the government": look again inside the failed match
            pos = d.start() + 1
    for m in _POSS_DESC_RE.finditer(text):
        if parse_description(m.group(0)):
            found.append((m.start(), m.end(), 0))
    for m in _PRONOUN_BODY_RE.finditer(text):
        if parse_description(m.group(0)):
            found.append((m.start(), m.end(), 0))
    for m in _AGE_RE.finditer(text):
        found.append((m.start(), m.end(), 0))
    for m in _PLURAL_RE.finditer(text):
        found.append((m.start(), m.end(), 0))
    for m in _BODY_DESC_RE.finditer(text):
        found.append((m.start(), m.end(), 0))
    for m in fact_tables().surface_re.finditer(text):
        if not _PLACE_SUFFIX.match(text, m.end()):  # not "Beijing" of "a Beijing-based analyst"
            found.append((m.start(), m.end(), 1))
    for m in _combining_re().finditer(text):  # "Sino" of "Sino-Australian": the tagger rarely marks it
        found.append((m.start(), m.end(), 1))
    for m in _TITLED_NAME.finditer(text):  # "President Biden": a name the tagger may miss
        found.append((m.start("name"), m.end("name"), 3))
    for m in UNDER_NAME.finditer(text):  # "Under Trudeau, …"
        found.append((m.start("name"), m.end("name"), 3))
    for m in _PARTY_RE.finditer(text):  # "Democratic" of "several Democratic senators"
        if PEOPLE_AFTER.match(text[m.end() : m.end() + 40]):
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


TAG_TYPES = {"person": "person", "per": "person", "organisation": "organisation", "organization": "organisation",
              "org": "organisation", "location": "location", "loc": "location", "group": "group", "grp": "group",
              "country": "country"}  # fmt: skip


def split_title(core: str) -> tuple[str, str | None, str | None, str | None]:
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
                cand = POSSESSIVE.sub("", " ".join(words[i : i + n]))
                found = lookup(cand) if cand[:1].isupper() else None
                if found and found[0].startswith("C:"):
                    hit = (n, found[0])
                    break
        if hit:
            country, i = hit[1], i + hit[0]
            continue
        for n in (3, 2, 1):
            if i + n < len(words):
                cand = " ".join(words[i : i + n]).lower().rstrip(".").replace("then-", "")
                if cand in TITLES:
                    if cand in ROLES or cand in ROLE_ALIASES:
                        role = norm_role(cand)
                    gender = gender or TITLES[cand]
                    i += n
                    break
        else:
            break
    return " ".join(words[i:]), role, country, gender


# A person's name up to a quoted nickname: 'Jimmy "Barbecue" ' of 'Jimmy "Barbecue" Chérizier'.
_NICKNAME_GAP = re.compile(r"[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*\s+\"[A-Z][^\"]{0,24}\"\s+")
# The nickname inside a name: 'Jimmy "Barbecue" Chérizier' is Jimmy Chérizier.
_INNER_NICKNAME = re.compile(r"(?<=\w)\s+[\"\u201c][A-Z][^\"\u201d]{0,24}[\"\u201d]\s+(?=[A-Z])")


def name_core(text: str) -> str:
    core = _INNER_NICKNAME.sub(" ", text.strip()).strip("\"'()[],;:").strip()
    core = POSSESSIVE.sub("", core).strip()
    if core.lower().startswith("the "):
        core = core[4:].strip()
    return core


_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def name_tokens(name: str) -> list[str]:
    """Lower-cased name words without generational suffixes ("Ferdinand Marcos Jr." → ferdinand, marcos)."""
    words = [w.strip(".,").casefold() for w in name.split() if w.strip(".,")]
    while len(words) > 1 and words[-1] in _NAME_SUFFIXES:
        words.pop()
    return words


def initials(name: str) -> str:
    stop = {"of", "the", "and", "for", "on", "in", "de", "du", "des", "la", "le"}
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w.lower() not in stop).upper()


class MentionCollector(ArticleState):
    """Step 1: read the engine's mentions and reference spans of every unit into :class:`MentionDraft`s."""

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
            tagged: list[MentionDraft] = []
            for mp in getattr(pred, "mentions", ()) or ():
                m = self._make(ui, s, e, mp, None)
                if m is not None:
                    tagged.append(m)
            extras: list[MentionDraft] = []
            pairs = zip(getattr(unit, "extra_spans", ()) or (), getattr(pred, "extra", ()) or (), strict=False)
            for span, mp in pairs:  # a length mismatch scores only the pairs there are
                m = self._make(ui, s, e, mp, span)
                if m is not None:
                    extras.append(m)
            self.mentions.extend(self._merge(self._join_fragments(tagged), extras))
        full_names = self._full_names_by_surname()
        self._propagate_names(full_names)
        self._split_person_compounds(full_names)
        self._families()
        self.mentions.sort(key=lambda m: (m.start, m.end))
        self.in_unit: dict[int, list[MentionDraft]] = {}
        for m in self.mentions:
            self.in_unit.setdefault(m.unit, []).append(m)

    def _full_names_by_surname(self) -> dict[str, set[str]]:
        """Surname -> the people's full names (two words or more) the tagger found that end in it."""
        out: dict[str, set[str]] = {}
        for m in self.mentions:
            words = POSSESSIVE.sub("", m.text).split()
            if m.kind == "name" and m.tag == "person" and len(words) >= 2:
                out.setdefault(words[-1], set()).add(" ".join(words))
        return out

    def _split_person_compounds(self, owners: dict[str, set[str]]) -> None:
        """ "the Arévalo-Porras standoff", "a Babiš-Fico bloc", "Museveni-era tactics": the people in it.

        A hyphenated name whose capitalised parts are each the surname of one person the article
        names in full (and whose other parts are words like "era", "led") is those people. Double
        surnames and given names stay whole ("Grande-Marlaska", "Jens-Frederik Nielsen", "Jae-myung"),
        because no person of the article is called by their parts alone.
        """
        out: list[MentionDraft] = []
        for m in self.mentions:
            parts = m.text.split("-")
            if m.kind != "name" or len(parts) < 2 or " " in m.text:
                out.append(m)
                continue
            names = [p for p in parts if p[:1].isupper()]
            rest = [p for p in parts if not p[:1].isupper()]
            if not names or any(len(owners.get(p, ())) != 1 for p in names) or any(
                p.lower() not in _PERSON_COMPOUND_WORDS for p in rest
            ):
                out.append(m)
                continue
            pos = m.start
            for part in parts:
                if part in names:
                    out.append(MentionDraft(m.unit, pos, pos + len(part), "name", "person", m.scores, part, True))
                pos += len(part) + 1
        self.mentions = out

    def _families(self) -> None:
        """ "the Rajapaksa family", "the Barzani clan": a group of people, not the person of that surname."""
        for m in self.mentions:
            if m.kind != "name" or m.tag == "location":
                continue
            family = _FAMILY_AFTER.match(self.norm, m.end, self.bounds[m.unit][1])
            if family is not None:
                m.end, m.tag = family.end(), "group"
                m.text = self.norm[m.start : m.end]

    def _propagate_names(self, full_names: dict[str, set[str]]) -> None:
        """Find again, in every unit the model read, the names the tagger found somewhere in the article.

        An uncased tagger misses a name in some sentences and finds it in others ("The economy
        offers Saied no cover" after "President Kais Saied"): within one article a name means the
        same thing everywhere. A name found once is a mention wherever it recurs as a whole word,
        and a person's surname is a mention of that person, unless another person of the article
        shares it. A lone capitalised word propagates only when it is such a surname, an acronym or
        a country or organisation the fact tables know, so that a sentence-initial common word
        ("Labour", "Will") the tagger once called a name does not spread.
        """
        names: dict[str, str] = {}  # surface -> tag
        for m in self.mentions:
            if m.kind != "name" or not m.from_tagger or m.tag == "other":
                continue
            text = POSSESSIVE.sub("", m.text).strip()
            if len(text.split()) >= 2 or text.isupper() or lookup(name_core(text)) is not None:
                names.setdefault(text, m.tag)
        common = NOT_NAME | FUNCTION_WORDS | TITLE_WORDS
        for last, full in full_names.items():
            if len(full) == 1 and len(last) >= 3 and last[:1].isupper() and last.lower() not in common:
                names.setdefault(last, "person")
        names = {n: t for n, t in names.items() if len(n) >= 2 and n[:1].isupper()}
        if not names:
            return
        read = [ui for ui, (s, e) in enumerate(self.bounds) if e > s and getattr(self.units[ui], "prediction", None)]
        starts = [self.bounds[ui][0] for ui in read]  # units are in text order
        taken = bytearray(len(self.norm) + 1)  # characters some mention already covers
        for m in self.mentions:
            taken[m.start : m.end] = b"\x01" * (m.end - m.start)
        added: list[MentionDraft] = []
        for name in sorted(names, key=len, reverse=True):  # longer names first: "Kais Saied" before "Saied"
            at = self.norm.find(name)
            while at >= 0:
                a, b = at, at + len(name)
                at = self.norm.find(name, at + 1)
                before, after = self.norm[a - 1 : a], self.norm[b : b + 1]
                if (before and (before.isalnum() or before in "'-_")) or (after and (after.isalnum() or after in "-_")):
                    continue  # not a whole word: "Saiedi", "anti-Saied"
                k = bisect.bisect_right(starts, a) - 1
                if k < 0 or b > self.bounds[read[k]][1] or any(taken[a:b]):
                    continue  # outside the units the model read, or part of a mention already there
                taken[a:b] = b"\x01" * (b - a)
                added.append(MentionDraft(read[k], a, b, "name", names[name], (0.0, 0.0, 1.0), name, True))
        self.mentions.extend(added)

    def _make(self, ui: int, us: int, ue: int, mp: Any, span: Any) -> MentionDraft | None:
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
        scores = clean_scores(getattr(mp, "stance_scores", None))
        if span is None:
            tag = TAG_TYPES.get(str(getattr(mp, "type", "other")).lower(), "other")
            return MentionDraft(ui, a, b, "name", tag, scores, txt, True)
        titled = _TITLED_NAME.search(self.norm, max(us, a - 40), b)
        if titled and titled.span("name") == (a, b) and lookup(name_core(txt)) is None:
            # "President Biden" the tagger missed: a capitalised word after a title is a person's name
            return MentionDraft(ui, a, b, "name", "person", scores, txt, True)
        if (a, b) in under_names(self.norm, us, ue) and lookup(name_core(txt)) is None:
            return MentionDraft(ui, a, b, "name", "person", scores, txt, True)  # "Under Trudeau, …"
        if txt.lower() in PRONOUNS:
            return MentionDraft(ui, a, b, "pronoun", "other", scores, txt, False)
        desc = parse_description(txt)
        if desc is not None:
            return MentionDraft(ui, a, b, "description", desc.kind, scores, txt, False, desc=desc)
        return MentionDraft(ui, a, b, "name", "other", scores, txt, False)

    def _join_fragments(self, tagged: list[MentionDraft]) -> list[MentionDraft]:
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
            body = _COUNTRY_BODY_NAME.match(self.norm, m.end, out[i + 1].start if i + 1 < len(out) else ue)
            found = lookup(name_core(m.text)) if body else None
            if body and found is not None and found[0].startswith("C:"):
                # "China's Foreign Ministry", "Ukraine's Ministry of Infrastructure": a body of its own
                m.end, m.tag, m.text = body.end(), "organisation", self.norm[m.start : body.end()]
        absorbed: set[int] = set()
        for i in range(len(out) - 1):
            m, k = out[i], out[i + 1]
            found = lookup(name_core(m.text))
            if (
                found is not None
                and found[0].startswith("C:")
                and k.tag == "organisation"
                and _COUNTRY_BODY_NAME.fullmatch(self.norm, m.end, k.end)
            ):
                # "Ukraine's" + "Ministry of Infrastructure" tagged apart: one body of the country
                m.end, m.tag, m.text = k.end, "organisation", self.norm[m.start : k.end]
                absorbed.add(i + 1)
        out = [m for i, m in enumerate(out) if i not in absorbed]
        joined: list[MentionDraft] = []
        for m in out:
            prev = joined[-1] if joined else None
            gap = self.norm[prev.end : m.start] if prev is not None and prev.end <= m.start else None
            if prev is not None and _PREFIXED.search(self.norm[max(us, prev.start - 8) : prev.start]):
                gap = None  # "Post-Brexit" + "Britain": the compound qualifies the name, it is not part of it
            connector = (
                gap is not None
                and "organisation" in (prev.tag if prev else "", m.tag)
                and "person" not in (prev.tag if prev else "", m.tag)  # "Márcio Astrini of the Climate Observatory"
                and bool(re.fullmatch(r" (?:of|for|de)(?: the)? ", gap))
            )
            peoples = (  # "People" + "'s" + "Justice Party": one name, tagged in two pieces
                gap in ("'s ", "' ")
                and prev is not None
                and prev.tag in ("organisation", "group")
                and m.tag in ("organisation", "group")
                and _PEOPLES.search(prev.text) is not None
            )
            nickname = (  # 'Jimmy "Barbecue' + '" ' + 'Chérizier', or 'Jimmy' + ' "Barbecue" ' + 'Chérizier'
                gap is not None
                and prev is not None
                and prev.tag == "person"
                and m.tag == "person"
                and _NICKNAME_GAP.fullmatch(self.norm[prev.start : m.start]) is not None
            )
            glued = gap in ("", " ", "-", ".") or connector or peoples or nickname
            if prev is not None and gap is not None and glued:
                n = len(prev.scores)
                total = (prev.end - prev.start) + (m.end - m.start)
                w1, w2 = (prev.end - prev.start) / total, (m.end - m.start) / total
                scores = tuple(w1 * prev.scores[k] + w2 * m.scores[k] for k in range(n))
                tag = m.tag if m.tag == "person" or "organisation" not in (prev.tag, m.tag) else "organisation"
                joined[-1] = MentionDraft(
                    prev.unit, prev.start, m.end, "name", tag, clean_scores(scores),
                    self.norm[prev.start : m.end], True,
                )  # fmt: skip
                continue
            joined.append(m)
        for m in joined:  # a lower-case piece joined at a space: "war" + "Japanese" (of "post-war Japanese")
            lead = re.match(r"(?:[a-z][\w'-]*\s+)+(?=[A-Z])", m.text)
            if lead:
                m.start += lead.end()
                m.text = self.norm[m.start : m.end]
        parts = [p for m in joined for q in self._split_at_common_words(m) for p in self._split_compound(q)]
        return [m for m in parts if m.end > m.start and any(c.isupper() for c in m.text)]

    def _split_at_common_words(self, m: MentionDraft) -> list[MentionDraft]:
        """A span with a lower-case word inside that no name has ("Washington trust Mexico" of "make
        Washington trust Mexico's new courts") is names on either side of a verb, not one name.
        Connecting words of names ("Bank of England", "Alliance for the Union", "Trinidad and
        Tobago", "Casa de Nariño") keep it whole; so does a person's name ("bin Salman")."""
        if m.tag == "person" or " " not in m.text:
            return [m]
        spans: list[tuple[int, int]] = []
        start = m.start
        for word in re.finditer(r"\S+", m.text):
            if word.group()[:1].islower() and word.group().lower() not in NAME_CONNECTORS:
                spans.append((start, m.start + word.start()))
                start = m.start + word.end()
        if not spans:
            return [m]
        spans.append((start, m.end))
        pieces = []
        for a, b in spans:
            text = self.norm[a:b]
            a, b = a + len(text) - len(text.lstrip()), b - (len(text) - len(text.rstrip()))
            if b > a:
                pieces.append(MentionDraft(m.unit, a, b, "name", m.tag, m.scores, self.norm[a:b], m.from_tagger))
        return pieces

    def _split_compound(self, m: MentionDraft) -> list[MentionDraft]:
        """A hyphenated compound yields the actors inside it, not an actor of its own.

        "U.S.-led" → "U.S."; "Japan-Russia", "U.S.-Japan-South Korea" → each country;
        "Sino-Japanese" → "Sino" (China) and "Japanese"; "post-Brexit" → "Brexit". A name that is
        hyphenated as a whole ("Guinea-Bissau", "Park Geun-hye", "Al-Shabaab") stays one mention.
        """
        text = m.text
        if "-" not in text or m.tag == "person" or lookup(name_core(text)) is not None:
            return [m]
        led = _LED_BEFORE_NAME.match(text)
        if led is not None and lookup_part(led.group("c")) is not None:
            # "Russian-led Collective Security Treaty Organization": the compound, then the name it qualifies
            h_end = m.start + len(text[: led.start("rest")].rstrip())
            r_start = m.start + led.start("rest")
            head_text, rest_text = self.norm[m.start : h_end], self.norm[r_start : m.end]
            head = MentionDraft(m.unit, m.start, h_end, "name", m.tag, m.scores, head_text, m.from_tagger)
            rest = MentionDraft(m.unit, r_start, m.end, "name", m.tag, m.scores, rest_text, m.from_tagger)
            return [*self._split_compound(head), rest]
        if led is not None and re.fullmatch(r"[A-Z][\w.']*", led.group("c")):
            # "A Kickl-led Austria", "a Morena-dominated Congress": whoever leads, and the name led
            c_end = m.start + len(led.group("c"))
            r_start = m.start + led.start("rest")
            tag = m.tag if m.tag in ("person", "organisation") else "organisation"
            lead_text, rest_text = self.norm[m.start : c_end], self.norm[r_start : m.end]
            lead = MentionDraft(m.unit, m.start, c_end, "name", tag, m.scores, lead_text, m.from_tagger)
            rest = MentionDraft(m.unit, r_start, m.end, "name", m.tag, m.scores, rest_text, m.from_tagger)
            return [lead, rest]
        if _PLACE_COMPOUND.search(text):
            return []  # "a Beijing-based analyst", "the U.S.-born envoy": where someone is, not an actor
        pieces: list[tuple[int, int]] = []
        pos = m.start
        for part in text.split("-"):
            pieces.append((pos, pos + len(part)))
            pos += len(part) + 1
        known = [(a, b) for a, b in pieces if b > a and lookup_part(self.norm[a:b]) is not None]
        if known and any((a, b) not in known and not self.norm[a:b].islower() for a, b in pieces):
            return [m]  # "NATO-Ukraine Council", "Asia-Pacific Economic Cooperation": one name
        if not known:
            # "post-Brexit", "anti-French": the prefix only qualifies the name after it
            first = self.norm[pieces[0][0] : pieces[0][1]].lower()
            if first in COMPOUND_PREFIXES and len(pieces) > 1:
                a = pieces[1][0]
                return [MentionDraft(m.unit, a, m.end, "name", m.tag, m.scores, self.norm[a : m.end], m.from_tagger)]
            return [m]
        out = []
        for a, b in known:
            tag = "organisation" if (lookup_part(self.norm[a:b]) or ("", ""))[0].startswith("O:") else "location"
            out.append(MentionDraft(m.unit, a, b, "name", tag, m.scores, self.norm[a:b], m.from_tagger))
        return out

    def _complete(self, m: MentionDraft, bounds: tuple[int, int]) -> None:
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
        while True:  # leading capitalised function words: "Although Japan" → "Japan", "Under Putin" → "Putin"
            lead = re.match(r"([A-Z][\w']*)\s+(?=\S)", self.norm[m.start : m.end])
            if not lead or lead.group(1).lower() not in FUNCTION_WORDS:
                break
            m.start += lead.end()
        while True:  # trailing lower-case words: "Bank of" → "Bank" (re-grown below if a name follows)
            tail = re.search(r"\s+[a-z][\w'-]*$", self.norm[m.start : m.end])
            if not tail or tail.start() == 0:
                break
            m.end = m.start + tail.start()
        while True:
            right = CAP_RIGHT.match(self.norm, m.end, ue)
            if right is None and m.tag == "organisation":
                right = CONNECTOR_RIGHT.match(self.norm, m.end, ue)
            if right is None and m.tag in ("organisation", "group") and _PEOPLES.search(self.norm, m.start, m.end):
                right = _PEOPLES_RIGHT.match(self.norm, m.end, ue)  # "People" + "'s Power", "Workers" + "' Party"
            if right is None and m.tag == "person":
                right = PARTICLE_RIGHT.match(self.norm, m.end, ue)
            if right is None:
                break
            word = right.group("w").rstrip(".")
            # "National Unity" + "Government": a body's own name may end in it, a person's title may not
            if word.lower() in NOT_NAME | TITLE_WORDS | FUNCTION_WORDS and not (
                m.tag == "organisation" and word == "Government"
            ):
                break
            m.end = right.end()
        while True:
            left = CAP_LEFT.search(self.norm, us, m.start)
            if left is None and m.tag in ("organisation", "group"):
                left = CONNECTOR_LEFT.search(self.norm, us, m.start)  # "Alliance for the" + "Union of Romanians"
            # Title words stop a person's name ("President Biden"), not a body's ("National People's Power")
            stop = NOT_NAME | FUNCTION_WORDS | (TITLE_WORDS if m.tag == "person" else _TITLES_BEFORE_BODY)
            if left is None or left.group("w").rstrip(".").lower() in stop:
                break
            plural_possessive = m.tag == "organisation" and (
                left.group("w").endswith("s'") or _PEOPLES.search(POSSESSIVE.sub("", left.group("w")))
            )
            if "'" in left.group("w") and not plural_possessive:
                # "Italy's": a possessive qualifies the name, it is not part of it ("Workers' Party",
                # "People's Justice Party" are)
                break
            if left.group("w").split("-")[0].lower() in COMPOUND_PREFIXES and "-" in left.group("w"):
                break  # "Post-Brexit Britain", "Anti-Western Russia": the compound qualifies the name
            known = lookup(POSSESSIVE.sub("", left.group("w")))
            if (
                m.tag == "location"
                and known is not None
                and known[0].startswith("C:")
                and m.text.split()[-1].lower() not in PLACE_HEADS
            ):
                break  # "the Brazilian Amazon": the country and a place in it, not one name ("Indian Ocean" is)
            m.start = left.start()
        placed = _IN_BEFORE_ACRONYM.match(self.norm, m.end, self.bounds[m.unit][1]) if m.tag == "organisation" else None
        if placed is not None and initials(self.norm[m.start : placed.end()]) == placed.group("acr").replace(".", ""):
            m.end = placed.end()  # "United Nations Assistance Mission" + " in Afghanistan (UNAMA)": one name
        if self.norm[m.end : m.end + 1] == "." and m.end < ue and _ABBREVIATED.search(self.norm, m.start, m.end):
            m.end += 1  # "Ferdinand Marcos Jr.", "Acme Inc.": the full stop belongs to the abbreviation
        m.text = self.norm[m.start : m.end]

    @staticmethod
    def _merge(tagged: list[MentionDraft], extras: list[MentionDraft]) -> list[MentionDraft]:
        tagged.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[MentionDraft] = []
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
