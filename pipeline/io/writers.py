"""Writers: annotated records out to JSONL or Parquet, both resumable after a kill.

JSONL: one record a line, appended; a run killed at any moment (SIGKILL included)
leaves complete lines followed by at most one partial line, which
:func:`complete_lines` cuts off before a resumed run appends again.

Parquet: OUTPUT is a directory of ``part-NNNNN.parquet`` files. A part is written
to a temporary name and renamed into place only once complete, and its metadata
says how many input records the run had consumed when it was committed and how
long the error file was then (:func:`parquet_resume_state`), so a resumed run knows
exactly where to start again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..core.arrow import annotation_columns, parquet_schema

#: Line separators that JSON leaves unescaped but ``str.splitlines`` splits on.
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})

PART_META_KEY = b"econ_facts"


def dumps(record: dict) -> str:
    """One record as one JSON line (no newline): UTF-8 text, every line break escaped."""
    line = json.dumps(record, ensure_ascii=False)
    if not line.isascii():
        line = line.translate(_LINE_BREAKS)
    return line


class DamagedOutputError(ValueError):
    """A line before the last of an output file does not parse: the file was altered."""


def complete_lines(path: str | Path, *, truncate: bool = False) -> tuple[int, dict | None]:
    """(number of complete JSON lines, the last of them parsed) in a file a killed run wrote.

    A partial last line (no newline, or one that does not parse) does not count;
    with ``truncate`` it is cut off, so that appending continues on a clean line.
    Every earlier line must parse: a kill can only damage the end of the file, so a
    damaged line before it means the file was altered, and
    :class:`DamagedOutputError` names it.
    """
    path = Path(path)
    if not path.exists():
        return 0, None
    count, end, last, bad = 0, 0, None, None  # complete lines, offset after them, the last parsed, first damaged
    with open(path, "rb") as f:
        for raw in iter(f.readline, b""):
            if not raw.endswith(b"\n"):
                break  # a partial last line: redone
            try:
                parsed = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                if bad is None:
                    bad = count + 1
                parsed = None
            else:
                if bad is not None:
                    raise DamagedOutputError(
                        f"{path}: line {bad} is damaged (not a JSON record) but later lines are intact: "
                        "the file was altered after it was written; rerun without --resume"
                    )
            count += 1
            end += len(raw)
            last = parsed
            if bad is None:
                good_count, good_end, good_last = count, end, last
    if bad is not None:  # damaged lines at the very end: a kill mid-write, redone
        count, end, last = (good_count, good_end, good_last) if bad > 1 else (0, 0, None)
    size = path.stat().st_size
    if truncate and end != size:
        os.truncate(path, end)
    return count, last


class _LineWriter:
    """Writes serialised records one a line to ``self._f``."""

    _f: TextIO

    def write(self, record: dict) -> None:
        self._f.write(dumps(record) + "\n")

    def write_line(self, line: str) -> None:
        """Write one record already serialised with :func:`dumps`."""
        self._f.write(line + "\n")


class JsonlWriter(_LineWriter):
    """Appends JSON lines; with ``resume`` it first cuts a partial last line off."""

    def __init__(self, path: str | Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.path.exists():
            complete_lines(self.path, truncate=True)
            self._f = open(self.path, "a", encoding="utf-8", newline="\n")
        else:
            self._f = open(self.path, "w", encoding="utf-8", newline="\n")

    def flush(self, *, sync: bool = False) -> None:
        """Hand the lines to the OS (enough to survive SIGKILL); ``sync`` also waits for the disk."""
        self._f.flush()
        if sync:
            os.fsync(self._f.fileno())

    def tell(self) -> int:
        self._f.flush()
        return self._f.buffer.tell()

    def close(self) -> None:
        if not self._f.closed:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()


class ErrorsWriter(JsonlWriter):
    """The error file of a run (``OUTPUT.errors.jsonl``): it exists only once there is an error.

    A run without errors leaves no empty file beside its output. A fresh run removes the
    file an earlier run left (opening it for writing used to empty it; an absent file is
    the empty file now); a resumed run keeps and continues it. Readers of a run's state
    take an absent error file as one with no lines (:func:`complete_lines` does).
    """

    def __init__(self, path: str | Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        self._resume = resume
        self._f = None
        if self.path.exists() and resume:
            super().__init__(self.path, resume=True)  # continue it: its length is part of the resume state
        elif self.path.exists():
            self.path.unlink()

    def _open(self) -> None:
        if self._f is None:
            super().__init__(self.path, resume=self._resume)

    def write(self, record: dict) -> None:
        self._open()
        super().write(record)

    def write_line(self, line: str) -> None:
        self._open()
        super().write_line(line)

    def flush(self, *, sync: bool = False) -> None:
        if self._f is not None:
            super().flush(sync=sync)

    def tell(self) -> int:
        return 0 if self._f is None else super().tell()

    def close(self) -> None:
        if self._f is not None:
            super().close()


class StdoutWriter(_LineWriter):
    """JSONL to standard output (``-o -``)."""

    def __init__(self) -> None:
        import sys

        self._f = sys.stdout

    def flush(self, *, sync: bool = False) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.flush()


# -- Parquet ---------------------------------------------------------------------------


def parquet_row(record: dict, line: str | None = None) -> dict:
    row = {"id": record.get("id"), "text": record.get("text")}
    row.update(annotation_columns(record))
    source = record.get("source")
    row["source"] = {"file": source.get("file"), "line": source.get("line")} if isinstance(source, dict) else None
    row["record"] = line if line is not None else dumps(record)
    return row


class ParquetWriter:
    """Parquet output in part files, each committed atomically with its resume point.

    OUTPUT is a directory of ``part-NNNNN.parquet`` files: readable as one table by
    ``pandas.read_parquet(OUTPUT)`` and ``datasets.load_dataset("parquet",
    data_files=f"{OUTPUT}/*.parquet")``. Each row keeps the schema fields as columns
    and the whole JSON record (all added fields included) in ``record``. A part is
    committed when it holds ``rows_per_part`` rows or ``bytes_per_part`` bytes of
    JSON, so memory stays bounded however long the documents.
    """

    def __init__(
        self, path: str | Path, *, resume: bool = False, rows_per_part: int = 10_000, bytes_per_part: int = 64 * 1024 * 1024
    ) -> None:
        self.path = Path(path)
        self.rows_per_part = max(1, rows_per_part)
        self.bytes_per_part = bytes_per_part
        if self.path.exists() and not self.path.is_dir():
            raise FileExistsError(f"{self.path} is a file: Parquet output is a directory of part files")
        if self.path.exists() and not resume:
            for old in self.path.glob("part-*.parquet"):
                old.unlink()
        self.path.mkdir(parents=True, exist_ok=True)
        for tmp in self.path.glob("*.tmp"):
            tmp.unlink()
        self._rows: list[dict] = []
        self._bytes = 0
        self._part = len(list(self.path.glob("part-*.parquet")))

    def write_line(self, line: str, record: dict | None = None) -> None:
        self._rows.append(parquet_row(record if record is not None else json.loads(line), line))
        self._bytes += len(line)

    def write(self, record: dict) -> None:
        self.write_line(dumps(record), record)

    @property
    def full(self) -> bool:
        return len(self._rows) >= self.rows_per_part or self._bytes >= self.bytes_per_part

    @property
    def parts(self) -> int:
        """Part files committed so far (those of an interrupted run included)."""
        return self._part

    @property
    def pending(self) -> int:
        return len(self._rows)

    def commit(self, *, records_through: int, errors_bytes: int, force: bool = False) -> None:
        """Write the buffered rows as the next part, recording the resume point with it."""
        if not self._rows and not force:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = {"records_through": records_through, "errors_bytes": errors_bytes, "rows": len(self._rows)}
        schema = parquet_schema().with_metadata({PART_META_KEY: json.dumps(meta).encode()})
        table = pa.Table.from_pylist(self._rows, schema=schema)
        final = self.path / f"part-{self._part:05d}.parquet"
        tmp = self.path / f"part-{self._part:05d}.parquet.tmp"
        pq.write_table(table, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
        self._part += 1
        self._rows, self._bytes = [], 0

    def flush(self, *, sync: bool = False) -> None:
        """Rows reach the disk in whole parts (:meth:`commit`); a partial part is redone on resume."""

    def close(self, *, records_through: int | None = None, errors_bytes: int = 0) -> None:
        """Commit what is left; an output with no part at all gets an empty one (a readable table)."""
        if records_through is not None and (self._rows or self._part == 0):
            self.commit(records_through=records_through, errors_bytes=errors_bytes, force=True)


def parquet_resume_state(path: str | Path) -> tuple[int, int | None]:
    """(input records consumed, error-file length) at the last committed part; (0, 0) with none."""
    import pyarrow.parquet as pq

    parts = sorted(Path(path).glob("part-*.parquet"))
    if not parts:
        return 0, 0
    meta = pq.read_schema(parts[-1]).metadata or {}
    if PART_META_KEY not in meta:
        raise ValueError(f"{parts[-1]}: not written by this version (no resume point); rerun without --resume")
    state = json.loads(meta[PART_META_KEY])
    return int(state["records_through"]), int(state["errors_bytes"])


def read_parquet_records(path: str | Path) -> Iterator[dict]:
    """The records of a Parquet output, in order (from the ``record`` column)."""
    import pyarrow.parquet as pq

    for part in sorted(Path(path).glob("part-*.parquet")):
        for line in pq.read_table(part, columns=["record"]).column("record").to_pylist():
            yield json.loads(line)


class ParquetFileWriter:
    """One Parquet file, written in row groups as records come (a distributed shard's output).

    It is written under the name given; the caller renames it into place when done.
    """

    def __init__(self, path: str | Path, *, rows_per_group: int = 2_000, bytes_per_group: int = 32 * 1024 * 1024) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows_per_group = rows_per_group
        self.bytes_per_group = bytes_per_group
        self._schema = parquet_schema()
        self._pq = pq.ParquetWriter(self.path, self._schema)
        self._rows: list[dict] = []
        self._bytes = 0

    def write_line(self, line: str, record: dict | None = None) -> None:
        self._rows.append(parquet_row(record if record is not None else json.loads(line), line))
        self._bytes += len(line)
        if len(self._rows) >= self.rows_per_group or self._bytes >= self.bytes_per_group:
            self._write_group()

    def write(self, record: dict) -> None:
        self.write_line(dumps(record), record)

    def _write_group(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._pq.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
        self._rows, self._bytes = [], 0

    def flush(self, *, sync: bool = False) -> None:
        """Rows are written in whole row groups."""

    def close(self) -> None:
        self._write_group()
        self._pq.close()
