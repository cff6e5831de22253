"""The Hugging Face plumbing: torch/transformers on first use, devices and seeds, tokenizers, safe saving.

Two things use it. :mod:`pipeline.components.hf_encoder` (``pipeline.TransformerTok2Vec.v1``)
makes a pre-trained encoder (``klue/roberta-base``) the tok2vec of the project's own
recognisers, so the transformers backend is a config change, not a second family of
components. :mod:`pipeline.components.hf_relations` (``transformers_relations``) is the one
component of its own that remains: an entity-marker sequence classifier of candidate pairs,
whose input is a marked text rather than a Doc's tokens; ``_HFPipe`` here is its ``Pipe``
(holding an HF model + tokenizer, a device, safe (de)serialisation), and
:mod:`pipeline.training.hf` fine-tunes it.

Serialisation never pickles: weights are written with safetensors, tokenizers as their
JSON/text files, settings as JSON; loading reads local files only. torch and transformers
are imported on first use, so importing the components (which registers the factories and
architectures) is cheap and works without them; running or training needs them.
"""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy
import srsly
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import minibatch

from ..core.schema import RELATION_SIGNATURES
from ..language import extensions  # noqa: F401  (doc._.relations, doc._.relation_scores)

if TYPE_CHECKING:  # pragma: no cover
    pass

logger = logging.getLogger(__name__)

#: Relation classes; index 0 is "no relation", as in :mod:`pipeline.components.relations`.
RELATION_LABELS = ("NONE", *RELATION_SIGNATURES)
#: Entity markers added to the tokenizer as special tokens (never split, never lowercased).
MARKERS = ("[E1]", "[/E1]", "[E2]", "[/E2]")
MODEL_DIR = "model"
CFG_FILE = "cfg.json"


# -- shared plumbing -------------------------------------------------------------------


def _torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the transformers backend needs torch and transformers: install the CPU build of torch, then `pip install econ-facts[transformers]`"
        ) from exc
    return torch


def resolve_device(device: str | None = "auto") -> str:
    """``"auto"`` (or None) picks CUDA when torch sees a GPU, else the CPU."""
    if device in (None, "", "auto"):
        return "cuda" if _torch().cuda.is_available() else "cpu"
    return device


def set_seed(seed: int) -> None:
    """Seed Python, numpy and torch (all devices): classification heads are initialised
    randomly on load, and batches are shuffled, so both depend on it."""
    torch = _torch()
    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


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
def _no_progress_bars():
    """transformers 5 draws a progress bar per save; keep the CLI's output clean."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def save_model(model, tokenizer, path: str | Path) -> None:
    """Weights as safetensors, the tokenizer as its own (JSON/text) files."""
    import inspect

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    # transformers 4 needs the flag; 5 writes safetensors only and no longer takes it
    kwargs = {"safe_serialization": True} if "safe_serialization" in inspect.signature(model.save_pretrained).parameters else {}
    with _no_progress_bars():
        model.save_pretrained(str(path), **kwargs)
    tokenizer.save_pretrained(str(path))


def _pack_dir(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _unpack_dir(files: dict[str, bytes], path: Path) -> None:
    for rel, data in files.items():
        target = (path / rel).resolve()
        if path.resolve() not in target.parents:
            raise ValueError(f"refusing to write {rel!r} outside {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class _HFPipe(Pipe):
    """What both components share: holding an HF model + tokenizer, moving it to a
    device, and (de)serialising it safely.

    A component is created by its factory without weights (that is how spaCy builds
    a pipeline before ``from_disk``); :meth:`set_model` or :meth:`from_disk` gives it
    one. ``to_bytes`` packs the same files as ``to_disk`` into msgpack, and
    ``__reduce__`` goes through it, so even pickling a pipeline (for worker
    processes) carries safetensors, not pickled tensors.
    """

    auto_class = "AutoModel"
    #: settings fixed by the trained model, restored from cfg.json on load
    model_keys: tuple[str, ...] = ()

    def __init__(self, vocab, name: str, cfg: dict) -> None:
        self.vocab = vocab
        self.name = name
        self.cfg = dict(cfg)
        self.model = None
        self.tokenizer = None
        self._device = None

    # -- model -------------------------------------------------------------------

    def set_model(self, model, tokenizer) -> None:
        """Use this fine-tuned model and its tokenizer (in eval mode, on the configured device)."""
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("the transformers backend needs a fast tokenizer")
        self._device = resolve_device(self.cfg.get("device", "auto"))
        self.model = model.to(self._device).eval()
        self.tokenizer = tokenizer

    def _require_model(self) -> None:
        if self.model is None:
            raise ValueError(f"component {self.name!r} has no model: train it (train_*_classifier) or load a saved pipeline")

    def _forward_probs(self, enc) -> Any:
        """Softmax over the classes for a tokenised batch (inference mode, on the device), as numpy."""
        torch = _torch()
        inputs = {k: v.to(self._device) for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.inference_mode():
            logits = self.model(**inputs).logits
        return torch.softmax(logits.float(), dim=-1).cpu().numpy()

    # -- serialisation -----------------------------------------------------------

    def _saved_cfg(self) -> dict:
        return {k: v for k, v in self.cfg.items() if k != "device"}

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / CFG_FILE, self._saved_cfg())
        if self.model is not None:
            save_model(self.model, self.tokenizer, path / MODEL_DIR)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> _HFPipe:
        import transformers

        path = Path(path)
        if (path / CFG_FILE).exists():
            # what describes the saved model comes from it; run-time settings (max_length,
            # batch_size, threshold, device, …) stay as configured, so config overrides at
            # load time (spacy.load(path, config={...})) take effect
            saved = srsly.read_json(path / CFG_FILE)
            self.cfg.update({k: saved[k] for k in self.model_keys if k in saved})
        model_dir = path / MODEL_DIR
        if model_dir.is_dir():
            auto = getattr(transformers, self.auto_class)
            with _no_progress_bars():
                model = auto.from_pretrained(str(model_dir), local_files_only=True, use_safetensors=True)
            self.set_model(model, load_tokenizer(model_dir, local_files_only=True))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            self.to_disk(tmp)
            return srsly.msgpack_dumps({"files": _pack_dir(Path(tmp))})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> _HFPipe:
        with tempfile.TemporaryDirectory() as tmp:
            _unpack_dir(srsly.msgpack_loads(data)["files"], Path(tmp))
            return self.from_disk(tmp)

    def __reduce__(self):
        return _rebuild_pipe, (type(self), self.vocab, self.name, dict(self.cfg), self.to_bytes())

    # -- running -----------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as exc:
                error_handler(self.name, self, docs, exc)

    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp=None) -> None:
        """Nothing to do: weights come from the training functions of this module."""

    def predict(self, docs: list[Doc]):  # pragma: no cover - abstract
        raise NotImplementedError

    def set_annotations(self, docs: list[Doc], predictions) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _rebuild_pipe(cls, vocab, name, cfg, data):
    pipe = cls(vocab, name, cfg)
    return pipe.from_bytes(data)
