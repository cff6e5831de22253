"""One pipeline per model per process: the cache behind every way in.

``pipeline.load()``, ``pipeline.extract()``, ``pipeline.annotate()``, the batch
runner's model reference (:meth:`pipeline.runners.models.ModelRef.load`) and the CLI all come
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

The default model is found where it is installed: first as a model package
(``pip install ./packages/ko_econ_default``, spaCy's convention, so that a plain
non-editable install works from any directory), then in a source checkout's
``models/`` directory, where the training writes it (development).

spaCy is imported only when a pipeline is first built, so importing this module
(and ``pipeline``) stays cheap.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
import os
import threading
import warnings
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


def installed_model_path(name: str) -> Path | None:
    """The pipeline directory inside an installed spaCy model package ``name``, or None.

    A model package (spaCy's convention, as ``spacy package`` writes it) keeps ``meta.json``
    beside its ``__init__.py`` and the pipeline in ``<lang>_<name>-<version>/``; its ``load()``
    loads that directory, so loading the directory here gives the same pipeline while the
    cache below keys it by path like any other. The package is found, not imported (its
    ``__init__`` imports spaCy), and only for plain module names.
    """
    if not name.isidentifier():  # a path, or a dotted name whose parent find_spec would import
        return None
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in map(Path, spec.submodule_search_locations):
        if (root / "meta.json").is_file():
            meta = json.loads((root / "meta.json").read_text(encoding="utf-8"))
            data = root / f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
            if (data / "config.cfg").is_file():
                return data
    return None


def default_model_path() -> Path:
    """Where the shipped default pipeline lives: the installed ``ko_econ_default`` package's
    pipeline directory, else a checkout's ``models/ko_econ_default``."""
    return installed_model_path(DEFAULT_MODEL) or MODELS_DIR / DEFAULT_MODEL


def resolve(name_or_path: str | Path | None) -> Path:
    """The directory a model name means: None the default, else a path, else an installed model
    package of that name, else a name under a checkout's models/.

    Raises FileNotFoundError naming the path, so that a typo is reported before any loading.
    """
    if name_or_path is None:
        path = default_model_path()
    else:
        path = Path(name_or_path)
        if not path.exists():
            in_checkout = MODELS_DIR / str(name_or_path)
            path = installed_model_path(str(name_or_path)) or (in_checkout if in_checkout.exists() else path)
    if not path.exists():
        hint = ""
        if name_or_path in (None, DEFAULT_MODEL):
            hint = f", or install the model package (pip install ./packages/{DEFAULT_MODEL} in a checkout)"
        raise FileNotFoundError(f"no pipeline at {path}: give a directory saved with nlp.to_disk(){hint}")
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

    _warn_if_checkout_differs(path)
    nlp = spacy.load(path, **kwargs)
    if min_score is not None and "triple_assembler" in nlp.pipe_names:
        nlp.get_pipe("triple_assembler").min_score = float(min_score)
    return nlp


def _warn_if_checkout_differs(path: Path) -> None:
    """Warn when the installed model package is loaded while this checkout's ``models/`` holds
    another version of it: after retraining into ``models/ko_econ_default``, ``pipeline.load()``
    would otherwise keep serving the installed copy without a word."""
    checkout = MODELS_DIR / DEFAULT_MODEL
    if path != installed_model_path(DEFAULT_MODEL) or not checkout.is_dir():
        return
    ours = {p.relative_to(checkout): p for p in checkout.rglob("*") if p.is_file() and p.name != "README.md"}
    theirs = {p.relative_to(path): p for p in path.rglob("*") if p.is_file() and p.name != "README.md"}
    if ours.keys() == theirs.keys() and all(filecmp.cmp(ours[k], theirs[k], shallow=False) for k in ours):
        return
    warnings.warn(
        f"loading the installed {DEFAULT_MODEL} package ({path}), which differs from {checkout} in this checkout: "
        f"reinstall it (pip install ./packages/{DEFAULT_MODEL}) or load the directory by its path",
        stacklevel=3,
    )


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
