"""Corpus scoring: formats, errors file, chunked commits, resume after a crash or SIGKILL."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stancekit
from stancekit.errors import InputError
from stancekit.scoring import score
from stancekit.types import Actor, ActorStance, Article, Mention, Unit

# --------------------------------------------------------------------------------------------
# A deterministic stand-in with the Pipeline's methods (sentences → units, capitalised words →
# actors), so that the file handling is tested apart from the model; the SIGKILL test below
# uses the real tiny model when tests/conftest.py provides it.
# --------------------------------------------------------------------------------------------


def fake_article(text: str, id: str | None = None) -> Article:
    if "BOOM" in text:
        raise RuntimeError("the model choked")
    units = []
    per_actor: dict[str, list[ActorStance]] = {}
    for i, m in enumerate(re.finditer(r"[^.!?\n]+[.!?]?", text)):
        raw = m.group()
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if not body:
            continue
        start = m.start() + lead
        actors = []
        for w in re.finditer(r"\b[A-Z][a-z]+\b", body):
            h = zlib.crc32(w.group().encode()) % 7
            scores = {"favor": h / 10, "against": (6 - h) / 10, "neutral": 0.4}
            total = sum(scores.values())
            scores = {k: v / total for k, v in scores.items()}
            stance = max(scores, key=lambda k: scores[k])
            mention = Mention(w.group(), start + w.start(), start + w.end())
            if any(a.name == w.group() for a in actors):
                continue
            a = ActorStance(w.group(), "person", stance, scores, (mention,))
            actors.append(a)
            per_actor.setdefault(a.name, []).append(a)
        is_claim = len(body.split()) > 3
        units.append(
            Unit(
                index=len(units),
                text=body,
                start=start,
                end=start + len(body),
                is_claim=is_claim,
                claim_score=0.9 if is_claim else 0.1,
                reason=None if is_claim else "model",
                actors=tuple(actors),
                primary_actor=actors[0].name if actors else None,
                stance=actors[0].stance if actors else None,
            )
        )
        del i
    article_actors = []
    for name, stances in per_actor.items():
        counts = {k: sum(1 for s in stances if s.stance == k) for k in ("favor", "against", "neutral")}
        article_actors.append(
            Actor(name, "person", tuple(m for s in stances for m in s.mentions), stances[0].stance, counts=counts)
        )
    return Article(text=text, units=tuple(units), actors=tuple(article_actors), id=id)


class FakePipeline:
    """``nlp(text)`` / lazy ordered ``nlp.pipe(texts)`` like :class:`stancekit.pipeline.Pipeline`."""

    def __init__(self, crash_after: int | None = None) -> None:
        self.crash_after = crash_after
        self.seen = 0
        self.largest_call = 0

    def __call__(self, text: str, *, id: str | None = None) -> Article:
        return fake_article(text, id)

    def pipe(self, texts: Iterable[str], *, batch_size: int | None = None, ids=None) -> Iterator[Article]:
        texts = list(texts)
        self.largest_call = max(self.largest_call, len(texts))
        for t in texts:
            if self.crash_after is not None and self.seen >= self.crash_after:
                raise _Crash()
            self.seen += 1
            yield fake_article(t)


class _Crash(BaseException):
    """Simulates the process dying (not an Exception: scoring must not catch it)."""


def _articles(n: int) -> list[dict]:
    names = ["Abe", "Russia", "Merkel", "Biden", "Tokyo", "Brussels"]
    out = []
    for i in range(n):
        a, b = names[i % 6], names[(i * 5 + 1) % 6]
        out.append({"id": f"a{i}", "text": f"{a} criticised the plan on day {i}. {b} said it was fine. Short one."})
    return out


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _expected_units(rows: list[dict]) -> list[dict]:
    return [u.to_dict(r["id"]) for r in rows for u in fake_article(r["text"]).units]


# --------------------------------------------------------------------------------------------


def test_jsonl_output_has_every_unit_in_input_order_with_contract_fields(tmp_path: Path) -> None:
    rows = _articles(23)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    summary = score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=5, progress=False)
    got = _read_jsonl(tmp_path / "out.jsonl")
    assert got == _expected_units(rows)
    for key in ("article_id", "index", "text", "start", "end", "is_claim", "claim_score", "actors", "primary_actor"):
        assert key in got[0]
    assert summary.articles == 23 and summary.units == len(got) and summary.errors == 0 and summary.ok
    assert summary.claims == sum(u["is_claim"] for u in got)
    assert not (tmp_path / "out.jsonl.parts").exists()  # work folder removed after the merge


def test_article_summary_file_has_actor_level_stance(tmp_path: Path) -> None:
    rows = _articles(4)
    score(_write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    summaries = _read_jsonl(tmp_path / "out.articles.jsonl")
    assert [s["article_id"] for s in summaries] == ["a0", "a1", "a2", "a3"]
    expected = fake_article(rows[2]["text"])
    assert summaries[2]["n_units"] == len(expected.units)
    assert summaries[2]["actors"] == [a.to_dict() for a in expected.actors]
    assert not (tmp_path / "out.errors.jsonl").exists()  # no empty errors file


def test_parquet_in_and_out_equals_jsonl_path(tmp_path: Path) -> None:
    rows = _articles(30)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet", row_group_size=7)
    score(tmp_path / "in.parquet", tmp_path / "out.parquet", model=FakePipeline(), chunk_size=4, progress=False)
    got = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert got == _expected_units(rows)
    arts = pq.read_table(tmp_path / "out.articles.parquet").to_pylist()
    assert [a["article_id"] for a in arts] == [r["id"] for r in rows]


def test_csv_input_and_missing_id_column_uses_record_number(tmp_path: Path) -> None:
    rows = _articles(5)
    import csv

    with (tmp_path / "in.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["body", "other"])
        for r in rows:
            w.writerow([r["text"].replace(". ", ".\n"), "x"])  # multi-line quoted fields
    score(tmp_path / "in.csv", tmp_path / "out.jsonl", text_field="body", model=FakePipeline(), progress=False)
    got = _read_jsonl(tmp_path / "out.jsonl")
    assert sorted({u["article_id"] for u in got}) == ["0", "1", "2", "3", "4"]
    assert got[0]["text"] == fake_article(rows[0]["text"].replace(". ", ".\n")).units[0].text


def test_folder_of_txt_files_uses_relative_path_as_id(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "b.txt").write_text("Merkel spoke today in Berlin. Fine.", encoding="utf-8")
    (tmp_path / "in" / "sub" / "a.txt").write_text("Abe met the press today.", encoding="utf-8")
    (tmp_path / "in" / "bad.txt").write_bytes(b"Caf\xe9 Abe said no to it.")
    summary = score(tmp_path / "in", tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    ids = [u["article_id"] for u in _read_jsonl(tmp_path / "out.jsonl")]
    assert ids[0] == "b" and ids[-1] == "sub/a"
    errors = _read_jsonl(tmp_path / "out.errors.jsonl")
    assert [(e["article_id"], e["reason"].split(":")[0]) for e in errors] == [("bad", "bad encoding")]
    assert summary.errors == 1 and summary.failed == 1 and not summary.ok


def test_bad_articles_go_to_the_errors_file_and_the_run_goes_on(tmp_path: Path) -> None:
    good = _articles(3)
    lines = [
        json.dumps(good[0]).encode(),
        b'{"id": "latin1", "text": "Caf\xe9 au lait"}',
        json.dumps({"id": "empty", "text": "  \n "}).encode(),
        json.dumps({"id": "nofield", "body": "Abe said so."}).encode(),
        b"{not json",
        json.dumps({"id": "boom", "text": "BOOM goes the model."}).encode(),
        json.dumps({"id": "num", "text": 42}).encode(),
        json.dumps({"id": "surrogate", "text": "Abe \ud800 said"}).encode(),
        json.dumps(good[1]).encode(),
        b"",
        json.dumps(good[2]).encode(),
    ]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    summary = score(tmp_path / "in.jsonl", tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=4, progress=False)
    errors = _read_jsonl(tmp_path / "out.errors.jsonl")
    reasons = {e["article_id"]: e["reason"] for e in errors}
    assert reasons["latin1"].startswith("bad encoding")
    assert "empty" not in reasons  # empty text is an article with no units, as in the library and analyze
    assert reasons["nofield"] == "missing text field 'text'"
    assert reasons["4"] == "invalid JSON at column 2: Expecting property name enclosed in double quotes"
    assert reasons["boom"].startswith("analysis failed: RuntimeError")
    assert reasons["num"].startswith("text field 'text' is not a string")
    assert reasons["surrogate"].startswith("bad encoding")
    assert [e["position"] for e in errors] == [1, 3, 4, 5, 6, 7]
    assert [e["line"] for e in errors] == [2, 4, 5, 6, 7, 8]  # 1-based lines of the input file
    assert summary.errors == 6 and summary.articles == 4
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(good)
    empty = [a for a in _read_jsonl(tmp_path / "out.articles.jsonl") if a["article_id"] == "empty"]
    assert [(a["n_units"], a["n_claims"], a["actors"]) for a in empty] == [(0, 0, [])]


def test_batches_passed_to_the_pipeline_never_exceed_one_chunk(tmp_path: Path) -> None:
    # Bounded memory: the scorer holds one chunk of articles at a time, however long the input.
    nlp = FakePipeline()
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(200))
    score(inp, tmp_path / "out.jsonl", model=nlp, chunk_size=16, progress=False)
    assert nlp.seen == 200 and nlp.largest_call == 16


def test_unfinished_run_is_refused_without_resume(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(10))
    with pytest.raises(_Crash):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(crash_after=5), chunk_size=2, progress=False)
    with pytest.raises(InputError, match="--resume"):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=2, progress=False)


def test_resume_with_other_options_is_refused(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(10))
    with pytest.raises(_Crash):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(crash_after=5), chunk_size=2, progress=False)
    with pytest.raises(InputError, match="chunk_size"):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=3, resume=True, progress=False)
    with pytest.raises(InputError, match="text_field"):
        score(inp, tmp_path / "out.jsonl", text_field="t", model=FakePipeline(), chunk_size=2, resume=True)


def test_resume_with_the_other_speaker_convention_is_refused(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(10))
    with pytest.raises(_Crash):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(crash_after=5), chunk_size=2, progress=False)
    with pytest.raises(InputError, match="speakers_as_actors"):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=2, resume=True, speakers_as_actors=True)
    # the same convention resumes
    done = score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=2, resume=True, progress=False)
    assert done.articles == 10


def test_resume_ignores_files_the_manifest_does_not_list(tmp_path: Path) -> None:
    rows = _articles(12)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(_Crash):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(crash_after=7), chunk_size=3, progress=False)
    work = tmp_path / "out.jsonl.parts"
    manifest = json.loads((work / "manifest.json").read_text())
    assert [p["end"] for p in manifest["parts"]] == [3, 6]
    # What a kill between "rename part" and "rewrite manifest" leaves: an orphan part and a temp file.
    (work / "part-000002.units.jsonl").write_text('{"article_id": "junk"}\n')
    (work / "part-000003.articles.jsonl.tmp").write_text("half a li")
    summary = score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=3, resume=True, progress=False)
    assert summary.resumed == 6 and summary.articles == 12
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(rows)


def test_resuming_a_finished_run_scores_nothing_and_reports_totals(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(6))
    first = score(inp, tmp_path / "out.parquet", model=FakePipeline(), progress=False)
    nlp = FakePipeline()
    again = score(inp, tmp_path / "out.parquet", model=nlp, resume=True, progress=False)
    assert nlp.seen == 0
    assert (again.articles, again.units, again.claims, again.errors) == (
        first.articles,
        first.units,
        first.claims,
        first.errors,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 30),
    chunk=st.integers(1, 8),
    crashes=st.lists(st.integers(0, 30), max_size=3),
    fmt=st.sampled_from([".jsonl", ".parquet"]),
)
def test_resume_after_any_crash_gives_byte_identical_output(
    tmp_path_factory: pytest.TempPathFactory, n: int, chunk: int, crashes: list[int], fmt: str
) -> None:
    d = tmp_path_factory.mktemp("crash")
    rows = _articles(n)
    rows[n // 2]["text"] = None  # one error row too
    inp = _write_jsonl(d / "in.jsonl", rows)
    score(inp, d / f"clean{fmt}", model=FakePipeline(), chunk_size=chunk, progress=False)
    for k in crashes:
        with contextlib.suppress(_Crash):
            score(inp, d / f"out{fmt}", model=FakePipeline(crash_after=k), chunk_size=chunk, resume=True)
    summary = score(inp, d / f"out{fmt}", model=FakePipeline(), chunk_size=chunk, resume=True, progress=False)
    for name in (f"{{}}{fmt}", f"{{}}.articles{fmt}", "{}.errors.jsonl"):
        assert (d / name.format("out")).read_bytes() == (d / name.format("clean")).read_bytes()
    assert summary.articles == n - 1 and summary.errors == 1


def test_progress_stays_quiet_when_stderr_is_not_a_terminal(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(5))
    score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=None)
    score(inp, tmp_path / "out2.jsonl", model=FakePipeline(), progress=True)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_unsupported_suffixes_and_missing_columns_raise_input_error(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(2))
    with pytest.raises(InputError, match=r"\*\.jsonl or \*\.parquet"):
        score(inp, tmp_path / "out.csv", model=FakePipeline())
    (tmp_path / "in.xml").write_text("<a/>")
    with pytest.raises(InputError, match="cannot read"):
        score(tmp_path / "in.xml", tmp_path / "out.jsonl", model=FakePipeline())
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "in.parquet")
    with pytest.raises(InputError, match="no column 'text'"):
        score(tmp_path / "in.parquet", tmp_path / "out.jsonl", model=FakePipeline())
    with pytest.raises(InputError, match="does not exist"):
        score(tmp_path / "nope.jsonl", tmp_path / "out.jsonl", model=FakePipeline())


def test_score_is_exported_from_the_package(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(2))
    summary = stancekit.score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    assert summary.to_dict()["articles"] == 2


# --------------------------------------------------------------------------------------------
# kill -9 in a real subprocess, then --resume
# --------------------------------------------------------------------------------------------

_CHILD = """
import sys
sys.path.insert(0, {tests!r})
import stancekit
model = {model!r}
if model is None:
    from test_scoring import FakePipeline
    import time
    class Slow(FakePipeline):
        def pipe(self, texts, **kw):
            for a in super().pipe(texts, **kw):
                time.sleep(0.002)
                yield a
    model = Slow()
stancekit.score({inp!r}, {out!r}, model=model, chunk_size={chunk}, resume=True, progress=False, device="cpu")
"""


def _child(inp: Path, out: Path, model: str | None, chunk: int) -> list[str]:
    code = _CHILD.format(tests=str(Path(__file__).parent), model=model, inp=str(inp), out=str(out), chunk=chunk)
    return [sys.executable, "-c", code]


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_gives_every_unit_exactly_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    try:
        model: str | None = str(request.getfixturevalue("tiny_model_dir"))
    except pytest.FixtureLookupError:
        model = None  # without conftest's tiny model: the slowed-down stand-in
    rows = _articles(160)
    rows[17]["text"] = None
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    chunk = 8
    # The uninterrupted reference (same code and model, in this process).
    score(inp, tmp_path / "clean.jsonl", model=model or FakePipeline(), chunk_size=chunk, device="cpu", progress=False)
    out = tmp_path / "out.jsonl"
    work = tmp_path / "out.jsonl.parts"
    kills = 0
    for _ in range(2):  # kill at two moments: after 1 chunk, then after 3 more
        proc = subprocess.Popen(_child(inp, out, model, chunk))
        before = len(json.loads((work / "manifest.json").read_text())["parts"]) if work.exists() else 0
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                parts = len(json.loads((work / "manifest.json").read_text())["parts"])
            except (FileNotFoundError, json.JSONDecodeError):
                parts = 0
            if parts >= before + 1 + 2 * kills:
                break
            time.sleep(0.005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert kills >= 1, "the child finished before it could be killed; make the input longer"
    assert work.exists() and not out.exists()
    subprocess.run(_child(inp, out, model, chunk), check=True, timeout=600)
    assert not work.exists()
    got, clean = _read_jsonl(out), _read_jsonl(tmp_path / "clean.jsonl")
    keys = [(u["article_id"], u["index"]) for u in got]
    assert len(keys) == len(set(keys))  # exactly once
    assert got == clean
    assert out.read_bytes() == (tmp_path / "clean.jsonl").read_bytes()
    assert _read_jsonl(tmp_path / "out.errors.jsonl") == [
        {"article_id": "a17", "position": 17, "line": 18, "reason": "missing text field 'text'"}
    ]


def test_a_model_that_fails_to_load_leaves_no_unfinished_run(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    with pytest.raises(stancekit.StancekitError):
        score(inp, tmp_path / "out.jsonl", model=tmp_path / "no-such-model", device="cpu", progress=False)
    assert not (tmp_path / "out.jsonl.parts").exists()
    score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)  # no --resume needed
    assert len(_read_jsonl(tmp_path / "out.articles.jsonl")) == 3


# --------------------------------------------------------------------------------------------
# Hardening (issue 16): temp files, disk full, Ctrl-C, lost parts, one writer, links, ids
# --------------------------------------------------------------------------------------------


def _stray(folder: Path) -> list[str]:
    """Temp files, stale locks and renamed-away work folders left in ``folder`` (recursively)."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".lock")) or ".done." in p.name)


def test_a_symlink_planted_at_a_temp_name_is_never_written_through(tmp_path: Path, monkeypatch) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(5))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for name in ("out.jsonl.tmp", "out.articles.jsonl.tmp", "out.errors.jsonl.tmp"):  # the old fixed temp names
        (out_dir / name).symlink_to(victim)
    import stancekit.scoring as scoring

    opened: list[tuple[str, int]] = []
    real_open = os.open

    def spy(path, flags, *a, **k):
        opened.append((str(path), flags))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(scoring.os, "open", spy)
    score(inp, out_dir / "out.jsonl", model=FakePipeline(), progress=False)
    monkeypatch.undo()
    temps = [(Path(p), f) for p, f in opened if p.endswith(".tmp")]
    assert {p.parent for p, _ in temps} == {out_dir, out_dir / "out.jsonl.parts"}  # never outside the output's folder
    assert all(f & os.O_EXCL and f & os.O_CREAT and f & os.O_NOFOLLOW for _, f in temps)
    assert len({p for p, _ in temps}) == len(temps)  # a unique name each time
    assert victim.read_text() == "precious"
    assert not (out_dir / "out.jsonl").is_symlink()
    assert _read_jsonl(out_dir / "out.jsonl") == _expected_units(_articles(5))
    assert sorted(p.name for p in out_dir.iterdir() if not p.is_symlink()) == ["out.articles.jsonl", "out.jsonl"]


def test_a_temp_name_that_exists_is_skipped_never_opened(tmp_path: Path, monkeypatch) -> None:
    from stancekit.scoring import _commit_temp, _temp_beside

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    names = iter(["aaaa", "bbbb"])
    monkeypatch.setattr("stancekit.scoring.secrets.token_hex", lambda n: next(names))
    (tmp_path / f".out.jsonl.{os.getpid()}.aaaa.tmp").symlink_to(victim)
    with _temp_beside(tmp_path / "out.jsonl") as (f, tmp):
        assert tmp.name == f".out.jsonl.{os.getpid()}.bbbb.tmp"
        f.write(b"data")
        _commit_temp(f, tmp, tmp_path / "out.jsonl")
    assert victim.read_text() == "precious" and (tmp_path / "out.jsonl").read_bytes() == b"data"


def _fail_writes_after(monkeypatch, n: int, exc: BaseException) -> None:
    import stancekit.scoring as scoring

    real = scoring._write_rows
    calls = {"n": 0}

    def write_rows(f, rows, fmt, schema_fn):
        calls["n"] += 1
        if calls["n"] > n:
            f.write(b'{"half": ')  # a partial write, as a full disk leaves
            raise exc
        return real(f, rows, fmt, schema_fn)

    monkeypatch.setattr(scoring, "_write_rows", write_rows)


@pytest.mark.parametrize("fmt", [".jsonl", ".parquet"])
def test_disk_full_stops_with_one_message_keeps_committed_chunks_and_resume_is_exact(
    tmp_path: Path, monkeypatch, fmt: str
) -> None:
    from stancekit.errors import OutputError

    rows = _articles(20)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    score(inp, tmp_path / f"clean{fmt}", model=FakePipeline(), chunk_size=4, progress=False)
    with monkeypatch.context() as m:
        _fail_writes_after(m, 7, OSError(28, "No space left on device"))
        with pytest.raises(OutputError, match=r"no space left on device.*--resume to continue") as info:
            score(inp, tmp_path / f"out{fmt}", model=FakePipeline(), chunk_size=4, progress=False)
    assert "\n" not in str(info.value)
    assert _stray(tmp_path) == []
    summary = score(inp, tmp_path / f"out{fmt}", model=FakePipeline(), chunk_size=4, resume=True, progress=False)
    assert summary.resumed == 8  # two chunks of 4 were committed before the disk filled
    for name in (f"{{}}{fmt}", f"{{}}.articles{fmt}"):
        assert (tmp_path / name.format("out")).read_bytes() == (tmp_path / name.format("clean")).read_bytes()
    assert not (tmp_path / "out.errors.jsonl").exists() and not (tmp_path / "clean.errors.jsonl").exists()


def test_disk_full_during_the_final_merge_leaves_no_temp_file_and_resume_finishes(tmp_path: Path, monkeypatch) -> None:
    import shutil as _shutil

    from stancekit.errors import OutputError

    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(9))
    real = _shutil.copyfileobj

    def full(src, dst, length=0):
        dst.write(b"partial")
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr("stancekit.scoring.shutil.copyfileobj", full)
        with pytest.raises(OutputError, match="--resume"):
            score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=4, progress=False)
    assert _stray(tmp_path) == [] and not (tmp_path / "out.jsonl").exists()
    assert _shutil.copyfileobj is real
    nlp = FakePipeline()
    score(inp, tmp_path / "out.jsonl", model=nlp, chunk_size=4, resume=True, progress=False)
    assert nlp.seen == 0  # everything was committed; only the merge was redone
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(_articles(9))


def test_ctrl_c_leaves_committed_chunks_no_temp_files_and_no_lock(tmp_path: Path, monkeypatch) -> None:
    rows = _articles(20)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    with monkeypatch.context() as m:
        _fail_writes_after(m, 4, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=5, progress=False)
    assert _stray(tmp_path) == []
    manifest = json.loads((tmp_path / "out.jsonl.parts" / "manifest.json").read_text())
    assert [p["end"] for p in manifest["parts"]] == [5]
    summary = score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=5, resume=True, progress=False)
    assert summary.resumed == 5 and summary.articles == 20
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(rows)


def test_cli_ctrl_c_during_score_is_one_line_saying_resume_continues(tmp_path: Path, monkeypatch, capsys) -> None:
    from stancekit.cli import main

    class Interrupting(FakePipeline):
        def pipe(self, texts, **kw):
            for i, a in enumerate(super().pipe(texts, **kw)):
                if i == 2:
                    raise KeyboardInterrupt
                yield a

    monkeypatch.setattr(stancekit, "load", lambda *a, **k: Interrupting())
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(6))
    assert main(["score", str(inp), "-o", str(tmp_path / "out.jsonl")]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "--resume" in err
    assert _stray(tmp_path) == []


def test_cli_disk_full_during_score_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    from stancekit.cli import main

    monkeypatch.setattr(stancekit, "load", lambda *a, **k: FakePipeline())
    _fail_writes_after(monkeypatch, 2, OSError(28, "No space left on device"))
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(6))
    assert main(["score", str(inp), "-o", str(tmp_path / "out.jsonl"), "--batch-size", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no space left on device" in err and "--resume" in err


def test_missing_parts_are_named_and_scored_again_on_resume(tmp_path: Path) -> None:
    rows = _articles(12)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(_Crash):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(crash_after=10), chunk_size=3, progress=False)
    work = tmp_path / "out.jsonl.parts"
    (work / "part-000001.units.jsonl").unlink()  # what a crash in the old clean-up (or a user) left
    with pytest.raises(InputError, match=r"part-000001.*missing.*records 4 on"):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=3, progress=False)
    nlp = FakePipeline()
    summary = score(inp, tmp_path / "out.jsonl", model=nlp, chunk_size=3, resume=True, progress=False)
    assert nlp.seen == 9 and summary.resumed == 3
    assert any("part-000001" in n for n in summary.notes)
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(rows)


def test_a_finished_run_whose_parts_were_deleted_halfway_resumes(tmp_path: Path, monkeypatch) -> None:
    """Issue 16: a crash while the final merge cleaned up its parts made --resume fail for good."""
    rows = _articles(9)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    with monkeypatch.context() as m:  # stop right after the manifest says "complete"

        def crash(*a, **k):
            raise _Crash()

        m.setattr("stancekit.scoring._merge", crash)
        with pytest.raises(_Crash):
            score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=3, progress=False)
    work = tmp_path / "out.jsonl.parts"
    assert json.loads((work / "manifest.json").read_text())["complete"] is True
    for p in sorted(work.glob("part-00000[01].*")):  # what a half-done clean-up left
        p.unlink()
    nlp = FakePipeline()
    summary = score(inp, tmp_path / "out.jsonl", model=nlp, chunk_size=3, resume=True, progress=False)
    assert nlp.seen == 9 and summary.articles == 9  # parts 0 and 1 (and 2, after them) scored again
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(rows)


def test_a_crash_while_removing_the_work_folder_leaves_a_finished_run(tmp_path: Path, monkeypatch) -> None:
    import shutil as _shutil

    rows = _articles(7)
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    real = _shutil.rmtree
    with monkeypatch.context() as m:

        def crash(path, *a, **k):
            raise _Crash()

        m.setattr("stancekit.scoring.shutil.rmtree", crash)
        with pytest.raises(_Crash):
            score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=3, progress=False)
    assert _shutil.rmtree is real
    nlp = FakePipeline()
    summary = score(inp, tmp_path / "out.jsonl", model=nlp, chunk_size=3, resume=True, progress=False)
    assert nlp.seen == 0 and summary.articles == 7
    assert _stray(tmp_path) == [] and not (tmp_path / "out.jsonl.parts").exists()
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(rows)


_WRITER = """
import sys, time
sys.path.insert(0, {tests!r})
from test_scoring import FakePipeline
import stancekit
class Slow(FakePipeline):
    def pipe(self, texts, **kw):
        for a in super().pipe(texts, **kw):
            time.sleep(0.05)
            yield a
stancekit.score({inp!r}, {out!r}, model=Slow(), chunk_size=2, progress=False)
"""


def test_a_second_writer_to_the_same_output_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    from stancekit.errors import OutputError

    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(60))
    out = tmp_path / "out.jsonl"
    code = _WRITER.format(tests=str(Path(__file__).parent), inp=str(inp), out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "out.jsonl.lock").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the first writer never took the lock"
            time.sleep(0.02)
        with pytest.raises(OutputError, match=rf"another `stancekit score` \(pid {proc.pid} "):
            score(inp, out, model=FakePipeline(), progress=False, resume=True)
        assert proc.poll() is None  # the first run is undisturbed
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0
    assert _read_jsonl(out) == _expected_units(_articles(60))
    assert _stray(tmp_path) == []


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    import socket

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(4))
    (tmp_path / "out.jsonl.lock").write_text(f"{dead.pid} {socket.gethostname()}\n")
    summary = score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    assert summary.articles == 4 and _stray(tmp_path) == []


def test_a_live_lock_names_its_pid(tmp_path: Path) -> None:
    import socket

    from stancekit.errors import OutputError

    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(4))
    (tmp_path / "out.jsonl.lock").write_text(f"{os.getppid()} {socket.gethostname()}\n")
    with pytest.raises(OutputError, match=rf"pid {os.getppid()}"):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    assert (tmp_path / "out.jsonl.lock").exists()  # not ours to remove
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_folder_input_reports_broken_links_and_links_out_of_the_folder(tmp_path: Path) -> None:
    src = tmp_path / "articles"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Abe criticised the plan. Merkel agreed.")
    (src / "sub" / "b.txt").write_text("Biden said it was fine.")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret text that must not be scored.")
    (outside / "c.txt").write_text("Putin rejected the plan.")
    (src / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (src / "leak.txt").symlink_to(outside / "secret.txt")
    (src / "inside.txt").symlink_to(src / "a.txt")
    (src / "linked").symlink_to(outside, target_is_directory=True)
    summary = score(src, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    reasons = {e["article_id"]: e["reason"] for e in _read_jsonl(tmp_path / "out.errors.jsonl")}
    assert reasons["broken"].startswith("broken symbolic link")
    assert reasons["leak"].startswith("a symbolic link to a file outside the input folder")
    scored = {a["article_id"] for a in _read_jsonl(tmp_path / "out.articles.jsonl")}
    assert scored == {"a", "inside", "sub/b"}
    assert "Secret" not in (tmp_path / "out.jsonl").read_text()
    assert any(n.startswith("linked: a symbolic link to a folder") for n in summary.notes)
    followed = score(src, tmp_path / "all.jsonl", model=FakePipeline(), progress=False, follow_links=True)
    scored = {a["article_id"] for a in _read_jsonl(tmp_path / "all.articles.jsonl")}
    assert scored == {"a", "inside", "leak", "linked/c", "linked/secret", "sub/b"}
    assert followed.errors == 1  # the broken link stays an error


def test_duplicate_article_ids_are_reported_and_the_output_stays_readable_by_report(tmp_path: Path) -> None:
    from stancekit.report import write_report

    rows = _articles(6)
    rows[3]["id"] = rows[1]["id"] = "same"
    rows[5]["id"] = "same"
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    summary = score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=2, progress=False)
    errors = _read_jsonl(tmp_path / "out.errors.jsonl")
    assert [(e["line"], e["reason"].split(";")[0]) for e in errors] == [
        (4, "duplicate article id 'same' (first used at line 2)"),
        (6, "duplicate article id 'same' (first used at line 2)"),
    ]
    assert summary.articles == 4 and summary.errors == 2 and any("reuse" in n for n in summary.notes)
    write_report([tmp_path / "out.jsonl"], tmp_path / "report.html")
    assert "same" in (tmp_path / "report.html").read_text()


def test_duplicate_ids_are_found_across_a_resume(tmp_path: Path) -> None:
    rows = _articles(8)
    rows[6]["id"] = rows[0]["id"]
    inp = _write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(_Crash):
        score(inp, tmp_path / "out.jsonl", model=FakePipeline(crash_after=4), chunk_size=2, progress=False)
    score(inp, tmp_path / "out.jsonl", model=FakePipeline(), chunk_size=2, resume=True, progress=False)
    (error,) = _read_jsonl(tmp_path / "out.errors.jsonl")
    assert error["line"] == 7 and "an article committed earlier" in error["reason"]


def test_corrupt_parquet_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet at all PAR1")
    with pytest.raises(InputError, match=r"bad\.parquet: not a readable Parquet file"):
        score(bad, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    good = tmp_path / "cut.parquet"
    pq.write_table(pa.Table.from_pylist(_articles(50)), good)
    good.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="not a readable Parquet file"):
        score(good, tmp_path / "out2.jsonl", model=FakePipeline(), progress=False)


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b'id,text\na1,"Abe said no."\na2,"Merkel agreed.\na3,"Biden left."\n')  # unterminated
    with pytest.raises(InputError, match=r"in\.csv:3: malformed CSV"):
        score(path, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    path.write_bytes(b'id,text\na1,"Abe said no."\na2,"Merkel "agreed"."\n')  # a stray quote
    with pytest.raises(InputError, match=r"in\.csv:3: malformed CSV"):
        score(path, tmp_path / "out2.jsonl", model=FakePipeline(), progress=False)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_utf8_bom_is_read_and_utf16_is_named(tmp_path: Path, suffix: str) -> None:
    rows = _articles(3)
    if suffix == ".jsonl":
        body = "".join(json.dumps(r) + "\n" for r in rows)
    else:
        body = "id,text\n" + "".join(f'{r["id"]},"{r["text"]}"\n' for r in rows)
    path = tmp_path / f"in{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    summary = score(path, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    assert summary.articles == 3 and summary.errors == 0
    path.write_bytes(b"\xff\xfe" + body.encode("utf-16-le"))
    with pytest.raises(InputError, match=r"is UTF-16 .* iconv -f utf-16 -t utf-8"):
        score(path, tmp_path / "out2.jsonl", model=FakePipeline(), progress=False)


@pytest.mark.parametrize("content", [b"", b"\n\n"])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_an_empty_corpus_file_is_zero_articles_in_every_format(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = tmp_path / f"in{suffix}"
    path.write_bytes(content)
    summary = score(path, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    assert (summary.articles, summary.units, summary.errors) == (0, 0, 0)


def test_report_on_bad_unit_rows_names_file_and_line(tmp_path: Path) -> None:
    from stancekit.report import write_report

    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)
    good = (tmp_path / "out.jsonl").read_text().splitlines()
    for breakage, message in [
        (lambda r: r.pop("text"), "missing field 'text'"),
        (lambda r: r.__setitem__("index", "x"), "invalid literal for int"),
        (lambda r: r["actors"][0].pop("type"), "missing field 'type'"),
    ]:
        rows = [json.loads(line) for line in good]
        k = next(i for i, r in enumerate(rows) if r["actors"])
        breakage(rows[k])
        bad = _write_jsonl(tmp_path / "bad.jsonl", rows)
        with pytest.raises(InputError, match=rf"bad\.jsonl: line {k + 1}: unit row {k}: {message}"):
            write_report([bad], tmp_path / "r.html")


_GOOD = st.builds(
    lambda i, w: {"id": f"g{i}", "text": f"{w} criticised the plan. Merkel said it was fine."},
    st.integers(0, 10**6),
    st.sampled_from(["Abe", "Putin", "Biden"]),
)
_BAD = st.sampled_from(
    [b"{not json", b'{"id": "x", "body": "no text field"}', b'{"id": "y", "text": 42}', b"[1, 2]", b'"str"',
     b'{"id": "z", "text": "Caf\xe9"}', b'{"id": "n", "text": null}']
)  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(_GOOD, _BAD), max_size=25, unique_by=lambda r: r["id"] if isinstance(r, dict) else r),
       chunk=st.integers(1, 6))  # fmt: skip
def test_fuzz_corpus_rows_good_ones_scored_once_bad_ones_in_the_errors_file_by_line(
    tmp_path_factory: pytest.TempPathFactory, rows: list, chunk: int
) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    # the first record is a good one: a first record without the text field stops the run up front
    rows = [{"id": "first", "text": "Abe spoke first."}, *rows]
    lines = [json.dumps(r).encode() if isinstance(r, dict) else r for r in rows]
    (d / "in.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    summary = score(d / "in.jsonl", d / "out.jsonl", model=FakePipeline(), chunk_size=chunk, progress=False)
    good = [r for r in rows if isinstance(r, dict)]
    assert _read_jsonl(d / "out.jsonl") == _expected_units(good)  # every good row once, in order
    errors = _read_jsonl(d / "out.errors.jsonl") if (d / "out.errors.jsonl").exists() else []
    assert [e["line"] for e in errors] == [i + 1 for i, r in enumerate(rows) if not isinstance(r, dict)]
    assert summary.articles == len(good) and summary.errors == len(rows) - len(good)
