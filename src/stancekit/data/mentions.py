"""Actor-mention tagging sets: CoNLL-2003 English, WikiANN-en, WNUT-17, mapped to one BIO tag set.

Our tags: O, B-/I- PER (person), ORG (organisation), LOC (location, country), GRP (group or other
actor). ``source_tags`` keeps each set's own tags. Mapping (types not listed become O):

- CoNLL-2003 (``token POS chunk NER``): PER → PER, ORG → ORG, LOC → LOC, MISC → GRP.
- WikiANN-en (``en:token<TAB>tag``, the ``en:`` prefix stripped): PER, ORG, LOC unchanged.
- WNUT-17 (``token<TAB>tag``): person → PER, corporation → ORG, location → LOC, group → GRP;
  creative-work and product → O (they are not actors).

An ``I-`` tag whose predecessor maps to another type becomes ``B-`` so the output stays valid IOB2.
"""

from __future__ import annotations

from pathlib import Path

import datasets

from stancekit.data._common import map_tags, mention_features, read_conll, to_dataset

CONLL_MAP = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "GRP"}
WIKIANN_MAP = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
WNUT_MAP = {"person": "PER", "corporation": "ORG", "location": "LOC", "group": "GRP"}
FEATURES = mention_features()


def _build(sents: list[tuple[int, list[str], list[str]]], path: Path, split: str, name: str,
           mapping: dict[str, str]) -> datasets.Dataset:
    rows = [
        {
            "id": f"{path.name}:{line}",
            "tokens": toks,
            "tags": map_tags(tags, mapping),
            "source_tags": tags,
            "dataset": name,
            "split": split,
        }
        for line, toks, tags in sents
    ]
    return to_dataset(rows, FEATURES)


def read_conll2003(path: Path, split: str | None, name: str = "conll2003") -> datasets.Dataset:
    """Read a CoNLL-2003 file (4 space-separated columns, NER last)."""
    sents = read_conll(path, name, token_col=0, tag_col=3, ncols=4, sep=None)
    return _build(sents, path, split or path.suffix.lstrip(".") or path.stem, name, CONLL_MAP)


def read_wikiann(path: Path, split: str | None, name: str = "wikiann") -> datasets.Dataset:
    """Read a WikiANN file (``en:token<TAB>tag``)."""
    sents = read_conll(path, name, token_col=0, tag_col=1, ncols=2, sep="\t")
    sents = [(ln, [t[3:] if t.startswith("en:") else t for t in toks], tags) for ln, toks, tags in sents]
    return _build(sents, path, split or path.stem, name, WIKIANN_MAP)


def read_wnut17(path: Path, split: str | None, name: str = "wnut17") -> datasets.Dataset:
    """Read a WNUT-17 file (``token<TAB>tag``)."""
    sents = read_conll(path, name, token_col=0, tag_col=1, ncols=2, sep="\t")
    return _build(sents, path, split or path.stem, name, WNUT_MAP)
