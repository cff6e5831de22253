"""Errors of the econ recogniser on a split, by cause.

    python benchmarks/ner_errors.py [--model PATH] [--data-dir DIR] [--split dev] [--examples 5]

Each gold entity is found (same label, same span), found with a wrong boundary (same label,
overlapping span), found with a wrong label (same span or overlapping, other label) or missed
(nothing overlaps it). Each predicted entity that overlaps no gold entity is spurious. Counts per
label, with a few examples of each cause.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict

import pipeline
from pipeline import corpora
from pipeline.core.document import from_spacy

CAUSES = ("correct", "boundary", "label", "missed")


def classify(pred: list[dict], gold: list[dict]) -> tuple[list[tuple[str, dict, dict | None]], list[dict]]:
    """(cause, gold entity, the predicted entity it met) for every gold entity; spurious predictions."""
    out = []
    for g in gold:
        overlap = [p for p in pred if p["start"] < g["end"] and g["start"] < p["end"]]
        exact = next((p for p in overlap if (p["start"], p["end"], p["label"]) == (g["start"], g["end"], g["label"])), None)
        same_label = next((p for p in overlap if p["label"] == g["label"]), None)
        if exact:
            out.append(("correct", g, exact))
        elif same_label:
            out.append(("boundary", g, same_label))
        elif overlap:
            out.append(("label", g, overlap[0]))
        else:
            out.append(("missed", g, None))
    spurious = [p for p in pred if not any(p["start"] < g["end"] and g["start"] < p["end"] for g in gold)]
    return out, spurious


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    records = corpora.records("econ", args.split, args.data_dir)
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    with nlp.select_pipes(enable=["econ_ner"]):
        docs = nlp.pipe(r["text"] for r in records)
        for doc, r in zip(docs, records):
            pred = from_spacy(doc).to_dict()["entities"]
            judged, spurious = classify(pred, r["entities"])
            for cause, g, p in judged:
                counts[g["label"]][cause] += 1
                if cause != "correct":
                    examples[cause].append(f"{g['label']} {g['text']!r}" + (f" → {p['label']} {p['text']!r}" if p else ""))
            for p in spurious:
                counts[p["label"]]["spurious"] += 1
                examples["spurious"].append(f"{p['label']} {p['text']!r}")
    print(f"econ layer errors on econ {args.split} ({len(records)} documents), by gold label")
    print(f"  {'label':<9}" + "".join(f"{c:>10}" for c in (*CAUSES, "spurious")))
    total = Counter()
    for label in sorted(counts):
        total.update(counts[label])
        print(f"  {label:<9}" + "".join(f"{counts[label][c]:>10}" for c in (*CAUSES, "spurious")))
    print(f"  {'all':<9}" + "".join(f"{total[c]:>10}" for c in (*CAUSES, "spurious")))
    rng = random.Random(0)
    for cause in ("missed", "boundary", "label", "spurious"):
        sample = rng.sample(examples[cause], min(args.examples, len(examples[cause])))
        print(f"\n  {cause}: " + "; ".join(sample))


if __name__ == "__main__":
    main()
