"""Run a pipeline's thinc layers on numpy's BLAS, one thread, instead of blis.

thinc's CPU ops multiply matrices with blis by default. On the machines this project is
measured on (2 shared AMD EPYC cores), numpy's OpenBLAS does the encoders' products
(~26,000 tokens × 288 × 288 per 1,000 sentences) 3.5 times faster. Its threads, though,
hurt: the products are small, Kiwi tokenises on threads of its own and ``--n-process``
runs one pipeline per core, so OpenBLAS's threads mostly wait on each other (5,000 KLUE
sentences through ``annotate``: 24–27 s with one BLAS thread, 33–34 s with two, 37–41 s on
blis, the same machine and run). So the products run under a one-thread BLAS limit
(threadpoolctl), taken only around them: numpy elsewhere in the process keeps its threads.

Every ``ko_kiwi`` pipeline names this callback in its config
(``[nlp.after_pipeline_creation]``, from :data:`pipeline.language.DEFAULT_CONFIG`), so a
saved pipeline gets it back on ``spacy.load``; set it to null there to keep blis. Only plain
``NumpyOps`` are replaced: a pipeline on a GPU (CupyOps) or on Apple's ops keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import lru_cache

from spacy.language import Language
from spacy.util import registry
from thinc.api import Model, NumpyOps


@lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # scans the loaded libraries once


def one_blas_thread() -> AbstractContextManager:
    """A context in which numpy's BLAS uses one thread (restored on exit)."""
    return _controller().limit(limits=1, user_api="blas")


class NumpyBlasOps(NumpyOps):
    """``NumpyOps`` whose matrix products go to numpy's BLAS on one thread, not to blis."""

    name = "numpy_blas"

    def __init__(self, **kwargs) -> None:
        super().__init__(use_blis=False, **kwargs)

    def gemm(self, x, y, out=None, trans1: bool = False, trans2: bool = False):
        with one_blas_thread():
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)


def use_numpy_blas(nlp: Language) -> Language:
    """Give every thinc layer of ``nlp``'s components :class:`NumpyBlasOps` (in place); returns ``nlp``."""
    ops = NumpyBlasOps()
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
