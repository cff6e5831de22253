"""The transformers backend as a config change: the same recognisers with ``pipeline.TransformerTok2Vec.v1`` as tok2vec.

``python -m pipeline train --backend transformers --base-model NAME`` trains exactly what the
spaCy backend trains (``econ_spancat`` or the ``econ_ner`` parser, spaCy's ``ner``, the
relation extractor, the assembler) with spaCy's own loop; only the tok2vec sublayer of
``ner.cfg``/``spancat.cfg`` and the optimiser differ, and the relation extractor's model
(``pipeline.RelationEncoder.v1`` over :meth:`EncoderSettings.tok2vec`, see
:func:`pipeline.training.train.train_relations`). Writing the changed config into the work
directory (instead of a third .cfg file to keep in step with the two) keeps one source for
everything else, and the trained pipeline's ``config.cfg`` records what was swapped in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spacy.util import load_config


@dataclass(frozen=True)
class EncoderSettings:
    """What ``--backend transformers`` changes. The optimiser follows the usual fine-tuning recipe:
    one small learning rate with linear warm-up and decay, no parameter averaging (which would
    keep a second copy of every encoder weight)."""

    name: str = "klue/roberta-base"
    local_files_only: bool = False
    max_length: int = 256
    stride: int = 192
    pooling: str = "mean"
    width: int | None = None
    learn_rate: float = 5e-5
    warmup: float = 0.1
    max_epochs: int = 0

    def tok2vec(self) -> dict:
        return {
            "@architectures": "pipeline.TransformerTok2Vec.v1",
            "name": self.name,
            "local_files_only": self.local_files_only,
            "max_length": self.max_length,
            "stride": self.stride,
            "pooling": self.pooling,
            "width": self.width,
        }


def encoder_config(base: Path, settings: EncoderSettings, output: Path, *, max_steps: int) -> Path:
    """Write ``base`` (ner.cfg or spancat.cfg) with the encoder as every component's tok2vec to ``output``; return it."""
    config = load_config(base, interpolate=False)
    swapped = []
    for name, component in config["components"].items():
        model = component.get("model", {})
        if "tok2vec" in model:
            model["tok2vec"] = settings.tok2vec()
            swapped.append(name)
    if not swapped:
        raise ValueError(f"{base}: no component has a model.tok2vec to replace")
    training = config["training"]
    training["optimizer"]["use_averages"] = False
    training["optimizer"]["learn_rate"] = {
        "@schedules": "warmup_linear.v1",
        "warmup_steps": max(1, int(max_steps * settings.warmup)),
        "total_steps": max(1, max_steps),
        "initial_rate": settings.learn_rate,
    }
    training["max_epochs"] = settings.max_epochs
    output.parent.mkdir(parents=True, exist_ok=True)
    config.to_disk(output)
    return output
