"""Input records for batch annotation: files, directories and stdin, streamed.

Every record that goes in comes out: as an :class:`Item` to annotate, or as a
:class:`Failure` that names the file, the 1-based line (or row) and the reason.
Nothing is dropped silently, and the stream never holds more than one record of a
file in memory beyond what the file format forces (a Parquet row group).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".json", ".csv", ".parquet")
MAX_CHARS = 2_000_000


@dataclass
class Item:
    source: str
    line: int
    id: str
    text: str


@dataclass
class Failure:
    source: str
    line: int
    id: str | None
    reason: str

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "id": self.id, "reason": self.reason}


Record = Union[Item, Failure]


class InputError(ValueError):
    """An input that cannot be read at all (missing file, unknown format)."""


def _kind(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".jsonl.gz", ".jsonl", ".json", ".txt", ".csv", ".parquet"):
        if name.endswith(suffix):
            return suffix
    raise InputError(f"{path}: unknown input format (expected one of {', '.join(SUFFIXES)})")


def expand(inputs: list[str]) -> list[str]:
    """Files named directly, and the readable files inside named directories (sorted)."""
    out: list[str] = []
    for name in inputs:
        if name == "-":
            out.append(name)
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_input(p))
            if not found:
                raise InputError(f"{path}: directory holds no {', '.join(SUFFIXES)} files")
            out.extend(str(p) for p in found)
        elif not path.exists():
            raise InputError(f"{path}: no such file")
        else:
            _kind(path)
            out.append(name)
    return out


def _is_input(path: Path) -> bool:
    try:
        _kind(path)
        return True
    except InputError:
        return False


def _check_text(source: str, line: int, rid: str | None, text) -> Record:
    if rid is None or rid == "":
        rid = f"{Path(source).name}:{line}"
    if text is None:
        return Failure(source, line, rid, "missing text field")
    if not isinstance(text, str):
        return Failure(source, line, rid, f"text is {type(text).__name__}, not a string")
    if not text.strip():
        return Failure(source, line, rid, "empty text")
    if len(text) > MAX_CHARS:
        return Failure(source, line, rid, f"text has {len(text):,} characters, over the {MAX_CHARS:,} limit")
    return Item(source, line, str(rid), text)


def read(name: str, *, text_field: str = "text", id_field: str = "id") -> Iterator[Record]:
    """Yield the records of one input (a file path, or ``-`` for stdin)."""
    if name == "-":
        yield from _read_lines(
            "<stdin>", io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict"), text_field, id_field, as_jsonl=None
        )
        return
    path = Path(name)
    kind = _kind(path)
    if kind == ".txt":
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Failure(name, 1, path.stem, f"not UTF-8: {exc.reason} at byte {exc.start}")
            return
        yield _check_text(name, 1, path.stem, text.lstrip("\ufeff"))
    elif kind in (".jsonl", ".jsonl.gz", ".json"):
        opener = gzip.open if kind == ".jsonl.gz" else open
        with opener(path, "rb") as f:
            yield from _read_lines(name, f, text_field, id_field, as_jsonl=True)
    elif kind == ".csv":
        yield from _read_csv(name, path, text_field, id_field)
    elif kind == ".parquet":
        yield from _read_parquet(name, path, text_field, id_field)


def _read_lines(name: str, f, text_field: str, id_field: str, as_jsonl: bool | None) -> Iterator[Record]:
    """JSONL (or, for stdin, JSONL when lines look like JSON objects, else one text a line)."""
    for lineno, raw in enumerate(f, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Failure(name, lineno, None, f"not UTF-8: {exc.reason} at byte {exc.start}")
                continue
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            continue
        if as_jsonl is None:
            as_jsonl = line.lstrip().startswith("{")
        if not as_jsonl:
            yield _check_text(name, lineno, None, line)
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(name, lineno, None, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(rec, dict):
            yield Failure(name, lineno, None, f"JSON line is a {type(rec).__name__}, not an object")
            continue
        yield _check_text(name, lineno, _id_of(rec.get(id_field)), rec.get(text_field))


def _id_of(value) -> str | None:
    return None if value is None else str(value)


def _read_csv(name: str, path: Path, text_field: str, id_field: str) -> Iterator[Record]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or text_field not in reader.fieldnames:
                yield Failure(name, 1, None, f"no column {text_field!r} (columns: {reader.fieldnames})")
                return
            for row in reader:
                yield _check_text(name, reader.line_num, _id_of(row.get(id_field)), row.get(text_field))
    except UnicodeDecodeError as exc:
        yield Failure(name, 0, None, f"not UTF-8: {exc.reason}; rows after the last one read are lost")


def _read_parquet(name: str, path: Path, text_field: str, id_field: str) -> Iterator[Record]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    if text_field not in names:
        yield Failure(name, 1, None, f"no column {text_field!r} (columns: {names})")
        return
    columns = [text_field] + ([id_field] if id_field in names else [])
    row = 0
    for batch in pf.iter_batches(columns=columns, batch_size=1024):
        data = batch.to_pydict()
        ids = data.get(id_field) or [None] * batch.num_rows
        for text, rid in zip(data[text_field], ids):
            row += 1
            yield _check_text(name, row, _id_of(rid), text)


def count_records(name: str) -> int | None:
    """How many records an input holds, when that is cheap to know (for progress)."""
    if name == "-":
        return None
    path = Path(name)
    kind = _kind(path)
    if kind == ".txt":
        return 1
    if kind == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if kind in (".jsonl", ".json") and path.stat().st_size < 512 * 1024 * 1024:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    return None
