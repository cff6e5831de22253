"""Entities → relations: a trainable classifier over pairs of econ entities.

Candidates are the pairs whose labels fit a relation's signature (COMPANY →
PROGRAM, AGENCY → PROGRAM, COMPANY → OUTCOME, OUTCOME → PROGRAM) within
``max_sentences`` sentences of each other. Each pair is described by hashed
features — the label pair, the distance, the words and particles between and
around the two spans, the entities in between — and classified by a small network
by logistic regression over those sparse features (thinc's ``SparseLinear`` and a
softmax: the bag-of-features idea of spaCy's ``TextCatBOW``). Small data favours such explicit
cues over a deep encoder; the transformers backend's model,
``pipeline.RelationEncoder.v1`` (:mod:`pipeline.components.relation_encoder`), adds the
two spans' pooled token vectors from a tok2vec to these features.

Predictions go to ``doc._.relations`` as ``(head, tail, label, score)`` with
indices into ``doc.spans["econ"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from thinc.api import Model, Optimizer, SparseLinear, chain, softmax_activation
from thinc.types import Floats2d

from ..core.document import ECON_SPANS_KEY
from ..core.schema import RELATION_SIGNATURES
from ..language import extensions  # noqa: F401  (registers doc._.relations, doc._.triples)

NONE = "NONE"
LABELS = (NONE, *RELATION_SIGNATURES)
_PAIR_LABELS = {sig: label for label, sig in RELATION_SIGNATURES.items()}
_CUE_WORDS = (
    "통해",
    "통하",
    "참여",
    "지원",
    "선정",
    "수상",
    "받",
    "기록",
    "달성",
    "거두",
    "성과",
    "덕분",
    "힘입",
    "결과",
    "이후",
    "뒤",
    "후",
    "운영",
    "주관",
    "주최",
    "추진",
    "실시",
    "의",
    "에서",
    "으로",
    "로",
)


def candidate_pairs(doc: Doc, spans: list[Span], max_sentences: int) -> Iterator[tuple[int, int, str]]:
    """(head, tail, relation) for every pair whose labels fit a signature."""
    sent_of = [s.sent.start if doc.has_annotation("SENT_START") else 0 for s in spans]
    sent_index = {start: i for i, start in enumerate(sorted(set(sent_of)))}
    sents = [sent_index[s] for s in sent_of]
    for i, head in enumerate(spans):
        for j, tail in enumerate(spans):
            if i == j:
                continue
            label = _PAIR_LABELS.get((head.label_, tail.label_))
            if label is not None and abs(sents[i] - sents[j]) <= max_sentences:
                yield i, j, label


def _bucket(n: int) -> str:
    for limit in (0, 1, 2, 3, 5, 8, 12, 20, 35, 60):
        if n <= limit:
            return str(limit)
    return "far"


def _word(token) -> str:
    return token.lemma_.split("+")[0] if token.tag_.startswith(("V", "XSV", "XSA")) else token.norm_


def pair_features(doc: Doc, spans: list[Span], i: int, j: int, n_sents: int) -> list[str]:
    head, tail = spans[i], spans[j]
    left, right = (head, tail) if head.start <= tail.start else (tail, head)
    order = "ht" if left is head else "th"
    pair = f"{head.label_}>{tail.label_}"
    feats = [f"pair={pair}", f"pair_order={pair}|{order}", f"dist={pair}|{_bucket(right.start - left.end)}", f"sents={pair}|{n_sents}"]
    between = doc[left.end : right.start]
    words = [_word(t) for t in between if not t.is_space]
    for w in words[:12]:
        feats.append(f"btw={pair}|{w}")
    for w in words[-6:]:
        feats.append(f"btw_end={pair}|{w}")
    for a, b in zip(words, words[1:]):
        feats.append(f"btw2={pair}|{a}_{b}")
    if not words:
        feats.append(f"adjacent={pair}|{order}")
    for role, span in (("h", head), ("t", tail)):
        after = [t for t in doc[span.end : span.end + 3] if not t.is_space]
        before = [t for t in doc[max(0, span.start - 3) : span.start] if not t.is_space]
        if after:
            feats.append(f"{role}_next={pair}|{after[0].norm_}|{after[0].tag_}")
        if len(after) > 1:
            feats.append(f"{role}_next2={pair}|{_word(after[1])}")
        if before:
            feats.append(f"{role}_prev={pair}|{before[-1].norm_}")
        feats.append(f"{role}_last={pair}|{span[-1].norm_}")
        feats.append(f"{role}_len={pair}|{_bucket(len(span))}")
    for cue in _CUE_WORDS:
        if cue in words:
            feats.append(f"cue={pair}|{order}|{cue}")
    inner = [s for s in spans if left.end <= s.start and s.end <= right.start]
    feats.append(f"n_inner={pair}|{_bucket(len(inner))}")
    for s in inner[:6]:
        feats.append(f"inner={pair}|{s.label_}")
    if any(s.label_ == head.label_ for s in inner):
        feats.append(f"inner_same_head={pair}")
    if any(s.label_ == tail.label_ for s in inner):
        feats.append(f"inner_same_tail={pair}")
    # the nearest entity of the tail's label to the head, and vice versa
    for role, anchor, other_label in (("h", head, tail.label_), ("t", tail, head.label_)):
        dists = [abs(s.start - anchor.start) for s in spans if s.label_ == other_label]
        mine = abs((tail if role == "h" else head).start - anchor.start)
        if dists and mine == min(dists):
            feats.append(f"{role}_nearest={pair}")
    return feats


def hash_features(feats_per_pair: list[list[str]]):
    """SparseLinear's input: stable 64-bit hashes (Python's ``hash`` is salted per process)."""
    keys = [hash_string(f) for feats in feats_per_pair for f in feats]
    lengths = [len(feats) for feats in feats_per_pair]
    return numpy.asarray(keys, dtype="uint64"), numpy.ones(len(keys), dtype="float32"), numpy.asarray(lengths, dtype="int32")


@registry.architectures("pipeline.RelationBOW.v1")
def build_relation_model(length: int = 2**18) -> Model:
    """Multinomial logistic regression over hashed pair features."""
    return chain(SparseLinear(nO=len(LABELS), length=length), softmax_activation())


DEFAULT_MODEL = {"@architectures": "pipeline.RelationBOW.v1", "length": 2**18}


class RelationExtractor(TrainablePipe):
    """Classifies candidate entity pairs into the four relations or NONE."""

    def __init__(
        self,
        vocab,
        model: Model,
        name: str = "relation_extractor",
        *,
        max_sentences: int = 2,
        threshold: float = 0.5,
        spans_key: str = ECON_SPANS_KEY,
        scorer: Callable | None = None,
    ) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {"max_sentences": max_sentences, "threshold": threshold, "spans_key": spans_key, "labels": list(LABELS)}

    # -- features -------------------------------------------------------------

    def _pairs(self, doc: Doc) -> tuple[list[Span], list[tuple[int, int, str]], list[list[str]]]:
        spans = list(doc.spans.get(self.cfg["spans_key"], []))
        pairs = list(candidate_pairs(doc, spans, self.cfg["max_sentences"]))
        sent_starts = [s.sent.start if doc.has_annotation("SENT_START") else 0 for s in spans]
        sent_ids = {v: k for k, v in enumerate(sorted(set(sent_starts)))}
        feats = [pair_features(doc, spans, i, j, abs(sent_ids[sent_starts[i]] - sent_ids[sent_starts[j]])) for i, j, _ in pairs]
        return spans, pairs, feats

    def _model_input(self, docs: list[Doc], found: list[tuple[list[Span], list, list[list[str]]]]):
        """What the model reads for the pairs ``found`` in ``docs`` (``_pairs`` of each): the hashed
        features, or for a model over token vectors (``attrs["pair_input"]``, e.g.
        ``pipeline.RelationEncoder.v1``) a :class:`~pipeline.components.relation_encoder.PairBatch`."""
        features = hash_features([f for _, _, feats in found for f in feats])
        if not self.model.attrs.get("pair_input"):
            return features
        from .relation_encoder import PairBatch

        rows = [
            (d, spans[i].start, spans[i].end, spans[j].start, spans[j].end)
            for d, (spans, pairs, _) in enumerate(found)
            for i, j, _ in pairs
        ]
        return PairBatch(list(docs), rows, features)

    # -- prediction --------------------------------------------------------------

    def predict(self, docs: Iterable[Doc]):
        docs = list(docs)
        found = [self._pairs(doc) for doc in docs]
        with_pairs = [k for k, (_, pairs, _) in enumerate(found) if pairs]
        out = [(pairs, None) for _, pairs, _ in found]
        if not with_pairs:
            return out
        # one forward pass for the batch (an encoder runs once over all its Docs)
        probs = self.model.ops.to_numpy(
            self.model.predict(self._model_input([docs[k] for k in with_pairs], [found[k] for k in with_pairs]))
        )
        start = 0
        for k in with_pairs:
            n = len(found[k][1])
            out[k] = (found[k][1], probs[start : start + n])
            start += n
        return out

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        set_relations(docs, predictions, self.cfg["threshold"])

    # -- training -----------------------------------------------------------------

    def _gold(self, example: Example, pairs) -> Floats2d:
        ref = example.reference
        gold = {(h, t, label) for h, t, label, _ in (ref._.relations or [])}
        truth = numpy.zeros((len(pairs), len(LABELS)), dtype="float32")
        for row, (i, j, label) in enumerate(pairs):
            truth[row, LABELS.index(label) if (i, j, label) in gold else 0] = 1.0
        return truth

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Optimizer | None = None, losses: dict | None = None) -> dict:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        docs, found, truth_all = [], [], []
        for eg in examples:
            # train on the reference entities: the recogniser's errors are not this component's to learn
            spans, pairs, feats = self._pairs(eg.reference)
            if pairs:
                docs.append(eg.reference)
                found.append((spans, pairs, feats))
                truth_all.append(self._gold(eg, pairs))
        if not found:
            return losses
        probs, backprop = self.model.begin_update(self._model_input(docs, found))
        truth = numpy.vstack(truth_all)
        d_probs = (probs - truth) / probs.shape[0]
        backprop(d_probs)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += float(-(truth * numpy.log(probs + 1e-9)).sum())
        return losses

    def get_loss(self, examples, scores):
        raise NotImplementedError("update() computes the loss")

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp=None) -> None:
        Y = numpy.zeros((1, len(LABELS)), dtype="float32")
        if not self.model.attrs.get("pair_input"):
            self.model.initialize(X=hash_features([["init"]]), Y=Y)
            return
        from .relation_encoder import PairBatch

        docs = [eg.reference for _, eg in zip(range(8), get_examples())]  # a sample for the tok2vec's shapes
        self.model.initialize(X=PairBatch(docs, [], hash_features([])))

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        return score_relation_examples(examples)


def set_relations(docs: Iterable[Doc], predictions, threshold: float, labels: tuple[str, ...] = LABELS) -> None:
    """Write ``doc._.relation_scores`` (every candidate) and ``doc._.relations`` (those over
    the threshold) from per-doc ``(pairs, probabilities)``; shared by both backends."""
    for doc, (pairs, probs) in zip(docs, predictions):
        scores = {}
        if probs is not None:
            for (i, j, label), row in zip(pairs, probs):
                scores[(i, j, label)] = round(float(row[labels.index(label)]), 4)
        doc._.relation_scores = scores
        doc._.relations = [(i, j, label, s) for (i, j, label), s in scores.items() if s >= threshold]


def score_relation_examples(examples: Iterable[Example]) -> dict:
    """Micro P/R/F of predicted relations, matched by (head span, tail span, label)."""
    tp = n_pred = n_gold = 0
    for eg in examples:

        def keyed(doc):
            spans = list(doc.spans.get(ECON_SPANS_KEY, []))
            return {
                ((spans[h].start_char, spans[h].end_char), (spans[t].start_char, spans[t].end_char), label)
                for h, t, label, *_ in (doc._.relations or [])
            }

        pred, gold = keyed(eg.predicted), keyed(eg.reference)
        tp += len(pred & gold)
        n_pred += len(pred)
        n_gold += len(gold)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"rel_p": p, "rel_r": r, "rel_f": 2 * p * r / (p + r) if p + r else 0.0}


@Language.factory(
    "relation_extractor",
    requires=["doc.spans"],
    assigns=["doc._.relations"],
    default_config={"model": DEFAULT_MODEL, "max_sentences": 2, "threshold": 0.5, "spans_key": ECON_SPANS_KEY},
    default_score_weights={"rel_f": 1.0, "rel_p": 0.0, "rel_r": 0.0},
)
def make_relation_extractor(
    nlp: Language, name: str, model: Model, max_sentences: int, threshold: float, spans_key: str
) -> RelationExtractor:
    return RelationExtractor(nlp.vocab, model, name, max_sentences=max_sentences, threshold=threshold, spans_key=spans_key)


__all__ = ["RelationExtractor", "candidate_pairs", "pair_features", "score_relation_examples"]
