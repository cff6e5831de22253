"""One pipeline per model per process: the cache behind every way in.

``pipeline.load()``, ``pipeline.extract()``, ``pipeline.annotate()``, the batch
runner's model resolver (:func:`pipeline.runners.models.load_model`) and the CLI all come
here, so a process that loads the default model and then calls ``extract`` holds
one pipeline, not two (each costs seconds and, through its Kiwi tokenizer, hundreds
of MB). Kiwi itself is shared one level down, in :mod:`pipeline.language.tokens`: pipelines
that differ only in ``min_score`` or in config overrides build it once too.

A cached pipeline is keyed by what makes it differ: its directory, a fingerprint of
the files in it (a model saved again to the same directory is loaded afresh, not
served stale), ``min_score`` and the keyword arguments given to ``spacy.load``.
The same key always returns the same object, so changing that object (``add_pipe``,
a component's threshold) changes it for every later caller in the process: that is
the price of one pipeline per process, and :func:`clear` starts over.

spaCy is imported only when a pipeline is first built, so importing this module
(and ``pipeline``) stays cheap.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..language import KiwiKorean

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL = "ko_econ_default"

_PIPELINES: dict[tuple, Any] = {}
_LOCK = threading.RLock()


def _new_lock_in_child() -> None:
    # a fork while another thread builds would leave the child a lock nobody can release; the
    # cached pipelines themselves stay usable there (their tokenizers build a Kiwi of the child's own)
    global _LOCK
    _LOCK = threading.RLock()


os.register_at_fork(after_in_child=_new_lock_in_child)

#: How many times this process built each cached pipeline (the key as :func:`cache_key` makes it).
BUILDS: Counter = Counter()


def default_model_path() -> Path:
    """Where the shipped default pipeline lives (``models/ko_econ_default``)."""
    return MODELS_DIR / DEFAULT_MODEL


def resolve(name_or_path: str | Path | None) -> Path:
    """The directory a model name means: None the default, else a path, else a name under models/.

    Raises FileNotFoundError naming the path, so that a typo is reported before any loading.
    """
    path = Path(name_or_path) if name_or_path is not None else default_model_path()
    if not path.exists() and name_or_path is not None and (MODELS_DIR / str(name_or_path)).exists():
        path = MODELS_DIR / str(name_or_path)
    if not path.exists():
        raise FileNotFoundError(f"no pipeline at {path}: give a directory saved with nlp.to_disk()")
    return path


def _fingerprint(path: Path) -> tuple:
    """Names, sizes and mtimes of a model directory's top level: changes when the model is saved
    again (``nlp.to_disk`` rewrites config.cfg and meta.json and recreates the component
    directories). Only the top level, because every ``extract()`` call computes it."""
    if not path.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir()))


def _freeze(kwargs: dict) -> str:
    """``spacy.load``'s keyword arguments (lists, config dicts) as a hashable, order-free key."""
    return json.dumps(kwargs, sort_keys=True, default=repr)


def cache_key(name_or_path: str | Path | None = None, *, min_score: float | None = None, **kwargs) -> tuple:
    """The key :func:`load` caches a pipeline under (raises FileNotFoundError like :func:`resolve`)."""
    path = resolve(name_or_path).resolve()
    return (str(path), _fingerprint(path), None if min_score is None else float(min_score), _freeze(kwargs))


def load(name_or_path: str | Path | None = None, *, min_score: float | None = None, **kwargs) -> KiwiKorean:
    """The pipeline for these arguments, built on the first call in this process and then reused.

    See :func:`pipeline.load` for the arguments.
    """
    key = cache_key(name_or_path, min_score=min_score, **kwargs)
    with _LOCK:  # two threads asking at once must not build two
        nlp = _PIPELINES.get(key)
        if nlp is None:
            nlp = _build(Path(key[0]), min_score, kwargs)
            for stale in [k for k in _PIPELINES if k[0] == key[0] and k[1] != key[1]]:
                del _PIPELINES[stale]  # the model was saved again: its old pipelines are not served any more
            _PIPELINES[key] = nlp
            BUILDS[key] += 1
    return nlp


def _build(path: Path, min_score: float | None, kwargs: dict) -> KiwiKorean:
    import spacy

    # spaCy finds the "ko_kiwi" language, the Kiwi tokenizer and the component factories only
    # once their modules are imported, and `import pipeline` leaves them out (it must stay cheap)
    from .. import components  # noqa: F401

    nlp = spacy.load(path, **kwargs)
    if min_score is not None and "triple_assembler" in nlp.pipe_names:
        nlp.get_pipe("triple_assembler").min_score = float(min_score)
    return nlp


def shared_blank() -> KiwiKorean:
    """The tokenizer-only pipeline the batch runner uses for ``-m blank``, one per process.

    (:func:`pipeline.blank` itself returns a new pipeline each time: callers add components to it.)
    """
    key = ("blank",)
    with _LOCK:
        nlp = _PIPELINES.get(key)
        if nlp is None:
            from ..language import blank

            nlp = _PIPELINES[key] = blank()
            BUILDS[key] += 1
    return nlp


def clear() -> None:
    """Forget every cached pipeline (the next :func:`load` builds again); frees them if nothing else holds them."""
    with _LOCK:
        _PIPELINES.clear()
