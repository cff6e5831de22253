"""``transformers_relations``: a Hugging Face encoder as the relation classifier.

Each candidate pair of econ entities (:func:`pipeline.components.relations.candidate_pairs`) is
marked in its sentence window as ``[E1] head [/E1]`` and ``[E2] tail [/E2]`` and classified;
results go to ``doc._.relations`` and ``doc._.relation_scores`` as in
:mod:`pipeline.components.relations`. The shared plumbing: :mod:`pipeline.components.hf`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import minibatch

from ..core.document import ECON_SPANS_KEY
from .hf import MARKERS, RELATION_LABELS, _HFPipe

if TYPE_CHECKING:  # pragma: no cover
    pass

logger = logging.getLogger(__name__)


# -- relation classification -------------------------------------------------------------


def marked_text(doc: Doc, head: Span, tail: Span) -> str:
    """The sentence window of the pair with the head and tail marked.

    The window runs from the start of the earlier entity's sentence to the end of the
    later one's, the context that ``candidate_pairs`` allows (``max_sentences``).
    """
    sents = [head.sent, tail.sent] if doc.has_annotation("SENT_START") else [doc[:], doc[:]]
    start = min(s.start_char for s in sents)
    end = max(s.end_char for s in sents)
    inserts = sorted(
        [(head.start_char, 1, MARKERS[0]), (head.end_char, 0, MARKERS[1]), (tail.start_char, 1, MARKERS[2]), (tail.end_char, 0, MARKERS[3])]
    )
    pieces, pos = [], start
    for at, _, marker in inserts:  # closing markers before opening ones at the same offset
        pieces.append(doc.text[pos:at])
        pieces.append(marker)
        pos = at
    pieces.append(doc.text[pos:end])
    return " ".join("".join(pieces).split())


def _crop(tokenizer, texts: list[str], max_length: int) -> list[str]:
    """Cut texts longer than the encoder's window around their markers.

    Truncating from the end could drop a marked entity. Instead the window is centred
    on the marked region; when even the region is too long, its two ends (the two
    entities with their nearest context) are kept, joined by " … ".
    """
    budget = max(8, max_length - tokenizer.num_special_tokens_to_add(pair=False))
    marker_ids = set(tokenizer.convert_tokens_to_ids(list(MARKERS)))
    enc = tokenizer(texts, add_special_tokens=False, truncation=False, return_offsets_mapping=True)
    out = []
    for b, text in enumerate(texts):
        ids, offsets = enc["input_ids"][b], enc["offset_mapping"][b]
        if len(ids) <= budget:
            out.append(text)
            continue
        marks = [i for i, t in enumerate(ids) if t in marker_ids] or [0, len(ids) - 1]
        left, right = min(marks), max(marks) + 1

        def cut(a: int, b: int) -> str:
            return text[offsets[a][0] : offsets[b - 1][1]]

        if right - left <= budget:
            a = max(0, left - (budget - (right - left)) // 2)
            b = min(len(ids), a + budget)
            out.append(cut(max(0, b - budget), b))
        else:
            half = (budget - 2) // 2
            out.append(cut(left, left + half) + " … " + cut(right - half, right))
    return out


def _add_markers(tokenizer, model=None) -> None:
    """Register the entity markers as special tokens (and grow the embeddings to match)."""
    missing = [m for m in MARKERS if m not in tokenizer.get_vocab()]
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": list(MARKERS)})
    if model is not None and model.get_input_embeddings().num_embeddings < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))


class TransformersRelations(_HFPipe):
    """Classifies candidate entity pairs into NONE or a relation with an HF encoder.

    Like :class:`pipeline.components.relations.RelationExtractor`, a pair's score is the
    probability of the relation its label pair allows, and it is a relation when
    the score reaches ``threshold``; every candidate's score goes to
    ``doc._.relation_scores`` for the triple assembler.
    """

    auto_class = "AutoModelForSequenceClassification"

    @property
    def labels(self) -> tuple[str, ...]:
        return RELATION_LABELS

    def set_model(self, model, tokenizer) -> None:
        id2label = {int(k): v for k, v in model.config.id2label.items()}
        if [id2label[i] for i in range(len(id2label))] != list(RELATION_LABELS):
            raise ValueError(f"model labels {id2label} are not {RELATION_LABELS}")
        if any(m not in tokenizer.get_vocab() for m in MARKERS):
            raise ValueError("the tokenizer lacks the entity markers; train with train_relation_classifier")
        super().set_model(model, tokenizer)

    def candidates(self, doc: Doc) -> tuple[list[Span], list[tuple[int, int, str]], list[str]]:
        """The econ spans, the candidate pairs (head, tail, relation) and their marked texts."""
        from .relations import candidate_pairs

        spans = list(doc.spans.get(self.cfg["spans_key"], []))
        pairs = list(candidate_pairs(doc, spans, self.cfg["max_sentences"]))
        return spans, pairs, [marked_text(doc, spans[i], spans[j]) for i, j, _ in pairs]

    def predict(self, docs: list[Doc]) -> list[tuple[list[tuple[int, int, str]], numpy.ndarray | None]]:
        self._require_model()
        per_doc = [self.candidates(doc)[1:] for doc in docs]
        texts = [t for _, doc_texts in per_doc for t in doc_texts]
        texts = _crop(self.tokenizer, texts, self.cfg["max_length"]) if texts else []
        probs = numpy.zeros((len(texts), len(RELATION_LABELS)), dtype="float32")
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for batch in minibatch(order, size=max(1, self.cfg["batch_size"])):
            enc = self.tokenizer(
                [texts[i] for i in batch], truncation=True, max_length=self.cfg["max_length"], padding=True, return_tensors="pt"
            )
            probs[batch] = self._forward_probs(enc)
        out, k = [], 0
        for pairs, _ in per_doc:
            out.append((pairs, probs[k : k + len(pairs)] if pairs else None))
            k += len(pairs)
        return out

    def set_annotations(self, docs: list[Doc], predictions) -> None:
        from .relations import set_relations

        set_relations(docs, predictions, self.cfg["threshold"], tuple(RELATION_LABELS))

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        from .relations import score_relation_examples

        return score_relation_examples(examples)


RELATIONS_DEFAULT_CONFIG = {
    "max_length": 256,
    "batch_size": 32,
    "max_sentences": 2,
    "threshold": 0.5,
    "spans_key": ECON_SPANS_KEY,
    "device": "auto",
}


@Language.factory(
    "transformers_relations",
    requires=["doc.spans"],
    assigns=["doc._.relations"],
    default_config=RELATIONS_DEFAULT_CONFIG,
    default_score_weights={"rel_f": 1.0, "rel_p": 0.0, "rel_r": 0.0},
)
def make_transformers_relations(
    nlp: Language, name: str, max_length: int, batch_size: int, max_sentences: int, threshold: float, spans_key: str, device: str
) -> TransformersRelations:
    """Config as :mod:`pipeline.components.relations` (``max_sentences``, ``threshold``, ``spans_key``)
    plus ``max_length`` (subwords per pair window), ``batch_size`` and ``device``."""
    cfg = {
        "max_length": max_length,
        "batch_size": batch_size,
        "max_sentences": max_sentences,
        "threshold": threshold,
        "spans_key": spans_key,
        "device": device,
    }
    return TransformersRelations(nlp.vocab, name, cfg)
