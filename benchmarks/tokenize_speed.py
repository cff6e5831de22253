"""Sentences per second of the Kiwi-in-spaCy tokenizer against raw Kiwi, on the same sentences.

    python benchmarks/tokenize_speed.py [--n 5000] [--data-dir ../shared/data]

Both run Kiwi with all cores (``num_workers=-1``) over the first N raw sentences of
KLUE NER train; the spaCy side is ``nlp.pipe`` of the project's blank pipeline,
which builds Docs that cover the text exactly. Target: at least 80% of raw Kiwi.
(The file is not called tokenize.py: a script of that name shadows the standard library.)
"""

from __future__ import annotations

import argparse
import time

from kiwipiepy import Kiwi

import pipeline
from pipeline.corpora.sources import KLUE_NER_TRAIN_RAW, resolve_data_dir


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    path = resolve_data_dir(args.data_dir) / KLUE_NER_TRAIN_RAW
    with open(path, encoding="utf-8") as f:
        sentences = [line.rstrip("\n").split("\t", 1)[1] for line in f][: args.n]
    kiwi = Kiwi(num_workers=-1)
    nlp = pipeline.blank()
    list(kiwi.tokenize(sentences[:100]))
    list(nlp.pipe(sentences[:100]))
    # alternate the two so that a slow patch of the machine hits both alike
    raw_times, spacy_times = [], []
    for _ in range(args.runs):
        raw_times.append(best_of(1, lambda: list(kiwi.tokenize(sentences))))
        spacy_times.append(best_of(1, lambda: list(nlp.pipe(sentences))))
    raw, spacy_time = min(raw_times), min(spacy_times)
    n = len(sentences)
    print(f"{n} sentences of KLUE NER train, best of {args.runs} runs")
    print(f"raw Kiwi.tokenize        {n / raw:8.0f} sentences/s")
    print(f"Kiwi in spaCy (nlp.pipe) {n / spacy_time:8.0f} sentences/s")
    print(f"ratio                    {raw / spacy_time:8.1%}  (target >= 80%)")


if __name__ == "__main__":
    main()
