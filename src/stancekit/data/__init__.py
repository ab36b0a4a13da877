"""Loaders of the public labelled sets: one schema per task, as Hugging Face ``datasets``.

>>> from stancekit import data
>>> train = data.load("newsmtsc", "train")           # doctest: +SKIP
>>> dev = data.load("newsmtsc-rw", path="held-back/test.jsonl")  # any file in the set's format  # doctest: +SKIP

Schemas (the label maps per set are in docs/data.md and each module's docstring):

- **stance**: ``id, text, target, target_start, target_end, label`` (favor/against/neutral),
  ``dataset, split`` + the set's extras;
- **claim**: ``id, text, label`` (claim/not_claim), ``dataset, split`` (+ ``speaker``, ``component``);
- **mentions**: ``id, tokens, tags`` (:data:`TAG_LABELS`), ``source_tags, dataset, split``;
- **articles**: ``id, text, actor, label``, ``dataset, split``, ``title, paragraphs, paragraph_labels``.

The data folder is ``$STANCEKIT_DATA``, else ``../shared/data`` relative to the current
directory, else relative to the repository root (see :func:`data_dir`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import datasets

from stancekit.data import (
    aae,
    claimbuster,
    clef2019,
    ibm_claim_stance,
    mentions,
    newsmtsc,
    persent,
    pstance,
    semeval2016,
    vast,
)
from stancekit.data._common import (
    ARTICLE_COLUMNS,
    CLAIM_COLUMNS,
    CLAIM_LABELS,
    MENTION_COLUMNS,
    STANCE_COLUMNS,
    STANCE_LABELS,
    TAG_LABELS,
)
from stancekit.errors import DatasetError

__all__ = [
    "load",
    "data_dir",
    "DATASETS",
    "DatasetSpec",
    "spec",
    "train_sets",
    "dev_sets",
    "STANCE_COLUMNS",
    "CLAIM_COLUMNS",
    "MENTION_COLUMNS",
    "ARTICLE_COLUMNS",
    "STANCE_LABELS",
    "CLAIM_LABELS",
    "TAG_LABELS",
]

ENV_VAR = "STANCEKIT_DATA"


@dataclass(frozen=True)
class DatasetSpec:
    """How one labelled set is laid out and scored.

    Attributes:
        name: registry name (``load(name)``).
        task: ``stance``, ``claim``, ``mentions`` or ``articles``.
        folder: the set's folder under :func:`data_dir`.
        splits: split name → path inside ``folder`` (a file, a folder or a zip) passed to ``reader``.
        reader: ``reader(path, split, name) -> Dataset``; ``split=None`` reads a file as it is.
        train_split: the split baselines train on (None: evaluation only).
        eval_splits: the splits baselines report (dev where the set has one, else test).
        optional: splits whose files may be absent (held back); skipped by ``load(name)``.
        aliases: other split names accepted by ``load`` (e.g. ``dev`` → ``val``).
        family: the metric family (:mod:`stancekit.evaluation`): ``newsmtsc``, ``semeval2016``,
            ``pstance``, ``vast``, ``ibm-claim-stance``, ``claim``, ``mentions``, ``persent``.
        metric: the key of the set's official metric in ``evaluation.compute_metrics``.
        form: stance sets: the input form (:mod:`stancekit.forms`) the set is trained and scored in,
            ``mention`` (the target is an annotated span of the text) or ``target`` (pair form).
        binary: stance labelled only favor/against: a score array is decided between those two.
        train_as: the name training configs give the set's train split (``weights`` keys), if it trains.
        dev_as: training dev name → split, for the splits the training loop scores every epoch.
    """

    name: str
    task: str
    folder: str
    splits: dict[str, str]
    reader: Callable[..., datasets.Dataset]
    train_split: str | None
    eval_splits: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)
    family: str = ""
    metric: str = ""
    form: str | None = None
    binary: bool = False
    train_as: str | None = None
    dev_as: dict[str, str] = field(default_factory=dict)


#: Metric family → its official metric key.
_METRICS = {"newsmtsc": "f1_macro", "semeval2016": "f_avg", "pstance": "f1_macro_avg", "vast": "f1_macro",
            "ibm-claim-stance": "accuracy", "claim": "f1_claim", "mentions": "f1_micro", "persent": "accuracy"}
#: Per set: (family, form, binary, train_as, dev_as). One table for evaluation and training.
_ROLES: dict[str, tuple[str, str | None, bool, str | None, dict[str, str]]] = {
    "newsmtsc": ("newsmtsc", "mention", False, "newsmtsc", {}),
    "newsmtsc-flat": ("newsmtsc", "mention", False, None, {}),
    "newsmtsc-mt": ("newsmtsc", "mention", False, None, {"newsmtsc_mt": "dev"}),
    "newsmtsc-rw": ("newsmtsc", "mention", False, None, {"newsmtsc_rw": "dev"}),
    "semeval2016": ("semeval2016", "target", False, "semeval2016", {"semeval2016": "test"}),
    # P-Stance's benchmark is binary; training uses all three labels (pstance-all)
    "pstance": ("pstance", "target", True, None, {"pstance": "val"}),
    "pstance-all": ("pstance", "target", False, "pstance", {}),
    "vast": ("vast", "target", False, "vast", {"vast": "dev"}),
    "ibm-claim-stance": ("ibm-claim-stance", "target", True, "ibm", {}),
    "claimbuster": ("claim", None, False, "claimbuster", {"claimbuster": "dev"}),
    "claimbuster-2x": ("claim", None, False, None, {}),
    "claimbuster-3x": ("claim", None, False, None, {}),
    "clef2019": ("claim", None, False, "clef2019", {}),
    "aae-sentences": ("claim", None, False, "essays", {}),
    "conll2003": ("mentions", None, False, "conll2003", {"conll2003": "testa"}),
    "wikiann": ("mentions", None, False, None, {}),
    "wnut17": ("mentions", None, False, None, {}),
    "persent": ("persent", None, False, None, {}),
}


def _with_roles(s: DatasetSpec) -> DatasetSpec:
    from dataclasses import replace

    family, form, binary, train_as, dev_as = _ROLES[s.name]
    return replace(s, family=family, metric=_METRICS[family], form=form, binary=binary, train_as=train_as,
                   dev_as=dev_as)


def _specs() -> dict[str, DatasetSpec]:
    nm_grouped = {
        "train": "splits/train.jsonl",
        "dev-mt": "splits/newsmtsc-mt/dev.jsonl",
        "dev-rw": "splits/newsmtsc-rw/dev.jsonl",
        "test-mt": "splits/newsmtsc-mt/test.jsonl",
        "test-rw": "splits/newsmtsc-rw/test.jsonl",
    }
    nm_flat = {
        "train": "flat-per-target/train.jsonl",
        "dev-mt": "flat-per-target/newsmtsc-mt/dev.jsonl",
        "dev-rw": "flat-per-target/newsmtsc-rw/dev.jsonl",
        "test-mt": "flat-per-target/newsmtsc-mt/test.jsonl",
        "test-rw": "flat-per-target/newsmtsc-rw/test.jsonl",
    }
    tests = frozenset({"test-mt", "test-rw"})
    specs = [
        DatasetSpec("newsmtsc", "stance", "newsmtsc", nm_grouped, newsmtsc.read, "train", ("dev-mt", "dev-rw"), tests),
        DatasetSpec("newsmtsc-flat", "stance", "newsmtsc", nm_flat, newsmtsc.read, "train", ("dev-mt", "dev-rw"),
                    tests),
        DatasetSpec("newsmtsc-mt", "stance", "newsmtsc",
                    {"train": nm_grouped["train"], "dev": nm_grouped["dev-mt"], "test": nm_grouped["test-mt"]},
                    newsmtsc.read, "train", ("dev",), frozenset({"test"})),
        DatasetSpec("newsmtsc-rw", "stance", "newsmtsc",
                    {"train": nm_grouped["train"], "dev": nm_grouped["dev-rw"], "test": nm_grouped["test-rw"]},
                    newsmtsc.read, "train", ("dev",), frozenset({"test"})),
        DatasetSpec("semeval2016", "stance", "semeval2016-task6",
                    {s: "stance-data-all-annotations.zip" for s in ("train", "test", "test-b")},
                    semeval2016.read, "train", ("test",)),
        DatasetSpec("pstance", "stance", "pstance", {s: "." for s in ("train", "val", "test")},
                    partial(pstance.read, binary=True), "train", ("val",), aliases={"dev": "val"}),
        DatasetSpec("pstance-all", "stance", "pstance", {s: "." for s in ("train", "val", "test")},
                    partial(pstance.read, binary=False), "train", ("val",), aliases={"dev": "val"}),
        DatasetSpec("vast", "stance", "vast",
                    {"train": "vast_train.zip", "dev": "reduced-dev-test/vast_dev.csv",
                     "test": "reduced-dev-test/vast_test.csv", "sentswap": "vast_test-sentswap.csv"},
                    vast.read, "train", ("dev",)),
        DatasetSpec("ibm-claim-stance", "stance", "ibm-claim-stance",
                    {s: ibm_claim_stance.FILE for s in ("train", "test")},
                    ibm_claim_stance.read, "train", ("test",)),
        DatasetSpec("claimbuster", "claim", "claimbuster", {s: "kfold_25ncs.json" for s in ("train", "dev")},
                    claimbuster.read, "train", ("dev",)),
        DatasetSpec("claimbuster-2x", "claim", "claimbuster", {s: "kfold_20ncs.json" for s in ("train", "dev")},
                    claimbuster.read, "train", ("dev",)),
        DatasetSpec("claimbuster-3x", "claim", "claimbuster", {s: "kfold_30ncs.json" for s in ("train", "dev")},
                    claimbuster.read, "train", ("dev",)),
        DatasetSpec("clef2019", "claim", "clef2019-checkthat-task1",
                    {"train": "training", "test": "test_annotated"}, clef2019.read, "train", ("test",)),
        DatasetSpec("aae-sentences", "claim", "aae-sentences-ukp", {s: "." for s in ("train", "dev", "test")},
                    aae.read, "train", ("dev",)),
        DatasetSpec("conll2003", "mentions", "conll2003-en",
                    {"train": "eng.train", "testa": "eng.testa", "testb": "eng.testb"},
                    mentions.read_conll2003, "train", ("testa",), aliases={"dev": "testa", "test": "testb"}),
        DatasetSpec("wikiann", "mentions", "wikiann-en", {s: s for s in ("train", "dev", "test")},
                    mentions.read_wikiann, "train", ("dev",)),
        DatasetSpec("wnut17", "mentions", "wnut17",
                    {"train": "wnut17train.conll", "dev": "emerging.dev.conll", "test": "emerging.test.annotated"},
                    mentions.read_wnut17, "train", ("dev",)),
        DatasetSpec("persent", "articles", "persent",
                    {"train": "train.csv", "dev": "dev.csv", "test-random": "random_test.csv",
                     "test-fixed": "fixed_test.csv"},
                    persent.read, None, ("dev",), frozenset({"train", "test-random", "test-fixed"})),
    ]
    return {s.name: _with_roles(s) for s in specs}


#: Every registered set by name.
DATASETS: dict[str, DatasetSpec] = _specs()
# Friendly aliases for names people type.
_NAME_ALIASES = {"semeval2016-task6": "semeval2016", "semeval": "semeval2016", "ibm": "ibm-claim-stance",
                 "conll2003-en": "conll2003", "wikiann-en": "wikiann", "aae": "aae-sentences",
                 "aae-sentences-ukp": "aae-sentences", "clef2019-checkthat-task1": "clef2019"}


def _repo_root() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "stancekit").is_dir():
            return parent
    return None


def data_dir() -> Path:
    """The folder holding the labelled sets.

    ``$STANCEKIT_DATA`` when set; else ``../shared/data`` relative to the current directory when it
    exists; else ``../shared/data`` relative to the repository root (an editable install) when it
    exists; else the current-directory form (errors then name that path).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    local = Path("..") / "shared" / "data"
    if local.is_dir():
        return local
    root = _repo_root()
    if root is not None and (root.parent / "shared" / "data").is_dir():
        return root.parent / "shared" / "data"
    return local


def train_sets() -> dict[str, tuple[str, str]]:
    """Training-config set name → (registered set, split) of every set that trains."""
    return {s.train_as: (s.name, s.train_split) for s in DATASETS.values() if s.train_as and s.train_split}


def dev_sets() -> dict[str, tuple[str, str]]:
    """Training dev name → (registered set, split): the splits the training loop scores."""
    return {k: (s.name, split) for s in DATASETS.values() for k, split in s.dev_as.items()}


def spec(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``name`` (aliases accepted); raises :class:`DatasetError` for unknown names."""
    key = _NAME_ALIASES.get(name, name)
    if key not in DATASETS:
        raise DatasetError(f"Unknown dataset {name!r}. Choose one of: {', '.join(sorted(DATASETS))}.")
    return DATASETS[key]


def split_path(name: str, split: str, path: str | os.PathLike[str] | None = None) -> Path:
    """The file (or folder) ``load(name, split)`` reads, under ``path`` (the set's folder) or :func:`data_dir`."""
    s = spec(name)
    split = s.aliases.get(split, split)
    if split not in s.splits:
        raise DatasetError(f"{s.name}: no split {split!r}. Choose one of: {', '.join(s.splits)}.")
    base = Path(path) if path is not None else data_dir() / s.folder
    return base / s.splits[split]


def load(
    name: str, split: str | None = None, path: str | os.PathLike[str] | None = None
) -> datasets.Dataset | datasets.DatasetDict:
    """Load a labelled set in stancekit's schema for its task.

    Args:
        name: a key of :data:`DATASETS` (``newsmtsc``, ``semeval2016``, ``pstance``, ``vast``, …).
        split: the split to read (``dev`` is accepted where the set names it otherwise). With no
            split and no file path, all splits whose files exist come back as a
            :class:`datasets.DatasetDict` (as ``datasets.load_dataset`` does).
        path: a file in the set's format (read as it is, whatever its name; ``split`` then only
            selects inside files that hold several, e.g. the SemEval zip), or a folder laid out like
            the set's folder in the data directory.

    Returns:
        A :class:`datasets.Dataset` (one split or one file) or a :class:`datasets.DatasetDict`.

    Raises:
        DatasetError: unknown name or split, a missing file (naming the path and the set), or a
            malformed row (naming file, line and what was expected).
    """
    s = spec(name)
    if split is not None:
        split = s.aliases.get(split, split)
    if path is not None and Path(path).is_file():
        return s.reader(Path(path), split, s.name)
    if path is not None and not Path(path).exists():
        raise DatasetError(f"{s.name}: {path} not found. Pass a file in the set's format or the set's folder.")
    if split is not None:
        return s.reader(split_path(s.name, split, path), split, s.name)
    base = Path(path) if path is not None else data_dir() / s.folder
    if not base.is_dir():
        raise DatasetError(
            f"{s.name}: data folder {base} not found. Set {ENV_VAR} (or --data-dir) to the folder holding "
            f"'{s.folder}/', or pass path=."
        )
    out = {}
    for sp in s.splits:
        p = split_path(s.name, sp, path)
        if sp in s.optional and not p.exists():
            continue
        out[sp] = s.reader(p, sp, s.name)
    return datasets.DatasetDict(out)
