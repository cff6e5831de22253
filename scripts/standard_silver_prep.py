"""Gold and silver DocBins for the standard-layer experiments of issue 17 (docs/standard_silver.md).

    OMP_NUM_THREADS=1 python scripts/standard_silver_prep.py [--teacher default]

Writes training-out/work/standard-{train,dev}.spacy (the project's KLUE split) and
standard-silver-{model,konec,konec+model,konec-missing}-train.spacy: gold train + the 21,008
raw KLUE train sentences labelled by the teacher, by konec's forms, or both. Unlike
``python -m pipeline train --standard-silver`` it reuses one teacher (the shipped ``ner``) for
every variant, so the variants differ in their silver alone.
"""

import argparse
import time
from pathlib import Path

from spacy.tokens import DocBin

import pipeline
from pipeline import corpora
from pipeline.corpora import silver
from pipeline.language import blank
from pipeline.training.data import AlignStats, to_docs, write_docbin
from pipeline.training.train import label_silver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher", default="default", help="pipeline with a ner ('default': the shipped model)")
    parser.add_argument("--work", type=Path, default=Path("training-out/work"))
    args = parser.parse_args()
    work, started = args.work, time.time()
    work.mkdir(parents=True, exist_ok=True)
    nlp = blank()
    for split in ("train", "dev"):
        stats = AlignStats()
        write_docbin(to_docs(nlp, corpora.records("klue", split), layer="standard", stats=stats), work / f"standard-{split}.spacy")
        print(split, stats.as_dict(), flush=True)
    labeller, docs, _ = silver.build_labeller(None, silver.Rules(), nlp)
    teacher = pipeline.load(None if args.teacher == "default" else args.teacher)
    with teacher.select_pipes(enable=["ner"]):
        taught = list(teacher.pipe((d.text for d in docs), batch_size=256))
    gold = list(DocBin().from_disk(work / "standard-train.spacy").get_docs(nlp.vocab))
    for mode in silver_modes():
        out = []
        for doc in taught:
            doc = doc.copy()
            out.append(doc if mode == "model" else label_silver(doc, labeller, mode))
        DocBin(docs=gold + out).to_disk(work / f"standard-silver-{mode}-train.spacy")
        print(mode, sum(len(d.ents) for d in out), "silver entities", round(time.time() - started), "s", flush=True)


def silver_modes() -> tuple[str, ...]:
    from pipeline.training.train import SILVER_MODES

    return SILVER_MODES


if __name__ == "__main__":
    main()
