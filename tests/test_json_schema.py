"""docs/annotation.schema.json: generated from the record's one shape, and true of real output."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.core.json_schema import SchemaDriftError, annotation_json_schema, dumps_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the dev extra (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "docs" / "annotation.schema.json"
EXAMPLES = ROOT / "examples" / "news.jsonl"


def _validator():
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(record: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(record)]


def test_shipped_file_is_what_the_command_prints(capsys):
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == SHIPPED.read_text(encoding="utf-8"), (
        "docs/annotation.schema.json is stale: run python -m pipeline schema -o docs/annotation.schema.json"
    )
    assert printed == dumps_schema()


def test_command_writes_a_file(tmp_path):
    out = tmp_path / "s.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == annotation_json_schema()


def test_schema_follows_the_typed_records():
    schema = annotation_json_schema()
    props = schema["properties"]
    assert schema["required"] == ["id", "text", "sentences", "entities", "relations", "triples"]
    triple = props["triples"]["items"]
    assert triple["required"] == ["company", "program", "outcome"]  # agency and score are typed `| None`
    assert triple["properties"]["agency"]["type"] == ["object", "null"]
    assert props["entities"]["items"]["properties"]["label"]["enum"] == ["COMPANY", "AGENCY", "PROGRAM", "OUTCOME"]
    # fields only the Arrow schema knows are there, optional
    value = triple["properties"]["outcome"]["properties"]["value"]
    assert set(value["properties"]) >= {"metric", "value", "unit", "direction", "base", "period"}
    assert "canonical" in triple["properties"]["company"]["properties"]
    assert "standard_entities" in props and "standard_entities" not in schema["required"]
    assert "record" not in props  # a Parquet column, no field of a JSON record


def test_a_field_the_arrow_schema_lacks_is_drift(monkeypatch):
    import pyarrow as pa

    from pipeline.core import arrow

    real = arrow.parquet_schema

    def without_relations():
        return pa.schema([f for f in real() if f.name != "relations"])

    monkeypatch.setattr(arrow, "parquet_schema", without_relations)
    with pytest.raises(SchemaDriftError, match="relations"):
        annotation_json_schema()


# -- real output ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def annotated(tmp_path_factory) -> list[dict]:
    """annotate's output for the shipped examples, with the shipped default model."""
    out = tmp_path_factory.mktemp("schema") / "out.jsonl"
    assert main(["annotate", str(EXAMPLES), "-o", str(out), "-q"]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(EXAMPLES.read_text(encoding="utf-8").splitlines())
    return records


def test_annotate_output_validates(annotated):
    for record in annotated:
        assert _errors(record) == [], record["id"]
    # the check is not empty: the output exercises the optional parts too
    triples = [t for r in annotated for t in r["triples"]]
    assert triples and any(t["outcome"].get("value") for t in triples) and any(r.get("standard_entities") for r in annotated)


def _with_triple(annotated: list[dict]) -> dict:
    return copy.deepcopy(next(r for r in annotated if r["triples"] and r["relations"]))


BREAKS = {
    "entity start as a string": lambda r: r["entities"][0].__setitem__("start", str(r["entities"][0]["start"])),
    "negative offset": lambda r: r["sentences"][0].__setitem__("start", -1),
    "unknown entity label": lambda r: r["entities"][0].__setitem__("label", "FIRM"),
    "entity without text": lambda r: r["entities"][0].pop("text"),
    "unknown relation label": lambda r: r["relations"][0].__setitem__("label", "OWNS"),
    "triple without outcome": lambda r: r["triples"][0].pop("outcome"),
    "null program": lambda r: r["triples"][0].__setitem__("program", None),
    "score above 1": lambda r: r["triples"][0].__setitem__("score", 1.5),
    "value as text": lambda r: r["triples"][0]["outcome"].__setitem__("value", {"value": "320만"}),
    "evidence not a list": lambda r: r["triples"][0].__setitem__("evidence", {"start": 0, "end": 5}),
    "triples not a list": lambda r: r.__setitem__("triples", r["triples"][0]),
    "no id": lambda r: r.pop("id"),
}


@pytest.mark.parametrize("what", list(BREAKS))
def test_a_broken_field_fails(annotated, what):
    record = _with_triple(annotated)
    assert _errors(record) == []
    BREAKS[what](record)
    assert _errors(record), f"{what} passed validation"


def test_added_fields_and_null_agency_pass(annotated):
    record = _with_triple(annotated)
    record["meta"] = {"collector": "x"}  # fields may be added
    record["triples"][0]["agency"] = None  # SCHEMA.md: agency may be null
    record["triples"][0]["outcome"]["value"]["currency_note"] = "added"
    assert _errors(record) == []


# -- the example in docs/schema.md -----------------------------------------------------------


def test_schema_page_example_is_real_output():
    page = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", page, re.S)
    assert block, "docs/schema.md has no ```json example"
    example = json.loads(block.group(1))
    import pipeline

    assert _errors(example) == []
    assert pipeline.validate(example) == []  # every span: text[start:end] == its text
    originals = {r["id"]: r for r in map(json.loads, EXAMPLES.read_text(encoding="utf-8").splitlines())}
    assert example["text"] == originals[example["id"]]["text"], "the example's text is not examples/news.jsonl's"
