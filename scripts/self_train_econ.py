"""Self-training for the econ span classifier: gold econ train + teacher-labelled KLUE sentences.

    python scripts/self_train_econ.py WORK [--teacher models/ko_econ_default] [--threshold 0.8] \
        [--low 0.3] [--empty-ratio 0.5] [--max-silver N] [--gold-dir DIR] [--steps 3000 --name NAME]

Why: issue 11 names self-training on unlabelled news as a lever for the econ recogniser's
recall; the econ corpus has 1,274 labelled documents, KLUE has 21,008 raw news sentences.
Whether the teacher's own labels teach the student anything is for dev to say, at equal
steps against the gold-only baseline (same config ``spancat.cfg``, same seed).

How: the teacher's ``econ_ner`` (a span classifier) scores every Kiwi candidate of every
KLUE sentence (``pipeline.corpora.unlabelled_texts`` minus the econ train texts, which
have gold). A span classifier learns "none" from every candidate that is not a span, so
a silver sentence must be *complete*: it is kept only if

* every span the decoder keeps scores at least ``--threshold``;
* no candidate is ambiguous: its best entity score is not in [``--low``, ``--threshold``);
* no confident candidate (≥ ``--threshold``) lost to an overlapping kept span (the
  student would learn it as "none").

Sentences with at least one span are kept, plus confident empty sentences, ``--empty-ratio``
of them per sentence with spans (a seeded sample). ``--max-silver`` caps the silver
sentences (a seeded sample, same empty share) to weigh silver down against gold.

WORK gets ``econ-train.spacy`` (gold then silver, spans in ``doc.spans["econ"]`` and
``doc.ents``, as ``pipeline.training.data.to_docs`` writes gold), a copy of
``econ-dev.spacy`` and ``silver-stats.json`` (how many sentences each rule dropped).
With ``--name`` it then trains ``WORK/NAME`` with ``pipeline.training.train.train_span_classifier``
for ``--steps``; score it with ``benchmarks/econ_recogniser_dev.py WORK/NAME/model-best``.
Dev and test texts never reach the silver set (``unlabelled_texts`` holds them out).

Measured on dev (2026-12-02, 3,000 steps, teacher ko_econ_default 0.4.1): it does not pay.
KLUE is mostly general news and film reviews, and the teacher is confidently wrong there
(people, films, places as COMPANY or AGENCY at 0.95+; about 10 of 40 sampled silver spans
right); the silver has almost no PROGRAM or OUTCOME. Threshold 0.8, all 3,721 silver
sentences: relaxed F1 0.676 against the baseline's 0.689, OUTCOME recall 0.454 against
0.504; threshold 0.9 capped at 1,200 sentences: 0.690 (noise).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy
import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from pipeline import components, corpora  # noqa: F401  (factories)
from pipeline.components.span_classifier import EconSpanClassifier, decode
from pipeline.core.document import ECON_SPANS_KEY
from pipeline.language import blank
from pipeline.training.data import AlignStats, to_docs, write_docbin


@dataclass
class Silver:
    """One teacher-labelled sentence: its spans as (start, end, label) token offsets, and why it was dropped."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    rejected: str | None = None  # "unconfident span", "ambiguous candidate", "confident overlap"


def judge(rows: numpy.ndarray, scores: numpy.ndarray, labels: tuple[str, ...], doc: Doc, threshold: float, low: float) -> Silver:
    """The teacher's decoded spans of ``doc`` and whether the sentence is complete enough to train on.

    ``rows`` are the candidates' (start, end), ``scores`` their softmax rows (labels, then none).
    """
    group = decode(doc, rows, scores, labels, ECON_SPANS_KEY, None)
    silver = Silver(doc.text, [(s.start, s.end, s.label_) for s in group])
    if len(rows) == 0:
        return silver
    best = scores[:, : len(labels)].max(axis=1)
    if any(score < threshold for score in group.attrs["scores"]):
        silver.rejected = "unconfident span"
    elif ((best >= low) & (best < threshold)).any():
        silver.rejected = "ambiguous candidate"
    else:
        kept = {(start, end) for start, end, _ in silver.spans}
        if any((int(r[0]), int(r[1])) not in kept for r in rows[best >= threshold]):
            silver.rejected = "confident overlap"
    return silver


def label(teacher, texts: Iterable[str], threshold: float, low: float, batch_size: int = 64) -> Iterator[Silver]:
    """Run the teacher's span classifier over ``texts`` (its tokenizer, then ``econ_ner``'s predict) and judge each."""
    pipe = teacher.get_pipe("econ_ner")
    if not isinstance(pipe, EconSpanClassifier):
        raise TypeError(f"teacher's econ_ner is {type(pipe).__name__}, expected EconSpanClassifier (a span classifier)")
    labels = tuple(pipe.labels)
    batch: list[str] = []
    for text in [*texts, None]:
        if text is not None:
            batch.append(text)
            if len(batch) < batch_size:
                continue
        if not batch:
            break
        docs = [teacher.make_doc(t) for t in batch]
        for doc, (rows, scores) in zip(docs, pipe.per_doc(pipe.predict(docs))):
            yield judge(rows, scores, labels, doc, threshold, low)
        batch = []


def klue_texts(data_dir=None) -> list[str]:
    """The unlabelled texts without the econ train texts (those have gold): the raw KLUE sentences."""
    gold = {" ".join(r["text"].split()) for r in corpora.records("econ", "train", data_dir)}
    return [t for t in corpora.unlabelled_texts(data_dir) if " ".join(t.split()) not in gold]


def select(silver: list[Silver], empty_ratio: float, max_silver: int | None, seed: int = 0) -> list[Silver]:
    """Complete sentences with spans, plus ``empty_ratio`` confident empty ones per such sentence; at most ``max_silver``."""
    rng = random.Random(seed)
    full = [s for s in silver if s.rejected is None and s.spans]
    empty = [s for s in silver if s.rejected is None and not s.spans]
    if max_silver is not None and len(full) * (1 + empty_ratio) > max_silver:
        full = rng.sample(full, int(max_silver / (1 + empty_ratio)))
    empty = rng.sample(empty, min(len(empty), int(len(full) * empty_ratio)))
    return full + empty


def to_silver_docs(nlp, silver: list[Silver]) -> list[Doc]:
    """Docs in the gold DocBin's format (``doc.spans["econ"]`` and ``doc.ents``), tokenised by the student's tokenizer."""
    docs = []
    for i, s in enumerate(silver):
        doc = nlp.make_doc(s.text)
        spans = [Span(doc, start, end, label=lab) for start, end, lab in s.spans]
        if filter_spans(spans) != spans:
            raise ValueError(f"silver sentence {i} ({s.text[:40]!r}): overlapping spans {spans}")
        doc.ents = spans
        doc.spans[ECON_SPANS_KEY] = spans
        doc.user_data["id"] = f"klue-silver-{i}"
        docs.append(doc)
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--teacher", type=Path, default=Path("models/ko_econ_default"))
    parser.add_argument("--threshold", type=float, default=0.8, help="a kept span's least score")
    parser.add_argument("--low", type=float, default=0.3, help="a candidate scoring in [low, threshold) is ambiguous")
    parser.add_argument("--empty-ratio", type=float, default=0.5, help="confident empty sentences per sentence with spans")
    parser.add_argument("--max-silver", type=int, default=None, help="at most this many silver sentences")
    parser.add_argument("--gold-dir", type=Path, default=None, help="holds econ-train.spacy and econ-dev.spacy (else built)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--name", default=None, help="train WORK/NAME after writing the data")
    parser.add_argument("--limit", type=int, default=None, help="label only the first N sentences (a quick check)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    if not 0 <= args.low < args.threshold <= 1:
        parser.error(f"need 0 <= --low < --threshold <= 1, got {args.low} and {args.threshold}")
    args.work.mkdir(parents=True, exist_ok=True)
    nlp = blank()
    gold_dir = args.gold_dir or args.work / "gold"
    for split in ("train", "dev"):
        path = gold_dir / f"econ-{split}.spacy"
        if not path.exists():
            write_docbin(to_docs(nlp, corpora.records("econ", split, args.data_dir), layer="econ", stats=AlignStats()), path)
    shutil.copy(gold_dir / "econ-dev.spacy", args.work / "econ-dev.spacy")

    started = time.time()
    others = [p for p in spacy.util.load_config(args.teacher / "config.cfg")["nlp"]["pipeline"] if p != "econ_ner"]
    teacher = spacy.load(args.teacher, exclude=others)
    texts = klue_texts(args.data_dir)[: args.limit]
    silver = list(label(teacher, texts, args.threshold, args.low))
    chosen = select(silver, args.empty_ratio, args.max_silver)
    docs = to_silver_docs(nlp, chosen)
    gold = list(DocBin().from_disk(gold_dir / "econ-train.spacy").get_docs(nlp.vocab))
    write_docbin(gold + docs, args.work / "econ-train.spacy")
    stats = {
        "teacher": str(args.teacher),
        "threshold": args.threshold,
        "low": args.low,
        "sentences": len(silver),
        "rejected": dict(Counter(s.rejected for s in silver if s.rejected)),
        "complete_with_spans": sum(1 for s in silver if s.rejected is None and s.spans),
        "complete_empty": sum(1 for s in silver if s.rejected is None and not s.spans),
        "kept_with_spans": sum(1 for s in chosen if s.spans),
        "kept_empty": sum(1 for s in chosen if not s.spans),
        "kept_spans": dict(Counter(lab for s in chosen for *_, lab in s.spans)),
        "kept_tokens": sum(len(d) for d in docs),
        "gold_docs": len(gold),
        "gold_tokens": sum(len(d) for d in gold),
        "seconds": round(time.time() - started),
    }
    (args.work / "silver-stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False))
    if args.name:
        from pipeline.training.train import train_span_classifier

        started = time.time()
        best = train_span_classifier(args.work, max_steps=args.steps, name=args.name)
        print(f"done {best} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
