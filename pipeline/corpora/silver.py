"""Silver labels for the standard layer by distant supervision from konec's train forms.

KLUE's train labels are not at hand, but konec's table of every entity form annotated in
those 21,008 sentences is (``ne_form_label_train_freq.tsv``: form, fine label, count).
This module maps konec's 150 classes to KLUE's six (``pipeline/data/konec_to_klue.tsv``;
``O`` where KLUE annotates nothing, ``-`` where KLUE is split) and labels raw sentences
by matching the forms on Kiwi token boundaries, longest match first.

Why each filter exists (figures in docs/standard_silver.md):

* a form is trusted by its **annotation rate**: the table counts annotated occurrences,
  and counting every occurrence of the same form in the raw train sentences tells how
  often it was *not* annotated (``경찰`` is an organisation 605 times but appears far
  more often as a common noun); a form whose best label covers too little of its
  occurrences is not used;
* one- and two-character forms are the noisiest, so they need more evidence;
* konec spans carry particles that KLUE leaves out (``12일부터``) and cut places that KLUE
  keeps whole (``경기도 포천시 영북면``); :func:`klue_conventions` moves the silver spans
  to KLUE's boundaries.

``python -m pipeline.corpora.silver measure`` scores the silver labels against the gold
KLUE split; ``python -m pipeline.corpora.silver build`` writes a DocBin for training.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc

from ..core.schema import STANDARD_LABELS

MAP_PATH = Path(__file__).resolve().parents[1] / "data" / "konec_to_klue.tsv"
#: tokens that KLUE leaves out of a date, time or quantity (konec keeps some in: ``12일부터``)
_TRAILING_TAGS = ("J",)
_TRAILING_WORDS = {"께", "쯤", "경", "부터", "까지", "동안", "만", "여만", "이상", "이하", "짜리", "가량", "정도", "남짓", "안팎", "내외"}
_LEADING_WORDS = {"약", "각각", "총", "무려"}


class SilverError(ValueError):
    """A map or form table that cannot be read; the message names the file and row."""


def read_map(path: str | Path = MAP_PATH) -> dict[str, str]:
    """konec class → KLUE label, ``O`` (not a KLUE entity) or ``-`` (KLUE is split: unused)."""
    mapping = {}
    with open(path, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            target = (row.get("klue") or "").strip()
            if target not in (*STANDARD_LABELS, "O", "-"):
                raise SilverError(f"{path}:{n}: {row.get('konec')!r} maps to {target!r}, not one of {STANDARD_LABELS} or O or -")
            mapping[row["konec"].strip()] = target
    return mapping


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def shape(text: str) -> str:
    """A form with its numbers as ``0``: ``2012년 8월`` and ``1999년 3월`` are one form, so
    that dates, times and quantities not seen in train are matched by their pattern."""
    return _NUMBER.sub("0", text)


def read_form_counts(path: str | Path, mapping: dict[str, str]) -> dict[str, Counter]:
    """form (its :func:`shape`) → counts of its annotations by KLUE label (``O`` and ``-`` included)."""
    forms: dict[str, Counter] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            label = row["label"].strip()
            if label not in mapping:
                raise SilverError(f"{path}:{n}: konec label {label!r} of form {row['form']!r} is not in the map {MAP_PATH.name}")
            form = row["form"]
            if not form.strip() or form != form.strip():
                continue
            forms.setdefault(shape(form), Counter())[mapping[label]] += int(row["train_freq"])
    return forms


#: a match may end inside a word only before these (particles, endings, suffixes, the copula,
#: punctuation): ``김`` must not match in ``김상석``, nor ``4`` in ``4천244원``
_MAY_FOLLOW = ("J", "E", "XS", "VCP", "SF", "SP", "SS", "SE", "SO", "SW")
#: ... and start inside a word only after punctuation (``'부림사건'``)
_MAY_PRECEDE = ("SF", "SP", "SS", "SE", "SO", "SW", "_SP")
#: dependent nouns and suffixes after a name (``A씨``, ``김모 군``, ``정부 측``)
_MAY_FOLLOW_WORDS = {"씨", "님", "군", "양", "옹", "측", "등", "들"}


def _word_boundary_end(doc: Doc, j: int) -> bool:
    nxt = doc[j] if j < len(doc) else None
    return nxt is None or bool(doc[j - 1].whitespace_) or nxt.tag_.startswith((*_MAY_FOLLOW, "_SP")) or nxt.text in _MAY_FOLLOW_WORDS


def _word_boundary_start(doc: Doc, i: int) -> bool:
    return i == 0 or bool(doc[i - 1].whitespace_) or doc[i - 1].tag_.split("+")[-1].startswith(_MAY_PRECEDE)


class FormMatcher:
    """Greedy left-to-right, longest-first matching of strings on token boundaries.

    With ``words=True`` a match must also start and end where a word (eojeol) can be cut:
    at white space, or next to a particle, ending or punctuation.
    """

    def __init__(self, forms: Iterable[str], max_tokens: int = 12, words: bool = True) -> None:
        self.forms = set(forms)
        self.max_tokens = max_tokens
        self.max_chars = max((len(f) for f in self.forms), default=0)
        self.words = words

    def __call__(self, doc: Doc) -> Iterator[tuple[int, int, str]]:
        """Yield (start token, end token, form's shape) of the matches, left to right, not overlapping."""
        i, n, text = 0, len(doc), doc.text
        while i < n:
            start = doc[i].idx
            found = None
            if self.words and not _word_boundary_start(doc, i):
                i += 1
                continue
            for j in range(min(n, i + self.max_tokens), i, -1):
                end = doc[j - 1].idx + len(doc[j - 1].text)
                if end - start > self.max_chars or (self.words and not _word_boundary_end(doc, j)):
                    continue
                key = shape(text[start:end])
                if key in self.forms:
                    found = (i, j, key)
                    break
            if found:
                yield found
                i = found[1]
            else:
                i += 1


def count_occurrences(matcher: FormMatcher, docs: Iterable[Doc]) -> Counter:
    """How often each form is matched in ``docs`` (annotated or not)."""
    occ: Counter = Counter()
    for doc in docs:
        occ.update(form for _, _, form in matcher(doc))
    return occ


@dataclass
class Rules:
    """The thresholds that decide which forms are trusted (chosen on the gold KLUE train split)."""

    min_rate: float = 0.6  # the label's share of all occurrences of the form
    min_count: int = 1  # annotations of the form in the table
    short_chars: int = 1  # forms this short or shorter ...
    short_min_rate: float = 0.9  # ... need this share
    outside_rate: float = 0.8  # a form this often unannotated or non-KLUE is marked outside
    conventions: bool = True

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Decision:
    label: str  # a KLUE label, "O" (outside) or "" (unknown)
    rate: float


@dataclass
class SilverLabeller:
    """Labels Kiwi docs with KLUE spans from konec's forms (see the module docstring)."""

    forms: dict[str, Counter]
    occurrences: Counter
    rules: Rules = field(default_factory=Rules)

    def __post_init__(self) -> None:
        self.matcher = FormMatcher(self.forms)
        self.decisions = {form: self.decide(form) for form in self.forms}

    def decide(self, form: str) -> Decision:
        counts = self.forms[form]
        total = sum(counts.values())
        seen = max(self.occurrences.get(form, 0), total)
        entity = [(c, lab) for lab, c in counts.items() if lab in STANDARD_LABELS]
        r = self.rules
        if entity:
            c, lab = max(entity)
            rate = c / seen
            need = r.short_min_rate if len(form) <= r.short_chars else r.min_rate
            if rate >= need and c >= r.min_count:
                return Decision(lab, rate)
        unannotated = (seen - total + counts.get("O", 0)) / seen
        if unannotated >= r.outside_rate:
            return Decision("O", unannotated)
        return Decision("", 0.0)

    def label(self, doc: Doc) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
        """(entity spans as token ranges with labels, token ranges known to be outside)."""
        ents, outside = [], []
        for i, j, form in self.matcher(doc):
            d = self.decisions[form]
            if d.label in STANDARD_LABELS:
                ents.append((i, j, d.label))
            elif d.label == "O":
                outside.append((i, j))
        if self.rules.conventions:
            ents = klue_conventions(doc, ents)
        return ents, outside


def _trim(doc: Doc, i: int, j: int) -> tuple[int, int]:
    while j - i > 1 and doc[i].text in _LEADING_WORDS:
        i += 1
    while j - i > 1 and (doc[j - 1].tag_.startswith(_TRAILING_TAGS) or doc[j - 1].text in _TRAILING_WORDS):
        j -= 1
    return i, j


def klue_conventions(doc: Doc, ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Move konec-shaped spans to KLUE's boundaries.

    * dates, times and quantities lose trailing particles and words such as ``부터/까지/께/이상``
      and leading ``약/총``;
    * places written one after another (``경기도 포천시 영북면``) are one LC span, and so are
      dates (``2012년 8월 27일``) and times (``오전 9시 24분``);
    * a place before an organisation (``미국 국무부``, ``청주 청남경찰서``) belongs to it.
    """
    out: list[tuple[int, int, str]] = []
    for i, j, lab in ents:
        if lab in ("DT", "TI", "QT"):
            i, j = _trim(doc, i, j)
        if out:
            pi, pj, plab = out[-1]
            gap = doc.text[doc[pj - 1].idx + len(doc[pj - 1].text) : doc[i].idx]
            adjacent = pj == i and gap in ("", " ")
            if adjacent and ((plab == "LC" and lab in ("LC", "OG")) or (plab == lab and lab in ("DT", "TI"))):
                out[-1] = (pi, j, lab)
                continue
        out.append((i, j, lab))
    return out


def with_model(
    doc: Doc, ents: list[tuple[int, int, str]], outside: list[tuple[int, int]], *, prefer: str = "model"
) -> list[tuple[int, int, str]]:
    """konec's spans combined with a model's (``doc.ents`` set by the current recogniser).

    The forms are precise but cover half of the entities; the model covers more but is
    wrong more often. ``prefer="model"``: the model's spans stay, konec's fill the tokens it
    left empty, and a model span that is exactly a form konec knows as outside goes.
    ``prefer="konec"``: konec's spans stay, the model's fill the rest.
    """
    model = [(s.start, s.end, s.label_) for s in doc.ents if s.label_ in STANDARD_LABELS]
    banned = set(outside)
    model = [m for m in model if (m[0], m[1]) not in banned]
    first, second = (model, ents) if prefer == "model" else (ents, model)
    taken = {k for i, j, _ in first for k in range(i, j)}
    merged = list(first) + [e for e in second if not any(k in taken for k in range(e[0], e[1]))]
    return sorted(merged)


# -- building and measuring ---------------------------------------------------------------


def build_labeller(data_dir=None, rules: Rules | None = None, nlp=None) -> tuple[SilverLabeller, list[Doc], list[str]]:
    """The labeller with occurrence counts from the raw train sentences; also those docs and ids."""
    from ..language import blank
    from .sources import KLUE_NER_TRAIN_RAW, KONEC_FORMS, resolve_data_dir

    root = resolve_data_dir(data_dir)
    forms = read_form_counts(root / KONEC_FORMS, read_map())
    ids, texts = [], []
    with open(root / KLUE_NER_TRAIN_RAW, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            sid, tab, text = line.rstrip("\n").partition("\t")
            if not tab:
                raise SilverError(f"{root / KLUE_NER_TRAIN_RAW}:{n}: no tab between id and sentence")
            ids.append(sid)
            texts.append(text)
    nlp = nlp or blank()
    docs = list(nlp.tokenizer.pipe(texts))
    occ = count_occurrences(FormMatcher(forms), docs)
    return SilverLabeller(forms, occ, rules or Rules()), docs, ids


def char_spans(doc: Doc, ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    return [(doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text), lab) for i, j, lab in ents]


def measure(labeller: SilverLabeller, records: list[dict], nlp, *, teacher=None, prefer: str = "model") -> dict:
    """Exact-span P/R/F1 per label of the silver spans against gold records
    (with ``teacher``, a pipeline with ``ner``: konec's spans combined with its own)."""
    tp, pred, gold = Counter(), Counter(), Counter()
    docs = teacher.pipe(r["text"] for r in records) if teacher is not None else nlp.tokenizer.pipe(r["text"] for r in records)
    for rec, doc in zip(records, docs):
        ents, outside = labeller.label(doc)
        if teacher is not None:
            ents = with_model(doc, ents, outside, prefer=prefer)
        p = set(char_spans(doc, ents))
        g = {(e["start"], e["end"], e["label"]) for e in rec["entities"]}
        for s in p:
            pred[s[2]] += 1
            tp[s[2]] += s in g
        for s in g:
            gold[s[2]] += 1

    def prf(t: int, p: int, g: int) -> dict:
        pr, rc = (t / p if p else 0.0), (t / g if g else 0.0)
        return {"p": round(pr, 3), "r": round(rc, 3), "f1": round(2 * pr * rc / (pr + rc) if pr + rc else 0.0, 3), "pred": p, "gold": g}

    out = {lab: prf(tp[lab], pred[lab], gold[lab]) for lab in STANDARD_LABELS}
    out["overall"] = prf(sum(tp.values()), sum(pred.values()), sum(gold.values()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.corpora.silver", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="silver P/R/F1 per label against a gold KLUE split")
    m.add_argument("--split", default="dev", choices=("train", "dev"))
    m.add_argument(
        "--teacher", default=None, help="a pipeline whose ner fills what konec's forms leave (konec first; 'default' for the shipped model)"
    )
    m.add_argument("--prefer", default="konec", choices=("konec", "model"), help="with --teacher: whose span wins where both label")
    b = sub.add_parser("build", help="write the silver-labelled raw train sentences as a DocBin")
    b.add_argument("-o", "--output", type=Path, required=True)
    b.add_argument("--missing", action="store_true", help="tokens no form covers are missing, not outside")
    for p in (m, b):
        p.add_argument("--data-dir", default=None)
        for name, value in Rules().as_dict().items():
            p.add_argument(f"--{name.replace('_', '-')}", type=type(value) if not isinstance(value, bool) else int, default=value)
    args = parser.parse_args(argv)
    rules = Rules(**{k: (bool(getattr(args, k)) if isinstance(v, bool) else getattr(args, k)) for k, v in Rules().as_dict().items()})
    from .. import corpora
    from ..language import blank

    nlp = blank()
    labeller, docs, ids = build_labeller(args.data_dir, rules, nlp)
    if args.command == "measure":
        teacher = None
        if args.teacher:
            from ..runners.loading import load  # what pipeline.load calls: the corpus tools are below the package root

            teacher = load(None if args.teacher == "default" else args.teacher)
            teacher.select_pipes(enable=[p for p in teacher.pipe_names if p == "ner"])
        records = corpora.records("klue", args.split, args.data_dir)
        scores = measure(labeller, records, nlp, teacher=teacher, prefer=args.prefer)
        print(json.dumps({"rules": rules.as_dict(), "teacher": args.teacher, "scores": scores}, indent=1))
        return 0
    stats = write_silver(labeller, docs, ids, args.output, missing=args.missing)
    print(json.dumps(stats))
    return 0


def write_silver(labeller: SilverLabeller, docs: list[Doc], ids: list[str], output: Path, *, missing: bool = False) -> dict:
    """Set each doc's silver entities (and outside or missing tokens) and save them as a DocBin."""
    from spacy.tokens import DocBin, Span

    counts: Counter = Counter()
    out = DocBin(store_user_data=True)
    for doc, sid in zip(docs, ids):
        ents, outside = labeller.label(doc)
        spans = [Span(doc, i, j, label=lab) for i, j, lab in ents]
        counts.update(lab for _, _, lab in ents)
        if missing:
            doc.set_ents(spans, outside=[Span(doc, i, j) for i, j in outside], default="missing")
        else:
            doc.set_ents(spans, default="outside")
        doc.user_data["id"] = sid
        out.add(doc)
    output.parent.mkdir(parents=True, exist_ok=True)
    out.to_disk(output)
    return {"docs": len(docs), "entities": dict(counts)}


if __name__ == "__main__":
    sys.exit(main())
