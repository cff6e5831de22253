"""The command line: ``python -m pipeline`` (or ``kfacts``).

Subcommands: ``annotate`` (the main job), ``corpus`` (build, validate, stats,
Label Studio export/import), ``train`` and ``evaluate``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import readers
from .corpora import cli as corpus_cli
from .training import cli as training_cli


def _add_annotate(sub) -> None:
    p = sub.add_parser(
        "annotate",
        help="annotate documents with entities, relations and triples",
        description=(
            "Annotate Korean economic news. INPUT: .txt (one document a file), .jsonl/.jsonl.gz "
            "(one JSON object a line), .csv, .parquet, a directory of these, or - for stdin "
            "(JSONL, or one text a line). Writes SCHEMA.md's JSON, one document a line; "
            "records that cannot be read go to OUTPUT.errors.jsonl."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", required=True, help="output file (JSONL), directory (parquet), or - for stdout")
    p.add_argument(
        "-m", "--model", default=None, help="pipeline directory or name (default: the shipped model); 'blank' for tokenisation only"
    )
    p.add_argument("--text-field", default="text", help="field/column that holds the text (default: text)")
    p.add_argument("--id-field", default="id", help="field/column that holds the id (default: id; else FILE:LINE)")
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="output format (default: jsonl)")
    p.add_argument("--n-process", type=int, default=1, help="worker processes (default: 1; 0 = one per core)")
    p.add_argument("--batch-size", type=int, default=32, help="documents per batch (default: 32)")
    p.add_argument("--resume", action="store_true", help="continue a run that was interrupted, appending to OUTPUT")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if any record failed")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=cmd_annotate)


def cmd_annotate(args) -> int:
    import pipeline

    from . import batch

    try:
        inputs = readers.expand(args.inputs)
    except readers.InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.resume and args.output == "-":
        print("error: --resume needs an output file, not stdout", file=sys.stderr)
        return 2
    try:
        nlp = pipeline.blank() if args.model == "blank" else pipeline.load(args.model)
    except (FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n_process = args.n_process or os.cpu_count() or 1
    summary = batch.run(
        nlp,
        inputs,
        args.output,
        fmt=args.format,
        text_field=args.text_field,
        id_field=args.id_field,
        n_process=n_process,
        batch_size=args.batch_size,
        resume=args.resume,
        progress=not args.quiet,
    )
    if not args.quiet:
        print(summary.line(), file=sys.stderr)
        for example in summary.error_examples[:3]:
            print(f"  error: {json.dumps(example, ensure_ascii=False)}", file=sys.stderr)
    return 1 if args.strict and summary.errors else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Company–program–outcome facts from Korean economic news (Kiwi + spaCy).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_annotate(sub)
    corpus_cli.add_commands(sub)
    training_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
