"""Annotating a Hugging Face ``datasets.Dataset``: :func:`annotate_dataset` (``pipeline.annotate_dataset``)."""

from __future__ import annotations

from ..core.arrow import annotation_features
from ..core.limits import DEFAULT_BATCH_SIZE
from ..io.records import MAX_CHARS, Failure, Item, check_text
from .annotate import annotate_texts
from .models import ModelLike, ModelRef


class DatasetAnnotator:
    """The function :func:`annotate_dataset` maps: picklable, loads its model once per process."""

    def __init__(self, model: ModelRef, text_column: str, max_chars: int) -> None:
        self.model = model
        self.text_column = text_column
        self.max_chars = max_chars

    def __call__(self, batch: dict) -> dict:
        nlp = self.model.load()
        texts = batch[self.text_column]
        checked = [check_text("dataset", i, None, t, text_field=self.text_column, max_chars=self.max_chars) for i, t in enumerate(texts)]
        todo = [c.text for c in checked if isinstance(c, Item)]
        done = iter(annotate_texts(nlp, todo))
        from ..core.arrow import annotation_columns, annotation_schema

        out: dict[str, list] = {name: [] for name in annotation_schema().names + ["annotation_error"]}
        for c in checked:
            rec = c.reason if isinstance(c, Failure) else next(done)
            error = rec if isinstance(rec, str) else None
            cols = annotation_columns({} if error is not None else rec.to_dict())
            for key, value in cols.items():
                out[key].append(value)
            out["annotation_error"].append(error)
        return out


def annotate_dataset(
    dataset,
    *,
    nlp=None,
    model: ModelLike = None,
    text_column: str = "text",
    num_proc: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_chars: int = MAX_CHARS,
):
    """Add the annotations to a ``datasets.Dataset`` as columns, via ``Dataset.map(batched=True)``.

    New columns: ``sentences``, ``entities``, ``relations``, ``triples`` (SCHEMA.md's
    fields as lists of structs, typed as in the Parquet output) and
    ``annotation_error`` (None, or why the row's text could not be annotated — its
    annotation columns are then empty; no row is dropped). The pipeline is ``nlp``,
    or the model named by ``model`` (default: the shipped one; a
    :class:`~pipeline.runners.models.ModelRef` too), loaded once per process (``num_proc`` > 1).
    Raises FileNotFoundError before mapping when a named model is not there.
    """
    annotator = DatasetAnnotator(ModelRef.of(nlp if nlp is not None else model), text_column, max_chars)
    features = dataset.features.copy()
    features.update(annotation_features())
    return dataset.map(annotator, batched=True, batch_size=batch_size, num_proc=num_proc, features=features, desc="annotating")
