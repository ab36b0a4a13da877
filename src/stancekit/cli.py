"""The ``stancekit`` command: thin wrappers over library functions; the only module that prints or exits.

stancekit analyze PATH… [--format jsonl|json|table] [--model DIR] [--device auto|cpu|cuda]
stancekit evaluate --dataset NAME --file PATH [--model DIR] [-o report.json] [--plot PNG]
stancekit train --config FILE -o DIR
stancekit score INPUT -o OUTPUT [--resume] [--ray [ADDRESS]] …
stancekit report PATH… -o report.html
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stancekit import __version__
from stancekit.errors import StancekitError

__all__ = ["main"]


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N (default: auto)")
    p.add_argument("--batch-size", type=int, default=64, help="most units per encoder batch (default: 64)")
    p.add_argument("--max-batch-tokens", type=int, default=8192, help="most padded tokens per batch (default: 8192)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stancekit", description="Claims, actors and stance in news articles.")
    parser.add_argument("--version", action="version", version=f"stancekit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="analyse article files (or - for stdin)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("jsonl", "json", "table"), default="jsonl")
    _add_model_options(p)

    p = sub.add_parser("evaluate", help="score a model on a labelled file")
    p.add_argument("--dataset", required=True, help="data set name, e.g. newsmtsc-rw, semeval2016, conll2003")
    p.add_argument("--file", default=None, help="a file in that set's format (default: its dev split)")
    p.add_argument("-o", "--output", default=None, help="write the report JSON here")
    p.add_argument("--plot", default=None, help="write the confusion matrix as PNG here")
    p.add_argument(
        "--data-dir", default=None, help="root of the labelled sets (default: $STANCEKIT_DATA or ../shared/data)"
    )
    _add_model_options(p)

    p = sub.add_parser("train", help="fine-tune a model from a config file")
    p.add_argument("--config", required=True)
    p.add_argument("-o", "--output", required=True, help="output model directory")

    p = sub.add_parser("score", help="score a corpus to files, resumably")
    p.add_argument("input", metavar="INPUT", help=".jsonl, .csv, .parquet, or a directory of .txt files")
    p.add_argument("-o", "--output", required=True, help=".jsonl or .parquet")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id")
    p.add_argument("--resume", action="store_true", help="finish an interrupted run")
    p.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="ADDRESS",
        help="run on Ray (a cluster address, or local)",
    )
    _add_model_options(p)

    p = sub.add_parser("report", help="write a self-contained HTML report of scored output")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", required=True, help="report.html")
    p.add_argument("--model", default=None, help="model for .txt inputs (default: the shipped model)")
    return parser


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
    nlp = stancekit.load(
        args.model, device=args.device, batch_size=args.batch_size, max_batch_tokens=args.max_batch_tokens
    )
    articles = nlp.pipe([t for _, t in inputs], ids=[i for i, _ in inputs])
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


def _print_table(articles: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    colours = {"favor": "green", "against": "red", "neutral": "yellow"}
    console = Console()
    for article in articles:
        table = Table(
            title=f"{article.id}: {len(article.claims)} claims of {len(article.units)} units", show_lines=True
        )
        table.add_column("#", justify="right")
        table.add_column("unit", ratio=3)
        table.add_column("claim", justify="right")
        table.add_column("actors (stance)", ratio=2)
        for u in article.units:
            actors = ", ".join(f"[{colours[a.stance]}]{a.name} ({a.stance} {a.score:.2f})[/]" for a in u.actors)
            claim = f"{u.claim_score:.2f}" if u.reason is None else f"[dim]{u.reason}[/]"
            text = u.text if u.is_claim else f"[dim]{u.text}[/]"
            table.add_row(str(u.index), text, claim, actors)
        console.print(table)
        if article.actors:
            summary = Table(title="actors over the article")
            for col in ("actor", "type", "stance", "favor", "against", "neutral", "mentions"):
                summary.add_column(col)
            for a in article.actors:
                summary.add_row(
                    a.name,
                    a.type,
                    f"[{colours[a.stance]}]{a.stance}[/]",
                    *(str(a.counts[k]) for k in ("favor", "against", "neutral")),
                    str(len(a.mentions)),
                )
            console.print(summary)


def _evaluate(args: argparse.Namespace) -> int:
    from stancekit.evaluation import evaluate, render_table

    report = evaluate(
        args.model,
        dataset=args.dataset,
        file=args.file,
        output=args.output,
        plot=args.plot,
        data_dir=args.data_dir,
        device=args.device,
        batch_size=args.batch_size,
    )
    from rich.console import Console

    Console().print(render_table(report))
    return 0


def _train(args: argparse.Namespace) -> int:
    from stancekit.training import train

    summary = train(args.config, args.output)
    print(json.dumps(summary, indent=2, default=str))
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
    if args.ray is not None:
        from stancekit.integrations.ray import score_files

        summary = score_files(args.input, args.output, address=None if args.ray == "auto" else args.ray, **kwargs)
    else:
        from stancekit.scoring import score

        summary = score(args.input, args.output, progress=None, **kwargs)
    print(json.dumps(summary.to_dict(), indent=2, default=str))
    # Failed articles are written to the errors file and the run goes on; the exit code says so.
    return 1 if summary.failed else 0


def _report(args: argparse.Namespace) -> int:
    from stancekit.report import write_report

    write_report(args.paths, args.output, model=args.model)
    print(args.output)
    return 0


_COMMANDS = {"analyze": _analyze, "evaluate": _evaluate, "train": _train, "score": _score, "report": _report}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 error), printing errors as one line on stderr."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except StancekitError as err:
        print(f"stancekit {args.command}: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `stancekit analyze … | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
