"""Train one econ recogniser alone, for comparing levers at equal steps on dev.

    python scripts/train_econ_recogniser.py WORK --recogniser ner|spancat --steps 2000 --name NAME \
        [--width 96 --depth 4]

Writes the econ train/dev DocBins to WORK (once) and trains into WORK/NAME with
``pipeline.training.train`` (``ner.cfg`` or ``spancat.cfg``, seed 0), so that two
levers differ only in what is named here. Score the result with
``benchmarks/econ_recogniser_dev.py WORK/NAME/model-best``. ``python -m pipeline
train`` builds the whole pipeline; this is the cheaper loop for one component.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline import corpora
from pipeline.language import blank
from pipeline.training.data import AlignStats, to_docs, write_docbin
from pipeline.training.train import train_ner, train_span_classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--recogniser", choices=("ner", "spancat"), default="spancat")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--name", required=True)
    parser.add_argument("--width", type=int, default=None, help="tok2vec width (config: 96)")
    parser.add_argument("--depth", type=int, default=None, help="tok2vec depth (config: 4)")
    parser.add_argument("--config", type=Path, default=None, help="a span classifier config other than spancat.cfg")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    nlp = blank()
    for split in ("train", "dev"):
        path = args.work / f"econ-{split}.spacy"
        if not path.exists():
            stats = AlignStats()
            write_docbin(to_docs(nlp, corpora.records("econ", split, args.data_dir), layer="econ", stats=stats), path)
            print(split, stats.as_dict())
    comp = "econ_ner" if args.recogniser == "spancat" else "ner"
    tok2vec = f"components.{comp}.model.tok2vec"
    overrides = {}
    if args.width:
        overrides |= {
            f"{tok2vec}.embed.width": args.width,
            f"{tok2vec}.encode.width": args.width,
            f"{tok2vec}.embed.rows": [10000, 2000, 5000, 2000, 1000],
        }
    if args.depth:
        overrides[f"{tok2vec}.encode.depth"] = args.depth
    started = time.time()
    if args.recogniser == "spancat":
        extra = {"config": args.config} if args.config else {}
        best = train_span_classifier(args.work, max_steps=args.steps, name=args.name, overrides=overrides, **extra)
    else:
        best = train_ner("econ", args.work, max_steps=args.steps, name=args.name, overrides=overrides)
    print(f"done {best} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
