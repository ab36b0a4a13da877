"""Score articles on a Ray cluster with Ray Data (extra: ``pip install "stancekit[ray]"``).

>>> import ray, stancekit.integrations.ray as skray
>>> ds = ray.data.read_parquet("s3://bucket/articles/")                     # doctest: +SKIP
>>> units = skray.score_dataset(ds, model="/shared/models/news", num_gpus=1, concurrency=4)  # doctest: +SKIP
>>> units.write_parquet("s3://bucket/scored/")                              # doctest: +SKIP

:func:`score_dataset` maps a stateful predictor over the dataset with ``map_batches``: each Ray
actor loads the model once in its constructor and then analyses batch after batch of articles,
so the model is not reloaded per batch and a GPU stays busy. Rows out are unit rows with the
fields of the CLI contract (:func:`stancekit.scoring.unit_schema`), exactly what the
single-process ``stancekit score`` writes. Articles whose text is missing, not a string or not
UTF-8 yield no unit rows; :func:`errors_dataset` lists them with the reason (it needs no model).
Empty or whitespace-only text is an article with no units, not an error (as everywhere).

:func:`score_files` is ``stancekit score --ray [ADDRESS]``: it reads the input through Ray Data,
writes the units to a folder ``OUTPUT`` (Ray writes one file per block: ``OUTPUT/*.parquet`` or
``OUTPUT/*.json``) and the errors to ``<stem>.errors/`` beside it. There is no ``--resume`` on
Ray: Ray retries failed tasks itself, and a rerun overwrites the folders. See ``docs/ray.md``
for pointing it at a real cluster with GPUs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancekit.errors import InputError, StancekitError
from stancekit.scoring import ScoreSummary, check_text, unit_schema

if TYPE_CHECKING:
    import ray.data

__all__ = ["score_dataset", "errors_dataset", "score_files", "StancePredictor"]

_INSTALL = 'Ray is not installed: pip install "stancekit[ray]" (which installs "ray[data]").'


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as err:
        raise StancekitError(_INSTALL) from err
    return ray


def _error_schema() -> Any:
    import pyarrow as pa

    return pa.schema([("article_id", pa.string()), ("reason", pa.string())])


def _texts_and_ids(batch: Any, text_field: str, id_field: str) -> tuple[list[Any], list[str | None]]:
    names = batch.schema.names
    if text_field not in names:
        raise InputError(
            f"score_dataset: the dataset has no column {text_field!r} (columns: {names}). "
            "Pass text_field= with the column that holds the article text."
        )
    texts = batch.column(text_field).to_pylist()
    ids = batch.column(id_field).to_pylist() if id_field in names else [None] * len(texts)
    return texts, [None if i is None else str(i) for i in ids]


class StancePredictor:
    """The Ray Data callable class: loads the pipeline once per actor, then scores batches.

    Args:
        model: a model directory every worker can read, ``None`` for the shipped model, or a
            zero-argument callable returning a Pipeline (run once per actor).
        device: the device inside each actor (``"cuda"`` when the actor was given a GPU).
        batch_size, max_batch_tokens: encoder batching, as in :func:`stancekit.load`.
        text_field, id_field: the columns holding the article text and id.
        load_options: further keyword arguments of :func:`stancekit.load` (``precision``,
            ``claim_threshold``, ``backend``, ``speakers_as_actors``); not with a callable ``model``.
    """

    def __init__(
        self,
        model: Any = None,
        *,
        device: str = "auto",
        batch_size: int = 64,
        max_batch_tokens: int = 8192,
        text_field: str = "text",
        id_field: str = "id",
        load_options: dict[str, Any] | None = None,
    ) -> None:
        if callable(model) and not isinstance(model, str | os.PathLike):
            self.nlp = model()
        else:
            import stancekit

            self.nlp = stancekit.load(
                model, device=device, batch_size=batch_size, max_batch_tokens=max_batch_tokens, **(load_options or {})
            )
        self.batch_size = batch_size
        self.text_field, self.id_field = text_field, id_field

    def __call__(self, batch: Any) -> Any:
        """A ``pyarrow.Table`` of articles in, a ``pyarrow.Table`` of unit rows out."""
        import pyarrow as pa

        texts, ids = _texts_and_ids(batch, self.text_field, self.id_field)
        checked = (check_text(v, self.text_field)[0] for v in texts)
        good = [(i, t) for i, t in zip(ids, checked, strict=True) if t is not None]  # "" is an article, 0 units
        rows: list[dict[str, Any]] = []
        articles = self.nlp.pipe([t for _, t in good], batch_size=self.batch_size)
        for (article_id, _), article in zip(good, articles, strict=True):
            rows.extend(u.to_dict(article_id) for u in article.units)
        return pa.Table.from_pylist(rows, schema=unit_schema())


def _find_errors(batch: Any, text_field: str, id_field: str) -> Any:
    import pyarrow as pa

    texts, ids = _texts_and_ids(batch, text_field, id_field)
    rows = []
    for article_id, value in zip(ids, texts, strict=True):
        _, reason = check_text(value, text_field)
        if reason is not None:
            rows.append({"article_id": article_id, "reason": reason})
    return pa.Table.from_pylist(rows, schema=_error_schema())


def score_dataset(
    ds: ray.data.Dataset,
    *,
    model: str | os.PathLike[str] | Callable[[], Any] | None = None,
    batch_size: int = 64,
    max_batch_tokens: int = 8192,
    num_gpus: float = 0,
    concurrency: int | tuple[int, int] = 1,
    text_field: str = "text",
    id_field: str = "id",
    articles_per_batch: int = 256,
    num_cpus: float | None = None,
    device: str | None = None,
    precision: str = "auto",
    claim_threshold: float | None = None,
    backend: str = "torch",
    speakers_as_actors: bool = False,
) -> ray.data.Dataset:
    """Map the stance pipeline over a Ray Dataset of articles; returns a Dataset of unit rows.

    Args:
        ds: one row per article, with ``text_field`` (and ideally ``id_field``) columns.
        model: a model directory readable on every worker (shared storage or baked into the
            image), ``None`` for the shipped model, or a zero-argument callable returning a Pipeline.
        batch_size, max_batch_tokens: encoder batching inside each actor.
        num_gpus: GPUs per actor (``1`` puts each model on its own GPU; ``0.5`` packs two per GPU).
        concurrency: the number of actors (models), or ``(min, max)`` for an autoscaling pool.
        text_field, id_field: the columns holding the article text and id.
        articles_per_batch: articles handed to one actor call.
        num_cpus: CPUs reserved per actor (Ray's default: 1).
        device: the device inside each actor; default ``"cuda"`` when ``num_gpus > 0`` else ``"cpu"``.
        precision, claim_threshold, backend, speakers_as_actors: passed to :func:`stancekit.load` in
            each actor (with a callable ``model``, set them in the callable instead).

    Returns:
        A lazy ``ray.data.Dataset`` with the columns of :func:`stancekit.scoring.unit_schema`.

    Raises:
        InputError: load options other than the defaults together with a callable ``model``.
    """
    _ray()
    load_options: dict[str, Any] = {}
    if precision != "auto":
        load_options["precision"] = precision
    if claim_threshold is not None:
        load_options["claim_threshold"] = claim_threshold
    if backend != "torch":
        load_options["backend"] = backend
    if speakers_as_actors:
        load_options["speakers_as_actors"] = True
    if load_options and callable(model) and not isinstance(model, str | os.PathLike):
        raise InputError(
            f"score_dataset: {', '.join(sorted(load_options))} cannot be applied to a callable model; "
            "pass them to stancekit.load inside it."
        )
    extra: dict[str, Any] = {}
    if num_cpus is not None:
        extra["num_cpus"] = num_cpus
    if num_gpus:
        extra["num_gpus"] = num_gpus
    return ds.map_batches(
        StancePredictor,
        fn_constructor_kwargs={
            "model": model,
            "device": device or ("cuda" if num_gpus else "cpu"),
            "batch_size": batch_size,
            "max_batch_tokens": max_batch_tokens,
            "text_field": text_field,
            "id_field": id_field,
            "load_options": load_options,
        },
        batch_size=articles_per_batch,
        batch_format="pyarrow",
        concurrency=concurrency,
        **extra,
    )


def errors_dataset(ds: ray.data.Dataset, *, text_field: str = "text", id_field: str = "id") -> ray.data.Dataset:
    """The articles :func:`score_dataset` cannot score, with the reason (``article_id``, ``reason``)."""
    _ray()

    def find(batch: Any) -> Any:
        return _find_errors(batch, text_field, id_field)

    return ds.map_batches(find, batch_format="pyarrow")


def _read(path: Path, text_field: str, id_field: str) -> Any:
    import pyarrow as pa

    ray = _ray()
    if path.is_dir():

        def to_article(batch: Any) -> Any:
            root = str(path.resolve())
            ids = [
                os.path.splitext(os.path.relpath(p, root))[0].replace(os.sep, "/")
                for p in batch.column("path").to_pylist()
            ]
            return pa.table({id_field: ids, text_field: batch.column("bytes")})

        files = ray.data.read_binary_files(str(path.resolve()), include_paths=True, file_extensions=["txt"])
        return files.map_batches(to_article, batch_format="pyarrow")
    if not path.is_file():
        raise InputError(
            f"Input {path} does not exist. Pass a .jsonl, .csv or .parquet file or a folder of .txt files."
        )
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return ray.data.read_json(str(path.resolve()), lines=True)
    if suffix == ".csv":
        return ray.data.read_csv(str(path.resolve()))
    if suffix == ".parquet":
        return ray.data.read_parquet(str(path.resolve()))
    raise InputError(f"Input {path}: cannot read {suffix!r} with Ray. Pass .jsonl, .csv, .parquet or a folder of .txt.")


def _count_output(out: Path, fmt: str) -> tuple[int, int, set[str]]:
    import json

    import pyarrow.parquet as pq

    units = claims = 0
    ids: set[str] = set()
    for f in sorted(out.iterdir()):
        if fmt == ".parquet" and f.suffix == ".parquet":
            t = pq.read_table(f, columns=["article_id", "is_claim"])
            units += t.num_rows
            claims += sum(bool(x) for x in t.column("is_claim").to_pylist())
            ids.update(str(x) for x in t.column("article_id").to_pylist())
        elif fmt == ".jsonl" and f.suffix == ".json":
            with f.open("r", encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        row = json.loads(line)
                        units += 1
                        claims += bool(row["is_claim"])
                        ids.add(str(row["article_id"]))
    return units, claims, ids


def score_files(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    address: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    resume: bool = False,
    batch_size: int = 64,
    max_batch_tokens: int = 8192,
    device: str = "auto",
    model: Any = None,
    num_gpus: float | None = None,
    concurrency: int | tuple[int, int] | None = None,
    articles_per_batch: int = 256,
    precision: str = "auto",
    claim_threshold: float | None = None,
    backend: str = "torch",
    speakers_as_actors: bool = False,
) -> ScoreSummary:
    """``stancekit score INPUT -o OUTPUT --ray [ADDRESS]``: score files through Ray Data.

    Connects to the cluster at ``address`` (``None``: ``$RAY_ADDRESS``, else a local Ray), reads
    ``input`` with Ray Data, and writes the unit rows to the folder ``output`` (``.parquet`` →
    Parquet files, ``.jsonl`` → JSON-lines files) and the errors to ``<stem>.errors/`` beside it,
    in input order. With ``num_gpus``/``concurrency`` unset, one actor per GPU in the cluster is used
    (one CPU actor when there is no GPU).

    Returns:
        A :class:`~stancekit.scoring.ScoreSummary` (``articles_path`` is the units folder: no
        per-article summary is written on Ray).

    Raises:
        InputError: for ``resume=True``, an unsupported suffix, or an input without an id column.
    """
    ray = _ray()
    from ray.data import SaveMode

    t0 = time.perf_counter()
    if resume:
        raise InputError(
            "--resume is not available with --ray: Ray retries failed tasks itself and a rerun overwrites the "
            "output folder. Run again without --resume, or score without --ray to get resumable output."
        )
    in_path, out_path = Path(input), Path(output)
    fmt = out_path.suffix.lower()
    if fmt not in (".jsonl", ".parquet"):
        raise InputError(f"Output {out_path}: cannot write {fmt or 'no suffix'!r}; name it *.jsonl or *.parquet.")
    if not ray.is_initialized():
        ray.init(address=address or os.environ.get("RAY_ADDRESS"), include_dashboard=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True

    ds = _read(in_path, text_field, id_field)
    if not in_path.is_dir() and id_field not in ds.schema().names:
        raise InputError(
            f"{in_path}: no id column {id_field!r} (columns: {ds.schema().names}). On Ray every article needs an "
            "id of its own (rows are scored out of order on many machines); pass --id-field."
        )
    if num_gpus is None:
        gpus = int(ray.cluster_resources().get("GPU", 0))
        num_gpus = 1 if gpus else 0
        concurrency = concurrency or max(gpus, 1)
    units = score_dataset(
        ds,
        model=model,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
        num_gpus=num_gpus,
        concurrency=concurrency or 1,
        text_field=text_field,
        id_field=id_field,
        articles_per_batch=articles_per_batch,
        device=None if device == "auto" else device,
        precision=precision,
        claim_threshold=claim_threshold,
        backend=backend,
        speakers_as_actors=speakers_as_actors,
    )
    errors = errors_dataset(ds, text_field=text_field, id_field=id_field)
    errors_dir = out_path.with_name(out_path.name[: -len(out_path.suffix)] + ".errors")
    if fmt == ".parquet":
        units.write_parquet(str(out_path.resolve()), mode=SaveMode.OVERWRITE)
    else:
        units.write_json(str(out_path.resolve()), mode=SaveMode.OVERWRITE, force_ascii=False, double_precision=15)
    errors.write_json(str(errors_dir.resolve()), mode=SaveMode.OVERWRITE, force_ascii=False)

    n_units, n_claims, ids = _count_output(out_path, fmt)
    n_errors = 0
    for f in errors_dir.glob("*.json"):
        with f.open("rb") as fh:
            n_errors += sum(1 for line in fh if line.strip())
    return ScoreSummary(
        output=out_path,
        articles_path=out_path,
        errors_path=errors_dir,
        articles=len(ids),
        units=n_units,
        claims=n_claims,
        errors=n_errors,
        resumed=0,
        seconds=time.perf_counter() - t0,
    )
