"""Build ``reprints.jsonl`` (the fact-store reprint set) from its authoring source.

Why a source file and a builder: the set has ~90 team-written documents whose spans
must obey ``text[start:end] == span``.  Writing character offsets by hand is where
annotation errors creep in, so annotators write span *strings* in ``reprints_source.txt``
and this script finds them, numbers the entities, checks every record and writes the
stand-off JSONL.  ``pipeline.corpora.anchor`` does the same for ``syn-*`` ids only, and
it has no place for the per-triple ``fact`` id this set exists for.

Source format (UTF-8 text)::

    # rp-01 | c-015                       story id | real-news id it retells
    ## rp-01-a | near-copy | 한빛경제       document id | kind | invented outlet
    ## rp-01-x | distractor | 누리일보 | e-013   a distractor names the real excerpt it retells
    <document text, one or more lines>
    --
    c1 COMPANY 감자탕 제조업체              name LABEL surface  (first free occurrence)
    a2 AGENCY 경진원 @2                     ... the 2nd occurrence in the text
    o1 OUTCOME 1억 원 @매출은 1억 원이었다   ... inside the first occurrence of a snippet
    R a1 RUNS p1                            a relation that no triple implies
    T c1 | p1,p2 | o1 | a1,a2 | f1          company | program | outcome | agency or - | fact
    N free-text note

"First free occurrence" is the first match that overlaps no entity placed before it, so
repeated mentions are simply listed in text order.  Fact ids ``fN`` / ``xN`` become
``rpNN-fN`` / ``rpNN-xN`` (x = a distractor's own fact).

Usage: ``python corpora/reprints/build_reprints.py [--show]`` from the repo root.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.core.schema import ENTITY_LABELS, RELATION_SIGNATURES
from pipeline.corpora.sources import text_sha256

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "reprints_source.txt"
OUTPUT = HERE / "reprints.jsonl"
KINDS = ("near-copy", "reordered", "short", "reformatted", "distractor")
LICENCE = "CC BY-SA 4.0 (this project)"
ROLES = (("company", "COMPANY"), ("program", "PROGRAM"), ("outcome", "OUTCOME"), ("agency", "AGENCY"))


class SourceFormatError(ValueError):
    """A record of the source file is malformed; the message names the document."""


def _parse(raw: str) -> list[dict]:
    """Split the source into document blocks: header fields, text lines, annotation lines."""
    docs: list[dict] = []
    story, orig, cur = None, None, None
    for lineno, line in enumerate(raw.splitlines(), 1):
        if line.startswith("## "):
            fields = [p.strip() for p in line[3:].split("|")]
            if len(fields) not in (3, 4):
                raise SourceFormatError(f"line {lineno}: header needs id | kind | outlet [| retold id]")
            doc_id, kind, outlet = fields[:3]
            cur = {
                "id": doc_id,
                "kind": kind,
                "outlet": outlet,
                "story": story,
                "orig": orig,
                "retold": fields[3] if len(fields) == 4 else None,
                "text": [],
                "ann": [],
                "in_text": True,
                "line": lineno,
            }
            docs.append(cur)
        elif line.startswith("# "):
            story, orig = (p.strip() for p in line[2:].split("|"))
            cur = None
        elif cur is None:
            if line.strip():
                raise SourceFormatError(f"line {lineno}: text outside a document")
        elif cur["in_text"]:
            if line.strip() == "--":
                cur["in_text"] = False
            else:
                cur["text"].append(line)
        elif line.strip():
            cur["ann"].append(line.strip())
    return docs


def _place(doc_id: str, text: str, surface: str, spec: str | None, placed: list[tuple[int, int]]) -> int:
    """Return the start offset of a span written as a string (see the module docstring)."""
    if spec is not None and spec.isdigit():
        start = -1
        for _ in range(int(spec)):
            start = text.find(surface, start + 1)
            if start < 0:
                break
    elif spec is not None:
        at, inner = text.find(spec), spec.find(surface)
        if at < 0 or inner < 0:
            raise SourceFormatError(f"{doc_id}: snippet {spec!r} not in text or lacks {surface!r}")
        start = at + inner
    else:
        start = text.find(surface)
        while start >= 0 and any(s < start + len(surface) and start < e for s, e in placed):
            start = text.find(surface, start + 1)
    if start < 0:
        raise SourceFormatError(f"{doc_id}: {surface!r} (spec {spec!r}) not found")
    return start


def build_record(doc: dict) -> dict:
    """Turn one parsed document block into a checked stand-off record."""
    doc_id = doc["id"]
    text = "\n".join(doc["text"]).strip("\n")
    if not text:
        raise SourceFormatError(f"{doc_id}: empty text")
    if doc["kind"] not in KINDS:
        raise SourceFormatError(f"{doc_id}: unknown kind {doc['kind']!r}")
    num = doc["story"].split("-")[1]
    ents: dict[str, dict] = {}
    rels, triples, notes = [], [], []
    for line in doc["ann"]:
        head, _, rest = line.partition(" ")
        if head == "R":
            h, label, t = rest.split()
            rels.append((h, label, t))
        elif head == "T":
            parts = [p.strip() for p in rest.split("|")]
            if len(parts) != 5:
                raise SourceFormatError(f"{doc_id}: triple {line!r} needs 5 parts")
            triples.append(parts)
        elif head == "N":
            notes.append(rest)
        else:
            label, _, surface = rest.partition(" ")
            spec = None
            if " @" in surface:
                surface, spec = surface.rsplit(" @", 1)
            if label not in ENTITY_LABELS:
                raise SourceFormatError(f"{doc_id}: entity {head} has unknown label {label!r}")
            if head in ents:
                raise SourceFormatError(f"{doc_id}: entity name {head} used twice")
            if not surface or surface != surface.strip() or "\n" in surface:
                raise SourceFormatError(f"{doc_id}: entity {head} has a bad surface {surface!r}")
            placed = [(e["start"], e["end"]) for e in ents.values()]
            start = _place(doc_id, text, surface, spec, placed)
            end = start + len(surface)
            for other, e in ents.items():
                if e["start"] < end and start < e["end"]:
                    raise SourceFormatError(f"{doc_id}: {head} {surface!r} overlaps {other}")
            ents[head] = {"label": label, "start": start, "end": end}
    order = sorted(ents, key=lambda n: ents[n]["start"])
    new_id = {name: f"e{i}" for i, name in enumerate(order, 1)}
    entities = [{"id": new_id[n], **ents[n]} for n in order]
    relations = []
    for h, label, t in rels:
        want = RELATION_SIGNATURES.get(label)
        if want is None or h not in ents or t not in ents:
            raise SourceFormatError(f"{doc_id}: bad relation {h} {label} {t}")
        if (ents[h]["label"], ents[t]["label"]) != want:
            raise SourceFormatError(f"{doc_id}: {label} needs {want}, got {h} → {t}")
        relations.append({"head": new_id[h], "tail": new_id[t], "label": label})
    out_triples = []
    for parts in triples:
        triple: dict = {}
        for (role, label), part in zip(ROLES, parts[:4]):
            names = [] if part == "-" else [n.strip() for n in part.split(",")]
            if not names and role != "agency":
                raise SourceFormatError(f"{doc_id}: triple {parts} lacks its {role}")
            for n in names:
                if n not in ents or ents[n]["label"] != label:
                    raise SourceFormatError(f"{doc_id}: triple {role} {n!r} is not a {label} entity")
            triple[role] = [new_id[n] for n in names] or None
        fact = parts[4]
        if not (fact[:1] in "fx" and fact[1:].isdigit()):
            raise SourceFormatError(f"{doc_id}: fact id {fact!r} is not fN or xN")
        triple["fact"] = f"rp{num}-{fact}"
        out_triples.append(triple)
    distractor = doc["kind"] == "distractor"
    if distractor != bool(doc["retold"]):
        raise SourceFormatError(f"{doc_id}: a distractor (and only a distractor) names the excerpt it retells")
    meta = {
        "source": "synthetic",
        "synthetic": True,
        "licence": LICENCE,
        "story": doc["story"],
        "rewrite_of": doc["retold"] if distractor else doc["orig"],
        "outlet": doc["outlet"],
        "kind": doc["kind"],
    }
    if distractor:
        meta["distractor_for"] = doc["orig"]
    rec = {
        "id": doc_id,
        "sha256": text_sha256(text),
        "meta": meta,
        "text": text,
        "entities": entities,
        "relations": relations,
        "triples": out_triples,
    }
    if notes:
        rec["note"] = " ".join(notes)
    return rec


def show(rec: dict) -> str:
    """Every span in its context and every triple in words, for the annotator's review."""
    text = rec["text"]
    by_id = {e["id"]: e for e in rec["entities"]}
    lines = [f"== {rec['id']} ({rec['meta']['kind']})"]
    for e in rec["entities"]:
        left = text[max(0, e["start"] - 10) : e["start"]].replace("\n", "⏎")
        right = text[e["end"] : e["end"] + 6].replace("\n", "⏎")
        lines.append(f"  {e['id']:>4} {e['label']:<8} …{left}[{text[e['start'] : e['end']]}]{right}…")
    for r in rec["relations"]:
        lines.append(
            f"  rel: {text[by_id[r['head']]['start'] : by_id[r['head']]['end']]} "
            f"{r['label']} {text[by_id[r['tail']]['start'] : by_id[r['tail']]['end']]}"
        )
    for t in rec["triples"]:
        parts = ["/".join(text[by_id[i]["start"] : by_id[i]["end"]] for i in (t[role] or [])) or "-" for role, _ in ROLES]
        lines.append(f"  {t['fact']}: (" + ", ".join(parts) + ")")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print every span in context")
    parser.add_argument("--only", default="", help="show only documents whose id starts with this")
    args = parser.parse_args(argv)
    records, errors = [], 0
    for doc in _parse(SOURCE.read_text(encoding="utf-8")):
        try:
            rec = build_record(doc)
        except (SourceFormatError, ValueError) as exc:
            print(f"error: {doc['id']}: {exc}", file=sys.stderr)
            errors += 1
            continue
        records.append(rec)
        if args.show and rec["id"].startswith(args.only):
            print(show(rec))
    ids = [r["id"] for r in records]
    if len(ids) != len(set(ids)):
        print("error: duplicate document ids", file=sys.stderr)
        errors += 1
    if errors:
        print(f"{errors} errors; {OUTPUT.name} not written", file=sys.stderr)
        return 1
    with open(OUTPUT, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    n_tr = sum(len(r["triples"]) for r in records)
    print(f"{len(records)} documents, {n_tr} triples written to {OUTPUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
