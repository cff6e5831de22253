"""Input records for batch annotation: files, directories and stdin, streamed.

Every record that goes in comes out: as an :class:`Item` to annotate, or as a
:class:`Failure` that names the file, the 1-based line (or row) and the reason.
Nothing is dropped silently (blank lines are not records), and the stream never
holds more than one record of a file in memory beyond what the format forces (a
Parquet record batch, a JSON array file).

Formats (by suffix):

* ``.txt`` — one document a file; its id is the file's stem.
* ``.jsonl``, ``.jsonl.gz`` — one JSON object a line; ``.json`` — the same, or one
  JSON array of objects (read whole).
* ``.csv`` — a header row, then one document a row (quoted fields may span lines;
  the line given is the row's last physical line).
* ``.parquet`` — one document a row; the line given is the 1-based row number.
* ``-`` — standard input: JSONL when the first line looks like a JSON object, else
  one text a line.

A record without an id gets ``FILE:LINE`` (the input as named, e.g. ``data/a.jsonl:17``).
A whole file that cannot be read (a corrupt Parquet or gzip file) yields one
:class:`Failure` at line 0 — or at the line where reading broke off.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from .formats import _read_csv, _read_gzip, _read_json_array, _read_lines, _read_parquet, _read_txt, _starts_with
from .records import MAX_CHARS, Failure, Record

SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".json", ".csv", ".parquet")


class InputError(ValueError):
    """An input that cannot be read at all (missing file, unknown format)."""


def kind_of(path: str | Path) -> str:
    """The input format of a file, by suffix (``.jsonl.gz``, ``.jsonl``, …)."""
    name = Path(path).name.lower()
    for suffix in (".jsonl.gz", ".jsonl", ".json", ".txt", ".csv", ".parquet"):
        if name.endswith(suffix):
            return suffix
    raise InputError(f"{path}: unknown input format (expected one of {', '.join(SUFFIXES)})")


_kind = kind_of  # the older private name


def expand(inputs: list[str]) -> list[str]:
    """Files named directly, and the readable files inside named directories (sorted)."""
    out: list[str] = []
    for name in inputs:
        if name == "-":
            out.append(name)
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_input(p) and not _is_hidden(p, path))
            if not found:
                raise InputError(f"{path}: directory holds no {', '.join(SUFFIXES)} files")
            out.extend(str(p) for p in found)
        elif not path.exists():
            raise InputError(f"{path}: no such file")
        else:
            kind_of(path)
            out.append(name)
    return out


def _is_input(path: Path) -> bool:
    try:
        kind_of(path)
        return True
    except InputError:
        return False


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read(
    name: str,
    *,
    text_field: str = "text",
    id_field: str = "id",
    max_chars: int = MAX_CHARS,
    source: str | None = None,
    byte_range: tuple[int, int | None] | None = None,
    first_line: int = 1,
    row_groups: list[int] | None = None,
) -> Iterator[Record]:
    """Yield the records of one input (a file path, or ``-`` for stdin).

    ``source`` is the name recorded in ids and error lines (default: ``name``).
    A shard of a file reads only part of it: ``byte_range`` (start at a line start,
    end exclusive, ``None`` for the end) with ``first_line`` the number of its first
    line, for JSONL; ``row_groups`` for Parquet.
    """
    source = source or ("<stdin>" if name == "-" else name)
    opts = {"text_field": text_field, "id_field": id_field, "max_chars": max_chars}
    if name == "-":
        yield from _read_lines(source, sys.stdin.buffer, as_jsonl=None, **opts)
        return
    path = Path(name)
    kind = kind_of(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            yield Failure(source, 0, None, "not a regular file (a FIFO, device or socket): not read")
            return
        with open(path, "rb") as f:
            gzipped = f.read(2) == b"\x1f\x8b"
    except OSError as exc:
        yield Failure(source, 0, None, f"cannot read the file: {exc.strerror or exc}")
        return
    try:
        yield from _read_file(source, path, kind, gzipped, opts, byte_range, first_line, row_groups)
    except OSError as exc:  # the file became unreadable while it was read
        yield Failure(source, 0, None, f"reading the file failed, the rest of it is not read: {exc.strerror or exc}")


def _read_file(source, path, kind, gzipped, opts, byte_range, first_line, row_groups) -> Iterator[Record]:
    max_chars = opts["max_chars"]
    if kind == ".txt":
        yield from _read_txt(source, path, max_chars)
    elif kind == ".jsonl.gz" or (gzipped and kind in (".jsonl", ".json") and byte_range is None):
        yield from _read_gzip(source, path, **opts)  # gzip content under a .jsonl name is read as what it is
    elif kind in (".jsonl", ".json"):
        with open(path, "rb") as f:
            if kind == ".json" and byte_range is None and _starts_with(f, b"["):
                yield from _read_json_array(source, f, **opts)
                return
            start, end = byte_range or (0, None)
            f.seek(start)
            yield from _read_lines(source, f, as_jsonl=True, first_line=first_line, end=end, **opts)
    elif kind == ".csv":
        yield from _read_csv(source, path, **opts)
    elif kind == ".parquet":
        yield from _read_parquet(source, path, row_groups=row_groups, **opts)


def count_records(name: str) -> int | None:
    """How many records an input holds, when that is cheap to know (for progress)."""
    if name == "-":
        return None
    path = Path(name)
    kind = kind_of(path)
    if not path.is_file():
        return None
    if kind == ".txt":
        return 1
    if kind == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:
            return 1
    if kind in (".jsonl", ".json") and path.stat().st_size < 512 * 1024 * 1024:
        with open(path, "rb") as f:
            if kind == ".json" and _starts_with(f, b"["):
                return None
            return sum(1 for line in f if line.strip())
    return None


def line_offsets(path: str | Path, every: int) -> Iterator[tuple[int, int]]:
    """(byte offset, line number) of line 1 and of every ``every``-th line after it: shard bounds."""
    yield 0, 1
    lineno, pos = 1, 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(16 * 1024 * 1024)
            if not chunk:
                return
            start = 0
            while True:
                nl = chunk.find(b"\n", start)
                if nl < 0:
                    break
                lineno += 1
                if (lineno - 1) % every == 0:
                    yield pos + nl + 1, lineno
                start = nl + 1
            pos += len(chunk)
