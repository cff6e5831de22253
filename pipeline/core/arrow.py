"""The record's columnar shape: Arrow types, and the ``datasets`` features derived from them.

Parquet output, :func:`pipeline.annotate_dataset` and the JSON Schema
(:mod:`pipeline.core.json_schema`) all take their fields from :func:`annotation_schema`,
so the shape is written once; the corpus's gold records (:func:`corpus_schema`, the
``datasets`` features of :func:`pipeline.corpora.load`) are that shape with the model's
scores taken out and the annotators' entity ids and aliases put in. pyarrow and datasets
are imported inside the functions: the core must stay cheap to import.
"""

from __future__ import annotations

import json

from .document import TRIPLE_ROLES


def _offsets() -> list:
    """Character offsets into the text, end exclusive: int64, as Parquet and ``datasets`` store them."""
    import pyarrow as pa

    return [("start", pa.int64()), ("end", pa.int64())]


def _span() -> list:
    """A span of the text: the text itself and its offsets (``text[start:end] == text``)."""
    import pyarrow as pa

    return [("text", pa.string()), *_offsets()]


def annotation_schema():
    """Every field an annotated record holds besides ``id``/``text``, as Arrow types.

    This is the record's one columnar shape: Parquet output and
    :func:`pipeline.annotate_dataset` both take it (``datasets`` features are derived
    from it), so no field ``annotate`` writes — outcome values, canonical names,
    evidence, the standard layer — can be dropped on the way.
    """
    import pyarrow as pa

    offsets, span = _offsets(), _span()
    value = pa.struct(
        [
            ("metric", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("direction", pa.string()),
            ("base", pa.float64()),
            ("period", pa.string()),
        ]
    )
    named = pa.struct([*span, ("canonical", pa.string())])
    return pa.schema(
        [
            ("sentences", pa.list_(pa.struct(offsets))),
            (
                "entities",
                pa.list_(
                    pa.struct([("id", pa.string()), ("label", pa.string()), *offsets, ("text", pa.string()), ("score", pa.float64())])
                ),
            ),
            (
                "relations",
                pa.list_(pa.struct([("head", pa.string()), ("tail", pa.string()), ("label", pa.string()), ("score", pa.float64())])),
            ),
            (
                "triples",
                pa.list_(
                    pa.struct(
                        [
                            ("company", named),
                            ("program", named),
                            ("outcome", pa.struct([*span, ("value", value)])),
                            ("agency", named),
                            ("score", pa.float64()),
                            ("evidence", pa.list_(pa.struct(offsets))),
                        ]
                    )
                ),
            ),
            ("standard_entities", pa.list_(pa.struct([("label", pa.string()), *offsets, ("text", pa.string())]))),
        ]
    )


def parquet_schema():
    """Parquet columns: id, text, the annotations, source {file, line}, and the whole record as JSON."""
    import pyarrow as pa

    fields = [pa.field("id", pa.string()), pa.field("text", pa.string())]
    fields += list(annotation_schema())
    fields += [pa.field("source", pa.struct([("file", pa.string()), ("line", pa.int64())])), pa.field("record", pa.string())]
    return pa.schema(fields)


def corpus_schema():
    """A gold corpus record as Arrow types: ``id``, ``text``, the annotation fields of
    :func:`annotation_schema` without the model's ``score``, triples whose parts carry the
    annotators' ``entity`` id and ``aliases`` (other mentions of the same entity, which
    scoring accepts) instead of the model's canonical names and values, and ``meta`` as JSON
    text (its keys differ from corpus to corpus)."""
    import pyarrow as pa

    annotation = annotation_schema()
    unscored = {name: pa.list_(_without(annotation.field(name).type.value_type, "score")) for name in ("entities", "relations")}
    mention = pa.struct([*_span(), ("entity", pa.string())])
    part = pa.struct([*mention, pa.field("aliases", pa.list_(mention))])
    return pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            annotation.field("sentences"),
            ("entities", unscored["entities"]),
            ("relations", unscored["relations"]),
            ("triples", pa.list_(pa.struct([(role, part) for role in TRIPLE_ROLES]))),
            ("meta", pa.string()),
        ]
    )


def corpus_columns(record: dict) -> dict:
    """A gold record shaped to :func:`corpus_schema`: the row :func:`pipeline.corpora.load` stores
    (a part without aliases gets an empty list; ``meta`` is dumped to JSON)."""
    row = {f.name: _shape(record.get(f.name), f.type, empty_lists=True) for f in corpus_schema() if f.name != "meta"}
    row["meta"] = json.dumps(record.get("meta", {}), ensure_ascii=False)
    return row


def _without(struct_type, *names: str):
    import pyarrow as pa

    return pa.struct([f for f in struct_type if f.name not in names])


def _shape(value, arrow_type, *, empty_lists: bool = False):
    """``value`` cut to ``arrow_type``: struct fields picked by name (missing ones None, or an empty
    list for a list field when ``empty_lists``), lists element-wise."""
    import pyarrow as pa

    if value is None:
        return [] if empty_lists and pa.types.is_list(arrow_type) else None
    if pa.types.is_struct(arrow_type):
        return {f.name: _shape(value.get(f.name), f.type, empty_lists=empty_lists) for f in arrow_type}
    if pa.types.is_list(arrow_type):
        return [_shape(v, arrow_type.value_type, empty_lists=empty_lists) for v in value]
    return value


def annotation_columns(record: dict) -> dict:
    """A record's annotations shaped to :func:`annotation_schema` (lists empty where absent)."""
    return {f.name: _shape(record.get(f.name) or [], f.type) for f in annotation_schema()}


def annotation_features():
    """The ``datasets.Features`` of the columns :func:`annotate_dataset` adds."""
    import pyarrow as pa
    from datasets import Features

    schema = annotation_schema()
    return Features.from_arrow_schema(schema.append(pa.field("annotation_error", pa.string())))


def corpus_features():
    """The ``datasets.Features`` of a gold corpus record (:func:`corpus_schema`, int64 offsets as in Arrow)."""
    from datasets import Features

    return Features.from_arrow_schema(corpus_schema())
