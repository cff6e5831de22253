"""The model a run uses, as one typed value: :class:`ModelRef`.

A caller names a model in one of four ways: None (the shipped default), ``blank`` (the
Kiwi tokenizer only), a directory or installed package name, or a pipeline it has already
loaded. :meth:`ModelRef.of` decides which once, at the edge (the CLI, ``batch.run``,
``distributed.annotate``, ``annotate_dataset``), and checks that a named model exists
before any work starts; past that point the batch runner, its worker processes and the
Dask tasks hand the reference on and never ask again what kind of thing ``model`` is.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from ..language import KiwiKorean

#: How many times this process has loaded each model (once, whatever the number of batches or shards),
#: keyed by :attr:`ModelRef.spec`.
LOADS: dict[str | None, int] = {}

BLANK = "blank"


@dataclass(frozen=True)
class ModelRef:
    """Which model a run uses: a checked name, or a pipeline already loaded.

    ``spec`` is None for the shipped default, ``"blank"``, or the absolute directory a name
    resolved to; ``nlp`` is set instead when the caller gave a loaded pipeline. ``min_score``
    is the triple threshold the run asks for (None: the model's own).

    A reference pickles as what it holds: a named model travels to worker processes as its
    name (each worker loads it once, from its own cache), a pipeline object travels whole.
    """

    spec: str | None = None
    min_score: float | None = None
    nlp: Any = field(default=None, repr=False)  # compared by identity: two pipelines are two models

    @classmethod
    def of(cls, model: ModelLike = None, min_score: float | None = None) -> ModelRef:
        """The reference for ``model``, checked: raises FileNotFoundError naming the path when a
        named model (or the default) is not there, and TypeError for anything that is neither a
        name nor a pipeline. A ModelRef is returned as it is (with ``min_score`` if one is given)."""
        if isinstance(model, ModelRef):
            return model if min_score is None else replace(model, min_score=float(min_score))
        score = None if min_score is None else float(min_score)
        if model is None or isinstance(model, (str, os.PathLike)):
            return cls(spec=_resolve(model), min_score=score)
        if callable(model) and hasattr(model, "pipe"):  # a spaCy pipeline, or anything that annotates like one
            return cls(nlp=model, min_score=score)
        raise TypeError(f"a model is a name, a directory, None (the default) or a loaded pipeline, not {type(model).__name__}")

    @property
    def is_loaded(self) -> bool:
        """Whether this reference holds a pipeline object (which workers then receive pickled)."""
        return self.nlp is not None

    @property
    def label(self) -> str:
        """How a run's settings name the model: the spec, ``default``, or ``<pipeline object>``."""
        return "<pipeline object>" if self.is_loaded else (self.spec or "default")

    def load(self) -> KiwiKorean:
        """The pipeline: the one held, else this process's cached one
        (:mod:`pipeline.runners.loading`), built on the first call whether the CLI, a worker, a
        shard or ``pipeline.extract`` asks first. ``min_score`` is set on its triple assembler."""
        if self.is_loaded:
            if self.min_score is not None and "triple_assembler" in getattr(self.nlp, "pipe_names", ()):
                self.nlp.get_pipe("triple_assembler").min_score = self.min_score
            return self.nlp
        from . import loading

        built = sum(loading.BUILDS.values())
        nlp = loading.shared_blank() if self.spec == BLANK else loading.load(self.spec, min_score=self.min_score)
        if sum(loading.BUILDS.values()) > built:
            LOADS[self.spec] = LOADS.get(self.spec, 0) + 1
        return nlp

    def identity(self) -> dict:
        """``{"name", "version"}`` of the model, as a run's manifest records it.

        The same for a named model and for the pipeline it loads (read from its ``meta.json``
        without loading it), so that a run resumed with another ``--n-process``, which loads
        the model in the workers rather than here, still matches."""
        if self.is_loaded:
            meta = getattr(self.nlp, "meta", {}) or {}
        elif self.spec == BLANK:
            from ..language import blank

            meta = blank().meta
        else:
            from .loading import default_model_path

            path = Path(self.spec) if self.spec is not None else default_model_path()
            meta_file = path / "meta.json"
            meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {"name": str(path)}
        return {"name": meta.get("name"), "version": meta.get("version")}


#: What the public entry points accept for ``model`` and turn into a :class:`ModelRef` with :meth:`ModelRef.of`.
ModelLike = Union[ModelRef, "KiwiKorean", str, os.PathLike, None]


def _resolve(spec: str | os.PathLike | None) -> str | None:
    """None (the default, checked to exist), ``blank``, or the absolute directory ``spec`` names."""
    from . import loading

    if spec is None:
        loading.resolve(None)  # raises, with how to install it, when the default is not there
        return None
    if os.fspath(spec) == BLANK:
        return BLANK
    return str(loading.resolve(spec).resolve())
