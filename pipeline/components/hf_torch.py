"""The torch side of :mod:`pipeline.components.hf_encoder`: the module thinc wraps, and its safe (de)serialisation.

This module imports torch and transformers at the top, so only
:mod:`pipeline.components.hf_encoder` imports it, on first use: importing the components
(which registers the architecture) must stay cheap and work without torch.

:class:`SubwordPooler` holds the Hugging Face encoder *and* its tokenizer. The tokenizer
is no torch state, but it travels with the weights: a saved pipeline must load from its
own directory, offline, so the bytes thinc stores for the model (:func:`serialize`) carry
the encoder's config and tokenizer files beside the weights.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import srsly
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from transformers import AutoConfig, AutoModel

from .hf import _no_progress_bars, _pack_dir, _unpack_dir, load_tokenizer

#: Files of the serialised encoder (inside the model's msgpack): no pickle anywhere.
FORMAT = "econ-facts.hf-encoder.v1"
#: Windows per encoder call: spaCy predicts 256 Docs at a time (``[nlp] batch_size``), several
#: windows each; attention over all of them at once would need gigabytes.
WINDOWS_PER_PASS = 32


class SubwordPooler(torch.nn.Module):
    """Runs the encoder over subword windows and pools the window outputs into one row per Kiwi token.

    The inputs are built by :func:`pipeline.components.hf_encoder.encode_docs`: the
    windows' ``input_ids`` and ``attention_mask``, and for every (subword, token) pair
    the row of the flattened window output it reads (``rows``), the token it adds to
    (``tokens``) and its weight (``weights``: 1 for first-subword pooling, 1/n for the
    mean). ``index_add`` is differentiable, so gradients reach the encoder.
    """

    def __init__(self, transformer: torch.nn.Module, tokenizer) -> None:
        super().__init__()
        self.transformer = transformer
        self.tokenizer = tokenizer

    @property
    def width(self) -> int:
        return int(self.transformer.config.hidden_size)

    def forward(self, input_ids, attention_mask, rows, tokens, weights, n_tokens: int):
        hidden = torch.cat(
            [
                self.transformer(input_ids=ids, attention_mask=mask).last_hidden_state
                for ids, mask in zip(input_ids.split(WINDOWS_PER_PASS), attention_mask.split(WINDOWS_PER_PASS))
            ]
        )
        flat = hidden.reshape(-1, hidden.shape[-1])
        picked = flat.index_select(0, rows) * weights.unsqueeze(1).to(flat.dtype)
        return flat.new_zeros((n_tokens, flat.shape[-1])).index_add(0, tokens, picked)


def load_pretrained(name: str, *, local_files_only: bool) -> SubwordPooler:
    """The encoder and tokenizer of a hub name or local directory (only at ``initialize``; a saved pipeline never calls it)."""
    with _no_progress_bars():
        transformer = AutoModel.from_pretrained(name, local_files_only=local_files_only)
    return SubwordPooler(transformer, load_tokenizer(name, local_files_only=local_files_only))


def serialize(module: SubwordPooler) -> bytes:
    """msgpack of the config and tokenizer files (JSON/text) and the weights as safetensors bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        module.transformer.config.save_pretrained(tmp)
        module.tokenizer.save_pretrained(tmp)
        files = _pack_dir(Path(tmp))
    # safetensors refuses tensors that share storage (tied weights); a copy of each is what is saved anyway
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in module.transformer.state_dict().items()}
    return srsly.msgpack_dumps({"format": FORMAT, "files": files, "weights": save_safetensors(state)})


def deserialize(_default, data: bytes, device) -> SubwordPooler:
    """Rebuild the module from :func:`serialize`'s bytes: local files only, ``torch.load`` never called."""
    msg = srsly.msgpack_loads(data)
    if not isinstance(msg, dict) or msg.get("format") != FORMAT:
        raise ValueError(f"not a serialised {FORMAT} encoder (got {type(msg).__name__}); was the pipeline saved by another version?")
    with tempfile.TemporaryDirectory() as tmp:
        _unpack_dir(msg["files"], Path(tmp))
        config = AutoConfig.from_pretrained(tmp, local_files_only=True)
        tokenizer = load_tokenizer(tmp, local_files_only=True)
    transformer = AutoModel.from_config(config)
    transformer.load_state_dict(load_safetensors(msg["weights"]))
    return SubwordPooler(transformer, tokenizer).to(device)
