"""Scores and speed of the default model's recognisers.

    python benchmarks/ner_quality.py [--model PATH] [--data-dir DIR] [--speed-sentences 2000]

Standard layer: exact-span P/R/F1 per label on the project's held-out KLUE split
(corpora/klue/split.json, dev). Econ layer: exact and relaxed (SCHEMA.md's rule)
P/R/F1 per label on the econ dev and test splits. Speed: sentences per second of
tokenisation alone and of tokenisation + both recognisers, in one run, on the same
KLUE sentences.
"""

from __future__ import annotations

import argparse
import time

import pipeline
from pipeline import corpora
from pipeline.evaluation.evaluate import evaluate


def table(title: str, scores: dict) -> None:
    print(f"\n{title}")
    print(f"  {'label':<9} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}")
    for label, s in list(scores["per_label"].items()) + [("overall", scores["overall"])]:
        print(f"  {label:<9} {s['p']:>6.3f} {s['r']:>6.3f} {s['f1']:>6.3f} {s['gold']:>5}")


def speed(nlp, sentences: list[str], disable: list[str]) -> float:
    with nlp.select_pipes(disable=disable):
        list(nlp.pipe(sentences[:50]))
        start = time.perf_counter()
        list(nlp.pipe(sentences, batch_size=256))
        return len(sentences) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--speed-sentences", type=int, default=2000)
    parser.add_argument(
        "--split", action="append", choices=("dev", "test"), help="econ splits to score (default: dev; test once per model)"
    )
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    print(f"model: {args.model or pipeline.default_model_path()}  pipes: {nlp.pipe_names}")

    klue = corpora.records("klue", "dev", args.data_dir)
    with nlp.select_pipes(enable=[p for p in nlp.pipe_names if p == "ner"]):
        result = evaluate(nlp, klue)
    table(f"standard layer, KLUE dev split ({len(klue)} sentences), exact spans", result["standard"]["exact"])
    for split in args.split or ["dev"]:
        records = corpora.records("econ", split, args.data_dir)
        with nlp.select_pipes(enable=[p for p in nlp.pipe_names if p == "econ_ner"]):
            result = evaluate(nlp, records)
        table(f"econ layer, econ {split} ({len(records)} documents), exact spans", result["econ"]["exact"])
        table(f"econ layer, econ {split}, relaxed (SCHEMA.md rule)", result["econ"]["relaxed"])

    sentences = [r["text"] for r in corpora.records("klue", "train", args.data_dir)][: args.speed_sentences]
    ner_pipes = [p for p in nlp.pipe_names if p in ("econ_ner", "ner")]
    others = [p for p in nlp.pipe_names if p not in ner_pipes]
    tok = speed(nlp, sentences, disable=nlp.pipe_names)
    with_ner = speed(nlp, sentences, disable=others)
    print(f"\nspeed on {len(sentences)} KLUE sentences (one run, this machine)")
    print(f"  tokenisation only        {tok:8.0f} sentences/s")
    print(f"  tokenisation + NER       {with_ner:8.0f} sentences/s")
    print(f"  NER adds {tok / with_ner - 1:.0%} to the time of tokenisation alone (target <= 50%)")


if __name__ == "__main__":
    main()
