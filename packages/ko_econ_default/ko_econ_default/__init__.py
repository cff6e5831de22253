"""The ``ko_econ_default`` pipeline as an installed package: ``spacy.load("ko_econ_default")``.

spaCy's model-package convention (what ``spacy package`` writes): ``meta.json`` beside this
file, the pipeline itself in ``<lang>_<name>-<version>/`` and a ``load()`` that spaCy calls
when it is given the package's name. The pipeline's language, tokenizer and components are
econ-facts's (its spaCy entry points), so this package requires econ-facts.
"""

from pathlib import Path

from spacy.language import Language
from spacy.util import get_model_meta, load_model_from_init_py

__version__ = get_model_meta(Path(__file__).parent)["version"]


def load(**overrides) -> Language:
    """The pipeline; ``overrides`` are ``spacy.load``'s keyword arguments (disable, exclude, config …)."""
    return load_model_from_init_py(__file__, **overrides)
