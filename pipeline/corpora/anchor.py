"""Turn an annotator's span strings into stand-off offsets.

Annotators (people or helpers) write what they see: a span's surface string and,
when the string occurs more than once, which occurrence (1-based) or a longer
snippet of the text around it (the span is found inside the snippet's first
occurrence). This module
finds the characters, checks the result, and writes the stand-off record the repo
keeps: ids, offsets and labels, never the outside text itself.

Authoring record (one JSON object a line, or a JSON list of them)::

    {"id": "c-001",                      # outside text: id in the data directory
     "text": "...",                      # only for documents the team wrote (syn-*)
     "entities": [["e1", "AGENCY", "전남테크노파크", 1],
                  ["e2", "AGENCY", "산업단지공단", "참가자들이 산업단지공단의"], ...],
     "relations": [["e1", "RUNS", "e2"], ...],
     "triples": [["e3", "e2", "e5", "e1"], [["e3", "e9"], "e2", "e6", null]],
     "note": "free text"}

A triple lists company, program, outcome and agency (or null); each part is one
entity id or a list of ids that name the same thing (the first is the main mention,
the rest are aliases that the scorer accepts too). Relations implied by a triple
are added by the corpus builder and need not be written.

Usage: ``python -m pipeline.corpora.anchor AUTHORING.jsonl -o STANDOFF.jsonl``
(``--data-dir`` for outside texts; ``--show`` prints each span in context).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.schema import ENTITY_LABELS, RELATION_SIGNATURES
from .sources import SourceError, fetch_text, source_of, text_sha256


class AnchorError(ValueError):
    pass


def _find(text: str, surface: str, occurrence: int) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(surface, start + 1)
        if start < 0:
            break
    return start


def _ids(part) -> list[str]:
    if part is None:
        return []
    return [part] if isinstance(part, str) else list(part)


def anchor_record(rec: dict, data_dir=None) -> tuple[dict, list[str]]:
    """Return (stand-off record, warnings) or raise AnchorError naming the problem."""
    doc_id = rec.get("id")
    if not doc_id:
        raise AnchorError("record has no id")
    kind = source_of(doc_id)
    if kind == "synthetic":
        text = rec.get("text")
        if not isinstance(text, str) or not text:
            raise AnchorError(f"{doc_id}: synthetic document needs its text")
        meta = {"source": "synthetic", "synthetic": True, "licence": "CC BY-SA 4.0 (this project)"}
    else:
        try:
            text, meta = fetch_text(doc_id, data_dir)
        except SourceError as exc:
            raise AnchorError(str(exc)) from exc
        meta = {**meta, "synthetic": False}
    warnings: list[str] = []
    entities, by_id = [], {}
    for item in rec.get("entities", []):
        if not isinstance(item, list) or len(item) not in (3, 4):
            raise AnchorError(f"{doc_id}: entity {item!r} is not [id, label, surface, occurrence]")
        eid, label, surface = item[:3]
        occ = item[3] if len(item) == 4 else 1
        if label not in ENTITY_LABELS:
            raise AnchorError(f"{doc_id}: entity {eid} has unknown label {label!r}")
        if eid in by_id:
            raise AnchorError(f"{doc_id}: entity id {eid} used twice")
        if surface != surface.strip() or not surface:
            raise AnchorError(f"{doc_id}: entity {eid} {surface!r} has outer white space")
        if isinstance(occ, str):  # a snippet of the text that holds the span
            at, inner = text.find(occ), occ.find(surface)
            if at < 0 or inner < 0:
                raise AnchorError(f"{doc_id}: entity {eid} context {occ!r} not in text or lacks {surface!r}")
            start = at + inner
        else:
            start = _find(text, surface, int(occ))
        if start < 0:
            raise AnchorError(f"{doc_id}: entity {eid} {surface!r} occurrence {occ} not in text")
        ent = {"id": eid, "label": label, "start": start, "end": start + len(surface)}
        for other in entities:
            if other["start"] == ent["start"] and other["end"] == ent["end"]:
                raise AnchorError(f"{doc_id}: entities {other['id']} and {eid} have the same span")
            if other["start"] < ent["end"] and ent["start"] < other["end"]:
                warnings.append(f"{doc_id}: {eid} overlaps {other['id']}")
        entities.append(ent)
        by_id[eid] = ent
    relations = []
    for item in rec.get("relations", []):
        if not isinstance(item, list) or len(item) != 3:
            raise AnchorError(f"{doc_id}: relation {item!r} is not [head, label, tail]")
        head, label, tail = item
        _check_relation(doc_id, by_id, head, label, tail)
        relations.append({"head": head, "tail": tail, "label": label})
    triples = []
    roles = (("company", "COMPANY"), ("program", "PROGRAM"), ("outcome", "OUTCOME"), ("agency", "AGENCY"))
    for item in rec.get("triples", []):
        if not isinstance(item, list) or len(item) not in (3, 4):
            raise AnchorError(f"{doc_id}: triple {item!r} is not [company, program, outcome, agency]")
        triple = {}
        for (role, label), part in zip(roles, list(item) + [None] * (4 - len(item))):
            ids = _ids(part)
            if not ids and role != "agency":
                raise AnchorError(f"{doc_id}: triple {item!r} lacks its {role}")
            for eid in ids:
                if eid not in by_id:
                    raise AnchorError(f"{doc_id}: triple {item!r} names unknown entity {eid}")
                if by_id[eid]["label"] != label:
                    raise AnchorError(f"{doc_id}: triple {role} {eid} is {by_id[eid]['label']}, not {label}")
            triple[role] = ids or None
        triples.append(triple)
    out = {"id": doc_id, "sha256": text_sha256(text), "meta": meta}
    if kind == "synthetic":
        out["text"] = text
    out.update(entities=entities, relations=relations, triples=triples)
    if rec.get("note"):
        out["note"] = rec["note"]
    return out, warnings


def _check_relation(doc_id: str, by_id: dict, head: str, label: str, tail: str) -> None:
    if label not in RELATION_SIGNATURES:
        raise AnchorError(f"{doc_id}: unknown relation label {label!r}")
    for eid in (head, tail):
        if eid not in by_id:
            raise AnchorError(f"{doc_id}: relation {head} {label} {tail} names unknown entity {eid}")
    want = RELATION_SIGNATURES[label]
    got = (by_id[head]["label"], by_id[tail]["label"])
    if got != want:
        raise AnchorError(f"{doc_id}: {label} needs {want[0]} → {want[1]}, got {got[0]} → {got[1]}")


def _show(rec: dict, text: str) -> str:
    lines = [f"== {rec['id']}"]
    for e in rec["entities"]:
        left = text[max(0, e["start"] - 12) : e["start"]].replace("\n", " ")
        right = text[e["end"] : e["end"] + 8].replace("\n", " ")
        lines.append(f"  {e['id']:>4} {e['label']:<8} …{left}[{text[e['start'] : e['end']]}]{right}…")
    for t in rec["triples"]:
        parts = []
        for role in ("company", "program", "outcome", "agency"):
            ids = t.get(role) or []
            parts.append("/".join(text[e["start"] : e["end"]] for e in rec["entities"] if e["id"] in ids) or "-")
        lines.append("  triple: (" + ", ".join(parts) + ")")
    return "\n".join(lines)


def _read_authoring(path: Path):
    """Yield (location, record) from JSONL, or from a JSON list when the file is one."""
    raw = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(raw)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, list):
        for i, rec in enumerate(whole):
            yield f"{path}[{i}]", rec
        return
    if isinstance(whole, dict):
        yield f"{path}", whole
        return
    for lineno, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            try:
                yield f"{path}:{lineno}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{lineno}: not JSON ({exc}); write JSONL or one JSON list")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.corpora.anchor", description=__doc__.split("\n\n")[0])
    parser.add_argument("authoring", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--show", action="store_true", help="print every span in its context")
    args = parser.parse_args(argv)
    out, errors = [], 0
    for where, rec in _read_authoring(args.authoring):
        try:
            standoff, warnings = anchor_record(rec, args.data_dir)
        except AnchorError as exc:
            print(f"{where}: {exc}", file=sys.stderr)
            errors += 1
            continue
        for w in warnings:
            print(f"{where}: warning: {w}", file=sys.stderr)
        if args.show:
            text = standoff.get("text") or fetch_text(standoff["id"], args.data_dir)[0]
            print(_show(standoff, text))
        out.append(standoff)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        for rec in out:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    n_triples = sum(len(r["triples"]) for r in out)
    print(f"{len(out)} documents, {n_triples} triples written to {args.output}; {errors} errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
