"""The Korean ``Language`` of this project: spaCy's Korean with Kiwi as tokenizer.

It is registered under its own language code, ``ko_kiwi``, so that loading a saved
pipeline gets this class back (and with it Kiwi's batched, multithreaded
``pipe``) without replacing spaCy's own ``ko`` for anyone else in the process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.lang.ko.lex_attrs import LEX_ATTRS
from spacy.lang.ko.stop_words import STOP_WORDS
from spacy.language import BaseDefaults, Language
from spacy.util import load_config_from_str, registry

from . import blas, extensions, tokens  # noqa: F401  (register the BLAS callback, doc._.relations/triples, the tokenizer)

LANG = "ko_kiwi"

DEFAULT_CONFIG = """
[nlp]

[nlp.tokenizer]
@tokenizers = "pipeline.KiwiTokenizer.v1"

[nlp.after_pipeline_creation]
@callbacks = "pipeline.numpy_blas.v1"
"""


class KiwiKoreanDefaults(BaseDefaults):
    config = load_config_from_str(DEFAULT_CONFIG)
    lex_attr_getters = LEX_ATTRS
    stop_words = STOP_WORDS
    writing_system = {"direction": "ltr", "has_case": False, "has_letters": False}


@registry.languages(LANG)
class KiwiKorean(Language):
    lang = LANG
    Defaults = KiwiKoreanDefaults

    def pipe(self, texts: Iterable[Any], *, as_tuples: bool = False, batch_size: int | None = None, **kwargs) -> Iterator[Any]:
        """Like ``Language.pipe``, but texts are tokenised in batches by Kiwi's threads."""
        if kwargs.get("n_process", 1) != 1 or not hasattr(self.tokenizer, "pipe"):
            yield from super().pipe(texts, as_tuples=as_tuples, batch_size=batch_size, **kwargs)
            return
        if as_tuples:
            contexts: deque = deque()

            def split() -> Iterator[Any]:
                for text, context in texts:
                    contexts.append(context)
                    yield text

            for doc in self.pipe(split(), batch_size=batch_size, **kwargs):
                yield doc, contexts.popleft()
            return
        docs = self.tokenizer.pipe(texts, batch_size=batch_size or 256)
        yield from super().pipe(docs, batch_size=batch_size, **kwargs)


def blank() -> KiwiKorean:
    """A pipeline with only the Kiwi tokenizer."""
    return KiwiKorean()
