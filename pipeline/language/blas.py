"""Run a pipeline's thinc layers on numpy's BLAS instead of blis.

thinc's CPU ops multiply matrices with blis by default. On the machines this project is
measured on (2 shared AMD EPYC cores), numpy's OpenBLAS does the encoders' products
(~26,000 tokens × 288 × 288 per 1,000 sentences) 3.5 times faster, and the two
recognisers together run in 0.65 of the time (``benchmarks/throughput.py``; same scores,
float rounding aside). Every ``ko_kiwi`` pipeline names this callback in its config
(``[nlp.after_pipeline_creation]``, from :data:`pipeline.language.DEFAULT_CONFIG`), so a
saved pipeline gets it back on ``spacy.load``; set it to null there to keep blis.

Only plain ``NumpyOps`` are replaced: a pipeline on a GPU (CupyOps) or on Apple's
accelerate ops keeps what it has.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.util import registry
from thinc.api import Model, NumpyOps


def use_numpy_blas(nlp: Language) -> Language:
    """Give every thinc layer of ``nlp``'s components numpy-BLAS ops (in place); returns ``nlp``."""
    ops = NumpyOps(use_blis=False)
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if isinstance(model, Model):
            for node in model.walk():
                if type(node.ops) is NumpyOps:
                    node.ops = ops
    return nlp


@registry.callbacks("pipeline.numpy_blas.v1")
def make_numpy_blas() -> Callable[[Language], Language]:
    return use_numpy_blas
