"""The fact store over a Dask run: merge per shard on the workers, then across shards.

Each shard of a distributed annotate run (``manifest.json`` lists them) is read and
prepared on a worker — the article rows, MinHash band keys and mention keys of
:func:`pipeline.facts.mentions.prepare`, the costly per-article half — and the client
stores each shard's rows as it completes, then clusters across all shards once
(:meth:`FactStore.finish`). The result is the same store a local run builds from the
same records.
"""

from __future__ import annotations

import json
from pathlib import Path

from .mentions import Prepared, prepare
from .store import FactStore, RunReport
from .table import read_annotated


def prepare_shard(path: str) -> Prepared:
    """The prepared rows of one shard file (runs on a worker)."""
    return prepare(read_annotated([path]))


def build(run_dir: str | Path, store: str | Path, *, client=None, scheduler: str | None = None, n_workers: int | None = None) -> FactStore:
    """Add the articles of the distributed run in ``run_dir`` to ``store``; return it open.

    The cluster: ``client``, else one connected to ``scheduler``, else a ``LocalCluster`` of
    ``n_workers`` single-threaded processes, closed at the end.
    """
    from distributed import as_completed

    from ..runners.distributed import cluster_client

    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    shards = [str((run_dir / entry["output"]).resolve()) for entry in manifest["shards"]]
    fs = FactStore(store)
    report = RunReport()
    try:
        with cluster_client(client, scheduler, n_workers) as client:
            for future in as_completed(client.map(prepare_shard, shards, pure=False)):
                fs.ingest(future.result(), report)
                future.release()
        fs.finish(report, str(run_dir))
    except BaseException:
        fs.close()
        raise
    return fs
