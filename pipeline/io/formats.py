"""One reader per input format (txt, JSONL and gzip, JSON arrays, CSV, Parquet): each yields
:class:`~pipeline.io.records.Item` and :class:`~pipeline.io.records.Failure` records with their line numbers.

Which reader a file gets, and the formats' rules, are in :mod:`pipeline.io.readers`.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from .records import _SURROGATES, MAX_LINE_BYTES, Failure, Record, _id_or_none, check_text


def _starts_with(f, prefix: bytes) -> bool:
    head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    f.seek(0)
    return head.startswith(prefix)


def txt_id(source: str) -> str:
    """A .txt document's id: its path as named, without the suffix (``news/2024/a``), so that
    files of the same name in different folders keep different ids."""
    return source[:-4] if source.lower().endswith(".txt") else source


def _read_txt(source: str, path: Path, max_chars: int) -> Iterator[Record]:
    size = path.stat().st_size
    rid = txt_id(source)
    if size > 4 * max_chars + 3:  # more characters than the limit, whatever the encoding
        yield Failure(source, 1, rid, f"file has {size:,} bytes: over the {max_chars:,}-character limit")
        return
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        yield Failure(source, 1, rid, f"not UTF-8: {exc.reason} at byte {exc.start}")
        return
    yield check_text(source, 1, rid, text.lstrip("\ufeff"), max_chars=max_chars)


def _read_gzip(source: str, path: Path, **opts) -> Iterator[Record]:
    counter = [0]
    try:
        with gzip.open(path, "rb") as f:
            yield from _read_lines(source, f, as_jsonl=True, counter=counter, **opts)
    except (OSError, EOFError, zlib.error) as exc:
        yield Failure(source, counter[0] + 1, None, f"corrupt gzip file, rest of file unreadable: {exc}")


def _raw_lines(f, first_line: int = 1, end: int | None = None) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes or None when over MAX_LINE_BYTES, size) for each line of a binary file."""
    lineno = first_line - 1
    pos = f.tell() if end is not None else 0
    while end is None or pos < end:
        raw = f.readline(MAX_LINE_BYTES)
        if not raw:
            return
        lineno += 1
        size = len(raw)
        if size >= MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raw = None
            while True:  # skip the rest of the over-long line without holding it
                more = f.readline(MAX_LINE_BYTES)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
        pos += size
        yield lineno, raw, size


def _read_lines(
    source: str,
    f,
    *,
    text_field: str,
    id_field: str,
    max_chars: int,
    as_jsonl: bool | None,
    first_line: int = 1,
    end: int | None = None,
    counter: list | None = None,
) -> Iterator[Record]:
    """JSONL (or, for stdin, JSONL when lines look like JSON objects, else one text a line)."""
    for lineno, raw, size in _raw_lines(f, first_line, end):
        if counter is not None:
            counter[0] = lineno
        if raw is None:
            yield Failure(source, lineno, None, f"line has {size:,} bytes: over the {max_chars:,}-character limit")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Failure(source, lineno, None, f"not UTF-8: {exc.reason} at byte {exc.start}")
            continue
        line = line.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            continue
        if as_jsonl is None:
            as_jsonl = line.lstrip().startswith("{")
        if not as_jsonl:
            yield check_text(source, lineno, None, line, max_chars=max_chars)
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(source, lineno, None, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            yield Failure(source, lineno, None, "invalid JSON: nested too deeply")
            continue
        if not isinstance(rec, dict):
            yield Failure(source, lineno, None, f"JSON line is a {type(rec).__name__}, not an object")
            continue
        yield check_text(source, lineno, rec.get(id_field), rec.get(text_field), text_field=text_field, max_chars=max_chars)


def _read_json_array(source: str, f, *, text_field: str, id_field: str, max_chars: int) -> Iterator[Record]:
    try:
        data = json.loads(f.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        yield Failure(source, 0, None, f"not a JSON array of objects: {exc}")
        return
    for i, rec in enumerate(data, 1):
        if not isinstance(rec, dict):
            yield Failure(source, i, None, f"array element is a {type(rec).__name__}, not an object")
        else:
            yield check_text(source, i, rec.get(id_field), rec.get(text_field), text_field=text_field, max_chars=max_chars)


def _raise_csv_limit() -> None:
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


class _ReplayableLines:
    """Lines of a file for ``csv.reader``, numbered, that can replay the lines of a row that broke:
    only the current row's lines are held, so reading stays streamed."""

    def __init__(self, f) -> None:
        self._f = f
        self._replay: list[tuple[int, str]] = []
        self.row: list[tuple[int, str]] = []  # (line number, line) of the row being read
        self.lineno = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._replay:
            item = self._replay.pop(0)
        else:
            line = self._f.readline()
            if not line:
                raise StopIteration
            self.lineno += 1
            item = (self.lineno, line)
        self.row.append(item)
        return item[1]

    def start_row(self) -> None:
        self.row = []

    def replay_after_first(self) -> int:
        """Give back every line of the broken row but its first; return that first line's number."""
        first, rest = self.row[0], self.row[1:]
        self._replay = rest + self._replay
        self.row = []
        return first[0]


def _read_csv(source: str, path: Path, *, text_field: str, id_field: str, max_chars: int) -> Iterator[Record]:
    """Rows of a CSV file, read strictly and streamed.

    A row that breaks the format (an unterminated quote, a stray quote, a field
    count other than the header's) is one :class:`Failure` naming the line it
    starts on; reading starts again on the line after it, so one bad quote cannot
    swallow the rows that follow it.
    """
    _raise_csv_limit()  # the default (131,072 characters) would reject a long article
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        lines = _ReplayableLines(f)
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Failure(source, 1, None, f"unreadable CSV header: {exc}")
            return
        if text_field not in header:
            yield Failure(source, 1, None, f"no column {text_field!r} (columns: {header})")
            return
        ti = header.index(text_field)
        ii = header.index(id_field) if id_field in header else None
        while True:
            lines.start_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start = lines.replay_after_first()
                yield Failure(source, start, None, f"malformed CSV row starting on line {start}: {exc}; read again from line {start + 1}")
                reader = csv.reader(lines, strict=True)
                continue
            if row:
                yield _csv_record(source, lines.row[0][0], lines.row[-1][0], row, header, ti, ii, text_field, max_chars)


def _csv_record(source, start, line, row, header, ti, ii, text_field, max_chars) -> Record:
    rid = row[ii] if ii is not None and ii < len(row) else None
    if len(row) != len(header):
        return Failure(
            source, start, _id_or_none(rid), f"row has {len(row)} fields, the header {len(header)} (a stray quote or delimiter?)"
        )
    text = row[ti]
    bad = next((v for v in row if _SURROGATES.search(v)), None)
    if bad is not None:
        raw = bad.encode("utf-8", "surrogateescape")
        try:
            raw.decode("utf-8")
            reason = "text holds an unpaired surrogate (invalid Unicode)"
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8: {exc.reason} at byte {exc.start} of a field"
        return Failure(source, line, _id_or_none(rid), reason)
    return check_text(source, line, rid, text, text_field=text_field, max_chars=max_chars)


def _read_parquet(
    source: str, path: Path, *, text_field: str, id_field: str, max_chars: int, row_groups: list[int] | None = None
) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        yield Failure(source, 0, None, f"unreadable Parquet file: {exc}")
        return
    names = pf.schema_arrow.names
    if text_field not in names:
        yield Failure(source, 1, None, f"no column {text_field!r} (columns: {names})")
        return
    columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
    groups = list(range(pf.num_row_groups)) if row_groups is None else list(row_groups)
    row = sum(pf.metadata.row_group(i).num_rows for i in range(groups[0])) if groups else 0
    try:
        for batch in pf.iter_batches(columns=columns, batch_size=256, row_groups=groups):
            data = batch.to_pydict()
            ids = data.get(id_field) or [None] * batch.num_rows
            for text, rid in zip(data[text_field], ids):
                row += 1
                if isinstance(text, bytes):
                    try:
                        text = text.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        yield Failure(source, row, _id_or_none(rid), f"not UTF-8: {exc.reason} at byte {exc.start}")
                        continue
                yield check_text(source, row, rid, text, text_field=text_field, max_chars=max_chars)
    except Exception as exc:
        yield Failure(source, row + 1, None, f"unreadable Parquet data, rest of file lost: {exc}")
