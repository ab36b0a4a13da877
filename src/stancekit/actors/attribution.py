"""Attribution: the actor a claim is attributed to (its ``source``): "Y said", "said Y", "according to Y"."""

from __future__ import annotations

import re

from stancekit.actors.grammar import MEDIA_HEADS, MEDIA_NAMES, PLATFORMS, ROLES
from stancekit.actors.state import ArticleState, MentionDraft

_SPEECH_VERBS = (
    "said|says|say|told|tells|stated|states|claimed|claims|argued|argues|warned|warns|"
    "insisted|insists|added|adds|announced|announces|noted|notes|wrote|writes|believes|believed|thinks|"
    "thought|maintained|maintains|asserted|asserts|stressed|stresses|suggested|suggests|acknowledged|"
    "acknowledges|admitted|admits|explained|explains|contended|contends|emphasized|emphasised|emphasizes|"
    "emphasises|predicted|predicts|complained|complains|tweeted|tweets|worry|worries|worried|fear|fears|feared|"
    "alleged|alleges|denied|denies|confirmed|confirms|reported|reports|report|"
    # expecting an outcome is not saying anything: "had expected a comfortable majority"
    r"(?:expects|expect|expected)(?!\s+(?:a|an)\s)|"
    # answering verbs attribute only with what was said: "replied on Monday that …"
    # and so do promising verbs ("promised that …", not "promised a golden era")
    r"(?:replied|replies|responded|responds|countered|counters|vowed|vows|promised|promises|pledged|pledges|"
    r"concluded|concludes|found|finds|"
    # declaring something is an act ("declared martial law", "declared independence"); declaring that … is speech
    r"declared|declares)"
    r"(?=\s*,?\s*(?:(?:on|in|last|this|late|early)\s+\w+\s*,?\s*)?(?:that\b|[:\"“]))"
)
_ADVERBS = (
    r"(?:has|have|had|also|then|later|again|reportedly|publicly|repeatedly|previously|once|recently|long|"
    r"always|firmly|clearly|openly|often|now|already|flatly|privately|since|last\s+\w+|on\s+\w+|in\s+\w+)"
)
# A speaker noun between an actor word and the verb: "Japanese officials say", "Chinese state media reported".
_SPEAKER_NOUN = (
    r"(?:'s)?(?:\s+(?:state\s+|foreign\s+|defen[cs]e\s+)?(?:officials?|diplomats?|sources?|spokes(?:man|woman|person)|"
    r"authorities|media|ministry|government|delegations?|leaders?|negotiators?|analysts?|economists?|experts?|envoys?|president|"
    r"prime\s+minister|coast\s+guard|military|army|navy|embassy|office))?"
)
_SPEAKER_AFTER = re.compile(
    rf"^\)?{_SPEAKER_NOUN}(?:\s*,[^;]{{1,120}}?,|\s*,)?(?:\s+{_ADVERBS}){{0,3}}\s+(?:{_SPEECH_VERBS})\b"
    # "has said little in public", "said nothing": a claim about the subject's silence, not by it
    r"(?!\s+(?:little|nothing|less|almost\s+nothing)\b)",
    re.I,
)
# '…," said (NATO Secretary General) Jens Stoltenberg': titles may stand between verb and name.
_SPEAKER_BEFORE = re.compile(
    rf"""(?:^|[,"'“”‘’:—–-])\s*(?:{_SPEECH_VERBS})\s+(?:the\s+)?(?-i:(?:[A-Z][\w.'-]*\s+){{0,4}})$""", re.I
)
# What follows a claimant's name to say who they are: "of the Climate Observatory", ", a professor at
# Kyoto University", ", then the chairman of the Senate Foreign Relations Committee" (up to a comma or the end).
_AFFILIATION = re.compile(
    r"\s+(?:of|at|from)\s+(?:the\s+)?[A-Z][\w.'&-]*(?:\s+(?:of|for|and|the|on|de|[A-Z][\w.'&-]*))*(?=\s*[,.;:)]|\s*$)"
    r"|\s*,\s*(?:(?:then|now|formerly|also)\s+)?(?:a|an|the)\s+[^,;:\"()]{1,100}?(?=\s*,|\s*[.;:!?]?\s*$)"
)
# Before an audience a claim was made to or on: "told (the)", "in an interview with", "wrote on", "posted it on".
_ADDRESSED = re.compile(
    r"\b(?:told|tells|telling|tell|(?:said|says|saying|spoke|speaking|speaks)\s+(?:to|on|with)|interviews?\s+with|"
    r"interviewed\s+(?:by|on)|(?:wrote|writes|writing|written)\s+on|(?:posted|posts|posting|tweeted|shared)\s+"
    r"(?:[\w']+\s+){0,6}?on|addressed|addressing|addresses|(?:appeared|appearing|appearance)\s+on)\s+(?:the\s+)?$",
    re.I,
)
# Lower-case words of a title before a name: "Foreign ministry spokeswoman Pham Thu Hang said".
_BODY_WORDS = ("ministry", "office", "department", "party", "government", "state", "foreign", "defence", "defense",
               "interior", "finance", "police", "army", "military", "agency", "press", "council", "court")  # fmt: skip
_TITLE_RUN_WORDS = frozenset(("the", "former", "then", *ROLES, *_BODY_WORDS))
_PARTY = re.compile(r"\b[Pp]arty\b")
# A finite verb: what follows the claimant's apposition is a clause of its own, not another apposition.
_CLAUSE_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|may|might|must|should|does|do|did)\b"
)
# A subordinate clause opening the unit: its subject is not the claim's speaker.
_SUBORDINATE_OPENING = re.compile(
    r"\s*(?:When|After|Before|Although|Though|If|Since|While|Once|Until|Because|As)\s"
)
_ACCORDING_TO = re.compile(r"\b[Aa]ccording\s+to\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,4}$")


class Attribution(ArticleState):
    """Step 4: find each unit's claimant; the attributing mentions leave the unit's actors."""

    def find_sources(self) -> list[int | None]:
        """Mark the mentions that attribute a unit, and return each unit's source actor.

        A speaker ("Y said", "said Y") wins over "according to Y" (the outlet that reported it);
        every attributing mention, and an apposition right after it ("Lee, the opposition
        leader"), is left out of the actors the unit is about.
        """
        sources: list[int | None] = [None] * len(self.units)
        by_unit: dict[int, list[MentionDraft]] = {}
        for m in self.mentions:
            if not m.dropped and m.actor is not None:
                by_unit.setdefault(m.unit, []).append(m)
        for ui, ms in by_unit.items():
            us, ue = self.bounds[ui]
            # A quoted speaker is the claimant even when an outlet reported it ('"…," said Mimaki,
            # according to Kyodo'); in reported speech the outlet is ("Xi has told his generals …,
            # according to U.S. intelligence officials").
            quoted = '"' in self.norm[us:ue]
            best: tuple[int, MentionDraft] | None = None
            for m in ms:
                if m.kind == "pronoun" and m.text.lower() in ("its", "his", "her", "their"):
                    continue  # "Its leader, José Antonio Kast, said": the speaker is the leader, not "its"
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
            for m in [m for m in ms if m.source]:
                for k in ms:
                    between = self.norm[m.end : k.start] if k.start >= m.end else self.norm[k.end : m.start]
                    if k.actor == m.actor and k is not m and re.fullmatch(r"\s*[,(]\s*", between):
                        k.source = True
                for k in self._speaker_phrase(m, ms):
                    # who the claimant is, not an actor of the claim nor of the article
                    k.source = True
                    k.dropped = k.actor != m.actor
            for m in ms:
                if self._addressed_medium(m):
                    m.source = m.dropped = True  # neither an actor of the claim nor of the article
            if best is not None:
                sources[ui] = best[1].actor
        return sources

    def _addressed_medium(self, m: MentionDraft) -> bool:
        """An outlet, platform or meeting a claim was made to or on: "told Fox News", "wrote on X",
        "told the U.N. General Assembly". It carries the claim; the claim is not about it."""
        pre = self.norm[max(self.bounds[m.unit][0], m.start - 60) : m.start]
        if _ADDRESSED.search(pre) is None:
            return False
        core = m.text.strip().rstrip(".")
        words = core.split()
        return bool(words) and (
            core in MEDIA_NAMES or words[-1] in MEDIA_HEADS or core.casefold() in {n.casefold() for n in PLATFORMS}
        )

    def _speaker_phrase(self, m: MentionDraft, unit_mentions: list[MentionDraft]) -> list[MentionDraft]:
        """The mentions that only say who the claimant is: its affiliation and apposition.

        "said Astrini *of the Climate Observatory*, *a coalition of Brazilian NGOs*", "Nakanishi, *a
        professor at Kyoto University*", "Menendez, *then the chairman of the Senate Foreign
        Relations Committee*, warned …": the claim is not about them. A politician's party stays
        ("Lee, the leader of the opposition Democratic Party"): the claim is the party's line.
        """
        ue = self.bounds[m.unit][1]
        end = m.end
        out: list[MentionDraft] = []
        while True:
            seg = _AFFILIATION.match(self.norm, end, ue)
            if seg is None or seg.end() <= end:
                return out
            if end > m.end and _CLAUSE_VERB.search(self.norm, end, seg.end()):
                # "According to Kim, a political scientist at Korea University, the PPP is split …": after
                # the apposition comes the claim itself, not more about who Kim is
                return out
            out += [
                k for k in unit_mentions if k is not m and end <= k.start and k.end <= seg.end() and not self._party(k)
            ]
            end = seg.end()

    def _party(self, k: MentionDraft) -> bool:
        """A party's name: "the Democratic Party", "the Srpska Lista party"."""
        return bool(_PARTY.search(k.text) or re.match(r"\s+[Pp]arty\b", self.norm[k.end : k.end + 7]))

    def _subject(self, m: MentionDraft, unit_mentions: list[MentionDraft]) -> bool:
        """A speaker before "said" is a subject: unit start, after a quote/comma, or after a title."""
        us = self.bounds[m.unit][0]
        pre = self.norm[us : m.start]
        if _SUBORDINATE_OPENING.match(pre) and "," not in pre:
            return False  # "When Yoon declared …, lawmakers …": the subject of a clause the claim is not
        if not pre.strip() or re.search(r"""[,"':;—–]\s*$""", pre):
            return True
        # "Russian President Vladimir Putin told …", '…," European Commission President X said':
        # only capitalised title words since the clause began.
        words = re.split(r"""[,":;—–(]|'(?!s\b)""", pre)[-1].split()
        return len(words) <= 6 and all(w[:1].isupper() or w.lower() in _TITLE_RUN_WORDS for w in words)
