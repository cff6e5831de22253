"""Merged facts against gold facts: how well the store tells one fact from two.

Gold comes from documents whose triples carry a ``fact`` id (the reprint set,
``corpora/reprints/``): triples with one id are one fact in whatever words. A merged fact
is *pure* when all its mentions carry one gold id, and a gold fact is *whole* when all its
mentions ended in one merged fact: precision is the share of merged facts that are pure,
recall the share of gold facts that are whole. Pairwise figures (every two mentions: same
fact or not) are given beside them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..core.normalize import canonical_name, canonical_program, parse_outcome_at
from ..corpora.sources import annotations_dir

REPRINTS = annotations_dir() / "reprints" / "reprints.jsonl"  # the checkout's corpora/, or $ECON_FACTS_CORPORA


def load_reprints(path: str | Path = REPRINTS) -> list[dict]:
    """The reprint set's documents (team-written, stored whole) as built gold records."""
    from ..corpora.econ import iter_standoff, join

    return [join(rec, None) for rec in iter_standoff([Path(path)])]


def _part(slot: dict | None, **extra) -> dict | None:
    if not slot:
        return None
    return {"text": slot["text"], "start": slot["start"], "end": slot["end"], **extra}


def as_annotated(record: dict) -> dict:
    """A built gold record in annotate's output form (main mentions, score 1), its ``fact`` ids kept."""
    triples = []
    for t in record.get("triples") or []:
        company, program, outcome, agency = (t.get(r) for r in ("company", "program", "outcome", "agency"))
        triples.append(
            {
                "company": _part(company, canonical=canonical_name(company["text"])),
                "program": _part(program, canonical=canonical_program(program["text"])),
                "outcome": _part(outcome, value=parse_outcome_at(record["text"], outcome["start"], outcome["end"]).as_dict()),
                "agency": _part(agency, canonical=canonical_name(agency["text"])) if agency else None,
                "score": 1.0,
                "fact": t.get("fact"),
            }
        )
    entities = [{**e, "score": 1.0} for e in record["entities"]]
    return {"id": record["id"], "text": record["text"], "entities": entities, "triples": triples, "meta": record.get("meta", {})}


def score_merge(pairs: Iterable[tuple[str, str]]) -> dict:
    """(merged fact id, gold fact id) per mention → precision, recall and pairwise figures."""
    pairs = list(pairs)
    by_pred, by_gold = defaultdict(Counter), defaultdict(Counter)
    for pred, gold in pairs:
        by_pred[pred][gold] += 1
        by_gold[gold][pred] += 1
    pure = sum(len(g) == 1 for g in by_pred.values())
    whole = sum(len(p) == 1 for p in by_gold.values())
    same_pred = sum(n * (n - 1) // 2 for c in by_pred.values() for n in [sum(c.values())])
    same_gold = sum(n * (n - 1) // 2 for c in by_gold.values() for n in [sum(c.values())])
    same_both = sum(n * (n - 1) // 2 for c in by_pred.values() for n in c.values())
    return {
        "mentions": len(pairs),
        "merged_facts": len(by_pred),
        "gold_facts": len(by_gold),
        "precision": pure / len(by_pred) if by_pred else 0.0,
        "recall": whole / len(by_gold) if by_gold else 0.0,
        "pair_precision": same_both / same_pred if same_pred else 1.0,
        "pair_recall": same_both / same_gold if same_gold else 1.0,
    }


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def outlet_copy(doc: dict, *, byline: str, order: list[int] | None = None, drop_last: bool = False) -> dict:
    """What another outlet prints of a release: a new byline line on top, paragraphs reordered
    or the last one dropped, the words left as they are. Entities keep their offsets relative to
    their paragraph; a triple whose main mentions are dropped goes with them."""
    paras = _paragraphs(doc["text"])
    keep = list(order) if order is not None else list(range(len(paras)))
    if drop_last and len(keep) > 2:
        keep = keep[:-1]
    pieces, shift, pos = [byline], {}, len(byline) + 1
    for i in keep:
        a, b = paras[i]
        shift[i] = pos - a
        pieces.append(doc["text"][a:b])
        pos += b - a + 1
    text = "\n".join(pieces)

    def move(span: dict) -> dict | None:
        i = next(k for k, (a, b) in enumerate(paras) if a <= span["start"] and span["end"] <= b)
        if i not in shift:
            return None
        return {**span, "start": span["start"] + shift[i], "end": span["end"] + shift[i]}

    triples = []
    for t in doc["triples"]:
        parts = {r: (move(t[r]) if t.get(r) else None) for r in ("company", "program", "outcome", "agency")}
        if all(parts[r] for r in ("company", "program", "outcome")):
            triples.append({**parts, "fact": t.get("fact")})
    entities = [m for e in doc["entities"] if (m := move(e))]
    out = {**doc, "id": f"{doc['id']}~{byline[:8]}", "text": text, "entities": entities, "triples": triples}
    for part in (p for t in triples for p in t.values() if isinstance(p, dict)):
        assert text[part["start"] : part["end"]] == part["text"], part
    return out
