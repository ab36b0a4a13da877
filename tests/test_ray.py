"""Ray Data integration against a local Ray started here: same rows as the single-process scorer."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import stancekit
from stancekit.errors import InputError
from stancekit.scoring import score, unit_schema

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from stancekit.integrations.ray import errors_dataset, score_dataset, score_files  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import test_scoring  # noqa: E402

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def local_ray() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    # The stand-in pipeline lives in a test module the workers cannot import: ship it by value.
    ray.cloudpickle.register_pickle_by_value(test_scoring)
    yield ray
    ray.shutdown()


@pytest.fixture()
def model(request: pytest.FixtureRequest) -> Callable[[], Any]:
    """A zero-argument factory of the pipeline: the tiny real model (conftest), else the stand-in.

    fp32, so that results do not depend on how Ray cuts the input into batches beyond float noise
    (bf16 autocast, the CPU default here, rounds differently for different batch compositions).
    """
    try:
        path = str(request.getfixturevalue("tiny_model_dir"))
    except pytest.FixtureLookupError:
        return test_scoring.FakePipeline
    return functools.partial(stancekit.load, path, device="cpu", precision="fp32")


def _close(a: Any, b: Any) -> bool:
    """Equal, with floats compared to 1e-5 relative (float noise from different batch paddings)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _rows(n: int) -> list[dict]:
    rows = test_scoring._articles(n)
    rows[3]["text"] = "   "
    rows[7]["text"] = None
    return rows


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch single-threaded here, like a Ray actor (OMP_NUM_THREADS=1): the same kernels, the same floats."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _single_process(tmp_path: Path, rows: list[dict], model: Any, **options: Any) -> list[dict]:
    inp = tmp_path / "single.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with _one_thread():
        score(inp, tmp_path / "single.parquet", model=model(), progress=False, **options)
    return pq.read_table(tmp_path / "single.parquet").to_pylist()


def test_score_dataset_gives_the_rows_of_the_single_process_path(local_ray: Any, model: Any, tmp_path: Path) -> None:
    rows = _rows(20)
    # The same cut into batches on both paths (6 articles per call, 8 units per encoder batch), one torch thread.
    expected = _single_process(tmp_path, rows, model, chunk_size=6, batch_size=8)
    ds = local_ray.data.from_arrow(pa.Table.from_pylist(rows))
    units = score_dataset(ds, model=model, concurrency=1, articles_per_batch=6, batch_size=8)
    got = sorted(units.take_all(), key=lambda r: (int(r["article_id"][1:]), r["index"]))
    assert _close(got, expected)
    assert {r["article_id"] for r in got} == {r["id"] for i, r in enumerate(rows) if i not in (3, 7)}  # 3: no units


def test_score_dataset_loads_each_actor_with_the_analysis_options(
    local_ray: Any, tiny_model_dir: Path, tmp_path: Path
) -> None:
    rows = test_scoring._articles(4)
    ds = local_ray.data.from_arrow(pa.Table.from_pylist(rows))
    every = score_dataset(ds, model=str(tiny_model_dir), claim_threshold=0.0, precision="fp32").take_all()
    none = score_dataset(ds, model=str(tiny_model_dir), claim_threshold=1.0, precision="fp32").take_all()
    units = [r for r in every if r["reason"] is None]
    assert units and all(r["is_claim"] for r in units)  # every score is at least 0
    assert not any(r["is_claim"] for r in none)  # nothing reaches 1.0
    with pytest.raises(InputError, match="claim_threshold"):
        score_dataset(ds, model=lambda: None, claim_threshold=0.5)


def test_errors_dataset_lists_articles_without_text(local_ray: Any) -> None:
    ds = local_ray.data.from_arrow(pa.Table.from_pylist(_rows(10)))
    got = sorted(errors_dataset(ds).take_all(), key=lambda r: r["article_id"])
    assert got == [{"article_id": "a7", "reason": "missing text field 'text'"}]  # a3's blank text: 0 units


def test_score_files_reads_and_writes_through_ray_data(local_ray: Any, model: Any, tmp_path: Path) -> None:
    rows = _rows(16)
    expected = _single_process(tmp_path, rows, model)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet", row_group_size=5)
    summary = score_files(tmp_path / "in.parquet", tmp_path / "out.parquet", model=model, articles_per_batch=4)
    files = sorted((tmp_path / "out.parquet").glob("*.parquet"))
    assert files, "Ray wrote no Parquet files"
    table = pa.concat_tables([pq.read_table(f) for f in files])
    assert table.schema.names == unit_schema().names
    got = sorted(table.to_pylist(), key=lambda r: (int(r["article_id"][1:]), r["index"]))
    # Ray cuts the Parquet row groups into batches its own way, so articles share encoder batches differently
    # than in the single-process run; with the random tiny model, float noise can flip near-tied tags. Compare
    # the units and claim scores here; actor rows are compared exactly in the aligned test above.
    key = ("article_id", "index", "text", "start", "end")
    assert [tuple(r[k] for k in key) for r in got] == [tuple(r[k] for k in key) for r in expected]
    assert _close([r["claim_score"] for r in got], [r["claim_score"] for r in expected])
    # a3's blank text is an article with no units (not an error); Ray writes unit rows only, so it counts
    # articles by the ids among them and a3 is not among the 14
    assert summary.units == len(expected) and summary.articles == 14 and summary.errors == 1

    summary = score_files(tmp_path / "in.parquet", tmp_path / "out.jsonl", model=model, articles_per_batch=4)
    lines = [json.loads(x) for f in sorted((tmp_path / "out.jsonl").glob("*.json")) for x in f.read_text().splitlines()]
    assert [
        (r["article_id"], r["index"], r["text"]) for r in sorted(lines, key=lambda r: int(r["article_id"][1:]))
    ] == [(r["article_id"], r["index"], r["text"]) for r in expected]
    assert summary.units == len(expected)
    with pytest.raises(InputError, match="--resume"):
        score_files(tmp_path / "in.parquet", tmp_path / "out.parquet", model=model, resume=True)


def test_score_files_reads_a_folder_of_txt_files(local_ray: Any, model: Any, tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    texts = {"one": "Merkel praised Biden at the summit. Short.", "sub/two": "Abe criticised Russia on Monday."}
    for name, text in texts.items():
        (tmp_path / "in" / f"{name}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_text("\n", encoding="utf-8")
    summary = score_files(tmp_path / "in", tmp_path / "out.parquet", model=model)
    got = pa.concat_tables([pq.read_table(f) for f in sorted((tmp_path / "out.parquet").glob("*.parquet"))])
    nlp = model()
    with _one_thread():
        expected = {name: nlp(text).units for name, text in texts.items()}
    # Ray cuts this input into blocks its own way, so the articles share encoder batches differently than
    # here: compare the units and claim scores (float noise); actor rows are compared in the tests above.
    for name, units in expected.items():
        rows = [r for r in got.to_pylist() if r["article_id"] == name]
        assert [(r["index"], r["text"], r["start"], r["end"]) for r in rows] == [
            (u.index, u.text, u.start, u.end) for u in units
        ]
        assert _close([r["claim_score"] for r in rows], [u.claim_score for u in units])
    assert set(got.column("article_id").to_pylist()) == set(texts)
    assert summary.errors == 0  # empty.txt is an article with no units, not an error (as in score and analyze)
