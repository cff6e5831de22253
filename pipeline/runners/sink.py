"""The sink: annotation results → the output and error files, in input order, counted in a :class:`Summary`."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from ..io.writers import ParquetWriter

#: Records written to the output between two flushes to the OS at most this many seconds apart.
FLUSH_SECONDS = 1.0


@dataclass
class Summary:
    documents: int = 0
    sentences: int = 0
    entities: int = 0
    triples: int = 0
    errors: int = 0
    skipped: int = 0
    elapsed: float = 0.0
    error_examples: list = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.documents + self.errors

    def add(self, other: Summary) -> None:
        for name in ("documents", "sentences", "entities", "triples", "errors", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error_examples.extend(other.error_examples[: max(0, 5 - len(self.error_examples))])

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "entities": self.entities,
            "triples": self.triples,
            "errors": self.errors,
            "skipped": self.skipped,
            "elapsed": round(self.elapsed, 3),
        }

    def line(self) -> str:
        secs = max(self.elapsed, 1e-9)
        resumed = f", {self.skipped} already done" if self.skipped else ""
        return (
            f"{self.documents} documents, {self.sentences} sentences, {self.entities} entities, "
            f"{self.triples} triples, {self.errors} errors{resumed} in {self.elapsed:.1f}s "
            f"({self.documents / secs:.1f} docs/s, {self.sentences / secs:.1f} sentences/s)"
        )


class Sink:
    """Writes results in order to the output and the error file; keeps the counts."""

    def __init__(self, writer, err_writer, summary: Summary, *, consumed: int = 0) -> None:
        self.writer = writer
        self.err_writer = err_writer
        self.summary = summary
        self.consumed = consumed  # input records accounted for in the files
        self._last_flush = time.monotonic()
        self._parquet = isinstance(writer, ParquetWriter)
        self._committed = consumed

    def add(self, results: list[tuple]) -> None:
        s = self.summary
        for res in results:
            self.consumed += 1
            if res[0] == "doc":
                self.writer.write_line(res[1])
                s.documents += 1
                s.sentences += res[2]
                s.entities += res[3]
                s.triples += res[4]
                if self._parquet and self.writer.full:
                    self._commit()
            else:
                err = res[1]
                s.errors += 1
                if len(s.error_examples) < 5:
                    s.error_examples.append(err)
                if self.err_writer is None:
                    print(f"error: {err['source']}:{err['line']}: {err['reason']}", file=sys.stderr)
                else:
                    self.writer.flush()  # everything before this error reaches the file first
                    self.err_writer.write(err)
                    self.err_writer.flush()
        if time.monotonic() - self._last_flush > FLUSH_SECONDS:
            self.writer.flush()
            self._last_flush = time.monotonic()

    def _errors_bytes(self) -> int:
        return self.err_writer.tell() if self.err_writer is not None else 0

    def _commit(self, *, force: bool = False) -> None:
        self.writer.commit(records_through=self.consumed, errors_bytes=self._errors_bytes(), force=force)
        self._committed = self.consumed

    def close(self) -> None:
        """Flush and close. Parquet: commit what is pending — also after an error, since the files
        hold exactly the first ``consumed`` records — and an empty part when only errors came
        after the last one (or nothing at all), so that the resume point is exact."""
        try:
            if self._parquet:
                if self.writer.pending or self.consumed != self._committed or self.writer.parts == 0:
                    self._commit(force=True)
            else:
                self.writer.close()
        finally:
            if self.err_writer is not None:
                self.err_writer.close()
