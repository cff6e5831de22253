"""The command line: ``python -m pipeline`` (or ``kfacts``).

Subcommands: ``annotate`` (the main job), ``table``, ``facts`` (the fact store),
``info``, ``schema`` (the JSON Schema of the output), ``corpus`` (build, validate,
stats, Label Studio export/import), ``train`` and ``evaluate``.

Building the parser imports nothing heavy (no spaCy, Kiwi, pyarrow, datasets or
multiprocessing), so ``--help`` and ``--version`` answer in a fraction of a second;
each ``cmd_*`` imports what its subcommand needs when it runs.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys

from ..core.limits import BATCH_CHARS, DEFAULT_BATCH_SIZE
from ..io import readers
from ..io.records import MAX_CHARS
from ..runners.models import ModelRef
from . import corpus as corpus_cli
from . import facts as facts_cli
from . import train as training_cli
from .help import HelpFormatter, examples


def _add_annotate(sub) -> None:
    p = sub.add_parser(
        "annotate",
        help="annotate documents with entities, relations and triples",
        description=(
            "Annotate Korean economic news. INPUT: .txt (one document a file), .jsonl/.jsonl.gz "
            "(one JSON object a line), .json (the same, or an array of objects), .csv, .parquet, a "
            "directory of these, or - for stdin (JSONL, or one text a line). Writes SCHEMA.md's JSON, "
            "one document a line, in input order; records that cannot be annotated go to "
            "OUTPUT.errors.jsonl (source, line, id, reason; the file appears only when there is one) "
            "and the run goes on."
        ),
        epilog=examples(
            "python -m pipeline annotate examples/news.jsonl -o annotated.jsonl",
            "# files and directories of any of these formats; the text and the id in other fields",
            "python -m pipeline annotate news/ more.jsonl.gz -o annotated.jsonl --text-field body --id-field doc_id",
            "# all cores; if the run is killed, the same command with --resume continues where it stopped",
            "python -m pipeline annotate corpus.jsonl -o annotated.jsonl --n-process 0",
            "python -m pipeline annotate corpus.jsonl -o annotated.jsonl --n-process 0 --resume",
            "# Parquet (a directory of part files), only the triples scored 0.6 or more",
            "python -m pipeline annotate corpus.jsonl -o annotated.parquet --min-score 0.6",
            "# standard input (JSONL, or one text a line) to standard output",
            "cat texts.txt | python -m pipeline annotate - -o -",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories or - (stdin) to annotate")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="output file (JSONL), directory (parquet, or --engine dask), or - for stdout",
    )
    p.add_argument(
        "-m", "--model", default=None, help="pipeline directory or name (default: the shipped model); 'blank' for tokenisation only"
    )
    p.add_argument("--text-field", default="text", help="field/column that holds the text (default: text)")
    p.add_argument("--id-field", default="id", help="field/column that holds the id (default: id; else FILE:LINE)")
    p.add_argument(
        "--format",
        choices=("jsonl", "parquet"),
        default=None,
        help="output format (default: parquet when OUTPUT ends in .parquet, else jsonl)",
    )
    p.add_argument("--n-process", type=int, default=1, help="worker processes (default: 1; 0 = one per core)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"documents per batch (default: {DEFAULT_BATCH_SIZE}; at most {BATCH_CHARS:,} characters)",
    )
    p.add_argument("--max-chars", type=int, default=MAX_CHARS, help="longest document accepted (default: %(default)s)")
    p.add_argument("--part-rows", type=int, default=10_000, help="rows per Parquet part file (default: %(default)s)")
    p.add_argument(
        "--min-score",
        type=float,
        default=None,
        help="keep only triples scored at least this (0-1): higher trades recall for precision (see the model card's curve)",
    )
    p.add_argument("--resume", action="store_true", help="continue a run that was interrupted, appending to OUTPUT")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if any record failed")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    d = p.add_argument_group("distributed (dask)")
    d.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local processes, or a Dask cluster (OUTPUT is then a directory of shards and manifest.json)",
    )
    d.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster of --n-process workers)",
    )
    d.add_argument("--shard-size", type=int, default=10_000, help="records per shard (default: %(default)s)")
    p.set_defaults(func=cmd_annotate)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that the run closes its files on the way out.

    A ``BaseException``, like ``KeyboardInterrupt``: the runner's per-text error handling
    catches ``Exception`` to turn a text the pipeline fails on into an error record, and
    must not take a signal for such a text and go on.
    """


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def cmd_annotate(args) -> int:
    from concurrent.futures import BrokenExecutor

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_terminated)

    from ..io.runstate import RunStateError, check_output_paths
    from ..runners import batch

    fmt = args.format or ("parquet" if args.output.rstrip("/").lower().endswith(".parquet") else "jsonl")
    try:
        inputs = readers.expand(args.inputs)
        check_output_paths(args.output, inputs, args.inputs)
    except (readers.InputError, RunStateError) as exc:
        return _fail(str(exc))
    if args.output == "-" and (args.resume or fmt == "parquet" or args.engine == "dask"):
        return _fail("--resume, --format parquet and --engine dask need an output path, not stdout")
    if args.scheduler and args.engine != "dask":
        return _fail("--scheduler needs --engine dask")
    if args.engine == "dask" and "-" in inputs:
        return _fail("--engine dask reads files, not stdin")
    n_process = args.n_process or os.cpu_count() or 1
    try:
        model = ModelRef.of(args.model, args.min_score)  # checks that it is there
        if args.engine == "local" and n_process == 1:
            model.load()  # here, so that a model that cannot load fails before the run; workers load their own
    except (FileNotFoundError, OSError) as exc:
        return _fail(str(exc))
    try:
        if args.engine == "dask":
            from ..runners import distributed

            manifest = distributed.annotate(
                inputs,
                args.output,
                scheduler=args.scheduler,
                n_workers=n_process,
                model=model,
                fmt=fmt,
                text_field=args.text_field,
                id_field=args.id_field,
                batch_size=args.batch_size,
                shard_size=args.shard_size,
                max_chars=args.max_chars,
                resume=args.resume,
                progress=not args.quiet,
            )
            summary = distributed.summary_of(manifest)
        else:
            summary = batch.run(
                model,
                inputs,
                args.output,
                fmt=fmt,
                text_field=args.text_field,
                id_field=args.id_field,
                n_process=n_process,
                batch_size=args.batch_size,
                resume=args.resume,
                progress=not args.quiet,
                max_chars=args.max_chars,
                part_rows=args.part_rows,
                min_score=args.min_score,
            )
    except batch.ResumeError as exc:
        return _fail(f"cannot resume: {exc}")
    except RunStateError as exc:
        return _fail(str(exc))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            print(
                f"error: the disk is full ({exc.filename or args.output}); what was written is kept: "
                "free some space and rerun with --resume",
                file=sys.stderr,
            )
            return 1
        raise
    except BrokenExecutor as exc:
        print(f"error: a worker process died ({exc}); what was written is kept: rerun with --resume", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: what was written is kept; rerun with --resume to continue", file=sys.stderr)
        return 130
    except Terminated:
        print("terminated: what was written is kept; rerun with --resume to continue", file=sys.stderr)
        return 143
    if not args.quiet:
        print(summary.line(), file=sys.stderr)
        for example in summary.error_examples[:3]:
            print(f"  error: {json.dumps(example, ensure_ascii=False)}", file=sys.stderr)
    return 1 if args.strict and summary.errors else 0


def _add_info(sub) -> None:
    p = sub.add_parser(
        "info",
        help="show a model: name, version, licence, components, labels and its measured scores",
        description="Show what a pipeline is: name, version, licence, components and their labels, and the scores "
        "recorded in its meta.json.",
        epilog=examples(
            "python -m pipeline info                      # the shipped default model",
            "python -m pipeline info models/econ-roberta  # a pipeline you trained",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", nargs="?", default=None, help="pipeline directory or name (default: the shipped model)")
    p.set_defaults(func=cmd_info)


def cmd_info(args) -> int:

    try:
        nlp = ModelRef.of(args.model).load()
    except (FileNotFoundError, OSError) as exc:
        return _fail(str(exc))
    meta = nlp.meta
    print(f"{meta.get('lang')}_{meta.get('name')} {meta.get('version')}  (licence: {meta.get('license') or 'not stated'})")
    if meta.get("description"):
        print(meta["description"])
    if getattr(nlp, "path", None):  # the installed model package or a directory (a checkout's models/)
        print(f"loaded from: {nlp.path}")
    for source in meta.get("sources") or []:
        print(f"source: {source.get('name')}  ({source.get('license') or 'licence not stated'})")
    print("components:")
    for name in nlp.pipe_names:
        labels = getattr(nlp.get_pipe(name), "labels", None)
        print(f"  {name:<20} {', '.join(labels) if labels else ''}")
    perf = meta.get("performance") or {}
    if perf:
        print("measured scores:")
        for key, value in perf.items():
            shown = (
                ", ".join(f"{k} {round(v, 4) if isinstance(v, float) else v}" for k, v in value.items())
                if isinstance(value, dict)
                else value
            )
            print(f"  {key:<24} {shown}")
    return 0


def _add_table(sub) -> None:
    p = sub.add_parser(
        "table",
        help="write the triples of annotated documents as a CSV table (a row per fact)",
        description="A row per triple of annotate's output: document, company, program, outcome, agency, canonical names, "
        "the outcome's parsed value, score, offsets and evidence. UTF-8 with BOM (Excel opens Korean correctly).",
        epilog=examples(
            "python -m pipeline table annotated.jsonl -o facts.csv",
            "python -m pipeline table annotated.parquet -o facts.csv   # Parquet output directories too",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("annotated", nargs="+", help="annotate's output: JSONL files or Parquet output directories")
    p.add_argument("-o", "--output", required=True, help="CSV file to write")
    p.set_defaults(func=cmd_table)


def cmd_table(args) -> int:
    from ..facts.table import read_annotated, write_csv

    try:
        n = write_csv(read_annotated(args.annotated), args.output)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    print(f"{n} facts written to {args.output}", file=sys.stderr)
    return 0


def _add_schema(sub) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of annotate's output records",
        description="The JSON Schema (draft 2020-12) that every record annotate writes satisfies, derived from the "
        "record's Arrow schema and typed records (docs/annotation.schema.json is its output; docs/schema.md explains it).",
        epilog=examples("python -m pipeline schema -o annotation.schema.json"),
        formatter_class=HelpFormatter,
    )
    p.add_argument("-o", "--output", default="-", help="file to write (default: - for stdout)")
    p.set_defaults(func=cmd_schema)


def cmd_schema(args) -> int:
    from ..core.json_schema import dumps_schema  # pyarrow only when asked for

    text = dumps_schema()
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("econ-facts")
    except PackageNotFoundError:
        return "0.1.0 (source checkout)"


class _LazyVersion(argparse._VersionAction):
    """``--version``, looked up only when asked: importlib.metadata costs a noticeable
    part of a --help otherwise."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"econ-facts {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Company–program–outcome facts from Korean economic news (Kiwi + spaCy).",
        epilog=examples(
            "python -m pipeline annotate examples/news.jsonl -o annotated.jsonl   # the main job",
            "python -m pipeline table annotated.jsonl -o facts.csv               # a row per fact, for spreadsheets",
            "python -m pipeline info                                             # the shipped model and its scores",
            "python -m pipeline COMMAND --help                                   # each command's options and examples",
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=_LazyVersion, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_annotate(sub)
    _add_table(sub)
    facts_cli.add_commands(sub)
    _add_info(sub)
    _add_schema(sub)
    corpus_cli.add_commands(sub)
    training_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
