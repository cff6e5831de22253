"""The model a run uses: a name checked before the run, and loaded from the process's one cache.

``model`` is a pipeline, a name, None (the shipped default) or ``blank``; these functions tell
which, check that it exists, load it once per process and name it in a run's manifest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

#: How many times this process has loaded each model (once, whatever the number of batches or shards).
LOADS: dict = {}


def is_pipeline(obj) -> bool:
    return hasattr(obj, "pipe") and hasattr(obj, "vocab")


def resolve_model(spec: str | Path | None) -> str | None:
    """Check that a model name (None: the default, ``blank``, a directory, a name under models/) exists."""
    from . import loading

    if spec is None or str(spec) == "blank":
        if spec is None and not loading.default_model_path().exists():
            raise FileNotFoundError(f"no pipeline at {loading.default_model_path()}")
        return None if spec is None else "blank"
    return str(loading.resolve(spec).resolve())


def load_model(spec: str | Path | None = None, min_score: float | None = None):
    """A pipeline by name (``blank``: the Kiwi tokenizer only), from the process's one cache
    (:mod:`pipeline.runners.loading`): the pipeline ``pipeline.load(spec, min_score=min_score)`` returns,
    built once per process whether the CLI, a worker, a shard or ``pipeline.extract`` asks first."""
    from . import loading

    key = None if spec is None else str(spec)
    built = sum(loading.BUILDS.values())
    nlp = loading.shared_blank() if key == "blank" else loading.load(spec, min_score=min_score)
    if sum(loading.BUILDS.values()) > built:
        LOADS[key] = LOADS.get(key, 0) + 1
    return nlp


def model_identity(model) -> dict:
    """``{"name", "version"}`` of a model, the same for a spec (None for the default,
    ``blank``, a directory) and for the pipeline it loads, so that a run resumed with
    other ``--n-process`` (which loads the model in the workers) still matches."""
    if model is None:
        from .loading import default_model_path  # the shipped model's directory

        model = default_model_path()
    if isinstance(model, (str, os.PathLike)):
        if os.fspath(model) == "blank":
            from ..language import blank

            meta = blank().meta
        else:
            path = Path(model) / "meta.json"
            meta = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"name": os.fspath(model)}
    else:
        meta = getattr(model, "meta", {}) or {}
    return {"name": meta.get("name"), "version": meta.get("version")}
