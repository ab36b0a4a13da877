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

import codecs
import contextlib
import csv
import errno
import glob
import io
import json
import os
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stancekit.errors import InputError, OutputError, StancekitError
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
    already committed when this call started. ``notes`` says what the run skipped or redid
    (symbolic links not followed, missing parts scored again, reused article ids).
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
    notes: tuple[str, ...] = ()

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
    line: int | None = None  # 1-based line of the input where the record starts (JSONL, CSV)


def check_text(value: Any, text_field: str) -> tuple[str | None, str | None]:
    """Validate one article's text value; return ``(text, None)`` or ``(None, reason)``.

    The reasons are the ones written to the errors file: a missing or null text field, a value that
    is not a string, or text that is not valid UTF-8. Empty or whitespace-only text is not an
    error: like ``nlp("")`` and ``stancekit analyze`` of an empty file, it is an article with no
    units (a row with ``n_units`` 0 in the articles file).
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
        with path.open("rb") as f:
            _refuse_wide_bom(f.read(4), path)

    def records(self, start: int) -> Iterator[_Record]:
        position = 0
        with self.path.open("rb") as f:
            for line_no, raw in enumerate(f, 1):
                self.done += len(raw)
                if line_no == 1:
                    _refuse_wide_bom(raw, self.path)
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                if not raw.strip():
                    continue  # blank lines are not records
                position += 1
                if position - 1 < start:
                    continue
                record = self._parse(raw, position - 1)
                record.line = line_no
                yield record

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
            # json's messages may end in "at" ("Unterminated string starting at"): say where once.
            msg = err.msg[: -len(" at")] if err.msg.endswith(" at") else err.msg
            reason = encoding_error or f"invalid JSON at column {err.colno}: {msg}"
            return _Record(position, str(position), None, reason)
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
        with path.open("rb") as raw:
            _refuse_wide_bom(raw.read(4), path)
        # An empty file (or one of blank lines) is an empty corpus, like an empty JSONL file.
        self.empty = self.total < 4096 and not path.read_bytes().removeprefix(codecs.BOM_UTF8).strip()
        if self.empty:
            return
        with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            try:
                fields = next(csv.reader(f, strict=True), [])
            except csv.Error as err:
                raise InputError(f"{path}:1: malformed CSV header ({err}). Check the file's quoting.") from err
        if text_field not in fields:
            raise InputError(
                f"{path}: no column {text_field!r} in the CSV header (columns: {fields}). "
                "Pass text_field= / --text-field with the column that holds the article text."
            )

    def records(self, start: int) -> Iterator[_Record]:
        if self.empty:
            return
        # surrogateescape: a bad byte spoils only its own row (reported as bad encoding below).
        with self.path.open("rb") as raw, io.TextIOWrapper(raw, "utf-8-sig", "surrogateescape", newline="") as f:
            # strict: an unterminated quote is an error, not the rest of the file read as one field
            reader = csv.DictReader(f, strict=True)
            position = 0
            line_no = 2  # the header is line 1 (a multi-line header is rare enough to ignore)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as err:
                    raise InputError(
                        f"{self.path}:{line_no}: malformed CSV in the record that starts on this line ({err}); "
                        "the records before it are scored. Fix the record, then run again with --resume."
                    ) from err
                self.done = float(raw.tell())
                record_line, line_no = line_no, reader.line_num + 1
                if position >= start:
                    article_id = _id_of(row.get(self.id_field) or None, position)
                    text, error = check_text(row.get(self.text_field), self.text_field)
                    yield _Record(position, article_id, text, error, record_line)
                position += 1
            self.done = self.total or 0.0


class _ParquetReader(_Reader):
    def __init__(self, path: Path, text_field: str, id_field: str) -> None:
        import pyarrow.parquet as pq

        self.path, self.text_field, self.id_field = path, text_field, id_field
        try:
            self._file = pq.ParquetFile(path)
            names = self._file.schema_arrow.names
        except (OSError, ValueError) as err:  # pyarrow.ArrowInvalid is a ValueError
            raise InputError(
                f"{path}: not a readable Parquet file ({_one_line(err)}). Is it complete? "
                "Write it again, or pass a .jsonl or .csv file."
            ) from err
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
        batches = self._file.iter_batches(batch_size=_PARQUET_BATCH_ROWS, row_groups=groups, columns=self._columns)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (OSError, ValueError) as err:
                raise InputError(
                    f"{self.path}: rows from {position + 1} on cannot be read ({_one_line(err)}); the rows before "
                    "are scored. Repair or rewrite the file, then run again with --resume."
                ) from err
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
    """The ``.txt`` files of a folder, recursively, in sorted order; what it skips it says.

    Symbolic links are not followed out of the folder unless ``follow_links``: a link to a file
    outside, or a broken link, is a record whose reason goes to the errors file; a link to a
    folder is not entered (listed in :attr:`skipped`) unless ``follow_links``.
    """

    def __init__(self, path: Path, follow_links: bool = False) -> None:
        self.path = path
        self.follow_links = follow_links
        self.skipped: list[str] = []
        root = path.resolve()
        self._files: list[tuple[Path, str | None]] = []
        seen_dirs: set[tuple[int, int]] = set()
        for folder, dirs, files in os.walk(path, followlinks=follow_links):
            here = Path(folder)
            st = here.stat()
            if (st.st_dev, st.st_ino) in seen_dirs:  # a link cycle when following links
                dirs[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            for d in sorted(dirs):
                if (here / d).is_symlink() and not follow_links:
                    self.skipped.append(
                        f"{(here / d).relative_to(path).as_posix()}: a symbolic link to a folder, not entered "
                        "(pass follow_links=True / --follow-links to read it)"
                    )
            for name in files:
                if not name.endswith(".txt"):
                    continue
                file = here / name
                problem = None
                if file.is_symlink():
                    target = file.resolve()
                    if not target.exists():
                        problem = f"broken symbolic link (to {os.readlink(file)})"
                    elif not target.is_file():
                        continue
                    elif not follow_links and not target.is_relative_to(root):
                        problem = (
                            "a symbolic link to a file outside the input folder; not read "
                            "(pass follow_links=True / --follow-links to read it)"
                        )
                elif not file.is_file():
                    continue
                self._files.append((file, problem))
        self._files.sort(key=lambda fp: fp[0].relative_to(path).as_posix())
        if not self._files:
            raise InputError(
                f"{path}: the folder has no .txt files. Pass a folder of .txt articles (one article per file) "
                f"or a {', '.join(INPUT_FORMATS)} file."
            )
        self.total = float(len(self._files))

    def records(self, start: int) -> Iterator[_Record]:
        self.done = float(min(start, len(self._files)))
        for position in range(start, len(self._files)):
            file, problem = self._files[position]
            article_id = file.relative_to(self.path).with_suffix("").as_posix()
            self.done += 1
            if problem is not None:
                yield _Record(position, article_id, None, problem)
                continue
            try:
                raw: Any = file.read_bytes()
            except OSError as err:
                yield _Record(position, article_id, None, f"unreadable file: {err.strerror or err}")
                continue
            from stancekit.pipeline import decode

            try:
                text: str | None = decode(raw, article_id)
            except InputError as err:
                yield _Record(position, article_id, None, f"bad encoding: {err}")
                continue
            text, error = check_text(text, "text")
            yield _Record(position, article_id, text, error)


def _refuse_wide_bom(head: bytes, path: Path) -> None:
    """A corpus file in UTF-16/UTF-32 (with a byte-order mark) is refused with the right advice."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if head.startswith(bom):
            raise InputError(
                f"{path}: the file is {name} (it starts with a {name} byte-order mark); corpus files must be UTF-8. "
                f"Convert it: iconv -f {name.lower()} -t utf-8 {path.name} > converted{path.suffix}"
            )


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _open_reader(path: Path, text_field: str, id_field: str, follow_links: bool = False) -> _Reader:
    if path.is_dir():
        return _FolderReader(path, follow_links)
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


def _input_fingerprint(path: Path, reader: _Reader) -> dict[str, Any]:
    if isinstance(reader, _FolderReader):
        return {"path": str(path.resolve()), "kind": "folder", "files": int(reader.total or 0)}
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


@contextlib.contextmanager
def _temp_beside(dest: Path) -> Iterator[tuple[Any, Path]]:
    """A new, exclusively created temp file in ``dest``'s folder, yielded as ``(binary file, path)``.

    The name is unique (pid + random), the file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW``
    (so never opened through a planted symlink, never shared with another writer) in the same
    folder as ``dest`` (so the final ``os.replace`` is an atomic rename that never leaves it). The
    caller writes and calls :func:`_commit_temp`; on any exception, Ctrl-C included, the temp file
    is removed.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o644)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise OutputError(f"{dest.parent}: cannot create a unique temporary file. Check the folder.")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f, tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _commit_temp(f: Any, tmp: Path, dest: Path) -> None:
    """fsync ``f`` and rename ``tmp`` over ``dest`` (a symlink at ``dest`` is replaced, not followed)."""
    f.flush()
    os.fsync(f.fileno())
    os.replace(tmp, dest)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    with _temp_beside(path) as (f, tmp):
        f.write(data)
        _commit_temp(f, tmp, path)
    _fsync_dir(path.parent)


def _write_rows(f: Any, rows: list[dict[str, Any]], fmt: str, schema_fn: Callable[[], Any] | None) -> None:
    """Write ``rows`` to the open binary file ``f`` (the caller fsyncs and renames)."""
    if fmt == ".parquet" and schema_fn is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows, schema=schema_fn()), f)
        return
    f.write(b"".join((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8") for row in rows))


@dataclass(frozen=True)
class _Paths:
    output: Path
    articles: Path
    errors: Path
    work: Path
    lock: Path

    @classmethod
    def of(cls, output: Path) -> _Paths:
        stem, ext = output.name[: -len(output.suffix)], output.suffix.lower()
        return cls(
            output=output,
            articles=output.with_name(f"{stem}.articles{ext}"),
            errors=output.with_name(f"{stem}.errors.jsonl"),
            work=output.with_name(output.name + ".parts"),
            lock=output.with_name(output.name + ".lock"),
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
    for kind, rows, schema_fn in (
        ("units", units, unit_schema),
        ("articles", articles, article_schema),
        ("errors", errors, None),
    ):
        dest = work / _part_name(i, kind, fmt)
        with _temp_beside(dest) as (f, tmp):
            _write_rows(f, rows, fmt if kind != "errors" else ".jsonl", schema_fn)
            _commit_temp(f, tmp, dest)
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
        sources = [work / _part_name(i, kind, fmt) for i in range(n)]
        with _temp_beside(dest) as (out, tmp):
            if part_fmt == ".parquet" and schema_fn is not None:
                import pyarrow.parquet as pq

                with pq.ParquetWriter(out, schema_fn()) as writer:
                    for src in sources:
                        pf = pq.ParquetFile(src)
                        for g in range(pf.num_row_groups):  # one row group in memory at a time
                            writer.write_table(pf.read_row_group(g))
            else:
                for src in sources:
                    with src.open("rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
            _commit_temp(out, tmp, dest)
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
    follow_links: bool = False,
    backend: str = "torch",
    speakers_as_actors: bool = False,
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
        precision, claim_threshold, backend, speakers_as_actors: passed to :func:`stancekit.load`
            (``backend="openvino"`` runs the encoder in OpenVINO: ``pip install 'stancekit[runtimes]'``).
        overwrite: replace an existing ``output``; without it (or ``resume``) an existing output is refused.
        follow_links: for a folder input, read symbolic links to files outside the folder and
            enter symbolically linked folders (off: such links are reported, not followed).

    Returns:
        A :class:`ScoreSummary`; ``summary.errors`` articles failed and are listed in the errors file.

    Raises:
        InputError: unreadable input, an unsupported suffix, a missing text column in CSV/Parquet, a
            corrupt Parquet or malformed CSV file (naming the row or line), an unfinished run without
            ``resume=True``, or a resume against different input or options.
        OutputError: another run is writing the same output (its pid is named), or writing failed
            (disk full, permission); committed chunks are kept and ``resume=True`` continues.
        KeyboardInterrupt: passed on after removing the temp file being written; committed chunks
            are kept and ``resume=True`` continues.
    """
    t0 = time.perf_counter()
    in_path, out_path = Path(input), Path(output)
    fmt = out_path.suffix.lower()
    if fmt not in OUTPUT_FORMATS:
        raise InputError(f"Output {out_path}: cannot write {fmt or 'no suffix'!r}; name it *.jsonl or *.parquet.")
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, got {chunk_size}.")
    paths = _Paths.of(out_path)
    reader = _open_reader(in_path, text_field, id_field, follow_links)
    if not out_path.parent.is_dir():
        raise InputError(f"Output {out_path}: the folder {out_path.parent} does not exist. Create it first.")
    with _lock(paths.lock):
        try:
            return _score_locked(
                reader, in_path, paths, fmt, t0, text_field=text_field, id_field=id_field, resume=resume,
                batch_size=batch_size, max_batch_tokens=max_batch_tokens, device=device, model=model,
                progress=progress, chunk_size=chunk_size, targets=targets, precision=precision,
                claim_threshold=claim_threshold, overwrite=overwrite, backend=backend,
                speakers_as_actors=speakers_as_actors,
            )  # fmt: skip
        except OSError as err:
            if isinstance(err, StancekitError):  # ModelLoadError and OutputError are OSErrors too
                raise
            raise _output_error(err, paths) from err


def _output_error(err: OSError, paths: _Paths) -> OutputError:
    where = err.filename if err.filename is not None else paths.output
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "no space left on device"
        todo = "Free some space"
    elif isinstance(err, PermissionError):
        what = "permission denied"
        todo = "Make the folder writable"
    else:
        what = err.strerror or str(err)
        todo = "Fix the cause"
    if paths.work.exists():
        resume = f"Committed chunks are kept in {paths.work}; {todo.lower()} and run again with --resume to continue."
    else:
        resume = f"{todo} and run again."
    return OutputError(f"{where}: {what}. {resume}")


def _score_locked(
    reader: _Reader,
    in_path: Path,
    paths: _Paths,
    fmt: str,
    t0: float,
    *,
    text_field: str,
    id_field: str,
    resume: bool,
    batch_size: int,
    max_batch_tokens: int,
    device: str,
    model: Any,
    progress: bool | None,
    chunk_size: int,
    targets: Sequence[str] | None,
    precision: str,
    backend: str = "torch",
    claim_threshold: float | None,
    overwrite: bool,
    speakers_as_actors: bool = False,
) -> ScoreSummary:
    settings = {
        "version": _MANIFEST_VERSION,
        "input": _input_fingerprint(in_path, reader),
        "text_field": text_field,
        "id_field": id_field,
        "format": fmt,
        "chunk_size": chunk_size,
        "targets": (target_list := list(targets or ())),
        # an already loaded Pipeline brings its own setting
        "speakers_as_actors": bool(getattr(model, "speakers_as_actors", speakers_as_actors)),
    }
    if isinstance(reader, _JsonlReader):
        _check_first_record(in_path, text_field)
    if not resume and not overwrite and not paths.work.exists() and paths.output.exists():
        raise InputError(
            f"{paths.output} already exists. Pass overwrite=True (--overwrite) to replace it, or resume=True "
            "(--resume) to finish an interrupted run."
        )
    options: dict[str, Any] = {"precision": precision, "claim_threshold": claim_threshold, "backend": backend}
    if speakers_as_actors:
        options["speakers_as_actors"] = True

    notes: list[str] = list(getattr(reader, "skipped", []))
    _remove_finished_work(paths)
    manifest_path = paths.work / "manifest.json"
    nlp: Any = None
    if paths.work.exists() and manifest_path.exists():
        data = _read_manifest(manifest_path)
        lost = _missing_parts(data, paths.work, fmt)
        if not resume:
            lost_note = f" ({_describe_lost(data, lost)}; they will be scored again)" if lost is not None else ""
            raise InputError(
                f"{paths.work} holds an unfinished run{lost_note}. Pass resume=True (--resume) to finish it, "
                "or delete that folder to start over."
            )
        _check_resumable(data, settings, paths.work)
        manifest = _Manifest(manifest_path, data)
        if lost is not None:
            notes.append(_describe_lost(data, lost) + "; they are scored again")
            del manifest.parts[lost:]
            manifest.data["complete"] = False
            _clean_uncommitted(manifest, paths.work, fmt)
            manifest.save()
    elif resume and not paths.work.exists() and paths.output.exists() and paths.articles.exists():
        totals = _count_finished(paths, fmt)  # the run had finished: nothing to do
        done = totals["articles"] + totals["errors"]
        return ScoreSummary(
            paths.output, paths.articles, paths.errors, **totals, resumed=done, seconds=0.0, notes=tuple(notes)
        )
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
        seen = _committed_ids(manifest, paths.work, fmt)
        duplicates = 0
        bar = _Progress(progress, reader, "scoring")
        try:
            start = resumed
            for chunk in _chunks(reader.records(start), chunk_size):
                units: list[dict[str, Any]] = []
                articles: list[dict[str, Any]] = []
                errors: list[dict[str, Any]] = []
                for record in chunk:
                    if record.error is not None:
                        continue
                    here = record.line if record.line is not None else record.position + 1
                    first = seen.setdefault(record.article_id, here)
                    if first != here:
                        duplicates += 1
                        where = (
                            "an article committed earlier"
                            if first == 0
                            else (f"line {first}" if record.line is not None else f"record {first}")
                        )
                        record.text, record.error = (
                            None,
                            (
                                f"duplicate article id {record.article_id!r} (first used at {where}); not scored. "
                                "Give every article a unique id"
                            ),
                        )
                good = [r for r in chunk if r.error is None]
                results: dict[int, tuple[Article | None, str | None]] = {}
                for record, article, error in _analyse(nlp, good, batch_size, target_list):
                    results[record.position] = (article, error)
                    bar.update(1, len(article.units) if article is not None else 0)
                for record in chunk:
                    article, error = results.get(record.position, (None, record.error))
                    if article is None:
                        row: dict[str, Any] = {"article_id": record.article_id, "position": record.position}
                        if record.line is not None:
                            row["line"] = record.line
                        row["reason"] = error
                        errors.append(row)
                        continue
                    units.extend(u.to_dict(record.article_id) for u in article.units)
                    articles.append(article_row(article, record.article_id))
                end = chunk[-1].position + 1
                _commit_part(manifest, paths.work, fmt, start, end, units, articles, errors)
                start = end
        finally:
            bar.close()
        if duplicates:
            notes.append(f"{duplicates} article(s) reuse an earlier article id; they are listed in {paths.errors}")
        manifest.data["complete"] = True
        manifest.save()

    _merge(manifest, paths, fmt)
    totals = manifest.totals()
    _remove_work(paths)
    return ScoreSummary(
        paths.output,
        paths.articles,
        paths.errors,
        **totals,
        resumed=resumed,
        seconds=time.perf_counter() - t0,
        notes=tuple(notes),
    )


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("parts"), list):
            raise ValueError("not a manifest object")
    except ValueError as err:
        raise InputError(
            f"{path} is damaged ({_one_line(err)}). Delete the folder {path.parent} to start over."
        ) from err
    return data


def _missing_parts(data: dict[str, Any], work: Path, fmt: str) -> int | None:
    """The index of the first committed part with a file missing, or None when all are there."""
    for i in range(len(data["parts"])):
        if not all((work / _part_name(i, kind, fmt)).is_file() for kind in ("units", "articles", "errors")):
            return i
    return None


def _describe_lost(data: dict[str, Any], lost: int) -> str:
    parts = data["parts"]
    names = ", ".join(_part_name(i, "*", "").rstrip(".") for i in range(lost, min(len(parts), lost + 3)))
    more = " …" if len(parts) - lost > 3 else ""
    return (
        f"{len(parts) - lost} committed part(s) from {names}{more} are missing or incomplete "
        f"(input records {parts[lost]['start'] + 1} on)"
    )


def _committed_ids(manifest: _Manifest, work: Path, fmt: str) -> dict[str, int]:
    """Article ids of the articles committed so far (value 0: "committed earlier"), to find reused ids.

    The ids of a run are kept in memory (a few dozen bytes per article) so that a reused id is
    reported instead of giving two articles that ``report`` and joins cannot tell apart.
    """
    seen: dict[str, int] = {}
    for i in range(len(manifest.parts)):
        part = work / _part_name(i, "articles", fmt)
        if fmt == ".parquet":
            import pyarrow.parquet as pq

            ids = pq.read_table(part, columns=["article_id"]).column("article_id").to_pylist()
        else:
            with part.open("rb") as f:
                ids = [json.loads(line)["article_id"] for line in f if line.strip()]
        for article_id in ids:
            seen.setdefault(str(article_id), 0)
    return seen


def _remove_work(paths: _Paths) -> None:
    """Remove the work folder: renamed away first (atomic), so a crash while deleting it can never
    leave a half-deleted folder that looks like an unfinished run."""
    trash = paths.work.with_name(f".{paths.work.name}.done.{os.getpid()}.{secrets.token_hex(4)}")
    os.replace(paths.work, trash)
    _fsync_dir(paths.output.parent)
    shutil.rmtree(trash, ignore_errors=True)


def _remove_finished_work(paths: _Paths) -> None:
    """Delete what a crash during :func:`_remove_work` left (only the renamed-away folders)."""
    for old in paths.output.parent.glob(f".{glob.escape(paths.work.name)}.done.*"):
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold ``OUTPUT.lock`` (pid and host inside) for the run: one writer per output.

    A lock whose pid is dead on this host is stale and is taken over: it is renamed away (atomic)
    and re-checked before a new one is created with ``O_EXCL``, so two runs that find the same
    stale lock cannot both win.
    """
    host = socket.gethostname()
    mine = f"{os.getpid()} {host}\n".encode()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(20):
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:
            held = _lock_holder(path)
            if held is None:
                continue  # it vanished: try again
            pid, its_host, raw = held
            if its_host != host or (pid is not None and _alive(pid)):
                who = f"pid {pid}" if pid is not None else "an unknown process"
                raise OutputError(
                    f"{path.with_suffix('')} is being written by another `stancekit score` ({who} on {its_host}). "
                    f"Wait for it to finish or stop it; if it is gone, delete {path}."
                ) from None
            aside = path.with_name(f".{path.name}.stale.{os.getpid()}.{secrets.token_hex(4)}")
            try:
                os.rename(path, aside)
            except FileNotFoundError:
                continue
            if aside.read_bytes() != raw:  # another run took it over in between: give it back
                with contextlib.suppress(FileExistsError):
                    os.link(aside, path)
            aside.unlink()
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(mine)
        break
    else:  # pragma: no cover - twenty races in a row
        raise OutputError(f"{path}: could not take the output's lock. Try again.")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if path.read_bytes() == mine:
                path.unlink()


def _lock_holder(path: Path) -> tuple[int | None, str, bytes] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    parts = raw.decode("utf-8", "replace").split()
    pid = int(parts[0]) if parts and parts[0].isdigit() else None
    host = parts[1] if len(parts) > 1 else socket.gethostname()
    return pid, host, raw


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _check_resumable(data: dict[str, Any], settings: dict[str, Any], work: Path) -> None:
    if data.get("version") != _MANIFEST_VERSION:
        raise InputError(
            f"{work}/manifest.json has version {data.get('version')!r}, this stancekit writes {_MANIFEST_VERSION}. "
            "Delete that folder and score again."
        )
    for key in ("input", "text_field", "id_field", "format", "chunk_size", "targets", "speakers_as_actors"):
        # a run started before a setting existed had it at its default (False)
        if data.get(key, False if key == "speakers_as_actors" else None) != settings[key]:
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
