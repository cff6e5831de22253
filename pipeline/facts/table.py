"""The facts of annotated documents as one flat table: a row per triple, for spreadsheets.

``python -m pipeline table ANNOTATED… -o facts.csv`` reads ``annotate``'s output (JSONL files,
Parquet output directories) and writes one CSV row per triple: the document, the four parts
with their canonical names and offsets, the outcome's parsed value, the score and the evidence
offsets. The CSV is UTF-8 with a byte-order mark, so Excel opens Korean text correctly, and
pandas reads it with ``pd.read_csv(path)``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..io.writers import read_parquet_records

COLUMNS = (
    "doc_id",
    "source",
    "company",
    "company_canonical",
    "program",
    "program_canonical",
    "outcome",
    "agency",
    "agency_canonical",
    "metric",
    "value",
    "unit",
    "direction",
    "period",
    "base",
    "score",
    "company_start",
    "company_end",
    "program_start",
    "program_end",
    "outcome_start",
    "outcome_end",
    "evidence",
)


def read_annotated(paths: Iterable[str | Path]) -> Iterator[dict]:
    """Records of annotate's output, in order: JSONL files, Parquet output directories, or the
    output directory of a distributed run (its ``shard-NNNNN.jsonl`` / ``.parquet`` in index order)."""
    for path in map(Path, paths):
        if path.suffix == ".parquet" and path.is_file():  # one shard of a distributed run
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(columns=["record"]):
                yield from map(json.loads, batch.column(0).to_pylist())
        elif not path.is_dir():
            yield from _jsonl(path)
        elif (path / "manifest.json").is_file():
            from ..runners.distributed import read_records

            yield from read_records(path)
        elif any(path.glob("part-*.parquet")):
            yield from read_parquet_records(path)
        else:
            raise ValueError(f"{path}: a directory, but neither a Parquet output (part-*.parquet) nor a distributed run (manifest.json)")


def _jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: not a JSON record ({exc.msg})") from None


def _source(record: dict) -> str:
    src = record.get("source")
    if isinstance(src, dict):
        return f"{src.get('file')}:{src.get('line')}"
    return str(src or record.get("url") or "")


def rows(record: dict) -> Iterator[dict]:
    """One row per triple of an annotated record."""
    for t in record.get("triples") or []:
        company, program, outcome, agency = (t.get(k) or {} for k in ("company", "program", "outcome", "agency"))
        value = outcome.get("value") or {}
        yield {
            "doc_id": record.get("id"),
            "source": _source(record),
            "company": company.get("text"),
            "company_canonical": company.get("canonical"),
            "program": program.get("text"),
            "program_canonical": program.get("canonical"),
            "outcome": outcome.get("text"),
            "agency": agency.get("text"),
            "agency_canonical": agency.get("canonical"),
            **{k: value.get(k) for k in ("metric", "value", "unit", "direction", "period", "base")},
            "score": t.get("score"),
            "company_start": company.get("start"),
            "company_end": company.get("end"),
            "program_start": program.get("start"),
            "program_end": program.get("end"),
            "outcome_start": outcome.get("start"),
            "outcome_end": outcome.get("end"),
            "evidence": ";".join(f"{e['start']}-{e['end']}" for e in t.get("evidence") or []),
        }


def write_csv(records: Iterable[dict], output: str | Path) -> int:
    """Write the facts table; return the number of rows. Written to a temporary name, then renamed."""
    output = Path(output)
    tmp = output.with_name(output.name + ".tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for record in records:
            for row in rows(record):
                writer.writerow(row)
                n += 1
    tmp.replace(output)
    return n
