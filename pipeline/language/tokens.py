"""Text → Kiwi tokens: kiwipiepy as spaCy's tokenizer.

spaCy tokens are built from Kiwi's morphemes so that

* the Doc covers the original text exactly (``doc.text == text``): every character,
  white space, control characters and emoji included, at its original offset;
* a token boundary falls wherever morphemes can be split on the surface
  (``NHC미디어는`` → ``NHC | 미디어 | 는``); morphemes that Kiwi contracts into one
  surface (``했`` = 하/XSV + 었/EP) stay one token, carrying the whole analysis;
* sentence starts come from Kiwi.

Each token gets ``tag_`` (Kiwi tags joined with ``+``), ``lemma_`` (Kiwi lemmas
joined with ``+``, as spaCy's own Korean does), ``pos_`` (UD, from the first tag)
and ``token._.morphs`` (the list of ``(form, tag)`` pairs).

The Kiwi backend is created lazily, so a pipeline can be built, pickled to worker
processes (``__reduce__``) and serialised without paying for Kiwi's model load;
and it is built once per process for the same settings (:func:`shared_kiwi`), so a
second pipeline of the same model does not pay for it again.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy
import srsly
from spacy.attrs import LEMMA, POS, SENT_START, TAG
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.tokens import Doc, Token
from spacy.util import registry
from spacy.vocab import Vocab

#: Kiwi tag (prefix) → Universal POS.
UD_POS = {
    "NNG": "NOUN",
    "NNB": "NOUN",
    "NR": "NUM",
    "NNP": "PROPN",
    "NP": "PRON",
    "VV": "VERB",
    "VA": "ADJ",
    "VX": "AUX",
    "VCP": "AUX",
    "VCN": "AUX",
    "MM": "DET",
    "MAG": "ADV",
    "MAJ": "CCONJ",
    "IC": "INTJ",
    "J": "ADP",
    "E": "PART",
    "XP": "X",
    "XS": "PART",
    "XR": "NOUN",
    "SF": "PUNCT",
    "SP": "PUNCT",
    "SS": "PUNCT",
    "SE": "PUNCT",
    "SO": "PUNCT",
    "SW": "SYM",
    "SL": "X",
    "SH": "X",
    "SN": "NUM",
    "SB": "NUM",
    "W": "X",
    "UN": "X",
    "Z": "X",
}

_RUNS = lambda s: re.findall(r"\s+|\S+", s)  # noqa: E731

if not Token.has_extension("morphs"):
    Token.set_extension(
        "morphs",
        getter=lambda t: t.doc.user_data.get("kiwi_morphs", [()] * len(t.doc))[t.i],
    )


#: the token attributes :meth:`KiwiTokenizer._make_doc` sets from Kiwi's analysis, in its array's order
_ATTRS = [TAG, POS, LEMMA, SENT_START]


@lru_cache(maxsize=4096)
def _pos_id(tag: str) -> int:
    """spaCy's id of the Universal POS of a Kiwi tag."""
    return POS_IDS[_ud(tag)]


@lru_cache(maxsize=4096)
def _ud(tag: str) -> str:
    if tag == "_SP":
        return "SPACE"
    for key in (tag, tag[:2], tag[:1]):
        if key in UD_POS:
            return UD_POS[key]
    return "X"


class KiwiTokenizer:
    """spaCy tokenizer backed by kiwipiepy.

    ``user_words`` are added to Kiwi's dictionary as ``(word, tag, score)``:
    company and program names that Kiwi would otherwise split.
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        model_type: str = "none",
        num_workers: int = -1,
        user_words: Sequence[Sequence] = (),
    ) -> None:
        self.vocab = vocab
        self.model_type = model_type
        self.num_workers = num_workers
        self.user_words = [tuple(w) for w in user_words]
        self._kiwi = None
        self._kiwi_pid = 0  # the process that built self._kiwi
        self._private = False  # True once words were added after Kiwi was built: then it has a Kiwi of its own

    @property
    def kiwi(self):
        if self._kiwi is not None and self._kiwi_pid != os.getpid():
            # a forked child: the parent's Kiwi came along, but not its worker threads, and
            # using it would wait for them forever. Build (or share) one of this process.
            _INHERITED.append(self._kiwi)
            self._kiwi, self._private = None, False
        if self._kiwi is None:
            self._kiwi_pid = os.getpid()
            if self._private:
                self._kiwi = _build_kiwi(self.model_type, self.num_workers, self.user_words)
            else:
                self._kiwi = shared_kiwi(self.model_type, self.num_workers, self.user_words)
        return self._kiwi

    def add_user_word(self, word: str, tag: str = "NNP", score: float = 0.0) -> None:
        """Teach Kiwi a word (e.g. a company name) so it stays one morpheme.

        A Kiwi from the process-wide cache may serve other pipelines too, so it is never
        changed: this tokenizer drops it and builds a Kiwi of its own on next use, which
        later words are then added to in place.
        """
        self.user_words.append((word, tag, score))
        if self._kiwi is None:
            return  # not built yet: it will be built (or found shared) with this word
        if self._private:
            self._kiwi.add_user_word(word, tag, score)
        else:
            self._kiwi, self._private = None, True

    def __reduce__(self):
        return _rebuild, (self.vocab, self.model_type, self.num_workers, self.user_words)

    # -- tokenisation ---------------------------------------------------------

    def __call__(self, text: str) -> Doc:
        return self._make_doc(text, self.kiwi.tokenize(text))

    def pipe(self, texts: Iterable[str | Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Tokenise a stream with Kiwi's own worker threads; Docs pass through."""
        pending: list[str | Doc] = []
        for text in texts:
            pending.append(text)
            if len(pending) >= batch_size:
                yield from self._pipe_batch(pending)
                pending = []
        if pending:
            yield from self._pipe_batch(pending)

    def _pipe_batch(self, items: list[str | Doc]) -> Iterator[Doc]:
        texts = [t for t in items if isinstance(t, str)]
        analysed = iter(self.kiwi.tokenize(texts)) if texts else iter(())
        for item in items:
            if isinstance(item, Doc):
                yield item
            else:
                yield self._make_doc(item, next(analysed))

    def _make_doc(self, text: str, morphemes) -> Doc:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
        words: list[str] = []
        spaces: list[bool] = []
        tags: list[str] = []
        lemmas: list[str] = []
        starts: list[bool] = []
        morphs: list[tuple] = []
        content = False  # has a non-space token been emitted?

        def gap(begin: int, end: int, new_sentence: bool) -> bool:
            """Cover text[begin:end], which Kiwi left out; return whether new_sentence is still pending."""
            nonlocal content
            piece = text[begin:end]
            if piece == " " and words and not spaces[-1] and content:
                spaces[-1] = True  # the common case: one space between words
                return new_sentence
            for run in _RUNS(piece):
                if run.isspace():
                    if words and not spaces[-1] and run[0] == " " and not words[-1].isspace():
                        spaces[-1] = True
                        run = run[1:]
                        if not run:
                            continue
                    words.append(run)
                    spaces.append(False)
                    tags.append("_SP")
                    lemmas.append(run)
                    starts.append(len(words) == 1)
                    morphs.append(())
                else:  # characters Kiwi skipped: keep them as a symbol token
                    words.append(run)
                    spaces.append(False)
                    tags.append("SW")
                    lemmas.append(run)
                    starts.append(len(words) == 1 or (new_sentence and content))
                    morphs.append(((run, "SW"),))
                    content, new_sentence = True, False
            return new_sentence

        pos = 0
        sent = -1
        group: list = []
        orphans: list = []
        g_start = g_end = 0
        g_new_sent = False
        for m in list(morphemes) + [None]:
            if m is not None:
                start = m.start
                end = start + m.len
                if start < pos:
                    start = pos
                if end <= start:  # a morpheme with no surface (a dropped copula …)
                    (group or orphans).append(m)
                    continue
                if group and start < g_end:  # contracted morphemes share their surface
                    group.append(m)
                    if end > g_end:
                        g_end = end
                    continue
            if group:
                if g_start > pos:
                    g_new_sent = gap(pos, g_start, g_new_sent)
                words.append(text[g_start:g_end])
                spaces.append(False)
                if len(group) == 1:
                    g = group[0]
                    tags.append(g.tag)
                    lemmas.append(g.lemma or g.form)
                    morphs.append(((g.form, g.tag),))
                else:
                    tags.append("+".join([g.tag for g in group]))
                    lemmas.append("+".join([g.lemma or g.form for g in group]))
                    morphs.append(tuple([(g.form, g.tag) for g in group]))
                starts.append(len(words) == 1 or (g_new_sent and content))
                content = True
                pos = g_end
            if m is None:
                break
            group = orphans + [m] if orphans else [m]
            orphans = []
            g_start, g_end = start, end
            g_new_sent = m.sent_position != sent
            sent = m.sent_position
        if pos < len(text):
            gap(pos, len(text), False)
        if not words:
            return Doc(self.vocab, words=[], spaces=[])
        doc = Doc(self.vocab, words=words, spaces=spaces)
        # The attributes go in as one array of hashes: Doc(tags=…, lemmas=…, pos=…) checks and
        # converts them token by token, which took most of the Doc's construction time.
        strings = self.vocab.strings
        values = numpy.empty((len(words), 4), dtype="uint64")
        values[:, 0] = [strings.add(t) for t in tags]
        values[:, 1] = [_pos_id(t) for t in tags]
        values[:, 2] = [strings.add(lemma) for lemma in lemmas]
        values[:, 3] = numpy.where(starts, 1, -1).astype("int64").view("uint64")
        doc.from_array(_ATTRS, values)
        doc.user_data["kiwi_morphs"] = morphs
        return doc

    # -- serialisation ----------------------------------------------------------

    def _cfg(self) -> dict:
        return {"model_type": self.model_type, "user_words": [list(w) for w in self.user_words]}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.json_dumps(self._cfg()).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> KiwiTokenizer:
        self._load_cfg(json.loads(data.decode("utf-8")))
        return self

    def initialize(self, get_examples=None, *, nlp=None, user_words_path: str | None = None) -> None:
        """Training-time setup (``[initialize.tokenizer]``): add a user dictionary's words."""
        if user_words_path:
            for word, tag, score in read_user_words(user_words_path):
                self.add_user_word(word, tag, score)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg.json", self._cfg())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> KiwiTokenizer:
        self._load_cfg(srsly.read_json(Path(path) / "cfg.json"))
        return self

    def _load_cfg(self, cfg: dict) -> None:
        self.model_type = cfg.get("model_type", self.model_type)
        self.user_words = [tuple(w) for w in cfg.get("user_words", [])]
        self._kiwi = None
        self._private = False


#: Kiwi objects shared by every tokenizer of the process with the same settings (most recent last).
_KIWIS: OrderedDict[tuple, Any] = OrderedDict()
_KIWI_LOCK = threading.Lock()
#: Distinct Kiwi settings kept at once (a Kiwi holds its language model: tens to hundreds of MB).
KIWI_CACHE_SIZE = 4


#: Kiwis a forked child inherited. Never used, and never freed either: freeing one joins its
#: worker threads, which exist only in the parent, and so would hang the child.
_INHERITED: list = []


def _forget_kiwis() -> None:
    """In a forked child: the parent's Kiwis are unusable there (their threads stayed behind)."""
    global _KIWI_LOCK
    _INHERITED.extend(_KIWIS.values())
    _KIWIS.clear()
    _KIWI_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_kiwis)


def _build_kiwi(model_type: str, num_workers: int, user_words: Sequence[Sequence]):
    from kiwipiepy import Kiwi

    kwargs = {"num_workers": num_workers}
    if model_type != "none":
        kwargs["model_type"] = model_type
    kiwi = Kiwi(**kwargs)
    for word in user_words:
        kiwi.add_user_word(*word)
    return kiwi


def shared_kiwi(model_type: str = "none", num_workers: int = -1, user_words: Sequence[Sequence] = ()):
    """The process's Kiwi for these settings, built on first use (seconds) and then reused.

    Every pipeline of a process (``pipeline.load()``, ``extract``, a second load with
    another ``min_score``, the batch runner) tokenises with the same Kiwi this way.
    """
    key = (model_type, num_workers, tuple(tuple(w) for w in user_words))
    with _KIWI_LOCK:
        kiwi = _KIWIS.get(key)
        if kiwi is None:
            kiwi = _KIWIS[key] = _build_kiwi(model_type, num_workers, user_words)
            while len(_KIWIS) > KIWI_CACHE_SIZE:
                _KIWIS.popitem(last=False)
        else:
            _KIWIS.move_to_end(key)
    return kiwi


def _rebuild(vocab, model_type, num_workers, user_words) -> KiwiTokenizer:
    return KiwiTokenizer(vocab, model_type=model_type, num_workers=num_workers, user_words=user_words)


@registry.tokenizers("pipeline.KiwiTokenizer.v1")
def create_kiwi_tokenizer(model_type: str = "none", num_workers: int = -1):
    """Config entry point: ``[nlp.tokenizer] @tokenizers = "pipeline.KiwiTokenizer.v1"``.

    A user dictionary is read once, when a pipeline is initialised for training
    (``[initialize.tokenizer] user_words_path = "words.tsv"``), and saved with the
    tokenizer; loading a model reads nothing outside its own directory, so a
    crafted ``config.cfg`` cannot make ``spacy.load`` open other files.
    """

    def make(nlp) -> KiwiTokenizer:
        return KiwiTokenizer(nlp.vocab, model_type=model_type, num_workers=num_workers)

    return make


def read_user_words(path: str | Path) -> list[tuple[str, str, float]]:
    """Read a Kiwi user dictionary: ``word<TAB>tag[<TAB>score]`` a line, ``#`` comments."""
    words = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"{path}:{lineno}: expected word<TAB>tag[<TAB>score], got {line!r}")
        words.append((parts[0], parts[1], float(parts[2]) if len(parts) > 2 else 0.0))
    return words
