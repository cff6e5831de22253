"""KLUE NER and konec: character-BIO TSV to the schema's JSON (standard layer).

KLUE's file gives one character a line with its BIO tag, a ``## id<TAB>text`` line
before each sentence and a blank line after it. konec annotates the same sentences
with 150 fine-grained classes in the same format; the project maps those to the
six KLUE labels only where it must (``KONEC_TO_KLUE``) and otherwise keeps them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.schema import STANDARD_LABELS


@dataclass
class BioSentence:
    id: str
    text: str
    tags: list[str]
    spans: list[tuple[int, int, str]] = field(default_factory=list)


def _spans_from_bio(tags: list[str]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, name = tag.partition("-")
        if prefix in ("B", "O") or (prefix == "I" and name != label):
            if label is not None:
                spans.append((start, i, label))
            start, label = (i, name) if prefix in ("B", "I") else (None, None)
    return spans


def read_bio_tsv(path: str | os.PathLike) -> Iterator[BioSentence]:
    """Yield sentences of a KLUE/konec character-BIO file with their entity spans.

    The text is rebuilt from the character column (the ``##`` line of KLUE's file
    carries inline ``<span:LABEL>`` marks), so offsets always index the real text.
    """
    sid: str | None = None
    chars: list[str] = []
    tags: list[str] = []

    def flush() -> BioSentence | None:
        if sid is None or not chars:
            return None
        return BioSentence(sid, "".join(chars), list(tags), _spans_from_bio(tags))

    with open(Path(path), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("## "):
                head = line[3:]
                if "\t" in head and not head.startswith(("토큰", "문장", "주석", "컬럼", "칼럼")):
                    done = flush()
                    if done:
                        yield done
                    sid, chars, tags = head.split("\t", 1)[0], [], []
                continue
            if not line:
                continue
            char, _, tag = line.rpartition("\t")
            if not _:
                continue
            chars.append(char if char else " ")
            tags.append(tag or "O")
    done = flush()
    if done:
        yield done


def to_records(path: str | os.PathLike, *, labels: tuple[str, ...] | None = STANDARD_LABELS) -> Iterator[dict]:
    """SCHEMA.md-shaped records of a BIO file; entity labels kept as they are
    (KLUE: PS, LC, OG, DT, TI, QT; konec: its 150 classes), filtered by ``labels``."""
    for sent in read_bio_tsv(path):
        ents = [
            {"id": f"e{i}", "label": label, "start": s, "end": e, "text": sent.text[s:e]}
            for i, (s, e, label) in enumerate(x for x in sent.spans if labels is None or x[2] in labels)
        ]
        yield {
            "id": sent.id,
            "text": sent.text,
            "sentences": [{"start": 0, "end": len(sent.text)}],
            "entities": ents,
            "relations": [],
            "triples": [],
            "meta": {"source": "klue", "licence": "CC BY-SA 4.0 (KLUE; konec fixes)", "synthetic": False},
        }


def make_split(ids: list[str], dev_fraction: float = 0.25) -> dict[str, list[str]]:
    """A fixed split by a hash of the id (stable across Python versions and orders)."""
    import hashlib

    dev = sorted(i for i in ids if int(hashlib.sha1(i.encode()).hexdigest(), 16) % 1000 < dev_fraction * 1000)
    dev_set = set(dev)
    return {"train": sorted(i for i in ids if i not in dev_set), "dev": dev}
