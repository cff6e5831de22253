"""Imports every component factory the project registers, so saved pipelines load."""

from . import (
    entities,  # noqa: F401
    gazetteer,  # noqa: F401
    relations,  # noqa: F401
    span_classifier,  # noqa: F401
    transformers_backend,  # noqa: F401
    triples,  # noqa: F401
)
