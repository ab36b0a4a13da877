"""Resolution: mentions cluster into actors (names, countries, organisations) and references
(descriptions, pronouns) join the actor they refer to."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence

from stancekit.actors.attribution import Attribution
from stancekit.actors.facts import fact_tables, fold, is_code, lookup, nationality
from stancekit.actors.grammar import (
    ACTING_NEXT,
    COUNTRY_BODIES,
    COUNTRY_QUALIFIERS,
    DATELINE,
    DOMAIN_AFTER,
    EVENT_HEADS,
    EVENT_NAMES,
    GENERIC_ROLES,
    HEAD_ROLES,
    IDEOLOGY_HEADS,
    LANGUAGE_BEFORE,
    LOCATIVE,
    LOCATIVE_ADJ,
    LOCATIVE_CITY,
    OCCUPATION_AFTER,
    PARTY_ADJECTIVES,
    PEOPLE_AFTER,
    PEOPLE_IN,
    PLACE_HEADS,
    POSSESSIVE,
    PRONOUNS,
    REGION_HEADS,
    REGION_NAMES,
    REGION_QUALIFIERS,
    RELATIONAL_BEFORE,
    ROLE_ALIASES,
    ROLE_PATTERN,
    ROLES,
    TITLES,
)  # fmt: skip
from stancekit.actors.references import (
    MentionCollector,
    initials,
    name_core,
    name_tokens,
    norm_role,
    parse_modifiers,
    split_title,
    under_names,
    when_of,
)  # fmt: skip
from stancekit.actors.state import ActorDraft, ArticleState, MentionDraft, Resolution, UnitInput
from stancekit.actors.summary import Summary

# "Shinzo Abe was the longest-serving prime minister in Japan's history": a role by copula.
_COPULA_ROLE = re.compile(
    rf"^(?:\s+(?:on|in|last|this|since)\s+\w+,?)?"  # "Albanese on Saturday became …"
    rf"\s+(?P<verb>is|was|has\s+been|had\s+been|became|becomes|remains|remained|served\s+as|serves\s+as)\s+"
    rf"(?:the|a|an)?\s*(?P<mods>(?:[\w.'-]+\s+){{0,3}}?)(?P<role>{ROLE_PATTERN})\b"
    rf"(?:\s+(?:of|in|for)\s+(?P<c>(?-i:[A-Z][\w.']*(?:\s+[A-Z][\w.']*){{0,2}})))?",
    re.I,
)
# "elected army commander Joseph Aoun as president", "sworn in Monday as prime minister": a role the person
# takes, besides the title before the name.
_AS_ROLE = re.compile(
    rf"^(?:\s+(?:on|in|last|this)\s+\w+)?\s+as\s+(?:the\s+)?(?:country's\s+|nation's\s+|new\s+)?(?P<role>{ROLE_PATTERN})\b"
    rf"(?!\s+(?:of|for)\s+(?-i:[A-Z]))",
    re.I,
)
# "Nicușor Dan, the mayor of Bucharest, won Romania's presidential run-off": the office the person won.
_WON_OFFICE = re.compile(
    r"^(?:\s*,[^,;]{1,90},)?\s+(?:has\s+|had\s+)?(?:won|wins|clinched|secured)\s+(?:the\s+|[A-Z][\w.]*(?:'s|')\s+)?"
    r"(?P<office>presidential|presidency|premiership|prime\s+ministership)\b"
)
_OFFICE_ROLE = {"presidential": "president", "presidency": "president", "premiership": "prime minister"}
# Between the names of a list: "Mali, Burkina Faso and Niger", "Japan and Russia".
_LIST_GAP = re.compile(r"\s*(?:,|,?\s+and|,?\s+or|\s+and\s+the|,\s+the)\s*(?:the\s+)?")
# How far back "both leaders" looks for the people named together.
_PAIR_UNITS = 20
# Between the people of a list: "Japarov and his Tajik counterpart Emomali Rahmon", "Arce and Morales".
_PEOPLE_LIST_GAP = re.compile(
    r"\s*(?:,|,?\s+and)\s+(?:(?:his|her|their)\s+(?:[A-Z][\w-]*\s+)?(?:counterpart|rival|predecessor),?\s+)?"
)
# A possessive before a person related to the possessor: the claim is about that other person.
_RELATION_AFTER = re.compile(
    r"\s+(?:[A-Z][\w-]*\s+|[a-z][\w-]*\s+)?(?:counterpart|rival|successor|predecessor|opponent|challenger|deputy|"
    r"spokes(?:man|woman|person)|aide|wife|husband|son|daughter|brother|sister|envoy)s?\b"
)
_ROLE_AFTER = re.compile(rf"^\s+(?i:then-|former\s+|acting\s+)?(?i:{ROLE_PATTERN})\b")
# A title right before a name: "(former) President ", "Mr. ", "Prime Minister ".
_TITLE_TAIL = re.compile(
    rf"(?P<past>then-|former\s+)?(?:acting\s+)?(?P<role>(?i:{ROLE_PATTERN})|Mr\.?|Mrs\.?|Ms\.?|Sir|Dr\.?|Gen\.?|Sen\.?|PM)"
    rf"\s*,?\s*$"
)
# "Russian President Vladimir Putin", "Japan's Prime Minister Abe" anywhere in the text (captions too).
_TEXT_TITLE = re.compile(
    rf"(?:'s)?\s+(?P<past>then-|former\s+)?(?P<role>(?i:{ROLE_PATTERN}))\s+"
    rf"(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){{0,3}})"
)
# "the Taliban administration in Kabul", "the junta in Naypyidaw": a government named with its seat.
_RULERS_IN = re.compile(rf"\b(?:{'|'.join(COUNTRY_BODIES)}|junta|rulers|government-in-exile)\s+in\s+$", re.I)
# "the Lithuanian capital", "Japanese waters": a demonym naming a place.
_PLACE_AFTER = re.compile(
    r"^\s+(?:capital|city|border|coast(?!\s+guard)|waters|territory|soil|airspace|island|islands|port|"
    # "in American history", "Japanese culture": the country's past or ways, not the country acting
    r"history|culture|cuisine|literature|folklore|language|countryside|heartland|mainland)\b",
    re.I,
)
# A demonym, then the words for a person's occupation, then their name: "the Australian writer Yang Hengjun",
# "American journalist Evan Gershkovich" (the nationality describes the person).
_OCCUPATION_BEFORE_NAME = re.compile(r"^\s+(?:[a-z][\w-]*\s+){1,2}(?=[A-Z])")
# A model or weapon designation the tables do not know: "F-16", "S-400", "Su-35", "MQ-9".
_DESIGNATION = re.compile(r"[A-Z][A-Za-z]{0,2}-\d+[A-Z]?")
# After a country word: "('s) (then-)Prime Minister Shinzo" — a title before a capitalised name.
_TITLE_AFTER = re.compile(
    rf"^(?:'s)?\s+(?:(?:ministry|party|office|department|agency)\s+)?(?i:then-|former\s+|acting\s+)?"
    rf"(?i:{ROLE_PATTERN})\s+(?:[A-Z]|of\s+[A-Z])"
)


# A name inside a prepositional phrase or brackets: "analysts at the X", "ministers of Australia, Japan and X", "(X".
_PREPOSITIONS = (
    "at|of|in|on|from|with|for|to|by|about|against|between|among|into|onto|over|under|near|toward|towards|across|"
    "through|within|without|behind|beyond|during|like|than|via|per|amid|inside|outside|aboard"
)
_EMBEDDED = re.compile(
    rf"(?:\b(?i:{_PREPOSITIONS})\s+(?:the\s+)?"
    r"(?:[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*;\s*)(?:and\s+)?(?:the\s+)?)*"
    r"|\(\s*)$"
)
# A capital's possessive before a common noun that is not a part or a feature of the city:
# "Moscow's moods", "Beijing's loans" (the government's), not "Moscow's streets".
_GOVERNMENT_POSSESSES = re.compile(
    r"'s\s+(?!(?:streets?|suburbs?|outskirts|cent(?:re|er)|downtown|airports?|districts?|neighbou?rhoods?|"
    r"hospitals?|mayor|residents|skyline|metro|subway|squares?|parks?|old|historic|university|universities|"
    r"port|harbou?r|markets?|cafés?|cafes?|restaurants?|traffic|air|weather|population|people|citizens)\b)[a-z]"
)
# A leader's name before "administration": "the Trump administration" is the United States.
_ADMINISTRATION_AFTER = re.compile(r"\s+administration\b")
# Bodies that act for their possessor: "China's coast guard said …; it said …" is China.
_BODY_AFTER = re.compile(
    r"^\s+(?:(?:foreign|defen[cs]e|state|military|central)\s+)?(?:government|administration|regime|authorities|"
    r"leadership|cabinet|coast\s+guard|military|army|navy|air\s+force|ministry|embassy|parliament|officials|diplomats|"
    r"leaders|media|forces|troops|delegation|negotiators|police|security\s+services)\b",
    re.I,
)
# A unit that opens with a common-noun subject and its verb (or a dash): "The joint statement called …",
# "The ministers — …"; a later "It"/"They" refers to that noun phrase, not to a name before it.
_COMMON_SUBJECT = re.compile(
    r"^[\"'(]*(?:The|These|Those|This|That|Its|Their|His|Her)\s+(?:[a-z][\w-]*\s+){0,3}?[a-z][\w-]*"
    r"(?=\s*[—–]|\s+(?:[a-z]+ly\s+)?(?:is|was|are|were|has|have|had|will|would|can|could|may|might|must|should|"
    r"did|does|do|[a-z]+ed|[a-z]+[^s\W]s)\b)"
)

# Head words of bodies that the tagger may call places: "the Black Sea Fleet", "the Chinese Embassy".
_BODY_HEADS = {"Fleet", "Embassy", "Navy", "Army", "Ministry", "Command", "Corps", "Forces", "Police", "Guard"}
# A name before a lower-case word for an agreement or a meeting qualifies it: "the AUKUS pact", "the Minsk format".
_AGREEMENT_AFTER = re.compile(
    r"^\s+(?:pact|accord|accords|agreement|deal|treaty|framework|format|protocol|initiative|plan|programme|program|"
    r"process|talks|summit|forum)\b"
)
# A word for a person right after a name: "a Hamas official", "an IAEA inspector".
_PERSON_NOUN_AFTER = re.compile(
    r"^\s+(?:[a-z][\w-]*\s+)?(?:official|spokes(?:man|woman|person)|leader|member|commander|fighter|source|diplomat|"
    r"negotiator|minister|lawmaker|senator|analyst|executive|aide|adviser|advisor|envoy|inspector|officer|soldier|"
    r"delegate|representative|activist|supporter|voter|worker|employee|reporter|correspondent|journalist|"
    # and what a party or government forms: "a Labour government", "a Likud majority"
    r"government|administration|majority|coalition|cabinet)s?\b"
)
# What may stand before a pronoun that opens a unit: quotes, brackets, "and", an enumeration marker ("(b)").
_UNIT_OPENING = re.compile(r"[\s\"'(\[]*(?:(?:and|or|but)\s+)?(?:\(?[a-zA-Z0-9]{1,3}[).]\s*)?[\s\"'(\[]*")
# Enumeration markers: "(a) India is …; (b) its economy …".
_ENUMERATION = re.compile(r"[\s\"'(\[]*(?:(?:and|or)\s+)?\(?[a-z0-9]{1,3}\)\s")
_ENUMERATION_MARK = re.compile(r"\([a-z0-9]{1,3}\)\s")
# Head words of names of bodies of people.
_GROUP_HEADS = {
    "group", "alliance", "coalition", "union", "bloc", "party", "council", "forum", "movement", "front", "brigade",
    "brigades", "army", "league", "committee", "caucus", "association", "network", "organisation", "organization",
    "federation", "assembly", "congress", "parliament", "junta", "militia", "guard", "taliban", "hamas", "hezbollah",
    "fleet", "navy", "embassy", "ministry", "police", "command", "corps", "forces", "family", "clan", "dynasty",
}  # fmt: skip
# An adjective-shaped word the tables do not know ("Asian", "Siberian", "Republican", "Islamic").
_ADJECTIVE = re.compile(r"[A-Z][a-z]+(?:ian|ese|ish|ic|can|ean)")
# "Under Putin, Russia …", "Russia under Putin": a person who leads a country.
_UNDER = re.compile(
    r"\b[Uu]nder\s+(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,2}),\s+(?P<country>[A-Z][\w.]+(?:\s+[A-Z][\w.]+)?)"
    r"|(?P<country2>[A-Z][\w.]+(?:\s+[A-Z][\w.]+)?)\s+under\s+(?P<name2>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,2})"
)


def _country_or_org(core: str) -> tuple[str, str] | None:
    """:func:`lookup`, and a country behind a qualifier: "Communist China" → China."""
    found = lookup(core)
    if found is not None:
        return found
    if core in fact_tables().combining:  # "Sino" of a split "Sino-Japanese"
        return fact_tables().combining[core], "name"
    words = core.split()
    if len(words) > 1 and words[0].lower() in COUNTRY_QUALIFIERS:
        rest = lookup(" ".join(words[1:]))
        if rest is not None and rest[0].startswith("C:") and rest[1] == "name":
            return rest
    return None


def _is_region(core: str) -> bool:
    """A part of the world that is not a state: "Central Asia", "Francophone Africa", "the Middle East"."""
    words = core.split()
    bare = " ".join(words[1:] if words and words[0].lower() == "the" else words).lower()
    if bare in REGION_NAMES:
        return True
    return len(words) >= 2 and words[-1].lower() in REGION_HEADS and words[0][:1].isupper()


def _is_event_or_idea(core: str) -> bool:
    """Events, wars, agreements, eras and ideologies: "World War II", "the Cold War", "Brexit", "Peronism"."""
    words = [w for w in core.split() if not re.fullmatch(r"[IVX]+|\d+", w)]
    if not words:
        return False
    # The head of "Treaty of Versailles", "Joint Comprehensive Plan of Action" is before the "of".
    before_of = core.split(" of ")[0].split()
    head = words[-1].lower()
    if len(before_of) < len(words) and before_of and before_of[-1].lower() in EVENT_HEADS:
        return True
    return head in EVENT_HEADS or core.lower() in EVENT_NAMES or (head.endswith("ism") and len(head) > 5)


class NameClusterer(ArticleState):
    """Step 2: names become actors; places that are settings and words that only qualify a name drop out."""

    def cluster_names(self) -> None:
        names = [m for m in self.mentions if m.kind == "name"]
        persons: list[int] = []
        surnames, full_surnames, org_names = self._names_by_tag(names)
        person_initials = {initials(name_core(m.text)) for m in names if m.tag == "person" and " " in m.text.strip()}
        for m in names:
            core = name_core(m.text)
            m.core = core
            if not core or not any(c.isalpha() for c in core):
                m.dropped = True
                continue
            if m.tag != "person" and _country_or_org(core) is None:
                # The tagger types one name differently across the article ("Joseph Aoun" … "Aoun"
                # as an organisation, "Hezbollah" … "Hezbollah" as a place): the article's other
                # mentions decide.
                toks = name_tokens(core)
                if (len(toks) == 1 and toks[0] in surnames) or (m.start, m.end) in under_names(
                    self.norm, *self.bounds[m.unit]
                ):
                    m.tag = "person"  # … or "Under Prabowo, Indonesia …" with the name tagged as a place
                elif m.tag in ("location", "group", "other") and fold(core) in org_names:
                    m.tag = "organisation"
            pre = self.norm[self.bounds[m.unit][0] : m.start]
            if m.tag == "person" and is_code(core) and len(core) >= 3 and core not in person_initials:
                m.tag = "organisation"  # "UMNO", "DAP" the tagger called people ("AMLO" stays, if he is named)
            if m.tag == "person" and core.split()[-1].lower() in PLACE_HEADS:
                m.tag = "location"  # "Second Thomas Shoal", "Hainan Island": a place the tagger called a person
            elif m.tag == "person" and self._place_called_person(m, core, full_surnames):
                m.tag = "location"  # "most of them from Puno and Ayacucho"
            if m.tag == "person" and len(core.split()) > 1 and core.split()[-1].lower() in IDEOLOGY_HEADS:
                m.dropped = True  # "Xi Jinping Thought", "the Truman Doctrine": a body of ideas, not a person
                continue
            if m.tag == "person":
                known = _country_or_org(core)
                # A tagger's "person" that is a country's or a listed organisation's name is that
                # actor; a capital only when it stands alone ("Washington", not "George Washington").
                if known is None or (known[1] == "capital" and (" " in core or self._titled(m))):
                    self._person(m, core, persons)
                    continue
                m.tag = "organisation" if known[0].startswith("O:") else "location"
            if self._dateline(m) or self._title_modifier(m) or self._possessive_modifier(m):
                m.dropped = True  # the place a story was filed from, or a word qualifying another name
                continue
            party = PARTY_ADJECTIVES.get(core)
            if party is not None and PEOPLE_AFTER.match(self.norm[m.end : m.end + 40]):
                m.actor = self._actor_for(f"N:group:{fold(party)}", "group")  # "Republican leaders": the Republicans
                self.actors[m.actor].names.append(party)
                continue
            found = _country_or_org(core)
            if found is None and (_is_event_or_idea(core) or self._is_adjective(m, core) or _is_region(core)):
                m.dropped = True  # "World War II", "Brexit", "Asian", "Siberian gas", "Central Asia"
                continue
            if found is not None and found[0].startswith("C:"):
                target, kind = found
                if (
                    (kind in ("capital", "seat") and self._setting(m, pre))
                    or self._after_city(m, pre)
                    # "Ukrainian territory" is a place; "the Slovak-Ukrainian border" is between two countries
                    or (_PLACE_AFTER.match(self.norm[m.end : m.end + 30]) and not pre.endswith("-"))
                    or (kind == "demonym" and self._region_demonym(m, pre))
                    # a language ("speaks fluent Chinese"), a field or a trait ("Russian history")
                    or (kind == "demonym" and self._language_or_field(m, pre))
                ):
                    m.dropped = True  # a setting, not an actor
                    continue
                iso = target[2:]
                m.actor = self._actor_for(target, "country")
                self.actors[m.actor].canonical = fact_tables().country_names.get(iso, iso)
                self.actors[m.actor].names.append(core)
                continue
            if found is not None and found[0].startswith("O:"):
                if found[1] == "seat" and LOCATIVE.search(pre) and not RELATIONAL_BEFORE.search(pre):
                    m.dropped = True
                    continue
                org = fact_tables().orgs.get(found[0][2:])
                m.actor = self._actor_for(found[0], org.type if org else "organisation")
                self.actors[m.actor].canonical = found[0][2:]
                self.actors[m.actor].names.append(core)
                continue
            if m.tag in ("location", "other") and core.split()[-1] in _BODY_HEADS:
                m.tag = "organisation"  # "the Black Sea Fleet", "the Chinese Embassy": a body, not a place
            if m.tag != "person" and (
                _AGREEMENT_AFTER.match(self.norm[m.end : m.end + 30]) or self._indefinite(m, pre)
            ):
                m.dropped = True  # "the AUKUS pact", "a Zeitenwende", "an Amazon scientific panel": not an actor
                continue
            if m.tag in ("location", "other") and (
                LOCATIVE.search(pre) or LOCATIVE_ADJ.search(pre) or self._listed_after_setting(m, pre)
            ):
                m.dropped = True
                continue
            if found is None and _DESIGNATION.fullmatch(core):
                m.dropped = True  # "F-16 fighter jets": a model, not a group
                continue
            if m.tag == "group" and not self._group_name(m, core):
                m.dropped = True  # "Crimea", "the Black Sea", "F-16", "Fukushima Daiichi" tagged as groups
                continue
            if m.tag == "location" and (
                not ACTING_NEXT.match(self.norm[m.end : m.end + 40]) or core.split()[-1].lower() in PLACE_HEADS
            ):
                # A place the tables do not know as a country ("Kuril Islands", "Pahalgam", "the
                # Baltic", "Amazon") is an actor only when it acts: "Texas would keep defending itself".
                m.dropped = True
                continue
            if not m.from_tagger:
                # A reference span the tables do not know: only a tagger can make it an actor.
                m.dropped = True
                continue
            type_ = {"location": "other"}.get(m.tag, m.tag)
            if type_ not in ("organisation", "group", "other"):
                type_ = "other"
            m.actor = self._actor_for(f"N:{type_}:{fold(core)}", type_)
            self.actors[m.actor].names.append(core)
        # "Congo" alone names two countries; in an article that names the Democratic Republic, it is that one
        short, full = self.by_key.get("C:COG"), self.by_key.get("C:COD")
        if short is not None and full is not None and set(self.actors[short].names) <= {"Congo"}:
            self._absorb(full, short)
        self._drop_event_acronyms(names)
        self._link_acronyms()
        self._find_long_forms()
        self._text_facts()

    def _drop_event_acronyms(self, names: list[MentionDraft]) -> None:
        """ "the Joint Comprehensive Plan of Action (JCPOA)": the acronym of an event or agreement is one too."""
        events: set[str] = set()
        for m in names:
            if m.dropped and m.core and _is_event_or_idea(m.core):
                events |= {initials(m.core), "".join(w[0] for w in re.split(r"[\s-]+", m.core) if w).upper()}
        events.discard("")
        for m in names:
            if not m.dropped and m.actor is not None and is_code(m.core) and m.core.replace(".", "") in events:
                if not self.actors[m.actor].key.startswith(("C:", "O:")):
                    m.dropped = True
                    m.actor = None

    def _place_called_person(self, m: MentionDraft, core: str, full_surnames: set[str]) -> bool:
        """A one-word "person" right after "in"/"from"/… or listed with a place ("from Puno and Ayacucho"),
        with no title and no person of that name elsewhere in the article, is a place."""
        toks = name_tokens(core)
        if len(toks) != 1 or toks[0] in full_surnames or self._titled(m) or _country_or_org(core) is not None:
            return False  # … and not the surname of someone named in full elsewhere
        pre = self.norm[max(self.bounds[m.unit][0], m.start - 40) : m.start]
        if re.search(r"\b(?:in|from|near|into|throughout|across|outside|around)\s+$", pre):
            return True
        prev = [k for k in self.in_unit.get(m.unit, ()) if k.end <= m.start and k.kind == "name"]
        return bool(
            prev
            and prev[-1].tag == "location"
            and re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", self.norm[prev[-1].end : m.start])
        )

    @staticmethod
    def _names_by_tag(names: list[MentionDraft]) -> tuple[set[str], set[str], set[str]]:
        """The last names of the person names the tagger found (all, and of full names only: "Joseph Aoun"),
        and its organisation names."""
        surnames: set[str] = set()
        full_surnames: set[str] = set()
        org_names: set[str] = set()
        for m in names:
            core = name_core(m.text)
            if not core or _country_or_org(core) is not None:
                continue
            if m.tag == "person":
                toks = name_tokens(split_title(core)[0])
                if toks and toks[-1].isalpha():
                    surnames.add(toks[-1])  # "Joseph Aoun" or "Hasina": the name the tagger also types otherwise
                    if len(toks) > 1:
                        full_surnames.add(toks[-1])
            elif m.tag == "organisation" and not _is_event_or_idea(core):
                org_names.add(fold(core))
        return surnames, full_surnames, org_names

    def _text_facts(self) -> None:
        """Tie people to roles and countries from titles anywhere in the text, captions included."""
        by_token: dict[str, list[ActorDraft]] = {}
        for a in self.actors:
            if a.type == "person":
                for tok in a.tokens:
                    by_token.setdefault(tok, []).append(a)
        if not by_token:
            return
        for u in _UNDER.finditer(self.norm):
            found = lookup(name_core(u.group("country") or u.group("country2") or ""))
            toks = name_tokens(u.group("name") or u.group("name2") or "")
            if found and found[0].startswith("C:") and toks:
                for a in by_token.get(toks[-1], ()):
                    a.roles.add(("leader", found[0], False))
        for hit in fact_tables().surface_re.finditer(self.norm):
            found = lookup(name_core(hit.group(0)))
            if not found or not found[0].startswith("C:"):
                continue
            t = _TEXT_TITLE.match(self.norm, hit.end())
            if not t:
                continue
            toks = name_tokens(t.group("name"))
            for a in by_token.get(toks[-1], ()) if toks else ():
                a.roles.add((norm_role(t.group("role")), found[0], bool(t.group("past"))))

    def _setting(self, m: MentionDraft, pre: str) -> bool:
        """Whether a capital or seat names the place of an event ("met in Tokyo"), not its government.

        "Many in Beijing" (people there) is not a setting; "Berlin and Paris" share one reading.
        """
        if _GOVERNMENT_POSSESSES.match(self.norm, m.end):
            return False  # "not from Moscow's moods": a place has no moods; its government does
        if PEOPLE_IN.search(pre) or RELATIONAL_BEFORE.search(pre) or _RULERS_IN.search(pre):
            # people of a capital, a relation with its government ("closer to Washington"), or the
            # government seated there ("the Taliban administration in Kabul", "the junta in Naypyidaw")
            return False
        loc = LOCATIVE.search(pre)
        if loc and not re.match(r"(?i)of\b", loc.group(0)):  # "courtship of the Kremlin": the government
            return True
        if re.search(r"(?:,|\band|\bor)\s+$", pre):
            prev = [k for k in self.in_unit.get(m.unit, ()) if k.end <= m.start and k.kind == "name"]
            if prev and re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", self.norm[prev[-1].end : m.start]):
                found = lookup(name_core(prev[-1].text))
                if found and found[1] in ("capital", "seat"):
                    return self._setting(prev[-1], self.norm[self.bounds[m.unit][0] : prev[-1].start])
        return False

    def _listed_after_setting(self, m: MentionDraft, pre: str) -> bool:
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

    def _after_city(self, m: MentionDraft, pre: str) -> bool:
        """ "in Lima, Peru": a country right after a tagged place that is not itself a country."""
        c = LOCATIVE_CITY.search(pre)
        if c is None:
            return False
        place_end = self.bounds[m.unit][0] + c.end("place")
        place = next((k for k in self.in_unit.get(m.unit, ()) if k.end == place_end), None)
        if place is None or place.tag not in ("location", "other"):
            return False
        found = lookup(c.group("place"))
        return not (found and found[0].startswith("C:") and found[1] != "capital")

    def _dateline(self, m: MentionDraft) -> bool:
        us = self.bounds[m.unit][0]
        d = DATELINE.match(self.norm[us : us + 80])
        return d is not None and m.end <= us + d.end()

    def _possessive_modifier(self, m: MentionDraft) -> bool:
        """ "China's Hainan Island", "Beijing's Foreign Ministry": the claim is about the second name."""
        if not re.match(r"'s\s", self.norm[m.end : m.end + 3]) and not m.text.endswith("'s"):
            return False
        end = m.end if m.text.endswith("'s") else m.end + 2
        nxt = next((k for k in self.in_unit.get(m.unit, ()) if 0 < k.start - end <= 2), None)
        return nxt is not None and nxt.from_tagger and nxt.tag in ("location", "organisation", "group", "other")

    def _title_modifier(self, m: MentionDraft) -> bool:
        """Whether a country word only qualifies a person's title: "Japanese Prime Minister Abe"."""
        after = self.norm[m.end : m.end + 60]
        if _TITLE_AFTER.match(after):
            return True
        found = lookup(name_core(m.text))
        if found is not None and found[1] == "demonym" and _ROLE_AFTER.match(after):
            return True  # "a South Korean president", "Japanese Prime Minister": the role's, not the country's
        occupation = _OCCUPATION_BEFORE_NAME.match(after) if found is not None and found[1] == "demonym" else None
        if occupation is not None:
            at = m.end + occupation.end()
            person = next((k for k in self.in_unit.get(m.unit, ()) if k.start == at), None)
            if person is not None and person.tag == "person":
                return True  # "the Australian writer Yang Hengjun": the writer's nationality
        # "Germany's Angela Merkel" names two actors: the possessor is not a title's qualifier.
        return False

    def _group_name(self, m: MentionDraft, core: str) -> bool:
        """Whether a name the tagger calls a group names people: a plural ("the Republicans",
        "Palestinians"), an acronym ("E3"), a word for a body of people ("Wagner Group", "Kurdish
        Alliance"), or a name that acts ("Hamas said")."""
        last = core.split()[-1] if core.split() else ""
        return (
            is_code(core)
            or (last.endswith("s") and not last.endswith(("ss", "us", "is")) and last[:1].isupper())
            or last.lower() in _GROUP_HEADS
            or ACTING_NEXT.match(self.norm[m.end : m.end + 40]) is not None
        )

    def _indefinite(self, m: MentionDraft, pre: str) -> bool:
        """ "promised a Zeitenwende", "an Amazon scientific panel": a name after "a"/"an" names a kind of
        thing, not an actor, unless it names a body ("a Global Biofuels Alliance") or people of it follow
        ("a Hamas official")."""
        if re.search(r"\b(?:a|an)\s+$", pre) is None or m.core.split()[-1].lower() in _GROUP_HEADS:
            return False  # "launched a Global Biofuels Alliance": a new body is an actor
        return not _PERSON_NOUN_AFTER.match(self.norm[m.end : m.end + 40])

    def _titled(self, m: MentionDraft) -> bool:
        """Whether a title stands right before the mention ("President Washington", "Mr. Lincoln")."""
        pre = self.norm[max(self.bounds[m.unit][0], m.start - 40) : m.start]
        return _TITLE_TAIL.search(pre) is not None

    def _is_adjective(self, m: MentionDraft, core: str) -> bool:
        """A region, party or faith adjective before a common noun: "Asian nations", "Republican leaders".

        Its plural ("the Republicans", "Democrats") names a group and stays.
        """
        words = core.split()
        if not words or not all(w.lower() in REGION_QUALIFIERS or _ADJECTIVE.fullmatch(w) for w in words):
            return False
        return bool(re.match(r"\s+[a-z]", self.norm[m.end : m.end + 3])) or m.end >= self.bounds[m.unit][1] - 1

    def _language_or_field(self, m: MentionDraft, pre: str) -> bool:
        """A demonym naming a language ("speaks fluent Chinese") or a field ("Russian history")."""
        after = self.norm[m.end : m.end + 30]
        return bool(LANGUAGE_BEFORE.search(pre) or DOMAIN_AFTER.match(after) or OCCUPATION_AFTER.match(after))

    def _region_demonym(self, m: MentionDraft, pre: str) -> bool:
        """ "Latin American", "South Asian": a demonym after a region word is the region's, not a country's."""
        prev = re.search(r"([A-Z][\w-]*)\s+$", pre)
        if prev is None or prev.group(1).lower() not in REGION_QUALIFIERS:
            return False
        return lookup(f"{prev.group(1)} {name_core(m.text)}") is None

    def _person(self, m: MentionDraft, core: str, persons: list[int]) -> None:
        name, role, country, gender = split_title(core)
        ctx_role, ctx_country, ctx_gender, past = self._context_facts(m)
        role, country, gender = role or ctx_role, country or ctx_country, gender or ctx_gender
        past = past or bool(re.match(r"(?i)(?:former|then-|ex-)", m.core or ""))
        toks = name_tokens(name)
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
                    and (name_tokens(max(a.names, key=len))[-1] == toks[-1])
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
        if a.listed is None:
            a.listed = nationality(toks)  # "Nicolás Maduro": Venezuela's, though the text may never say so
        rest = self.norm[m.end : self.bounds[m.unit][1]]
        taken = _AS_ROLE.match(rest)
        if taken is not None:
            a.roles.add((norm_role(taken.group("role")), country, False))
        won = _WON_OFFICE.match(rest)
        if won is not None:
            a.roles.add((_OFFICE_ROLE.get(won.group("office").split()[0].lower(), "prime minister"), country, False))
        m.actor = best
        if best in persons:
            persons.remove(best)
        persons.append(best)

    def _context_facts(self, m: MentionDraft) -> tuple[str | None, str | None, str | None, bool]:
        """Role, country and gender the text around a person mention gives, and whether it is past."""
        us, ue = self.bounds[m.unit]
        pre = self.norm[max(us, m.start - 80) : m.start]
        role = country = gender = None
        past = False
        tail = _TITLE_TAIL.search(pre)
        if tail:
            past = bool(tail.group("past"))
            r = tail.group("role").rstrip(".").lower()
            if r in TITLES and TITLES[r]:
                gender = TITLES[r]
            elif r in ROLES or r in ROLE_ALIASES:
                role = norm_role(r)
            pre = pre[: tail.start()]
        # a country right before (the title): "Russian (President)", "Russia's (President)", "U.S."
        words = pre.split()[-4:]
        for n in range(len(words), 0, -1):
            cand = POSSESSIVE.sub("", " ".join(words[-n:]))
            found = lookup(cand) if cand[:1].isupper() else None
            if found and found[0].startswith("C:"):
                country = found[0]
                break
        post = self.norm[m.end : min(ue, m.end + 90)]
        app = re.match(
            rf"^\s*,\s*(?:the|a|an)?\s*(?P<mods>(?:[\w.'-]+\s+){{0,3}}?)(?P<past>then-|former\s+)?(?P<role>{ROLE_PATTERN})\b",
            post,
            re.I,
        )
        if app:
            ok, c2 = parse_modifiers(app.group("mods"))
            if ok or c2:
                role = role or norm_role(app.group("role"))
                country = country or c2
                past = past or bool(app.group("past")) or when_of(app.group("mods")) == "former"
        cop = _COPULA_ROLE.match(post)
        if cop:
            ok, c2 = parse_modifiers(cop.group("mods"))
            c3 = lookup(POSSESSIVE.sub("", cop.group("c"))) if cop.group("c") else None
            if ok or c2:
                role = role or norm_role(cop.group("role"))
                country = country or c2 or (c3[0] if c3 and c3[0].startswith("C:") else None)
                # "was/had been/served as prime minister" is past; "became prime minister" is the new holder
                past = past or cop.group("verb").lower().startswith(("was", "had", "served"))
        return role, country, gender, past

    def _link_acronyms(self) -> None:
        """Join an acronym with its long form: "(BOFIT)" after a name, or matching initials."""
        org_like = [i for i, a in enumerate(self.actors) if a.type in ("organisation", "group", "other")]
        for i in org_like:
            a = self.actors[i]
            if not a.names or a.key.startswith("O:"):
                continue
            short = a.names[0]
            if not is_code(short):
                continue
            target = None
            for j in org_like:
                b = self.actors[j]
                if j == i or not b.names or is_code(b.names[0]):
                    continue
                if initials(b.names[0]) == short.replace(".", "").replace("-", ""):
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

    def _find_long_forms(self) -> None:
        """ "a delegation of the Rapid Support Forces …. the RSF": an acronym's long form the tagger missed,
        found in the claim units by its initials, becomes a mention of the acronym's actor (neutral scores:
        the model never scored the span)."""
        added = False
        for ai, a in enumerate(self.actors):
            if a.type not in ("organisation", "group") or a.key.startswith(("C:", "O:")) or not a.names:
                continue
            code = a.names[0].replace(".", "")
            if not is_code(code) or len(code) < 3 or any(not is_code(n) for n in a.names):
                continue
            words = r"[A-Z][\w'-]*(?:\s+(?:of|for|and|the|de|on)\b)*"
            pattern = re.compile(rf"(?<![\w-]){words}(?:\s+{words}){{{len(code) - 1}}}(?![\w-])")
            taken = [(k.start, k.end) for k in self.mentions]
            for ui, (us, ue) in enumerate(self.bounds):
                if self.units[ui].prediction is None:
                    continue
                for hit in pattern.finditer(self.norm, us, ue):
                    span = hit.group(0)
                    if initials(span) != code or any(s < hit.end() and hit.start() < e for s, e in taken):
                        continue
                    m = MentionDraft(ui, hit.start(), hit.end(), "name", "organisation", (0.0, 0.0, 1.0), span, False)
                    m.core, m.actor = span, ai
                    self.mentions.append(m)
                    self.in_unit.setdefault(ui, []).append(m)
                    a.names.append(span)
                    added = True
        if added:
            self.mentions.sort(key=lambda k: (k.start, k.end))
            for ms in self.in_unit.values():
                ms.sort(key=lambda k: (k.start, k.end))

    def _absorb(self, keep: int, gone: int) -> None:
        for m in self.mentions:
            if m.actor == gone:
                m.actor = keep
        self.actors[keep].names.extend(self.actors[gone].names)
        self.actors[gone].names = []


class Coreference(ArticleState):
    """Step 3: descriptions and pronouns join the actor they refer to, or stay unresolved."""

    def resolve_references(self) -> None:
        history: list[MentionDraft] = []  # resolved mentions so far, in article order
        self.also: list[tuple[MentionDraft, int]] = []  # further actors of plural descriptions
        self.unnamed_people: list[MentionDraft] = []  # descriptions of people the article does not name
        self.last_seen: dict[int, int] = {}  # actor -> position of its latest mention in history
        previous: MentionDraft | None = None
        for m in self.mentions:
            if m.kind == "name":
                if not m.dropped and m.actor is not None:
                    m.actor = self._administration_of(m, m.actor)
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
        # "the three juntas": one mention per country it stands for, at the same span and stance scores
        for m, ai in self.also:
            twin = dataclasses.replace(m, actor=ai, covers=[])
            self.mentions.append(twin)
            self.in_unit.setdefault(m.unit, []).append(twin)
        if self.also:
            self.mentions.sort(key=lambda k: (k.start, k.end))
            for ms in self.in_unit.values():
                ms.sort(key=lambda k: (k.start, k.end))

    def _description(self, m: MentionDraft, history: list[MentionDraft]) -> int | None:
        d = m.desc
        if d is None:
            return None
        if d.form == "plural":
            if d.kind == "person":
                return self._people_just_named(m, d.count, history)
            return self._countries_just_named(m, d.count, history)
        if d.form == "body":
            return self._body_just_named(m, d.role or "", history)
        if d.kind == "country" and d.possessor is not None:
            return self._country_of_person(m, d.possessor, history)
        if d.kind == "country":
            if d.country is None:
                if d.form == "government":
                    return self._home_country(m, history)
                return self._country_of_form(d.form) if d.form else None
            return self._country(d.country)

        if d.form == "age":
            # "The 78-year-old prime minister": the prime minister, when the text calls someone that
            if d.role is not None and any(r == d.role for a in self.actors for r, _, _ in a.roles):
                holder = self._description(dataclasses.replace(m, desc=dataclasses.replace(d, form=None)), history)
                if holder is not None:
                    return holder
            return self._person_just_named(m, history)
        if d.when == "future":
            return None  # "the next president": whoever wins, not anyone the article names
        if d.org is not None:
            return self._person_of_org(m)
        # Apposition with the name after it: "the ousted president, Mohamed Bazoum".
        nxt = next((h for h in self.in_unit.get(m.unit, ()) if h.start >= m.end), None)
        if (
            nxt is not None
            and nxt.kind == "name"
            and nxt.actor is not None
            and not nxt.dropped
            and self.actors[nxt.actor].type == "person"
            and re.fullmatch(r"\s*,\s*", self.norm[m.end : nxt.start])
        ):
            return nxt.actor

        def fits(a: ActorDraft, loose: bool = False) -> bool:
            if a.type != "person":
                return False
            for role, country, past in a.roles:
                if d.country and country != d.country and not (loose and country is None and not past):
                    continue  # loosely, an office the text does not tie to a country; not a former one
                if d.when == "current" and past:
                    continue
                if d.when == "former" and not past and role is not None:
                    continue  # "the former president" is not someone the text calls president now
                if d.role in GENERIC_ROLES:
                    if role is None or role in HEAD_ROLES:
                        return True
                elif role == d.role:
                    return True
            # A politician the text names without office or country, listed as of that country (facts.people):
            # "Narendra Modi …. The Indian prime minister", "Nicolás Maduro …. The Venezuelan leader".
            return (
                loose
                and d.country is not None
                and a.listed == d.country
                and not any(r for r, _, _ in a.roles)
                and not any(c not in (None, d.country) for _, c, _ in a.roles)
                and (d.role in HEAD_ROLES or d.role in GENERIC_ROLES)
            )

        # The most recently mentioned fitting person (one check per actor, not per mention). A bare "the
        # president" with several people the article calls president is the one it is about: the most
        # mentioned so far ("President Joseph Aoun … (four mentions) … President Emmanuel Macron would
        # visit …. The president must now name …").
        fitting = [
            ai for ai in sorted(self.last_seen, key=self.last_seen.__getitem__, reverse=True) if fits(self.actors[ai])
        ]
        if fitting:
            if d.country is None and len(fitting) > 1:
                seen = {ai: sum(h.actor == ai for h in history) for ai in fitting}
                return max(fitting, key=lambda ai: seen[ai])  # ties: the most recent (max keeps the first)
            return fitting[0]
        for u in (m.unit, m.unit + 1):  # cataphora, close by: "The Russian leader, Vladimir Putin, …"
            for h in self.in_unit.get(u, ()):
                if h.start > m.start and h.kind == "name" and h.actor is not None and fits(self.actors[h.actor]):
                    return h.actor
        if d.country is not None:
            # "The U.S. president" after "President Joe Biden": the role fits and the text never
            # ties that person to another country.
            # Only when the article has named that country before: "The Brazilian president" in a text
            # that never names Brazil as an actor is not the U.S. president named earlier.
            named = self.by_key.get(d.country) in {h.actor for h in history}
            named = named or d.country in self._dateline_countries(m.unit)
            for ai in sorted(self.last_seen, key=self.last_seen.__getitem__, reverse=True):
                cand = self.actors[ai]
                if (named or cand.listed == d.country) and fits(cand, loose=True):
                    return ai
        if d.country is not None and d.role not in HEAD_ROLES and d.role not in GENERIC_ROLES:
            # An official the article does not name acts for their country: "Manila summoned the
            # Chinese ambassador" is about China. (A head of state the article does not name, "the
            # Russian leader", stays unresolved: the text leaves open who it is.)
            self.unnamed_people.append(m)
            return self._country(d.country)
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

    def _latest_list(self, names: Sequence[MentionDraft], count: int, gap: re.Pattern[str]) -> list[int] | None:
        """The actors of the latest run of exactly ``count`` of ``names`` (in text order) that name
        different actors, sit in one unit and are joined by ``gap`` ("A, B and C"), and are not part of
        a longer such list ("Burkina Faso and Niger" of "Mali, Burkina Faso and Niger")."""

        def joined(a: MentionDraft, b: MentionDraft) -> bool:
            return a.unit == b.unit and gap.fullmatch(self.norm[a.end : b.start]) is not None

        for i in range(len(names) - count, -1, -1):
            run = names[i : i + count]
            longer = (i > 0 and joined(names[i - 1], run[0])) or (
                i + count < len(names) and joined(run[-1], names[i + count])
            )
            together = all(itertools.starmap(joined, itertools.pairwise(run)))
            if together and not longer and len({h.actor for h in run}) == count:
                return [h.actor for h in run if h.actor is not None]
        return None

    def _people_just_named(self, m: MentionDraft, count: int, history: list[MentionDraft]) -> int | None:
        """ "Japarov and his Tajik counterpart Rahmon signed …. Peskov said …. Mirziyoyev will host both
        leaders": the latest ``count`` people named together ("A and B", "A and his counterpart B") in
        the last _PAIR_UNITS units, before whoever was named since; else ("Sudani … the Kurdish prime
        minister …. Both men") the last ``count`` people named, in this unit or the three before, when
        exactly that many were; more or fewer is left unresolved rather than guessed. The first is
        returned; the others join the unit via ``self.also``."""
        if re.search(r"\bof\s+$", self.norm[max(0, m.start - 4) : m.start]):
            return None  # "One of the two men allowed to stand, Zammel, …": a part of a new pair, not the last two
        people = [
            h for h in history
            if h.actor is not None and self.actors[h.actor].type == "person" and m.unit - _PAIR_UNITS <= h.unit
            and (h.unit < m.unit or h.end <= m.start)
        ]  # fmt: skip
        together = self._latest_list(people, count, _PEOPLE_LIST_GAP)
        if together:
            self.also.extend((m, ai) for ai in together[1:])
            return together[0]
        found: list[int] = []
        for u in range(m.unit, max(-1, m.unit - 4), -1):
            for h in reversed([h for h in history if h.unit == u and (u < m.unit or h.end <= m.start)]):
                if h.actor is not None and self.actors[h.actor].type == "person" and h.actor not in found:
                    found.append(h.actor)
            if len(found) >= count:
                break
        if len(found) != count:
            return None
        found.reverse()
        self.also.extend((m, ai) for ai in found[1:])
        return found[0]

    def _countries_just_named(self, m: MentionDraft, count: int, history: list[MentionDraft]) -> int | None:
        """ "Mali, Burkina Faso and Niger …. the three juntas", "Kosovo … Serbia … both sides": the countries
        of the latest list of exactly ``count`` countries ("A, B and C") in this unit or the three before;
        else the ``count`` countries the article has named most so far, when each was named at least twice.
        The first is returned; the others are recorded in ``self.also`` and join the unit as mentions."""
        countries = [
            h for h in history
            if h.actor is not None and self.actors[h.actor].type == "country"
            and (h.unit < m.unit or h.end <= m.start)
        ]  # fmt: skip
        found: list[int] = []
        for u in range(m.unit, max(-1, m.unit - 4), -1):
            found = self._latest_list([h for h in countries if h.unit == u], count, _LIST_GAP) or []
            if found:
                break
        if not found:
            tally: dict[int, int] = {}
            for h in countries:
                if h.actor is not None:
                    tally[h.actor] = tally.get(h.actor, 0) + 1
            ranked = sorted(tally, key=lambda ai: (tally[ai], self.last_seen.get(ai, 0)), reverse=True)
            if len(ranked) < count or tally[ranked[count - 1]] < 2:
                return None  # the text does not say which: leave it unresolved rather than guess
            if len(ranked) > count and tally[ranked[count]] == tally[ranked[count - 1]]:
                return None  # a tie for the last place
            found = ranked[:count]
        self.also.extend((m, ai) for ai in found[1:])
        return found[0]

    def _body_just_named(self, m: MentionDraft, head: str, history: list[MentionDraft]) -> int | None:
        """ "ECOWAS …. Nigeria, the bloc's biggest economy": the organisation or group named latest (this unit,
        before the description, or the three before); "the alliance" prefers one whose name says so (NATO)."""
        cands: list[int] = []
        for h in reversed(history):
            if m.unit - h.unit > 3:
                break
            if h.unit == m.unit and h.start >= m.start or h.actor is None:
                continue
            a = self.actors[h.actor]
            if a.type in ("organisation", "group") and h.actor not in cands:
                cands.append(h.actor)
        if head == "alliance":  # one whose name says so
            cands = [ai for ai in cands if any("alliance" in n.lower() or n == "NATO" for n in self.actors[ai].names)]
        else:  # a bloc of states: a listed organisation ("ECOWAS", "ASEAN") or a group known by its code ("G7")
            cands = [
                ai
                for ai in cands
                if self.actors[ai].key.startswith("O:") or any(is_code(n) for n in self.actors[ai].names)
            ]
        return cands[0] if cands else None

    def _person_just_named(self, m: MentionDraft, history: list[MentionDraft]) -> int | None:
        """ "Milan Radoičić … admitted it. The 44-year-old businessman said …": the subject of the nearest
        unit (this one or the two before) that names a person, else its latest person."""
        for u in range(m.unit, max(-1, m.unit - 3), -1):
            people = [
                h for h in history
                if h.unit == u and h.actor is not None and self.actors[h.actor].type == "person"
                and (u != m.unit or h.end <= m.start)
            ]  # fmt: skip
            if people:
                return people[0].actor
        return None

    def _dateline_countries(self, upto: int) -> set[str]:
        """Countries named by the datelines of units ``0..upto`` ("NAIROBI, Kenya —", "BEIRUT —")."""
        out: set[str] = set()
        for us, _ in self.bounds[: upto + 1]:
            d = DATELINE.match(self.norm[us : us + 80])
            if d is None:
                continue
            for part in re.split(r"[,—–(/-]", d.group(0)):
                found = lookup(part.strip().title()) or lookup(part.strip())
                if found is not None and found[0].startswith("C:"):
                    out.add(found[0])
        return out

    def _person_of_org(self, m: MentionDraft) -> int | None:
        """ "Sir Keir Starmer became prime minister …. The Labour leader promised …": a description of a
        party's or an organisation's person that opens a unit is the subject of the unit before, when
        that subject is a person; otherwise it stays unresolved (the organisation's roles are not known)."""
        us = self.bounds[m.unit][0]
        if self.norm[us : m.start].strip(" \"'([") or m.unit == 0:
            return None
        before = [h for h in self.in_unit.get(m.unit - 1, ()) if h.actor is not None and not h.dropped]
        subject = before[0] if before else None
        if subject is None or subject.actor is None or self.actors[subject.actor].type != "person":
            return None
        lead = self.norm[self.bounds[m.unit - 1][0] : subject.start]
        if lead.strip(" \"'([") and not _TITLE_TAIL.fullmatch(lead):
            return None  # the person is not the subject of that unit
        return subject.actor

    def _country(self, target: str) -> int:
        ai = self._actor_for(target, "country")
        self.actors[ai].canonical = fact_tables().country_names.get(target[2:], target[2:])
        return ai

    def _country_of_form(self, form: str) -> int | None:
        """ "The kingdom", "the island nation": the country of that kind the article named most recently."""
        forms = fact_tables().forms
        for ai in sorted(self.last_seen, key=self.last_seen.__getitem__, reverse=True):
            a = self.actors[ai]
            if a.type == "country" and a.key.startswith("C:") and form in forms.get(a.key[2:], ()):
                return ai
        return None

    def _home_country(self, m: MentionDraft, history: list[MentionDraft]) -> int | None:
        """ "The government" with no country named: the government of the country the story is in.

        In order: a country named earlier in the same unit ("Tokyo has spent more, and the
        government aims …"); the country of a head of government named in the last two units
        ("Albanese said …. Dutton accused the government …"); the one country of the nearest
        unit before that names any actor; the country the article has named most often so far.
        """
        countries = [h for h in history if h.actor is not None and self.actors[h.actor].type == "country"]
        same = [h for h in countries if h.unit == m.unit and h.end <= m.start]
        if same:
            return same[-1].actor
        # A country named later in the same unit is another one ("accused the government of going soft on
        # Beijing"); its adjective is not ("accused the government of trading Turkish security").
        later = {
            k.actor
            for k in self.in_unit.get(m.unit, ())
            if k.start >= m.end and k.kind == "name" and (lookup(name_core(k.text)) or ("", ""))[1] != "demonym"
        }
        countries = [h for h in countries if h.actor not in later]
        for h in reversed(history):
            if m.unit - h.unit > 2:
                break
            a = self.actors[h.actor] if h.actor is not None else None
            if a is not None and a.type == "person":
                held = [c for r, c, past in a.roles if c is not None and not past and r in HEAD_ROLES]
                if held:
                    return self._country(held[0])
        before = [h for h in history if h.unit < m.unit]
        if before:
            nearest = {h.actor for h in before if h.unit == before[-1].unit and h in countries}
            if len(nearest) == 1:
                return nearest.pop()
        counts: dict[int, int] = {}
        for h in countries:
            if h.actor is not None:
                counts[h.actor] = counts.get(h.actor, 0) + 1
        if not counts:
            return None
        return max(counts, key=lambda ai: (counts[ai], self.last_seen.get(ai, 0)))

    def _administration_of(self, m: MentionDraft, actor: int) -> int:
        """ "The Trump administration called …": a leader's name before "administration" stands for
        the leader's country (from the roles the article gives, else ``facts.people``); any other
        mention keeps its ``actor``."""
        a = self.actors[actor]
        after = _ADMINISTRATION_AFTER.match(self.norm, m.end)
        if a.type != "person" or after is None:
            return actor
        countries = [c for _, c, past in sorted(a.roles, key=lambda r: r[2]) if c is not None]
        country = countries[0] if countries else a.listed
        if country is None:
            return actor
        # the mention is "Trump administration", so that "Trump" alone never names the country
        m.end, m.text = after.end(), self.norm[m.start : after.end()]
        ai = self._actor_for(country, "country")
        self.actors[ai].canonical = fact_tables().country_names.get(country[2:], country[2:])
        return ai

    def _country_of_person(self, m: MentionDraft, gender: str, history: list[MentionDraft]) -> int | None:
        """ "His government": the country of the most recent person (at most two units back) it can be."""
        for h in reversed(history):
            if m.unit - h.unit > 2:
                break
            a = self.actors[h.actor] if h.actor is not None else None
            if a is None or a.type != "person" or a.gender not in (None, gender):
                continue
            countries = [c for _, c, past in a.roles if c is not None and not past]
            if countries:
                ai = self._actor_for(countries[0], "country")
                self.actors[ai].canonical = fact_tables().country_names.get(countries[0][2:], countries[0][2:])
                return ai
            return h.actor  # the article never says which country: the person's own government
        return None

    def _pronoun(self, m: MentionDraft, history: list[MentionDraft]) -> int | None:
        p = PRONOUNS.get(m.text.lower())
        if p is None:
            return None
        if _RELATION_AFTER.match(self.norm, m.end):
            return None  # "His Moroccan counterpart, Abdelouafi Laftit, said": another person, not him

        def fits(ai: int) -> bool:
            a = self.actors[ai]
            if p in ("m", "f"):
                return a.type == "person" and a.gender in (None, p)
            if word in ("them", "themselves"):
                return a.type == "group"  # "defended them": mostly things; only a group is safe
            return a.type in ("group", "organisation", "country")

        word = m.text.lower()
        # "ordered the French ambassador to leave and cut off his food supply": a person the unit
        # describes without a name, before the pronoun, is its likelier referent than anyone named
        # in an earlier unit.
        unnamed = [d for d in self.unnamed_people if d.unit == m.unit and d.end <= m.start]
        # "its" refers inside its own unit, to the nearest compatible actor ("NATO told Ukraine that
        # its future …", "Hungary dropped its objections"); across units it is mostly a thing's.
        if p == "it":
            for h in reversed(history):
                if h.unit != m.unit:
                    break
                if h.actor is not None and fits(h.actor):
                    return h.actor
            if not _UNIT_OPENING.fullmatch(self.norm[self.bounds[m.unit][0] : m.start]):
                return None
            # "Its purchases …" opening a unit: the subject of the unit before; after an enumeration
            # marker ("(b) its economy …"), the subject of the item before ("(a) India is …").
            prev = [h for h in history if h.unit == m.unit - 1 and h.actor is not None and fits(h.actor)]
            if prev and _ENUMERATION.match(self.norm, self.bounds[m.unit][0]):
                ps, pe = self.bounds[m.unit - 1]
                marks = list(_ENUMERATION_MARK.finditer(self.norm, ps, pe))
                if marks:
                    prev = [h for h in prev if h.start >= marks[-1].end()]
            return prev[0].actor if prev else None
        # Same unit first (its earliest compatible mention: the subject), then the units before,
        # each from its first mention; at most 6 units back. An object pronoun ("him", "them")
        # does not refer to its own clause's subject ("Park refused to meet him").
        by_unit: dict[int, list[MentionDraft]] = {}
        # Plural pronouns mostly refer to things or to a noun phrase nearby: look one unit back only.
        window = {"pl": 1, "it-subject": 2}.get(p, 6)
        for h in reversed(history):
            if m.unit - h.unit > window:
                break
            if h.unit <= m.unit and h.actor is not None:
                by_unit.setdefault(h.unit, []).insert(0, h)
        # "it" and "they" as subjects mostly refer to things, or to the head of a noun phrase: not to
        # a name inside a prepositional phrase ("analysts at the Peterson Institute say, it …",
        # "the ministers of Australia and Japan"), nor, across units, to a possessor ("Japan's
        # courtship of the Kremlin …. It may not outlast …").
        subject_only = word in ("it", "they")
        for u in sorted(by_unit, reverse=True):
            if u != m.unit:
                # In an earlier unit, names inside a quotation are not its subject: after
                # '"Putin is using food as a weapon," said Kuleba.', "his point" is Kuleba's.
                by_unit[u].sort(key=self._in_quote)
            if subject_only and u != m.unit and any(self._opens_with_common_subject(k) for k in range(u, m.unit)):
                break  # a unit in between has its own, unnamed subject: "The text called …. It did not …"
            for h in by_unit[u]:
                if u == m.unit and word in ("him", "them") and h is by_unit[u][0]:
                    continue  # an object pronoun is not its own clause's subject ("Park refused to meet him")
                if subject_only and (self._embedded(h) or (u != m.unit and self._possessor(h))):
                    continue
                if p == "pl" and u != m.unit and h.actor is not None and self.actors[h.actor].type != "group":
                    continue  # "they"/"their" in a later unit: mostly people or things, rarely a country named before
                if h.actor is not None and fits(h.actor):
                    if p in ("m", "f") and unnamed and h.start < unnamed[-1].start:
                        return None
                    a = self.actors[h.actor]
                    if p in ("m", "f") and a.gender is None:
                        a.gender = p
                    return h.actor
        return None

    def _embedded(self, m: MentionDraft) -> bool:
        """Whether a mention sits in a prepositional phrase or brackets ("at the X", "of Australia, Japan and X")."""
        pre = self.norm[max(self.bounds[m.unit][0], m.start - 120) : m.start]
        return _EMBEDDED.search(pre) is not None

    def _possessor(self, m: MentionDraft) -> bool:
        """A possessor of a thing ("Japan's courtship"), not of a body that acts for it ("China's coast guard")."""
        after = self.norm[m.end : m.end + 40]
        if not (m.text.endswith(("'s", "s'")) or re.match(r"'s?\s", after)):
            return False
        return _BODY_AFTER.match(re.sub(r"^'s?", "", after)) is None

    def _opens_with_common_subject(self, ui: int) -> bool:
        """Whether unit ``ui`` opens with an unnamed subject ("The joint statement called …", "The ministers —")."""
        if ui < 0 or ui >= len(self.bounds):
            return False
        us, ue = self.bounds[ui]
        subject = _COMMON_SUBJECT.match(self.norm[us:ue])
        if subject is None:
            return False
        # "The bloc wanted …": a description the resolver tied to an actor is a named subject after all
        return not any(m.actor is not None and us <= m.start < us + subject.end() for m in self.in_unit.get(ui, ()))

    def _in_quote(self, m: MentionDraft) -> bool:
        return self.norm.count('"', self.bounds[m.unit][0], m.start) % 2 == 1


class ArticleResolver(MentionCollector, NameClusterer, Coreference, Attribution, Summary):
    """The whole flow for one article: collect → cluster names → references → claimants → summary."""

    def build(self) -> Resolution:
        self.collect()
        self.cluster_names()
        self.resolve_references()
        return self.summarise(self.find_sources())


def resolve(text: str, units: Sequence[UnitInput], *, speakers_as_actors: bool = False) -> Resolution:
    """Cluster the mentions of an article into canonical actors and attach them to its units.

    Args:
        text: the original article text (mentions in the result slice it exactly).
        units: one :class:`UnitInput` per unit of the article, in order.
        speakers_as_actors: also count a claim's speaker among its actors ("Putin said Russia would
            win" → Putin and Russia). Off by default: the speaker is the claim's ``source``, and an
            actor only where the claim names them again. Annotation schemes differ here more than
            anywhere else (the gold articles' annotators list the speaker in 0–100 % of claims).

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
    return ArticleResolver(text, units, speakers_as_actors=speakers_as_actors).build()
