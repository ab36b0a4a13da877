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
    assert reasons["empty"] == "empty text"
    assert reasons["nofield"] == "missing text field 'text'"
    assert reasons["4"].startswith("invalid JSON")  # no id to read: the record number
    assert reasons["boom"].startswith("analysis failed: RuntimeError")
    assert reasons["num"].startswith("text field 'text' is not a string")
    assert reasons["surrogate"].startswith("bad encoding")
    assert [e["position"] for e in errors] == [1, 2, 3, 4, 5, 6, 7]
    assert summary.errors == 7 and summary.articles == 3
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected_units(good)


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
    rows[n // 2]["text"] = ""  # one error row too
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
    rows[17]["text"] = ""
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
    assert _read_jsonl(tmp_path / "out.errors.jsonl") == [{"article_id": "a17", "position": 17, "reason": "empty text"}]


def test_a_model_that_fails_to_load_leaves_no_unfinished_run(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    with pytest.raises(stancekit.StancekitError):
        score(inp, tmp_path / "out.jsonl", model=tmp_path / "no-such-model", device="cpu", progress=False)
    assert not (tmp_path / "out.jsonl.parts").exists()
    score(inp, tmp_path / "out.jsonl", model=FakePipeline(), progress=False)  # no --resume needed
    assert len(_read_jsonl(tmp_path / "out.articles.jsonl")) == 3
