"""Static vectors from Kiwi's CoNg language model, for spaCy's ``include_static_vectors``.

kiwipiepy exposes its morpheme embeddings only through cosine similarities
(``Kiwi.morpheme_similarity``). The similarities of a morpheme to a fixed set of
anchor morphemes are a linear image of its (normalised) embedding, so they serve as
its vector: semantically close morphemes get close vectors, and a recogniser
trained on a few hundred documents can generalise from 매출 to 판매액 or from
중진공 to 기보. Vectors are keyed by token text (spaCy's ORTH), for the forms that
occur in a given body of text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy


def cong_vectors(
    texts: Iterable[str], *, n_anchors: int = 128, max_forms: int = 40000, min_count: int = 1
) -> tuple[list[str], numpy.ndarray]:
    """(forms, vectors) for the single-morpheme tokens of ``texts``."""
    from kiwipiepy import Kiwi

    kiwi = Kiwi(model_type="cong", num_workers=-1)
    counts: Counter = Counter()
    ids: dict[str, int] = {}
    for tokens in kiwi.tokenize(list(texts)):
        for tok in tokens:
            if tok.id is None or tok.id < 0:
                continue
            form = tok.form if tok.len == len(tok.form) else None
            if form:
                counts[form] += 1
                ids.setdefault(form, tok.id)
    forms = [f for f, c in counts.most_common(max_forms) if c >= min_count]
    # anchors: frequent content morphemes, a spread of meanings
    content = [f for f in forms if kiwi.morpheme(ids[f]).tag.startswith(("NNG", "NNP", "VV", "VA", "MAG"))]
    anchors = [ids[f] for f in content[:n_anchors]]
    vectors = numpy.zeros((len(forms), len(anchors)), dtype="float32")
    for row, form in enumerate(forms):
        mid = ids[form]
        for col, anchor in enumerate(anchors):
            try:
                vectors[row, col] = kiwi.morpheme_similarity(mid, anchor)
            except (ValueError, RuntimeError):
                break
    vectors = numpy.nan_to_num(vectors, nan=0.0)  # morphemes without an embedding
    vectors -= vectors.mean(axis=0, keepdims=True)  # all morphemes are somewhat alike: keep the differences
    return forms, vectors


def save_vectors_pipeline(forms: list[str], vectors: numpy.ndarray, path: Path) -> Path:
    """A blank ``ko_kiwi`` pipeline holding the vectors, usable as ``[initialize] vectors``."""
    from . import blank

    nlp = blank()
    nlp.vocab.reset_vectors(width=vectors.shape[1])
    for form, vec in zip(forms, vectors):
        nlp.vocab.set_vector(form, vec)
    nlp.to_disk(path)
    return path
