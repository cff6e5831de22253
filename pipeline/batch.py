"""Batch annotation: inputs → pipeline → writers, streamed, in order, resumable.

Every input record leaves exactly one line: an annotated record in OUTPUT or an
error record in ``OUTPUT.errors.jsonl``. Both are written in input order and each
record carries ``source: {file, line}``, so a resumed run knows exactly where the
killed one stopped: it skips every input record up to the last one written to
either file and appends the rest.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import readers
from .document import from_spacy
from .writers import JsonlWriter, ParquetWriter, StdoutWriter, completed_lines


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

    def line(self) -> str:
        rate = self.documents / self.elapsed if self.elapsed else 0.0
        resumed = f", {self.skipped} already done" if self.skipped else ""
        return (
            f"{self.documents} documents, {self.sentences} sentences, {self.entities} entities, "
            f"{self.triples} triples, {self.errors} errors{resumed} in {self.elapsed:.1f}s ({rate:.1f} docs/s)"
        )


def errors_path(output: str | Path) -> Path:
    return Path(f"{output}.errors.jsonl")


def _position(inputs: list[str], source: dict | None) -> tuple[int, int]:
    if not source:
        return (-1, -1)
    try:
        return (inputs.index(source["file"]), int(source["line"]))
    except ValueError:
        return (-1, -1)


def resume_point(inputs: list[str], output: Path, fmt: str) -> tuple[int, int]:
    """The (input index, line) of the last record a killed run wrote, or (-1, -1)."""
    last = (-1, -1)
    done = ParquetWriter.completed(output) if fmt == "parquet" and output.exists() else completed_lines(output)
    for rec in done:
        last = max(last, _position(inputs, rec.get("source")))
    for rec in completed_lines(errors_path(output)):
        last = max(last, _position(inputs, rec.get("source") and {"file": rec["source"], "line": rec["line"]}))
    return last


def iter_records(inputs: list[str], *, text_field: str = "text", id_field: str = "id") -> Iterator[readers.Record]:
    for name in inputs:
        yield from readers.read(name, text_field=text_field, id_field=id_field)


def run(
    nlp,
    inputs: list[str],
    output: str,
    *,
    fmt: str = "jsonl",
    text_field: str = "text",
    id_field: str = "id",
    n_process: int = 1,
    batch_size: int = 32,
    resume: bool = False,
    progress: bool = True,
) -> Summary:
    """Annotate every record of ``inputs`` into ``output`` (``-`` for stdout)."""
    inputs = readers.expand(inputs)
    summary = Summary()
    start = time.perf_counter()
    to_stdout = output == "-"
    out_path = Path(output)
    skip_to = resume_point(inputs, out_path, fmt) if resume and not to_stdout else (-1, -1)
    if to_stdout:
        writer = StdoutWriter()
    elif fmt == "parquet":
        writer = ParquetWriter(out_path, resume=resume)
    else:
        writer = JsonlWriter(out_path, resume=resume)
    err_writer = None if to_stdout else JsonlWriter(errors_path(out_path), resume=resume)

    def records() -> Iterator[tuple[str, readers.Record]]:
        for rec in iter_records(inputs, text_field=text_field, id_field=id_field):
            if resume and _position(inputs, {"file": rec.source, "line": rec.line}) <= skip_to:
                summary.skipped += 1
                continue
            yield (rec.text if isinstance(rec, readers.Item) else ""), rec

    total = _total(inputs) if progress else None
    bar = _progress_bar(total, summary.skipped, enabled=progress)
    if n_process > 1 and hasattr(nlp.tokenizer, "num_workers"):
        nlp.tokenizer.num_workers = 1  # one Kiwi thread a worker process
    last_flush = time.perf_counter()
    try:
        for doc, rec in nlp.pipe(records(), as_tuples=True, batch_size=batch_size, n_process=n_process):
            if isinstance(rec, readers.Failure):
                summary.errors += 1
                if len(summary.error_examples) < 5:
                    summary.error_examples.append(rec.to_dict())
                if err_writer is not None:
                    writer.flush()
                    err_writer.write(rec.to_dict())
                    err_writer.flush()
                else:
                    print(f"error: {rec.source}:{rec.line}: {rec.reason}", file=sys.stderr)
            else:
                record = from_spacy(doc, rec.id).to_dict()
                record["source"] = {"file": rec.source, "line": rec.line}
                writer.write(record)
                summary.documents += 1
                summary.sentences += len(record["sentences"])
                summary.entities += len(record["entities"])
                summary.triples += len(record["triples"])
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"{summary.sentences / max(1e-9, time.perf_counter() - start):.0f} sents/s", refresh=False)
            if time.perf_counter() - last_flush > 1.0:
                writer.flush()
                last_flush = time.perf_counter()
    finally:
        writer.close()
        if err_writer is not None:
            err_writer.close()
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


def _progress_bar(total: int | None, initial: int, *, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="doc", file=sys.stderr, dynamic_ncols=True)


def annotate_dataset(dataset, *, nlp=None, text_column: str = "text", num_proc: int | None = None, batch_size: int = 64):
    """Add the annotations to a ``datasets.Dataset`` as columns, via ``Dataset.map(batched=True)``.

    New columns: ``sentences``, ``entities``, ``relations``, ``triples`` (SCHEMA.md's
    fields, as lists of structs).
    """
    import pipeline

    def annotate_batch(batch: dict) -> dict:
        model = nlp or pipeline._default_nlp()
        out: dict[str, list] = {"sentences": [], "entities": [], "relations": [], "triples": []}
        for doc in model.pipe(batch[text_column]):
            rec = from_spacy(doc).to_dict()
            for key in out:
                out[key].append(rec[key])
        return out

    return dataset.map(annotate_batch, batched=True, batch_size=batch_size, num_proc=num_proc)
