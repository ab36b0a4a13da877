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
    "ruler", "autocrat", "general secretary", "junta leader",
)  # fmt: skip
OTHER_ROLES = (
    "foreign minister", "defence minister", "defense minister", "finance minister", "prime-minister",
    "secretary of state", "secretary-general", "secretary general", "general secretary", "minister",
    "vice president", "vice-president", "governor", "senator", "mayor", "ambassador", "envoy",
    "chief executive", "chairman", "chairwoman", "spokesman", "spokeswoman", "spokesperson",
    "foreign secretary", "opposition leader", "crown prince", "pope", "chief of staff", "commander", "chief",
    "speaker", "chancellor of the exchequer",
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
    "captain": None, "capt": None, "colonel": None, "col": None, "lieutenant": None, "lt": None, "major": None,
    "maj": None, "admiral": None, "adm": None, "brigadier": None, "marshal": None, "field marshal": None,
    "sergeant": None, "sgt": None, "lieutenant general": None, "major general": None, "brigadier general": None,
    "mrs": "f", "ms": "f", "miss": "f", "madam": "f", "dame": "f", "lady": "f", "queen": "f", "princess": "f",
    "empress": "f",
}  # fmt: skip
COUNTRY_BODIES = ("government", "administration", "regime", "authorities", "leadership", "cabinet")
# Bodies that, with no country named ("the government", "the administration"), are the government of the
# country the story is set in.
HOME_BODIES = ("government", "administration", "regime", "cabinet")
# Nouns for a kind of country ("the kingdom", "the island nation", "the republic"): the country of that kind
# the article named last (:func:`facts.country_forms`).
COUNTRY_NOUNS = {
    "island nation": "island", "island state": "island", "island country": "island", "archipelago": "island",
    "kingdom": "kingdom", "republic": "republic", "emirate": "emirate", "sultanate": "sultanate",
    "principality": "principality", "monarchy": "kingdom",
}  # fmt: skip
LOCATIVE = re.compile(
    r"\b(?:in|at|near|to|from|into|outside|around|across|via|visit|visited|visiting|visits|toward|towards|"
    r"throughout|through|within|between|inside|of|aboard|onboard)\s+(?:the\s+|[A-Z][\w.]*'s\s+)?$",
    re.I,
)
# A word that makes "to"/"from"/"toward" a relation with a government, not a movement to a place: "moved closer
# to Washington", "a diktat from Brussels", "pressure from Beijing", "military support to Kyiv".
RELATIONAL_BEFORE = re.compile(
    r"\b(?:closer|close|closest|nearer|ties|allegiance|loyalty|deference|pivot\w*|tilt\w*|drift\w*|lean(?:s|ed|ing)?|"
    r"turn(?:s|ed|ing)?|appeal(?:s|ed|ing)?|message|letter|signal|concessions?|pressure|demands?|orders?|diktats?|"
    r"aid|support|threats?|independence|away|distance|help|money|funds?|funding|loans?|backing|criticism|warnings?|"
    r"retaliation|response|reply|protests?|invitations?|overtures?|outreach|ultimatum|gifts?|opening|attention)\s+"
    r"(?:to|from|toward|towards)\s+(?:the\s+)?$"
    # talking to a capital is talking to its government: "kept talking to creditors and to the Élysée"
    r"|\b(?:talk|speak|spoke|listen|write|wrote|written|answer|report|complain|lobby|lobbie)\w*\s+to\b"
    r"(?:[^.;:]{0,40}?\b(?:and|or)\s+to)?\s+(?:the\s+)?$"
    # a standing with a government: "Moscow's influence in New Delhi", "leverage over Beijing"
    r"|\b(?:influence|sway|leverage|clout|standing|say|voice|stakes?|confidence|trust|faith)\s+(?:in|over|with)\s+"
    r"(?:the\s+)?$"
    # a transfer to a government: "the sale of F-16 jets to Ankara", "sold arms to Riyadh"
    r"|\b(?:sale|sales|sell|sells|selling|sold|deliver\w*|export\w*|transfer\w*|suppl(?:y|ies|ied|ying)|"
    r"provid\w*|grant\w*|lend\w*|lent|loan\w*)\b[^.;:]{0,60}?\bto\s+(?:the\s+)?$"
    # a relation between governments: "the standoff between Pristina and Belgrade", "talks between Tokyo and"
    r"|\b(?:standoff|talks|tensions?|relations|ties|dispute|rift|deal|agreement|negotiations|dialogue|rivalry|"
    r"feud|row|spat|cooperation|conflict|war|differences|mediation|détente|thaw|rapprochement|truce|ceasefire|"
    # a choice or a squeeze between governments: "never choose between Moscow and Beijing"
    r"choose|choosing|chose|chosen|pick|picking|balanc\w*|torn|caught|squeezed|sandwiched|wedged)"
    r"\s+between\s+(?:the\s+)?(?:[A-Z][\w.'-]*\s+(?:and|or)\s+(?:the\s+)?)?$",
    re.I,
)
# "VILNIUS, Lithuania —", "GENEVA, Nov 29 (Reuters) -", "HIROSHIMA —": the place a story was filed from.
# The dash is an em/en dash or a spaced hyphen: "U.S.-led talks" at the start of a unit is not a dateline.
DATELINE = re.compile(
    r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .'/-]+(?:,\s*[A-Z][\w .'-]*?)?(?:\s*\([^)]{1,30}\))?(?:\s*[—–]|\s+--?(?=\s))"
)
# "from the crippled Fukushima Daiichi plant": a preposition, then adjectives, then a (non-country) place.
LOCATIVE_ADJ = re.compile(
    r"\b(?:in|at|near|from|into|inside|outside|off|aboard|onboard)\s+the\s+(?:[a-z][\w-]*\s+){1,2}$"
)
# Words around a tagged name that extend it: capitalised words, and connectors inside organisation names.
CAP_RIGHT = re.compile(r"(?:\s|(?<=\.)(?=[A-Z]))(?P<w>[A-Z][\w.'&-]*)(?<!\.)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)")
CONNECTOR_RIGHT = re.compile(
    r"\s(?:of|for|and|de)\s(?:the\s)?(?P<w>[A-Z][\w.'&-]*)(?<!\.)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)"
)
# A lower-case particle inside a person's name and the capitalised word after it: "Abdel Fattah" + " el-Sisi",
# "Ursula" + " von der Leyen", "Mohammed" + " bin Salman", "Lula" + " da Silva".
PARTICLE_RIGHT = re.compile(
    r"\s(?:(?:el|al|ad|as|ash|ibn|bin|bint|ben|de|del|della|di|da|das|do|dos|du|van|von|der|den|la|le|zu|y|ter)"
    r"(?:\s|-)){1,2}(?P<w>[A-Z][\w'-]*)(?=[\s,;:!?)\]\"']|'s|\.\s|\.$|$)"
)
CAP_LEFT = re.compile(r"(?P<w>[A-Z][\w.'&-]*)(?:\s|(?<=\.))$")
# The head of a body's name before "of"/"for": "Economic Community of" + "West African States".
CONNECTOR_LEFT = re.compile(
    r"(?P<w>Community|Alliance|Union|Organi[sz]ation|Association|League|Council|Bank|Fund|Front|Movement|Coalition|"
    r"Federation|Commission|Court|Agency|Institute|Party|Congress|Assembly|Bloc|Forum|Group|Committee|Government|"
    r"Mission)"
    r"\s(?:of|for)\s(?:the\s)?$"
)
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
    r"\b(?:many|some|few|most|those|others|officials?|people|critics|analysts|diplomats|leaders|voices|everyone|"
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

# Words that start a clause or qualify a name but are never the first word of one: a capitalised
# "Although", "Under", "Now" at a sentence start is not part of "Japan", "Putin", "New Delhi".
FUNCTION_WORDS = {
    "although", "though", "because", "since", "unless", "until", "whereas", "whether", "once", "so", "nor",
    "also", "even", "still", "now", "then", "thus", "hence", "however", "meanwhile", "instead", "indeed",
    "perhaps", "already", "again", "only", "just", "never", "always", "often", "later", "earlier", "today",
    "yesterday", "tomorrow", "here", "there", "where", "why", "how", "what", "which", "who", "whom", "whose",
    "under", "over", "with", "without", "within", "from", "into", "onto", "upon", "about", "above", "across",
    "against", "along", "amid", "among", "around", "behind", "below", "beneath", "beside", "besides", "between",
    "beyond", "despite", "during", "except", "inside", "near", "outside", "through", "throughout",
    "toward", "towards", "unlike", "via", "to", "of", "off", "out", "up", "down", "per",
    "last", "next", "former", "post", "pre", "anti", "pro", "recently", "finally",
    "ultimately", "initially", "currently", "previously", "eventually", "nevertheless", "nonetheless",
    "moreover", "furthermore", "likewise", "similarly", "otherwise", "rather", "there's", "here's",
}  # fmt: skip
# A word before a demonym that turns it into a region's ("Latin American", "West African").
REGION_QUALIFIERS = {
    "latin", "north", "south", "east", "west", "central", "southeast", "southeastern", "northeast", "northern",
    "southern", "eastern", "western", "sub-saharan", "pan", "anglo", "trans",
}  # fmt: skip
# Parts of the world that are not states: a qualified continent ("Central Asia", "Francophone Africa", "Latin
# America") or a named region ("the Middle East", "the Balkans"). They are settings, not actors; a continent
# alone ("Europe must …") stays, as it often stands for its governments.
REGION_HEADS = {"asia", "africa", "europe", "america", "americas", "pacific", "atlantic", "arctic", "mediterranean"}
REGION_NAMES = {
    "middle east", "near east", "far east", "balkans", "caucasus", "sahel", "levant", "maghreb", "caribbean",
    "horn of africa", "indo-pacific", "asia-pacific", "global south", "global north", "scandinavia", "gulf",
    "persian gulf", "arab world", "western hemisphere",
}  # fmt: skip
# A demonym after these words is a language ("speaks fluent Chinese", "translated into Russian").
LANGUAGE_BEFORE = re.compile(
    r"(?i)\b(?:speaks?|spoke|spoken|speaking|translated\s+into|written\s+in|dubbed\s+into|fluent)\s+"
    r"(?:fluent\s+|good\s+|broken\s+|passable\s+|perfect\s+)?$"
)
# A demonym before these nouns describes a field or a trait, not the country acting ("Russian history",
# "of Chinese descent").
DOMAIN_AFTER = re.compile(
    r"^\s+(?:history|culture|language|cuisine|literature|music|cinema|film|art|"
    r"football|sport|folklore|heritage|descent|origin|ancestry|society|media\s+market|accent|citizenship|passport)\b"
)
# A demonym before one person's occupation is that person's nationality, not the country acting ("the former
# French diplomat", "a Russian-born businessman"); plurals that act for a state ("French diplomats said") stay.
OCCUPATION_AFTER = re.compile(
    r"^\s+(?:diplomat|writer|journalist|reporter|economist|businessman|businesswoman|activist|scholar|academic|"
    r"lawyer|novelist|artist|citizen|national|student|tourist|blogger|dissident|billionaire|tycoon|mathematician|"
    r"professor|researcher|analyst|expert|banker|investor|entrepreneur|footballer|player|singer|actor|actress|"
    r"author|poet|historian|philosopher|scientist|engineer|doctor|priest|cleric|aid\s+worker)\b"
)
# Party adjectives before people ("Republican leaders", "several Democratic senators", "Tory MPs") name the
# party's group: its plural, the name of the group elsewhere in news text ("the Republicans").
PARTY_ADJECTIVES = {
    "Republican": "Republicans", "Democratic": "Democrats", "Democrat": "Democrats", "Conservative": "Conservatives",
    "Tory": "Tories", "Liberal": "Liberals", "Socialist": "Socialists", "Labour": "Labour",
}  # fmt: skip
PEOPLE_AFTER = re.compile(
    r"^\s+(?:[a-z][\w-]*\s+)?(?:leaders|senators|lawmakers|legislators|members|officials|voters|candidates|politicians|"
    r"governors|representatives|delegates|activists|supporters|hardliners|moderates|ministers|MPs|deputies|"
    r"congressmen|congresswomen|mayors|strategists|donors|colleagues|rebels|critics|backbenchers|benches|ranks|"
    r"grassroots|base|wing)\b"
)
# Prefixes of a hyphenated compound that only qualify the name after them ("post-Brexit", "anti-French").
COMPOUND_PREFIXES = {"post", "pre", "anti", "pro", "non", "ex", "neo", "mid", "trans", "pan", "cross", "inter"}
# Words before a country's name that qualify it without naming another actor ("Communist China").
COUNTRY_QUALIFIERS = {"communist", "mainland", "red", "imperial", "modern", "today's", "post-war", "postwar", "putin's"}

# The head word of a name that makes it an event, an agreement or an era, not an actor ("World War II",
# "the Cold War", "the Abraham Accords", "the Paris Agreement", "the Belt and Road Initiative").
EVENT_HEADS = {
    "war", "wars", "accord", "accords", "agreement", "agreements", "treaty", "summit", "crisis", "revolution",
    "era", "election", "elections", "referendum", "games", "olympics", "pact", "deal", "act", "doctrine",
    "initiative", "protocol", "declaration", "charter", "spring", "uprising", "invasion", "massacre", "genocide",
    "pandemic", "cup", "championship", "festival", "day", "week", "year", "century", "dynasty", "period", "age",
    "plan", "strategy", "framework", "roadmap", "corridor",
}  # fmt: skip
# The head word of a body of ideas named after a person ("Xi Jinping Thought", "the Monroe Doctrine").
IDEOLOGY_HEADS = {"thought", "doctrine", "theory", "thesis", "consensus"}
EVENT_NAMES = {"brexit", "holocaust", "apartheid", "covid", "covid-19", "abenomics", "glasnost", "perestroika"}
# Auxiliaries and common verbs right after a place name that make it the subject of a clause
# ("Texas would keep defending itself", "Europe cannot keep outsourcing its security").
ACTING_NEXT = re.compile(
    r"^(?:'s?\s|"  # a possessor: "Europe's problems"
    r"\s+(?:is|was|are|were|has|have|had|will|would|can|cannot|can't|could|should|must|may|might|did|does|do|"
    r"wants?|wanted|needs?|needed|says?|said|insists?|insisted|refused|refuses|rejects?|rejected|agreed|agrees|"
    r"accused|accuses|warned|warns|threatened|threatens|remains|remained|joined|joins|signed|signs|voted|votes|"
    r"backed|backs|opposed|opposes|announced|announces|responded|responds|welcomed|welcomes)\b)"
)

# Outlets, platforms and meetings a claim is made to or on ("told Fox News", "wrote on X", "told the General
# Assembly"): the last word of an outlet's or a meeting's name, well-known outlets without such a word, and
# social platforms (matched case-insensitively).
MEDIA_HEADS = {
    "News", "Times", "Post", "Journal", "Herald", "Tribune", "Telegraph", "Gazette", "Daily", "TV", "Television",
    "Radio", "Broadcasting", "Magazine", "Channel", "Newspaper", "Assembly", "Conference", "Forum", "Summit",
    "Convention", "Rally", "Podcast",
}  # fmt: skip
MEDIA_NAMES = {
    "CNN", "BBC", "NBC", "CBS", "ABC", "MSNBC", "NPR", "PBS", "NHK", "CCTV", "AFP", "AP", "Reuters", "Bloomberg",
    "Kyodo", "Xinhua", "TASS", "Yonhap", "Al Jazeera", "Politico", "Axios", "RT", "DW", "Interfax", "Le Monde",
    "Der Spiegel", "Asahi", "Yomiuri", "Nikkei", "The Economist", "Economist", "Fox",
}  # fmt: skip
PLATFORMS = {
    "X", "Twitter", "Facebook", "Telegram", "Weibo", "WeChat", "TikTok", "Instagram", "YouTube", "Truth Social",
    "Threads", "Bluesky", "LinkedIn", "Substack",
}  # fmt: skip

# Head words of place names: a name ending in one is a place, whatever the tagger says.
PLACE_HEADS = {
    "shoal", "reef", "island", "islands", "sea", "ocean", "river", "strait", "bay", "gulf", "mountain", "mountains",
    "peninsula", "valley", "desert", "lake", "canal", "coast", "province", "county", "square", "street", "airport",
    "avenue", "boulevard", "road", "bridge", "highway", "district", "port", "harbour", "harbor",
}  # fmt: skip
