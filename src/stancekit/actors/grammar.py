"""English word lists and patterns the resolver reads articles with (grammar, not world facts)."""

from __future__ import annotations

import re

PRONOUNS: dict[str, str] = {
    "he": "m", "him": "m", "his": "m", "himself": "m",
    "she": "f", "her": "f", "hers": "f", "herself": "f",
    "they": "pl", "them": "pl", "their": "pl", "theirs": "pl", "themselves": "pl",
    "its": "it", "it": "it-subject",
}  # fmt: skip
# Roles of a head of state or government: a generic "the X leader" matches any of them.
HEAD_ROLES = (
    "leader", "president", "prime minister", "premier", "chancellor", "king", "queen", "emperor",
    "monarch", "dictator", "strongman", "head of state", "head of government", "supreme leader",
    "ruler", "autocrat",
)  # fmt: skip
OTHER_ROLES = (
    "foreign minister", "defence minister", "defense minister", "finance minister", "prime-minister",
    "secretary of state", "secretary-general", "secretary general", "general secretary", "minister",
    "vice president", "vice-president", "governor", "senator", "mayor", "ambassador", "envoy",
    "chief executive", "chairman", "chairwoman", "spokesman", "spokeswoman", "spokesperson",
    "foreign secretary", "opposition leader", "crown prince", "pope", "chief of staff", "commander", "chief",
    "president-elect", "prime minister-designate",
    "director general", "director-general", "director", "head", "national security adviser", "adviser", "advisor",
)  # fmt: skip
GENERIC_ROLES = {"leader", "strongman", "dictator", "ruler", "autocrat", "head of state", "head of government"}
ROLES = tuple(sorted(set(HEAD_ROLES + OTHER_ROLES), key=len, reverse=True))
ROLE_ALIASES = {
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
TITLES: dict[str, str | None] = {
    **{r: None for r in ROLES},
    "pm": None, "sen": None, "rep": None, "representative": None, "gov": None, "gen": None, "general": None,
    "dr": None, "prof": None, "former": None, "then": None, "then-president": None, "acting": None,
    "mr": "m", "sir": "m", "lord": "m", "king": "m", "prince": "m", "emperor": "m", "sheikh": "m",
    "mrs": "f", "ms": "f", "miss": "f", "madam": "f", "dame": "f", "lady": "f", "queen": "f", "princess": "f",
    "empress": "f",
}  # fmt: skip
COUNTRY_BODIES = ("government", "administration", "regime", "authorities", "leadership", "cabinet")
LOCATIVE = re.compile(
    r"\b(?:in|at|near|to|from|into|outside|around|across|via|visit|visited|visiting|visits|toward|towards|"
    r"throughout|through|within|between|inside|of|aboard|onboard)\s+(?:the\s+|[A-Z][\w.]*'s\s+)?$",
    re.I,
)
# "VILNIUS, Lithuania —", "GENEVA, Nov 29 (Reuters) -", "HIROSHIMA —": the place a story was filed from.
DATELINE = re.compile(r"^[A-Z][A-Z .'/-]+(?:,\s*[A-Z][\w .'-]*?)?(?:\s*\([^)]{1,30}\))?\s*[—–-]")
# "from the crippled Fukushima Daiichi plant": a preposition, then adjectives, then a (non-country) place.
LOCATIVE_ADJ = re.compile(r"\b(?:in|at|near|from|into|inside|outside|off)\s+the\s+(?:[a-z][\w-]*\s+){1,2}$")
# Words around a tagged name that extend it: capitalised words, and connectors inside organisation names.
CAP_RIGHT = re.compile(r"(?:\s|(?<=\.)(?=[A-Z]))(?P<w>[A-Z][\w.'&-]*)(?<!\.)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)")
CONNECTOR_RIGHT = re.compile(
    r"\s(?:of|for|and|de)\s(?:the\s)?(?P<w>[A-Z][\w.'&-]*)(?<!\.)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)"
)
CAP_LEFT = re.compile(r"(?P<w>[A-Z][\w.'&-]*)(?:\s|(?<=\.))$")
# Capitalised words that do not belong to a name next to them.
NOT_NAME = {
    "the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "yet", "but", "and", "or", "if",
    "when", "while", "after", "before", "for", "in", "on", "at", "by", "as", "it", "he", "she", "they", "we", "i",
    "his", "her", "their", "its", "our", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "not", "no", "all", "both", "every", "each", "said", "says",
}  # fmt: skip
# Title and role words: a name does not grow over them ("Commerce Secretary Gina Raimondo").
TITLE_WORDS = {w for t in (*TITLES, *ROLES, "secretary", "minister", "adviser", "advisor") for w in t.split()}
TITLE_WORDS |= {"secretary-general", "director-general", "president-elect", "affairs", "sen", "rep", "gov", "gen"}
# "Many in Beijing thought so": people of a capital, not a place.
PEOPLE_IN = re.compile(
    r"\b(?:many|some|few|most|those|others|officials|people|critics|analysts|diplomats|leaders|voices|everyone|"
    r"anyone|nobody|no\s+one)\s+in\s+$",
    re.I,
)
# "in Lima, Peru": a country right after a place is part of the setting.
LOCATIVE_CITY = re.compile(r"\b(?:in|at|near|from|to)\s+(?P<place>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?),\s*$")
# Same-length character map: the resolver reads straight quotes whatever the article uses.
STRAIGHT_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
POSSESSIVE = re.compile(r"(?:'s|')$")
WORD = re.compile(r"[\w][\w.'-]*")
ROLE_PATTERN = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in ROLES)
