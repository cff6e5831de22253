"""Round trip with Label Studio's JSON task format.

Entities become ``labels`` results and relations ``relation`` results, so people
can correct and extend the corpus in Label Studio's relation-annotation UI
(:data:`LABEL_CONFIG` is the matching labelling interface). Label Studio has no
notion of a triple: triples travel in the task's ``data.triples`` (as lists of
entity ids per role) and come back unchanged unless edited there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from .schema_rules import ENTITY_LABELS, RELATION_LABELS

LABEL_CONFIG = (
    "<View>\n  <Relations>\n"
    + "".join(f'    <Relation value="{r}"/>\n' for r in RELATION_LABELS)
    + '  </Relations>\n  <Labels name="label" toName="text">\n'
    + "".join(f'    <Label value="{label}"/>\n' for label in ENTITY_LABELS)
    + '  </Labels>\n  <Text name="text" value="$text"/>\n</View>\n'
)

_ROLES = ("company", "program", "outcome", "agency")


def _ids(slot: dict | None) -> list[str] | None:
    if not slot:
        return None
    return [slot["entity"]] + [a["entity"] for a in slot.get("aliases", [])]


def to_task(doc: dict) -> dict:
    result = [
        {
            "id": e["id"],
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": e["start"], "end": e["end"], "text": e["text"], "labels": [e["label"]]},
        }
        for e in doc["entities"]
    ]
    result += [
        {"from_id": r["head"], "to_id": r["tail"], "type": "relation", "direction": "right", "labels": [r["label"]]}
        for r in doc["relations"]
    ]
    triples = [{role: _ids(t.get(role)) for role in _ROLES} for t in doc["triples"]]
    data = {"id": doc["id"], "text": doc["text"], "triples": triples, "meta": doc.get("meta", {}), "sentences": doc.get("sentences", [])}
    return {"data": data, "annotations": [{"result": result}]}


def from_task(task: dict) -> dict:
    """A SCHEMA.md corpus record from a Label Studio task (its latest annotation)."""
    data = task["data"]
    text = data["text"]
    anns = task.get("annotations") or []
    result = anns[-1]["result"] if anns else []
    entities, relations = [], []
    for item in result:
        if item.get("type") == "labels":
            v = item["value"]
            entities.append(
                {"id": item["id"], "label": v["labels"][0], "start": v["start"], "end": v["end"], "text": text[v["start"] : v["end"]]}
            )
        elif item.get("type") == "relation":
            for label in item.get("labels") or []:
                relations.append({"head": item["from_id"], "tail": item["to_id"], "label": label})
    by_id = {e["id"]: e for e in entities}

    def slot(ids: list[str] | None) -> dict | None:
        if not ids:
            return None
        spans = [{"text": by_id[i]["text"], "start": by_id[i]["start"], "end": by_id[i]["end"], "entity": i} for i in ids]
        main = dict(spans[0])
        if spans[1:]:
            main["aliases"] = spans[1:]
        return main

    triples = [{role: slot(t.get(role)) for role in _ROLES} for t in data.get("triples", [])]
    return {
        "id": data["id"],
        "text": text,
        "sentences": data.get("sentences", []),
        "entities": entities,
        "relations": relations,
        "triples": triples,
        "meta": data.get("meta", {}),
    }


def export(docs: Iterable[dict]) -> list[dict]:
    return [to_task(d) for d in docs]


def import_tasks(tasks: list[dict]) -> Iterator[dict]:
    for task in tasks:
        yield from_task(task)


def read_tasks(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
