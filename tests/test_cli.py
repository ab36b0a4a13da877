import json
from pathlib import Path

import pytest

from stancekit.cli import main

ARTICLE = "Russia Rejects the Plan\n\nRussia rejected the plan. Mr. Putin said it was a U.S. trick; NATO disagreed.\n"
CONTRACT = {
    "article_id",
    "index",
    "text",
    "start",
    "end",
    "is_claim",
    "claim_score",
    "actors",
    "primary_actor",
    "stance",
}


@pytest.fixture
def article_file(tmp_path):
    path = tmp_path / "russia-plan.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_analyze_jsonl_follows_the_contract(tiny_model_dir, article_file, capsys):
    assert main(["analyze", str(article_file), "--model", str(tiny_model_dir), "--device", "cpu"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and [r["index"] for r in rows] == list(range(len(rows)))
    for row in rows:
        assert CONTRACT <= set(row)
        assert row["article_id"] == "russia-plan"
        assert ARTICLE[row["start"] : row["end"]] == row["text"]
        assert isinstance(row["is_claim"], bool) and 0.0 <= row["claim_score"] <= 1.0
        for actor in row["actors"]:
            assert set(actor["scores"]) == {"favor", "against", "neutral"}
            for m in actor["mentions"]:
                assert ARTICLE[m["start"] : m["end"]] == m["text"]
    assert rows[0]["reason"] == "heading"


def test_analyze_reads_stdin(tiny_model_dir, monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode())))
    assert main(["analyze", "-", "--model", str(tiny_model_dir), "--device", "cpu", "--format", "json"]) == 0
    (article,) = json.loads(capsys.readouterr().out)
    assert article["id"] == "stdin" and article["text"] == ARTICLE


def test_analyze_table_prints_the_units(tiny_model_dir, article_file, capsys):
    assert (
        main(["analyze", str(article_file), "--model", str(tiny_model_dir), "--device", "cpu", "--format", "table"])
        == 0
    )
    assert "Russia rejected the plan." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.txt", "no such file"),
        (lambda tmp: tmp, "is a directory"),
    ],
)
def test_bad_paths_give_one_line_on_stderr_and_exit_1(tmp_path, make, message, capsys):
    assert main(["analyze", str(make(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_non_utf8_file_names_file_and_byte_offset(tmp_path, capsys):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café au lait".encode("latin-1"))
    assert main(["analyze", str(path)]) == 1
    err = capsys.readouterr().err
    assert "latin1.txt" in err and "byte offset 3" in err


def test_unavailable_device_is_a_clean_error(tiny_model_dir, article_file, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["analyze", str(article_file), "--model", str(tiny_model_dir), "--device", "cuda"]) == 1
    assert "cuda" in capsys.readouterr().err


def test_missing_model_directory_is_a_clean_error(tmp_path, article_file, capsys):
    assert main(["analyze", str(article_file), "--model", str(Path(tmp_path) / "nope")]) == 1
    assert "nope" in capsys.readouterr().err
