"""Put a trained econ recogniser into a pipeline, keep every other part, recalibrate the scores.

    python scripts/swap_econ_recogniser.py PIPELINE RECOGNISER -o OUTPUT [--min-score 0.25]

RECOGNISER is a ``model-best`` directory of ``scripts/train_econ_recogniser.py`` (a span
classifier's ``econ_ner`` or a transition ``ner``). The relation extractor and the fact scorer
learn from gold entities, so a new recogniser does not call for retraining them (``python -m
pipeline train --econ-from`` does, 30 minutes more); only the triple scores' calibration, which
is fitted on the full pipeline's triples on dev, depends on it and is fitted again here.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pipeline", type=Path, help="the pipeline whose econ recogniser is replaced")
    ap.add_argument("recogniser", type=Path, help="a trained econ recogniser (model-best directory)")
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--min-score", type=float, default=None, help="span classifier: keep a candidate whose best label scores at least this")
    ap.add_argument("--data-dir", default=None, help="copy of the shared data (default: ../shared/data)")
    args = ap.parse_args()

    import spacy

    import pipeline.components  # noqa: F401  (registers the factories)
    from pipeline import corpora
    from pipeline.training.fact_scorer import calibrate_scores

    nlp = spacy.load(args.pipeline)
    source = spacy.load(args.recogniser)
    nlp.remove_pipe("econ_ner")
    # a transition-based run names its component "ner", a span classifier run "econ_ner"
    nlp.add_pipe(source.pipe_names[0], source=source, name="econ_ner", first=True)
    if args.min_score is not None:
        nlp.get_pipe("econ_ner").cfg["min_score"] = args.min_score
    calibrate_scores(nlp, list(corpora.records("econ", "dev", args.data_dir)))
    card = args.pipeline / "README.md"
    if args.output.exists():
        shutil.rmtree(args.output)
    nlp.to_disk(args.output)
    if card.exists():
        shutil.copy(card, args.output / "README.md")
    print(f"saved {args.output}: {nlp.pipe_names}, calibration {nlp.get_pipe('triple_assembler').scorer.calibration}")


if __name__ == "__main__":
    main()
