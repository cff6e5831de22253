"""Imports every component factory the project registers, and the ``ko_kiwi`` language with its
Kiwi tokenizer, so that saved pipelines load (``import pipeline`` alone registers nothing)."""

from . import (
    entities,  # noqa: F401
    gazetteer,  # noqa: F401
    language,  # noqa: F401
    relations,  # noqa: F401
    span_classifier,  # noqa: F401
    transformers_backend,  # noqa: F401
    triples,  # noqa: F401
)
