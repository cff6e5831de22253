"""Writers: annotated records out to JSONL (resumable) or Parquet.

The JSONL writer appends and flushes per batch, so a run killed at any moment
leaves at most one partial last line, which :func:`completed_lines` finds and
:meth:`JsonlWriter.open` cuts off before a resumed run appends again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path


def completed_lines(path: Path) -> Iterator[dict]:
    """The complete JSON lines of a file written by a killed run (a partial tail is skipped)."""
    if not path.exists():
        return
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                return
            try:
                yield json.loads(raw)
            except json.JSONDecodeError:
                return


def _truncate_to_complete(path: Path) -> None:
    """Cut a file back to its last complete, parseable line."""
    good = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                json.loads(raw)
            except json.JSONDecodeError:
                break
            good += len(raw)
    os.truncate(path, good)


class JsonlWriter:
    def __init__(self, path: str | Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.path.exists():
            _truncate_to_complete(self.path)
            self._f = open(self.path, "a", encoding="utf-8")
        else:
            self._f = open(self.path, "w", encoding="utf-8")

    def write(self, record: dict) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.flush()
        self._f.close()


class StdoutWriter:
    """JSONL to standard output (``-o -``)."""

    def __init__(self) -> None:
        import sys

        self._f = sys.stdout

    def write(self, record: dict) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.flush()


#: Parquet columns: nested lists of structs, readable by pandas and `datasets`.
def _parquet_schema():
    import pyarrow as pa

    span = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
    return pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("sentences", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))),
            (
                "entities",
                pa.list_(
                    pa.struct(
                        [
                            ("id", pa.string()),
                            ("label", pa.string()),
                            ("start", pa.int64()),
                            ("end", pa.int64()),
                            ("text", pa.string()),
                            ("score", pa.float64()),
                        ]
                    )
                ),
            ),
            (
                "relations",
                pa.list_(pa.struct([("head", pa.string()), ("tail", pa.string()), ("label", pa.string()), ("score", pa.float64())])),
            ),
            (
                "triples",
                pa.list_(pa.struct([("company", span), ("program", span), ("outcome", span), ("agency", span), ("score", pa.float64())])),
            ),
            ("source", pa.struct([("file", pa.string()), ("line", pa.int64())])),
            ("record", pa.string()),
        ]
    )


class ParquetWriter:
    """Parquet output, written in part files so a killed run can resume.

    OUTPUT is a directory of ``part-NNNNN.parquet`` files; a part is renamed into
    place only once complete. Each row keeps the schema fields as columns and the
    whole JSON record (all added fields included) in ``record``.
    """

    def __init__(self, path: str | Path, *, resume: bool = False, rows_per_part: int = 10_000) -> None:
        self.path = Path(path)
        self.rows_per_part = rows_per_part
        if self.path.exists() and not resume:
            for old in self.path.glob("part-*.parquet"):
                old.unlink()
        self.path.mkdir(parents=True, exist_ok=True)
        for tmp in self.path.glob("*.tmp"):
            tmp.unlink()
        self._rows: list[dict] = []
        self._part = len(list(self.path.glob("part-*.parquet")))

    def write(self, record: dict) -> None:
        row = {k: record.get(k) for k in ("id", "text", "sentences", "entities", "relations", "source")}
        row["triples"] = [{k: t.get(k) for k in ("company", "program", "outcome", "agency", "score")} for t in record.get("triples", [])]
        row["record"] = json.dumps(record, ensure_ascii=False)
        self._rows.append(row)
        if len(self._rows) >= self.rows_per_part:
            self._write_part()

    def _write_part(self) -> None:
        if not self._rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(self._rows, schema=_parquet_schema())
        final = self.path / f"part-{self._part:05d}.parquet"
        tmp = final.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        self._part += 1
        self._rows = []

    def flush(self) -> None:
        """Parts are flushed when full; a partial part is redone on resume."""

    def close(self) -> None:
        self._write_part()

    @staticmethod
    def completed(path: Path) -> Iterator[dict]:
        import pyarrow.parquet as pq

        for part in sorted(Path(path).glob("part-*.parquet")):
            for row in pq.read_table(part, columns=["source"]).column("source").to_pylist():
                yield {"source": row}
