"""The JSON Schema of one annotated record, derived from the shapes the code already declares.

Why derived and not written: the record's shape is declared once as Arrow types
(:func:`pipeline.core.arrow.parquet_schema`, which Parquet output and ``datasets``
features use) and once as typed records (:mod:`pipeline.core.document`). A JSON Schema
written by hand would be one more copy that drifts the day a field is added. So:

* every field and its type come from the Arrow schema (the Parquet-only ``record``
  column, the whole record as a JSON string, is left out: JSON output has no such field);
* which fields a record must have comes from the typed records: a field that
  :class:`~pipeline.core.document.Document`, ``Entity``, ``Relation``, ``Triple`` or ``Slot``
  declares is required, unless it is typed ``… | None`` (then it may be null or
  absent); a field only the Arrow schema knows (an outcome's ``value``, canonical
  names, ``evidence``, ``standard_entities``, ``source``) is optional;
* the label vocabularies come from :mod:`pipeline.core.schema` and KLUE's list.

A typed field missing from the Arrow schema raises :class:`SchemaDriftError`, so the two
declarations cannot part silently. Objects stay open (``additionalProperties`` is not
restricted): the schema lets fields be added, never renamed or retyped. What JSON Schema
cannot say — ``text[start:end] == span text``, relation heads naming real entities — is
checked by :func:`pipeline.validate`.

``python -m pipeline schema`` prints it; ``docs/annotation.schema.json`` is its output.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Columns of the Parquet row that are no field of a JSON record.
PARQUET_ONLY = ("record",)


class SchemaDriftError(RuntimeError):
    """The typed records and the Arrow schema disagree on the fields of a record."""


def _label_vocabularies() -> dict[tuple[str, ...], tuple[str, ...]]:
    from .schema import ENTITY_LABELS, RELATION_LABELS, STANDARD_LABELS

    return {
        ("entities", "label"): ENTITY_LABELS,
        ("relations", "label"): RELATION_LABELS,
        ("standard_entities", "label"): STANDARD_LABELS,
    }


def _split_optional(hint: Any) -> tuple[Any, bool]:
    """(the type without ``None``, whether ``None`` was allowed)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) < len(typing.get_args(hint)):
            return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True
    return hint, False


def _record_class(hint: Any) -> type | None:
    """The dataclass a hint names, directly or as the items of a list."""
    hint, _ = _split_optional(hint)
    if typing.get_origin(hint) is list:
        (hint,) = typing.get_args(hint)
    return hint if dataclasses.is_dataclass(hint) else None


def _typed_fields(cls: type | None) -> dict[str, tuple[Any, bool]]:
    """Declared field → (its hint, whether it may be None); ``extra`` holds undeclared fields."""
    if cls is None:
        return {}
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        if f.name == "extra":
            continue
        out[f.name] = (hints[f.name], _split_optional(hints[f.name])[1])
    return out


def _with_null(schema: dict) -> dict:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {"anyOf": [schema, {"type": "null"}]}


def _convert(arrow_type, cls: type | None, path: tuple[str, ...], vocab: dict) -> dict:
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):
        declared = _typed_fields(cls)
        names = {f.name for f in arrow_type}
        missing = [name for name in declared if name not in names]
        if missing:
            where = ".".join(path) or "the record"
            raise SchemaDriftError(
                f"{where}: {cls.__name__} declares {', '.join(missing)}, which the Arrow schema (pipeline/core/arrow.py) lacks"
            )
        properties, required = {}, []
        for field in arrow_type:
            hint, may_be_none = declared.get(field.name, (None, field.nullable))
            sub = _convert(field.type, _record_class(hint), (*path, field.name), vocab)
            if field.name in declared and not may_be_none:
                required.append(field.name)
            properties[field.name] = _with_null(sub) if may_be_none else sub
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            out["required"] = required
        return out
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return {"type": "array", "items": _convert(arrow_type.value_type, cls, path, vocab)}
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return {"type": "string", "enum": list(vocab[path])} if path in vocab else {"type": "string"}
    if pa.types.is_integer(arrow_type):
        # every integer of a record is a character offset (or a line number): never negative
        return {"type": "integer", "minimum": 0}
    if pa.types.is_floating(arrow_type):
        if path[-1] == "score":
            return {"type": "number", "minimum": 0, "maximum": 1}
        return {"type": "number"}
    if pa.types.is_boolean(arrow_type):
        return {"type": "boolean"}
    raise SchemaDriftError(f"{'.'.join(path)}: no JSON Schema type for Arrow type {arrow_type}")


def annotation_json_schema() -> dict:
    """The JSON Schema (draft 2020-12) that every record ``annotate`` writes satisfies."""
    import pyarrow as pa

    from .arrow import parquet_schema
    from .document import Document

    row = parquet_schema()
    fields = [f for f in row if f.name not in PARQUET_ONLY]
    body = _convert(pa.struct(fields), Document, (), _label_vocabularies())
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "econ-facts annotated document",
        "description": (
            "One annotated document as `python -m pipeline annotate` writes it (one JSON object a line), "
            "and as pipeline.extract and pipeline.Document.to_dict return it. Offsets are character offsets "
            "into `text`, end exclusive, and text[start:end] equals the span's text (pipeline.validate checks "
            "that; JSON Schema cannot). Fields may be added, never renamed. Explained in docs/schema.md; "
            "generated by `python -m pipeline schema` from pipeline/core/arrow.py and pipeline/core/document.py."
        ),
        **body,
    }


def dumps_schema(schema: dict | None = None) -> str:
    """The schema as the shipped file holds it: indented, UTF-8, one final newline."""
    return json.dumps(schema if schema is not None else annotation_json_schema(), ensure_ascii=False, indent=2) + "\n"
