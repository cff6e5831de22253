"""Company–program–outcome facts from Korean economic news.

Data flows text → Kiwi tokens (:mod:`pipeline.tokens`) → entities
(:mod:`pipeline.entities`) → relations (:mod:`pipeline.relations`) → triples
(:mod:`pipeline.triples`) → writers (:mod:`pipeline.writers`).

>>> import pipeline
>>> nlp = pipeline.load()                       # the shipped default model
>>> record = pipeline.extract("…기사 본문…")     # SCHEMA.md's JSON as a dict
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from . import extensions  # noqa: F401  (registers doc._.relations, doc._.triples)
from .document import Document, from_spacy, validate
from .language import KiwiKorean, blank

__version__ = "0.1.0"

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = "ko_econ_default"

__all__ = ["Document", "KiwiKorean", "annotate", "blank", "default_model_path", "extract", "from_spacy", "load", "validate"]


def default_model_path() -> Path:
    """Where the shipped default pipeline lives (``models/ko_econ_default``)."""
    return MODELS_DIR / DEFAULT_MODEL


def load(name_or_path: str | Path | None = None, *, min_score: float | None = None, **kwargs) -> KiwiKorean:
    """Load a pipeline: the shipped default when no name is given.

    Any spaCy pipeline directory saved by this project works, whichever backend
    (spaCy components or a fine-tuned transformers encoder) its NER uses.
    ``min_score`` keeps only triples scored at least that much: higher trades
    recall for precision (the model card has the precision/recall curve on dev).
    """
    import spacy

    from . import components  # noqa: F401  (registers the factories)

    path = Path(name_or_path) if name_or_path is not None else default_model_path()
    if not path.exists() and name_or_path is not None and (MODELS_DIR / str(name_or_path)).exists():
        path = MODELS_DIR / str(name_or_path)
    if not path.exists():
        raise FileNotFoundError(f"no pipeline at {path}: give a directory saved with nlp.to_disk()")
    nlp = spacy.load(path, **kwargs)
    if min_score is not None and "triple_assembler" in nlp.pipe_names:
        nlp.get_pipe("triple_assembler").min_score = float(min_score)
    return nlp


_DEFAULT_NLP = None


def _default_nlp():
    global _DEFAULT_NLP
    if _DEFAULT_NLP is None:
        _DEFAULT_NLP = load()
    return _DEFAULT_NLP


def extract(text: str, *, nlp=None, doc_id: str = "doc") -> dict:
    """Annotate one text and return SCHEMA.md's JSON record as a dict."""
    nlp = nlp or _default_nlp()
    return from_spacy(nlp(text), doc_id).to_dict()


def annotate(texts: Iterable[str], *, nlp=None, ids: Iterable[str] | None = None, batch_size: int = 64) -> Iterator[dict]:
    """Annotate a stream of texts lazily, yielding one record per text, in order."""
    nlp = nlp or _default_nlp()
    ids_iter = iter(ids) if ids is not None else None
    for i, doc in enumerate(nlp.pipe(texts, batch_size=batch_size)):
        doc_id = next(ids_iter) if ids_iter is not None else f"doc-{i + 1}"
        yield from_spacy(doc, doc_id).to_dict()


def __getattr__(name: str):
    # heavier entry points load on first use: `pipeline.display`, `pipeline.annotate_dataset`
    if name in ("display", "render_html"):
        # importlib, not `from . import display`: that form asks hasattr(pipeline, "display"),
        # which lands here again. The function then shadows the submodule of the same name
        # (the submodule is callable too, for code that imported `pipeline.display` first).
        import importlib

        module = importlib.import_module(f"{__name__}.display")
        globals().update(display=module.display, render_html=module.render_html)
        return globals()[name]
    if name == "annotate_dataset":
        from .batch import annotate_dataset

        return annotate_dataset
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
