"""The second, blind actor annotation (tests/data/agreement) fits its articles' units."""

import importlib.util
import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent / "data" / "agreement"
FILES = sorted(FOLDER.glob("*.json"))


def _checker():
    spec = importlib.util.spec_from_file_location("agreement_check", FOLDER / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_eight_articles_annotated() -> None:
    assert [p.stem for p in FILES] == sorted(
        [
            "japan-russia-thaw",
            "serbia-kosovo-clash",
            "kenya-finance-protests",
            "colombia-venezuela-analysis",
            "sudan-geneva-talks",
            "hungary-eu-funds-analysis",
            "ghana-mahama-comeback",
            "tunisia-saied-opinion",
        ]
    )


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_file_matches_units(path: Path) -> None:
    assert _checker().check(path) == []


def test_checker_catches_a_bad_prefix(tmp_path: Path) -> None:
    gold = json.loads(FILES[0].read_text(encoding="utf-8"))
    gold["units"][0]["text"] = "no unit starts like this"
    gold["units"][1]["mentions"].append(["Atlantis", "location"])
    bad = tmp_path / FILES[0].name
    bad.write_text(json.dumps(gold), encoding="utf-8")
    errors = _checker().check(bad)
    assert any("prefix of 0 claim units" in e for e in errors)
    assert any("'Atlantis' not found" in e for e in errors)
    assert any("expected 0.." in e for e in errors)
