"""Retrain only the fact scorer of a pipeline (its thresholds and calibration too), in place.

The fact scorer reads the normaliser's parse of each outcome, so a change to
``pipeline/core/normalize.py`` or to the scorer's features calls for this, not for a whole
``python -m pipeline train`` (55 minutes): the recognisers and the relation extractor stay.

    python scripts/retrain_fact_scorer.py models/ko_econ_default
    python scripts/retrain_fact_scorer.py models/ko_econ_default --calibrate-only   # the score calibration alone
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path, help="pipeline directory whose triple_assembler is rewritten")
    ap.add_argument("--data-dir", default=None, help="copy of the shared data (default: ../shared/data)")
    ap.add_argument(
        "--calibrate-only", action="store_true", help="keep the scorer and thresholds; fit the scores' calibration on dev again"
    )
    ap.add_argument(
        "--predicted",
        type=Path,
        default=None,
        help="train records with predicted entities (scripts/kfold_recognisers.py), learned beside the gold ones",
    )
    args = ap.parse_args()

    import spacy

    import pipeline.components  # noqa: F401  (registers the factories)
    from pipeline import corpora
    from pipeline.training.fact_scorer import calibrate_scores, train_fact_scorer

    nlp = spacy.load(args.model)
    if args.calibrate_only:
        calibrate_scores(nlp, list(corpora.records("econ", "dev", args.data_dir)))
        report = {"calibration": list(nlp.get_pipe("triple_assembler").scorer.calibration)}
    else:
        predicted = None
        if args.predicted:
            predicted = [json.loads(line) for line in args.predicted.read_text(encoding="utf-8").splitlines() if line.strip()]
        report = train_fact_scorer(
            nlp,
            list(corpora.records("econ", "train", args.data_dir)),
            list(corpora.records("econ", "dev", args.data_dir)),
            predicted=predicted,
        )
    nlp.get_pipe("triple_assembler").to_disk(args.model / "triple_assembler")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
