"""Batch annotation: inputs → pipeline → writers, streamed, in order, resumable.

Every input record leaves exactly one line: an annotated record in OUTPUT or an
error record in ``OUTPUT.errors.jsonl`` (``{source, line, id, reason}``), both in
input order. So the two files of a killed run together hold the first N input
records, and ``--resume`` skips exactly those N and appends the rest:

* JSONL: N is the number of complete lines in both files (a partial last line, cut
  off by SIGKILL mid-write, is removed and redone). Before an error line is
  written the output is flushed, so the two files never get ahead of each other.
* Parquet: every committed part file stores N and the error file's length at the
  time (see :mod:`pipeline.io.writers`); later error lines are cut off and redone.

Memory stays flat: records are read lazily, grouped into batches of at most
``batch_size`` documents and :data:`BATCH_CHARS` characters, and at most two
batches per worker process are in flight. A long document is annotated in segments
whose records are merged back, as by every entry point (:mod:`pipeline.core.segments`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..core.limits import DEFAULT_BATCH_SIZE
from ..io import readers
from ..io.records import MAX_CHARS, Record
from ..io.runstate import OutputLock, RunManifest, RunStateError, check_output_paths, check_resume
from ..io.writers import DamagedOutputError, ErrorsWriter, JsonlWriter, ParquetWriter, StdoutWriter, complete_lines, parquet_resume_state
from .annotate import batches
from .models import ModelLike, ModelRef
from .sink import Sink, Summary
from .workers import annotate_batches


class ResumeError(RunStateError):
    """The output of the interrupted run does not continue these inputs."""


def errors_path(output: str | Path) -> Path:
    return Path(f"{output}.errors.jsonl")


# -- the run ----------------------------------------------------------------------------------


def iter_records(inputs: list[str], *, text_field: str = "text", id_field: str = "id", max_chars: int = MAX_CHARS) -> Iterator[Record]:
    for name in inputs:
        yield from readers.read(name, text_field=text_field, id_field=id_field, max_chars=max_chars)


def _position(rec) -> tuple | None:
    if not isinstance(rec, dict):
        return None
    src = rec.get("source")
    if isinstance(src, dict):  # an output record
        return (src.get("file"), src.get("line"))
    return (src, rec.get("line"))  # an error record


def _resume_state(output: Path, fmt: str) -> tuple[int, set]:
    """(input records the interrupted run finished, positions one of which the last of them must have)."""
    err = errors_path(output)
    if fmt == "parquet":
        if not output.exists():
            return 0, set()
        consumed, err_bytes = parquet_resume_state(output)
        if err.exists() and err.stat().st_size > err_bytes:
            os.truncate(err, err_bytes)
        elif err_bytes and (not err.exists() or err.stat().st_size < err_bytes):
            raise ResumeError(f"{err} is shorter than when the last part of {output} was written")
        _, last_err = complete_lines(err, truncate=True)
        last = {_position(last_err)}
        parts = sorted(output.glob("part-*.parquet"))
        if parts:
            import pyarrow.parquet as pq

            sources = pq.read_table(parts[-1], columns=["source"]).column("source").to_pylist()
            if sources:
                last.add((sources[-1]["file"], sources[-1]["line"]))
        return consumed, last - {None}
    n_out, last_out = complete_lines(output, truncate=True)
    n_err, last_err = complete_lines(err, truncate=True)
    return n_out + n_err, {_position(last_out), _position(last_err)} - {None}


def _skip(records: Iterator[Record], n: int, last: set, output: Path) -> Iterator[Record]:
    """Drop the first ``n`` records, checking that the n-th is where the interrupted run stopped."""
    if n <= 0:
        return records
    rec, seen = None, 0
    while seen < n:
        rec = next(records, None)
        if rec is None:
            raise ResumeError(f"{output} holds {n} records but the inputs only {seen}: not the same inputs?")
        seen += 1
    if last and (rec.source, rec.line) not in last:
        raise ResumeError(
            f"{output} does not continue these inputs: its last record is from {sorted(last, key=str)}, "
            f"but input record {n} is {rec.source}:{rec.line}"
        )
    return records


def run(
    model: ModelLike,
    inputs: list[str],
    output: str,
    *,
    fmt: str = "jsonl",
    text_field: str = "text",
    id_field: str = "id",
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume: bool = False,
    progress: bool = True,
    max_chars: int = MAX_CHARS,
    part_rows: int = 10_000,
    min_score: float | None = None,
) -> Summary:
    """Annotate every record of ``inputs`` into ``output`` (``-`` for stdout).

    ``model``: a :class:`~pipeline.runners.models.ModelRef`, or what :meth:`ModelRef.of
    <pipeline.runners.models.ModelRef.of>` takes: a loaded pipeline, or a name (better with
    ``n_process`` > 1: each worker loads it itself). ``min_score`` overrides the model's
    triple threshold. ``fmt``: ``jsonl`` or
    ``parquet`` (``output`` is then a directory). ``n_process``: worker processes
    (0: one per core). Raises :class:`~pipeline.io.runstate.RunStateError` when the
    output is an input or another run holds it, and :class:`ResumeError` when
    ``resume`` finds an output that does not continue these inputs (see
    :mod:`pipeline.io.runstate`).
    """
    model = ModelRef.of(model, min_score)
    named, inputs = list(inputs), readers.expand(inputs)
    settings = {
        "fmt": fmt,
        "n_process": n_process or os.cpu_count() or 1,
        "batch_size": batch_size,
        "progress": progress,
        "resume": resume,
        "part_rows": part_rows,
        "read_opts": {"text_field": text_field, "id_field": id_field, "max_chars": max_chars},
    }
    if output == "-":
        if fmt != "jsonl":
            raise ValueError("only JSONL can go to standard output")
        return _run(model, inputs, None, **settings)
    out_path = Path(output)
    check_output_paths(out_path, inputs, named)
    if fmt == "jsonl" and out_path.is_dir():
        raise RunStateError(f"{output} is a directory: JSONL output is a file (Parquet output is a directory)")
    if fmt == "parquet" and out_path.exists() and not out_path.is_dir():
        raise RunStateError(f"{output} is a file: Parquet output is a directory of part files")
    with OutputLock(out_path):
        manifest = RunManifest.for_run(inputs, model.identity(), {"format": fmt, "min_score": model.min_score, **settings["read_opts"]})
        if resume:
            if "-" in inputs:
                raise ResumeError("standard input cannot be resumed: its records cannot be read again")
            check_resume(out_path, manifest)
        manifest.write(out_path)
        return _run(model, inputs, out_path, **settings)


def _run(
    model: ModelRef, inputs: list[str], out_path: Path | None, *, fmt, n_process, batch_size, progress, resume, part_rows, read_opts
) -> Summary:
    """The run proper, with the output (None: stdout) locked and its manifest written."""
    summary = Summary()
    start = time.perf_counter()
    skip, last = (0, set())
    if resume and out_path is not None:
        try:
            skip, last = _resume_state(out_path, fmt)
        except DamagedOutputError as exc:
            raise ResumeError(str(exc)) from None
    if out_path is None:
        writer = StdoutWriter()
    elif fmt == "parquet":
        writer = ParquetWriter(out_path, resume=resume, rows_per_part=part_rows)
    else:
        writer = JsonlWriter(out_path, resume=resume)
    err_writer = None if out_path is None else ErrorsWriter(errors_path(out_path), resume=resume)
    sink = Sink(writer, err_writer, summary, consumed=skip)
    bar = None
    try:
        records = _skip(iter_records(inputs, **read_opts), skip, last, out_path)
        summary.skipped = skip
        bar = _progress_bar(inputs, skip, enabled=progress)
        for results in annotate_batches(model, batches(records, batch_size), n_process=n_process):
            sink.add(results)
            if bar is not None:
                bar.update(len(results))
                bar.set_postfix_str(f"{summary.sentences / max(1e-9, time.perf_counter() - start):.1f} sentences/s", refresh=False)
    finally:
        sink.close()
        if bar is not None:
            bar.close()
    summary.elapsed = time.perf_counter() - start
    return summary


def _total(inputs: list[str]) -> int | None:
    total = 0
    for name in inputs:
        n = readers.count_records(name)
        if n is None:
            return None
        total += n
    return total


def _progress_bar(inputs: list[str], initial: int, *, enabled: bool):
    """A tqdm bar on stderr (docs/s, sentences/s, ETA when the total is known); None when quiet or not a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=_total(inputs), initial=initial, unit="doc", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
