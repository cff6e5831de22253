"""``python -m pipeline facts``: merge annotated articles into a fact store."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .help import HelpFormatter, examples

EXAMPLES = examples(
    "# annotated.jsonl: the output of python -m pipeline annotate",
    "python -m pipeline facts annotated.jsonl -o facts.duckdb",
    "# a later run adds only the articles not yet in the store",
    "python -m pipeline facts more-annotated.jsonl -o facts.duckdb",
    "python -m pipeline facts dask-out/ -o facts.duckdb --format parquet --format csv",
    "python -m pipeline facts dask-out/ -o facts.duckdb --engine dask --scheduler tcp://host:8786",
    '# then: duckdb facts.duckdb "SELECT company, program, outcome, n_groups, score FROM facts LIMIT 10"',
)


def add_commands(sub) -> None:
    p = sub.add_parser(
        "facts",
        help="merge the triples of annotated articles into a fact store (DuckDB), reprints grouped",
        description=(
            "Merge annotate's output into facts: one row per fact with every article that reports it, reprints "
            "of one release grouped (MinHash) and counted once in the fact's support and score. The store is a "
            "DuckDB file with tables facts, mentions, articles and reprint_groups; a later run adds new "
            "articles to it and skips those already there."
        ),
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "annotated", nargs="+", help="annotate's output: JSONL files, Parquet output directories or a distributed run's output directory"
    )
    p.add_argument("-o", "--output", required=True, metavar="STORE", help="DuckDB file of the store (created if absent, else added to)")
    p.add_argument(
        "--format",
        action="append",
        choices=("duckdb", "parquet", "csv"),
        default=[],
        help="also write STORE.parquet/ (every table as Parquet) or STORE.facts.csv (the facts, UTF-8 with BOM); repeatable",
    )
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="dask: prepare the shards of one distributed run's output directory on a Dask cluster (default: local)",
    )
    p.add_argument("--scheduler", default=None, help="with --engine dask: scheduler address (default: a local cluster)")
    p.add_argument("--n-workers", type=int, default=None, help="with --engine dask and no scheduler: workers (default: one per core)")
    p.add_argument(
        "--n-process", type=int, default=0, help="processes that prepare articles (default: 0 = one per core; 1 = this process only)"
    )
    p.add_argument("--chunk-size", type=int, default=2000, help="articles read and stored at a time (default: 2000)")
    p.set_defaults(func=cmd_facts)


def cmd_facts(args) -> int:
    from ..facts import FactStore
    from ..facts import distributed as dist

    store_path = Path(args.output)
    for path in args.annotated:
        if Path(path).resolve() == store_path.resolve():
            print(f"error: {path} is the store itself", file=sys.stderr)
            return 2
    if args.engine == "dask" and (len(args.annotated) != 1 or not (Path(args.annotated[0]) / "manifest.json").is_file()):
        print("error: --engine dask takes one distributed run's output directory (with manifest.json)", file=sys.stderr)
        return 2
    if args.engine != "dask" and (args.scheduler or args.n_workers):
        print("error: --scheduler and --n-workers need --engine dask", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        if args.engine == "dask":
            store = dist.build(args.annotated[0], store_path, scheduler=args.scheduler, n_workers=args.n_workers)
        else:
            store = FactStore(store_path)
            n_process = args.n_process or os.cpu_count() or 1
            store.add_files(args.annotated, chunk_size=args.chunk_size, n_process=n_process)
        with store:
            report = store.report
            written = [str(store_path)]
            if "parquet" in args.format:
                written.append(str(store.export_parquet(store_path.with_name(store_path.name + ".parquet"))[0].parent) + "/")
            if "csv" in args.format:
                written.append(str(store.export_csv(store_path.with_name(store_path.name + ".facts.csv"))))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - t0
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    print(
        f"{report.added} articles added ({report.skipped} already in the store, {len(report.errors)} errors), "
        f"{report.mentions} triples; the store holds {report.facts} facts, {report.groups} reprint groups "
        f"of {report.reprinted} articles; {seconds:.1f}s ({report.added / max(seconds, 1e-9):.0f} articles/s) → " + ", ".join(written),
        file=sys.stderr,
    )
    return 1 if report.errors else 0
