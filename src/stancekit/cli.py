"""The ``stancekit`` command: thin wrappers over library functions; the only module that prints or exits.

stancekit analyze PATH… [--format jsonl|json|table] [--target TEXT…] [--claim-threshold P] [--speakers-as-actors]
    [model options]
stancekit evaluate --dataset NAME [--file PATH] [-o report.json] [--plot PNG] [model options]
stancekit train --config FILE -o DIR
stancekit distil --teacher DIR --config FILE -o DIR [--resume] [--seed N]
stancekit score INPUT -o OUTPUT [--resume|--overwrite] [--target TEXT…] [--ray [ADDRESS]] [model options]
stancekit report PATH… -o report.html [model options]

model options: --model DIR --device auto|cpu|cuda --precision auto|fp32|bf16|fp16 --batch-size N
--max-batch-tokens N
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stancekit import __version__
from stancekit.errors import InputError, StancekitError

__all__ = ["main"]


def _add_debug(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's default must not overwrite `stancekit --debug analyze …`.
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error (default: off; or set STANCEKIT_DEBUG=1)",
    )


#: The labelled sets ``stancekit evaluate --dataset`` knows (``stancekit.data.DATASETS``; a test keeps
#: this copy equal, so that ``--help`` does not have to import the data loaders).
DATASET_NAMES = (
    "newsmtsc",
    "newsmtsc-flat",
    "newsmtsc-mt",
    "newsmtsc-rw",
    "semeval2016",
    "pstance",
    "pstance-all",
    "vast",
    "ibm-claim-stance",
    "claimbuster",
    "claimbuster-2x",
    "claimbuster-3x",
    "clef2019",
    "aae-sentences",
    "conll2003",
    "wikiann",
    "wnut17",
    "persent",
)
PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # stancekit.inference.PRECISIONS, without importing torch


def _add_backend_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        default="torch",
        choices=("torch", "openvino", "onnxruntime"),
        help="where the encoder runs on CPU: torch, or openvino / onnxruntime (pip install 'stancekit[runtimes]'; "
        "exported at load, a few seconds; faster on large inputs, see benchmarks/RESULTS.md) (default: torch)",
    )


def _add_model_options(p: argparse.ArgumentParser, several: bool = False) -> None:
    g = p.add_argument_group("model")
    g.add_argument(
        "--model",
        default=[] if several else None,
        action="append" if several else "store",
        metavar="DIR",
        help="a stancekit model directory (default: $STANCEKIT_MODEL, else the shipped stancekit-news-small)"
        + ("; repeat it to compare models side by side" if several else ""),
    )
    g.add_argument(
        "--device", default="auto", help="auto | cpu | cuda | cuda:N; auto takes CUDA when available (default: auto)"
    )
    g.add_argument(
        "--precision",
        default="auto",
        choices=PRECISIONS,
        help="inference precision; auto = bf16 where the CPU or GPU supports it, else fp32 on CPU, fp16 on GPU "
        "(default: auto)",
    )
    g.add_argument("--batch-size", type=int, default=64, help="most units per encoder batch (default: 64)")
    g.add_argument(
        "--max-batch-tokens", type=int, default=8192, help="most padded tokens per encoder batch (default: 8192)"
    )


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("analysis")
    g.add_argument(
        "--claim-threshold",
        type=float,
        default=None,
        metavar="P",
        help="a unit is a claim when its claim score is at least P, in [0, 1] (default: the model's "
        "claim_threshold, 0.05 for the shipped model)",
    )
    g.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="TEXT",
        help='a name or topic to read the stance toward, e.g. --target "Shinzo Abe" --target "sanctions against '
        'Russia" (repeatable; default: none)',
    )
    g.add_argument(
        "--targets-file",
        default=None,
        metavar="FILE",
        help="a UTF-8 file with one target per line (blank lines and lines starting with # are skipped; default: none)",
    )
    g.add_argument(
        "--speakers-as-actors",
        action="store_true",
        help='also list a claim\'s speaker among its actors ("Putin said Russia would win": Putin and Russia; '
        "default: off, the speaker is the claim's source only)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stancekit", description="Claims, actors and stance in news articles.")
    parser.add_argument("--version", action="version", version=f"stancekit {__version__}")
    _add_debug(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "analyze",
        help="analyse article files (or - for stdin)",
        description="Analyse article files: one JSON object per unit (jsonl), one document per article (json), "
        "or a table.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="UTF-8 text files, one article each; - reads stdin")
    p.add_argument(
        "--format",
        choices=("jsonl", "json", "table"),
        default="jsonl",
        help="jsonl: one object per unit; json: one document per article; table: for reading (default: jsonl)",
    )
    _add_analysis_options(p)
    _add_model_options(p)
    _add_backend_option(p)

    p = sub.add_parser(
        "evaluate",
        help="score a model on a labelled set or on your own labelled file",
        description="Score a model on a labelled set with the set's official metric. Data sets: "
        + ", ".join(DATASET_NAMES)
        + ". They are read from --data-dir (default $STANCEKIT_DATA, else ../shared/data; docs/data.md says "
        "where each comes from and its layout). Your own data: --task stance|claim|mentions|articles --file "
        "FILE (.jsonl, .csv, .parquet; columns in docs/data.md). Several --model give one side-by-side table.",
    )
    p.add_argument(
        "--dataset",
        default=None,
        metavar="NAME",
        help="a public labelled set: " + ", ".join(DATASET_NAMES) + " (default: none; give --dataset or --task)",
    )
    p.add_argument(
        "--task",
        default=None,
        choices=("stance", "claim", "mentions", "articles"),
        help="evaluate your own --file in the generic schema of this task (default: none)",
    )
    own = p.add_argument_group("your own data (--task)")
    for col, what in (
        ("text", "the text (default: text)"),
        ("target", "the stance target, for --task stance (default: target)"),
        ("label", "the gold label (default: label)"),
        ("actor", "the actor an article is about, for --task articles (default: actor)"),
        ("target-start", "the target's start offset in the text, optional (default: target_start)"),
        ("target-end", "the target's end offset in the text, optional (default: target_end)"),
    ):
        own.add_argument(f"--{col}-field", default=None, metavar="COLUMN", help="your column holding " + what)
    own.add_argument(
        "--label-map",
        default=None,
        metavar="MAP",
        help='your labels to stancekit\'s, e.g. "pos=favor,neg=against,none=neutral" (default: labels as they are)',
    )
    p.add_argument(
        "--file",
        default=None,
        help="a file (or folder) in that set's format instead of its dev split under --data-dir (default: none)",
    )
    p.add_argument("--split", default=None, help="the split to read, e.g. dev or test (default: the set's dev split)")
    p.add_argument("-o", "--output", default=None, metavar="JSON", help="write the report JSON here (default: none)")
    p.add_argument(
        "--plot",
        default=None,
        metavar="PNG",
        help="write the confusion matrix as PNG here (needs matplotlib; default: none)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="root of the labelled sets (default: $STANCEKIT_DATA, else ../shared/data)",
    )
    _add_model_options(p, several=True)

    p = sub.add_parser(
        "train",
        help="fine-tune a model from a config file (resumable)",
        description="Fine-tune a model from a config file. OUTPUT gets best/ (the model), last/ (the resumable "
        "state) and log.jsonl; a stopped run continues with --resume.",
    )
    p.add_argument("--config", required=True, metavar="JSON", help="training config, e.g. configs/default.json")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the run directory to write")
    p.add_argument("--resume", action="store_true", help="continue from OUTPUT/last where a run stopped (default: off)")
    p.add_argument(
        "--device",
        default=None,
        help="auto (CUDA when present), cpu, cuda or cuda:N (default: the config's, else auto)",
    )

    p = sub.add_parser(
        "distil",
        help="distil a teacher model into a student (resumable)",
        description="Score the training text with the teacher once (OUTPUT/teacher-scores.parquet, or the "
        "config's distil.file; reused when present), then train the student the config describes on gold "
        "labels plus a temperature-scaled KL term toward the teacher (the config's 'distil' block).",
    )
    p.add_argument("--teacher", required=True, metavar="DIR", help="the teacher's model directory")
    p.add_argument("--config", required=True, metavar="JSON", help="student config with a 'distil' block, "
                   "e.g. configs/distil.json")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the run directory to write")
    p.add_argument("--resume", action="store_true", help="continue the student from OUTPUT/last (default: off)")
    p.add_argument("--seed", type=int, default=None, help="the student's seed (default: the config's)")
    p.add_argument(
        "--device",
        default=None,
        help="auto (CUDA when present), cpu, cuda or cuda:N (default: the config's, else auto)",
    )

    p = sub.add_parser(
        "score",
        help="score a corpus to files, resumably",
        description="Score a corpus: one row per unit in OUTPUT, a per-article summary beside it, and failed "
        "articles in OUTPUT's .errors.jsonl (only when some failed).",
    )
    p.add_argument("input", metavar="INPUT", help=".jsonl, .csv, .parquet, or a directory of .txt files")
    p.add_argument("-o", "--output", required=True, help="the unit rows: a .jsonl or .parquet file")
    p.add_argument("--text-field", default="text", help="the field/column holding the article text (default: text)")
    p.add_argument(
        "--id-field",
        default="id",
        help="the field/column holding the article id; records without it get their position (default: id)",
    )
    p.add_argument("--resume", action="store_true", help="finish an interrupted run (default: off)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUTPUT (default: off, refused)")
    p.add_argument(
        "--follow-links",
        action="store_true",
        help="folder input: read symbolic links that lead out of the folder (default: report them)",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="ADDRESS",
        help="run on Ray: a cluster address, or no value for $RAY_ADDRESS / a local Ray (default: off)",
    )
    _add_analysis_options(p)
    _add_model_options(p)
    _add_backend_option(p)

    p = sub.add_parser(
        "report",
        help="write a self-contained HTML report",
        description="Write a self-contained HTML report of scored output (stancekit score OUTPUT, .jsonl or "
        ".parquet) or of .txt articles (analysed here with the model).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="scored .jsonl/.parquet files or .txt articles")
    p.add_argument("-o", "--output", required=True, metavar="HTML", help="the report file to write")
    _add_analysis_options(p)
    _add_model_options(p)
    for name in sub.choices:
        _add_debug(sub.choices[name])
    return parser


def _targets(args: argparse.Namespace) -> list[str]:
    """--target values, then the lines of --targets-file."""
    targets = list(args.target)
    if args.targets_file is not None:
        from stancekit.pipeline import read_article

        text = read_article(args.targets_file)
        targets += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for t in targets:
        if not t.strip():
            raise InputError("--target: a target must not be empty.")
    return targets


def _load_args(args: argparse.Namespace) -> dict[str, Any]:
    out = dict(
        device=args.device, precision=args.precision, batch_size=args.batch_size, max_batch_tokens=args.max_batch_tokens
    )
    if getattr(args, "backend", "torch") != "torch":
        out["backend"] = args.backend
    if getattr(args, "claim_threshold", None) is not None:
        out["claim_threshold"] = args.claim_threshold
    if getattr(args, "speakers_as_actors", False):
        out["speakers_as_actors"] = True
    return out


def _read_inputs(paths: Sequence[str]) -> list[tuple[str, str]]:
    from stancekit.pipeline import decode, read_article

    out = []
    for path in paths:
        if path == "-":
            out.append(("stdin", decode(sys.stdin.buffer.read(), "<stdin>")))
        else:
            out.append((Path(path).stem, read_article(path)))
    return out


def _analyze(args: argparse.Namespace) -> int:
    import stancekit

    inputs = _read_inputs(args.paths)  # read everything first: a bad file fails before the model loads
    for name, text in inputs:
        if not text.strip():  # the documented behaviour: an article with no units, not an error
            print(f"stancekit analyze: note: {_safe(name)} has no text (an article with 0 units)", file=sys.stderr)
    targets = _targets(args)
    nlp = stancekit.load(args.model, **_load_args(args))
    articles = nlp.pipe([t for _, t in inputs], ids=[i for i, _ in inputs], targets=targets or None)
    if args.format == "jsonl":
        for article in articles:
            for unit in article.units:
                sys.stdout.write(json.dumps(unit.to_dict(article.id), ensure_ascii=False) + "\n")
    elif args.format == "json":
        json.dump([a.to_dict() for a in articles], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(articles)
    return 0


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
# Bidirectional overrides/isolates reorder what a terminal shows ("Trojan Source"); show them as escapes.
_CONTROL.update({c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def _safe(text: str, one_line: bool = False) -> str:
    """``text`` with terminal control characters (ESC, C1, bidi overrides) shown as ``\\x1b`` escapes.

    Article text and file names reach the terminal only through this, so a file cannot recolour,
    retitle or rewrite the user's terminal. ``one_line`` also escapes line breaks.
    """
    table = _CONTROL if not one_line else {**_CONTROL, 0x0A: "\\n"}
    return text.translate(table)


def _print_table(articles: Any) -> None:
    # Every piece of article text goes in as a rich Text object: never parsed as markup, so "[/]"
    # or "[red]" in an article is shown as written (issue 16: it raised rich.errors.MarkupError).
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    colours = {"favor": "green", "against": "red", "neutral": "yellow"}
    console = Console()
    for article in articles:
        title = Text(f"{_safe(str(article.id))}: {len(article.claims)} claims of {len(article.units)} units")
        table = Table(title=title, show_lines=True)
        table.add_column("#", justify="right")
        table.add_column("unit", ratio=3)
        table.add_column("claim (score)")
        table.add_column("actors (stance)", ratio=2)
        if article.targets:
            table.add_column("targets (stance)", ratio=2)
        for u in article.units:
            actors = Text(", ").join(
                Text(f"{_safe(a.name)} ({a.stance} {a.score:.2f})", style=colours[a.stance]) for a in u.actors
            )
            if u.reason is not None:
                claim = Text(f"no ({u.reason})", style="dim")
            else:
                claim = Text(f"yes {u.claim_score:.2f}") if u.is_claim else Text(f"no {u.claim_score:.2f}", style="dim")
            text = Text(_safe(u.text), style="" if u.is_claim else "dim")
            row: list[Any] = [str(u.index), text, claim, actors]
            if article.targets:
                row.append(
                    Text(", ").join(
                        Text(f"{_safe(t.target)} ({t.stance} {t.score:.2f})", style=colours[t.stance])
                        for t in u.targets
                    )
                )
            table.add_row(*row)
        console.print(table)
        if article.targets:
            ttable = Table(title="targets over the article")
            for col in ("target", "stance", "favor", "against", "neutral", "read from", "actor"):
                ttable.add_column(col)
            for t in article.targets:
                ttable.add_row(
                    Text(_safe(t.target)),
                    Text(t.stance, style=colours[t.stance]),
                    *(f"{t.scores[k]:.2f} ({t.counts[k]})" for k in ("favor", "against", "neutral")),
                    {"text": "whole text", "claims": "claims (mean)", "units": "units (mean)"}[t.basis],
                    Text(_safe(t.actor or "")),
                )
            console.print(ttable)
        if article.actors:
            summary = Table(title="actors over the article")
            for col in ("actor", "type", "stance", "favor", "against", "neutral", "mentions"):
                summary.add_column(col)
            for a in article.actors:
                summary.add_row(
                    Text(_safe(a.name)),
                    a.type,
                    Text(a.stance, style=colours[a.stance]),
                    *(str(a.counts[k]) for k in ("favor", "against", "neutral")),
                    str(len(a.mentions)),
                )
            console.print(summary)


def _evaluate(args: argparse.Namespace) -> int:
    from rich.console import Console

    from stancekit.evaluation import compare, evaluate, render_comparison, render_table

    if (args.dataset is None) == (args.task is None):
        raise InputError("give --dataset NAME (a public set) or --task TASK --file FILE (your own labelled data).")
    kwargs: dict[str, Any] = dict(file=args.file, **_load_args(args))
    if args.task is not None:
        if args.file is None:
            raise InputError(f"--task {args.task} evaluates your own labelled data: pass it with --file FILE.")
        fields = ("text", "target", "label", "actor", "target_start", "target_end")
        columns = {c: getattr(args, f"{c}_field") for c in fields if getattr(args, f"{c}_field")}
        kwargs.update(task=args.task, columns=columns, label_map=_label_map(args.label_map))
    else:
        kwargs.update(dataset=args.dataset, data_dir=args.data_dir, split=args.split)
    models = args.model or [None]
    if len(models) > 1:
        if args.plot:
            raise InputError("--plot draws one model's confusion matrix; pass one --model with it.")
        Console().print(render_comparison(compare(models, output=args.output, **kwargs)))
        return 0
    report = evaluate(models[0], output=args.output, plot=args.plot, **kwargs)
    Console().print(render_table(report))
    return 0


def _label_map(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    out = {}
    for pair in value.split(","):
        yours, sep, ours = pair.partition("=")
        if not sep or not yours.strip() or not ours.strip():
            raise InputError(f"--label-map: expected YOURS=OURS pairs separated by commas, got {pair!r} in {value!r}.")
        out[yours.strip()] = ours.strip()
    return out


def _train(args: argparse.Namespace) -> int:
    from stancekit.training import train

    summary = train(args.config, args.output, resume=args.resume, device=args.device)
    print(json.dumps(summary.to_dict(), indent=2, default=str))
    return 0


def _distil(args: argparse.Namespace) -> int:
    from stancekit import distillation

    summary = distillation.distil(args.teacher, args.config, args.output, resume=args.resume, device=args.device,
                                  seed=args.seed,
                                  progress=lambda r: print(json.dumps(r, default=str), file=sys.stderr, flush=True))
    print(json.dumps(summary.to_dict(), indent=2, default=str))
    return 0


def _score(args: argparse.Namespace) -> int:
    kwargs: dict[str, Any] = dict(
        text_field=args.text_field,
        id_field=args.id_field,
        resume=args.resume,
        batch_size=args.batch_size,
        max_batch_tokens=args.max_batch_tokens,
        device=args.device,
        model=args.model,
    )
    targets = _targets(args)
    if args.ray is not None:
        from stancekit.integrations.ray import score_files

        unsupported = [
            flag
            for flag, used in (
                ("--target/--targets-file", bool(targets)),
                ("--overwrite", args.overwrite),
                ("--follow-links", args.follow_links),
            )
            if used
        ]
        if unsupported:
            raise InputError(f"{', '.join(unsupported)} not supported with --ray yet; run without --ray.")

        summary = score_files(
            args.input,
            args.output,
            address=None if args.ray == "auto" else args.ray,
            precision=args.precision,
            claim_threshold=args.claim_threshold,
            backend=args.backend,
            speakers_as_actors=args.speakers_as_actors,
            **kwargs,
        )
    else:
        from stancekit.scoring import score

        summary = score(
            args.input,
            args.output,
            progress=None,
            targets=targets,
            precision=args.precision,
            backend=args.backend,
            claim_threshold=args.claim_threshold,
            speakers_as_actors=args.speakers_as_actors,
            overwrite=args.overwrite,
            follow_links=args.follow_links,
            **kwargs,
        )
    for note in getattr(summary, "notes", ()):
        print(f"stancekit score: note: {_safe(note, one_line=True)}", file=sys.stderr)
    print(json.dumps(summary.to_dict(), indent=2, default=str))
    # Failed articles are written to the errors file and the run goes on; the exit code says so.
    return 1 if summary.failed else 0


def _report(args: argparse.Namespace) -> int:
    from stancekit.report import write_report

    write_report(args.paths, args.output, model=args.model, targets=_targets(args), **_load_args(args))
    print(args.output)
    return 0


_COMMANDS = {"analyze": _analyze, "evaluate": _evaluate, "train": _train, "distil": _distil, "score": _score,
             "report": _report}


def _os_error_message(err: OSError) -> str:
    """One line for an OSError that reached the CLI: which file, what happened, what to do."""
    where = err.filename if err.filename is not None else "a file"
    what = err.strerror or str(err)
    if isinstance(err, PermissionError):
        return f"{where}: permission denied. Check the file's permissions (ls -l) or choose another path."
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}: no space left on device. Free some space (or choose another output folder) and run again."
    if isinstance(err, FileNotFoundError):
        return f"{where}: no such file or directory. Check the path."
    if isinstance(err, IsADirectoryError):
        return f"{where}: is a directory; pass a file."
    return f"{where}: {what}. Check the path and the file system, then run again."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 error, 130 interrupted).

    A user's mistake or the environment's state (a missing or unreadable file, a full disk, a bad
    model directory, Ctrl-C) gives one line on stderr, ``stancekit COMMAND: error: …``, naming
    the file (and line or row) and what to do; ``--debug`` adds the full traceback.
    """
    args = _parser().parse_args(argv)
    debug = bool(getattr(args, "debug", False)) or os.environ.get("STANCEKIT_DEBUG") == "1"

    def fail(message: str, code: int = 1) -> int:
        if debug:
            traceback.print_exc()
        print(f"stancekit {args.command}: {_safe(message, one_line=True)}", file=sys.stderr)
        return code

    try:
        return _COMMANDS[args.command](args)
    except StancekitError as err:
        return fail(f"error: {err}")
    except BrokenPipeError:  # `stancekit analyze … | head`
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
    except OSError as err:
        return fail(f"error: {_os_error_message(err)}")
    except KeyboardInterrupt:
        if args.command == "score":
            return fail("interrupted. Committed chunks are kept; run the same command with --resume to continue.", 130)
        return fail("interrupted.", 130)


if __name__ == "__main__":
    sys.exit(main())
