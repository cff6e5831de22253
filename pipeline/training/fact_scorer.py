"""Training the assembler's fact scorer: candidates, labels, thresholds and score calibration.

The fact scorer (:mod:`pipeline.components.fact_scorer`) decides which (company, program,
outcome) candidates of a document are facts. It learns from the train split's candidates
over gold entities (and, with ``predicted``, over entities a recogniser predicted without
having seen the document: ``scripts/kfold_recognisers.py``); its thresholds are chosen on dev
with gold entities, and its scores are calibrated on the full pipeline's dev triples, so that a
score is the chance that a triple is right. ``scripts/retrain_fact_scorer.py`` runs this alone.
"""

from __future__ import annotations


def fact_docs(nlp, records: list[dict], *, predicted: bool = False) -> list:
    """Docs with econ spans (gold, or the recogniser's with ``predicted``) and relation scores."""
    from ..core.document import ECON_SPANS_KEY

    if predicted:
        with nlp.select_pipes(disable=[p for p in nlp.pipe_names if p in ("ner", "triple_assembler")]):
            return list(nlp.pipe(r["text"] for r in records))
    rel = nlp.get_pipe("relation_extractor")
    docs = []
    for r in records:
        doc = nlp.make_doc(r["text"])
        spans = [doc.char_span(e["start"], e["end"], label=e["label"], alignment_mode="expand") for e in r["entities"]]
        kept, taken = [], set()
        for s in sorted((s for s in spans if s is not None), key=lambda s: (s.start, -len(s))):
            if not any(i in taken for i in range(s.start, s.end)):
                kept.append(s)
                taken.update(range(s.start, s.end))
        doc.spans[ECON_SPANS_KEY] = kept
        docs.append(rel(doc))
    return docs


def fact_examples(nlp, docs: list, records: list[dict]) -> tuple[list[dict], list[int]]:
    from ..components.fact_scorer import candidates, features, gold_labels

    assembler = nlp.get_pipe("triple_assembler")
    feats, labels = [], []
    for doc, r in zip(docs, records):
        ctx = assembler.context(doc)
        if ctx is None:
            continue
        cands = candidates(ctx)
        feats.extend(features(ctx, c) for c in cands)
        labels.extend(gold_labels(ctx, cands, r["triples"]))
    return feats, labels


def train_fact_scorer(
    nlp, train: list[dict], dev: list[dict], c: float = 1.0, kind: str = "trees", predicted: list[dict] | None = None
) -> dict:
    """Fit the assembler's fact scorer on the train split (gold entities, the trained relation
    extractor's scores) and choose its thresholds on dev with gold entities; return the figures.
    ``kind``: ``trees`` (gradient boosting, dev 0.656 → see the model card) or ``linear``.
    ``predicted``: train records whose ``entities`` a recogniser predicted without having seen them
    (``scripts/kfold_recognisers.py``); their candidates are learned beside the gold ones, so the
    scorer meets the recogniser's real mistakes."""
    scorer = nlp.get_pipe("triple_assembler").scorer
    feats, labels = fact_examples(nlp, fact_docs(nlp, train), train)
    if predicted:
        more_feats, more_labels = fact_examples(nlp, fact_docs(nlp, predicted), predicted)
        feats, labels = feats + more_feats, labels + more_labels
    if kind == "trees":
        scorer.fit_trees(feats, labels)
    else:
        scorer.fit(feats, labels, c=c)
    best, table = tune_threshold(nlp, fact_docs(nlp, dev), dev)
    calibrate_scores(nlp, dev)
    return {
        "candidates": len(labels),
        "positives": sum(labels),
        "thresholds": list(best),
        "dev_gold_entities_f1": round(table[best], 4),
        "calibration": list(scorer.calibration),
    }


def calibrate_scores(nlp, dev: list[dict]) -> None:
    """Calibrate the scorer (beta calibration, :meth:`FactScorer.calibrate`) on the full pipeline's
    triples on dev (predicted entities), so that a triple's score is the chance that it is right."""
    from ..core.document import from_spacy
    from ..evaluation.scoring import judge_triples

    scorer = nlp.get_pipe("triple_assembler").scorer
    scorer.calibration = (1.0, 1.0, 0.0)
    preds = [from_spacy(doc).to_dict()["triples"] for doc in nlp.pipe(r["text"] for r in dev)]
    items, _ = judge_triples(preds, [r["triples"] for r in dev])
    if len({ok for _, ok in items}) == 2:
        scorer.calibrate([s for s, _ in items], [ok for _, ok in items])


def tune_threshold(nlp, docs: list, records: list[dict]) -> tuple[tuple[float, float, float], dict]:
    """The scorer's three thresholds (best, further, listed firms) with the best relaxed triple F1 on ``docs`` (dev); F1 by pair.
    Candidates are scored once; each pair of thresholds only re-runs the selection."""
    from ..components.fact_scorer import candidates, features
    from ..components.selection import select
    from ..evaluation.scoring import score_triples

    assembler = nlp.get_pipe("triple_assembler")
    scored = []
    for doc in docs:
        ctx = assembler.context(doc)
        cands = candidates(ctx) if ctx is not None else []
        scored.append((ctx, cands, assembler.scorer.score([features(ctx, c) for c in cands])))

    def texts(ctx, chosen) -> list[dict]:
        return [{part: {"text": ctx.spans[i].text} for part, i in zip(("company", "program", "outcome"), cand)} for _, cand in chosen]

    by_threshold = {}
    for t in [round(0.05 + 0.05 * k, 2) for k in range(12)]:
        for t2 in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01):
            for t3 in (0.05, 0.1, 0.2, 0.3, 1.01):
                if t2 <= t:
                    continue
                preds = [texts(ctx, select(ctx, cands, probs, t, t2, t3)) if ctx is not None else [] for ctx, cands, probs in scored]
                by_threshold[(t, t2, t3)] = score_triples(zip(preds, [r["triples"] for r in records])).f1
    best = max(by_threshold, key=by_threshold.get)
    assembler.scorer.threshold, assembler.scorer.second_threshold, assembler.scorer.chain_threshold = best
    return best, by_threshold
