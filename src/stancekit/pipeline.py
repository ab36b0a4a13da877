"""The :class:`Pipeline` users call: clean → segment → infer → resolve → assemble.

>>> import stancekit
>>> nlp = stancekit.load()                                    # doctest: +SKIP
>>> article = nlp("Tokyo rejected the plan. Abe called it reckless.")   # doctest: +SKIP
>>> [(c.text, c.primary_actor, c.stance) for c in article.claims]      # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import Any

from stancekit import actors as _actors
from stancekit.cleaning import Repair, normalize, repair_mojibake
from stancekit.errors import InputError
from stancekit.segmenting import Span, segment
from stancekit.types import STANCE_LABELS, Article, Mention, Target, TargetStance, Unit, stance_of

__all__ = ["Pipeline", "load", "decode", "read_article", "check_encodable"]

#: Articles larger than this are refused: the segmenter and resolver are linear, but a single
#: "article" of this size is almost always a whole corpus concatenated by mistake.
MAX_ARTICLE_CHARS = 50_000_000


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),  # before UTF-16 LE: its BOM starts with FF FE too
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode(data: bytes, source: str = "<bytes>") -> str:
    """Decode article bytes: UTF-8, or UTF-16/UTF-32 with a byte-order mark (the mark is dropped).

    Raises:
        InputError: if ``data`` is not valid in its encoding; the message names the byte offset and
            how to convert the file.
    """
    encoding, name = "utf-8", "UTF-8"
    for bom, enc, label in _BOMS:
        if data.startswith(bom):
            data, encoding, name = data[len(bom) :], enc, label
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        if name != "UTF-8":
            hint = f"The file starts with a {name} byte-order mark but is not valid {name}; re-save it as UTF-8."
        elif data.count(0) > len(data) // 8:
            hint = "It looks like UTF-16 without a byte-order mark: convert it with iconv -f utf-16le -t utf-8."
        else:
            hint = "Convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8 if it is Latin-1)."
        raise InputError(
            f"{source}: not {name} text: byte 0x{data[err.start]:02x} at byte offset {err.start} ({err.reason}). {hint}"
        ) from err
    return text


def check_encodable(text: str, source: str) -> None:
    """Raise :class:`InputError` if ``text`` holds a lone surrogate (it cannot be written as UTF-8).

    Such strings come from ``surrogateescape`` decoding or broken JSON escapes (``"\\ud800"``);
    the tokenizer would fail on them with a ``TypeError``.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(
            f"{source}: the text holds a lone surrogate U+{ord(text[err.start]):04X} at character {err.start}, "
            "which is not a Unicode character. Decode the input with errors='strict' or 'replace', not "
            "'surrogateescape', and check its JSON escapes."
        ) from err


def read_article(path: str | PathLike[str]) -> str:
    """Read one article file as UTF-8 text.

    Raises:
        InputError: if the path is missing, a directory, or not UTF-8.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file. Pass the path of a UTF-8 text file, or - for stdin.")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a text file. Use `stancekit score {p} -o OUT` for a folder.")
    return decode(p.read_bytes(), str(p))


@dataclass
class _Pending:
    """An article waiting for its units' predictions inside one window of :meth:`Pipeline.pipe`."""

    text: str  # the article, with mojibake undone (``repair``) if it had any
    norm: str  # normalize(text): what the model reads; same length as text
    id: str | None
    spans: list[Span]
    body: list[int]  # indices into spans of units that go through the model
    extra: list[list[tuple[int, int]]]
    targets: tuple[str, ...] = ()
    repair: Repair | None = None  # how ``text`` maps back to the article as given


TargetsArg = Sequence[str] | Iterable[Sequence[str]] | None


def _target_lists(targets: TargetsArg) -> Iterator[tuple[str, ...]]:
    """One tuple of target strings per article: the same for all (a list of str) or one list per article."""
    if targets is None:
        return itertools.repeat(())
    if isinstance(targets, str):
        raise InputError(f"targets must be a list of strings, e.g. targets=[{targets!r}], not a single string.")
    if isinstance(targets, Sequence) and all(isinstance(t, str) for t in targets):
        shared = _clean_targets(targets, "targets")
        return itertools.repeat(shared)
    return (_clean_targets(t, f"targets of article {i}") for i, t in enumerate(targets))


def _clean_targets(targets: Any, where: str) -> tuple[str, ...]:
    if isinstance(targets, str) or not isinstance(targets, Iterable):
        raise InputError(f"{where}: expected a list of target strings, got {type(targets).__name__}.")
    out: list[str] = []
    for t in targets:
        if not isinstance(t, str) or not t.strip():
            raise InputError(f"{where}: every target must be a non-empty string, got {t!r}.")
        t = " ".join(t.split())
        if t not in out:
            out.append(t)
    return tuple(out)


class Pipeline:
    """Analyse articles with one model: ``nlp(text) -> Article``, ``nlp.pipe(texts) -> Iterator[Article]``.

    Args:
        model: a :class:`~stancekit.modeling.StanceModel`.
        tokenizer: its fast tokenizer.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``.
        precision: ``"auto"``, ``"fp32"``, ``"bf16"``, ``"fp16"``; see :mod:`stancekit.inference`.
        backend: where the encoder runs: ``"torch"``, or on CPU ``"openvino"`` / ``"onnxruntime"``
            (``pip install 'stancekit[runtimes]'``); see :class:`~stancekit.inference.Engine`.
        batch_size: the most units in one encoder batch.
        max_batch_tokens: the most padded tokens in one encoder batch.
        claim_threshold: a unit is a claim when its claim score is at least this; ``None`` takes the
            model's ``config.claim_threshold`` (tuned on whole articles; 0.5 when the model has none).
        speakers_as_actors: also list a claim's speaker among its actors ("Putin said Russia would
            win" → Putin and Russia); off, the speaker is only the claim's ``source`` (see
            :func:`stancekit.actors.resolve`).

    Raises:
        DeviceError: if the requested device is not available.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        device: str = "auto",
        precision: str = "auto",
        batch_size: int = 64,
        max_batch_tokens: int = 8192,
        claim_threshold: float | None = None,
        model_path: str | None = None,
        backend: str = "torch",
        speakers_as_actors: bool = False,
    ) -> None:
        from stancekit.inference import Engine

        if claim_threshold is None:
            claim_threshold = float(getattr(getattr(model, "config", None), "claim_threshold", 0.5))
        if not 0.0 <= claim_threshold <= 1.0:
            raise InputError(f"claim_threshold must lie in [0, 1], got {claim_threshold}.")
        self.engine = Engine(
            model,
            tokenizer,
            device=device,
            precision=precision,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            backend=backend,
        )
        self.model = model
        self.tokenizer = tokenizer
        self.claim_threshold = claim_threshold
        self.speakers_as_actors = bool(speakers_as_actors)
        self.batch_size = batch_size
        self.model_path = model_path

    def __repr__(self) -> str:
        cfg = getattr(self.model, "config", None)
        name = self.model_path or type(self.model).__name__
        return (
            f"Pipeline(model={name!r}, base={getattr(cfg, 'base_encoder', '?')!r}, device={str(self.engine.device)!r}, "
            f"precision={getattr(self.engine, 'precision', '?')!r}, batch_size={self.batch_size}, "
            f"claim_threshold={self.claim_threshold}"
            + (", speakers_as_actors=True)" if self.speakers_as_actors else ")")
        )

    def __call__(self, text: str | Article, *, id: str | None = None, targets: Sequence[str] | None = None) -> Article:
        """Analyse one article.

        Args:
            text: the article text, or an :class:`Article` (its text and id are reused).
            id: an identifier carried into the result (``article_id`` in JSONL).
            targets: names or topics to read the stance toward ("Shinzo Abe", "sanctions against Russia"):
                every unit gets ``unit.targets`` (the mention form when the target is one of the unit's
                actors, else the pair form ``target [SEP] text``) and the article ``article.targets``.

        Returns:
            The analysed :class:`Article`; an empty or whitespace-only text gives one with no units.

        Raises:
            InputError: if ``text`` is not a ``str`` / ``Article``, holds a lone surrogate, or is too large.
        """
        return next(self.pipe([text], ids=[id], targets=targets))

    def pipe(
        self,
        texts: Iterable[str | Article],
        *,
        batch_size: int | None = None,
        ids: Iterable[str | None] | None = None,
        window_units: int | None = None,
        targets: TargetsArg = None,
    ) -> Iterator[Article]:
        """Lazily analyse many articles, yielding them in input order.

        Articles are gathered into windows of about ``window_units`` units (default 16 batches'
        worth) so that the encoder sees full, length-sorted batches across article boundaries,
        while memory stays bounded however long the iterator is.

        Args:
            texts: an iterable of article texts or :class:`Article` objects (may be unbounded).
            batch_size: the most units in one encoder batch (default: the pipeline's).
            ids: optional identifiers, one per text.
            window_units: units gathered before running the encoder.
            targets: a list of target strings read in every article, or an iterable of such lists, one per
                article (e.g. one topic per tweet); see :meth:`__call__`.

        Yields:
            One :class:`Article` per input, in input order.
        """
        if batch_size is not None and batch_size < 1:
            raise InputError(f"batch_size must be at least 1, got {batch_size}.")
        bs = batch_size or self.batch_size
        window = window_units or max(256, 16 * bs)
        id_iter: Iterator[str | None] = iter(ids) if ids is not None else itertools.repeat(None)
        target_iter = _target_lists(targets)
        pending: list[_Pending] = []
        n_units = 0
        for i, item in enumerate(texts):
            p = prepare(item, next(id_iter, None))
            article_targets = next(target_iter, None)
            if article_targets is None:
                raise InputError(f"targets: got fewer target lists than articles (none for article {i}).")
            p.targets = article_targets
            pending.append(p)
            n_units += len(p.body)
            if n_units >= window:
                yield from self._run(pending, bs)
                pending, n_units = [], 0
        if pending:
            yield from self._run(pending, bs)

    def _run(self, pending: Sequence[_Pending], batch_size: int) -> Iterator[Article]:
        texts: list[str] = []
        extra: list[list[tuple[int, int]]] = []
        for p in pending:
            texts.extend(p.norm[p.spans[i].start : p.spans[i].end] for i in p.body)
            extra.extend(p.extra)
        predictions = self.engine.predict(texts, extra_spans=extra, batch_size=batch_size) if texts else []
        cursor = 0
        articles = []
        for p in pending:
            preds = predictions[cursor : cursor + len(p.body)]
            cursor += len(p.body)
            articles.append(self._assemble(p, preds))
        if any(p.targets for p in pending):
            articles = self._add_targets(pending, articles)
        yield from (
            _restore(a, p.repair) if p.repair is not None else a for p, a in zip(pending, articles, strict=True)
        )

    def _add_targets(self, pending: Sequence[_Pending], articles: list[Article]) -> list[Article]:
        """Stance toward the named targets: the mention form where the target is an actor of the unit,
        else the pair form ``target [SEP] text``, for every body unit, in one engine call per window."""
        plans: list[tuple[dict[tuple[int, str], Any], dict[str, str | None], dict[str, int]]] = []
        pair_texts: list[str] = []
        pair_targets: list[str] = []
        for p, article in zip(pending, articles, strict=True):
            matched = {t: getattr(_actors.find_actor(article, t), "name", None) for t in p.targets}
            plan: dict[tuple[int, str], Any] = {}
            for i in p.body:
                unit = article.units[i]
                for t in p.targets:
                    hit = next((a for a in unit.actors if a.name == matched[t]), None) if matched[t] else None
                    if hit is not None:
                        plan[i, t] = TargetStance(t, hit.stance, hit.scores, form="mention", actor=hit.name)
                    else:
                        plan[i, t] = len(pair_texts)
                        pair_texts.append(p.norm[unit.start : unit.end])
                        pair_targets.append(t)
            # A text that fits in one encoder window (a tweet, a headline, a comment) is also read whole
            # toward each target: on the topic sets that beats the mean over its sentences (F_avg 0.680 vs
            # 0.611 on SemEval-2016 test, benchmarks/targets.py); longer articles aggregate their claims.
            whole: dict[str, int] = {}
            text = p.norm.strip()  # all of it: the boilerplate rules for scraped news misfire on tweets
            if text:
                n_text = len(self.engine._tok.encode(text, add_special_tokens=False).ids)
                for t in p.targets:
                    n_target = len(self.engine._tok.encode(t, add_special_tokens=False).ids)
                    if n_text + n_target + 3 <= self.engine.max_length:
                        whole[t] = len(pair_texts)
                        pair_texts.append(text)
                        pair_targets.append(t)
            plans.append((plan, matched, whole))
        scores: Any = (
            self.engine.predict_stance(pair_texts, pair_targets, [None] * len(pair_texts)) if pair_texts else []
        )
        out = []
        for p, article, (plan, matched, whole) in zip(pending, articles, plans, strict=True):
            units = list(article.units)
            for i in p.body:
                found = []
                for t in p.targets:
                    ts = plan[i, t]
                    if isinstance(ts, int):
                        dist = _distribution(scores[ts])
                        ts = TargetStance(t, stance_of(dist), dist, form="pair")
                    found.append(ts)
                units[i] = replace(units[i], targets=tuple(found))
            read_whole = {t: _distribution(scores[k]) for t, k in whole.items()}
            out.append(replace(article, units=tuple(units), targets=_article_targets(p, units, matched, read_whole)))
        return out

    def _assemble(self, p: _Pending, preds: Sequence[Any]) -> Article:
        by_span = {i: k for k, i in enumerate(p.body)}
        inputs = []
        for i, span in enumerate(p.spans):
            k = by_span.get(i)
            pred = preds[k] if k is not None else None
            is_claim = pred is not None and pred.claim_score >= self.claim_threshold
            extra = p.extra[k] if k is not None else []
            inputs.append(
                _actors.UnitInput(start=span.start, end=span.end, is_claim=is_claim, prediction=pred, extra_spans=extra)
            )
        res = _actors.resolve(p.text, inputs, speakers_as_actors=self.speakers_as_actors)
        units = []
        for i, (span, inp) in enumerate(zip(p.spans, inputs, strict=True)):
            score = float(inp.prediction.claim_score) if inp.prediction is not None else 0.0
            units.append(
                Unit(
                    index=i,
                    text=p.text[span.start : span.end],
                    start=span.start,
                    end=span.end,
                    is_claim=inp.is_claim,
                    claim_score=min(1.0, max(0.0, score)),
                    reason=span.reason,
                    actors=res.unit_actors[i],
                    primary_actor=res.primary[i],
                    stance=res.stances[i],
                    source=res.sources[i],
                )
            )
        return Article(text=p.text, units=tuple(units), actors=res.actors, id=p.id)


def _restore(article: Article, repair: Repair) -> Article:
    """The article on the text as given: every unit and mention offset mapped back through ``repair``."""
    original = repair.original

    def mention(m: Mention) -> Mention:
        s, e = repair.span(m.start, m.end)
        return Mention(original[s:e], s, e)

    units = []
    for u in article.units:
        s, e = repair.span(u.start, u.end)
        stances = tuple(replace(a, mentions=tuple(map(mention, a.mentions))) for a in u.actors)
        units.append(replace(u, text=original[s:e], start=s, end=e, actors=stances))
    actors = tuple(replace(a, mentions=tuple(map(mention, a.mentions))) for a in article.actors)
    return replace(article, text=original, units=tuple(units), actors=actors)


def _distribution(row: Any) -> dict[str, float]:
    return {k: float(v) for k, v in zip(STANCE_LABELS, row, strict=True)}


def _article_targets(
    p: _Pending, units: Sequence[Unit], matched: dict[str, str | None], whole: dict[str, dict[str, float]]
) -> tuple[Target, ...]:
    """Per target: the whole text read in the pair form when it fits in one window (``basis="text"``), else the
    mean distribution over the article's claims (``"claims"``; over all body units when none is a claim, ``"units"``).
    ``counts`` always count the units of that pool by their stance."""
    body = [units[i] for i in p.body]
    claims = [u for u in body if u.is_claim]
    pool = claims or body
    out = []
    for k, t in enumerate(p.targets):
        rows = [u.targets[k] for u in pool]
        if not rows and t not in whole:
            out.append(Target(t, actor=matched[t]))
            continue
        counts = {lab: sum(1 for r in rows if r.stance == lab) for lab in STANCE_LABELS}
        if t in whole:
            dist, basis = whole[t], "text"
        else:
            dist = {lab: sum(r.scores[lab] for r in rows) / len(rows) for lab in STANCE_LABELS}
            basis = "claims" if claims else "units"
        out.append(Target(t, stance_of(dist), dist, counts, actor=matched[t], basis=basis))
    return tuple(out)


def load(
    path: str | PathLike[str] | None = None,
    *,
    device: str = "auto",
    precision: str = "auto",
    batch_size: int = 64,
    max_batch_tokens: int = 8192,
    claim_threshold: float | None = None,
    backend: str = "torch",
    speakers_as_actors: bool = False,
) -> Pipeline:
    """Load a model directory as a :class:`Pipeline`; ``None`` loads the shipped default model.
    The keyword arguments are :class:`Pipeline`'s.

    Raises:
        ModelLoadError: if the directory is not a usable stancekit model.
        DeviceError: if the requested device is not available.
    """
    from stancekit.serialization import default_model_path, load_model

    model, tokenizer = load_model(path, device="cpu", inference=True)
    return Pipeline(
        model,
        tokenizer,
        device=device,
        precision=precision,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
        claim_threshold=claim_threshold,
        model_path=str(default_model_path() if path is None else path),
        backend=backend,
        speakers_as_actors=speakers_as_actors,
    )


def prepare(item: str | Article, id: str | None = None) -> _Pending:
    """What the model will read of one article, before it reads it: the text (mojibake repaired), its
    units, and the reference spans of each body unit. No model is involved, so benchmarks can tell from
    it whether cached model output still fits the current segmenter and reference spans."""
    if isinstance(item, Article):
        text, id = item.text, id if id is not None else item.id
    elif isinstance(item, str):
        text = item
    elif isinstance(item, bytes | bytearray):
        text = decode(bytes(item))
    else:
        raise InputError(f"expected article text as str (or an Article), got {type(item).__name__}.")
    check_encodable(text, f"article {id}" if id is not None else "article")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"article {id or ''} has {len(text):,} characters, more than MAX_ARTICLE_CHARS="
            f"{MAX_ARTICLE_CHARS:,}; split the input into articles first."
        )
    # UTF-8 read as Latin-1 ("itâ\x80\x99s", a third of PerSenT's articles) is read repaired; the
    # Article's offsets are mapped back to the text as given (_restore).
    repair = repair_mojibake(text)
    if repair is not None:
        text = repair.text
    spans = segment(text)
    norm = normalize(text)
    body = [i for i, s in enumerate(spans) if s.reason is None]
    extra = [_actors.reference_spans(norm[spans[i].start : spans[i].end]) for i in body]
    return _Pending(text=text, norm=norm, id=id, spans=spans, body=body, extra=extra, repair=repair)
