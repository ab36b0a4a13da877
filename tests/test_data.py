"""Tests of the labelled-set loaders (stancekit.data).

Counts are the ones in each set's PROVENANCE.md under ../shared/data (CI has the data at the same
relative path); those tests skip, with the reason, only when the data folder is absent. The
malformed-row and missing-file tests build their own files in tmp_path.
"""

from __future__ import annotations

import collections
import functools
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stancekit import data
from stancekit.data._common import map_tags
from stancekit.errors import DatasetError

DATA = data.data_dir()
# The sets are read-only: load each (name, split) once per test session.
_load = functools.lru_cache(maxsize=None)(data.load)
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"labelled data folder {DATA} is absent")


def _labels(ds) -> dict[str, int]:
    return dict(collections.Counter(ds["label"]))


# (name, split) -> {label: count}, copied from each set's PROVENANCE.md with our label names
# (NewsMTSC negative→against, positive→favor; SemEval train = training + trial).
PROVENANCE_LABEL_COUNTS = {
    ("newsmtsc", "train"): {"against": 3316, "neutral": 3028, "favor": 2395},
    ("newsmtsc", "dev-mt"): {"against": 136, "neutral": 217, "favor": 89},
    ("newsmtsc", "dev-rw"): {"against": 134, "neutral": 136, "favor": 73},
    ("newsmtsc-flat", "train"): {"against": 3316, "neutral": 3028, "favor": 2395},
    ("newsmtsc-flat", "dev-mt"): {"against": 136, "neutral": 217, "favor": 89},
    ("newsmtsc-flat", "dev-rw"): {"against": 134, "neutral": 136, "favor": 73},
    ("semeval2016", "train"): {"against": 1342 + 53, "favor": 731 + 22, "neutral": 741 + 25},
    ("semeval2016", "test"): {"against": 715, "favor": 304, "neutral": 230},
    ("semeval2016", "test-b"): {"against": 299, "favor": 148, "neutral": 260},
    ("pstance", "train"): {"against": 3425 + 3254 + 2198, "favor": 2937 + 2552 + 2858},
    ("pstance", "val"): {"against": 440 + 417 + 284, "favor": 374 + 328 + 350},
    ("pstance", "test"): {"against": 425 + 408 + 292, "favor": 352 + 337 + 343},
    ("pstance-all", "train"): {"against": 8877, "favor": 8347, "neutral": 453 + 777 + 774},
    ("vast", "train"): {"against": 5595, "favor": 5327, "neutral": 2555},
    ("vast", "dev"): {"against": 684, "favor": 681, "neutral": 697},
    ("vast", "test"): {"against": 1018, "favor": 944, "neutral": 1044},
    ("vast", "sentswap"): {"against": 476, "favor": 456},
    ("ibm-claim-stance", "train"): {"favor": 625, "against": 414},
    ("ibm-claim-stance", "test"): {"favor": 700, "against": 655},
    ("clef2019", "train"): {"claim": 440, "not_claim": 15981},
    ("clef2019", "test"): {"claim": 136, "not_claim": 6944},
    ("persent", "dev"): {"against": 58, "neutral": 216, "favor": 304},
}


@needs_data
@pytest.mark.parametrize(("name", "split"), sorted(PROVENANCE_LABEL_COUNTS))
def test_label_counts_match_provenance(name, split):
    assert _labels(_load(name, split)) == PROVENANCE_LABEL_COUNTS[(name, split)]


@needs_data
def test_semeval_test_counts_per_target_match_provenance():
    ds = _load("semeval2016", "test")
    got = collections.Counter(zip(ds["target"], ds["label"], strict=True))
    assert got[("Atheism", "against")] == 160
    assert got[("Climate Change is a Real Concern", "favor")] == 123
    assert got[("Hillary Clinton", "neutral")] == 78
    assert len(set(ds["target"])) == 5


@needs_data
def test_pstance_counts_per_target_match_provenance():
    ds = _load("pstance-all", "test")
    got = collections.Counter(zip(ds["target"], ds["label"], strict=True))
    assert (got[("Donald Trump", "against")], got[("Joe Biden", "favor")], got[("Bernie Sanders", "neutral")]) == (
        425,
        337,
        82,
    )


@needs_data
def test_vast_shot_counts_match_provenance():
    dev = _load("vast", "dev")
    assert collections.Counter(dev["shot"]) == {"zero": 1019, "few": 1043}
    zero = dev.filter(lambda r: r["shot"] == "zero")
    assert _labels(zero) == {"against": 350, "favor": 321, "neutral": 348}


@needs_data
@pytest.mark.parametrize(
    ("name", "claims", "total"),
    [("claimbuster-2x", 2764, 8292), ("claimbuster", 2764, 9674), ("claimbuster-3x", 2764, 11056)],
)
def test_claimbuster_folds_partition_the_file(name, claims, total):
    train, dev = _load(name, "train"), _load(name, "dev")
    assert len(train) + len(dev) == total
    assert _labels(train)["claim"] + _labels(dev)["claim"] == claims
    assert all(i % 10 == 0 for i in dev["sentence_id"])
    assert not any(i % 10 == 0 for i in train["sentence_id"])


@needs_data
def test_aae_split_is_contiguous_and_complete():
    dd = _load("aae-sentences")
    assert sum(len(d) for d in dd.values()) == 7141
    comps = collections.Counter(c for d in dd.values() for c in d["component"])
    assert comps == {"Premise": 3397, "O": 1637, "Claim": 1357, "MajorClaim": 750}
    assert sum(_labels(d).get("claim", 0) for d in dd.values()) == 2107
    ids = [int(i) for s in ("train", "dev", "test") for i in dd[s]["id"]]
    assert ids == list(range(1, 7142))


def _entities(tag_lists) -> collections.Counter:
    """Entities per type, counting a B- or an I- that starts a new run (as PROVENANCE does)."""
    out: collections.Counter = collections.Counter()
    for tags in tag_lists:
        prev = "O"
        for t in tags:
            if t.startswith("B-") or (t.startswith("I-") and prev[2:] != t[2:]):
                out[t[2:]] += 1
            prev = t
    return out


# (name, split) -> (sentences, {source type: entities}) from PROVENANCE.md.
PROVENANCE_ENTITY_COUNTS = {
    ("conll2003", "train"): (14041, {"PER": 6600, "ORG": 6321, "LOC": 7140, "MISC": 3438}),
    ("conll2003", "testa"): (3250, {"PER": 1842, "ORG": 1341, "LOC": 1837, "MISC": 922}),
    ("conll2003", "testb"): (3453, {"PER": 1617, "ORG": 1661, "LOC": 1668, "MISC": 702}),
    ("wikiann", "train"): (20000, {"PER": 9164, "ORG": 9422, "LOC": 9345}),
    ("wikiann", "dev"): (10000, {"PER": 4635, "ORG": 4677, "LOC": 4834}),
    ("wnut17", "train"): (3394, {"person": 660, "location": 548, "group": 264, "corporation": 221,
                                 "creative-work": 140, "product": 142}),
    ("wnut17", "dev"): (1009, {"person": 470, "location": 74, "group": 39, "corporation": 34,
                               "creative-work": 105, "product": 114}),
}


@needs_data
@pytest.mark.parametrize(("name", "split"), sorted(PROVENANCE_ENTITY_COUNTS))
def test_entity_counts_match_provenance_and_tags_are_ours(name, split):
    ds = _load(name, split)
    sentences, entities = PROVENANCE_ENTITY_COUNTS[(name, split)]
    assert len(ds) == sentences
    assert _entities(ds["source_tags"]) == entities
    assert {t for tags in ds["tags"] for t in tags} <= set(data.TAG_LABELS)
    assert all(len(a) == len(b) for a, b in zip(ds["tokens"], ds["tags"], strict=True))


@needs_data
def test_conll_misc_becomes_grp_and_wnut_products_are_dropped():
    conll = _load("conll2003", "testa")
    assert _entities(conll["tags"]) == {"PER": 1842, "ORG": 1341, "LOC": 1837, "GRP": 922}
    wnut = _load("wnut17", "dev")
    assert _entities(wnut["tags"]) == {"PER": 470, "LOC": 74, "GRP": 39, "ORG": 34}


@needs_data
@pytest.mark.parametrize("name", ["newsmtsc", "semeval2016", "pstance", "vast", "ibm-claim-stance"])
def test_target_offsets_point_at_the_target_or_are_null(name):
    for split, ds in _load(name).items():
        assert set(data.STANCE_COLUMNS) <= set(ds.column_names)
        cols = zip(ds["id"], ds["text"], ds["target"], ds["target_start"], ds["target_end"], strict=True)
        for rid, text, target, s, e in cols:
            assert (s is None) == (e is None)
            if s is not None:
                mention = text[s:e].lower()
                assert mention == target.lower() or mention in target.lower(), (name, split, rid)


@needs_data
def test_newsmtsc_layouts_agree_and_other_spans_are_in_text():
    grouped = _load("newsmtsc", "dev-rw")
    flat = _load("newsmtsc-flat", "dev-rw")
    cols = ("id", "text", "target_start", "target_end", "label")
    g = {r[0]: r[1:] for r in zip(*(grouped[c] for c in cols), strict=True)}
    f = {r[0]: r[1:] for r in zip(*(flat[c] for c in cols), strict=True)}
    assert g == f
    n_other = 0
    train = _load("newsmtsc", "train")
    for text, others in zip(train["text"], train["other_spans"], strict=True):
        for s, e in others:
            assert 0 <= s < e <= len(text)
            n_other += 1
    assert n_other > 0


@needs_data
def test_any_file_in_the_format_loads_under_another_name(tmp_path):
    src = data.split_path("newsmtsc", "dev-mt")
    held = tmp_path / "held-back.jsonl"
    shutil.copy(src, held)
    ds = data.load("newsmtsc", path=held)
    assert len(ds) == 442 and set(ds["split"]) == {"held-back"}
    clef = data.load("clef2019", path=data.split_path("clef2019", "test") / "20151219_3_dem.tsv")
    assert len(clef) > 0 and set(clef["debate"]) == {"20151219_3_dem"}


@needs_data
def test_loading_all_splits_skips_held_back_ones():
    dd = _load("newsmtsc-rw")
    assert "train" in dd and "dev" in dd
    assert ("test" in dd) == data.split_path("newsmtsc-rw", "test").exists()


def test_data_dir_follows_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("STANCEKIT_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path


def test_missing_file_names_path_and_set(monkeypatch, tmp_path):
    monkeypatch.setenv("STANCEKIT_DATA", str(tmp_path))
    with pytest.raises(DatasetError) as err:
        data.load("wnut17", "dev")
    assert "wnut17" in str(err.value) and "emerging.dev.conll" in str(err.value)


def test_unknown_name_and_split_list_the_choices():
    with pytest.raises(DatasetError, match="newsmtsc"):
        data.load("no-such-set")
    with pytest.raises(DatasetError, match="testa"):
        data.split_path("conll2003", "validation")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


GOOD_NEWSMTSC = json.dumps(
    {"primary_gid": "g", "sentence_normalized": "Abe met Putin.",
     "targets": [{"Input.gid": "g1", "from": 0, "to": 3, "mention": "Abe", "polarity": 6.0,
                  "further_mentions": [{"from": 8, "to": 13, "mention": "Putin"}]}]}
)


@pytest.mark.parametrize(
    ("name", "filename", "content", "line", "expected"),
    [
        ("newsmtsc", "x.jsonl", GOOD_NEWSMTSC + "\n{not json\n", 2, "a JSON object"),
        ("newsmtsc", "x.jsonl", GOOD_NEWSMTSC + "\n" + GOOD_NEWSMTSC.replace("6.0", "5.0"), 2, "polarity"),
        ("newsmtsc", "x.jsonl", GOOD_NEWSMTSC.replace('"to": 3', '"to": 4'), 1, "mention"),
        ("newsmtsc", "x.jsonl", '{"text": "a"}\n', 1, "NewsMTSC line"),
        ("pstance", "raw_test_x.csv", "Tweet,Target,Stance\nhi,Joe Biden,FAVOR\nho,Joe Biden,MAYBE\n", 3, "Stance"),
        ("vast", "v.csv", "Tweet,Target,Stance,seen?\na,b,1,1\nc,d,7,0\n", 3, "Stance"),
        ("vast", "v.csv", "post,label\na,1\n", 1, "VAST header"),
        ("clef2019", "d.tsv", "1\tA\thello\t0\n2\tB\tworld\n", 2, "4 tab-separated"),
        ("conll2003", "eng.x", "EU NNP B-NP B-ORG\nrejects VBZ B-VP\n", 2, "4 columns"),
        ("wnut17", "w.conll", "a\tO\nb\tX-person\n", 2, "IOB2"),
        ("wikiann", "dev", "en:a\tB-PER\n\nen:b\n", 3, "2 columns"),
        ("persent", "p.csv", "DOCUMENT_INDEX,TITLE,TARGET_ENTITY,DOCUMENT,TRUE_SENTIMENT\n1,t,Abe,doc,Good\n", 2,
         "TRUE_SENTIMENT"),
        ("ibm-claim-stance", "c.csv", "topicId,split\n1,train\n", 1, "header"),
        ("semeval2016", "s.txt", "ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\n1\tA\tt\tYES\tX\tY\n", 2,
         "Stance"),
    ],
)
def test_malformed_row_names_file_line_and_expectation(tmp_path, name, filename, content, line, expected):
    path = _write(tmp_path / filename, content)
    with pytest.raises(DatasetError) as err:
        data.load(name, path=path)
    msg = str(err.value)
    assert f"{path}:{line}:" in msg and expected in msg


def test_claimbuster_bad_item_is_named(tmp_path):
    path = _write(tmp_path / "c.json", json.dumps([{"sentence_id": 1, "label": 1, "text": "a"},
                                                   {"sentence_id": 2, "label": 3, "text": "b"}]))
    with pytest.raises(DatasetError, match=r"item 1: expected label 0 or 1"):
        data.load("claimbuster", path=path)


def test_semeval_zip_members_are_read(tmp_path):
    header = "ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\r\n"
    zpath = tmp_path / "s.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("d/trainingdata-all-annotations.txt", header + "1\tAtheism\tGod is great\tAGAINST\tX\tY\r\n")
        trial = "2\tHillary Clinton\tGo hillary clinton\tFAVOR\tX\tY\r\n"
        zf.writestr("d/trialdata-all-annotations.txt", header + trial)
        zf.writestr("d/testdata-taskA-all-annotations.txt", header + "3\tAtheism\tcaf\xe9 atheism\tNONE\tX\tY\r\n")
    train = data.load("semeval2016", "train", path=zpath)
    assert train["label"] == ["against", "favor"]
    assert (train[1]["target_start"], train[1]["target_end"]) == (3, 18)
    test = data.load("semeval2016", path=zpath)
    assert test["label"] == ["neutral"] and test["split"] == ["test"]


def test_newsmtsc_row_has_other_spans(tmp_path):
    ds = data.load("newsmtsc", path=_write(tmp_path / "t.jsonl", GOOD_NEWSMTSC + "\n"))
    row = ds[0]
    assert (row["target"], row["label"], row["other_spans"]) == ("Abe", "favor", [[8, 13]])


@given(st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-MISC", "I-MISC", "B-product", "I-product",
                                 "I-corporation", "B-group"]), max_size=30))
def test_mapped_tags_are_valid_iob2(tags):
    mapping = {"PER": "PER", "MISC": "GRP", "corporation": "ORG", "group": "GRP"}
    out = map_tags(tags, mapping)
    assert len(out) == len(tags)
    assert set(out) <= set(data.TAG_LABELS)
    for prev, cur in zip(["O", *out], out, strict=False):
        if cur.startswith("I-"):
            assert prev in (f"B-{cur[2:]}", f"I-{cur[2:]}")
