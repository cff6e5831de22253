"""Predicted econ entities for every train document from a recogniser that never saw it (k-fold).

The fact scorer learns which (company, program, outcome) candidates are facts. Trained on gold
entities only, it never meets the recogniser's real mistakes (a firm cut short, a prize missed,
a target tagged OUTCOME); issue 12 asks it to learn from those too. Predictions on train from
the shipped recogniser would be too good (it has seen those documents), so the train split is
cut into ``--folds`` parts by a hash of each document's id, a span classifier is trained on the
other parts (same config as the shipped one, fewer steps) and predicts the part it did not see.

    python scripts/kfold_recognisers.py WORK --fold 0 --steps 2500     # one process per fold,
    python scripts/kfold_recognisers.py WORK --fold 1 --steps 2500     # run side by side
    python scripts/kfold_recognisers.py WORK --predict                 # -> WORK/train-predicted.jsonl

``train-predicted.jsonl`` holds the train records with their ``entities`` replaced by the
predictions (ids, texts and gold triples unchanged); ``scripts/retrain_fact_scorer.py
--predicted`` adds its candidates to the gold ones.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from pipeline import corpora
from pipeline.language import blank
from pipeline.training.data import AlignStats, to_docs, write_docbin
from pipeline.training.train import train_span_classifier


def fold_of(record_id: str, folds: int) -> int:
    """A document's fold: stable across runs and machines (not Python's salted ``hash``)."""
    return int(hashlib.sha1(record_id.encode("utf-8")).hexdigest(), 16) % folds


def train_fold(work: Path, fold: int, folds: int, steps: int, data_dir) -> Path:
    nlp = blank()
    fold_dir = work / f"fold{fold}"
    train = [r for r in corpora.records("econ", "train", data_dir) if fold_of(r["id"], folds) != fold]
    for split, records in (("train", train), ("dev", list(corpora.records("econ", "dev", data_dir)))):
        path = fold_dir / f"econ-{split}.spacy"
        if not path.exists():
            stats = AlignStats()
            write_docbin(to_docs(nlp, records, layer="econ", stats=stats), path)
            print(f"fold {fold} {split}: {len(records)} documents", stats.as_dict(), flush=True)
    started = time.time()
    best = train_span_classifier(fold_dir, max_steps=steps, name="spancat")
    print(f"fold {fold}: {best} in {time.time() - started:.0f} s", flush=True)
    return best


def predict(work: Path, folds: int, data_dir) -> Path:
    import spacy

    import pipeline.components  # noqa: F401  (the factories)

    out = work / "train-predicted.jsonl"
    train = list(corpora.records("econ", "train", data_dir))
    predicted: dict[str, dict] = {}
    for fold in range(folds):
        nlp = spacy.load(work / f"fold{fold}" / "spancat" / "model-best")
        part = [r for r in train if fold_of(r["id"], folds) == fold]
        for r, doc in zip(part, nlp.pipe(r["text"] for r in part)):
            ents = [{"start": s.start_char, "end": s.end_char, "label": s.label_, "text": s.text} for s in doc.spans["econ"]]
            predicted[r["id"]] = {**r, "entities": ents, "relations": []}
        print(f"fold {fold}: {len(part)} documents predicted", flush=True)
    with out.open("w", encoding="utf-8") as fh:
        for r in train:  # the corpus order
            fh.write(json.dumps(predicted[r["id"]], ensure_ascii=False) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--fold", type=int, default=None, help="train this fold's recogniser")
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--predict", action="store_true", help="predict every fold's held-out part with its recogniser")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    if args.fold is not None:
        train_fold(args.work, args.fold, args.folds, args.steps, args.data_dir)
    if args.predict:
        print(predict(args.work, args.folds, args.data_dir))


if __name__ == "__main__":
    main()
