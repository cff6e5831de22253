"""Corpus records → spaCy DocBins on Kiwi tokens, for training and evaluation.

Entity offsets are characters; spaCy needs token boundaries. Kiwi splits where
morphemes split, so most spans align. One that does not (a span that ends inside a
Kiwi token such as ``미디어는`` fused by an unknown word) is widened to the tokens it
touches (``alignment_mode="expand"``) when the part it adds ends in a particle or
symbol, and dropped otherwise. A span across one of Kiwi's sentence boundaries
(``도전! K-스타트업``) is dropped too: a transition-based recogniser cannot predict it; :class:`AlignStats` counts both so the figures can be reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from ..core.document import ECON_SPANS_KEY
from ..language import extensions  # noqa: F401  (doc._.relations)

_PARTICLE_TAGS = ("J", "E", "XS", "SF", "SP", "SS", "SW", "SO", "VCP")


@dataclass
class AlignStats:
    spans: int = 0
    aligned: int = 0
    expanded: int = 0
    dropped: int = 0
    cross_sentence: int = 0
    overlapping: int = 0
    examples: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("spans", "aligned", "expanded", "dropped", "cross_sentence", "overlapping")}


def align(doc: Doc, entities: Iterable[dict], stats: AlignStats) -> list[Span]:
    """The entities as spans on the Doc's tokens; each span's ``id_`` is its entity id."""
    spans = []
    for ent in entities:
        stats.spans += 1
        span = doc.char_span(ent["start"], ent["end"], label=ent["label"])
        wide = span or doc.char_span(ent["start"], ent["end"], label=ent["label"], alignment_mode="expand")
        if wide is not None and any(t.is_sent_start for t in wide[1:]):
            stats.cross_sentence += 1  # a transition-based recogniser cannot cross Kiwi's sentence boundary
            continue
        if span is not None:
            stats.aligned += 1
            span.id_ = ent["id"]
            spans.append(span)
            continue
        if wide is not None and _extra_is_particle(wide, ent):
            stats.expanded += 1
            wide.id_ = ent["id"]
            spans.append(wide)
        else:
            stats.dropped += 1
            if len(stats.examples) < 20:
                stats.examples.append((doc.text[ent["start"] : ent["end"]], [t.text for t in (wide or [])]))
    return spans


def _extra_is_particle(span: Span, ent: dict) -> bool:
    """Expanding is harmless when the tokens it half-covers end in a particle or symbol."""
    for token in (span[0], span[-1]):
        outside = token.idx < ent["start"] or token.idx + len(token.text) > ent["end"]
        if outside and not token.tag_.split("+")[-1].startswith(_PARTICLE_TAGS):
            return False
    return True


def to_docs(nlp, records: Iterable[dict], *, layer: str, stats: AlignStats | None = None) -> list[Doc]:
    """Docs with the layer's entities as ``doc.ents`` (the reference for a ``ner``);
    for the econ layer also as ``doc.spans["econ"]``, with ``doc._.relations`` as
    indices into that group."""
    stats = stats if stats is not None else AlignStats()
    records = list(records)
    docs = []
    for rec, doc in zip(records, nlp.tokenizer.pipe(r["text"] for r in records)):
        spans = align(doc, rec["entities"], stats)
        kept = filter_spans(spans)
        stats.overlapping += len(spans) - len(kept)
        doc.ents = kept
        if layer == "econ":
            doc.spans[ECON_SPANS_KEY] = kept
            index = {span.id_: i for i, span in enumerate(kept)}
            doc._.relations = [
                (index[r["head"]], index[r["tail"]], r["label"], 1.0) for r in rec["relations"] if r["head"] in index and r["tail"] in index
            ]
        doc.user_data["id"] = rec["id"]
        docs.append(doc)
    return docs


def write_docbin(docs: list[Doc], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)
