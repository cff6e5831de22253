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

import csv
import gzip
import json
import re
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".json", ".csv", ".parquet")

#: The longest document accepted, in characters. Long documents are annotated in
#: segments (see :mod:`pipeline.runners.batch`), so time and memory grow linearly with length:
#: a 1 MB news dump (~350,000 Hangul characters, or 1,000,000 ASCII ones) passes; at
#: the limit one document costs minutes with the full model, and its record (text
#: plus annotations) is held in memory once. Anything longer is almost surely not
#: one news document but a whole dump in one field.
MAX_CHARS = 2_000_000

#: A JSON line is read in pieces of this many bytes at most: enough for MAX_CHARS
#: characters written as \\uXXXX escapes, so that one huge line cannot exhaust memory.
MAX_LINE_BYTES = 6 * MAX_CHARS + 65_536

_SURROGATES = re.compile("[\ud800-\udfff]")


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

    #: Failures carry no text, so they pass through the annotators untouched.
    text = ""

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "id": self.id, "reason": self.reason}


Record = Union[Item, Failure]


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


class BadId(ValueError):
    """An id value that is neither a string nor an integer."""


def _clean_id(rid) -> str | None:
    """An id as a string: strings as they are, integers in decimal; None or "" for none.

    Anything else (true, 1.5, an object) raises :class:`BadId`: turning it into a
    string would silently change what the user wrote (``true`` → ``True``).
    """
    if rid is None:
        return None
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        raise BadId(f"id is {json.dumps(rid, ensure_ascii=False)[:80]} ({type(rid).__name__}): ids must be strings or integers")
    rid = rid if isinstance(rid, str) else str(rid)
    if rid == "":
        return None
    if _SURROGATES.search(rid):
        rid = rid.encode("utf-8", "backslashreplace").decode("utf-8")
    return rid


def _id_or_none(rid) -> str | None:
    try:
        return _clean_id(rid)
    except BadId:
        return None


def check_text(source: str, line: int, rid, text, *, text_field: str = "text", max_chars: int = MAX_CHARS) -> Record:
    """An :class:`Item` if ``text`` can be annotated, else the :class:`Failure` that says why.

    Any non-empty string is text: HTML remnants, control characters and emoji are
    annotated as they are (the Doc covers them at their offsets). Rejected: a missing
    or non-string value, white space only, over ``max_chars`` characters, or unpaired
    surrogates (``"\\ud800"`` in JSON: not Unicode, cannot be written as UTF-8).
    """
    try:
        rid = _clean_id(rid) or f"{source}:{line}"
    except BadId as exc:
        return Failure(source, line, None, str(exc))
    if text is None:
        return Failure(source, line, rid, f"missing text field {text_field!r}")
    if not isinstance(text, str):
        return Failure(source, line, rid, f"text is {type(text).__name__}, not a string")
    if not text.strip():
        return Failure(source, line, rid, "empty text")
    if len(text) > max_chars:
        return Failure(source, line, rid, f"text has {len(text):,} characters, over the {max_chars:,} limit")
    if not text.isascii() and _SURROGATES.search(text):
        pos = _SURROGATES.search(text).start()
        return Failure(source, line, rid, f"text holds an unpaired surrogate (invalid Unicode) at character {pos}")
    return Item(source, line, rid, text)


_check_text = check_text  # the older private name


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
