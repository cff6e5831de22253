"""Kiwi tokens → gazetteer features: known names as a signal for the recognisers.

konec annotates KLUE's train sentences with 150 fine classes; its table of entity
forms says which strings were firms (OGG_ECONOMY), public bodies (OGG_POLITICS),
universities, events, people or places. This component marks the tokens of every
known form with its class and position in ``token.morph`` (``Gaz=FIRM_B``), which a
recogniser reads as a hashed feature (``MORPH`` in its ``MultiHashEmbed``). It is a
hint, not a decision: the recogniser learns how far to trust it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

#: konec class prefix → gazetteer class
CLASSES = {
    "OGG_ECONOMY": "FIRM",
    "OGG_POLITICS": "PUBLIC",
    "OGG_EDUCATION": "EDU",
    "OGG_": "ORG",
    "EV_": "EVENT",
    "PS_NAME": "PERSON",
    "LCP_": "PLACE",
    "AFW_": "WORK",
}


def konec_class(label: str) -> str | None:
    for prefix, cls in CLASSES.items():
        if label.startswith(prefix):
            return cls
    return None


def read_konec_forms(path: str | Path, *, min_count: int = 1, min_length: int = 2) -> list[tuple[str, str]]:
    """(form, class) pairs from konec's ``ne_form_label_train_freq.tsv``, the majority class per form."""
    votes: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            cls = konec_class(row["label"])
            form = row["form"].strip()
            if cls is None or len(form) < min_length or int(row["train_freq"]) < min_count:
                continue
            votes.setdefault(form, {}).setdefault(cls, 0)
            votes[form][cls] += int(row["train_freq"])
    return sorted((form, max(v, key=v.get)) for form, v in votes.items())


class Gazetteer:
    def __init__(self, nlp: Language, name: str = "gazetteer") -> None:
        self.nlp = nlp
        self.name = name
        self.entries: list[tuple[str, str]] = []
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")

    def add(self, entries: Iterable[tuple[str, str]]) -> None:
        entries = list(entries)
        by_class: dict[str, list[Doc]] = {}
        for (_, cls), doc in zip(entries, self.nlp.tokenizer.pipe(form for form, _ in entries)):
            by_class.setdefault(cls, []).append(doc)
        for cls, docs in by_class.items():
            self.matcher.add(cls, docs)
        self.entries.extend(entries)

    def initialize(self, get_examples=None, *, nlp=None, forms_path: str | None = None) -> None:
        if forms_path:
            self.add(read_konec_forms(forms_path))

    def __call__(self, doc: Doc) -> Doc:
        spans = filter_spans(self.matcher(doc, as_spans=True))
        for span in spans:
            for k, token in enumerate(span):
                token.set_morph(f"Gaz={span.label_}_{'B' if k == 0 else 'I'}")
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)

    def to_disk(self, path, *, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / "entries.jsonl", ({"form": f, "class": c} for f, c in self.entries))

    def from_disk(self, path, *, exclude=()) -> Gazetteer:
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.entries = []
        self.add((e["form"], e["class"]) for e in srsly.read_jsonl(Path(path) / "entries.jsonl"))
        return self


@Language.factory("gazetteer", assigns=["token.morph"])
def make_gazetteer(nlp: Language, name: str) -> Gazetteer:
    return Gazetteer(nlp, name)
