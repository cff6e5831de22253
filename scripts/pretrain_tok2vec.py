"""Pretrain the econ recogniser's tok2vec on unlabelled Korean news (spaCy's ``pretrain``).

The recogniser learns from ~1,300 annotated documents and no pretrained Korean encoder can
be had here. spaCy's pretraining objective (predict each token's first and last characters
from its context, with the token itself hidden) teaches the same tok2vec the recogniser
uses from text nobody annotated: :func:`pipeline.corpora.unlabelled_texts`, the raw KLUE train
sentences and the real texts of the econ train split, with every dev and test text (and any KLUE
sentence repeating one) held out, so that choosing on dev stays honest.

    python scripts/pretrain_tok2vec.py WORK --epochs 8
    python scripts/train_econ_recogniser.py WORK --steps 3000 --name pre --config WORK/spancat-pretrained.cfg

The weights file is thinc's own serialisation (msgpack), which ``init_tok2vec`` reads;
``spancat-pretrained.cfg`` is ``spancat.cfg`` with the pretraining block and
``initialize.init_tok2vec`` pointing at the last epoch's weights.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from pipeline import corpora
from pipeline.training.train import SPANCAT_CONFIG


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()

    import spacy
    from spacy.training.pretrain import pretrain
    from spacy.util import load_config, load_model_from_config

    import pipeline.components  # noqa: F401  (the factories, the Kiwi suggester)

    args.work.mkdir(parents=True, exist_ok=True)
    raw = args.work / "raw.jsonl"
    if not raw.exists():
        texts = list(dict.fromkeys(corpora.unlabelled_texts(args.data_dir)))  # dev and test held out
        raw.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
        print(f"{len(texts)} texts -> {raw}", flush=True)
    # spaCy's train fills a config's defaults itself; pretrain wants them filled already
    config = load_model_from_config(load_config(SPANCAT_CONFIG, interpolate=False), auto_fill=True).config
    defaults = load_config(Path(os.path.dirname(spacy.__file__)) / "default_config_pretraining.cfg", interpolate=False)
    config = config.merge(defaults)
    config["paths"]["raw_text"] = str(raw)
    config["pretraining"].update({"component": "econ_ner", "layer": "tok2vec", "max_epochs": args.epochs})
    config["corpora"]["pretrain"] = defaults["corpora"]["pretrain"]
    started = time.time()
    (args.work / "pretrain").mkdir(exist_ok=True)  # spaCy's CLI makes it; the function does not
    pretrain(config.interpolate(), args.work / "pretrain", silent=False)
    print(f"pretrained in {time.time() - started:.0f} s -> {args.work / 'pretrain'}", flush=True)
    weights = args.work / "pretrain" / f"model{args.epochs - 1}.bin"
    config["initialize"]["init_tok2vec"] = str(weights)
    config.to_disk(args.work / "spancat-pretrained.cfg")
    print(f"training config: {args.work / 'spancat-pretrained.cfg'} (init_tok2vec {weights})", flush=True)


if __name__ == "__main__":
    main()
