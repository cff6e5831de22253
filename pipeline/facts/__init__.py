"""One fact, many articles: a store that merges what the press repeats.

``python -m pipeline facts ANNOTATED… -o facts.duckdb`` (or :func:`build`) reads annotate's
output — JSONL files, Parquet output directories, the output directory of a distributed run —
and merges the triples of every article into facts (:mod:`.keys` says when two triples are
one fact), groups near-duplicate articles (:mod:`.reprints`), and keeps it all in a DuckDB
file (:mod:`.store`) with tables ``facts``, ``mentions``, ``articles`` and ``reprint_groups``.
A second run on the same store adds only the new articles.

>>> import pipeline.facts
>>> with pipeline.facts.build(["out.jsonl"], "facts.duckdb") as store:  # doctest: +SKIP
...     store.table("facts").head()
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .store import FactStore, RunReport
from .table import read_annotated

__all__ = ["FactStore", "RunReport", "build", "read_annotated"]


def build(inputs: Iterable[str | Path], store: str | Path, *, chunk_size: int = 2000, n_process: int = 1) -> FactStore:
    """Add the annotated articles of ``inputs`` to the store at ``store``; return it open
    (what the run did is ``store.report``)."""
    inputs = [str(p) for p in inputs]
    fs = FactStore(store)
    fs.add_files(inputs, chunk_size=chunk_size, n_process=n_process)
    return fs
