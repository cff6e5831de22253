"""What reviewers changed in Label Studio: each task's annotation against its prediction.

The figures say where the model needs work (which labels get relabelled, which
spans re-bounded) and how much a review pass actually touched, before its output
goes back into the corpus. Regions are paired by id first (Label Studio keeps a
predicted region's id when a reviewer edits it), then by identical span, then by
overlap; what stays unpaired was added or removed.
"""

from __future__ import annotations

from collections import Counter

from .labelstudio import chosen_annotation, chosen_prediction, read_result

#: the counts of one task's changes, in the order the summary prints them
KINDS = ("entities_added", "entities_removed", "relabelled", "rebounded", "relations_added", "relations_removed", "triples_dropped")


def _span(e: dict) -> dict:
    return {"id": e["id"], "label": e["label"], "start": e["start"], "end": e["end"], "text": e["text"]}


def _pair(predicted: list[dict], annotated: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs (predicted, annotated) of regions that are the same mention, maybe edited."""
    pairs = []
    left = {e["id"]: e for e in predicted}
    right = {e["id"]: e for e in annotated}
    for eid in [i for i in left if i in right]:
        pairs.append((left.pop(eid), right.pop(eid)))
    for p in list(left.values()):
        same = next((a for a in right.values() if (a["start"], a["end"]) == (p["start"], p["end"])), None)
        if same is not None:
            pairs.append((left.pop(p["id"]), right.pop(same["id"])))
    overlaps = sorted(
        (
            (min(p["end"], a["end"]) - max(p["start"], a["start"]), p["id"], a["id"])
            for p in left.values()
            for a in right.values()
            if min(p["end"], a["end"]) > max(p["start"], a["start"])
        ),
        reverse=True,
    )
    for _, pid, aid in overlaps:
        if pid in left and aid in right:
            pairs.append((left.pop(pid), right.pop(aid)))
    return pairs


def task_changes(task: dict, index: int, dropped_triples: list[int] | None = None) -> dict | None:
    """The changes of one task, or None when it lacks an annotation or a prediction to compare.

    Call it on a task :func:`labelstudio.read_task` accepted (it reports malformed tasks).
    """
    annotation, prediction = chosen_annotation(task), chosen_prediction(task)
    if annotation is None or prediction is None:
        return None
    text = task["data"]["text"]
    where = f"task {index} ({task['data'].get('id')})"
    p_ents, p_rels = read_result(prediction.get("result") or [], text, where, scored=False)
    a_ents, a_rels = read_result(annotation.get("result") or [], text, where, scored=False)
    pairs = _pair(p_ents, a_ents)
    paired_p = {p["id"] for p, _ in pairs}
    paired_a = {a["id"]: p["id"] for p, a in pairs}
    out: dict = {
        "task": index,
        "id": str(task["data"].get("id")),
        "model_version": prediction.get("model_version"),
        "entities_added": [_span(a) for a in a_ents if a["id"] not in paired_a],
        "entities_removed": [_span(p) for p in p_ents if p["id"] not in paired_p],
        "relabelled": [{**_span(a), "was": p["label"]} for p, a in pairs if p["label"] != a["label"]],
        "rebounded": [
            {**_span(a), "was": {"start": p["start"], "end": p["end"], "text": p["text"]}}
            for p, a in pairs
            if (p["start"], p["end"]) != (a["start"], a["end"])
        ],
    }
    text_of = {e["id"]: e["text"] for e in p_ents} | {e["id"]: e["text"] for e in a_ents}
    p_keys = {(r["head"], r["tail"], r["label"]) for r in p_rels}
    a_keys = {(paired_a.get(r["head"], r["head"]), paired_a.get(r["tail"], r["tail"]), r["label"]): r for r in a_rels}
    out["relations_added"] = [
        {"head": r["head"], "tail": r["tail"], "label": r["label"], "head_text": text_of[r["head"]], "tail_text": text_of[r["tail"]]}
        for key, r in a_keys.items()
        if key not in p_keys
    ]
    out["relations_removed"] = [
        {"head": h, "tail": t, "label": label, "head_text": text_of[h], "tail_text": text_of[t]}
        for h, t, label in sorted(p_keys - set(a_keys))
    ]
    out["triples_dropped"] = list(dropped_triples or [])
    return out


def totals(changes: list[dict]) -> Counter:
    return Counter({kind: sum(len(c[kind]) for c in changes) for kind in KINDS})


def _counts(n: dict) -> str:
    return (
        f"entities +{n['entities_added']} -{n['entities_removed']}, relabelled {n['relabelled']}, re-bounded {n['rebounded']}; "
        f"relations +{n['relations_added']} -{n['relations_removed']}; triples dropped {n['triples_dropped']}"
    )


def summary(changes: list[dict], tasks: int, unreviewed: int, *, left_out: bool = False) -> str:
    """A few lines for the terminal: the totals, then one line per task that changed."""
    fate = "left out" if left_out else "read back as predictions"
    lines = [f"{len(changes)} of {tasks} tasks reviewed against the model's predictions; {unreviewed} not reviewed ({fate})"]
    if changes:
        lines.append(f"changes in total: {_counts(totals(changes))}")
        lines += [f"  task {c['task']} ({c['id']}): {_counts({k: len(c[k]) for k in KINDS})}" for c in changes if any(c[k] for k in KINDS)]
    return "\n".join(lines)
