"""How far selection and merge can go with a perfect fact scorer (gold entities, dev).

    python benchmarks/assembly_ceiling.py [--model PATH] [--data-dir DIR] [--examples 8] [--full]

Every candidate of a document is scored by the gold triples themselves
(:func:`~pipeline.components.fact_scorer.gold_labels`: 1 when it states a gold triple, else 0)
and goes through the same :func:`~pipeline.components.selection.select` as the shipped scorer's
probabilities. What the oracle run still gets wrong is the part of the gap to the target that no
better scorer can close: the merge, the selection rules, or the candidates themselves. Its
unmatched triples get :mod:`assembly_errors`' causes, and FPs a finer one:

- "oracle FP label without gold match": the candidate was labelled 1 through another mention of
  its (alias-clustered) company or program, but the mention the triple writes matches no gold part;
- "oracle FP second of one gold": two kept triples match the same gold triple and only one may
  (one fact stated twice that ``same_fact`` does not join), split by which part differs;
- "oracle FP selection rule": a triple the gold labels never asked for (a list-sharing rule
  or a prize list added it).

A second oracle labels one candidate per gold triple (the one the shipped scorer likes best among
those that state it): where gold lists two entities as aliases of one part (a program and its
parent program, a group under two descriptions), the first oracle keeps both and the second does not,
so the gap between the two is what the gold's alias lists, not the selection, cost the ceiling.

The shipped scorer's figures are printed in the same run; ``--full`` adds the full pipeline.
Choose on dev; never run it on test.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import numpy as np
from assembly_errors import analyse  # this folder is on the path when the script runs

import pipeline
from pipeline import corpora
from pipeline.components.fact_scorer import candidates, features, gold_labels
from pipeline.components.selection import select
from pipeline.core.document import from_spacy
from pipeline.evaluation import scoring
from pipeline.evaluation.scoring import score_triples, triple_match
from pipeline.training.fact_scorer import fact_docs


def one_per_gold(ctx, cands: list[tuple[int, int, int]], probs, gold_triples: list[dict]) -> list[int]:
    """Gold labels with one positive per gold triple: the best scored candidate that states it."""
    out = [0] * len(cands)
    for g in gold_triples:
        hits = [k for k, lab in enumerate(gold_labels(ctx, cands, [g])) if lab]
        if hits:
            out[max(hits, key=lambda k: probs[k])] = 1
    return out


def run(nlp, docs: list, records: list[dict], oracle: bool | str) -> tuple[list[list[dict]], list[list[tuple]]]:
    """Triples per document (the shipped scorer's probabilities, or the gold labels) and, per
    triple, (candidate, was it labelled 1) for the oracle's FP causes."""
    assembler = nlp.get_pipe("triple_assembler")
    scorer = assembler.scorer
    out, meta = [], []
    for doc, r in zip(docs, records):
        ctx = assembler.context(doc)
        if ctx is None:
            out.append([])
            meta.append([])
            continue
        cands = candidates(ctx)
        labels = gold_labels(ctx, cands, r["triples"])
        probs = scorer.score([features(ctx, c) for c in cands])
        if oracle == "one per gold":
            labels = one_per_gold(ctx, cands, probs, r["triples"])
        if oracle:
            probs = np.array(labels, dtype=float)
        chosen = select(ctx, cands, probs, scorer.threshold, scorer.second_threshold, scorer.chain_threshold)
        label_of = dict(zip(cands, labels))
        agencies = ctx.by_label.get("AGENCY", [])
        triples = []
        for prob, (c, p, o) in chosen:
            agency = assembler._agency(doc, ctx.spans, p, agencies, ctx.cluster, ctx.scores)
            triples.append(assembler._triple(doc, ctx.spans, c, p, o, agency, float(prob), ctx.sent_of).to_dict())
        out.append(triples)
        meta.append([((c, p, o), label_of[(c, p, o)]) for _, (c, p, o) in chosen])
    return out, meta


def oracle_fp_causes(preds: list[list[dict]], meta: list[list[tuple]], records: list[dict]) -> tuple[Counter, dict]:
    causes: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for pred, info, r in zip(preds, meta, records):
        gold = r["triples"]
        matched = scoring.matching(len(pred), len(gold), lambda p, g: triple_match(pred[p], gold[g]))
        for k, t in enumerate(pred):
            if k in matched:
                continue
            (_, labelled) = info[k]
            hits = [g for g in gold if triple_match(t, g)]
            if not labelled:
                cause = "oracle FP selection rule (not labelled 1)"
            elif not hits:
                cause = "oracle FP label without gold match (alias mention)"
            else:
                twin = [pred[j] for j, g in matched.items() if gold[g] in hits]
                diff = (
                    "+".join(part for part in ("company", "program", "outcome") if twin and twin[0][part]["text"] != t[part]["text"])
                    or "same strings"
                )
                cause = f"oracle FP second of one gold (differs: {diff})"
            causes[cause] += 1
            examples[cause].append(
                f"{r['id']} ({t['company']['text']} | {t['program']['text']} | {t['outcome']['text']})"
                + (
                    f" twin ({twin[0]['company']['text']} | {twin[0]['program']['text']} | {twin[0]['outcome']['text']})"
                    if labelled and hits and twin
                    else ""
                )
            )
    return causes, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--full", action="store_true", help="also score the full pipeline (predicted entities)")
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    records = corpora.records("econ", "dev", args.data_dir)
    docs = fact_docs(nlp, records)
    golds = [r["triples"] for r in records]
    for name, oracle in (
        ("shipped scorer", False),
        ("oracle (gold-labelled candidates)", True),
        ("oracle, one candidate per gold triple", "one per gold"),
    ):
        preds, meta = run(nlp, docs, records, oracle)
        prf = score_triples(zip(preds, golds))
        print(f"dev gold entities, {name}: P {prf.precision:.3f} R {prf.recall:.3f} F1 {prf.f1:.3f} (pred {prf.n_pred}, gold {prf.n_gold})")
        if oracle is True:
            causes, examples = analyse(preds, records)
            fine, fine_examples = oracle_fp_causes(preds, meta, records)
            for cause, n in causes.most_common():
                print(f"  {n:>4}  {cause}")
            for cause, n in fine.most_common():
                print(f"  {n:>4}  {cause}")
            for cause, _ in [*fine.most_common(), *causes.most_common()]:
                print(f"\n{cause}")
                for line in (fine_examples.get(cause) or examples.get(cause) or [])[: args.examples]:
                    print(f"  {line}")
    if args.full:
        preds = [from_spacy(doc, r["id"]).to_dict()["triples"] for doc, r in zip(nlp.pipe(r["text"] for r in records), records)]
        prf = score_triples(zip(preds, golds))
        print(f"\ndev full pipeline: P {prf.precision:.3f} R {prf.recall:.3f} F1 {prf.f1:.3f}")


if __name__ == "__main__":
    main()
