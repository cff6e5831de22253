"""Evaluation of a pipeline against corpus records: entities, relations, triples.

Standard layer (KLUE labels): exact spans. Econ layer: exact spans and SCHEMA.md's
relaxed string rule. Relations: by the (head, tail, label) of their entity spans,
exact and relaxed. Triples: SCHEMA.md's rule (relaxed) and exact strings.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core.document import from_spacy
from ..core.matching import exact_match, relaxed_match
from ..core.schema import ENTITY_LABELS, STANDARD_LABELS
from .scoring import PRF, max_matching, score_entities, score_triples


def read_data(spec: str, data_dir=None) -> list[dict]:
    """``econ:dev``, ``klue:dev``… or a JSONL file of SCHEMA.md records."""
    if ":" in spec and not Path(spec).exists():
        from .. import corpora

        name, split = spec.split(":", 1)
        return corpora.records(name, split, data_dir)
    with open(spec, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score_relations(pairs, relaxed: bool) -> PRF:
    """Relations as (head entity, tail entity, label); entities compared by offsets or relaxed strings."""
    total = PRF()
    match = relaxed_match if relaxed else None
    for pred_doc, gold_doc in pairs:

        def rels(doc):
            ents = {e["id"]: e for e in doc["entities"]}
            return [(ents[r["head"]], ents[r["tail"]], r["label"]) for r in doc["relations"] if r["head"] in ents and r["tail"] in ents]

        p, g = rels(pred_doc), rels(gold_doc)

        def same(a: dict, b: dict) -> bool:
            if match is None:
                return (a["start"], a["end"]) == (b["start"], b["end"])
            return match(a["text"], b["text"]) and a["start"] < b["end"] and b["start"] < a["end"]

        tp = max_matching(len(p), len(g), lambda i, j: p[i][2] == g[j][2] and same(p[i][0], g[j][0]) and same(p[i][1], g[j][1]))
        total.add(PRF(tp, len(p), len(g)))
    return total


def evaluate(nlp, records: list[dict], *, batch_size: int = 16) -> dict:
    docs = list(nlp.pipe((r["text"] for r in records), batch_size=batch_size))
    preds = [from_spacy(doc, r["id"]).to_dict() for doc, r in zip(docs, records)]
    gold_labels = {e["label"] for r in records for e in r["entities"]}
    out: dict = {"documents": len(records)}
    if gold_labels & set(STANDARD_LABELS):
        pairs = [(p.get("standard_entities", []), g["entities"]) for p, g in zip(preds, records)]
        out["standard"] = {"exact": score_entities(pairs, labels=STANDARD_LABELS).as_dict()}
    if gold_labels & set(ENTITY_LABELS) or any(r["triples"] for r in records):
        pairs = [(p["entities"], g["entities"]) for p, g in zip(preds, records)]
        out["econ"] = {
            "exact": score_entities(pairs, labels=ENTITY_LABELS).as_dict(),
            "relaxed": score_entities(pairs, labels=ENTITY_LABELS, relaxed=True).as_dict(),
        }
        rel_pairs = list(zip(preds, records))
        out["relations"] = {
            "exact": score_relations(rel_pairs, relaxed=False).as_dict(),
            "relaxed": score_relations(rel_pairs, relaxed=True).as_dict(),
        }
        triple_pairs = [(p["triples"], g["triples"]) for p, g in zip(preds, records)]
        out["triples"] = {"relaxed": score_triples(triple_pairs).as_dict(), "exact": score_triples(triple_pairs, exact_match).as_dict()}
    return out


def format_report(result: dict) -> str:
    lines = [f"{result['documents']} documents"]

    def table(title: str, scores: dict) -> None:
        lines.append(f"\n{title}")
        lines.append(f"  {'label':<10} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}")
        for label, s in scores["per_label"].items():
            lines.append(f"  {label:<10} {s['p']:>6.3f} {s['r']:>6.3f} {s['f1']:>6.3f} {s['gold']:>6}")
        o = scores["overall"]
        lines.append(f"  {'overall':<10} {o['p']:>6.3f} {o['r']:>6.3f} {o['f1']:>6.3f} {o['gold']:>6}")

    if "standard" in result:
        table("standard layer, exact spans", result["standard"]["exact"])
    if "econ" in result:
        table("econ layer, exact spans", result["econ"]["exact"])
        table("econ layer, relaxed (SCHEMA.md rule)", result["econ"]["relaxed"])
        for name in ("relations", "triples"):
            for mode, s in result[name].items():
                lines.append(f"\n{name} ({mode}): P {s['p']:.3f}  R {s['r']:.3f}  F1 {s['f1']:.3f}  (pred {s['pred']}, gold {s['gold']})")
    return "\n".join(lines)
