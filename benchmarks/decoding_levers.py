"""Decoding levers of the span classifier on econ dev: the public-body list and the outcome grammar.

    python benchmarks/decoding_levers.py [--model DIR] [--triples] [--data-dir DIR]

The network runs once over the dev split (the whole default pipeline, so the standard
layer and everything the relation extractor reads are there); each variant then decodes
the same candidate scores again (``pipeline.components.span_classifier.decode`` with its
``DecodingLevers``) and, with ``--triples``, runs the relation extractor and the triple
assembler again on the re-decoded entities: seconds per variant instead of a full run.
The plain variant reproduces 0.4.1 (the same weights without levers), and "list+patterns t=0.1,
grammar t=0.15" the shipped model's ``benchmarks/econ_recogniser_dev.py`` and
``benchmarks/triple_quality.py --split dev``. Dev only: thresholds are chosen here.
"""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from unittest.mock import patch

import pipeline
from pipeline import corpora
from pipeline.components.span_classifier import DecodingLevers, EconSpanClassifier, decode
from pipeline.core.document import from_spacy
from pipeline.core.matching import exact_match
from pipeline.core.schema import ENTITY_LABELS
from pipeline.evaluation.scoring import score_entities, score_triples

#: name prefix of the control variants: the OUTCOME dial with every candidate taken as of outcome form
NO_GRAMMAR = "dial, no grammar"
#: (name, levers): the variants measured; None is the plain decoder (0.4.1; 0.5.0 ships the last but one)
VARIANTS: list[tuple[str, DecodingLevers | None]] = [
    ("plain", None),
    ("list exact, COMPANY→AGENCY only", DecodingLevers(public_body_min_score=1.01, public_body_patterns=False)),
    ("list exact, t=0.1", DecodingLevers(public_body_min_score=0.1, public_body_patterns=False)),
    ("list+patterns, COMPANY→AGENCY only", DecodingLevers(public_body_min_score=1.01)),
    *[(f"list+patterns, t={t}", DecodingLevers(public_body_min_score=t)) for t in (0.05, 0.1, 0.2, 0.3)],
    *[(f"{NO_GRAMMAR}, t={t}", DecodingLevers(outcome_min_score=t)) for t in (0.1, 0.15, 0.2)],
    *[(f"grammar, t={t}", DecodingLevers(outcome_min_score=t)) for t in (0.05, 0.1, 0.15, 0.2, 0.3)],
    *[(f"list+patterns t=0.1, grammar t={t}", DecodingLevers(public_body_min_score=0.1, outcome_min_score=t)) for t in (0.1, 0.15, 0.2)],
]


def network_scores(nlp, records: list[dict]):
    """The pipeline's Docs and, per Doc, the econ candidates (rows) and their label scores."""
    docs = list(nlp.pipe((r["text"] for r in records), batch_size=16))
    pipe = next(p for _, p in nlp.pipeline if isinstance(p, EconSpanClassifier))
    return docs, pipe, pipe.per_doc(pipe.predict(docs))


def run_variant(nlp, docs, pipe, per_doc, records, levers: DecodingLevers | None, triples: bool) -> str:
    after = [nlp.get_pipe(n) for n in nlp.pipe_names if n in ("relation_extractor", "triple_assembler")]
    for doc, (rows, p) in zip(docs, per_doc):
        doc.spans[pipe.key] = decode(doc, rows, p, pipe.labels, pipe.key, pipe.cfg.get("min_score"), levers)
        if triples:
            for component in after:
                component(doc)
    preds = [from_spacy(d, r["id"]).to_dict() for d, r in zip(docs, records)]
    pairs = [(p["entities"], r["entities"]) for p, r in zip(preds, records)]
    rel = score_entities(pairs, labels=ENTITY_LABELS, relaxed=True).as_dict()
    o, per = rel["overall"], rel["per_label"]
    recall = " ".join(f"{lab[0]} {per[lab]['r']:.3f}" for lab in ("COMPANY", "PROGRAM", "OUTCOME", "AGENCY"))
    prec = " ".join(f"{lab[0]} {per[lab]['p']:.3f}" for lab in ("AGENCY", "OUTCOME"))
    out = f"P {o['p']:.3f} R {o['r']:.3f} F1 {o['f1']:.3f} | recall {recall} | prec {prec}"
    if triples:
        gold_pred = [(p["triples"], r["triples"]) for p, r in zip(preds, records)]
        relaxed, exact = score_triples(gold_pred), score_triples(gold_pred, exact_match)
        out += f" | triples relaxed {relaxed.f1:.3f} (P {relaxed.precision:.3f} R {relaxed.recall:.3f}) exact {exact.f1:.3f}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--triples", action="store_true", help="also re-run relations and triples per variant")
    parser.add_argument("--only", nargs="*", default=None, help="variant names to run (default: all)")
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    records = corpora.records("econ", "dev", args.data_dir)
    docs, pipe, per_doc = network_scores(nlp, records)
    print(f"econ dev, {len(records)} documents; relaxed entity P/R/F1, per-label recall, dev triples")
    for name, levers in VARIANTS:
        if args.only and name not in args.only:
            continue
        with patch("pipeline.components.span_classifier.outcome_form", lambda *_: "any") if name.startswith(NO_GRAMMAR) else nullcontext():
            result = run_variant(nlp, docs, pipe, per_doc, records, levers, args.triples)
        print(f"  {name:<40} {result}", flush=True)


if __name__ == "__main__":
    main()
