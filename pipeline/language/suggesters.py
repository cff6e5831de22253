"""Candidate spans for the econ span classifier, from Kiwi's analysis.

A span classifier can only find a span that its suggester proposes, so the
suggester's recall caps the recogniser's recall. spaCy's ``ngram_suggester``
proposes every n-gram; econ spans are long (a program name or an outcome such as
``매출이 전년 대비 20% 증가한 총 968억 원`` runs to 15 tokens), so all n-grams up to
that length are ~15 candidates per token, mostly junk. SCHEMA.md's span rules and
Kiwi's tags prune most of them without losing gold spans:

* a span never ends in a particle (``중진공의``) or in punctuation other than a
  closing bracket, and never starts with a particle, an ending, a suffix or
  closing punctuation;
* a span stays inside one of Kiwi's sentences.

Candidates are every n-gram up to ``max_length`` tokens that obeys these rules.
The share of gold dev spans among them and the candidates per token are measured
by ``benchmarks/suggester_recall.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.tokens import Doc, Token
from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

#: first Kiwi tag of a token that cannot open a span: particles, endings, suffixes,
#: verb/copula pieces, closing or separating punctuation
_NO_START = ("J", "E", "XS", "VCP", "VX", "SF", "SP", "SE", "SSC")
#: last Kiwi tag of a token that cannot close a span: particles, opening or separating punctuation
_NO_END = ("J", "SF", "SP", "SE", "SSO", "SO")


def can_start(token: Token) -> bool:
    """Whether a span may begin at ``token`` (SCHEMA.md: no particles, no enclosing punctuation)."""
    if token.is_space:
        return False
    return not token.tag_.split("+")[0].startswith(_NO_START)


def can_end(token: Token) -> bool:
    """Whether a span may end at ``token``: never on a trailing particle or an opening bracket."""
    if token.is_space:
        return False
    return not token.tag_.split("+")[-1].startswith(_NO_END)


def candidate_spans(doc: Doc, max_length: int) -> list[tuple[int, int]]:
    """(start, end) token offsets of every candidate span of ``doc``, in order."""
    starts = [can_start(t) for t in doc]
    ends = [can_end(t) for t in doc]
    sent_start = [t.is_sent_start and i > 0 for i, t in enumerate(doc)]
    out = []
    n = len(doc)
    for i in range(n):
        if not starts[i]:
            continue
        for j in range(i, min(n, i + max_length)):
            if j > i and sent_start[j]:
                break
            if ends[j]:
                out.append((i, j + 1))
    return out


def kiwi_suggester(docs: Iterable[Doc], max_length: int = 20, *, ops: Ops | None = None) -> Ragged:
    """spaCy's suggester protocol: a Ragged of (start, end) rows, one group per Doc."""
    ops = ops or get_current_ops()
    rows: list[tuple[int, int]] = []
    lengths = []
    for doc in docs:
        spans = candidate_spans(doc, max_length)
        rows.extend(spans)
        lengths.append(len(spans))
    data = numpy.asarray(rows, dtype="i").reshape((-1, 2)) if rows else numpy.zeros((0, 2), dtype="i")
    return Ragged(ops.asarray2i(data), ops.asarray1i(numpy.asarray(lengths, dtype="i")))


@registry.misc("pipeline.kiwi_suggester.v1")
def make_kiwi_suggester(max_length: int = 20):
    """The suggester as a config object: ``[components.econ_ner.suggester]``."""

    def suggester(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
        return kiwi_suggester(docs, max_length, ops=ops)

    return suggester
