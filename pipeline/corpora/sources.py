"""Where outside texts live, and how a stand-off record finds its text again.

The repo never stores outside texts. A record names its text by a source id; this
module maps the id back to the file in the data directory (by default
``../shared/data`` beside the checkout) and reads the text from there.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

#: Source kinds and the files they come from, relative to the data directory.
#: Every ``econ-news/collector_*.jsonl`` file is read; ids are unique across them.
ECON_NEWS_GLOB = "econ-news/collector_*.jsonl"
SEED_FILE = "seed/nhc-media-cluster-article.txt"
SEED_ID = "seed-nhc-media"
KLUE_NER_DEV = "klue/klue-ner-v1.1_dev.fixed.tsv"
KLUE_NER_TRAIN_RAW = "klue/klue-ner-train-raw-sentences.tsv"
KONEC_DEV = "konec/konec-dev.tsv"
KONEC_FORMS = "konec/ne_form_label_train_freq.tsv"


class SourceError(LookupError):
    """A source id that the data directory cannot resolve."""


def default_data_dir() -> Path | None:
    """The data directory users get without naming one.

    ``$ECON_FACTS_DATA`` wins; else ``../shared/data`` beside the checkout (or the
    working directory) when it exists.
    """
    env = os.environ.get("ECON_FACTS_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2]
    for base in (here, Path.cwd()):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def annotations_dir() -> Path:
    """The project's own annotations (``corpora/`` of a checkout: stand-off files, splits).

    ``$ECON_FACTS_CORPORA`` wins (an installed package has no checkout beside it); else the
    ``corpora/`` directory of the checkout this package runs from. Only the corpus tools need
    it, never annotation with a model.
    """
    env = os.environ.get("ECON_FACTS_CORPORA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "corpora"


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """Return a usable data directory or raise a message that says what to do."""
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    if path is None or not path.is_dir():
        raise FileNotFoundError(
            f"data directory {str(path) if path else '../shared/data'!r} not found: "
            "pass --data-dir (or set ECON_FACTS_DATA) to a copy of the shared data"
        )
    return path


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _econ_news(data_dir: Path) -> dict[str, dict]:
    records: dict[str, dict] = {}
    for path in sorted(data_dir.glob(ECON_NEWS_GLOB)):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    records[rec["id"]] = rec
    return records


@lru_cache(maxsize=8)
def _klue_sentences(data_dir: Path) -> dict[str, str]:
    """KLUE sentence id → raw sentence, from the dev TSV and the raw train list."""
    sentences: dict[str, str] = {}
    with open(data_dir / KLUE_NER_TRAIN_RAW, encoding="utf-8") as f:
        for line in f:
            sid, _, text = line.rstrip("\n").partition("\t")
            if sid and text:
                sentences[sid] = text
    from .klue import read_bio_tsv  # local import: klue imports this module

    for sent in read_bio_tsv(data_dir / KLUE_NER_DEV):
        sentences[sent.id] = sent.text
    return sentences


def read_seed(data_dir: Path) -> str:
    return (data_dir / SEED_FILE).read_text(encoding="utf-8")


def source_of(doc_id: str) -> str:
    """The source kind of a document id: econ-news, seed, klue or synthetic."""
    if doc_id == SEED_ID:
        return "seed"
    if doc_id.startswith("klue-ner"):
        return "klue"
    if doc_id.startswith("syn-"):
        return "synthetic"
    return "econ-news"


def fetch_text(doc_id: str, data_dir: str | os.PathLike | None = None) -> tuple[str, dict]:
    """The text of an outside document and its provenance (url, licence)."""
    root = resolve_data_dir(data_dir).resolve()
    kind = source_of(doc_id)
    if kind == "seed":
        return read_seed(root), {
            "source": "seed",
            "url": "Herald Economy (헤럴드경제), article on the NHC미디어 cluster program",
            "licence": "© the publisher; read from the data directory, not redistributed",
        }
    if kind == "klue":
        sentences = _klue_sentences(root)
        if doc_id not in sentences:
            raise SourceError(f"KLUE sentence {doc_id!r} not found in {root}")
        return sentences[doc_id], {
            "source": "klue",
            "url": "https://github.com/KLUE-benchmark/KLUE",
            "licence": "CC BY-SA 4.0 (KLUE)",
        }
    if kind == "econ-news":
        records = _econ_news(root)
        if doc_id not in records:
            raise SourceError(f"econ-news document {doc_id!r} not found in {root}")
        rec = records[doc_id]
        return rec["text"], {
            "source": "econ-news",
            "url": rec["url"],
            "licence": "© the publisher; read from the data directory, not redistributed",
        }
    raise SourceError(f"{doc_id!r} is a synthetic id: its text is stored in the repo")
