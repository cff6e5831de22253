"""The components layer: the spaCy components that turn Kiwi tokens into entities, relations and triples.

Importing this package imports every component factory and architecture the project
registers, and the ``ko_kiwi`` language with its Kiwi tokenizer, so that saved pipelines
load (``import pipeline`` alone registers nothing). The recognisers' token vectors come from
a tok2vec sublayer: spaCy's CPU ``spacy.Tok2Vec.v2`` or a pre-trained encoder,
``pipeline.TransformerTok2Vec.v1`` (:mod:`.hf_encoder`), the same components either way;
the relation extractor takes one through ``pipeline.RelationEncoder.v1`` (:mod:`.relation_encoder`). Components import from the core and language layers
only, never from the corpus tools, training, I/O or runners above them (``lint-imports``).
"""

from .. import language  # noqa: F401  (the ko_kiwi language and its tokenizer)
from . import (
    entities,  # noqa: F401
    gazetteer,  # noqa: F401
    hf_encoder,  # noqa: F401
    relation_encoder,  # noqa: F401
    relations,  # noqa: F401
    span_classifier,  # noqa: F401
    triples,  # noqa: F401
)
