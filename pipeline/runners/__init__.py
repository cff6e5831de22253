"""The runners layer: what drives a pipeline over many inputs.

:mod:`.loading` finds and caches pipelines (``pipeline.load``), :mod:`.models` resolves the
model a run names, :mod:`.batch` is ``python -m pipeline annotate`` (reading with
:mod:`.annotate`, :mod:`.workers` and writing through :mod:`.sink`), :mod:`.distributed`
the same over Dask, and :mod:`.hf_datasets` over a ``datasets.Dataset``. Runners import
from the core, language, components and I/O layers below them.
"""
