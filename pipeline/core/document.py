"""The document model of ../shared/SCHEMA.md: typed records, JSON and validation.

These records are the project's interchange format: the CLI writes them, the
corpus stores them, the evaluator reads them. SCHEMA.md fixes the field names; the
records may carry more fields (``standard_entities``, ``meta``, an outcome's
``value``), never fewer or renamed ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .schema import ENTITY_LABELS, RELATION_SIGNATURES

TRIPLE_ROLES = ("company", "program", "outcome", "agency")


@dataclass
class Sentence:
    start: int
    end: int


@dataclass
class Entity:
    id: str
    label: str
    start: int
    end: int
    text: str
    score: float | None = None


@dataclass
class Relation:
    head: str
    tail: str
    label: str
    score: float | None = None


@dataclass
class Slot:
    """One part of a triple: a span of the text, with optional extras."""

    text: str
    start: int
    end: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def canonical(self) -> str | None:
        """The canonical name of a company, program or agency slot (``㈜백억전자`` → ``백억전자``)."""
        return self.extra.get("canonical")

    @property
    def value(self) -> dict[str, Any] | None:
        """An outcome slot's parsed value (metric, value, unit, direction, …), as in the JSON."""
        return self.extra.get("value")

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, **self.extra}

    @classmethod
    def from_dict(cls, d: dict | None) -> Slot | None:
        if d is None:
            return None
        extra = {k: v for k, v in d.items() if k not in ("text", "start", "end")}
        return cls(d["text"], d["start"], d["end"], extra)


@dataclass
class Triple:
    company: Slot
    program: Slot
    outcome: Slot
    agency: Slot | None = None
    score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def evidence(self) -> list[Sentence]:
        """The sentences the triple rests on (the JSON's ``evidence``), as typed spans."""
        return [Sentence(e["start"], e["end"]) for e in self.extra.get("evidence", [])]

    def to_dict(self) -> dict:
        out: dict[str, Any] = {role: (getattr(self, role).to_dict() if getattr(self, role) else None) for role in TRIPLE_ROLES}
        out["score"] = self.score
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Triple:
        extra = {k: v for k, v in d.items() if k not in (*TRIPLE_ROLES, "score")}
        return cls(
            company=Slot.from_dict(d["company"]),
            program=Slot.from_dict(d["program"]),
            outcome=Slot.from_dict(d["outcome"]),
            agency=Slot.from_dict(d.get("agency")),
            score=d.get("score"),
            extra=extra,
        )


@dataclass
class Document:
    """One annotated text: what ``pipeline.extract`` returns and ``pipeline.annotate`` yields.

    Typed, so that callers read ``document.triples[0].outcome.value`` rather than nested dict keys;
    :meth:`to_dict` is SCHEMA.md's JSON exactly as the CLI writes it (fields beyond the schema's,
    such as ``standard_entities``, are kept in ``extra``). Long texts are merged from segments by
    :func:`pipeline.core.segments.merge_segments`.
    """

    id: str
    text: str
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    # -- JSON -------------------------------------------------------------------

    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "text": self.text,
            "sentences": [asdict(s) for s in self.sentences],
            "entities": [_drop_none(asdict(e)) for e in self.entities],
            "relations": [_drop_none(asdict(r)) for r in self.relations],
            "triples": [t.to_dict() for t in self.triples],
        }
        out.update(self.extra)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict) -> Document:
        return cls(
            id=str(d["id"]),
            text=d["text"],
            sentences=[Sentence(**s) for s in d.get("sentences", [])],
            entities=[Entity(**e) for e in d.get("entities", [])],
            relations=[Relation(**r) for r in d.get("relations", [])],
            triples=[Triple.from_dict(t) for t in d.get("triples", [])],
            extra={k: v for k, v in d.items() if k not in RECORD_FIELDS},
        )

    @classmethod
    def from_json(cls, line: str) -> Document:
        return cls.from_dict(json.loads(line))

    @property
    def standard_entities(self) -> list[dict[str, Any]]:
        """The standard layer (KLUE's PS, LC, OG, DT, TI, QT): ``{label, start, end, text}`` spans."""
        return self.extra.get("standard_entities", [])

    def entity(self, eid: str) -> Entity:
        for e in self.entities:
            if e.id == eid:
                return e
        raise KeyError(eid)


#: The fields SCHEMA.md fixes for every record, in its order: the typed fields of :class:`Document`
#: (anything else a record holds — ``meta``, ``source``, ``standard_entities`` — is its ``extra``).
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Document) if f.name != "extra")


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


# -- validation ------------------------------------------------------------------


def validate(doc: Document | dict, *, labels: Iterable[str] = ENTITY_LABELS) -> list[str]:
    """Every way the record breaks the schema, as messages naming the element; [] if valid."""
    if isinstance(doc, dict):
        try:
            doc = Document.from_dict(doc)
        except (KeyError, TypeError) as exc:
            return [f"malformed record: {exc!r}"]
    errors: list[str] = []
    text = doc.text
    labels = set(labels)

    def check_span(what: str, start: int, end: int, span_text: str | None) -> None:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
            errors.append(f"{what}: offsets {start}:{end} outside the text (length {len(text)})")
        elif span_text is not None and text[start:end] != span_text:
            errors.append(f"{what}: text[{start}:{end}] is {text[start:end]!r}, record says {span_text!r}")

    for i, s in enumerate(doc.sentences):
        check_span(f"sentence {i}", s.start, s.end, None)
    ids: dict[str, Entity] = {}
    for e in doc.entities:
        if e.id in ids:
            errors.append(f"entity {e.id}: duplicate id")
        ids[e.id] = e
        if e.label not in labels:
            errors.append(f"entity {e.id}: unknown label {e.label!r}")
        if e.start >= e.end:
            errors.append(f"entity {e.id}: empty span {e.start}:{e.end}")
        check_span(f"entity {e.id}", e.start, e.end, e.text)
    for r in doc.relations:
        what = f"relation {r.head} {r.label} {r.tail}"
        if r.label not in RELATION_SIGNATURES:
            errors.append(f"{what}: unknown label")
            continue
        missing = [x for x in (r.head, r.tail) if x not in ids]
        if missing:
            errors.append(f"{what}: unknown entity {', '.join(missing)}")
            continue
        want = RELATION_SIGNATURES[r.label]
        got = (ids[r.head].label, ids[r.tail].label)
        if got != want:
            errors.append(f"{what}: needs {want[0]} → {want[1]}, got {got[0]} → {got[1]}")
    for i, t in enumerate(doc.triples):
        for role in TRIPLE_ROLES:
            slot = getattr(t, role)
            if slot is None:
                if role != "agency":
                    errors.append(f"triple {i}: {role} is missing")
                continue
            check_span(f"triple {i} {role}", slot.start, slot.end, slot.text)
    return errors


# -- from spaCy ---------------------------------------------------------------------

ECON_SPANS_KEY = "econ"


def sentence_spans(doc) -> list[Sentence]:
    """Kiwi's sentences as character spans, with surrounding white space trimmed."""
    out = []
    if not len(doc):
        return out
    sents = doc.sents if doc.has_annotation("SENT_START") else [doc[:]]
    for sent in sents:
        start, end = trimmed_offsets(sent)
        if end > start:
            out.append(Sentence(start, end))
    return out


def trimmed_offsets(span) -> tuple[int, int]:
    """Character offsets of a span without its surrounding white space."""
    text = span.text
    return span.start_char + (len(text) - len(text.lstrip())), span.end_char - (len(text) - len(text.rstrip()))


def from_spacy(doc, doc_id: str = "doc") -> Document:
    """The schema record of an annotated spaCy Doc.

    Econ entities come from ``doc.spans["econ"]`` (scores in the group's
    ``attrs["scores"]``), the standard layer from ``doc.ents``, relations and
    triples from ``doc._.relations`` and ``doc._.triples``.
    """
    group = doc.spans.get(ECON_SPANS_KEY, [])
    scores = list(group.attrs.get("scores", [])) if len(group) else []
    entities = []
    for i, span in enumerate(group):
        score = round(float(scores[i]), 4) if i < len(scores) else None
        entities.append(Entity(f"e{i}", span.label_, span.start_char, span.end_char, span.text, score))
    relations = [
        Relation(f"e{h}", f"e{t}", label, None if score is None else round(float(score), 4))
        for h, t, label, score in (getattr(doc._, "relations", None) or [])
    ]
    triples = list(getattr(doc._, "triples", None) or [])
    extra = {}
    if doc.has_annotation("ENT_IOB"):
        extra["standard_entities"] = [{"label": e.label_, "start": e.start_char, "end": e.end_char, "text": e.text} for e in doc.ents]
    return Document(doc_id, doc.text, sentence_spans(doc), entities, relations, triples, extra)
