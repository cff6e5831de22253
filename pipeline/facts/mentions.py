"""One annotated article → its row in the store and one mention row per triple.

This is the per-article half of the merge: everything here depends on one record only,
so it runs wherever the record is (a local batch, a Dask worker) and its rows are
appended to the store; deciding which mentions are one fact needs all of them and happens
in the store (:mod:`pipeline.facts.cluster`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .keys import article_aliases, company_key, outcome_key, program_key
from .reprints import bands, signature
from .table import _source, rows

#: The mention columns beyond those of the facts table (:data:`pipeline.facts.table.COLUMNS`).
KEY_COLUMNS = ("article_id", "mention", "company_key", "program_key", "outcome_figures", "outcome_text_key")


class RecordError(ValueError):
    """An annotated record the store cannot take; the message names it."""


def _url(record: dict) -> str | None:
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    url = record.get("url") or meta.get("url")
    return str(url) if url else None


def article(record: dict) -> tuple[dict, list[tuple[int, int]]]:
    """The article's row (with its MinHash signature) and its LSH band keys."""
    doc_id, text = record.get("id"), record.get("text")
    if not isinstance(doc_id, str) or not doc_id:
        raise RecordError(f"record {record.get('source')!r}: no string id")
    if not isinstance(text, str):
        raise RecordError(f"record {doc_id!r}: no text (annotate's output keeps it; was it stripped?)")
    sig = signature(text)
    row = {
        "article_id": doc_id,
        "source": _source(record),
        "url": _url(record),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "n_chars": len(text),
        "n_triples": len(record.get("triples") or []),
        "signature": sig.tobytes(),
    }
    return row, bands(sig)


def mentions(record: dict) -> list[dict]:
    """One row per triple: the facts-table columns, the article id and the keys that merge it."""
    text, doc_id = record["text"], record["id"]
    ents = record.get("entities") or []
    aliases = article_aliases(text, [(e["start"], e["end"]) for e in ents if e.get("label") in ("COMPANY", "AGENCY")])
    agencies = {e["text"] for e in ents if e.get("label") == "AGENCY" and "text" in e}
    agencies |= {a for a, full in aliases.items()}
    out = []
    for i, (row, triple) in enumerate(zip(rows(record), record.get("triples") or [])):
        for role in ("company", "program", "outcome"):
            if not row[role]:
                raise RecordError(f"record {doc_id!r}, triple {i}: no {role}")
        if triple.get("agency"):
            agencies.add(triple["agency"]["text"])
        company = company_key(row["company"])
        okey = outcome_key(row["outcome"])
        row.update(
            article_id=doc_id,
            mention=i,
            company_key=aliases.get(company, company),
            program_key=program_key(row["program_canonical"] or row["program"], tuple(sorted(agencies))),
            outcome_figures=okey.figures,
            outcome_text_key=okey.text,
        )
        if row["metric"] is None:  # an older output without parsed values: parse here
            row.update({k: getattr(okey, k) for k in ("metric", "direction", "period")})
        row["evidence"] = json.dumps([{"start": e["start"], "end": e["end"]} for e in triple.get("evidence") or []])
        out.append(row)
    return out


@dataclass
class Prepared:
    """The rows of some articles, ready for the store (a chunk, a byte range of a JSONL file, or
    one shard of a Dask run), and what was left out: articles already stored, bad records."""

    articles: list[dict] = field(default_factory=list)
    bands: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: int = 0


def prepare(records: Iterable[dict], known: Mapping[str, str] | None = None) -> Prepared:
    """Rows of every record; a record that cannot be taken becomes an error naming it, not a lost batch.

    ``known``: id → text hash of the articles already stored; those with the same text are
    skipped before the costly work (a second run over the same input redoes nothing), one with
    another text is an error.
    """
    known = known or {}
    out = Prepared()
    seen: set[str] = set()
    for record in records:
        try:
            doc_id = record.get("id")
            if doc_id in known and isinstance(record.get("text"), str):
                if known[doc_id] == hashlib.sha256(record["text"].encode()).hexdigest():
                    out.skipped += 1
                    continue
                raise RecordError(f"record {doc_id!r}: already in the store with another text")
            row, keys = article(record)
            if row["article_id"] in seen:
                raise RecordError(f"record {row['article_id']!r}: the id occurs twice in the input")
            rows = mentions(record)
        except (RecordError, KeyError, TypeError, AttributeError) as exc:
            where = record.get("id") or record.get("source") if isinstance(record, dict) else record
            out.errors.append(str(exc) if isinstance(exc, RecordError) else f"record {where!r}: malformed ({exc!r})")
            continue
        seen.add(row["article_id"])
        out.articles.append(row)
        out.bands.extend({"band": b, "key": k, "article_id": row["article_id"]} for b, k in keys)
        out.mentions.extend(rows)
    return out


#: the store's id → text hash, given once to each worker process (:func:`remember`)
_KNOWN: dict[str, str] = {}


def remember(known: dict[str, str]) -> None:
    """Worker initialiser: the articles already stored when the run began."""
    _KNOWN.clear()
    _KNOWN.update(known)


def prepare_lines(path: str, start: int, end: int | None, first_line: int, known: Mapping[str, str] | None = None) -> Prepared:
    """Prepared rows of the JSONL lines in bytes [start, end) of ``path``: the unit of work of a
    worker, which reads and parses its own lines so the storing process does not."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read() if end is None else f.read(end - start)
    records, errors = [], []
    for lineno, line in enumerate(data.split(b"\n"), first_line):
        if line.strip():
            try:
                records.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                errors.append(f"{path}:{lineno}: not a JSON record ({exc})")
    out = prepare(records, _KNOWN if known is None else known)
    out.errors[:0] = errors
    return out
