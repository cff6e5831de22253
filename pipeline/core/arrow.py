"""The record's columnar shape: Arrow types, and the ``datasets`` features derived from them.

Parquet output, :func:`pipeline.annotate_dataset` and the JSON Schema
(:mod:`pipeline.core.json_schema`) all take their fields from :func:`annotation_schema`,
so the shape is written once. pyarrow and datasets are imported inside the functions:
the core must stay cheap to import.
"""

from __future__ import annotations


def annotation_schema():
    """Every field an annotated record holds besides ``id``/``text``, as Arrow types.

    This is the record's one columnar shape: Parquet output and
    :func:`pipeline.annotate_dataset` both take it (``datasets`` features are derived
    from it), so no field ``annotate`` writes — outcome values, canonical names,
    evidence, the standard layer — can be dropped on the way.
    """
    import pyarrow as pa

    offsets = [("start", pa.int64()), ("end", pa.int64())]
    span = [("text", pa.string()), *offsets]
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


def _shape(value, arrow_type):
    """``value`` cut to ``arrow_type``: struct fields picked by name (missing ones None), lists element-wise."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_struct(arrow_type):
        return {f.name: _shape(value.get(f.name), f.type) for f in arrow_type}
    if pa.types.is_list(arrow_type):
        return [_shape(v, arrow_type.value_type) for v in value]
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
