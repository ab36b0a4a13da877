"""Article cleaning: text normalisation that keeps offsets, and boilerplate detection.

Web-scraped articles carry page furniture around the body: repeated title lines, navigation
("Recent Features", "Share on X"), photo captions and credits ("Credit: …", "… REUTERS/Name"),
section headings, bylines and dates, and an author bio at the end. :func:`find_blocks` cuts the
article into blocks (non-empty lines, with hard-wrapped lines joined back into their paragraph)
and marks each boilerplate block with a reason from :data:`stancekit.types.NON_CLAIM_REASONS`.
Nothing is dropped: every non-space character of the article lies in exactly one block, and all
offsets point into the original text.

:func:`normalize` maps Unicode spaces to ``" "``, line and paragraph separators to ``"\\n"`` and
curly quotes to straight ones, one character for one character, so the model can read the
normalised text while results slice the original.

How well: on the 17 gold articles in ``tests/data/articles`` every one of the 102 boilerplate
units gets its gold reason and no body unit gets one (``tests/test_cleaning.py``); the rules were
developed on the 13 ``dev`` articles, and on the 4 ``heldout`` articles, scored once before
any change, 97 of 102 boilerplate decisions over all articles were right (section names such as
"World" and a "… ›" link line were called headings, a date line with "IST" was missed). The
rules are plain patterns, so expect misses on page furniture they have not seen.

Everything here is linear in the length of the text: the regular expressions have no nested
or overlapping quantifiers, and per-block checks look at a bounded prefix or suffix of a block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Block", "Repair", "normalize", "repair_mojibake", "find_blocks", "LINE_BREAKS"]

#: The characters :meth:`str.splitlines` treats as line boundaries ("\r\n" counts as one break).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# Unicode "Zs" space separators other than U+0020 (fixed list: the category is stable).
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_TRANSLATION = {ord(c): " " for c in _SPACES}
_TRANSLATION.update({ord(c): "\n" for c in "\x85\u2028\u2029"})
_TRANSLATION.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033"})
_TRANSLATION.update({ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"})


@dataclass(frozen=True)
class Block:
    """A non-empty line or paragraph of an article: ``text[start:end]``, stripped.

    ``reason`` says why the block is boilerplate (``"heading"``, ``"caption"``, ``"byline"``,
    ``"bio"``, ``"duplicate"``, ``"navigation"``), or is ``None`` for body text.
    """

    start: int
    end: int
    reason: str | None = None


def normalize(text: str) -> str:
    """Return ``text`` with Unicode spaces, line separators and curly quotes made plain.

    The result has the same length as ``text``, character for character: NBSP, thin and other
    Unicode spaces become ``" "``, U+0085/U+2028/U+2029 become ``"\\n"``, curly and angle quotes
    become ``'"'`` or ``"'"``; dashes, ellipses and everything else are kept.

    Example:
        >>> normalize("Tokyo\\u00a0said \\u201cno\\u201d")
        'Tokyo said "no"'
    """
    return text.translate(_TRANSLATION)


# --- mojibake: UTF-8 read as Latin-1 / Windows-1252 ------------------------------------------

# One UTF-8 character read as Latin-1 or Windows-1252: a lead byte (0xC2–0xF4, shown as "Â".."ô") and
# one to three continuation bytes (0x80–0xBF: C1 controls, or the cp1252 letters at those codes).
_CP1252_CONT = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_RE = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_CONT}]{{1,3}}")


def _byte(c: str) -> int | None:
    if ord(c) < 256:
        return ord(c)
    try:
        return c.encode("cp1252")[0]
    except UnicodeEncodeError:
        return None


@dataclass(frozen=True)
class Repair:
    """A text with its mojibake undone, and where each of its characters came from.

    ``text[i]`` was read from ``original[starts[i]:ends[i]]``; :meth:`span` maps a span back.
    """

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of ``text[start:end]`` (an empty span stays empty)."""
        if start >= end:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]


def repair_mojibake(text: str) -> Repair | None:
    """Undo UTF-8 that was decoded as Latin-1 or Windows-1252 ("itâ\x80\x99s", "donâ€™t", "JosÃ©").

    Each sequence is repaired only when its bytes are one valid UTF-8 character, so correct text,
    including Latin-1 letters in real words ("Ångström"), stays as it is. Returns ``None`` when
    nothing needs repair (the usual case), else a :class:`Repair` whose offsets lead back to ``text``.

    Example:
        >>> r = repair_mojibake("Itâ\u0080\u0099s")
        >>> r.text, r.span(2, 4)
        ("It’s", (2, 6))
    """
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for m in _MOJIBAKE_RE.finditer(text):
        raw = [_byte(c) for c in m.group(0)]
        if any(b is None for b in raw):
            continue
        lead = raw[0] or 0
        need = 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
        if len(raw) < need + 1:
            continue
        try:
            char = bytes(raw[: need + 1]).decode("utf-8")  # type: ignore[arg-type]
        except UnicodeDecodeError:
            continue
        end = m.start() + need + 1
        pieces.append(text[cursor : m.start()])
        starts.extend(range(cursor, m.start()))
        ends.extend(range(cursor + 1, m.start() + 1))
        pieces.append(char)
        starts.append(m.start())
        ends.append(end)
        cursor = end
    if not pieces:
        return None
    pieces.append(text[cursor:])
    starts.extend(range(cursor, len(text)))
    ends.extend(range(cursor + 1, len(text) + 1))
    return Repair(text, "".join(pieces), tuple(starts), tuple(ends))


# --- line-level patterns (applied to normalised block text) ----------------------------------

_LINE_RE = re.compile(f"[^{LINE_BREAKS}]+")
_TERMINAL = ".!?:;,…\"')]"

_NAV_RE = re.compile(
    r"(?:skip to (?:main )?content|recent features|advertisement|advertising|sponsored(?: content)?"
    r"|share(?: this(?: article| story| page)?| on \w+| via \w+)?|print(?: this article)?|email"
    r"|subscribe\b.*|sign up\b.*|newsletter\b.*|log ?in|sign in|register|menu|search|home|close"
    r"|most (?:read|popular|viewed)|trending(?: now)?|top stories|latest(?: news)?"
    r"|related(?: articles| stories| content)?"
    r"|recommended(?: stories| for you| reading)?|continue reading|read (?:more|next|also)\b.*|see also\b.*"
    r"|related ?:.*|tags? ?:.*|topics? ?:.*|filed under ?:.*|follow (?:us|\w+ \w+) on\b.*|click here\b.*"
    r"|comments|comment \(\d+\)|comments \(\d+\)"
    r"|back to top|watch(?: video)?|listen(?: to this article)?|\d+ min(?:ute)? read)",
    re.IGNORECASE,
)
# Section names that stand alone on a line above the headline ("World", "Asia").
_SECTION_RE = re.compile(
    r"(?:world|world news|news|home|asia|asia[- ]pacific|europe|africa|americas|middle east|politics|business"
    r"|economy|markets|sports?|tech(?:nology)?|science|culture|lifestyle|health|climate|environment|video"
    r"|u\.?s\.?|u\.?k\.?|china|japan|india|russia|ukraine|korea|international|national|local|regional|diplomacy"
    r"|security|defen[cs]e|society|features?|analysis|explainers?)",
    re.IGNORECASE,
)
# A link line: a short line ending with an arrow or chevron ("Why the shoal matters ›").
_ARROWS = ("›", "»", "→", ">", "▸", "►", "⟶", "⇒")
# A line made only of separators/symbols ("___", "* * *", "— — —").
_SEPARATOR_RE = re.compile(r"[\W_]+")
# Breadcrumbs: "Home › World › Europe", "News > Asia".
_BREADCRUMB_RE = re.compile(r"\w[^›»>]{0,40}(?:\s[›»>]\s[^›»>]{1,40}){1,6}")

_CAPTION_START_RE = re.compile(
    r"(?:credits?|photo(?:graph)?s?|image|picture|caption|illustration|video|source|file photo)\s*:\s*\S",
    re.IGNORECASE,
)
_CAPTION_CREDIT_RE = re.compile(
    r"(?:\b(?:REUTERS|Reuters|AFP|EPA(?:-EFE)?|Xinhua|Kyodo|Yonhap|Anadolu|Sputnik|TASS|ANSA|Bloomberg)/\S[^/]{0,60}"
    r"|\(?AP Photo\b[^()]{0,80}\)?|\b(?:via )?Getty Images\)?"
    r"|\((?:Photo|Image|Picture)s? (?:by|courtesy)\b[^()]{0,80}\)"
    r"|\b(?:Photo|Image|Credit)s?:\s[^.!?]{1,80}|\((?:Kyodo|Xinhua|Yonhap|AP|AFP|Reuters)\))\s*$"
)

_CREDIT_KEYS = ("/", "Getty", "Photo", "Image", "Picture", "Credit")
_CREDIT_LINE_KEYS = ("contributed", "reporting by", "editing by", "reported from")
_BYLINE_RE = re.compile(r"(?:by|written by|words by|reporting by)\s+(?P<rest>\S.{0,200})", re.IGNORECASE)
_BYLINE_LOWER_OK = frozenset(
    "and in of the for from with at de da di del van von der bin al la le y e du des dos staff writer reporter"
    " correspondent editor ret".split()
)
_AGENCY_RE = re.compile(
    r"(?:the )?(?:associated press|reuters|agence france-presse|afp|bloomberg(?: news)?|kyodo(?: news)?|yonhap"
    r"(?: news agency)?|xinhua|tass|dpa|ap|staff reporter|staff writer|(?:our )?foreign staff|wire services)",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
# A dateline/timestamp line: dates, times, time zones and a few filler words only.
_DATE_TOKEN_RE = re.compile(
    rf"\b(?:{_MONTHS})\b\.?|\b\d{{1,4}}(?::\d\d)?(?:st|nd|rd|th)?\b|\b[ap]\.?m\b\.?"
    r"|\b(?:published|updated|posted|last updated|modified|at|on|am|pm|gmt|utc|bst|cet|cest|jst|kst|est|edt|pst|pdt"
    r"|et|pt|ist|hkt|sgt|aest|aedt|msk|wib|pht|ict|cat|eat|wat|sast|hst|mst|mdt|cst|cdt|ast|akst|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|ago|hours?|mins?"
    r"|minutes?|days?)\b|[\W_]",
    re.IGNORECASE,
)
# A date line starts with a date word or number (cheap anchored test before the full check).
_DATE_START_RE = re.compile(
    rf"(?:{_MONTHS}|\d|published|updated|posted|last|modified|mon|tue|wed|thu|fri|sat|sun)", re.IGNORECASE
)
_YEAR_OR_MONTH_RE = re.compile(rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b|\b\d+ (?:hours?|minutes?|days?) ago\b", re.I)
_CREDIT_LINE_RE = re.compile(
    r"contributed (?:reporting )?to (?:this|the) (?:report|story|article)|\breporting by\b|\bediting by\b"
    r"|^\S+(?: \S+){0,3} reported from [A-Z][\w ]{0,40}\.",
    re.IGNORECASE,
)

_BYLINE_NAME_WORD_RE = re.compile(r"[A-Z][\w'’-]+")
# Capitalised byline words that are not names.
_NOT_NAMES = frozenset(
    "by and the in of for from with published updated posted associated press reuters staff writer reporter"
    " correspondent editor ret dr prof gen".split()
)
_BIO_NAME_RE = re.compile(
    r"[*—–-]?\s*(?:(?:Dr|Prof|Gen|Adm|Col|Lt|Amb|Sen|Rep|Mr|Ms|Mrs)\.?\s+)?(?:\((?:ret|Ret)\.?\)\s+)?"
    r"[A-Z][\w'.-]*(?:\s+(?:[A-Z][\w'.-]*|de|van|von|bin|al|da|di|del|la|le)){0,4}"
    r"\s+(?:is|was|are|has been|serves as)\s"
)
_BIO_ROLE_RE = re.compile(
    r"\b(?:diplomat|fellow|professor|lecturer|journalist|correspondent|writer|editor|author|analyst|researcher"
    r"|director|reporter|columnist|contributor|minister|ambassador|commander|scholar|economist|officer|advis[eo]r"
    r"|consultant|student|candidate|chair(?:man|woman)?|founder|partner|expert|historian|member|president|head"
    r"|specialist|associate|lawyer|practitioner|who (?:served|covers|writes|worked|teaches|specializes|specialises))",
    re.IGNORECASE,
)
_BIO_OTHER_RE = re.compile(
    r"(?:the (?:author|writer)s? (?:is|are|was)\b|the views expressed\b|the opinions expressed\b"
    r"|follow (?:him|her|them) on\b)",
    re.IGNORECASE,
)

_BULLETS = "•◦▪‣∙·*-–—>"
_SMALL_WORDS = frozenset(
    "a an the and or but nor of in on at to for by with from as vs via into onto over per than up out off".split()
)


def _is_navigation(s: str) -> bool:
    if len(s) > 120:
        return False
    t = s
    # Trailing punctuation, arrows and emoji after a navigation label ("Share via Email ✉️", "Menu ›").
    while t and (t[-1].isspace() or not t[-1].isalnum()) and t[-1] not in ")]":
        t = t[:-1]
    if not t or _SEPARATOR_RE.fullmatch(s):
        return True
    if s.endswith(_ARROWS) and len(s) <= 100:
        return True
    return bool(_NAV_RE.fullmatch(t) or _BREADCRUMB_RE.fullmatch(t) or _SECTION_RE.fullmatch(t))


def _is_caption(s: str) -> bool:
    if len(s) > 600:
        return False
    if _CAPTION_START_RE.match(s):
        return True
    tail = s[-120:]
    # Cheap substring checks first: the credit regex is only worth running on likely captions.
    if not (any(k in tail for k in _CREDIT_KEYS) or tail.endswith(")")):
        return False
    return bool(_CAPTION_CREDIT_RE.search(tail))


def _is_byline(s: str) -> bool:
    if len(s) > 300:
        return False
    m = _BYLINE_RE.fullmatch(s)
    if m:
        words = re.findall(r"[^\W\d_][\w'.-]*|\d+", m.group("rest"))
        if words and words[0][0].isupper() and len(words) <= 25:
            lower = [w for w in words if w[0].islower() and w.lower().strip(".") not in _BYLINE_LOWER_OK]
            if not lower or (words[0][0].isupper() and len(lower) <= 1 and len(words) >= 6):
                return True
    if _AGENCY_RE.fullmatch(s.strip(" ,.-—|")):
        return True
    if (
        len(s) <= 80
        and _DATE_START_RE.match(s)
        and _YEAR_OR_MONTH_RE.search(s)
        and not _DATE_TOKEN_RE.sub("", s).strip()
    ):
        return True
    low = s.lower()
    return any(k in low for k in _CREDIT_LINE_KEYS) and bool(_CREDIT_LINE_RE.search(s))


def _is_bio(s: str, authors: set[str] | None, last: bool) -> bool:
    """Whether a block near the end is an author bio.

    ``authors`` are the capitalised words of the article's bylines (None if it has none): a bio
    must then name one of them, so that a closing sentence like "Putin is a former KGB officer
    who …" stays body text. Without bylines only the very last block can be a bio.
    """
    head = s[:400]
    if _BIO_OTHER_RE.match(head.lstrip("*—–- ")):
        return True
    m = _BIO_NAME_RE.match(head)
    if not (m and _BIO_ROLE_RE.search(head, m.end())):
        return False
    if authors is None:
        return last
    name = {w.strip(".,'’").casefold() for w in head[: m.end()].split()[:-1]}
    return bool(name & authors)


def _words(s: str) -> list[str]:
    return re.findall(r"[\w'’.-]+", s)


def _is_title_case(s: str) -> bool:
    words = [w.strip("'’.-") for w in _words(s)]
    content = [w for w in words if w and w.lower() not in _SMALL_WORDS]
    if len(content) < 2:
        return False
    caps = sum(1 for w in content if not w[0].isalpha() or w[0].isupper())
    return caps >= 0.85 * len(content)


def _is_all_caps(s: str) -> bool:
    # str.isupper: every cased character is uppercase and there is at least one.
    return len(s) >= 3 and s.isupper()


def _is_heading(s: str) -> bool:
    if len(s) > 160:
        return False
    last = s[-1]
    if last in ".!;,:" or len(_words(s)) > 20:
        return False
    if s[0] in _BULLETS:
        return False  # a list item ("• Sanctions on Russian oil"), not a heading
    if _is_all_caps(s):
        return True
    if last in _TERMINAL or last == "?":
        # A Title Case headline may end with "?" ("… but Can It Last?"); a sentence may not look Title Case.
        return last == "?" and _is_title_case(s[:-1]) and len(_words(s)) >= 4
    if _is_title_case(s):
        return True
    # A short sentence-case line with no final punctuation ("What happens next").
    return len(_words(s)) <= 8 and s[0].isupper()


def _line_kind(s: str) -> str | None:
    """The boilerplate reason that a single line shows by itself (not position-dependent)."""
    if _is_navigation(s):
        return "navigation"
    if _is_caption(s):
        return "caption"
    if _is_byline(s):
        return "byline"
    return None


def _continues(prev: str, prev_kind: str | None, cur: str, cur_kind: str | None, min_len: int) -> bool:
    """Whether line ``cur`` continues line ``prev`` in a hard-wrapped paragraph."""
    if prev_kind in ("navigation", "caption", "heading") or cur_kind in ("navigation", "caption"):
        return False
    if prev_kind == "byline" and not _CREDIT_LINE_RE.search(prev + " " + cur):
        return False
    if cur_kind == "byline" and _BYLINE_RE.match(cur) or cur[0] in _BULLETS:
        return False
    return len(prev) >= min_len and not _ends_sentence(prev)


def _ends_sentence(line: str) -> bool:
    """Whether a line ends with final punctuation, possibly followed by closing quotes/brackets."""
    return line.rstrip("\"')]”’»").endswith((".", "!", "?", "…", ":", ";"))


def _wrap_width(norm: str, lines: list[tuple[int, int, bool]]) -> int:
    """The line width of a hard-wrapped article, or 0 if its lines are whole paragraphs.

    Hard-wrapped text (wire copy, e-mail, plain-text archives) is wrapped at 60 to 100
    characters and has several long lines that end mid-sentence and run on into the next line.
    Web-scraped text has one line per paragraph, and its lines are never joined.
    """
    width = max(end - start for start, end, _ in lines)
    if not 60 <= width <= 100:
        return 0
    runs_on = sum(
        1
        for (start, end, _), (_, _, para) in zip(lines, lines[1:], strict=False)
        if not para and end - start >= 0.6 * width and not _ends_sentence(norm[max(start, end - 8) : end])
    )
    return width if runs_on >= 2 else 0


def _lines(text: str, norm: str) -> list[tuple[int, int, bool]]:
    """Stripped non-empty lines as (start, end, paragraph_break_before)."""
    out: list[tuple[int, int, bool]] = []
    prev_end = 0
    for m in _LINE_RE.finditer(norm):
        seg = m.group()
        stripped = seg.strip()
        if not stripped:
            continue
        start = m.start() + (len(seg) - len(seg.lstrip()))
        end = start + len(stripped)
        gap = norm[prev_end:start]
        if gap == "\n":
            breaks = 1
        else:
            breaks = sum(gap.count(c) for c in LINE_BREAKS) - gap.count("\r\n")
        out.append((start, end, breaks >= 2 or not out))
        prev_end = end
    return out


def find_blocks(text: str) -> list[Block]:
    """Cut an article into blocks and mark boilerplate.

    A block is a non-empty line, stripped; consecutive lines of a hard-wrapped paragraph (a long
    line with no final punctuation followed directly by another body line) form one block.
    ``reason`` is one of ``"navigation"``, ``"caption"``, ``"byline"``, ``"duplicate"`` (the same
    text as an earlier block, e.g. a repeated title), ``"bio"`` (an author bio among the last
    blocks), ``"heading"`` (title, section headings: short Title Case or capitalised lines
    without final punctuation), or ``None`` for body text.

    Args:
        text: the article text, as read (not normalised).

    Returns:
        The blocks in order; they never overlap and cover every non-space character of ``text``.

    Example:
        >>> [b.reason for b in find_blocks("Recent Features\\nBy Jane Doe\\nTokyo said no.")]
        ['navigation', 'byline', None]
    """
    if not text or text.isspace():
        return []
    norm = normalize(text)
    lines = _lines(text, norm)
    width = _wrap_width(norm, lines)
    # Join hard-wrapped lines into paragraphs: [start, end, start of last line, merged].
    groups: list[list[int]] = []
    kinds: list[str | None] = []
    for start, end, para in lines:
        s = norm[start:end]
        kind = _line_kind(s)
        if width and groups and not para:
            g = groups[-1]
            prev = norm[g[2] : g[1]]
            prev_kind = kinds[-1] or ("heading" if not g[3] and _is_all_caps(prev) else None)
            if _continues(prev, prev_kind, s, kind, int(0.5 * width)):
                g[1], g[2], g[3] = end, start, 1
                kinds[-1] = None
                continue
        groups.append([start, end, start, 0])
        kinds.append(kind)

    reasons: list[str | None] = []
    keys: list[str] = []
    seen: set[str] = set()
    for (start, end, _, merged), kind in zip(groups, kinds, strict=True):
        s = norm[start:end]
        reason = _line_kind(" ".join(s.split())) if merged else kind
        key = " ".join(s.casefold().split())
        if reason is None and key in seen and len(key) >= 8:
            reason = "duplicate"
        seen.add(key)
        if reason is None and not merged and _is_heading(s):
            reason = "heading"
        if reason == "duplicate" and reasons and reasons[-1] is None and keys and keys[-1] == key:
            # A Title Case line shown twice in a row is a page's title (and its copy), also when it
            # has sentences ("… Cut Inflation. It Has Not Cut Poverty."): the first one is the heading.
            if not groups[len(reasons) - 1][3] and len(_words(s)) <= 25 and _is_title_case(s):
                reasons[-1] = "heading"
        reasons.append(reason)
        keys.append(key)

    # Author bios sit among the last few non-navigation blocks and name a byline's author.
    authors: set[str] | None = None
    for (start, end, _, _), r in zip(groups, reasons, strict=True):
        if r == "byline" and end - start <= 300:
            words = _BYLINE_NAME_WORD_RE.findall(norm[start:end])
            authors = (authors or set()) | {w.casefold() for w in words if w.casefold() not in _NOT_NAMES}
    tail = [i for i, r in enumerate(reasons) if r not in ("navigation",)][-3:]
    for i in tail:
        if reasons[i] is None:
            start, end = groups[i][0], groups[i][1]
            if _is_bio(" ".join(norm[start : min(end, start + 600)].split()), authors, i == tail[-1]):
                reasons[i] = "bio"
    return [Block(g[0], g[1], r) for g, r in zip(groups, reasons, strict=True)]
