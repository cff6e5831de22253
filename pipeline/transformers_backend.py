"""The transformers backend: fine-tuned Hugging Face encoders as spaCy components.

The spaCy components of :mod:`pipeline.entities` and :mod:`pipeline.relations` are
small and fast; a pre-trained encoder (``klue/roberta-base``) is slower but knows
Korean before it sees the corpus. This module gives the same two jobs to such an
encoder, with the same outputs, so that everything downstream (the triple
assembler, :func:`pipeline.from_spacy`, the writers, the evaluator) is unchanged:

* ``transformers_ner`` — token classification (BIO) over the Kiwi tokens of each
  sentence. The econ layer goes to ``doc.spans["econ"]`` with
  ``attrs["scores"]``; the standard layer goes to ``doc.ents``.
* ``transformers_relations`` — sequence classification of each candidate pair of
  econ entities (:func:`pipeline.relations.candidate_pairs`), marked in its
  sentence window as ``[E1] head [/E1]`` and ``[E2] tail [/E2]``; results go to
  ``doc._.relations`` and ``doc._.relation_scores`` as in :mod:`pipeline.relations`.

Why over Kiwi tokens rather than the encoder's own subwords: entity offsets must
index the original text exactly (SCHEMA.md), the training data is aligned to Kiwi
tokens already (:func:`pipeline.training.data.to_docs`), and a span built from Doc
tokens has exact character offsets by construction. Each Kiwi token is a "word"
for the encoder (``is_split_into_words=True``); the word's label is its first
subword's prediction.

Serialisation never pickles: the model is written with safetensors, the tokenizer
as its JSON/text files, the component settings as JSON; loading reads local files
only (``from_pretrained(local path)``). torch and transformers are imported on
first use, so importing this module (which registers the factories) is cheap and
works without them; running or training a component needs them.

Training (:func:`train_token_classifier`, :func:`train_relation_classifier`) is a
plain, seeded torch loop; ``base_model`` is a local directory or a hub name (the
latter needs the hub, which this project's tests never use; see
:func:`make_tiny_bert` for an offline stand-in).
"""

from __future__ import annotations

import logging
import math
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy
import srsly
from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.util import minibatch

from .core.document import ECON_SPANS_KEY
from .core.schema import ENTITY_LABELS, RELATION_SIGNATURES, STANDARD_LABELS
from .language import extensions  # noqa: F401  (doc._.relations, doc._.relation_scores)

if TYPE_CHECKING:  # pragma: no cover
    from .language import KiwiKorean

logger = logging.getLogger(__name__)

#: KLUE's labels: the standard layer's default label set.
LAYERS = ("econ", "standard")
#: Relation classes; index 0 is "no relation", as in :mod:`pipeline.relations`.
RELATION_LABELS = ("NONE", *RELATION_SIGNATURES)
#: Entity markers added to the tokenizer as special tokens (never split, never lowercased).
MARKERS = ("[E1]", "[/E1]", "[E2]", "[/E2]")
MODEL_DIR = "model"
CFG_FILE = "cfg.json"


# -- shared plumbing -------------------------------------------------------------------


def _torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the transformers backend needs torch and transformers: install the CPU build of torch, then `pip install econ-facts[transformers]`"
        ) from exc
    return torch


def resolve_device(device: str | None = "auto") -> str:
    """``"auto"`` (or None) picks CUDA when torch sees a GPU, else the CPU."""
    if device in (None, "", "auto"):
        return "cuda" if _torch().cuda.is_available() else "cpu"
    return device


def set_seed(seed: int) -> None:
    """Seed Python, numpy and torch (all devices): classification heads are initialised
    randomly on load, and batches are shuffled, so both depend on it."""
    torch = _torch()
    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def load_tokenizer(name_or_path: str | Path, *, local_files_only: bool = False):
    """A *fast* tokenizer: only fast tokenizers report ``word_ids()``, which maps
    subwords back to Kiwi tokens. Byte-level BPE tokenizers need ``add_prefix_space``
    for pre-split words."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(name_or_path), local_files_only=local_files_only)
    if not getattr(tok, "is_fast", False):
        raise ValueError(f"{name_or_path}: the transformers backend needs a fast tokenizer (tokenizer.json), got {type(tok).__name__}")
    if getattr(tok, "add_prefix_space", None) is False:
        tok = AutoTokenizer.from_pretrained(str(name_or_path), local_files_only=local_files_only, add_prefix_space=True)
    return tok


@contextmanager
def _no_progress_bars():
    """transformers 5 draws a progress bar per save; keep the CLI's output clean."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def save_model(model, tokenizer, path: str | Path) -> None:
    """Weights as safetensors, the tokenizer as its own (JSON/text) files."""
    import inspect

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    # transformers 4 needs the flag; 5 writes safetensors only and no longer takes it
    kwargs = {"safe_serialization": True} if "safe_serialization" in inspect.signature(model.save_pretrained).parameters else {}
    with _no_progress_bars():
        model.save_pretrained(str(path), **kwargs)
    tokenizer.save_pretrained(str(path))


def _pack_dir(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _unpack_dir(files: dict[str, bytes], path: Path) -> None:
    for rel, data in files.items():
        target = (path / rel).resolve()
        if path.resolve() not in target.parents:
            raise ValueError(f"refusing to write {rel!r} outside {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class _HFPipe(Pipe):
    """What both components share: holding an HF model + tokenizer, moving it to a
    device, and (de)serialising it safely.

    A component is created by its factory without weights (that is how spaCy builds
    a pipeline before ``from_disk``); :meth:`set_model` or :meth:`from_disk` gives it
    one. ``to_bytes`` packs the same files as ``to_disk`` into msgpack, and
    ``__reduce__`` goes through it, so even pickling a pipeline (for worker
    processes) carries safetensors, not pickled tensors.
    """

    auto_class = "AutoModel"
    #: settings fixed by the trained model, restored from cfg.json on load
    model_keys: tuple[str, ...] = ()

    def __init__(self, vocab, name: str, cfg: dict) -> None:
        self.vocab = vocab
        self.name = name
        self.cfg = dict(cfg)
        self.model = None
        self.tokenizer = None
        self._device = None

    # -- model -------------------------------------------------------------------

    def set_model(self, model, tokenizer) -> None:
        """Use this fine-tuned model and its tokenizer (in eval mode, on the configured device)."""
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("the transformers backend needs a fast tokenizer")
        self._device = resolve_device(self.cfg.get("device", "auto"))
        self.model = model.to(self._device).eval()
        self.tokenizer = tokenizer

    def _require_model(self) -> None:
        if self.model is None:
            raise ValueError(f"component {self.name!r} has no model: train it (train_*_classifier) or load a saved pipeline")

    def _forward_probs(self, enc) -> Any:
        """Softmax over the classes for a tokenised batch (inference mode, on the device), as numpy."""
        torch = _torch()
        inputs = {k: v.to(self._device) for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.inference_mode():
            logits = self.model(**inputs).logits
        return torch.softmax(logits.float(), dim=-1).cpu().numpy()

    # -- serialisation -----------------------------------------------------------

    def _saved_cfg(self) -> dict:
        return {k: v for k, v in self.cfg.items() if k != "device"}

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / CFG_FILE, self._saved_cfg())
        if self.model is not None:
            save_model(self.model, self.tokenizer, path / MODEL_DIR)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> _HFPipe:
        import transformers

        path = Path(path)
        if (path / CFG_FILE).exists():
            # what describes the saved model comes from it; run-time settings (max_length,
            # batch_size, threshold, device, …) stay as configured, so config overrides at
            # load time (spacy.load(path, config={...})) take effect
            saved = srsly.read_json(path / CFG_FILE)
            self.cfg.update({k: saved[k] for k in self.model_keys if k in saved})
        model_dir = path / MODEL_DIR
        if model_dir.is_dir():
            auto = getattr(transformers, self.auto_class)
            with _no_progress_bars():
                model = auto.from_pretrained(str(model_dir), local_files_only=True, use_safetensors=True)
            self.set_model(model, load_tokenizer(model_dir, local_files_only=True))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            self.to_disk(tmp)
            return srsly.msgpack_dumps({"files": _pack_dir(Path(tmp))})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> _HFPipe:
        with tempfile.TemporaryDirectory() as tmp:
            _unpack_dir(srsly.msgpack_loads(data)["files"], Path(tmp))
            return self.from_disk(tmp)

    def __reduce__(self):
        return _rebuild_pipe, (type(self), self.vocab, self.name, dict(self.cfg), self.to_bytes())

    # -- running -----------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as exc:
                error_handler(self.name, self, docs, exc)

    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp=None) -> None:
        """Nothing to do: weights come from the training functions of this module."""

    def predict(self, docs: list[Doc]):  # pragma: no cover - abstract
        raise NotImplementedError

    def set_annotations(self, docs: list[Doc], predictions) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _rebuild_pipe(cls, vocab, name, cfg, data):
    pipe = cls(vocab, name, cfg)
    return pipe.from_bytes(data)


def _sentences(doc: Doc) -> list[Span]:
    return list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]


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

    Like :class:`pipeline.relations.RelationExtractor`, a pair's score is the
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
    """Config as :mod:`pipeline.relations` (``max_sentences``, ``threshold``, ``spans_key``)
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


# -- training ----------------------------------------------------------------------------


def _fine_tune(
    model,
    n_examples: int,
    encode: Callable[[list[int]], tuple[dict, Any]],
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    device: str,
    max_steps: int | None,
) -> list[float]:
    """A plain AdamW loop with linear warm-up (10 %) and decay; returns the mean loss per epoch.

    ``encode(indices)`` gives the model inputs and labels of one batch, so that
    tokenisation and label alignment happen per batch with dynamic padding.
    """
    torch = _torch()
    model.to(device).train()
    steps_per_epoch = math.ceil(n_examples / batch_size)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    if total == 0:
        raise ValueError("nothing to train on: no examples")
    warmup = max(1, total // 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: (step + 1) / warmup if step < warmup else max(0.0, (total - step) / max(1, total - warmup))
    )
    generator = torch.Generator().manual_seed(seed)
    losses, step = [], 0
    for epoch in range(epochs):
        epoch_loss, n = 0.0, 0
        for batch in torch.randperm(n_examples, generator=generator).split(batch_size):
            if step >= total:
                break
            inputs, labels = encode(batch.tolist())
            inputs = {k: v.to(device) for k, v in inputs.items()}
            loss = model(**inputs, labels=labels.to(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            epoch_loss, n, step = epoch_loss + loss.item(), n + 1, step + 1
        if n:
            losses.append(epoch_loss / n)
            logger.info("epoch %d: loss %.4f (%d steps)", epoch + 1, losses[-1], n)
    model.eval()
    return losses


def _model_inputs(enc) -> dict:
    return {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}


def token_examples(docs: Iterable[Doc], tags: Sequence[str], tokenizer, max_length: int) -> list[tuple[list[str], list[int]]]:
    """(words, tag ids) per sentence chunk: BIO per Kiwi token from each Doc's ``doc.ents``.

    The same sentence split and chunking as at prediction time, so the encoder never
    sees a different unit in training than in use.
    """
    tag_id = {t: i for i, t in enumerate(tags)}
    units: list[tuple[list[str], list[int]]] = []
    for doc in docs:
        bio = ["O"] * len(doc)
        for ent in doc.ents:
            inside = [t.i for t in ent if not t.is_space]
            for k, i in enumerate(inside):
                bio[i] = f"{'B' if k == 0 else 'I'}-{ent.label_}"
        for sent in _sentences(doc):
            idx = _words(sent)
            if idx:
                units.append(([doc[i].text for i in idx], [tag_id.get(bio[i], 0) for i in idx]))
    out = []
    for (words, ids), runs in zip(units, _chunk_words(tokenizer, [w for w, _ in units], max_length)):
        for a, b in runs:
            ids_run = list(ids[a:b])
            if ids_run and tags[ids_run[0]].startswith("I-"):  # an entity cut by a chunk boundary
                ids_run[0] = tag_id["B-" + tags[ids_run[0]][2:]]
            out.append((words[a:b], ids_run))
    return out


def train_token_classifier(
    records: Iterable[dict],
    *,
    layer: str,
    base_model: str | Path,
    output_dir: str | Path | None,
    epochs: int = 3,
    lr: float = 5e-5,
    batch_size: int = 16,
    seed: int = 0,
    max_length: int = 256,
    labels: Sequence[str] | None = None,
    max_steps: int | None = None,
    device: str = "auto",
) -> KiwiKorean:
    """Fine-tune ``base_model`` as the ``layer``'s recogniser and save a spaCy pipeline.

    ``records`` are SCHEMA.md records (``corpora.records("econ", "train")``, or KLUE's
    for ``layer="standard"``); their entities are aligned to Kiwi tokens by
    :func:`pipeline.training.data.to_docs` and become one BIO tag per token (the
    label of the token's first subword is learned; its other subwords are ignored).
    ``base_model`` is a local directory or a hub name (e.g. ``klue/roberta-base``).
    Returns the pipeline (``pipeline.blank()`` + ``transformers_ner``), written to
    ``output_dir`` unless that is None.
    """
    from transformers import AutoModelForTokenClassification

    from . import blank
    from .training.data import AlignStats, to_docs

    torch = _torch()
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}, got {layer!r}")
    labels = list(labels or (ENTITY_LABELS if layer == "econ" else STANDARD_LABELS))
    tags = bio_tags(labels)
    set_seed(seed)
    device = resolve_device(device)
    nlp = blank()
    stats = AlignStats()
    docs = to_docs(nlp, records, layer=layer, stats=stats)
    logger.info("aligned to Kiwi tokens: %s", stats.as_dict())
    tokenizer = load_tokenizer(base_model)
    examples = token_examples(docs, tags, tokenizer, max_length)
    model = AutoModelForTokenClassification.from_pretrained(
        str(base_model), num_labels=len(tags), id2label=dict(enumerate(tags)), label2id={t: i for i, t in enumerate(tags)}
    )

    def encode(batch: list[int]):
        words = [examples[i][0] for i in batch]
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        target = torch.full(enc["input_ids"].shape, -100, dtype=torch.long)
        for row, i in enumerate(batch):
            for w, pos in enumerate(_first_subwords(enc.word_ids(row), len(words[row]))):
                if pos is not None:
                    target[row, pos] = examples[i][1][w]
        return _model_inputs(enc), target

    _fine_tune(model, len(examples), encode, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, device=device, max_steps=max_steps)
    ner = nlp.add_pipe(
        "transformers_ner",
        config={"layer": layer, "labels": labels, "max_length": max_length, "batch_size": max(batch_size, 32), "device": "auto"},
    )
    ner.set_model(model, tokenizer)
    if output_dir is not None:
        nlp.to_disk(output_dir)
    return nlp


def relation_examples(docs: Iterable[Doc], max_sentences: int = 2) -> list[tuple[str, int]]:
    """(marked text, class id) for every candidate pair over the gold econ spans.

    A candidate is positive when the gold relations hold exactly that (head, tail,
    relation); every other candidate is a NONE example, as in :mod:`pipeline.relations`.
    """
    from .relations import candidate_pairs

    out = []
    for doc in docs:
        spans = list(doc.spans.get(ECON_SPANS_KEY, []))
        gold = {(h, t, label) for h, t, label, *_ in (doc._.relations or [])}
        for i, j, label in candidate_pairs(doc, spans, max_sentences):
            out.append((marked_text(doc, spans[i], spans[j]), RELATION_LABELS.index(label) if (i, j, label) in gold else 0))
    return out


def train_relation_classifier(
    records: Iterable[dict],
    base_model: str | Path,
    output_dir: str | Path | None,
    *,
    base_pipeline: str | Path | Language | None = None,
    epochs: int = 3,
    lr: float = 5e-5,
    batch_size: int = 16,
    seed: int = 0,
    max_length: int = 256,
    max_sentences: int = 2,
    threshold: float = 0.5,
    max_steps: int | None = None,
    device: str = "auto",
) -> KiwiKorean:
    """Fine-tune ``base_model`` as the relation classifier and save a spaCy pipeline.

    Trained on the gold econ entities of ``records`` (the recogniser's errors are not
    this component's to learn). The component is added to ``base_pipeline`` — a
    saved pipeline path or a loaded pipeline, e.g. the one from
    :func:`train_token_classifier`, so that the result recognises and relates — or
    to a blank pipeline, which then needs ``doc.spans["econ"]`` set by someone else.
    """
    from transformers import AutoModelForSequenceClassification

    from . import blank
    from .training.data import to_docs

    torch = _torch()
    set_seed(seed)
    device = resolve_device(device)
    if base_pipeline is None:
        nlp = blank()
    elif isinstance(base_pipeline, Language):
        nlp = base_pipeline
    else:
        import spacy

        from . import components  # noqa: F401  (the language and factories a saved pipeline names)

        nlp = spacy.load(base_pipeline)
    docs = to_docs(nlp, records, layer="econ")  # the pipeline's own Kiwi: same tokens as at prediction time
    examples = relation_examples(docs, max_sentences)
    tokenizer = load_tokenizer(base_model)
    _add_markers(tokenizer)
    examples = list(zip(_crop(tokenizer, [t for t, _ in examples], max_length), [y for _, y in examples]))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base_model),
        num_labels=len(RELATION_LABELS),
        id2label=dict(enumerate(RELATION_LABELS)),
        label2id={label: i for i, label in enumerate(RELATION_LABELS)},
    )
    _add_markers(tokenizer, model)
    counts = numpy.bincount([y for _, y in examples], minlength=len(RELATION_LABELS))
    logger.info("relation candidates: %s", dict(zip(RELATION_LABELS, counts.tolist())))

    def encode(batch: list[int]):
        enc = tokenizer([examples[i][0] for i in batch], truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        return _model_inputs(enc), torch.tensor([examples[i][1] for i in batch], dtype=torch.long)

    _fine_tune(model, len(examples), encode, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, device=device, max_steps=max_steps)
    config = {
        "max_length": max_length,
        "batch_size": max(batch_size, 32),
        "max_sentences": max_sentences,
        "threshold": threshold,
        "device": "auto",
    }
    rel = nlp.add_pipe("transformers_relations", config=config)
    rel.set_model(model, tokenizer)
    if output_dir is not None:
        nlp.to_disk(output_dir)
    return nlp


# -- an offline stand-in encoder -----------------------------------------------------------


def make_tiny_bert(
    path: str | Path, texts: Iterable[str], *, vocab_size: int = 3000, seed: int = 0, max_position_embeddings: int = 512
) -> Path:
    """Write a tiny, randomly initialised BERT and its WordPiece tokenizer to ``path``.

    For tests and offline demos of the training functions, where no pre-trained
    encoder can be downloaded: it learns from the fine-tuning data alone. The
    vocabulary is trained on ``texts`` with casing and accents kept (BERT's
    default lower-casing would decompose Hangul syllables into jamo).
    """
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True, handle_chinese_chars=True)
    wordpiece.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=1, limit_alphabet=5000, show_progress=False)
    tokenizer = BertTokenizerFast(
        tokenizer_object=wordpiece._tokenizer, do_lower_case=False, strip_accents=False, model_max_length=max_position_embeddings
    )
    set_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
        pad_token_id=tokenizer.pad_token_id,
    )
    save_model(BertModel(config), tokenizer, path)
    return path


__all__ = [
    "MARKERS",
    "RELATION_LABELS",
    "TransformersNER",
    "TransformersRelations",
    "bio_tags",
    "decode_bio",
    "load_tokenizer",
    "make_tiny_bert",
    "marked_text",
    "train_relation_classifier",
    "train_token_classifier",
]
