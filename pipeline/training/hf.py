"""Fine-tuning ``transformers_relations``, the entity-marker relation classifier: :func:`train_relation_classifier`.

The recognisers no longer need this: with the transformers backend they are the same
components as with the CPU one, trained by spaCy's loop over ``pipeline.TransformerTok2Vec.v1``
(:mod:`pipeline.training.encoder`). The relation classifier is still a sequence classifier
of its own (its input is a marked text, not the Doc's tokens), fine-tuned here by a plain,
seeded torch loop; ``base_model`` is a local directory or a hub name (the latter needs the
hub, which this project's tests never use; ``tests/tiny_bert.py`` writes an offline
stand-in). It sits in the training layer, apart from :mod:`pipeline.components.hf_relations`,
because it aligns corpus records to tokens.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from ..components.hf import RELATION_LABELS, _torch, load_tokenizer, resolve_device, set_seed
from ..components.hf_relations import _add_markers, _crop, marked_text
from ..core.document import ECON_SPANS_KEY

if TYPE_CHECKING:  # pragma: no cover
    from ..language import KiwiKorean

logger = logging.getLogger(__name__)


# -- training ----------------------------------------------------------------------------


def _fine_tune(
    model,
    n_examples: int,
    encode: Callable[[list[int]], tuple[dict, Any]],
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    device: str,
    max_steps: int | None,
) -> list[float]:
    """A plain AdamW loop with linear warm-up (10 %) and decay; returns the mean loss per epoch.

    ``encode(indices)`` gives the model inputs and labels of one batch, so that
    tokenisation and label alignment happen per batch with dynamic padding.
    """
    torch = _torch()
    model.to(device).train()
    steps_per_epoch = math.ceil(n_examples / batch_size)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    if total == 0:
        raise ValueError("nothing to train on: no examples")
    warmup = max(1, total // 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: (step + 1) / warmup if step < warmup else max(0.0, (total - step) / max(1, total - warmup))
    )
    generator = torch.Generator().manual_seed(seed)
    losses, step = [], 0
    for epoch in range(epochs):
        epoch_loss, n = 0.0, 0
        for batch in torch.randperm(n_examples, generator=generator).split(batch_size):
            if step >= total:
                break
            inputs, labels = encode(batch.tolist())
            inputs = {k: v.to(device) for k, v in inputs.items()}
            loss = model(**inputs, labels=labels.to(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            epoch_loss, n, step = epoch_loss + loss.item(), n + 1, step + 1
        if n:
            losses.append(epoch_loss / n)
            logger.info("epoch %d: loss %.4f (%d steps)", epoch + 1, losses[-1], n)
    model.eval()
    return losses


def _model_inputs(enc) -> dict:
    return {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}


def relation_examples(docs: Iterable[Doc], max_sentences: int = 2) -> list[tuple[str, int]]:
    """(marked text, class id) for every candidate pair over the gold econ spans.

    A candidate is positive when the gold relations hold exactly that (head, tail,
    relation); every other candidate is a NONE example, as in :mod:`pipeline.components.relations`.
    """
    from ..components.relations import candidate_pairs

    out = []
    for doc in docs:
        spans = list(doc.spans.get(ECON_SPANS_KEY, []))
        gold = {(h, t, label) for h, t, label, *_ in (doc._.relations or [])}
        for i, j, label in candidate_pairs(doc, spans, max_sentences):
            out.append((marked_text(doc, spans[i], spans[j]), RELATION_LABELS.index(label) if (i, j, label) in gold else 0))
    return out


def train_relation_classifier(
    records: Iterable[dict],
    base_model: str | Path,
    output_dir: str | Path | None,
    *,
    base_pipeline: str | Path | Language | None = None,
    epochs: int = 3,
    lr: float = 5e-5,
    batch_size: int = 16,
    seed: int = 0,
    max_length: int = 256,
    max_sentences: int = 2,
    threshold: float = 0.5,
    max_steps: int | None = None,
    device: str = "auto",
) -> KiwiKorean:
    """Fine-tune ``base_model`` as the relation classifier and save a spaCy pipeline.

    Trained on the gold econ entities of ``records`` (the recogniser's errors are not
    this component's to learn). The component is added to ``base_pipeline`` — a
    saved pipeline path or a loaded pipeline, e.g. the one from
    :func:`train_token_classifier`, so that the result recognises and relates — or
    to a blank pipeline, which then needs ``doc.spans["econ"]`` set by someone else.
    """
    from transformers import AutoModelForSequenceClassification

    from ..language import blank
    from .data import to_docs

    torch = _torch()
    set_seed(seed)
    device = resolve_device(device)
    if base_pipeline is None:
        nlp = blank()
    elif isinstance(base_pipeline, Language):
        nlp = base_pipeline
    else:
        import spacy

        from .. import components  # noqa: F401  (the language and factories a saved pipeline names)

        nlp = spacy.load(base_pipeline)
    docs = to_docs(nlp, records, layer="econ")  # the pipeline's own Kiwi: same tokens as at prediction time
    examples = relation_examples(docs, max_sentences)
    tokenizer = load_tokenizer(base_model)
    _add_markers(tokenizer)
    examples = list(zip(_crop(tokenizer, [t for t, _ in examples], max_length), [y for _, y in examples]))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base_model),
        num_labels=len(RELATION_LABELS),
        id2label=dict(enumerate(RELATION_LABELS)),
        label2id={label: i for i, label in enumerate(RELATION_LABELS)},
    )
    _add_markers(tokenizer, model)
    counts = numpy.bincount([y for _, y in examples], minlength=len(RELATION_LABELS))
    logger.info("relation candidates: %s", dict(zip(RELATION_LABELS, counts.tolist())))

    def encode(batch: list[int]):
        enc = tokenizer([examples[i][0] for i in batch], truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        return _model_inputs(enc), torch.tensor([examples[i][1] for i in batch], dtype=torch.long)

    _fine_tune(model, len(examples), encode, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, device=device, max_steps=max_steps)
    config = {
        "max_length": max_length,
        "batch_size": max(batch_size, 32),
        "max_sentences": max_sentences,
        "threshold": threshold,
        "device": "auto",
    }
    rel = nlp.add_pipe("transformers_relations", config=config)
    rel.set_model(model, tokenizer)
    if output_dir is not None:
        nlp.to_disk(output_dir)
    return nlp
