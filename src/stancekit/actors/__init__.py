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
  Subject "it"/"they" skip names inside a prepositional phrase or brackets ("analysts at the
  Peterson Institute say, it …") and, across units, possessors of things ("Japan's courtship …. It
  …"; not "China's coast guard …; it said") and anything before a unit that opens with an unnamed
  subject ("The joint statement called …. It did not …"). "(b) its economy" after "(a) India is …"
  is India. A "he"/"his" after an official the unit describes without a name ("ordered the French
  ambassador to leave and cut off his food supply") is that official's, not an earlier person's.
- **Descriptions** ("the (tough) Russian leader", "the prime minister", "Russia's president") →
  the person the article ties to that role and/or country, from titles ("Russian President
  Vladimir Putin", "Prime Minister Abe"), possessives ("Japan's leader Abe"), appositions ("Abe,
  the Japanese prime minister") and "Under Putin, Russia …"; the most recent such person wins; a
  person whose title names no country ("President Joe Biden") fits "the U.S. president" when
  nobody else does. A description the article does not pin to a named person ("the next
  president") stays unresolved rather than guessed. "His/her government" → that person's
  country when the article states it, else the person. A name in apposition right after a
  description is its person ("the ousted president, Mohamed Bazoum"). An official of a country the
  article does not name ("summoned the Chinese ambassador") stands for that country; an unnamed head
  of state ("the Russian leader") stays unresolved. A party's or organisation's person ("The Labour
  leader promised …") that opens a unit is the person who is the subject of the unit before.
- **Countries by description**: "the government" (or administration, regime, cabinet) with no
  country named → a country named earlier in the unit; else the country of a head of government
  named in the last two units; else the one country of the nearest unit before that names
  actors; else the country named most often so far, never one named later in the same unit ("accused
  the government of going soft on Beijing"). "The kingdom", "the island nation", "the republic",
  "the emirate" → the country of that kind the article named last (``countryinfo``'s official
  names; no land borders for an island nation).
- **Claimant**: "according to Y", "Y (has) said/declared/told/…", "…, said Y" → ``source`` Y,
  recorded apart from the actors the claim is about (that mention is not one of them). "Worry" and
  "fear" attribute like "say" ("Mexican officials worry …"). Who the claimant is ("said Astrini *of
  the Climate Observatory*", "Nakanishi, *a professor at Kyoto University*") and the outlet,
  platform or meeting a claim was made to or on ("told *Fox News*", "wrote on *X*", "told *the U.N.
  General Assembly*") are neither actors of the claim nor of the article; a politician's party in
  the apposition stays ("Lee, the leader of the opposition Democratic Party").

Decisions (documented here because the tests and the benchmark rely on them):

- **Mention spans** never start with a conjunction, preposition or adverb ("Although Japan",
  "Under Putin", "Now New Delhi" → the name; ``grammar.FUNCTION_WORDS``) and keep an
  abbreviation's full stop ("U.S.", "D.C."). A hyphenated compound yields the actors inside it
  ("U.S.-led" → United States, "Japan-Russia", "Sino-Japanese" → China and Japan, "post-Brexit"
  → Brexit), unless it is one name ("NATO-Ukraine Council", "Guinea-Bissau", "Park Geun-hye"),
  or says where someone is ("a Beijing-based analyst", "the U.S.-born envoy": no actor).
  Combining forms are read without the tagger ("*Sino*-Australian" → China); a prefixed compound
  is not grown into the name after it ("Post-Brexit Britain" → Britain), nor a demonym into a place
  after it ("the Brazilian Amazon" → Brazil; "Indian Ocean" is one name); a name ending in "Jr",
  "Inc" or "Co" keeps its full stop. A capitalised name after a person's title is a person even
  when the tagger missed it ("President Biden").
- **What is an actor**: people, organisations, countries and other governed places, and groups.
  Events, wars, agreements, eras and ideologies ("World War II", "the Cold War", "Brexit", "the
  Abraham Accords", "Peronism") are not; nor are region, party or faith adjectives before a noun
  ("Asian nations", "Siberian gas", "Republican primary", "Latin American left") — their plural
  names a group ("the Republicans"), and so does a party adjective before people or what a party
  forms ("Republican leaders", "Democratic senators", "the Conservative back benches" → the
  Republicans, the Democrats, the Conservatives). A name that qualifies an agreement or a meeting
  ("the AUKUS pact"), a name after "a"/"an" ("promised a Zeitenwende", "an Amazon panel") unless
  it names a body ("a Global Biofuels Alliance") or people of it follow ("a Hamas official"), and a
  model designation ("F-16 jets") are not actors. A country's ministry or embassy is an
  organisation of its own ("China's Foreign Ministry"). A place the tables do not know as a
  country is an actor only when it acts or possesses ("Texas would keep defending itself",
  "Europe's problems"), not as a setting or modifier ("the Kuril Islands dispute", "the Pahalgam
  attack"). A demonym that stands
  for a country ("Japanese leaders") is that country, typed ``country``; one before an occupation
  and a person's name is that person's nationality, not an actor ("the Australian writer Yang
  Hengjun"), and so is one before history or culture ("in American history").
- **One actor, one name**: capitals and seats of government stand for their country, even when
  the tagger calls a lone capital a person ("Washington"; "George Washington" stays a person);
  qualified names merge into the plain one ("Communist China" → China); a person is named by
  the longest form of their name in the article. Across a corpus, :func:`merge_actor_names`
  joins "Putin" / "Vladimir Putin" and "Donald Trump" / "Donald J. Trump" but never two people who
  share a surname.
- A possessor of a person is an actor of its own ("*Germany's* Angela Merkel" → Germany and
  Merkel); a possessor or adjective of a *title* only ties the person to the country
  ("*Russia's* President Putin", "*Japanese* Prime Minister Abe").

- A place named as a setting ("in Tokyo", "at the White House", "from Brussels", a dateline
  "VILNIUS, Lithuania —", "in Lima, Peru") is not an actor, unless it is a country ("sanctions in
  Russia" is about Russia); people of a capital ("many in Beijing") are its country, and so is a
  capital after a word for a relation with its government ("moved closer to Washington", "a
  diktat from Brussels", "the sale of jets to Ankara", "Moscow's influence in New Delhi").
- A country or organisation word that only qualifies a title or another name ("*Japanese* Prime
  Minister Shinzo Abe", "*NATO* Secretary General Jens Stoltenberg", "*China's* Hainan Island")
  is not a mention of its own; it ties the person to the country.
- The **primary actor** of a unit is the actor of its first mention that is not the source and not
  of type ``other`` (``other`` only when nothing else is there): in English news the subject comes
  first, and a pronoun subject ("His flagship policy …") counts as a mention of its referent.
- Per unit, an actor's scores are the mean of its mentions' stance scores in that unit. Per
  article, ``counts`` count the *claims* by their stance toward the actor; ``scores`` pool the
  units the model read that mention it with :func:`article_stance` (the weighted mean favor and
  against scores, claims at weight 1 and the other read units at
  ``ARTICLE_STANCE.nonclaim_weight``, with one imaginary neutral unit added so that thin evidence
  stays near neutral, turned into a distribution by a multinomial logistic model fitted on
  PerSenT dev, whose labels are about people, so a country needs stronger evidence to leave neutral;
  see :data:`ARTICLE_STANCE`); ``stance`` is their argmax (``neutral`` when no read unit mentions it).
- Actors are ordered by their first mention in the article.
"""

from stancekit.actors.corpus import merge_actor_names
from stancekit.actors.references import reference_spans
from stancekit.actors.resolution import resolve
from stancekit.actors.state import Resolution, UnitInput
from stancekit.actors.summary import ARTICLE_STANCE, ArticleStanceParams, StanceEvidence, article_stance, find_actor

__all__ = [
    "UnitInput",
    "Resolution",
    "reference_spans",
    "resolve",
    "find_actor",
    "merge_actor_names",
    "article_stance",
    "ArticleStanceParams",
    "StanceEvidence",
    "ARTICLE_STANCE",
]
