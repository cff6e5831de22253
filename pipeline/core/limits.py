"""The sizes the batch runner works in, apart from the runner itself.

They live here, with nothing to import, so that ``python -m pipeline annotate --help``
can show them without loading :mod:`pipeline.runners.batch` (multiprocessing, the writers)."""

#: Documents a batch (the unit sent to a worker process, and Kiwi's batch).
DEFAULT_BATCH_SIZE = 64
#: Characters a batch at most, so that a batch of long documents stays small.
BATCH_CHARS = 200_000
