"""Annotating texts and records, in order, with one record or one error message per input.

A document longer than :data:`LONG_DOC_CHARS` characters is annotated in segments of at
most :data:`SEGMENT_CHARS`, cut at paragraph or sentence ends, whose records are merged
back with their offsets (the pipeline's cost grows faster than linearly with the length of
one Doc; a fact whose parts sit in different segments is not assembled). Records are grouped
into batches of at most ``batch_size`` documents and :data:`~pipeline.core.limits.BATCH_CHARS` characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..core.document import from_spacy
from ..core.limits import BATCH_CHARS, DEFAULT_BATCH_SIZE
from ..io.records import Failure, Item, Record
from ..io.writers import dumps

#: Documents longer than this are annotated in segments.
LONG_DOC_CHARS = 10_000
#: The longest segment of a long document.
SEGMENT_CHARS = 5_000

_CUTS = (
    re.compile(r"\n\s*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    re.compile(r"(?<=[.!?。？！])[\"'”’)\]]*\s+"),  # sentence
    re.compile(r"\s+"),  # word
)


def split_segments(text: str, size: int = SEGMENT_CHARS) -> list[tuple[int, str]]:
    """``(offset, segment)`` pieces of ``text``, each at most ``size`` characters, joined = ``text``.

    A piece ends at the last paragraph break in its window, else a line break, a
    sentence end, white space, or — for a run of ``size`` characters without any —
    exactly at ``size``; pieces are at least a quarter of ``size`` long.
    """
    out: list[tuple[int, str]] = []
    start, n = 0, len(text)
    while n - start > size:
        window = text[start : start + size]
        cut = size
        for pattern in _CUTS:
            ends = [m.end() for m in pattern.finditer(window, size // 4)]
            if ends:
                cut = ends[-1]
                break
        out.append((start, text[start : start + cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def _shift(obj: dict, off: int) -> dict:
    obj = dict(obj)
    if isinstance(obj.get("start"), int) and isinstance(obj.get("end"), int):
        obj["start"] += off
        obj["end"] += off
    return obj


_RECORD_KEYS = ("id", "text", "sentences", "entities", "relations", "triples")


def merge_records(text: str, parts: list[tuple[int, dict]]) -> dict:
    """One record from the records of a text's segments (``(offset, record)``): offsets shifted, ids renumbered."""
    out: dict = {"id": "doc", "text": text, "sentences": [], "entities": [], "relations": [], "triples": []}
    n = 0
    for off, rec in parts:
        ids = {}
        for ent in rec.get("entities", []):
            ids[ent["id"]] = f"e{n}"
            n += 1
            out["entities"].append({**_shift(ent, off), "id": ids[ent["id"]]})
        out["sentences"].extend(_shift(s, off) for s in rec.get("sentences", []))
        out["relations"].extend(
            {**r, "head": ids.get(r["head"], r["head"]), "tail": ids.get(r["tail"], r["tail"])} for r in rec.get("relations", [])
        )
        for t in rec.get("triples", []):
            out["triples"].append({k: _shift(v, off) if isinstance(v, dict) else v for k, v in t.items()})
        for key, value in rec.items():
            if key in _RECORD_KEYS:
                continue
            if isinstance(value, list):
                out.setdefault(key, []).extend(_shift(v, off) if isinstance(v, dict) else v for v in value)
            else:
                out.setdefault(key, value)
    return out


def _pipe_safe(nlp, texts: list[str]) -> list[dict | str]:
    """The records of ``texts`` (batched); where the pipeline fails on a text, the reason instead."""
    if not texts:
        return []
    try:
        return [from_spacy(doc).to_dict() for doc in nlp.pipe(texts, batch_size=max(len(texts), 1))]
    except Exception:
        pass
    out: list[dict | str] = []
    for text in texts:  # one at a time, to find the text that broke the batch
        try:
            out.append(from_spacy(nlp(text)).to_dict())
        except Exception as exc:
            out.append(f"annotation failed: {type(exc).__name__}: {exc}"[:1000])
    return out


def annotate_texts(nlp, texts: list[str]) -> list[dict | str]:
    """SCHEMA.md records (id ``doc``) of ``texts``, or for a text the pipeline failed on, why."""
    units: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        if len(text) > LONG_DOC_CHARS:
            units.extend((i, off, piece) for off, piece in split_segments(text))
        else:
            units.append((i, 0, text))
    done: list[dict | str] = []
    chunk: list[str] = []
    chars = 0
    for _, _, piece in units:  # the pipeline sees at most BATCH_CHARS characters at once
        if chunk and chars + len(piece) > BATCH_CHARS:
            done.extend(_pipe_safe(nlp, chunk))
            chunk, chars = [], 0
        chunk.append(piece)
        chars += len(piece)
    done.extend(_pipe_safe(nlp, chunk))
    grouped: list[list[tuple[int, dict | str]]] = [[] for _ in texts]
    for (i, off, _), rec in zip(units, done):
        grouped[i].append((off, rec))
    out: list[dict | str] = []
    for text, parts in zip(texts, grouped):
        failed = next((rec for _, rec in parts if isinstance(rec, str)), None)
        if failed is not None:
            out.append(failed)
        elif len(parts) == 1:
            out.append(parts[0][1])
        else:
            out.append(merge_records(text, parts))
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
        rec = next(records)
        if isinstance(rec, str):
            results.append(("error", Failure(it.source, it.line, it.id, rec).to_dict()))
            continue
        rec["id"] = it.id
        rec["source"] = {"file": it.source, "line": it.line}
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
