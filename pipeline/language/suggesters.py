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

The suggester runs on every Doc the recogniser sees, so it works on arrays, not
Tokens: one ``Doc.to_array`` call, the tag rules looked up once per tag (cached by
the tag's hash), and the (start, end) grid built with numpy. Creating a Python Token
per token cost more than the rest of the suggester. ``candidate_spans_reference``
keeps the plain loop as the definition that the fast one must match.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.attrs import IS_SPACE, SENT_START, TAG
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


def candidate_spans_reference(doc: Doc, max_length: int) -> list[tuple[int, int]]:
    """(start, end) token offsets of every candidate span of ``doc``, in order: the plain definition."""
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


#: tag hash → (may start a span, may end a span); hashes are the same in every Vocab
_TAG_RULES: dict[int, tuple[bool, bool]] = {}


def _tag_rules(tag_hash: int, vocab) -> tuple[bool, bool]:
    rules = _TAG_RULES.get(tag_hash)
    if rules is None:
        parts = vocab.strings[tag_hash].split("+") if tag_hash else [""]
        rules = (not parts[0].startswith(_NO_START), not parts[-1].startswith(_NO_END))
        _TAG_RULES[tag_hash] = rules
    return rules


def _token_arrays(docs: list[Doc]) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """Over the docs' tokens end to end: may start, may end, opens a new segment.

    A segment is a Kiwi sentence; each Doc's first token opens one too, so that no
    candidate crosses from one Doc into the next.
    """
    arrays = [doc.to_array([TAG, IS_SPACE, SENT_START]).reshape((-1, 3)) for doc in docs]
    attrs = numpy.concatenate(arrays).astype("int64", copy=False) if arrays else numpy.zeros((0, 3), dtype="int64")
    unique, inverse = numpy.unique(attrs[:, 0], return_inverse=True)
    vocab = docs[0].vocab if docs else None
    rules = numpy.array([_tag_rules(int(h) & 0xFFFFFFFFFFFFFFFF, vocab) for h in unique], dtype=bool).reshape((-1, 2))
    inverse = inverse.reshape(-1)
    space = attrs[:, 1].astype(bool)
    opens = attrs[:, 2] == 1
    doc_starts = numpy.cumsum([0] + [len(doc) for doc in docs[:-1]])
    opens[doc_starts[doc_starts < len(opens)]] = True
    return rules[inverse, 0] & ~space, rules[inverse, 1] & ~space, opens


def _candidate_grid(starts: numpy.ndarray, ends: numpy.ndarray, opens: numpy.ndarray, max_length: int) -> numpy.ndarray:
    """(start, end) rows by start then end: spans of at most max_length tokens, within a segment."""
    n = len(starts)
    if n == 0 or max_length <= 0:
        return numpy.zeros((0, 2), dtype="i")
    positions = numpy.arange(n)
    boundary = numpy.flatnonzero(opens[1:]) + 1
    nxt = numpy.append(boundary, n)[numpy.searchsorted(boundary, positions, side="right")]
    limit = numpy.minimum(nxt, positions + max_length)
    j = positions[:, None] + numpy.arange(max_length)[None, :]
    ok = starts[:, None] & (j < limit[:, None])
    ok &= ends[numpy.minimum(j, n - 1)]
    i_idx, k_idx = numpy.nonzero(ok)
    out = numpy.empty((len(i_idx), 2), dtype="i")
    out[:, 0] = i_idx
    out[:, 1] = i_idx + k_idx + 1
    return out


def candidate_array(doc: Doc, max_length: int) -> numpy.ndarray:
    """The candidates of ``doc`` as an (n, 2) int32 array of (start, end) rows, in order.

    Same rows, same order as ``candidate_spans_reference``: by start, then by end.
    """
    return _candidate_grid(*_token_arrays([doc]), max_length)


def candidate_spans(doc: Doc, max_length: int) -> list[tuple[int, int]]:
    """(start, end) token offsets of every candidate span of ``doc``, in order."""
    return [(int(a), int(b)) for a, b in candidate_array(doc, max_length)]


def kiwi_suggester(docs: Iterable[Doc], max_length: int = 20, *, ops: Ops | None = None) -> Ragged:
    """spaCy's suggester protocol: a Ragged of (start, end) rows, one group per Doc.

    The whole batch is one grid (Docs end to end, each Doc opening a segment), so the
    numpy overhead is paid once a batch rather than once a Doc.
    """
    ops = ops or get_current_ops()
    docs = list(docs)
    rows = _candidate_grid(*_token_arrays(docs), max_length)
    offsets = numpy.cumsum([0] + [len(doc) for doc in docs])
    # rows are sorted by start, so each Doc's rows are one run: find the runs' ends
    bounds = numpy.searchsorted(rows[:, 0], offsets, side="left")
    lengths = numpy.diff(bounds).astype("i")
    owner = numpy.repeat(offsets[:-1], lengths).astype("i")
    rows -= owner[:, None]
    return Ragged(ops.asarray2i(rows), ops.asarray1i(lengths))


@registry.misc("pipeline.kiwi_suggester.v1")
def make_kiwi_suggester(max_length: int = 20):
    """The suggester as a config object: ``[components.econ_ner.suggester]``."""

    def suggester(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
        return kiwi_suggester(docs, max_length, ops=ops)

    return suggester
