"""Company–program–outcome facts from Korean economic news.

Data flows text → Kiwi tokens (:mod:`pipeline.language.tokens`) → entities
(:mod:`pipeline.components.entities`) → relations (:mod:`pipeline.components.relations`) → triples
(:mod:`pipeline.components.triples`) → writers (:mod:`pipeline.io.writers`).

The subpackages are layers that import one way (``[tool.importlinter]`` in pyproject.toml):
cli > training > evaluation | facts > corpora > runners | render > io > components >
language > core. This module, the public API, stands above them and imports only the core's
Document and the runners' model loading; the rest loads on first use.

>>> import pipeline
>>> nlp = pipeline.load()                       # the shipped default model
>>> document = pipeline.extract("…기사 본문…")   # a typed Document; .to_dict() is SCHEMA.md's JSON
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# Only light modules here: `import pipeline` (and so `python -m pipeline --help`) must not pay
# for spaCy, Kiwi, pyarrow or datasets. Those load on first use; see __getattr__ below.
from .core.document import Document, from_spacy, validate
from .runners.loading import DEFAULT_MODEL, MODELS_DIR, default_model_path  # noqa: F401  (the constants: public before)

if TYPE_CHECKING:
    from .language import KiwiKorean

__version__ = "0.2.0"

__all__ = ["Document", "KiwiKorean", "annotate", "blank", "default_model_path", "extract", "from_spacy", "load", "validate"]


def load(name_or_path: str | Path | None = None, *, min_score: float | None = None, **kwargs) -> KiwiKorean:
    """Load a pipeline: the shipped default when no name is given (the installed
    ``ko_econ_default`` model package, else a checkout's ``models/ko_econ_default``).

    Any spaCy pipeline directory saved by this project works, whichever backend
    (spaCy's CPU tok2vec or a fine-tuned transformers encoder) its recognisers use.
    ``min_score`` keeps only triples scored at least that much: higher trades
    recall for precision (the model card has the precision/recall curve on dev).
    Other keyword arguments go to ``spacy.load`` (``exclude``, ``config``, …).

    A pipeline is built once per process and then shared: ``load() is load()``, and
    :func:`extract` / :func:`annotate` use the very pipeline ``load()`` returns, so
    changing it (``add_pipe``) changes it for them too. Each distinct set of
    arguments gets its own pipeline; those of one model share one Kiwi.
    For a private copy, ``spacy.load(pipeline.default_model_path())``.
    """
    from .runners import loading

    return loading.load(name_or_path, min_score=min_score, **kwargs)


def extract(text: str, *, nlp=None, doc_id: str = "doc") -> Document:
    """Annotate one text and return its record (SCHEMA.md's JSON as ``.to_dict()``).

    ``nlp``: the pipeline to use; by default the shipped model, the same object
    :func:`load` returns (loaded on the first call, reused after). A text over
    ``LONG_DOC_CHARS`` characters is annotated in segments and merged
    (:mod:`pipeline.core.segments`), exactly as the batch CLI does, so both give the same record.
    """
    [document] = annotate([text], nlp=nlp, ids=[doc_id], batch_size=1)
    return document


def annotate(texts: Iterable[str], *, nlp=None, ids: Iterable[str] | None = None, batch_size: int = 64) -> Iterator[Document]:
    """Annotate a stream of texts lazily, yielding one :class:`Document` per text, in order.

    ``nlp``: as for :func:`extract` (default: the pipeline :func:`load` returns). ``ids``: the
    records' ids (default ``doc-1``, ``doc-2``, …). Long texts are segmented as by :func:`extract`.
    """
    from .runners.annotate import pipe_documents

    nlp = nlp if nlp is not None else load()
    ids_iter = iter(ids) if ids is not None else None
    for i, document in enumerate(pipe_documents(nlp, texts, batch_size=batch_size)):
        document.id = next(ids_iter) if ids_iter is not None else f"doc-{i + 1}"
        yield document


#: names served by __getattr__ on first use, and the module each comes from
_LAZY = {
    "KiwiKorean": "language",
    "blank": "language",
    "annotate_dataset": "runners.hf_datasets",
    "display": "render.html",
    "render_html": "render.html",
}


def __getattr__(name: str):
    # PEP 562: the heavy entry points (spaCy's Language subclass, display, the datasets glue)
    # load on first use, so that `import pipeline` costs milliseconds, not seconds.
    # importlib, not `from . import x`: that form asks hasattr(pipeline, x), which lands here again.
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the lazy names too, for tab completion in Jupyter
    return sorted(set(globals()) | set(_LAZY))
