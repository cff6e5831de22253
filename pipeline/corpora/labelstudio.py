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


class TaskError(ValueError):
    """A Label Studio task that cannot be read back; the message names the task."""


#: Most triples one task may hold: a real article has tens; the bound keeps a crafted
#: task from multiplying its entities into an output many times its size.
MAX_TRIPLES_PER_TASK = 10_000


def _need(ok: bool, where: str, problem: str) -> None:
    if not ok:
        raise TaskError(f"{where}: {problem}")


def from_task(task: dict, index: int = 0) -> dict:
    """A SCHEMA.md corpus record from a Label Studio task (its latest annotation).

    Raises :class:`TaskError` naming the task (its position and id) and the problem
    for anything malformed, instead of a bare KeyError deep inside.
    """
    where = f"task {index}"
    _need(isinstance(task, dict), where, f"is a {type(task).__name__}, not an object")
    data = task.get("data")
    _need(isinstance(data, dict), where, "has no 'data' object")
    doc_id, text = data.get("id"), data.get("text")
    where = f"task {index} ({doc_id})"
    _need(
        isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) and str(doc_id) != "", where, "data.id is missing or not a string"
    )
    _need(isinstance(text, str), where, "data.text is missing or not a string")
    anns = task.get("annotations") or []
    _need(isinstance(anns, list) and all(isinstance(a, dict) for a in anns), where, "annotations is not a list of objects")
    result = anns[-1].get("result", []) if anns else []
    _need(isinstance(result, list), where, "the annotation's result is not a list")
    entities, relations, by_id = [], [], {}
    for n, item in enumerate(result):
        _need(isinstance(item, dict), where, f"result {n} is not an object")
        if item.get("type") == "labels":
            v = item.get("value")
            _need(isinstance(v, dict), where, f"result {n} has no value")
            start, end, labels, eid = v.get("start"), v.get("end"), v.get("labels"), item.get("id")
            _need(isinstance(eid, str) and eid not in by_id, where, f"result {n} has a missing or repeated id {eid!r}")
            _need(
                isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text),
                where,
                f"region {eid} has offsets {start!r}–{end!r} outside the text ({len(text)} characters)",
            )
            _need(
                isinstance(labels, list) and len(labels) == 1 and labels[0] in ENTITY_LABELS,
                where,
                f"region {eid} needs exactly one label of {', '.join(ENTITY_LABELS)}, has {labels!r}",
            )
            by_id[eid] = {"id": eid, "label": labels[0], "start": start, "end": end, "text": text[start:end]}
            entities.append(by_id[eid])
    for n, item in enumerate(result):
        if item.get("type") == "relation":
            head, tail, labels = item.get("from_id"), item.get("to_id"), item.get("labels") or []
            _need(head in by_id and tail in by_id, where, f"relation {n} joins unknown regions {head!r} → {tail!r}")
            _need(
                isinstance(labels, list) and all(label in RELATION_LABELS for label in labels),
                where,
                f"relation {n} has labels {labels!r}, not of {', '.join(RELATION_LABELS)}",
            )
            relations.extend({"head": head, "tail": tail, "label": label} for label in labels)

    def slot(ids, t: int, role: str) -> dict | None:
        if not ids:
            return None
        _need(isinstance(ids, list) and all(isinstance(i, str) for i in ids), where, f"triple {t} {role} is not a list of region ids")
        ids = list(dict.fromkeys(ids))  # a region once, however often it is listed
        missing = [i for i in ids if i not in by_id]
        _need(not missing, where, f"triple {t} {role} names unknown regions {missing[:3]}")
        spans = [{"text": by_id[i]["text"], "start": by_id[i]["start"], "end": by_id[i]["end"], "entity": i} for i in ids]
        main = dict(spans[0])
        if spans[1:]:
            main["aliases"] = spans[1:]
        return main

    raw_triples = data.get("triples", [])
    _need(isinstance(raw_triples, list), where, "data.triples is not a list")
    _need(
        len(raw_triples) <= MAX_TRIPLES_PER_TASK, where, f"{len(raw_triples):,} triples, over the {MAX_TRIPLES_PER_TASK:,} a task may hold"
    )
    triples = []
    for t, raw in enumerate(raw_triples):
        _need(isinstance(raw, dict), where, f"triple {t} is not an object")
        triples.append({role: slot(raw.get(role), t, role) for role in _ROLES})
    meta = data.get("meta", {})
    return {
        "id": str(doc_id),
        "text": text,
        "sentences": data.get("sentences", []) if isinstance(data.get("sentences"), list) else [],
        "entities": entities,
        "relations": relations,
        "triples": triples,
        "meta": meta if isinstance(meta, dict) else {},
    }


def export(docs: Iterable[dict]) -> list[dict]:
    return [to_task(d) for d in docs]


def import_tasks(tasks: list[dict]) -> Iterator[dict]:
    for i, task in enumerate(tasks):
        yield from_task(task, i)


def read_tasks(path) -> list[dict]:
    """The tasks of a Label Studio JSON export; :class:`TaskError` if the file is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            tasks = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise TaskError(f"{path}: not a Label Studio JSON export ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(tasks, list):
        raise TaskError(f"{path}: a Label Studio export is a JSON list of tasks, this is a {type(tasks).__name__}")
    return tasks
