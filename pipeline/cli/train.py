"""``python -m pipeline train`` and ``python -m pipeline evaluate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .help import HelpFormatter, examples


def add_commands(sub) -> None:
    t = sub.add_parser(
        "train",
        help="train a pipeline (recognisers, relation extractor) from the corpora",
        description="Train the econ and standard recognisers and the relation extractor, and save the assembled pipeline.",
        epilog=examples(
            "python -m pipeline train -o models/my-econ",
            "python -m pipeline train -o /tmp/quick --econ-steps 500 --standard-steps 300   # a quick trial",
            "python -m pipeline train -o models/econ-only --layers econ,relations --standard-from models/ko_econ_default",
            "python -m pipeline train --backend transformers --base-model klue/roberta-base --layers econ -o models/econ-roberta",
        ),
        formatter_class=HelpFormatter,
    )
    t.add_argument("-o", "--output", type=Path, required=True, help="pipeline directory to write")
    t.add_argument(
        "--backend",
        choices=("spacy", "transformers"),
        default="spacy",
        help="spacy: CPU tok2vec (default); transformers: the same components over a fine-tuned pre-trained encoder",
    )
    t.add_argument(
        "--base-model",
        default="klue/roberta-base",
        help="transformers backend: a Hugging Face name or local path (default: klue/roberta-base)",
    )
    t.add_argument("--layers", default="econ,standard,relations", help="what to train (default: econ,standard,relations)")
    t.add_argument("--econ-steps", type=int, default=5000, help="training steps of the econ recogniser (default: %(default)s)")
    t.add_argument(
        "--standard-steps",
        type=int,
        default=3000,
        help="steps of each of the two standard-layer rounds (gold, then gold + self-trained silver)",
    )
    t.add_argument(
        "--econ-recogniser",
        choices=("ner", "spancat"),
        default="ner",
        help="econ layer: ner (transition-based, configs/ner.cfg) or spancat (span classifier over Kiwi candidates, configs/spancat.cfg)",
    )
    t.add_argument(
        "--econ-from",
        type=Path,
        default=None,
        help="reuse this trained econ recogniser (a model-best directory) instead of training one (with --layers relations)",
    )
    t.add_argument(
        "--econ-min-score",
        type=float,
        default=None,
        help="span classifier only: keep a candidate whose best label scores at least this (default: argmax)",
    )
    t.add_argument(
        "--standard-silver",
        default="model",
        choices=("model", "konec", "konec+model", "konec-missing"),
        help="how the raw KLUE train sentences are labelled: the gold-only model (self-training), konec's train forms, or both",
    )
    t.add_argument(
        "--standard-from",
        type=Path,
        default=None,
        help="reuse the standard layer (ner) of this pipeline instead of training one (with --layers econ,relations)",
    )
    t.add_argument(
        "--epochs", type=int, default=3, help="transformers backend: at most this many epochs per recogniser (0: the step limits only)"
    )
    t.add_argument("--seed", type=int, default=0, help="random seed of every training step (default: 0)")
    t.add_argument("--data-dir", default=None, help="copy of the shared data (default: ../shared/data)")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser(
        "evaluate",
        help="score a pipeline on a corpus split or a JSONL file",
        description="Entity P/R/F1 per label (standard layer exact; econ layer exact and relaxed), relations and triples.",
        epilog=examples(
            "python -m pipeline evaluate default econ:dev",
            "python -m pipeline evaluate models/my-econ econ:test --json > scores.json",
            "python -m pipeline evaluate default annotated-gold.jsonl   # your own SCHEMA.md records",
        ),
        formatter_class=HelpFormatter,
    )
    e.add_argument("model", help="pipeline directory or name ('default' for the shipped model)")
    e.add_argument("data", help="econ:dev, econ:test, klue:dev, or a JSONL file of SCHEMA.md records")
    e.add_argument("--data-dir", default=None, help="copy of the shared data (default: ../shared/data)")
    e.add_argument("--json", action="store_true", help="print the scores as JSON")
    e.set_defaults(func=cmd_evaluate)


def cmd_train(args) -> int:
    layers = tuple(x.strip() for x in args.layers.split(",") if x.strip())
    from ..training.train import train_pipeline

    encoder = None
    if args.backend == "transformers":
        from ..training.encoder import EncoderSettings

        encoder = EncoderSettings(name=args.base_model, max_epochs=args.epochs)

    report = train_pipeline(
        args.output,
        data_dir=args.data_dir,
        seed=args.seed,
        econ_steps=args.econ_steps,
        standard_steps=args.standard_steps,
        layers=layers,
        standard_from=args.standard_from,
        econ_recogniser=args.econ_recogniser,
        econ_from=args.econ_from,
        econ_min_score=args.econ_min_score,
        standard_silver=args.standard_silver,
        encoder=encoder,
    )
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"saved {args.output}")
    return 0


def cmd_evaluate(args) -> int:
    import pipeline

    from ..evaluation.evaluate import evaluate, format_report, read_data

    try:
        nlp = pipeline.load(None if args.model == "default" else args.model)
        records = read_data(args.data, args.data_dir)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate(nlp, records)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else format_report(result))
    return 0
