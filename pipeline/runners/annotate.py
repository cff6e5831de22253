"""Annotating texts and records, in order, with one record or one error message per input.

Long documents are cut and merged back by :mod:`pipeline.core.segments`, the one place every
entry point goes through (:func:`pipe_documents` for the public API, :func:`annotate_texts` for
the runners), so ``pipeline.extract(text)`` and the CLI give the same record. Records are grouped
into batches of at most ``batch_size`` documents and :data:`~pipeline.core.limits.BATCH_CHARS` characters.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from ..core.document import Document, from_spacy
from ..core.limits import BATCH_CHARS, DEFAULT_BATCH_SIZE
from ..core.segments import LONG_DOC_CHARS, SEGMENT_CHARS, merge_segments, segments, split_segments
from ..io.records import Failure, Item, Record
from ..io.writers import dumps

__all__ = [
    "LONG_DOC_CHARS",
    "SEGMENT_CHARS",
    "annotate_items",
    "annotate_texts",
    "batches",
    "pipe_documents",
    "split_segments",
]


def pipe_documents(nlp, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Document]:
    """The records (id ``doc``) of ``texts``, lazily and in order, long texts in segments.

    The segments of all texts go through one ``nlp.pipe`` stream, so Kiwi's batching works
    across documents as before; a text's record is yielded once its last segment is back.
    The pipeline's errors propagate (the public API's contract; the runners, which must turn
    them into error lines, use :func:`annotate_texts`).
    """
    pending: deque[tuple[str, int, bool]] = deque()  # (text, offset, last segment of its text), as piped

    def pieces() -> Iterator[str]:
        for text in texts:
            cut = segments(text)
            for k, (off, piece) in enumerate(cut):
                pending.append((text, off, k == len(cut) - 1))
                yield piece

    parts: list[tuple[int, Document]] = []
    for doc in nlp.pipe(pieces(), batch_size=batch_size):
        text, off, last = pending.popleft()
        parts.append((off, from_spacy(doc)))
        if last:
            yield merge_segments(text, parts)
            parts = []


def _pipe_safe(nlp, texts: list[str]) -> list[Document | str]:
    """The records of ``texts`` (batched); where the pipeline fails on a text, the reason instead."""
    if not texts:
        return []
    try:
        return [from_spacy(doc) for doc in nlp.pipe(texts, batch_size=max(len(texts), 1))]
    except Exception:
        pass
    out: list[Document | str] = []
    for text in texts:  # one at a time, to find the text that broke the batch
        try:
            out.append(from_spacy(nlp(text)))
        except Exception as exc:
            out.append(f"annotation failed: {type(exc).__name__}: {exc}"[:1000])
    return out


def annotate_texts(nlp, texts: list[str]) -> list[Document | str]:
    """SCHEMA.md records (id ``doc``) of ``texts``, or for a text the pipeline failed on, why."""
    units: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        units.extend((i, off, piece) for off, piece in segments(text))
    done: list[Document | str] = []
    chunk: list[str] = []
    chars = 0
    for _, _, piece in units:  # the pipeline sees at most BATCH_CHARS characters at once
        if chunk and chars + len(piece) > BATCH_CHARS:
            done.extend(_pipe_safe(nlp, chunk))
            chunk, chars = [], 0
        chunk.append(piece)
        chars += len(piece)
    done.extend(_pipe_safe(nlp, chunk))
    grouped: list[list[tuple[int, Document | str]]] = [[] for _ in texts]
    for (i, off, _), rec in zip(units, done):
        grouped[i].append((off, rec))
    out: list[Document | str] = []
    for text, parts in zip(texts, grouped):
        failed = next((rec for _, rec in parts if isinstance(rec, str)), None)
        out.append(failed if failed is not None else merge_segments(text, [(off, rec) for off, rec in parts if isinstance(rec, Document)]))
    return out


def annotate_items(nlp, items: list[Record]) -> list[tuple]:
    """Results, in order: ``("doc", json_line, sentences, entities, triples)`` or ``("error", error_record)``."""
    todo = [it for it in items if isinstance(it, Item)]
    records = iter(annotate_texts(nlp, [it.text for it in todo]))
    results: list[tuple] = []
    for it in items:
        if isinstance(it, Failure):
            results.append(("error", it.to_dict()))
            continue
        done = next(records)
        if isinstance(done, str):
            results.append(("error", Failure(it.source, it.line, it.id, done).to_dict()))
            continue
        rec = {**done.to_dict(), "id": it.id, "source": {"file": it.source, "line": it.line}}
        try:
            line = dumps(rec)
        except (TypeError, ValueError) as exc:
            results.append(("error", Failure(it.source, it.line, it.id, f"record not serialisable: {exc}").to_dict()))
            continue
        results.append(("doc", line, len(rec["sentences"]), len(rec["entities"]), len(rec["triples"])))
    return results


def batches(records: Iterable[Record], batch_size: int = DEFAULT_BATCH_SIZE, batch_chars: int = BATCH_CHARS) -> Iterator[list]:
    """Consecutive records, at most ``batch_size`` a batch and ``batch_chars`` characters (one long record alone)."""
    batch: list = []
    chars = 0
    for rec in records:
        size = len(rec.text)
        if batch and (len(batch) >= batch_size or chars + size > batch_chars):
            yield batch
            batch, chars = [], 0
        batch.append(rec)
        chars += size
    if batch:
        yield batch
