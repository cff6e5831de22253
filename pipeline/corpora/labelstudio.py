"""Round trip with Label Studio's JSON task format.

Entities become ``labels`` results and relations ``relation`` results, so people
can correct and extend the corpus in Label Studio's relation-annotation UI
(:data:`LABEL_CONFIG` is the matching labelling interface). What a record is
decides where its results go:

* a gold corpus record (it has ``meta`` and no scores) becomes the task's
  *annotation*, so reviewers correct it in place;
* model output (``annotate``'s records: entities carry a ``score``) becomes the
  task's *prediction*, tagged with the model's name and version and a ``score``
  on every region and relation, so Label Studio shows it as a proposal that a
  reviewer accepts or corrects, and tells model output from human work.

Label Studio has no notion of a triple: triples travel in the task's
``data.triples`` (as lists of region ids per role). For predictions the triple's
score, evidence and each part's own fields (canonical name, the outcome's parsed
value) ride along, so an unreviewed task reads back as the very record that was
exported. A reviewer cannot edit triples there; on import a triple follows its
regions (a re-bounded region moves the triple's span) and is dropped when the
reviewer removed or relabelled one of its parts (:mod:`.review` reports it).

Why one module over 400 lines: export and import are the two directions of one format. What
goes to an annotation and what to a prediction, and how triples ride in ``data.triples``, must
change on both sides at once, so that an unreviewed task keeps reading back as the record that
was exported (tests/test_labelstudio.py round-trips them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from ..core.document import RECORD_FIELDS, TRIPLE_ROLES
from ..core.schema import ENTITY_LABELS, RELATION_LABELS
from .econ import IMPLIED

LABEL_CONFIG = (
    "<View>\n  <Relations>\n"
    + "".join(f'    <Relation value="{r}"/>\n' for r in RELATION_LABELS)
    + '  </Relations>\n  <Labels name="label" toName="text">\n'
    + "".join(f'    <Label value="{label}"/>\n' for label in ENTITY_LABELS)
    + '  </Labels>\n  <Text name="text" value="$text"/>\n</View>\n'
)

_ROLES = TRIPLE_ROLES
_ROLE_LABEL = {"company": "COMPANY", "program": "PROGRAM", "outcome": "OUTCOME", "agency": "AGENCY"}
#: the record fields that results and ``data`` carry; any other field of model output
#: (``source``, ``standard_entities`` …) travels untouched in ``data.fields``
_CORE = RECORD_FIELDS
#: key of a prediction triple that holds each part's own fields (canonical, value …)
_SLOT_FIELDS = "slot_fields"


class TaskError(ValueError):
    """A Label Studio task that cannot be read back; the message names the task."""


#: Most triples one task may hold: a real article has tens; the bound keeps a crafted
#: task from multiplying its entities into an output many times its size.
MAX_TRIPLES_PER_TASK = 10_000


def _need(ok: bool, where: str, problem: str) -> None:
    if not ok:
        raise TaskError(f"{where}: {problem}")


# -- export ------------------------------------------------------------------------------------


def is_model_output(doc: dict) -> bool:
    """Whether a record is model output (→ prediction) rather than gold (→ annotation).

    annotate's records score every entity, relation and triple; corpus records never
    carry a score and always carry ``meta``. A record with neither (nothing found,
    no meta) is model output: exporting it as an empty *annotation* would claim a
    person had checked the text and found nothing.
    """
    scored = any("score" in x for key in ("entities", "relations", "triples") for x in doc.get(key) or [])
    return scored or "meta" not in doc


def _region(e: dict, scored: bool) -> dict:
    region = {
        "id": e["id"],
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": e["start"], "end": e["end"], "text": e["text"], "labels": [e["label"]]},
    }
    if scored and e.get("score") is not None:
        region["score"] = e["score"]
    return region


def _relation(r: dict, scored: bool) -> dict:
    rel = {"from_id": r["head"], "to_id": r["tail"], "type": "relation", "direction": "right", "labels": [r["label"]]}
    if scored and r.get("score") is not None:
        rel["score"] = r["score"]
    return rel


def _ids(slot: dict | None) -> list[str] | None:
    if not slot:
        return None
    return [slot["entity"]] + [a["entity"] for a in slot.get("aliases", [])]


def _predicted_triple(doc: dict, t: dict, n: int) -> dict:
    """A model triple as region ids per role, its own fields kept beside them."""
    by_span = {(e["start"], e["end"], e["label"]): e["id"] for e in doc["entities"]}
    out: dict = {}
    slot_fields: dict = {}
    for role in _ROLES:
        slot = t.get(role)
        if not slot:
            out[role] = None
            continue
        eid = by_span.get((slot["start"], slot["end"], _ROLE_LABEL[role]))
        if eid is None:
            raise ValueError(
                f"record {doc['id']}: triple {n} {role} {slot.get('text')!r} ({slot['start']}–{slot['end']}) is none of its {_ROLE_LABEL[role]} entities"
            )
        out[role] = [eid]
        extra = {k: v for k, v in slot.items() if k not in ("text", "start", "end")}
        if extra:
            slot_fields[role] = extra
    out.update({k: v for k, v in t.items() if k not in _ROLES})
    if slot_fields:
        out[_SLOT_FIELDS] = slot_fields
    return out


def _prediction_score(doc: dict) -> float | None:
    """The task's score for Label Studio's task list: the mean score of its triples (the
    facts are what a reviewer checks), else of its entities; None when there is neither."""
    for key in ("triples", "entities"):
        scores = [x["score"] for x in doc.get(key) or [] if isinstance(x.get("score"), (int, float))]
        if scores:
            return round(sum(scores) / len(scores), 4)
    return None


def to_task(doc: dict, model_version: str | None = None) -> dict:
    """One Label Studio task: gold as an annotation, model output as a prediction.

    ``model_version`` (the model's name and version) is required for model output:
    Label Studio keeps predictions of different models apart by it.
    """
    if not is_model_output(doc):
        result = [_region(e, False) for e in doc["entities"]] + [_relation(r, False) for r in doc["relations"]]
        triples = [{role: _ids(t.get(role)) for role in _ROLES} for t in doc["triples"]]
        data = {
            "id": doc["id"],
            "text": doc["text"],
            "triples": triples,
            "meta": doc.get("meta", {}),
            "sentences": doc.get("sentences", []),
        }
        return {"data": data, "annotations": [{"result": result}]}
    if not model_version:
        raise ValueError(f"record {doc.get('id')}: model output needs the model's name and version (model_version)")
    entities, relations = doc.get("entities") or [], doc.get("relations") or []
    result = [_region(e, True) for e in entities] + [_relation(r, True) for r in relations]
    doc = {**doc, "entities": entities}
    data = {
        "id": doc["id"],
        "text": doc["text"],
        "triples": [_predicted_triple(doc, t, n) for n, t in enumerate(doc.get("triples") or [])],
        "sentences": doc.get("sentences", []),
        "fields": {k: v for k, v in doc.items() if k not in _CORE},
    }
    prediction = {"model_version": model_version, "result": result}
    score = _prediction_score(doc)
    if score is not None:
        prediction["score"] = score
    return {"data": data, "predictions": [prediction]}


def export(docs: Iterable[dict], model_version: str | None = None) -> list[dict]:
    return [to_task(d, model_version) for d in docs]


# -- import ------------------------------------------------------------------------------------


def _latest(items: list[dict]) -> dict | None:
    """The newest by ``updated_at``/``created_at`` (Label Studio's ISO times), else the last listed."""
    if not items:
        return None
    return max(enumerate(items), key=lambda p: (str(p[1].get("updated_at") or p[1].get("created_at") or ""), p[0]))[1]


def chosen_annotation(task: dict) -> dict | None:
    """The task's latest annotation that was not cancelled (skipped), or None."""
    anns = task.get("annotations")
    return _latest([a for a in anns if isinstance(a, dict) and not a.get("was_cancelled")]) if isinstance(anns, list) else None


def chosen_prediction(task: dict) -> dict | None:
    """The prediction the review started from (the annotation's ``parent_prediction``), else the latest.

    Label Studio's plain JSON export lists predictions by id only: those count as
    absent here (see :func:`fill_predictions`).
    """
    preds = [p for p in task.get("predictions") if isinstance(p, dict)] if isinstance(task.get("predictions"), list) else []
    parent = (chosen_annotation(task) or {}).get("parent_prediction")
    for p in preds:
        if parent is not None and p.get("id") == parent:
            return p
    return _latest(preds)


def has_predictions(task: dict) -> bool:
    """Whether the model proposed anything for the task, even if the export holds only the ids."""
    return bool(task.get("predictions")) or bool(task.get("total_predictions"))


def fill_predictions(tasks: list[dict], sent: list[dict]) -> int:
    """Give tasks whose export lists predictions by id only the predictions that were sent.

    Label Studio exports a task's predictions as ids unless asked for them in full
    (``serialization_options.predictions.only_id = false``); the tasks file that
    :func:`export` wrote holds them whole, matched here by ``data.id``. Returns how
    many tasks were filled.
    """
    by_id = {}
    for t in sent:
        if isinstance(t, dict) and isinstance(t.get("data"), dict) and isinstance(t.get("predictions"), list):
            by_id[str(t["data"].get("id"))] = [p for p in t["predictions"] if isinstance(p, dict)]
    filled = 0
    for task in tasks:
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict) or not has_predictions(task):
            continue
        preds = task.get("predictions") if isinstance(task.get("predictions"), list) else []
        if not any(isinstance(p, dict) for p in preds) and by_id.get(str(task["data"].get("id"))):
            task["predictions"] = by_id[str(task["data"]["id"])]
            filled += 1
    return filled


def read_result(result, text: str, where: str, *, scored: bool) -> tuple[list[dict], list[dict]]:
    """Entities and relations of one annotation's or prediction's result list.

    ``scored``: keep the ``score`` of regions and relations (a prediction's); a
    person's annotation has none worth keeping.
    """
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
            if scored and isinstance(item.get("score"), (int, float)):
                by_id[eid]["score"] = item["score"]
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
            for label in labels:
                rel = {"head": head, "tail": tail, "label": label}
                if scored and isinstance(item.get("score"), (int, float)):
                    rel["score"] = item["score"]
                relations.append(rel)
    return entities, relations


def _raw_triples(data: dict, where: str) -> list[dict]:
    raw = data.get("triples", [])
    _need(isinstance(raw, list), where, "data.triples is not a list")
    _need(len(raw) <= MAX_TRIPLES_PER_TASK, where, f"{len(raw):,} triples, over the {MAX_TRIPLES_PER_TASK:,} a task may hold")
    for t, item in enumerate(raw):
        _need(isinstance(item, dict), where, f"triple {t} is not an object")
    return raw


def _role_ids(raw: dict, t: int, role: str, where: str) -> list[str] | None:
    ids = raw.get(role)
    if not ids:
        return None
    _need(isinstance(ids, list) and all(isinstance(i, str) for i in ids), where, f"triple {t} {role} is not a list of region ids")
    return list(dict.fromkeys(ids))  # a region once, however often it is listed


def _relation_keys(result) -> set[tuple]:
    return {
        (item.get("from_id"), label, item.get("to_id"))
        for item in result or []
        if isinstance(item, dict) and item.get("type") == "relation" and isinstance(item.get("labels"), list)
        for label in item["labels"]
    }


def _gold_triples(
    raw_triples: list[dict], by_id: dict, predicted: set[str], where: str, removed: frozenset = frozenset()
) -> tuple[list[dict], list[int]]:
    """Triples over the annotation's regions, and the positions of those dropped.

    A triple is dropped (not an error) when a part names a region the model predicted
    and the reviewer removed or gave another label, or when the reviewer removed a
    relation the triple rests on (``removed``: head, label, tail): the reviewer has
    judged it. A region known to neither the annotation nor the prediction is an error.
    """
    triples, dropped = [], []
    for t, raw in enumerate(raw_triples):
        triple, keep = {}, True
        for role in _ROLES:
            ids = _role_ids(raw, t, role, where)
            if ids is None:
                triple[role] = None
                continue
            missing = [i for i in ids if i not in by_id]
            _need(
                all(i in predicted for i in missing),
                where,
                f"triple {t} {role} names unknown regions {[i for i in missing if i not in predicted][:3]}",
            )
            if missing or (predicted and by_id[ids[0]]["label"] != _ROLE_LABEL[role]):
                keep = False
                break
            spans = [{"text": by_id[i]["text"], "start": by_id[i]["start"], "end": by_id[i]["end"], "entity": i} for i in ids]
            triple[role] = dict(spans[0])
            if spans[1:]:
                triple[role]["aliases"] = spans[1:]
        implied = {
            (triple[h]["entity"], label, triple[tl]["entity"]) for h, label, tl in IMPLIED if keep and triple.get(h) and triple.get(tl)
        }
        if keep and not implied & removed:
            triples.append(triple)
        else:
            dropped.append(t)
    return triples, dropped


def _implied_relations(triples: list[dict], relations: list[dict]) -> list[dict]:
    """The relations that kept triples imply and the annotation lacks.

    The model's triples need no relation behind them, but a corpus triple states that the
    company took part in the program and achieved the outcome through it: ``corpus build``
    adds these relations to every triple, and a reviewed record gets them the same way, so
    ``corpus validate`` accepts it.
    """
    seen = {(r["head"], r["label"], r["tail"]) for r in relations}
    added = []
    for t in triples:
        for head_role, label, tail_role in IMPLIED:
            if t.get(head_role) and t.get(tail_role):
                key = (t[head_role]["entity"], label, t[tail_role]["entity"])
                if key not in seen:
                    seen.add(key)
                    added.append({"head": key[0], "tail": key[2], "label": label})
    return added


def _predicted_triples(raw_triples: list[dict], by_id: dict, where: str) -> list[dict]:
    """Model triples as annotate wrote them: spans with their own fields, score, evidence."""
    out = []
    for t, raw in enumerate(raw_triples):
        fields = raw.get(_SLOT_FIELDS) or {}
        _need(isinstance(fields, dict), where, f"triple {t} {_SLOT_FIELDS} is not an object")
        triple: dict = {}
        for role in _ROLES:
            ids = _role_ids(raw, t, role, where)
            if ids is None:
                triple[role] = None
                continue
            _need(ids[0] in by_id, where, f"triple {t} {role} names unknown regions {ids[:1]}")
            e = by_id[ids[0]]
            triple[role] = {"text": e["text"], "start": e["start"], "end": e["end"], **(fields.get(role) or {})}
        triple.update({k: v for k, v in raw.items() if k not in _ROLES and k != _SLOT_FIELDS})
        out.append(triple)
    return out


def from_task(task: dict, index: int = 0) -> dict:
    """A SCHEMA.md record from a Label Studio task.

    The latest annotation that was not cancelled gives a corpus record (no scores;
    triples over its regions). A task nobody annotated reads back as its latest
    prediction: the model output that was exported, scores included. Raises
    :class:`TaskError` naming the task (its position and id) and the problem for
    anything malformed, instead of a bare KeyError deep inside.
    """
    return read_task(task, index)[0]


def read_task(task: dict, index: int = 0) -> tuple[dict, list[int]]:
    """:func:`from_task`, and the positions of the triples the review dropped."""
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
    anns, preds = task.get("annotations") or [], task.get("predictions") or []
    _need(isinstance(anns, list) and all(isinstance(a, dict) for a in anns), where, "annotations is not a list of objects")
    _need(
        isinstance(preds, list) and all(isinstance(p, dict) or (isinstance(p, int) and not isinstance(p, bool)) for p in preds),
        where,
        "predictions is not a list of objects or ids",
    )
    raw_triples = _raw_triples(data, where)
    sentences = data.get("sentences", []) if isinstance(data.get("sentences"), list) else []
    annotation, prediction = chosen_annotation(task), chosen_prediction(task)

    _need(
        annotation is not None or prediction is not None or not has_predictions(task),
        where,
        "nobody annotated it and the export lists its predictions by id only: give the tasks file that was imported "
        "into Label Studio (--predictions) or leave unreviewed tasks out (--reviewed-only)",
    )
    if annotation is None and prediction is not None:
        entities, relations = read_result(prediction.get("result", []), text, where, scored=True)
        by_id = {e["id"]: e for e in entities}
        fields = data.get("fields") if isinstance(data.get("fields"), dict) else {}
        doc = {"id": str(doc_id), "text": text, "sentences": sentences, "entities": entities, "relations": relations}
        doc["triples"] = _predicted_triples(raw_triples, by_id, where)
        return {**doc, **{k: v for k, v in fields.items() if k not in _CORE}}, []

    entities, relations = read_result(annotation.get("result", []) if annotation else [], text, where, scored=False)
    predicted: set[str] = set()
    if prediction is not None:
        predicted = {item.get("id") for item in prediction.get("result") or [] if isinstance(item, dict) and item.get("type") == "labels"}
    removed = frozenset()
    if prediction is not None:
        removed = frozenset(_relation_keys(prediction.get("result")) - {(r["head"], r["label"], r["tail"]) for r in relations})
    triples, dropped = _gold_triples(raw_triples, {e["id"]: e for e in entities}, predicted, where, removed)
    if predicted:
        relations += _implied_relations(triples, relations)
    meta = data.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    if prediction is not None and "meta" not in data:  # a reviewed prediction: say where it came from
        fields = data.get("fields") if isinstance(data.get("fields"), dict) else {}
        meta = {"source": "label-studio-review", "synthetic": False, "reviewed_from": str(prediction.get("model_version") or "?")}
        if fields.get("source") is not None:
            meta["input"] = fields["source"]
    return {
        "id": str(doc_id),
        "text": text,
        "sentences": sentences,
        "entities": entities,
        "relations": relations,
        "triples": triples,
        "meta": meta,
    }, dropped


def import_tasks(tasks: list[dict]) -> Iterator[dict]:
    for i, task in enumerate(tasks):
        yield from_task(task, i)


def read_tasks(path) -> list[dict]:
    """The tasks of a Label Studio JSON export; :class:`TaskError` if the file is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            tasks = json.load(f)
    except OSError as exc:
        raise TaskError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise TaskError(f"{path}: not a Label Studio JSON export ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(tasks, list):
        raise TaskError(f"{path}: a Label Studio export is a JSON list of tasks, this is a {type(tasks).__name__}")
    return tasks
