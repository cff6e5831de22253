"""Long texts in segments: where a text is cut, and one record from its segments' records.

Why this lives in the core: every way in (``pipeline.extract`` / ``pipeline.annotate``, the
batch CLI, Dask shards, ``annotate_dataset``) must give the same record for the same text, and
before, only the batch runner cut long documents, so the public API gave other output (or
spaCy's ``max_length`` error) for the same article. The pipeline's cost grows faster than
linearly with the length of one Doc, so a document over :data:`LONG_DOC_CHARS` characters is
annotated in pieces of at most :data:`SEGMENT_CHARS`, cut at paragraph or sentence ends, and
the pieces' records are merged back with their offsets. A fact whose parts sit in different
segments is not assembled: the price of the bound.

Nothing here runs a model: :func:`segments` says where to cut, :func:`merge_segments` joins
typed :class:`~pipeline.core.document.Document` records; the runners pipe the pieces.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .document import Document, Entity, Relation, Sentence, Slot, Triple

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


def segments(text: str, *, long: int = LONG_DOC_CHARS, size: int = SEGMENT_CHARS) -> list[tuple[int, str]]:
    """The pieces the pipeline sees for ``text``: the whole text when it has at most ``long``
    characters, else :func:`split_segments` of it. Every entry point cuts through here."""
    return [(0, text)] if len(text) <= long else split_segments(text, size)


def _shift_span(value: Any, off: int) -> Any:
    """A ``{"start", "end", …}`` dict with both offsets moved by ``off``; lists of them element by
    element (a triple's ``evidence``); anything else as it is."""
    if isinstance(value, dict):
        if isinstance(value.get("start"), int) and isinstance(value.get("end"), int):
            return {**value, "start": value["start"] + off, "end": value["end"] + off}
        return value
    if isinstance(value, list):
        return [_shift_span(v, off) for v in value]
    return value


def _shift_slot(slot: Slot | None, off: int) -> Slot | None:
    return None if slot is None else Slot(slot.text, slot.start + off, slot.end + off, dict(slot.extra))


def merge_segments(text: str, parts: list[tuple[int, Document]], doc_id: str = "doc") -> Document:
    """One record of ``text`` from the records of its segments, given as ``(offset, Document)``.

    Offsets move by the segment's offset (sentences, entities, triple slots and evidence, and
    the spans in list-valued extras such as ``standard_entities``); entity ids are renumbered
    ``e0, e1, …`` across segments and relations follow them. Other extras keep the first
    segment's value. The parts are not changed. A single part at offset 0 is the record itself.
    """
    if len(parts) == 1 and parts[0][0] == 0:
        return replace(parts[0][1], id=doc_id, text=text)
    out = Document(doc_id, text)
    n = 0
    for off, part in parts:
        ids: dict[str, str] = {}
        for ent in part.entities:
            ids[ent.id] = f"e{n}"
            n += 1
            out.entities.append(Entity(ids[ent.id], ent.label, ent.start + off, ent.end + off, ent.text, ent.score))
        out.sentences.extend(Sentence(s.start + off, s.end + off) for s in part.sentences)
        out.relations.extend(Relation(ids.get(r.head, r.head), ids.get(r.tail, r.tail), r.label, r.score) for r in part.relations)
        out.triples.extend(
            Triple(
                company=_shift_slot(t.company, off),
                program=_shift_slot(t.program, off),
                outcome=_shift_slot(t.outcome, off),
                agency=_shift_slot(t.agency, off),
                score=t.score,
                extra={k: _shift_span(v, off) for k, v in t.extra.items()},
            )
            for t in part.triples
        )
        for key, value in part.extra.items():
            if isinstance(value, list):
                out.extra.setdefault(key, []).extend(_shift_span(v, off) for v in value)
            else:
                out.extra.setdefault(key, value)
    return out
