"""``pipeline.TransformerTok2Vec.v1``: a Hugging Face encoder as a tok2vec, one row per Kiwi token.

The project's components (``econ_spancat``, spaCy's ``ner``) take a tok2vec sublayer; this
architecture lets a pre-trained encoder (``klue/roberta-base``) stand in for the CPU
``spacy.Tok2Vec.v2`` without a second family of components: the same recognisers, the same
spaCy training loop (``nlp.update`` fine-tunes the encoder through thinc's
``PyTorchWrapper_v3``), the same saved-pipeline format. ``python -m pipeline train
--backend transformers`` swaps it into the configs (:mod:`pipeline.training.encoder`)::

    [components.econ_ner.model.tok2vec]
    @architectures = "pipeline.TransformerTok2Vec.v1"
    name = "klue/roberta-base"
    max_length = 256
    stride = 192
    pooling = "mean"
    width = null

Why rows per Kiwi token: spans must index the original text exactly (SCHEMA.md), and a
span built from Doc tokens has exact offsets by construction. Each Kiwi token is a "word"
for the encoder's tokenizer (``is_split_into_words``); its row pools its subwords
(``first`` or ``mean``); a token with no subword (white space, a zero-width space) gets a
zero row.

Why windows: a news article is longer than the encoder's ``max_length``. Truncating would
leave tokens without rows, so each Doc's subwords are cut into windows of ``max_length``
(special tokens included) that start ``stride`` subwords apart, and every subword is read
from the window where it is farthest from an edge (:func:`window_plan`): with an overlap of
``max_length - specials - stride`` subwords, no subword is closer than half of it to a
window edge, except at the Doc's own ends.

Why lazy: the architecture is built whenever a config is resolved, including when a saved
pipeline loads, which must not touch the hub. The encoder is fetched by ``name`` at
``initialize`` only; a saved pipeline rebuilds it from its own bytes
(:mod:`pipeline.components.hf_torch`: config and tokenizer files + safetensors weights,
never pickle). torch and transformers are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Linear, Model, chain, with_array
from thinc.types import Floats2d

POOLINGS = ("first", "mean")


# -- windows (pure Python: no torch needed) -----------------------------------------------


def window_starts(n: int, size: int, stride: int) -> list[int]:
    """Starts of windows of ``size`` subwords, ``stride`` apart, covering ``n`` subwords (the last one ends at ``n``)."""
    if n <= size:
        return [0]
    starts = list(range(0, n - size + 1, stride))
    if starts[-1] + size < n:
        starts.append(n - size)
    return starts


def window_plan(n: int, size: int, stride: int) -> tuple[list[int], list[tuple[int, int]]]:
    """The window starts, and for each subword position ``(window, position in window)``.

    A subword is read from the window where its distance to the nearer edge is largest
    (the earlier window on a tie), so that it sees context on both sides.
    """
    starts = window_starts(n, size, stride)
    owner: list[tuple[int, int]] = []
    k = 0
    for p in range(n):
        while k < len(starts) and starts[k] + size <= p:
            k += 1
        best, best_margin = k, -1
        for j in range(k, len(starts)):
            s = starts[j]
            if s > p:
                break
            margin = min(p - s, min(s + size, n) - 1 - p)
            if margin > best_margin:
                best, best_margin = j, margin
        owner.append((best, p - starts[best]))
    return starts, owner


# -- inputs and outputs of the wrapped torch module ------------------------------------------


def special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a single sequence (``[CLS]``/``[SEP]``, ``<s>``/``</s>``).

    Read off an encoded one-word input, since transformers 5's fast tokenizers no longer
    add special tokens to a list of ids themselves.
    """
    enc = tokenizer([["a"]], is_split_into_words=True, add_special_tokens=True)
    ids, word_ids = enc["input_ids"][0], enc.word_ids(0)
    inside = [i for i, w in enumerate(word_ids) if w is not None]
    return list(ids[: inside[0]]), list(ids[inside[-1] + 1 :])


def encode_docs(module, docs: Sequence[Doc], settings: dict, device) -> ArgsKwargs:
    """Tokenise each Doc's tokens, cut the windows, and build :class:`~pipeline.components.hf_torch.SubwordPooler`'s inputs."""
    import torch

    tokenizer = module.tokenizer
    prefix, suffix = special_tokens(tokenizer)
    size = settings["max_length"] - len(prefix) - len(suffix)
    if size < 1:
        raise ValueError(f"max_length {settings['max_length']} leaves no room for subwords next to the special tokens")
    stride = min(settings["stride"], size)
    words = [[t.text for t in doc] for doc in docs]
    nonempty = [i for i, w in enumerate(words) if w]
    # whole Docs, longer than the encoder's limit (verbose=False: no warning about it; the windows take care of it)
    enc = tokenizer([words[i] for i in nonempty], is_split_into_words=True, add_special_tokens=False, verbose=False) if nonempty else None
    windows: list[list[int]] = []  # subword ids of each window, without special tokens
    links: list[tuple[int, int, int, float]] = []  # (window, position in window, token, weight)
    offset = 0  # row of the Doc's first token in the output
    row_of_batch = {i: b for b, i in enumerate(nonempty)}
    for d, doc in enumerate(docs):
        if d in row_of_batch:
            b = row_of_batch[d]
            ids, word_ids = enc["input_ids"][b], enc.word_ids(b)
            counts = [0] * len(doc)
            for w in word_ids:
                counts[w] += 1
            starts, owner = window_plan(len(ids), size, stride)
            base = len(windows)
            windows.extend(ids[s : s + size] for s in starts)
            seen = [False] * len(doc)
            for p, w in enumerate(word_ids):
                if settings["pooling"] == "first":
                    if seen[w]:
                        continue
                    seen[w] = True
                    weight = 1.0
                else:
                    weight = 1.0 / counts[w]
                k, at = owner[p]
                links.append((base + k, at, offset + w, weight))
        offset += len(doc)
    if not windows:  # nothing to encode: one empty window keeps the output attached to the encoder
        windows.append([])
    built = [prefix + w + suffix for w in windows]
    width = max(len(b) for b in built)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = torch.full((len(built), width), pad, dtype=torch.long)
    mask = torch.zeros((len(built), width), dtype=torch.long)
    for i, b in enumerate(built):
        input_ids[i, : len(b)] = torch.tensor(b, dtype=torch.long)
        mask[i, : len(b)] = 1
    rows = torch.tensor([k * width + len(prefix) + at for k, at, _, _ in links], dtype=torch.long)
    tokens = torch.tensor([t for *_, t, _ in links], dtype=torch.long)
    weights = torch.tensor([w for *_, w in links], dtype=torch.float32)
    args = (input_ids.to(device), mask.to(device), rows.to(device), tokens.to(device), weights.to(device), offset)
    return ArgsKwargs(args=args, kwargs={})


def _convert_inputs(model: Model, docs: Sequence[Doc], is_train: bool, *, settings: dict) -> tuple[ArgsKwargs, Callable]:
    shim = model.shims[0]
    if shim._model is None:
        raise ValueError(
            "pipeline.TransformerTok2Vec.v1 has no encoder yet: initialize the pipeline (nlp.initialize) or load a trained one"
        )
    return encode_docs(shim._model, docs, settings, shim.device), lambda d_inputs: []


def _convert_outputs(model: Model, docs_output: tuple[Sequence[Doc], Any], is_train: bool) -> tuple[list[Floats2d], Callable]:
    from thinc.api import torch2xp, xp2torch

    docs, Ytorch = docs_output
    Y = torch2xp(Ytorch)
    lengths = [len(doc) for doc in docs]
    Ys = model.ops.unflatten(Y, model.ops.asarray1i(lengths)) if Y.shape[0] else [Y[:0] for _ in docs]

    def backprop(dYs: list[Floats2d]) -> ArgsKwargs:
        dY = model.ops.flatten(dYs) if dYs else Y[:0]
        return ArgsKwargs(args=((Ytorch,),), kwargs={"grad_tensors": (xp2torch(dY, device=model.shims[0].device),)})

    return Ys, backprop


# -- the architecture ------------------------------------------------------------------------


def _forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Floats2d], Callable]:
    if not docs:
        return [], lambda dYs: []
    return model.layers[0](docs, is_train)


def _init(model: Model, X: list[Doc] | None = None, Y=None) -> None:
    """Fetch the encoder by ``name`` (first initialisation only: a loaded or already-trained one is kept)."""
    wrapper = model.layers[0]
    shim = wrapper.shims[0]
    if shim._model is None:
        from thinc.util import get_torch_default_device

        from .hf_torch import load_pretrained

        attrs = model.attrs
        shim._model = load_pretrained(attrs["name"], local_files_only=attrs["local_files_only"]).to(get_torch_default_device())
    width = shim._model.width
    wrapper.set_dim("nO", width)
    model.set_dim("nO", width)


def _serialize(module) -> bytes:
    from .hf_torch import serialize

    return serialize(module)


def _deserialize(default, data: bytes, device):
    from .hf_torch import deserialize

    return deserialize(default, data, device)


@registry.architectures("pipeline.TransformerTok2Vec.v1")
def build_transformer_tok2vec(
    name: str,
    local_files_only: bool = False,
    max_length: int = 256,
    stride: int = 192,
    pooling: str = "mean",
    width: int | None = None,
) -> Model[list[Doc], list[Floats2d]]:
    """A pre-trained encoder as a tok2vec: ``list[Doc]`` → one ``(len(doc), width)`` array per Doc.

    ``name``: hub name or local directory, read at ``initialize`` only;
    ``local_files_only``: never reach the hub; ``max_length``: subwords per window,
    special tokens included (at most the encoder's position limit); ``stride``: subwords
    between window starts (≤ the window's content size; smaller = more overlap, more
    compute); ``pooling``: ``first`` or ``mean`` of a token's subwords; ``width``: a Linear
    layer to this width on top (None: the encoder's hidden size).
    """
    from thinc.api import PyTorchWrapper_v3

    from .hf import _torch

    _torch()  # a clear error when torch/transformers are missing
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    if max_length < 3 or stride < 1:
        raise ValueError(f"max_length ({max_length}) must be at least 3 and stride ({stride}) at least 1")
    wrapper = PyTorchWrapper_v3(
        None,  # built at initialize (from `name`) or from_bytes (from the saved pipeline)
        # bound, not in attrs: attrs are saved with the model and would override the config on load
        convert_inputs=partial(_convert_inputs, settings={"max_length": max_length, "stride": stride, "pooling": pooling}),
        convert_outputs=_convert_outputs,
        serialize_model=_serialize,
        deserialize_model=_deserialize,
    )
    encoder: Model[list[Doc], list[Floats2d]] = Model(
        "transformer_tok2vec",
        _forward,
        init=_init,
        layers=[wrapper],
        dims={"nO": None},
        attrs={"name": name, "local_files_only": local_files_only},
    )
    if width is None:
        return encoder
    return chain(encoder, with_array(Linear(nO=width)))
