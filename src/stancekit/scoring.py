"""Corpus scoring: stream articles from a file or a folder, write one row per unit, resumably.

>>> import stancekit
>>> summary = stancekit.score("articles.jsonl", "scored.jsonl")   # doctest: +SKIP
>>> summary.articles, summary.units, summary.errors                 # doctest: +SKIP

What a run writes (``OUTPUT`` = ``scored.jsonl`` or ``scored.parquet``):

- ``OUTPUT`` — one row per unit, in input order, with the fields of the CLI contract
  (:meth:`stancekit.types.Unit.to_dict` with the article id);
- ``scored.articles.jsonl`` / ``.parquet`` — one row per scored article: ``article_id``,
  ``n_units``, ``n_claims`` and ``actors`` (:meth:`stancekit.types.Actor.to_dict`, the
  article-level stance toward each actor);
- ``scored.errors.jsonl`` — one row per article that could not be scored: ``article_id``,
  ``position`` (0-based record number in the input) and ``reason``. Written only when an article failed.

**Nothing lost.** While the run goes on, results are committed in chunks of ``chunk_size`` input
records to a work folder ``OUTPUT.parts/``: each chunk's files are written under temporary names,
fsynced and renamed, then ``manifest.json`` (itself replaced atomically) records the chunk's
record range. The manifest is the only truth: files it does not list are ignored and overwritten.
When every record is committed, the parts are merged in order into the three final files (again
temp name → fsync → rename; ``OUTPUT`` itself is renamed last) and the work folder is removed.
After ``kill -9`` at any moment, ``score(..., resume=True)`` (``--resume``) skips the committed
records and finishes; the final files then hold every unit of every article exactly once, and —
because chunk boundaries do not move — are byte-identical to those of an uninterrupted run.
The final output is a single file (not a folder of parts) because that is what ``stancekit
report``, pandas and ``jq`` read directly; the price is that the merge briefly needs the disk
space of the output twice.

**Bounded memory.** Input is read lazily (JSONL and CSV line by line, Parquet by record batches,
folders file by file); at most one chunk of articles and its results are held in memory.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stancekit.errors import InputError
from stancekit.types import Article, article_schema, unit_schema

__all__ = [
    "score",
    "read_scored",
    "ScoreSummary",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "check_text",
    "unit_schema",
    "article_schema",
]

#: Input kinds ``score`` reads (a folder of ``.txt`` files is the fourth).
INPUT_FORMATS: tuple[str, ...] = (".jsonl", ".csv", ".parquet")
#: Output formats ``score`` writes, chosen by the suffix of ``output``.
OUTPUT_FORMATS: tuple[str, ...] = (".jsonl", ".parquet")

_MANIFEST_VERSION = 2  # 2: unit and article rows carry `targets`
_PARQUET_BATCH_ROWS = 1024


@dataclass(frozen=True)
class ScoreSummary:
    """What a scoring run produced.

    ``articles``/``units``/``claims``/``errors`` count the whole output, including records
    committed by earlier, interrupted runs; ``resumed`` is how many input records of those were
    already committed when this call started.
    """

    output: Path
    articles_path: Path
    errors_path: Path
    articles: int
    units: int
    claims: int
    errors: int
    resumed: int
    seconds: float

    @property
    def failed(self) -> int:
        """How many articles failed (the rows of the errors file); the CLI exits non-zero if any."""
        return self.errors

    @property
    def ok(self) -> bool:
        """True when every article was scored (no row in the errors file)."""
        return self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("output", "articles_path", "errors_path"):
            d[k] = str(d[k])
        return d


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


@dataclass
class _Record:
    position: int
    article_id: str
    text: str | None
    error: str | None


def check_text(value: Any, text_field: str) -> tuple[str | None, str | None]:
    """Validate one article's text value; return ``(text, None)`` or ``(None, reason)``.

    The reasons are the ones written to the errors file: a missing or null text field, a value that
    is not a string, text that is not valid UTF-8, or text that is empty after stripping.
    """
    if value is None:
        return None, f"missing text field {text_field!r}"
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as err:
            return None, f"bad encoding: not UTF-8 ({err.reason} at byte {err.start})"
    if not isinstance(value, str):
        return None, f"text field {text_field!r} is not a string (got {type(value).__name__})"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        return None, f"bad encoding: not UTF-8 ({err.reason} at character {err.start})"
    if not value.strip():
        return None, "empty text"
    return value, None


def _id_of(value: Any, position: int) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return str(position)
    # An id read from badly encoded input may hold lone surrogates; keep it writable as UTF-8.
    return str(value).encode("utf-8", errors="backslashreplace").decode("utf-8")


class _Reader:
    """Lazily yields :class:`_Record` s; ``done``/``total`` drive the progress bar (bytes or rows)."""

    total: float | None = None
    done: float = 0.0

    def records(self, start: int) -> Iterator[_Record]:  # pragma: no cover - abstract
        raise NotImplementedError


class _JsonlReader(_Reader):
    def __init__(self, path: Path, text_field: str, id_field: str) -> None:
        self.path, self.text_field, self.id_field = path, text_field, id_field
        self.total = float(path.stat().st_size)

    def records(self, start: int) -> Iterator[_Record]:
        position = 0
        with self.path.open("rb") as f:
            for raw in f:
                self.done += len(raw)
                if not raw.strip():
                    continue  # blank lines are not records
                position += 1
                if position - 1 < start:
                    continue
                yield self._parse(raw, position - 1)

    def _parse(self, raw: bytes, position: int) -> _Record:
        encoding_error = None
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            # Keep going to find the article id; the record is reported as badly encoded.
            encoding_error = f"bad encoding: not UTF-8 ({err.reason} at byte {err.start} of the line)"
            line = raw.decode("utf-8", errors="surrogateescape")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            return _Record(
                position, str(position), None, encoding_error or f"invalid JSON: {err.msg} at column {err.colno}"
            )
        if not isinstance(obj, dict):
            return _Record(position, str(position), None, f"expected a JSON object, got {type(obj).__name__}")
        article_id = _id_of(obj.get(self.id_field), position)
        text, error = check_text(obj.get(self.text_field), self.text_field)
        if encoding_error:
            text, error = None, encoding_error
        return _Record(position, article_id, text, error)


class _CsvReader(_Reader):
    def __init__(self, path: Path, text_field: str, id_field: str) -> None:
        self.path, self.text_field, self.id_field = path, text_field, id_field
        self.total = float(path.stat().st_size)
        csv.field_size_limit(2**31 - 1)  # articles are long; the default limit is 128 KiB
        with path.open("r", encoding="utf-8", errors="surrogateescape", newline="") as f:
            fields = next(csv.reader(f), [])
        if text_field not in fields:
            raise InputError(
                f"{path}: no column {text_field!r} in the CSV header (columns: {fields}). "
                "Pass text_field= / --text-field with the column that holds the article text."
            )

    def records(self, start: int) -> Iterator[_Record]:
        # surrogateescape: a bad byte spoils only its own row (reported as bad encoding below).
        with self.path.open("rb") as raw, io.TextIOWrapper(raw, "utf-8", "surrogateescape", newline="") as f:
            reader = csv.DictReader(f)
            for position, row in enumerate(reader):
                self.done = float(raw.tell())
                if position < start:
                    continue
                article_id = _id_of(row.get(self.id_field) or None, position)
                text, error = check_text(row.get(self.text_field), self.text_field)
                yield _Record(position, article_id, text, error)
            self.done = self.total or 0.0


class _ParquetReader(_Reader):
    def __init__(self, path: Path, text_field: str, id_field: str) -> None:
        import pyarrow.parquet as pq

        self.path, self.text_field, self.id_field = path, text_field, id_field
        self._file = pq.ParquetFile(path)
        names = self._file.schema_arrow.names
        if text_field not in names:
            raise InputError(
                f"{path}: no column {text_field!r} in the Parquet schema (columns: {names}). "
                "Pass text_field= / --text-field with the column that holds the article text."
            )
        self._columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
        self.total = float(self._file.metadata.num_rows)

    def records(self, start: int) -> Iterator[_Record]:
        meta = self._file.metadata
        position = 0
        groups = []
        for g in range(meta.num_row_groups):  # skip whole committed row groups without reading them
            n = meta.row_group(g).num_rows
            if position + n <= start:
                position += n
                continue
            groups.append(g)
        self.done = float(position)
        if not groups:
            return
        for batch in self._file.iter_batches(batch_size=_PARQUET_BATCH_ROWS, row_groups=groups, columns=self._columns):
            texts = batch.column(self.text_field).to_pylist()
            has_id = self.id_field in batch.schema.names
            ids = batch.column(self.id_field).to_pylist() if has_id else [None] * len(texts)
            for value, raw_id in zip(texts, ids, strict=True):
                self.done += 1
                if position >= start:
                    text, error = check_text(value, self.text_field)
                    yield _Record(position, _id_of(raw_id, position), text, error)
                position += 1


class _FolderReader(_Reader):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        if not self._files:
            raise InputError(
                f"{path}: the folder has no .txt files. Pass a folder of .txt articles (one article per file) "
                f"or a {', '.join(INPUT_FORMATS)} file."
            )
        self.total = float(len(self._files))

    def records(self, start: int) -> Iterator[_Record]:
        self.done = float(min(start, len(self._files)))
        for position in range(start, len(self._files)):
            file = self._files[position]
            article_id = file.relative_to(self.path).with_suffix("").as_posix()
            try:
                raw: Any = file.read_bytes()
            except OSError as err:
                raw = None
                error: str | None = f"unreadable file: {err.strerror or err}"
            else:
                error = None
            self.done += 1
            if error is None:
                text, error = check_text(raw, "text")
            else:
                text = None
            yield _Record(position, article_id, text, error)


def _open_reader(path: Path, text_field: str, id_field: str) -> _Reader:
    if path.is_dir():
        return _FolderReader(path)
    if not path.is_file():
        raise InputError(
            f"Input {path} does not exist. Pass a {', '.join(INPUT_FORMATS)} file or a folder of .txt files."
        )
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _JsonlReader(path, text_field, id_field)
    if suffix == ".csv":
        return _CsvReader(path, text_field, id_field)
    if suffix == ".parquet":
        return _ParquetReader(path, text_field, id_field)
    raise InputError(
        f"Input {path}: cannot read {suffix or 'files without a suffix'!r}. "
        f"Pass a {', '.join(INPUT_FORMATS)} file or a folder of .txt files."
    )


def _input_fingerprint(path: Path) -> dict[str, Any]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        return {"path": str(path.resolve()), "kind": "folder", "files": len(files)}
    st = path.stat()
    return {"path": str(path.resolve()), "kind": path.suffix.lower(), "size": st.st_size}


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def read_scored(path: str | os.PathLike[str]) -> Any:
    """A scored corpus (the units file of :func:`score`, or ``analyze --format jsonl`` output) as a
    ``pyarrow.Table`` with :func:`~stancekit.types.unit_schema`; its ``*.articles.*`` file reads the same
    way with :func:`~stancekit.types.article_schema`.

    >>> table = stancekit.read_scored("scored.parquet")        # doctest: +SKIP
    >>> table.to_pandas().groupby("primary_actor").size()       # doctest: +SKIP

    Raises:
        InputError: a missing file, another suffix, or rows that are not unit rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Pass the .jsonl or .parquet output of `stancekit score`.")
    ext = p.suffix.lower()
    articles = p.name[: -len(ext)].endswith(".articles")
    schema = article_schema() if articles else unit_schema()
    if ext == ".parquet":
        table = pq.read_table(p)
        missing = [n for n in schema.names if n not in table.schema.names and n != "targets"]
        if missing:
            raise InputError(f"{p}: not scored output, missing columns {missing}.")
        return table
    if ext != ".jsonl":
        raise InputError(
            f"{p}: cannot read {ext or 'no suffix'!r}; pass the .jsonl or .parquet output of `stancekit score`."
        )
    rows = []
    with p.open(encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{p}:{no}: not a JSON line ({err.msg}).") from err
            key = "n_units" if articles else "start"
            if not isinstance(row, dict) or key not in row:
                kind = "per-article summary" if articles else "unit"
                raise InputError(f"{p}:{no}: expected a {kind} row with {key!r}, got {str(row)[:80]!r}.")
            rows.append(row)
    return pa.Table.from_pylist(rows, schema=schema)


def article_row(article: Article, article_id: str) -> dict[str, Any]:
    """The per-article summary row of one analysed article."""
    return {
        "article_id": article_id,
        "n_units": len(article.units),
        "n_claims": sum(1 for u in article.units if u.is_claim),
        "actors": [a.to_dict() for a in article.actors],
        "targets": [t.to_dict() for t in article.targets],
    }


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _write_rows(path: Path, rows: list[dict[str, Any]], fmt: str, schema_fn: Callable[[], Any] | None) -> None:
    """Write ``rows`` to ``path`` (not yet atomic: the caller renames) and fsync it."""
    if fmt == ".parquet" and schema_fn is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(rows, schema=schema_fn())
        with path.open("wb") as f:
            pq.write_table(table, f)
            f.flush()
            os.fsync(f.fileno())
        return
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False))
            f.write("\n")
        f.flush()
        os.fsync(f.fileno())


@dataclass(frozen=True)
class _Paths:
    output: Path
    articles: Path
    errors: Path
    work: Path

    @classmethod
    def of(cls, output: Path) -> _Paths:
        stem, ext = output.name[: -len(output.suffix)], output.suffix.lower()
        return cls(
            output=output,
            articles=output.with_name(f"{stem}.articles{ext}"),
            errors=output.with_name(f"{stem}.errors.jsonl"),
            work=output.with_name(output.name + ".parts"),
        )


class _Manifest:
    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    @property
    def parts(self) -> list[dict[str, Any]]:
        return self.data["parts"]

    @property
    def committed(self) -> int:
        return self.parts[-1]["end"] if self.parts else 0

    def save(self) -> None:
        _atomic_write_bytes(self.path, json.dumps(self.data, indent=1).encode("utf-8"))

    def totals(self) -> dict[str, int]:
        return {k: sum(p[k] for p in self.parts) for k in ("articles", "units", "claims", "errors")}


def _part_name(i: int, kind: str, fmt: str) -> str:
    ext = ".jsonl" if kind == "errors" else fmt
    return f"part-{i:06d}.{kind}{ext}"


def _commit_part(
    manifest: _Manifest,
    work: Path,
    fmt: str,
    start: int,
    end: int,
    units: list[dict[str, Any]],
    articles: list[dict[str, Any]],
    errors: list[dict[str, Any]],
) -> None:
    i = len(manifest.parts)
    final: list[tuple[Path, Path]] = []
    for kind, rows, schema_fn in (
        ("units", units, unit_schema),
        ("articles", articles, article_schema),
        ("errors", errors, None),
    ):
        dest = work / _part_name(i, kind, fmt)
        tmp = dest.with_name(dest.name + ".tmp")
        _write_rows(tmp, rows, fmt if kind != "errors" else ".jsonl", schema_fn)
        final.append((tmp, dest))
    for tmp, dest in final:
        os.replace(tmp, dest)
    _fsync_dir(work)
    manifest.parts.append(
        {
            "part": i,
            "start": start,
            "end": end,
            "articles": len(articles),
            "units": len(units),
            "claims": sum(1 for u in units if u["is_claim"]),
            "errors": len(errors),
        }
    )
    manifest.save()  # the commit point: until this rename the part does not exist


def _merge(manifest: _Manifest, paths: _Paths, fmt: str) -> None:
    """Concatenate the committed parts, in order, into the three final files (atomically each)."""
    work = paths.work
    n = len(manifest.parts)
    jobs = (
        ("articles", paths.articles, article_schema, fmt),
        ("errors", paths.errors, None, ".jsonl"),
        ("units", paths.output, unit_schema, fmt),  # last: OUTPUT appearing means the merge is done
    )
    no_errors = not any(p.get("errors") for p in manifest.parts)
    for kind, dest, schema_fn, part_fmt in jobs:
        if kind == "errors" and no_errors:  # no empty errors file; none left from an overwritten run
            dest.unlink(missing_ok=True)
            continue
        tmp = dest.with_name(dest.name + ".tmp")
        sources = [work / _part_name(i, kind, fmt) for i in range(n)]
        if part_fmt == ".parquet" and schema_fn is not None:
            import pyarrow.parquet as pq

            with tmp.open("wb") as f:
                with pq.ParquetWriter(f, schema_fn()) as writer:
                    for src in sources:
                        pf = pq.ParquetFile(src)
                        for g in range(pf.num_row_groups):  # one row group in memory at a time
                            writer.write_table(pf.read_row_group(g))
                f.flush()
                os.fsync(f.fileno())
        else:
            with tmp.open("wb") as out:
                for src in sources:
                    with src.open("rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, dest)
    _fsync_dir(paths.output.parent)


def _count_finished(paths: _Paths, fmt: str) -> dict[str, int]:
    """Totals of an already merged output (used when resuming a run that had finished)."""
    n_articles = n_units = n_claims = 0
    if fmt == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(paths.articles, columns=["n_units", "n_claims"])
        n_articles = table.num_rows
        n_units = int(sum(table.column("n_units").to_pylist()))
        n_claims = int(sum(table.column("n_claims").to_pylist()))
    else:
        with paths.articles.open("r", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                n_articles += 1
                n_units += row["n_units"]
                n_claims += row["n_claims"]
    n_errors = 0
    if paths.errors.exists():
        with paths.errors.open("rb") as f:
            n_errors = sum(1 for line in f if line.strip())
    return {"articles": n_articles, "units": n_units, "claims": n_claims, "errors": n_errors}


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------


class _Progress:
    """A rich progress bar on stderr: articles, units/s and ETA. Silent unless stderr is a terminal."""

    def __init__(self, enabled: bool | None, reader: _Reader, label: str) -> None:
        self._bar: Any = None
        self._reader = reader
        self._t0 = time.perf_counter()
        self.articles = 0
        self.units = 0
        if enabled is False or (enabled is None and not _stderr_is_terminal()):
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        console = Console(stderr=True)
        if not console.is_terminal:
            return
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[articles]} articles · {task.fields[rate]} units/s · ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task = self._bar.add_task(label, total=reader.total, completed=reader.done, articles=0, rate="-")
        self._bar.start()

    def update(self, articles: int, units: int) -> None:
        self.articles += articles
        self.units += units
        if self._bar is None:
            return
        elapsed = max(time.perf_counter() - self._t0, 1e-9)
        self._bar.update(
            self._task, completed=self._reader.done, articles=self.articles, rate=f"{self.units / elapsed:,.0f}"
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self._reader.done)
            self._bar.stop()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def _chunks(records: Iterable[_Record], size: int) -> Iterator[list[_Record]]:
    chunk: list[_Record] = []
    for r in records:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _analyse(
    nlp: Any, good: Sequence[_Record], batch_size: int, targets: Sequence[str] = ()
) -> Iterator[tuple[_Record, Article | None, str | None]]:
    """Yield ``(record, article, error)`` in order; if a batch fails, retry its articles one by one."""
    named = {"targets": list(targets)} if targets else {}
    try:
        texts = [r.text for r in good]
        for record, article in zip(good, nlp.pipe(texts, batch_size=batch_size, **named), strict=True):
            yield record, article, None
        return
    except Exception:  # noqa: BLE001 - isolate the failing article below instead of losing the chunk
        pass
    for record in good:
        try:
            yield record, nlp(record.text, **named), None
        except Exception as err:  # noqa: BLE001 - one bad article must not stop a corpus run
            yield record, None, f"analysis failed: {type(err).__name__}: {err}"


def _load_pipeline(model: Any, device: str, batch_size: int, max_batch_tokens: int, **options: Any) -> Any:
    if model is not None and hasattr(model, "pipe"):
        return model  # an already loaded Pipeline
    import stancekit

    return stancekit.load(model, device=device, batch_size=batch_size, max_batch_tokens=max_batch_tokens, **options)


def _check_first_record(path: Path, text_field: str) -> None:
    """Stop before loading the model when the first JSONL record has no ``text_field`` (a wrong
    ``--text-field`` would otherwise turn every article into an error row)."""
    with path.open("rb") as f:
        for line_no, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8", errors="replace"))
            except json.JSONDecodeError:
                return  # a broken first line is that record's error, reported in the errors file
            if isinstance(obj, dict) and text_field not in obj:
                strings = {k: v for k, v in obj.items() if isinstance(v, str)}
                hint = f"; use --text-field {max(strings, key=lambda k: len(strings[k]))}" if strings else ""
                raise InputError(
                    f"no field {text_field!r} in {path.name} line {line_no}; fields are: "
                    f"{', '.join(map(str, obj)) or '(none)'}{hint} (text_field= in Python)."
                )
            return


def score(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    text_field: str = "text",
    id_field: str = "id",
    resume: bool = False,
    batch_size: int = 64,
    max_batch_tokens: int = 8192,
    device: str = "auto",
    model: Any = None,
    progress: bool | None = None,
    chunk_size: int = 256,
    targets: Sequence[str] | None = None,
    precision: str = "auto",
    claim_threshold: float | None = None,
    overwrite: bool = False,
) -> ScoreSummary:
    """Score every article of ``input`` and write unit rows to ``output``, resumably.

    Args:
        input: a ``.jsonl``, ``.csv`` or ``.parquet`` file with one article per record, or a folder
            of ``.txt`` files (searched recursively, one article per file, id = relative path
            without ``.txt``).
        output: ``something.jsonl`` or ``something.parquet``; the per-article summary
            (``something.articles.<ext>``) and the errors file (``something.errors.jsonl``) are
            written beside it. See the module docstring for the layout and the commit protocol.
        text_field: the field/column holding the article text.
        id_field: the field/column holding the article id; when absent, the 0-based record number.
        resume: finish an interrupted run (a ``OUTPUT.parts/`` folder exists) instead of refusing to
            start; resuming a finished run returns its totals without scoring anything.
        batch_size, max_batch_tokens, device: passed to :func:`stancekit.load`.
        model: a model directory, ``None`` for the shipped model, or an already loaded Pipeline.
        progress: ``None`` shows a progress bar only when stderr is a terminal; ``False`` never;
            ``True`` whenever stderr is a terminal that rich can draw on.
        chunk_size: input records per committed chunk: at most this much work is redone after a
            crash, and about this many articles are held in memory.
        targets: names or topics to read every article's stance toward (``unit.targets`` /
            ``article.targets``, see :meth:`stancekit.pipeline.Pipeline.__call__`).
        precision, claim_threshold: passed to :func:`stancekit.load`.
        overwrite: replace an existing ``output``; without it (or ``resume``) an existing output is refused.

    Returns:
        A :class:`ScoreSummary`; ``summary.errors`` articles failed and are listed in the errors file.

    Raises:
        InputError: unreadable input, an unsupported suffix, a missing text column in CSV/Parquet, an
            unfinished run without ``resume=True``, or a resume against different input or options.
    """
    t0 = time.perf_counter()
    in_path, out_path = Path(input), Path(output)
    fmt = out_path.suffix.lower()
    if fmt not in OUTPUT_FORMATS:
        raise InputError(f"Output {out_path}: cannot write {fmt or 'no suffix'!r}; name it *.jsonl or *.parquet.")
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, got {chunk_size}.")
    paths = _Paths.of(out_path)
    reader = _open_reader(in_path, text_field, id_field)
    settings = {
        "version": _MANIFEST_VERSION,
        "input": _input_fingerprint(in_path),
        "text_field": text_field,
        "id_field": id_field,
        "format": fmt,
        "chunk_size": chunk_size,
        "targets": (target_list := list(targets or ())),
    }
    if isinstance(reader, _JsonlReader):
        _check_first_record(in_path, text_field)
    if not resume and not overwrite and not paths.work.exists() and paths.output.exists():
        raise InputError(
            f"{out_path} already exists. Pass overwrite=True (--overwrite) to replace it, or resume=True (--resume) "
            "to finish an interrupted run."
        )
    options = {"precision": precision, "claim_threshold": claim_threshold}

    manifest_path = paths.work / "manifest.json"
    nlp: Any = None
    if paths.work.exists() and manifest_path.exists():
        if not resume:
            raise InputError(
                f"{paths.work} holds an unfinished run. Pass resume=True (--resume) to finish it, "
                "or delete that folder to start over."
            )
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        _check_resumable(data, settings, paths.work)
        manifest = _Manifest(manifest_path, data)
    elif resume and not paths.work.exists() and paths.output.exists() and paths.articles.exists():
        totals = _count_finished(paths, fmt)  # the run had finished: nothing to do
        done = totals["articles"] + totals["errors"]
        return ScoreSummary(paths.output, paths.articles, paths.errors, **totals, resumed=done, seconds=0.0)
    else:
        # Load the model first: a bad --model must not leave an "unfinished run" behind.
        nlp = _load_pipeline(model, device, batch_size, max_batch_tokens, **options)
        paths.work.mkdir(parents=True, exist_ok=True)
        manifest = _Manifest(manifest_path, {**settings, "parts": [], "complete": False})
        manifest.save()
    _clean_uncommitted(manifest, paths.work, fmt)

    resumed = manifest.committed
    if not manifest.data.get("complete"):
        if nlp is None:
            nlp = _load_pipeline(model, device, batch_size, max_batch_tokens, **options)
        bar = _Progress(progress, reader, "scoring")
        try:
            start = resumed
            for chunk in _chunks(reader.records(start), chunk_size):
                units: list[dict[str, Any]] = []
                articles: list[dict[str, Any]] = []
                errors: list[dict[str, Any]] = []
                good = [r for r in chunk if r.error is None]
                results: dict[int, tuple[Article | None, str | None]] = {}
                for record, article, error in _analyse(nlp, good, batch_size, target_list):
                    results[record.position] = (article, error)
                    bar.update(1, len(article.units) if article is not None else 0)
                for record in chunk:
                    article, error = results.get(record.position, (None, record.error))
                    if article is None:
                        errors.append({"article_id": record.article_id, "position": record.position, "reason": error})
                        continue
                    units.extend(u.to_dict(record.article_id) for u in article.units)
                    articles.append(article_row(article, record.article_id))
                end = chunk[-1].position + 1
                _commit_part(manifest, paths.work, fmt, start, end, units, articles, errors)
                start = end
        finally:
            bar.close()
        manifest.data["complete"] = True
        manifest.save()

    _merge(manifest, paths, fmt)
    totals = manifest.totals()
    shutil.rmtree(paths.work)
    return ScoreSummary(
        paths.output, paths.articles, paths.errors, **totals, resumed=resumed, seconds=time.perf_counter() - t0
    )


def _check_resumable(data: dict[str, Any], settings: dict[str, Any], work: Path) -> None:
    if data.get("version") != _MANIFEST_VERSION:
        raise InputError(
            f"{work}/manifest.json has version {data.get('version')!r}, this stancekit writes {_MANIFEST_VERSION}. "
            "Delete that folder and score again."
        )
    for key in ("input", "text_field", "id_field", "format", "chunk_size", "targets"):
        if data.get(key) != settings[key]:
            raise InputError(
                f"Cannot resume {work}: {key} was {data.get(key)!r} in the interrupted run "
                f"but is {settings[key]!r} now. Resume with the same input and options, "
                "or delete that folder to start over."
            )


def _clean_uncommitted(manifest: _Manifest, work: Path, fmt: str) -> None:
    """Delete files a crash left behind that the manifest does not list (temp files, orphan parts)."""
    keep = {"manifest.json"}
    for i in range(len(manifest.parts)):
        keep.update(_part_name(i, kind, fmt) for kind in ("units", "articles", "errors"))
    for p in work.iterdir():
        if p.name not in keep:
            p.unlink()
