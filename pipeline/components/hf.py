"""The Hugging Face plumbing of :mod:`pipeline.components.hf_encoder`: torch on first use, fast tokenizers, quiet saving, file packing.

The transformers backend is one architecture, ``pipeline.TransformerTok2Vec.v1``
(:mod:`pipeline.components.hf_encoder`), the tok2vec of the project's own recognisers and
relation extractor; there are no transformers components of their own. This module holds
what needs no torch import at the top, so that importing the components (which registers
the architectures) is cheap and works without torch and transformers; building or running
the encoder needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _torch():
    """torch, or an ImportError that says what to install."""
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the transformers backend needs torch and transformers: install the CPU build of torch, then `pip install econ-facts[transformers]`"
        ) from exc
    return torch


def load_tokenizer(name_or_path: str | Path, *, local_files_only: bool = False):
    """A *fast* tokenizer: only fast tokenizers report ``word_ids()``, which maps
    subwords back to Kiwi tokens. Byte-level BPE tokenizers need ``add_prefix_space``
    for pre-split words."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(name_or_path), local_files_only=local_files_only)
    if not getattr(tok, "is_fast", False):
        raise ValueError(f"{name_or_path}: the transformers backend needs a fast tokenizer (tokenizer.json), got {type(tok).__name__}")
    if getattr(tok, "add_prefix_space", None) is False:
        tok = AutoTokenizer.from_pretrained(str(name_or_path), local_files_only=local_files_only, add_prefix_space=True)
    return tok


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    """transformers 5 draws a progress bar per load/save; keep the CLI's output clean."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def _pack_dir(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` by relative name (config and tokenizer files travel inside the model's msgpack)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _unpack_dir(files: dict[str, bytes], path: Path) -> None:
    """Write :func:`_pack_dir`'s files back under ``path``, refusing names that would escape it."""
    for rel, data in files.items():
        target = (path / rel).resolve()
        if path.resolve() not in target.parents:
            raise ValueError(f"refusing to write {rel!r} outside {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
