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


# -- a complete CLI --------------------------------------------------------------------------


def _subparsers():
    import argparse

    from stancekit.cli import _parser

    (sub,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices


def test_every_model_loading_command_takes_the_model_options():
    subs = _subparsers()
    for name in ("analyze", "evaluate", "score", "report"):
        flags = {f for a in subs[name]._actions for f in a.option_strings}
        assert {"--model", "--device", "--precision", "--batch-size", "--max-batch-tokens"} <= flags, name
    for name in ("analyze", "score"):
        flags = {f for a in subs[name]._actions for f in a.option_strings}
        assert {"--claim-threshold", "--target", "--targets-file", "--speakers-as-actors"} <= flags, name


def test_speakers_as_actors_flag_reaches_load_and_is_refused_on_ray(tmp_path, capsys):
    from stancekit.cli import _load_args, _parser

    on = _parser().parse_args(["analyze", "x.txt", "--speakers-as-actors"])
    off = _parser().parse_args(["analyze", "x.txt"])
    assert _load_args(on)["speakers_as_actors"] is True
    assert "speakers_as_actors" not in _load_args(off)
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "a", "text": "Abe spoke."}\n', encoding="utf-8")
    args = ["score", str(inp), "-o", str(tmp_path / "out.jsonl"), "--ray", "--target", "Abe"]
    assert main(args) == 1
    assert "--target/--targets-file not supported with --ray" in capsys.readouterr().err


def test_score_on_ray_passes_the_analysis_options_to_every_actor(tmp_path, monkeypatch, capsys):
    import stancekit.integrations.ray as ray_integration
    from stancekit.scoring import ScoreSummary

    seen = {}

    def fake_score_files(input, output, **kwargs):
        seen.update(kwargs)
        return ScoreSummary(output=Path(output), articles_path=Path(output), errors_path=Path(output),
                            articles=1, units=1, claims=0, errors=0, resumed=0, seconds=0.0)  # fmt: skip

    monkeypatch.setattr(ray_integration, "score_files", fake_score_files)
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "a", "text": "Abe spoke."}\n', encoding="utf-8")
    args = ["score", str(inp), "-o", str(tmp_path / "out.jsonl"), "--ray", "--speakers-as-actors",
            "--claim-threshold", "0.3", "--precision", "fp32"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    assert seen["speakers_as_actors"] is True and seen["claim_threshold"] == 0.3 and seen["precision"] == "fp32"
    assert seen["backend"] == "torch"


def test_every_optional_argument_says_what_it_is_and_its_default():
    for name, sub in _subparsers().items():
        for action in sub._actions:
            if not action.option_strings or action.dest == "help":
                continue
            assert action.help and len(action.help) > 10, (name, action.dest)
            if not action.required:
                assert "default" in action.help, (name, action.dest)


def test_evaluate_help_lists_every_data_set(capsys):
    from stancekit.cli import DATASET_NAMES
    from stancekit.data import DATASETS

    assert set(DATASET_NAMES) == set(DATASETS)
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for name in DATASETS:
        assert name in out


def test_table_has_a_claim_yes_no_column(tiny_model_dir, article_file, capsys):
    args = ["analyze", str(article_file), "--model", str(tiny_model_dir), "--device", "cpu", "--format", "table"]
    assert main([*args, "--claim-threshold", "0"]) == 0
    out = capsys.readouterr().out
    assert "claim" in out and "yes" in out and "no (heading)" in out
    assert main([*args, "--claim-threshold", "1"]) == 0  # nothing reaches 1.0: every unit is "no"
    out = capsys.readouterr().out
    assert "yes" not in out.split("actors over")[0].replace("│", " ").split()


def test_analyze_targets_from_flags_and_file(tiny_model_dir, article_file, tmp_path, capsys):
    targets = tmp_path / "targets.txt"
    targets.write_text("# my targets\nNATO\n\nthe plan\n", encoding="utf-8")
    args = ["analyze", str(article_file), "--model", str(tiny_model_dir), "--device", "cpu"]
    assert main([*args, "--target", "Russia", "--targets-file", str(targets), "--format", "json"]) == 0
    (article,) = json.loads(capsys.readouterr().out)
    assert [t["target"] for t in article["targets"]] == ["Russia", "NATO", "the plan"]
    body = [u for u in article["units"] if u["reason"] is None]
    assert body and all([t["target"] for t in u["targets"]] == ["Russia", "NATO", "the plan"] for u in body)
    for u in body:
        for t in u["targets"]:
            assert set(t) >= {"target", "stance", "scores"} and t["stance"] == max(t["scores"], key=t["scores"].get)


def test_claim_threshold_flag_decides_is_claim(tiny_model_dir, article_file, capsys):
    args = ["analyze", str(article_file), "--model", str(tiny_model_dir), "--device", "cpu"]
    assert main([*args, "--claim-threshold", "0"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert all(r["is_claim"] for r in rows if r["reason"] is None)
    assert main([*args, "--claim-threshold", "1.5"]) == 1
    assert "claim_threshold" in capsys.readouterr().err


def test_score_with_a_wrong_text_field_stops_before_loading_the_model(tmp_path, capsys):
    inp = tmp_path / "articles.jsonl"
    inp.write_text(json.dumps({"id": "a1", "body": "Russia rejected the plan."}) + "\n", encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    # A model path that does not exist: the field check must fire first.
    assert main(["score", str(inp), "-o", str(out), "--model", str(tmp_path / "no-model")]) == 1
    err = capsys.readouterr().err
    assert "no field 'text' in articles.jsonl line 1; fields are: id, body; use --text-field body" in err
    assert not out.exists() and not (tmp_path / "scored.jsonl.parts").exists()


def test_score_refuses_an_existing_output_unless_overwrite(tiny_model_dir, tmp_path, capsys):
    inp = tmp_path / "articles.jsonl"
    inp.write_text(json.dumps({"id": "a1", "text": ARTICLE}) + "\n", encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    args = ["score", str(inp), "-o", str(out), "--model", str(tiny_model_dir), "--device", "cpu"]
    assert main(args) == 0
    assert not (tmp_path / "scored.errors.jsonl").exists()  # no errors, no errors file
    first = out.read_bytes()
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err
    assert main([*args, "--overwrite", "--target", "Russia"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert out.read_bytes() != first and any(r["targets"] for r in rows)


def test_report_on_a_raw_corpus_says_it_is_input(tmp_path, capsys):
    inp = tmp_path / "articles.jsonl"
    inp.write_text(json.dumps({"id": "a1", "text": ARTICLE}) + "\n", encoding="utf-8")
    assert main(["report", str(inp), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "input corpus" in err and "stancekit score" in err and "errors" not in err


def test_evaluate_missing_file_names_the_flag_and_the_absolute_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "--dataset", "semeval2016", "--file", "nope.csv"]) == 1
    err = capsys.readouterr().err
    assert "--file" in err and str(tmp_path / "nope.csv") in err


def test_evaluate_without_data_says_where_labelled_data_comes_from(tmp_path, capsys):
    assert main(["evaluate", "--dataset", "vast", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "vast") in err and "docs/data.md" in err and "--data-dir" in err


def test_evaluate_own_data_with_several_models_prints_one_table_and_json(tiny_model_dir, tmp_path, capsys):
    f = tmp_path / "mine.csv"
    f.write_text("tweet,about,y\nAbe is good.,Abe,pos\nPutin is bad.,Putin,neg\n", encoding="utf-8")
    out = tmp_path / "cmp.json"
    args = ["evaluate", "--task", "stance", "--file", str(f), "--text-field", "tweet", "--target-field", "about"]
    args += ["--label-field", "y", "--label-map", "pos=favor,neg=against", "--device", "cpu", "-o", str(out)]
    assert main([*args, "--model", str(tiny_model_dir), "--model", str(tiny_model_dir)]) == 0
    doc = json.loads(out.read_text())
    assert len(doc["models"]) == 2 and doc["models"][0]["metrics"] == doc["models"][1]["metrics"]
    assert "f1_macro" in capsys.readouterr().out


def test_evaluate_own_data_bad_label_names_file_and_line(tmp_path, capsys):
    f = tmp_path / "mine.jsonl"
    f.write_text('{"text": "a", "target": "b", "label": "pro"}\n', encoding="utf-8")
    assert main(["evaluate", "--task", "stance", "--file", str(f)]) == 1
    err = capsys.readouterr().err
    assert "mine.jsonl:1" in err and "'pro'" in err and "--label-map" in err


def test_evaluate_needs_a_dataset_or_a_task(capsys):
    assert main(["evaluate"]) == 1
    assert "--dataset" in capsys.readouterr().err


# ------------------------------------------------------------------ hardening (issue 16)


def _one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _deny(monkeypatch, path):
    """Reading ``path`` fails with EACCES (chmod 000 does not stop root, which runs CI containers)."""
    real = Path.read_bytes

    def read_bytes(self):
        if Path(self) == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def test_a_file_without_read_permission_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    path = tmp_path / "secret.txt"
    path.write_text(ARTICLE)
    path.chmod(0)
    _deny(monkeypatch, path)
    assert main(["analyze", str(path)]) == 1
    err = _one_line(capsys.readouterr().err)
    assert str(path) in err and "permission denied" in err


def test_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    path = tmp_path / "secret.txt"
    path.write_text(ARTICLE)
    _deny(monkeypatch, path)
    assert main(["analyze", str(path), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "PermissionError" in err
    assert err.rstrip().splitlines()[-1].startswith("stancekit analyze: error:")
    assert main(["--debug", "analyze", str(path)]) == 1
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["The [/] tag and [red]colour[/red] and [link=x]y[/link] said Abe.", "[/]"])
def test_table_output_never_parses_article_text_as_markup(tiny_model_dir, tmp_path, text, capsys):
    path = tmp_path / "markup.txt"
    path.write_text(text)
    args = ["analyze", str(path), "--model", str(tiny_model_dir), "--device", "cpu", "--format", "table"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "[/]" in out


def test_table_output_shows_escape_sequences_instead_of_sending_them(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "esc\x1b]0;pwned\x07.txt"
    path.write_text("Abe said \x1b[31mred\x1b[0m and \x9b2J and \u202egnirts\u202c no.")
    args = ["analyze", str(path), "--model", str(tiny_model_dir), "--device", "cpu", "--format", "table"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b[31mred" in out and "\\u202e" in out


def test_error_lines_escape_control_characters_in_file_names(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "x\x1b[2J\ny.txt")]) == 1
    err = _one_line(capsys.readouterr().err)
    assert "\x1b" not in err and "\\x1b[2J\\ny.txt" in err


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_analyze_of_an_empty_file_is_an_article_with_no_units_and_says_so(tiny_model_dir, tmp_path, content, capsys):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    base = ["analyze", str(path), "--model", str(tiny_model_dir), "--device", "cpu"]
    assert main(base) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "empty" in captured.err and "0 units" in captured.err
    assert main([*base, "--format", "json"]) == 0
    (article,) = json.loads(capsys.readouterr().out)
    assert article["units"] == [] and article["id"] == "empty"


def test_analyze_reads_utf16_with_a_byte_order_mark(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "utf16.txt"
    path.write_bytes(b"\xff\xfe" + ARTICLE.encode("utf-16-le"))
    assert main(["analyze", str(path), "--model", str(tiny_model_dir), "--device", "cpu", "--format", "json"]) == 0
    (article,) = json.loads(capsys.readouterr().out)
    assert article["text"] == ARTICLE
