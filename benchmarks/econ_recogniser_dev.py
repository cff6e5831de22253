"""Econ-layer scores on dev of one trained recogniser directory, and the span classifier's dial.

    python benchmarks/econ_recogniser_dev.py MODEL_DIR [--min-score 0.2 0.3 ...] [--data-dir DIR]

MODEL_DIR is a spaCy pipeline holding an ``econ_ner`` (transition-based, or the
``econ_spancat`` span classifier), e.g. ``model-best`` of a training run: the
recogniser alone is scored, relaxed (SCHEMA.md) and exact, per label, on the econ dev
split. For a span classifier, each ``--min-score`` decodes the same predictions again
with that threshold (``pipeline.components.span_classifier.decode``): recall against precision,
without running the network again. Dev only: the test split is scored once per shipped
model, by ``benchmarks/ner_quality.py``.
"""

from __future__ import annotations

import argparse

import spacy

from pipeline import (
    components,  # noqa: F401  (factories)
    corpora,
)
from pipeline.components.span_classifier import EconSpanClassifier, decode
from pipeline.core.document import from_spacy
from pipeline.core.schema import ENTITY_LABELS
from pipeline.evaluation.scoring import score_entities


def scores(docs, records) -> tuple[dict, dict]:
    pairs = [(from_spacy(d, r["id"]).to_dict()["entities"], r["entities"]) for d, r in zip(docs, records)]
    return (
        score_entities(pairs, labels=ENTITY_LABELS, relaxed=True).as_dict(),
        score_entities(pairs, labels=ENTITY_LABELS).as_dict(),
    )


def line(name: str, relaxed: dict, exact: dict) -> str:
    o = relaxed["overall"]
    per = "  ".join(f"{lab[:4]} {s['p']:.3f}/{s['r']:.3f}/{s['f1']:.3f}" for lab, s in relaxed["per_label"].items())
    return f"  {name:<14} relaxed P {o['p']:.3f} R {o['r']:.3f} F1 {o['f1']:.3f} | exact F1 {exact['overall']['f1']:.3f} | {per}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--min-score", type=float, nargs="*", default=[])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    records = corpora.records("econ", "dev", args.data_dir)
    docs = list(nlp.pipe((r["text"] for r in records), batch_size=16))
    print(f"{args.model}: econ dev, {len(records)} documents (relaxed P/R/F1 per label)")
    print(line("as trained", *scores(docs, records)))
    pipe = next((p for _, p in nlp.pipeline if isinstance(p, EconSpanClassifier)), None)
    if pipe is None or not args.min_score:
        return
    per_doc = pipe.per_doc(pipe.predict(docs))
    for t in args.min_score:
        for doc, (rows, p) in zip(docs, per_doc):
            doc.spans[pipe.key] = decode(doc, rows, p, pipe.labels, pipe.key, t, pipe.levers)
        print(line(f"min_score {t}", *scores(docs, records)))


if __name__ == "__main__":
    main()
