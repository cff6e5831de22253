"""Kiwi candidates → econ entities: a span classifier, the alternative to ``econ_ner``.

A transition-based recogniser commits to one segmentation, left to right; a span that
it misses early is gone. A span classifier scores every candidate that the Kiwi
suggester (``pipeline.language.suggesters``) proposes, so its recall is capped by the
suggester's (0.993 of gold dev spans), not by a greedy decoder. This is spaCy's
single-label ``spancat`` (softmax over COMPANY, AGENCY, PROGRAM, OUTCOME and "none")
with a decoder that follows SCHEMA.md: entities never overlap, so candidates are taken
by descending score and one that overlaps a kept entity is dropped. ``min_score``
lets the decoder keep a candidate whose best entity label scores at least that much
even where "none" scores more: the dial between recall and precision, chosen on dev.
Two rules may then change the decision where the model's own score agrees
(:class:`DecodingLevers`, config ``public_body_min_score`` and ``outcome_min_score``):
a team-written list of public bodies (never a COMPANY) and a grammar of outcome forms
over Kiwi's tags (figures, prizes, ranks, named contracts). Both are on by default, at the
thresholds chosen on dev; the model card says what each gave.

The entities land in ``doc.spans["econ"]``, in text order, with their scores in
``attrs["scores"]``, exactly as ``econ_ner`` writes them, so the rest of the pipeline
does not know which recogniser ran.

Inference runs the model's own layers (tok2vec, reducer, scorer) but not spaCy's way of
feeding the reducer: ``extract_spans`` copies every candidate's token vectors (~150
candidates a sentence, up to 20 tokens each) and the reducer multiplies each candidate's
384 pooled columns. :func:`mean_max_maxout` moves the linear half of that product to the
tokens and pools with prefix sums and a sparse max table, which took the recogniser from
9.2 to 3.4 s per 1,000 KLUE sentences on a shared core (same run). Its scores equal the
spaCy path's up to float rounding (``tests/test_span_classifier.py``); a reducer of another
shape takes the gathered path (:func:`span_token_rows`, the same index as spaCy's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy
from spacy.language import Language
from spacy.pipeline.spancat import DEFAULT_SPANCAT_SINGLELABEL_MODEL, SpanCategorizer, Suggester
from spacy.tokens import Doc, Span, SpanGroup
from thinc.api import Model
from thinc.types import Ragged

from ..core.document import ECON_SPANS_KEY
from ..language import suggesters  # noqa: F401  (registers pipeline.kiwi_suggester.v1)
from ..language.blas import one_blas_thread
from ..language.outcome_grammar import outcome_form
from ..language.public_bodies import is_public_body
from .entities import score_econ_spans

DEFAULT_CONFIG = {
    "spans_key": ECON_SPANS_KEY,
    "model": DEFAULT_SPANCAT_SINGLELABEL_MODEL,
    "suggester": {"@misc": "pipeline.kiwi_suggester.v1", "max_length": 20},
    "negative_weight": 1.0,
    "min_score": None,
    # the decoding levers, on as chosen on dev (models/ko_econ_default/README.md); null switches one off
    "public_body_min_score": 0.1,
    "outcome_min_score": 0.15,
    "scorer": {"@scorers": "pipeline.econ_ner_scorer.v1"},
}


class EconSpanClassifier(SpanCategorizer):
    """Single-label span classifier whose decoder keeps non-overlapping spans by score."""

    def __init__(
        self,
        vocab,
        model: Model,
        suggester: Suggester,
        name: str = "econ_spancat",
        *,
        spans_key: str = ECON_SPANS_KEY,
        negative_weight: float = 1.0,
        min_score: float | None = None,
        public_body_min_score: float | None = None,
        outcome_min_score: float | None = None,
        scorer: Callable | None = None,
    ) -> None:
        super().__init__(
            vocab,
            model,
            suggester,
            name=name,
            add_negative_label=True,
            spans_key=spans_key,
            negative_weight=negative_weight,
            allow_overlap=False,
            max_positive=1,
            threshold=None,
            scorer=scorer,
        )
        self.cfg["min_score"] = min_score
        self.cfg["public_body_min_score"] = public_body_min_score
        self.cfg["outcome_min_score"] = outcome_min_score

    @property
    def levers(self) -> DecodingLevers | None:
        """The decoding levers this component's config switches on (None: the plain decoder)."""
        public, outcome = self.cfg.get("public_body_min_score"), self.cfg.get("outcome_min_score")
        if public is None and outcome is None:
            return None
        return DecodingLevers(public_body_min_score=public, outcome_min_score=outcome)

    def predict(self, docs: Iterable[Doc]):
        """(candidates, scores) for a batch: spaCy's result, pooled without gathering the candidates'
        tokens (:func:`mean_max_maxout`) when the reducer is spaCy's mean-max one, else gathered with numpy."""
        docs = list(docs)
        indices = self.suggester(docs, ops=self.model.ops)
        if indices.lengths.sum() == 0:
            return indices, self.model.ops.alloc2f(0, 0)
        if not _standard_layout(self.model):
            return indices, self.model.predict((docs, indices))
        tokens = self.model.layers[0].predict((docs, indices))[0]  # Ragged of token vectors
        reducer, scorer = self.model.get_ref("reducer"), self.model.get_ref("scorer")
        ops = self.model.ops
        spans, span_lengths, doc_lengths = (ops.to_numpy(a) for a in (indices.dataXd, indices.lengths, tokens.lengths))
        if _mean_max_layout(reducer):
            maxout, rest = reducer.layers[1].layers[0].layers[0], reducer.layers[1].layers[0].layers[1:]
            starts = _batch_starts(spans, span_lengths, doc_lengths)
            with one_blas_thread():  # small products: threads only wait on each other (pipeline.language.blas)
                hidden = mean_max_maxout(ops.to_numpy(tokens.dataXd), starts, starts + (spans[:, 1] - spans[:, 0]), maxout)
            for layer in rest:  # the layer norm
                hidden = layer.predict(ops.asarray2f(hidden))
            return indices, scorer.predict(hidden)
        rows = span_token_rows(spans, span_lengths, doc_lengths)
        gathered = Ragged(tokens.dataXd[ops.asarray1i(rows)], indices.dataXd[:, 1] - indices.dataXd[:, 0])
        return indices, scorer.predict(reducer.predict(gathered))

    def per_doc(self, indices_scores) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
        """``predict``'s batch result cut per Doc: (candidates as (start, end) rows, their score rows).

        What :func:`decode` takes, so that a dial or a lever can decode the same scores again
        without running the network (the benchmarks, self-training's teacher).
        """
        indices, scores = indices_scores
        scores = self.model.ops.to_numpy(scores)
        out, offset = [], 0
        for i in range(len(indices.lengths)):
            n = int(indices.lengths[i])
            rows = self.model.ops.to_numpy(indices[i].dataXd) if n else numpy.zeros((0, 2), dtype="i")
            out.append((rows, scores[offset : offset + n]))
            offset += n
        return out

    def set_annotations(self, docs: Iterable[Doc], indices_scores) -> None:
        for doc, (rows, scores) in zip(docs, self.per_doc(indices_scores)):
            doc.spans[self.key] = decode(doc, rows, scores, self.labels, self.key, self.cfg.get("min_score"), self.levers)


def _standard_layout(model: Model) -> bool:
    """Whether ``model`` is spaCy's spancat chain (tokens, extract_spans, reducer, scorer)."""
    layers = model.layers
    return (
        len(layers) == 4
        and layers[1].name == "extract_spans"
        and model.has_ref("reducer")
        and model.has_ref("scorer")
        and layers[2] is model.get_ref("reducer")
        and layers[3] is model.get_ref("scorer")
    )


def _mean_max_layout(reducer: Model) -> bool:
    """Whether ``reducer`` is spaCy's ``mean_max_reducer``: last|first|mean|max >> maxout >> layernorm >> dropout."""
    try:
        reduce, head = reducer.layers
        maxout_norm = head.layers[0]
    except (ValueError, IndexError):
        return False
    return [layer.name for layer in reduce.layers] == ["reduce_last", "reduce_first", "reduce_mean", "reduce_max"] and [
        layer.name for layer in maxout_norm.layers
    ] == ["maxout", "layernorm"]


def mean_max_maxout(tokens: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray, maxout: Model, chunk: int = 4096) -> numpy.ndarray:
    """spaCy's ``mean_max_reducer`` up to its layer norm — maxout(W · [last; first; mean; max] + b)
    for every candidate ``tokens[start:end]`` — without gathering the candidates' tokens.

    Why: a sentence has ~150 candidates of up to 20 tokens, so the gathered input is ~8
    times the encoder's and the reducer's product, over 384 columns a candidate, cost more
    than the encoder. The product is linear, so half of it moves to the tokens: W_last · last
    and W_first · first are rows of ``tokens · W_lastᵀ`` and ``tokens · W_firstᵀ``. The mean
    is a difference of prefix sums (float64) and the max comes from a sparse table (the max
    of two overlapping power-of-two windows), so each candidate's product is over 192
    columns. Candidates go in chunks so that the intermediate rows stay in cache. The scores
    equal the gathered path's up to float rounding (``tests/test_span_classifier.py``).
    """
    weights, bias = maxout.get_param("W"), maxout.get_param("b")  # (nO, nP, nI), (nO, nP)
    n_out, n_pieces, n_in = weights.shape
    width = tokens.shape[1]
    # pieces first, so that the maxout is an elementwise max of n_pieces contiguous blocks
    w = numpy.ascontiguousarray(numpy.asarray(weights).transpose(1, 0, 2)).reshape(n_pieces * n_out, n_in)
    b = numpy.ascontiguousarray(numpy.asarray(bias).T).reshape(-1)
    w_last, w_first, w_pool = w[:, :width], w[:, width : 2 * width], w[:, 2 * width :]
    by_last, by_first = tokens @ w_last.T, tokens @ w_first.T
    sums = numpy.zeros((len(tokens) + 1, width), dtype="float64")
    numpy.cumsum(tokens, axis=0, dtype="float64", out=sums[1:])
    table = _max_table(tokens, int((ends - starts).max()))
    out = numpy.empty((len(starts), n_out), dtype=tokens.dtype)
    pooled = numpy.empty((min(chunk, len(starts)), 2 * width), dtype=tokens.dtype)
    for lo in range(0, len(starts), chunk):
        s, e = starts[lo : lo + chunk], ends[lo : lo + chunk]
        n = len(s)
        pooled[:n, :width] = (sums[e] - sums[s]) / (e - s)[:, None]
        pooled[:n, width:] = _range_max(table, s, e)
        hidden = pooled[:n] @ w_pool.T
        hidden += by_last[e - 1]
        hidden += by_first[s]
        hidden += b
        hidden = hidden.reshape(n, n_pieces, n_out)
        numpy.max(hidden, axis=1, out=out[lo : lo + n])
    return out


def _max_table(values: numpy.ndarray, max_length: int) -> list[numpy.ndarray]:
    """``levels[k][i]`` = the column-wise max of ``values[i : i + 2**k]``, for 2**k ≤ ``max_length``."""
    levels = [values]
    while (1 << len(levels)) <= max_length:
        prev, step = levels[-1], 1 << (len(levels) - 1)
        levels.append(numpy.maximum(prev[:-step], prev[step:]))
    return levels


def _range_max(levels: list[numpy.ndarray], starts: numpy.ndarray, ends: numpy.ndarray) -> numpy.ndarray:
    k = numpy.log2(ends - starts).astype("int64")
    out = numpy.empty((len(starts), levels[0].shape[1]), dtype=levels[0].dtype)
    for level in numpy.unique(k):
        sel = k == level
        table = levels[level]
        out[sel] = numpy.maximum(table[starts[sel]], table[ends[sel] - (1 << level)])
    return out


def range_max(values: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray) -> numpy.ndarray:
    """The column-wise max of ``values[start:end]`` for each (start, end) pair, end > start."""
    return _range_max(_max_table(values, int((ends - starts).max())), starts, ends)


def _batch_starts(spans: numpy.ndarray, span_lengths: numpy.ndarray, doc_lengths: numpy.ndarray) -> numpy.ndarray:
    """Each candidate's first row in the batch's token array (its Doc's offset plus its start)."""
    return spans[:, 0].astype("int64") + numpy.repeat(numpy.cumsum(doc_lengths) - doc_lengths, span_lengths)


def span_token_rows(spans: numpy.ndarray, span_lengths: numpy.ndarray, doc_lengths: numpy.ndarray) -> numpy.ndarray:
    """The rows of the batch's token array that each candidate covers, candidates end to end.

    For candidates (5, 9) and (8, 10) of the first Doc: 5 6 7 8 8 9. The same index as
    ``spacy.ml.extract_spans._get_span_indices``, built without a Python loop.
    """
    starts = _batch_starts(spans, span_lengths, doc_lengths)
    widths = (spans[:, 1] - spans[:, 0]).astype("int64")
    total = int(widths.sum())
    # each row: its candidate's start plus its place within the candidate
    first = numpy.cumsum(widths) - widths
    return (numpy.repeat(starts - first, widths) + numpy.arange(total)).astype("i")


@dataclass(frozen=True)
class DecodingLevers:
    """Rules that change which candidates the decoder keeps and as what; the model's scores still decide.

    ``public_body_min_score``: a candidate that names a public body (the team's list,
    :mod:`pipeline.language.public_bodies`; its patterns too when ``public_body_patterns``)
    is never a COMPANY: kept as COMPANY it becomes AGENCY, and one that none wins becomes
    AGENCY when its AGENCY score reaches this (above 1: only the relabelling).
    ``outcome_min_score``: a candidate with an outcome's form
    (:mod:`pipeline.language.outcome_grammar`) is kept as OUTCOME when its OUTCOME score
    reaches this where none wins (letting it override another label's win changed nothing on dev).
    None switches a lever off.
    """

    public_body_min_score: float | None = None
    public_body_patterns: bool = True
    outcome_min_score: float | None = None


def _apply_levers(doc: Doc, rows, label_scores, labels, best, best_score, keep, levers: DecodingLevers) -> None:
    """Change ``best``, ``best_score`` and ``keep`` in place where a lever's rule and score say so."""
    index = {label: i for i, label in enumerate(labels)}

    def text(k: int) -> str:
        return doc[int(rows[k, 0]) : int(rows[k, 1])].text

    if levers.public_body_min_score is not None and {"AGENCY", "COMPANY"} <= index.keys():
        agency, company = index["AGENCY"], index["COMPANY"]
        relabel = keep & (best == company)
        rescue = ~keep & (label_scores[:, agency] >= levers.public_body_min_score)
        for k in numpy.flatnonzero(relabel | rescue):
            if is_public_body(text(k), levers.public_body_patterns):
                if not keep[k]:
                    best_score[k] = label_scores[k, agency]
                best[k], keep[k] = agency, True
    if levers.outcome_min_score is not None and "OUTCOME" in index:
        outcome = index["OUTCOME"]
        for k in numpy.flatnonzero(~keep & (label_scores[:, outcome] >= levers.outcome_min_score)):
            if outcome_form(doc, int(rows[k, 0]), int(rows[k, 1])) is not None:
                best[k], best_score[k], keep[k] = outcome, label_scores[k, outcome], True


def decode(
    doc: Doc,
    rows,
    scores,
    labels: tuple[str, ...],
    key: str,
    min_score: float | None,
    levers: DecodingLevers | None = None,
) -> SpanGroup:
    """Non-overlapping spans, best first, returned in text order with their scores.

    ``scores`` has one column per label and a last one for "none". A candidate is an
    entity when its best label beats "none" (``min_score`` None) or scores at least
    ``min_score``; ``levers`` (:class:`DecodingLevers`) then relabel or add candidates.
    """
    group = SpanGroup(doc, name=key)
    if len(rows) == 0:
        group.attrs["scores"] = []
        return group
    label_scores = scores[:, : len(labels)]
    best = label_scores.argmax(axis=1)
    best_score = label_scores[numpy.arange(len(best)), best]
    if min_score is None:
        keep = best_score > scores[:, len(labels)]
    else:
        keep = best_score >= min_score
    if levers is not None:
        _apply_levers(doc, rows, label_scores, labels, best, best_score, keep, levers)
    taken = numpy.zeros(len(doc), dtype=bool)
    kept = []
    for k in numpy.argsort(-best_score, kind="stable"):
        if not keep[k]:
            continue
        start, end = int(rows[k, 0]), int(rows[k, 1])
        if taken[start:end].any():
            continue
        taken[start:end] = True
        kept.append((start, end, labels[best[k]], float(best_score[k])))
    kept.sort()
    for start, end, label, _ in kept:
        group.append(Span(doc, start, end, label=label))
    group.attrs["scores"] = [round(s, 4) for *_, s in kept]
    return group


@Language.factory(
    "econ_spancat",
    assigns=["doc.spans"],
    default_config=DEFAULT_CONFIG,
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_econ_spancat(
    nlp: Language,
    name: str,
    model: Model,
    suggester: Suggester,
    spans_key: str,
    negative_weight: float,
    min_score: float | None,
    public_body_min_score: float | None,
    outcome_min_score: float | None,
    scorer: Callable | None,
) -> EconSpanClassifier:
    return EconSpanClassifier(
        nlp.vocab,
        model,
        suggester,
        name=name,
        spans_key=spans_key,
        negative_weight=negative_weight,
        min_score=min_score,
        public_body_min_score=public_body_min_score,
        outcome_min_score=outcome_min_score,
        scorer=scorer,
    )


__all__ = ["EconSpanClassifier", "DecodingLevers", "decode", "span_token_rows", "make_econ_spancat", "score_econ_spans"]
