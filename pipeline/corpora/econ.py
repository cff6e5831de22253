"""The econ fact corpus: stand-off annotations + outside texts → SCHEMA.md documents.

``corpora/econ/standoff/*.jsonl`` hold the team's annotations of outside texts
(ids, offsets, labels, a hash of the text); ``corpora/econ/synthetic/*.jsonl`` hold
documents the team wrote, whole. :func:`build` joins each stand-off record with its
text from the data directory, adds the relations that its triples imply, assigns
the split from ``corpora/econ/splits.json`` and writes ``{train,dev,test}.jsonl``.

The built files hold outside texts, so they go to the user data directory
(:mod:`pipeline.io.userdata`), never into the source tree or the install: :func:`built_dir`
names one directory per state of the annotations, which :func:`ensure_built` fills on first use.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..io.userdata import data_home
from .sources import annotations_dir, fetch_text, resolve_data_dir, text_sha256

ECON_DIR = annotations_dir() / "econ"
REPO = ECON_DIR.parents[1]  # the checkout (or what stands for it): built records name their stand-off file relative to it
SPLITS = ("train", "dev", "test")
ROLES = ("company", "program", "outcome", "agency")
#: relations a triple implies, between the main mentions of two of its roles
IMPLIED = (
    ("company", "PARTICIPATES_IN", "program"),
    ("company", "ACHIEVED", "outcome"),
    ("outcome", "RESULT_OF", "program"),
    ("agency", "RUNS", "program"),
)


class CorpusError(ValueError):
    """A stand-off record that cannot be joined with its text; names file, line and id."""


@dataclass
class StandoffRecord:
    file: Path
    line: int
    data: dict

    @property
    def where(self) -> str:
        return f"{self.file.name}:{self.line} ({self.data.get('id')})"


def standoff_files(root: Path = ECON_DIR) -> list[Path]:
    return sorted((root / "standoff").glob("*.jsonl")) + sorted((root / "synthetic").glob("*.jsonl"))


def iter_standoff(files: list[Path] | None = None) -> Iterator[StandoffRecord]:
    for path in files if files is not None else standoff_files():
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield StandoffRecord(path, lineno, json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise CorpusError(f"{path.name}:{lineno}: not JSON: {exc.msg}") from exc


def load_splits(root: Path = ECON_DIR) -> dict[str, str]:
    """Document id → split, for dev and test; everything else is train."""
    spec = json.loads((root / "splits.json").read_text(encoding="utf-8"))
    out = {}
    for split in ("dev", "test"):
        for group in spec[split]:
            for doc_id in spec["groups"].get(group, [group]):
                out[doc_id] = split
    return out


def _slot(text: str, ents: dict, ids: list[str] | None) -> dict | None:
    if not ids:
        return None
    main = ents[ids[0]]
    slot = {"text": text[main["start"] : main["end"]], "start": main["start"], "end": main["end"], "entity": main["id"]}
    aliases = [ents[i] for i in ids[1:]]
    if aliases:
        slot["aliases"] = [{"text": text[a["start"] : a["end"]], "start": a["start"], "end": a["end"], "entity": a["id"]} for a in aliases]
    return slot


def join(rec: StandoffRecord, data_dir: Path | None) -> dict:
    """One SCHEMA.md document from a stand-off record and its text."""
    d = rec.data
    if d.get("meta", {}).get("synthetic"):
        text = d["text"]
        meta = dict(d["meta"])
    else:
        text, meta = fetch_text(d["id"], data_dir)
        meta = {**meta, "synthetic": False}
    if text_sha256(text) != d["sha256"]:
        raise CorpusError(f"{rec.where}: the text in the data directory changed since it was annotated (sha256 differs)")
    ents = {e["id"]: e for e in d["entities"]}
    entities = [{**e, "text": text[e["start"] : e["end"]]} for e in d["entities"]]
    relations = [dict(r) for r in d["relations"]]
    seen = {(r["head"], r["label"], r["tail"]) for r in relations}
    triples = []
    for t in d["triples"]:
        for head_role, label, tail_role in IMPLIED:
            if t.get(head_role) and t.get(tail_role):
                key = (t[head_role][0], label, t[tail_role][0])
                if key not in seen:
                    seen.add(key)
                    relations.append({"head": key[0], "tail": key[2], "label": label})
        extra = {k: v for k, v in t.items() if k not in ROLES}  # e.g. the reprint set's gold ``fact`` id
        triples.append({**{role: _slot(text, ents, t.get(role)) for role in ROLES}, **extra})
    meta["file"] = str(rec.file.relative_to(REPO)) if rec.file.is_relative_to(REPO) else str(rec.file)
    doc = {
        "id": d["id"],
        "text": text,
        "sentences": [],
        "entities": entities,
        "relations": relations,
        "triples": triples,
        "meta": meta,
    }
    if d.get("note"):
        doc["meta"]["note"] = d["note"]
    return doc


def built_dir() -> Path:
    """Where the corpus built from the annotations as they stand now lives, in the user data directory.

    One directory per state of the inputs (a hash of every stand-off and synthetic file, the
    splits and this module, which decides what a build writes): checkouts at different
    revisions sharing one user data directory never read each other's build, and an edited
    annotation is rebuilt instead of served stale.
    """
    if not (ECON_DIR / "splits.json").is_file():
        raise FileNotFoundError(
            f"the econ corpus's annotations are not at {ECON_DIR}: work in a checkout of econ-facts, "
            "or set ECON_FACTS_CORPORA to a checkout's corpora/ directory"
        )
    digest = hashlib.sha256()
    for path in [*standoff_files(ECON_DIR), ECON_DIR / "splits.json", Path(__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return data_home() / "corpora" / "econ" / digest.hexdigest()[:16]


def ensure_built(data_dir=None) -> Path:
    """:func:`built_dir`, built first if it is not complete; returns it.

    The build goes to a temporary directory beside it and is renamed into place, so a process
    never reads a half-written split, and of two processes building at once one rename wins.
    """
    out = built_dir()
    if all((out / f"{split}.jsonl").exists() for split in SPLITS):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        build(data_dir, tmp)
        try:
            os.rename(tmp, out)
        except OSError:  # another process renamed its build into place first (or left a partial one)
            if not all((out / f"{split}.jsonl").exists() for split in SPLITS):
                shutil.rmtree(out, ignore_errors=True)
                os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def build(data_dir=None, out_dir: Path | None = None, *, files: list[Path] | None = None, add_sentences: bool = True) -> dict[str, int]:
    """Write the corpus splits to ``out_dir`` (default :func:`built_dir`); return the number of documents in each."""
    out_dir = built_dir() if out_dir is None else Path(out_dir)
    root = resolve_data_dir(data_dir)
    split_of = load_splits()
    docs: dict[str, list[dict]] = {s: [] for s in SPLITS}
    seen: dict[str, str] = {}
    for rec in iter_standoff(files):
        doc_id = rec.data.get("id")
        if doc_id in seen:
            raise CorpusError(f"{rec.where}: document id already annotated in {seen[doc_id]}")
        seen[doc_id] = rec.where
        doc = join(rec, root)
        split = split_of.get(doc_id, "train")
        if split != "train" and doc["meta"]["synthetic"]:
            raise CorpusError(f"{rec.where}: synthetic documents belong in train, not {split}")
        doc["meta"]["split"] = split
        docs[split].append(doc)
    if add_sentences:
        _add_sentences(docs)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, items in docs.items():
        with open(out_dir / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for doc in items:
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return {s: len(v) for s, v in docs.items()}


def _add_sentences(docs: dict[str, list[dict]]) -> None:
    """Kiwi's sentence spans, so the built files are complete SCHEMA.md records."""
    from ..core.document import sentence_spans
    from ..language import blank

    nlp = blank()
    flat = [d for items in docs.values() for d in items]
    for doc, sdoc in zip(flat, nlp.pipe(d["text"] for d in flat)):
        doc["sentences"] = [{"start": s.start, "end": s.end} for s in sentence_spans(sdoc)]


def relation_problems(doc: dict) -> list[str]:
    """Triples that their relations do not support (a check for hand-edited files)."""
    problems = []
    ents = {e["id"]: e for e in doc["entities"]}
    rels = {(r["head"], r["label"], r["tail"]) for r in doc["relations"]}
    for i, t in enumerate(doc["triples"]):
        for head_role, label, tail_role in IMPLIED:
            head, tail = t.get(head_role), t.get(tail_role)
            if not head or not tail:
                continue
            heads = [head.get("entity")] + [a.get("entity") for a in head.get("aliases", [])]
            tails = [tail.get("entity")] + [a.get("entity") for a in tail.get("aliases", [])]
            if not any((h, label, tl) in rels for h in heads for tl in tails):
                problems.append(f"triple {i}: no {label} relation between its {head_role} and {tail_role}")
        for role in ROLES:
            slot = t.get(role)
            if slot and slot.get("entity") and slot["entity"] in ents:
                want = {"company": "COMPANY", "program": "PROGRAM", "outcome": "OUTCOME", "agency": "AGENCY"}[role]
                if ents[slot["entity"]]["label"] != want:
                    problems.append(f"triple {i}: {role} points at a {ents[slot['entity']]['label']} entity")
    return problems
