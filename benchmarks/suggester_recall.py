"""Recall of the econ span classifier's suggester: the ceiling of its recall.

    python benchmarks/suggester_recall.py [--split dev] [--max-length 8 12 16 20 25] [--data-dir DIR]

For each ``max_length``: the share of gold econ spans (exact character boundaries, per
label) that are among the candidates of ``pipeline.language.suggesters.candidate_spans``, and
the candidates per token. A gold span that does not fall on Kiwi token boundaries
counts as missed, as it would for the classifier.
"""

from __future__ import annotations

import argparse
from collections import Counter

from pipeline import corpora
from pipeline.language import blank
from pipeline.language.suggesters import candidate_spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev", choices=("train", "dev"))
    parser.add_argument("--max-length", type=int, nargs="+", default=[8, 12, 16, 20, 25])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    records = corpora.records("econ", args.split, args.data_dir)
    nlp = blank()
    docs = list(nlp.tokenizer.pipe(r["text"] for r in records))
    tokens = sum(len(d) for d in docs)
    print(f"econ {args.split}: {len(records)} documents, {tokens} Kiwi tokens")
    print(f"  {'max_len':>7} {'cand/tok':>8} " + " ".join(f"{lab:>8}" for lab in ("AGENCY", "COMPANY", "PROGRAM", "OUTCOME", "all")))
    for max_length in args.max_length:
        found, gold, n_cand = Counter(), Counter(), 0
        for doc, rec in zip(docs, records):
            cands = {(doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)) for s, e in candidate_spans(doc, max_length)}
            n_cand += len(cands)
            for ent in rec["entities"]:
                gold[ent["label"]] += 1
                found[ent["label"]] += (ent["start"], ent["end"]) in cands
        shares = [found[lab] / gold[lab] for lab in ("AGENCY", "COMPANY", "PROGRAM", "OUTCOME")]
        shares.append(sum(found.values()) / sum(gold.values()))
        print(f"  {max_length:>7} {n_cand / tokens:>8.2f} " + " ".join(f"{s:>8.3f}" for s in shares))


if __name__ == "__main__":
    main()
