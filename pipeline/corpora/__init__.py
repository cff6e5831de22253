"""Corpora: the econ fact corpus and KLUE's standard layer, as ``datasets`` and DocBins.

>>> from pipeline import corpora
>>> econ_dev = corpora.load("econ", "dev")      # a datasets.Dataset of SCHEMA.md records
>>> klue_dev = corpora.load("klue", "dev")      # the project's held-out KLUE split
"""

from __future__ import annotations

import json
from pathlib import Path

from .sources import annotations_dir, resolve_data_dir

REPO = Path(__file__).resolve().parents[2]
KLUE_SPLIT = annotations_dir() / "klue" / "split.json"
NAMES = ("econ", "klue")


def features():
    """Typed ``datasets`` features of a corpus record (plus ``meta`` as JSON text), derived from
    the core's Arrow shape (:func:`pipeline.core.arrow.corpus_schema`): offsets are int64, as
    in Parquet output and :func:`pipeline.annotate_dataset`."""
    from ..core.arrow import corpus_features

    return corpus_features()


def records(name: str, split: str, data_dir=None) -> list[dict]:
    """The plain records of a corpus split (the econ corpus is built on first use)."""
    if name == "econ":
        from .econ import SPLITS, ensure_built

        if split not in SPLITS:
            raise ValueError(f"econ has no split {split!r} (train, dev, test)")
        path = ensure_built(data_dir) / f"{split}.jsonl"  # in the user data directory, built on first use
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if name == "klue":
        from .klue import to_records
        from .sources import KLUE_NER_DEV

        ids = json.loads(KLUE_SPLIT.read_text(encoding="utf-8"))
        if split not in ("train", "dev"):
            raise ValueError(f"klue has splits train and dev, not {split!r}")
        keep = set(ids[split])
        return [r for r in to_records(resolve_data_dir(data_dir) / KLUE_NER_DEV) if r["id"] in keep]
    raise ValueError(f"unknown corpus {name!r}; known: {', '.join(NAMES)}")


def unlabelled_texts(data_dir=None):
    """Texts the models may learn from without labels (self-training, pretraining, lists).

    The raw KLUE NER train sentences (WikiTree news; the project's gold KLUE dev split
    is not among them) and the texts of the econ corpus's train split. Every text of
    the econ dev and test splits is held out, and so is any KLUE sentence that repeats
    one of them, so a model never sees an evaluation text, labelled or not.
    """
    from .sources import KLUE_NER_TRAIN_RAW

    held_out = {r["text"] for split in ("dev", "test") for r in records("econ", split, data_dir)}
    held_out_norm = {" ".join(t.split()) for t in held_out}
    for r in records("econ", "train", data_dir):
        if not r.get("meta", {}).get("synthetic"):
            yield r["text"]
    with open(resolve_data_dir(data_dir) / KLUE_NER_TRAIN_RAW, encoding="utf-8") as f:
        for line in f:
            _, _, text = line.rstrip("\n").partition("\t")
            norm = " ".join(text.split())
            if text and norm not in held_out_norm and not any(norm in t for t in held_out_norm if len(norm) > 30):
                yield text


def load(name: str, split: str, data_dir=None):
    """A ``datasets.Dataset`` of one corpus split, with typed features (:func:`features`)."""
    from datasets import Dataset

    from ..core.arrow import corpus_columns

    return Dataset.from_list([corpus_columns(r) for r in records(name, split, data_dir)], features=features())
