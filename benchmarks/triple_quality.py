"""Relation and triple scores of the default model, per relation and per source kind.

    python benchmarks/triple_quality.py [--model PATH] [--data-dir DIR] [--split dev] [--split test]

Choose on dev; the test split is frozen and scored once per model (``--split test``).

Triples: SCHEMA.md's relaxed rule and exact strings, on the econ dev and test
splits, overall and per source (the two collections of real news, c-* and d-*).
Relations: per label, entity endpoints matched by offsets (exact) or by the
relaxed string rule. Also the same scores with gold entities (the relation
extractor and assembler alone), which shows how much the recogniser costs.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import pipeline
from pipeline import corpora
from pipeline.core.document import ECON_SPANS_KEY, from_spacy
from pipeline.core.matching import exact_match
from pipeline.evaluation.evaluate import score_relations
from pipeline.evaluation.scoring import score_triples


def predict(nlp, records: list[dict], gold_entities: bool) -> list[dict]:
    if not gold_entities:
        return [from_spacy(doc, r["id"]).to_dict() for doc, r in zip(nlp.pipe(r["text"] for r in records), records)]
    after = [p for p in nlp.pipe_names if p in ("relation_extractor", "triple_assembler")]
    out = []
    for r in records:
        doc = nlp.make_doc(r["text"])
        spans = [doc.char_span(e["start"], e["end"], label=e["label"], alignment_mode="expand") for e in r["entities"]]
        doc.spans[ECON_SPANS_KEY] = [s for s in spans if s is not None]
        for name in after:
            doc = nlp.get_pipe(name)(doc)
        out.append(from_spacy(doc, r["id"]).to_dict())
    return out


def report(title: str, preds: list[dict], records: list[dict]) -> None:
    print(f"\n{title}")
    groups = defaultdict(list)
    for p, g in zip(preds, records):
        groups["all"].append((p, g))
        groups[f"source {g['id'].split('-')[0]}-*"].append((p, g))
    for name, pairs in groups.items():
        relaxed = score_triples([(p["triples"], g["triples"]) for p, g in pairs])
        exact = score_triples([(p["triples"], g["triples"]) for p, g in pairs], exact_match)
        print(
            f"  triples {name:<11} relaxed P {relaxed.precision:.3f} R {relaxed.recall:.3f} F1 {relaxed.f1:.3f} | exact F1 {exact.f1:.3f}  (pred {relaxed.n_pred}, gold {relaxed.n_gold})"
        )
    for label in ("PARTICIPATES_IN", "RUNS", "ACHIEVED", "RESULT_OF"):
        only = [
            (
                {**p, "relations": [r for r in p["relations"] if r["label"] == label]},
                {**g, "relations": [r for r in g["relations"] if r["label"] == label]},
            )
            for p, g in groups["all"]
        ]
        ex, rx = score_relations(only, relaxed=False), score_relations(only, relaxed=True)
        print(
            f"  relation {label:<16} exact F1 {ex.f1:.3f} | relaxed P {rx.precision:.3f} R {rx.recall:.3f} F1 {rx.f1:.3f}  (gold {rx.n_gold})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--split", action="append", choices=("dev", "test"), help="splits to score (default: dev)")
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    for split in args.split or ["dev"]:
        records = corpora.records("econ", split, args.data_dir)
        report(f"econ {split}: full pipeline ({len(records)} documents)", predict(nlp, records, False), records)
        report(f"econ {split}: gold entities, relation extractor + assembler", predict(nlp, records, True), records)


if __name__ == "__main__":
    main()
