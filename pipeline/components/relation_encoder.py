"""``pipeline.RelationEncoder.v1``: the relation extractor's model over token vectors *and* the sparse pair features.

The relation extractor (:mod:`pipeline.components.relations`) classifies candidate pairs of
econ entities. Its default model, ``pipeline.RelationBOW.v1``, is a logistic regression over
hashed features (words between the two spans, distance, label pair, …). This architecture
adds what a tok2vec knows about the two spans: each span's token rows are averaged, the head's
and the tail's concatenated, and a Linear layer over them adds its logits to the sparse
features' (a linear model over ``[head; tail; sparse features]``). With
``pipeline.TransformerTok2Vec.v1`` as its tok2vec this is the transformers backend's relation
classifier, the same component as the CPU one, trained by the same ``update``.

Its input is a :class:`PairBatch` (the Docs, the pairs' token ranges, the hashed features),
which the relation extractor builds when its model says ``attrs["pair_input"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Linear, Model, SparseLinear
from thinc.types import Floats2d

from .relations import LABELS


@dataclass
class PairBatch:
    """Candidate pairs of a batch of Docs: ``pairs`` holds ``(doc index, head start, head end,
    tail start, tail end)`` token ranges, one per row of ``features`` (:func:`~pipeline.components.relations.hash_features`)."""

    docs: list[Doc]
    pairs: list[tuple[int, int, int, int, int]]
    features: tuple


def _forward(model: Model, batch: PairBatch, is_train: bool) -> tuple[Floats2d, Callable]:
    tok2vec, head, sparse = model.get_ref("tok2vec"), model.get_ref("head"), model.get_ref("sparse")
    ops = model.ops
    vectors, backprop_tok2vec = tok2vec(batch.docs, is_train)
    width = tok2vec.get_dim("nO")
    pooled = ops.alloc2f(len(batch.pairs), 2 * width)
    for row, (d, hs, he, ts, te) in enumerate(batch.pairs):
        pooled[row, :width] = vectors[d][hs:he].mean(axis=0)
        pooled[row, width:] = vectors[d][ts:te].mean(axis=0)
    dense, backprop_head = head(pooled, is_train)
    cues, backprop_sparse = sparse(batch.features, is_train)
    probs = ops.softmax(dense + cues)

    def backprop(d_logits: Floats2d) -> PairBatch:
        """``d_logits``: the gradient of softmax + cross-entropy, as for ``RelationBOW.v1``'s ``softmax_activation``."""
        backprop_sparse(d_logits)
        d_pooled = backprop_head(d_logits)
        d_vectors = [ops.alloc2f(*v.shape) for v in vectors]
        for row, (d, hs, he, ts, te) in enumerate(batch.pairs):
            d_vectors[d][hs:he] += d_pooled[row, :width] / (he - hs)
            d_vectors[d][ts:te] += d_pooled[row, width:] / (te - ts)
        backprop_tok2vec(d_vectors)
        return batch

    return probs, backprop


def _init(model: Model, X: PairBatch | None = None, Y=None) -> None:
    tok2vec = model.get_ref("tok2vec")
    tok2vec.initialize(X=X.docs if X is not None else None)
    head = model.get_ref("head")
    head.set_dim("nI", 2 * tok2vec.get_dim("nO"))
    head.initialize()
    model.get_ref("sparse").initialize()


@registry.architectures("pipeline.RelationEncoder.v1")
def build_relation_encoder_model(tok2vec: Model[list[Doc], list[Floats2d]], length: int = 2**18) -> Model[PairBatch, Floats2d]:
    """Softmax over NONE and the relations from the pair's pooled span vectors (``tok2vec``) and
    its hashed sparse features (``length`` buckets, as ``RelationBOW.v1``)."""
    head = Linear(nO=len(LABELS))
    sparse = SparseLinear(nO=len(LABELS), length=length)
    return Model(
        "relation_encoder",
        _forward,
        init=_init,
        layers=[tok2vec, head, sparse],
        refs={"tok2vec": tok2vec, "head": head, "sparse": sparse},
        attrs={"pair_input": True},
    )
