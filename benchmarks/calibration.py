"""How much a triple's score means: reliability table, expected calibration error, and the
precision/recall curve of ``min_score`` on the econ dev split.

    python benchmarks/calibration.py [--model PATH] [--data-dir DIR] [--split dev]

Each predicted triple is correct when it matches a gold triple (SCHEMA.md's relaxed rule,
one-to-one, higher scores matched first). The reliability table bins the triples by score
and compares the mean score of a bin with the share of correct triples in it; the expected
calibration error (ECE) is their gap weighted by the bin's size. The curve gives P, R and F1
of the triples kept at each ``min_score``.
"""

from __future__ import annotations

import argparse

import pipeline
from pipeline import corpora
from pipeline.core.document import from_spacy
from pipeline.evaluation.scoring import judge_triples


def reliability(items: list[tuple[float, bool]], bins: int = 10) -> tuple[list[tuple], float]:
    rows, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(s, ok) for s, ok in items if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        if not inside:
            continue
        conf = sum(s for s, _ in inside) / len(inside)
        acc = sum(ok for _, ok in inside) / len(inside)
        ece += len(inside) / len(items) * abs(conf - acc)
        rows.append((lo, hi, len(inside), conf, acc))
    return rows, ece


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    records = corpora.records("econ", args.split, args.data_dir)
    preds = [from_spacy(doc).to_dict()["triples"] for doc in nlp.pipe(r["text"] for r in records)]
    items, n_gold = judge_triples(preds, [r["triples"] for r in records])
    rows, ece = reliability(items)
    print(f"triples on econ {args.split}: {len(items)} predicted, {sum(ok for _, ok in items)} correct, {n_gold} gold")
    print(f"\n  {'score bin':<11} {'triples':>7} {'mean score':>10} {'correct':>8}")
    for lo, hi, n, conf, acc in rows:
        print(f"  {lo:.1f}–{hi:.1f}    {n:>7} {conf:>10.3f} {acc:>8.3f}")
    print(f"  expected calibration error: {ece:.3f}")
    print(f"\n  {'min_score':>9} {'P':>6} {'R':>6} {'F1':>6} {'kept':>5}")
    for k in range(10):
        cut = k / 10
        kept = [ok for s, ok in items if s >= cut]
        tp = sum(kept)
        p = tp / len(kept) if kept else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {cut:>9.1f} {p:>6.3f} {r:>6.3f} {f:>6.3f} {len(kept):>5}")


if __name__ == "__main__":
    main()
