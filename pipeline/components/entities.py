"""Kiwi tokens → entities: the econ layer's recogniser.

spaCy's transition-based ``ner`` writes ``doc.ents``, which the standard layer
(KLUE's PS, LC, OG, DT, TI, QT) owns. The econ layer (COMPANY, AGENCY, PROGRAM,
OUTCOME) is a second recogniser of the same kind whose predictions go to
``doc.spans["econ"]`` instead, with a probability per span from its beam
(``attrs["scores"]``). It must run before the standard ``ner``: a transition-based
recogniser treats entities already on the Doc as fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.pipeline.ner import DEFAULT_NER_MODEL
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.util import registry
from thinc.api import Model

from ..core.document import ECON_SPANS_KEY

DEFAULT_ECON_NER_CONFIG = {
    "moves": None,
    "update_with_oracle_cut_size": 100,
    "beam_width": 4,
    "beam_density": 0.01,
    "beam_update_prob": 0.5,
    "spans_key": ECON_SPANS_KEY,
    "model": DEFAULT_NER_MODEL,
    "scorer": {"@scorers": "pipeline.econ_ner_scorer.v1"},
}


class EconEntityRecognizer(EntityRecognizer):
    """A beam ``ner`` whose entities land in ``doc.spans[spans_key]`` with scores."""

    def __init__(self, vocab, model: Model, name: str = "econ_ner", *, spans_key: str = ECON_SPANS_KEY, **kwargs) -> None:
        super().__init__(vocab, model, name=name, **kwargs)
        self.spans_key = spans_key

    def set_annotations(self, docs: Iterable[Doc], states_or_beams) -> None:
        docs = list(docs)
        super().set_annotations(docs, states_or_beams)
        beams = states_or_beams if self.cfg.get("beam_width", 1) > 1 else None
        scored = self.scored_ents(beams) if beams is not None else [None] * len(docs)
        for doc, scores in zip(docs, scored):
            ents = [trimmed for e in doc.ents if (trimmed := trim_span(e)) is not None]
            group = SpanGroup(doc, name=self.spans_key, spans=ents)
            if scores is not None:
                group.attrs["scores"] = [round(min(1.0, _score_of(e, doc.ents, scores)), 4) for e in ents]
            doc.spans[self.spans_key] = group
            doc.ents = []


_EDGE_TAGS = ("SS", "SP", "SF", "SO", "SW")


def _strippable(token, *, trailing: bool) -> bool:
    """Particles never end a span (SCHEMA.md), quotes and brackets never enclose one."""
    last_tag = token.tag_.split("+")[-1]
    if token.is_space:
        return True
    if trailing and last_tag.startswith("J"):
        return True
    return last_tag.startswith(_EDGE_TAGS) and token.text not in ("%", "㈜", "%p")


def trim_span(span: Span) -> Span | None:
    """The span without trailing particles and enclosing punctuation; None if nothing is left.

    A rule where rules beat learning: the recogniser occasionally swallows the
    particle of ``중진공의``; SCHEMA.md says a span never holds it.
    """
    start, end = span.start, span.end
    while end > start and _strippable(span.doc[end - 1], trailing=True):
        end -= 1
    while start < end and _strippable(span.doc[start], trailing=False):
        start += 1
    if start == end:
        return None
    if (start, end) == (span.start, span.end):
        return span
    return Span(span.doc, start, end, label=span.label_)


def _score_of(span: Span, ents, scores: dict) -> float:
    for e in ents:
        if e.start <= span.start and span.end <= e.end and e.label_ == span.label_:
            return scores.get((e.start, e.end, e.label_), 0.0)
    return 0.0


def score_econ_spans(examples: Iterable[Example], spans_key: str = ECON_SPANS_KEY, **kwargs) -> dict:
    """Exact-span P/R/F of the predicted econ spans against the reference ``doc.ents``."""

    def getter(doc: Doc, attr: str):
        return doc.spans[spans_key] if spans_key in doc.spans else doc.ents

    kwargs["allow_overlap"] = True  # a span classifier passes its own setting; the reference may overlap nothing either way
    scores = Scorer.score_spans(examples, attr="ents", getter=getter, has_annotation=lambda doc: True, **kwargs)
    return scores


@registry.scorers("pipeline.econ_ner_scorer.v1")
def make_econ_scorer() -> Callable:
    return score_econ_spans


@Language.factory(
    "econ_ner",
    assigns=["doc.spans"],
    default_config=DEFAULT_ECON_NER_CONFIG,
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_econ_ner(
    nlp: Language,
    name: str,
    model: Model,
    moves,
    update_with_oracle_cut_size: int,
    beam_width: int,
    beam_density: float,
    beam_update_prob: float,
    spans_key: str,
    scorer: Callable | None,
) -> EconEntityRecognizer:
    return EconEntityRecognizer(
        nlp.vocab,
        model,
        name=name,
        moves=moves,
        update_with_oracle_cut_size=update_with_oracle_cut_size,
        beam_width=beam_width,
        beam_density=beam_density,
        beam_update_prob=beam_update_prob,
        spans_key=spans_key,
        scorer=scorer,
        incorrect_spans_key=None,
    )
