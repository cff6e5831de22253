"""``transformers_ner``: a Hugging Face encoder as the entity recogniser, token classification (BIO) over Kiwi tokens.

The econ layer goes to ``doc.spans["econ"]`` with ``attrs["scores"]``; the standard layer goes to
``doc.ents``. The shared plumbing and why Kiwi tokens: :mod:`pipeline.components.hf`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.util import minibatch

from ..core.document import ECON_SPANS_KEY
from ..core.schema import ENTITY_LABELS
from .hf import LAYERS, _HFPipe, _sentences

if TYPE_CHECKING:  # pragma: no cover
    pass

logger = logging.getLogger(__name__)


# -- token classification ----------------------------------------------------------------


def bio_tags(labels: Sequence[str]) -> list[str]:
    """The tag set of a label set: ``O`` first, then ``B-``/``I-`` per label."""
    return ["O", *[f"{p}-{label}" for label in labels for p in ("B", "I")]]


def decode_bio(tags: Sequence[str | None], probs: Sequence[float | None]) -> list[tuple[int, int, str, float]]:
    """BIO tags over words → ``(start, end, label, mean prob)`` spans (end exclusive).

    Invalid sequences are repaired the usual way: an ``I-X`` that does not follow
    ``B-X``/``I-X`` starts a new ``X`` entity. A word without a tag (one the encoder's
    tokenizer gave no subword, e.g. a zero-width space) continues an open entity when
    the next tagged word continues it, and is outside otherwise. The score averages
    the probabilities of the tagged words only.
    """
    spans: list[tuple[int, int, str, float]] = []
    next_tag: list[str | None] = [None] * len(tags)
    upcoming = None
    for i in range(len(tags) - 1, -1, -1):
        next_tag[i] = upcoming
        if tags[i] is not None:
            upcoming = tags[i]
    start = end = -1
    label = ""
    ps: list[float] = []

    def close() -> None:
        nonlocal start
        if start >= 0:
            spans.append((start, end, label, sum(ps) / len(ps) if ps else 0.0))
        start = -1

    for i, tag in enumerate(tags):
        if tag is None:
            if start >= 0 and next_tag[i] == f"I-{label}":
                end = i + 1
            else:
                close()
            continue
        if tag == "O":
            close()
            continue
        prefix, _, tag_label = tag.partition("-")
        if prefix == "I" and start >= 0 and tag_label == label:
            end = i + 1
        else:
            close()
            start, end, label, ps = i, i + 1, tag_label, []
        p = probs[i]
        if p is not None:
            ps.append(float(p))
    close()
    return spans


def _words(sent: Span) -> list[int]:
    """Doc indices of a sentence's Kiwi tokens that the encoder sees (white space is not a word)."""
    return [t.i for t in sent if not t.is_space]


def _chunk_words(tokenizer, word_lists: list[list[str]], max_length: int) -> list[list[tuple[int, int]]]:
    """Split each word list into ``(start, end)`` runs that fit ``max_length`` subwords.

    A Kiwi sentence may be longer than the encoder's window; cutting it at word
    boundaries keeps every word labelled. A single word longer than the window
    stays alone and is truncated (its first subword, which carries its label, survives).
    """
    budget = max(1, max_length - tokenizer.num_special_tokens_to_add(pair=False))
    if not word_lists:
        return []
    enc = tokenizer(word_lists, is_split_into_words=True, add_special_tokens=False, truncation=False)
    out = []
    for b, words in enumerate(word_lists):
        counts = [0] * len(words)
        for w in enc.word_ids(b):
            if w is not None:
                counts[w] += 1
        runs, start, used = [], 0, 0
        for i, n in enumerate(counts):
            if used + n > budget and i > start:
                runs.append((start, i))
                start, used = i, 0
            used += n
        if len(words) > start or not runs:
            runs.append((start, len(words)))
        out.append(runs)
    return out


def _first_subwords(word_ids: list[int | None], n_words: int) -> list[int | None]:
    """Position of each word's first subword in the encoded sequence (None if it has none)."""
    first: list[int | None] = [None] * n_words
    for pos, w in enumerate(word_ids):
        if w is not None and first[w] is None:
            first[w] = pos
    return first


class TransformersNER(_HFPipe):
    """BIO token classification over Kiwi tokens with a fine-tuned HF encoder.

    Every Kiwi sentence (``doc.sents``) is one encoder input, or several when it is
    longer than ``max_length`` subwords; all sentences of a batch of Docs are
    encoded together, ``batch_size`` at a time, sorted by length to pad little.
    """

    auto_class = "AutoModelForTokenClassification"
    model_keys = ("layer", "labels")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def tags(self) -> list[str]:
        return bio_tags(self.labels)

    def set_model(self, model, tokenizer) -> None:
        id2label = {int(k): v for k, v in model.config.id2label.items()}
        got = [id2label[i] for i in range(len(id2label))]
        if got != self.tags:
            raise ValueError(f"model tags {got} do not match the component's labels {list(self.labels)} (expected {self.tags})")
        super().set_model(model, tokenizer)

    def predict(self, docs: list[Doc]) -> list[list[tuple[int, int, str, float]]]:
        """Per Doc, ``(start token, end token, label, score)`` spans."""
        self._require_model()
        docs = list(docs)
        # one unit per sentence: (doc index, doc token indices of its words)
        units = [(d, idx) for d, doc in enumerate(docs) for sent in _sentences(doc) if (idx := _words(sent))]
        texts = [[docs[d][i].text for i in idx] for d, idx in units]
        chunks = []  # (unit, word start, word end)
        for u, runs in enumerate(_chunk_words(self.tokenizer, texts, self.cfg["max_length"])):
            chunks.extend((u, a, b) for a, b in runs)
        tags: list[list[str | None]] = [[None] * len(t) for t in texts]
        probs: list[list[float | None]] = [[None] * len(t) for t in texts]
        order = sorted(range(len(chunks)), key=lambda c: chunks[c][2] - chunks[c][1])
        for batch in minibatch(order, size=max(1, self.cfg["batch_size"])):
            words = [texts[chunks[c][0]][chunks[c][1] : chunks[c][2]] for c in batch]
            enc = self.tokenizer(
                words, is_split_into_words=True, truncation=True, max_length=self.cfg["max_length"], padding=True, return_tensors="pt"
            )
            p = self._forward_probs(enc)
            best = p.argmax(-1)
            for row, c in enumerate(batch):
                u, a, _ = chunks[c]
                for w, pos in enumerate(_first_subwords(enc.word_ids(row), len(words[row]))):
                    if pos is not None:
                        tags[u][a + w] = self.tags[int(best[row, pos])]
                        probs[u][a + w] = float(p[row, pos, best[row, pos]])
        out: list[list[tuple[int, int, str, float]]] = [[] for _ in docs]
        for u, (d, idx) in enumerate(units):
            for s, e, label, score in decode_bio(tags[u], probs[u]):
                out[d].append((idx[s], idx[e - 1] + 1, label, score))
        return out

    def set_annotations(self, docs: list[Doc], predictions) -> None:
        for doc, found in zip(docs, predictions):
            spans = [Span(doc, s, e, label=label) for s, e, label, _ in found]
            if self.cfg["layer"] == "econ":
                group = SpanGroup(doc, name=ECON_SPANS_KEY, spans=spans)
                group.attrs["scores"] = [round(min(1.0, score), 4) for *_, score in found]
                doc.spans[ECON_SPANS_KEY] = group
            else:
                doc.ents = spans

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        """Exact-span P/R/F against the reference ``doc.ents`` (as the spaCy recognisers report it)."""
        if self.cfg["layer"] == "econ":
            from .entities import score_econ_spans

            return score_econ_spans(examples)
        return get_ner_prf(examples)


NER_DEFAULT_CONFIG = {"layer": "econ", "labels": list(ENTITY_LABELS), "max_length": 256, "batch_size": 32, "device": "auto"}


@Language.factory(
    "transformers_ner",
    assigns=["doc.spans", "doc.ents"],
    default_config=NER_DEFAULT_CONFIG,
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_transformers_ner(
    nlp: Language, name: str, layer: str, labels: list[str], max_length: int, batch_size: int, device: str
) -> TransformersNER:
    """Config: ``layer`` ("econ" → ``doc.spans["econ"]``, "standard" → ``doc.ents``),
    ``labels``, ``max_length`` (subwords per encoder input), ``batch_size``
    (sentences per forward pass), ``device`` ("auto", "cpu", "cuda", "cuda:1", …)."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}, got {layer!r}")
    cfg = {"layer": layer, "labels": list(labels), "max_length": max_length, "batch_size": batch_size, "device": device}
    return TransformersNER(nlp.vocab, name, cfg)
