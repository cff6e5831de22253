"""Batch annotation over a Dask cluster (``dask.distributed``).

The inputs are cut into shards — JSONL by line ranges, Parquet by row groups, other
files whole (small ``.txt`` files grouped) — and each shard is annotated by one
task on a worker, with the same code as a local run (:mod:`pipeline.runners.batch`). The
model is loaded once per worker: a :class:`ModelPlugin` loads a named model when
the worker starts (and on workers that join later); a pipeline object is scattered
to every worker once. Each shard writes ``shard-NNNNN.jsonl`` (or ``.parquet``) and,
if any of its records failed, ``shard-NNNNN.errors.jsonl`` under the output directory,
renamed into place when complete, then ``shard-NNNNN.done.json``; the client writes ``manifest.json`` with
every shard and the totals at the end. The shards in index order hold the records
in input order, exactly those of a local run (:func:`read_records`).

Workers must see the input files and the output directory at the same paths as
the client (a shared file system), and the model where it is named.

Why one module over 400 lines: the shard plan, the task that runs on a worker and the client
that resumes a run all read and write the same shard files and manifest; kept together, the
format they share is defined in one place.

>>> from pipeline.runners import distributed
>>> manifest = distributed.annotate(["corpus/"], "out/", scheduler="tcp://scheduler:8786")
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core.limits import DEFAULT_BATCH_SIZE
from ..io import readers
from ..io.formats import _starts_with
from ..io.records import MAX_CHARS, Record
from ..io.writers import ErrorsWriter, JsonlWriter, ParquetFileWriter
from .annotate import annotate_items, batches
from .models import ModelLike, ModelRef
from .sink import Sink, Summary
from .workers import _quiet_threads

try:
    from distributed import WorkerPlugin
except ImportError:  # dask is an optional extra: the plan and the shard task work without it
    WorkerPlugin = object

MANIFEST = "manifest.json"
DEFAULT_SHARD_SIZE = 10_000


@dataclass
class Piece:
    """Part of one input: the whole file, a byte range of lines, or some row groups."""

    path: str  # where workers read it (absolute)
    name: str  # the input as named: recorded in sources and ids
    byte_range: list | None = None  # [start, end or None], at line starts
    first_line: int = 1
    row_groups: list | None = None


@dataclass
class Shard:
    index: int
    pieces: list[Piece] = field(default_factory=list)
    size: int = 0  # records, or an estimate

    def stem(self) -> str:
        return f"shard-{self.index:05d}"

    def spec(self) -> dict:
        return {"index": self.index, "pieces": [asdict(p) for p in self.pieces]}


def plan_shards(inputs: list[str], *, shard_size: int = DEFAULT_SHARD_SIZE) -> list[Shard]:
    """Cut ``inputs`` into shards of about ``shard_size`` records, in input order."""
    shards: list[Shard] = []
    small: Shard | None = None  # whole small files, grouped

    def close_small() -> None:
        nonlocal small
        if small is not None and small.pieces:
            shards.append(small)
        small = None

    def add(pieces: list[Piece], size: int) -> None:
        close_small()
        shards.append(Shard(len(shards), pieces, size))

    for name in readers.expand(inputs):
        if name == "-":
            raise ValueError("standard input cannot be sharded: give files")
        path = Path(name)
        full = str(path.resolve())
        kind = readers.kind_of(path)
        if kind in (".jsonl", ".json") and not _is_json_array(path):
            size = path.stat().st_size
            bounds = [(off, line) for off, line in readers.line_offsets(path, shard_size) if off == 0 or off < size]
            for (start, line), nxt in zip(bounds, bounds[1:] + [(None, None)]):
                add([Piece(full, name, [start, nxt[0]], line)], shard_size)
        elif kind == ".parquet":
            for groups, rows in _row_group_runs(path, shard_size):
                add([Piece(full, name, row_groups=groups)], rows)
        elif kind == ".txt":
            if small is None:
                small = Shard(len(shards))
            small.pieces.append(Piece(full, name))
            small.size += 1
            if small.size >= shard_size:
                close_small()
        else:  # .jsonl.gz, .csv, a JSON array: read whole
            add([Piece(full, name)], shard_size)
    close_small()
    for i, shard in enumerate(shards):
        shard.index = i
    return shards


def _is_json_array(path: Path) -> bool:
    with open(path, "rb") as f:
        return _starts_with(f, b"[")


def _row_group_runs(path: Path, shard_size: int) -> Iterator[tuple[list[int], int]]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:
        yield [], 0  # the reader reports the file as unreadable
        return
    groups, rows = [], 0
    for i in range(meta.num_row_groups):
        groups.append(i)
        rows += meta.row_group(i).num_rows
        if rows >= shard_size:
            yield groups, rows
            groups, rows = [], 0
    if groups or meta.num_row_groups == 0:
        yield groups, rows


# -- on the workers ------------------------------------------------------------------------

_LOCKS: dict = {}
_LOCKS_GUARD = threading.Lock()


def _model_lock(nlp) -> threading.Lock:
    """One annotation at a time per pipeline object (worker threads share it)."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(id(nlp), threading.Lock())


class ModelPlugin(WorkerPlugin):
    """A Dask worker plugin that loads a named model once, when the worker starts.

    Tasks then find it in the worker's one model cache (:meth:`ModelRef.load`).
    """

    def __init__(self, model: ModelRef) -> None:
        self.model = model
        self.name = f"econ-facts-model:{model.spec}"

    def setup(self, worker=None) -> None:
        _quiet_threads()
        nlp = self.model.load()
        nlp("준비")  # load Kiwi now

    def teardown(self, worker=None) -> None:
        pass


def annotate_shard(
    shard: Shard | dict,
    output_dir: str,
    *,
    model: ModelLike = None,
    fmt: str = "jsonl",
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_chars: int = MAX_CHARS,
) -> dict:
    """Annotate one shard into ``output_dir`` (runs on a worker); returns its manifest entry.

    ``model``: a :class:`ModelRef` or what :meth:`ModelRef.of` takes (the client passes a
    reference by name, or the pipeline it scattered)."""
    if isinstance(shard, dict):
        shard = Shard(shard["index"], [Piece(**p) for p in shard["pieces"]])
    start = time.perf_counter()
    model = ModelRef.of(model)
    nlp = model.load()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext = "parquet" if fmt == "parquet" else "jsonl"
    final, errors = out / f"{shard.stem()}.{ext}", out / f"{shard.stem()}.errors.jsonl"
    tmp_final, tmp_errors = Path(f"{final}.tmp"), Path(f"{errors}.tmp")
    writer = ParquetFileWriter(tmp_final) if fmt == "parquet" else JsonlWriter(tmp_final)
    summary = Summary()
    sink = Sink(writer, ErrorsWriter(tmp_errors), summary)  # no file unless a record fails
    lock = _model_lock(nlp)
    try:
        for items in batches(_shard_records(shard, text_field, id_field, max_chars), batch_size):
            with lock:
                results = annotate_items(nlp, items)
            sink.add(results)
    finally:
        sink.close()
    if tmp_errors.exists():
        os.replace(tmp_errors, errors)
    else:
        errors.unlink(missing_ok=True)  # left by an earlier run of this shard
    os.replace(tmp_final, final)
    summary.elapsed = time.perf_counter() - start
    entry = {
        **shard.spec(),
        "output": final.name,
        "error_file": errors.name if summary.errors else None,
        "records": summary.records,
        **summary.as_dict(),
        "settings": _settings(fmt, text_field, id_field, max_chars, model),
    }
    done = out / f"{shard.stem()}.done.json"
    Path(f"{done}.tmp").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    os.replace(f"{done}.tmp", done)
    return entry


def _shard_records(shard: Shard, text_field: str, id_field: str, max_chars: int) -> Iterator[Record]:
    for p in shard.pieces:
        yield from readers.read(
            p.path,
            source=p.name,
            text_field=text_field,
            id_field=id_field,
            max_chars=max_chars,
            byte_range=tuple(p.byte_range) if p.byte_range else None,
            first_line=p.first_line,
            row_groups=p.row_groups,
        )


def _settings(fmt: str, text_field: str, id_field: str, max_chars: int, model: ModelRef) -> dict:
    """What a shard's output depends on besides its pieces: a resumed run keeps only shards made with the same."""
    settings = {"format": fmt, "text_field": text_field, "id_field": id_field, "max_chars": max_chars, "model": model.label}
    if model.min_score is not None:  # absent otherwise, so the shards of runs without it still match
        settings["min_score"] = model.min_score
    return settings


# -- on the client --------------------------------------------------------------------------


@contextmanager
def cluster_client(client=None, scheduler: str | None = None, n_workers: int | None = None) -> Iterator:
    """``client`` as it is, else a client of ``scheduler``, else of a ``LocalCluster`` of ``n_workers``
    single-threaded worker processes (default: one per core); what this opens, it closes."""
    from distributed import Client, LocalCluster

    if client is not None:
        yield client
    elif scheduler:
        with Client(scheduler) as own:
            yield own
    else:
        workers = n_workers or os.cpu_count() or 1
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster, Client(cluster) as own:
            yield own


def annotate(
    inputs: list[str],
    output_dir: str | Path,
    *,
    client=None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    model: ModelLike = None,
    fmt: str = "jsonl",
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = DEFAULT_BATCH_SIZE,
    shard_size: int = DEFAULT_SHARD_SIZE,
    max_chars: int = MAX_CHARS,
    resume: bool = False,
    progress: bool = False,
) -> dict:
    """Annotate ``inputs`` over a Dask cluster into ``output_dir``; returns the manifest.

    The cluster: ``client`` (a ``distributed.Client``), else one connected to
    ``scheduler`` (``tcp://host:8786``), else a ``LocalCluster`` of ``n_workers``
    single-threaded worker processes (default: one per core), closed at the end.
    ``model``: a name (None: the shipped default; ``blank``; a directory the
    workers can read) or a loaded pipeline. ``resume`` keeps the shards a previous
    run finished with the same settings and redoes the rest.
    """
    from distributed import as_completed

    model = ModelRef.of(model)
    inputs = readers.expand(inputs)
    shards = plan_shards(inputs, shard_size=shard_size)
    out = Path(output_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file: the distributed output is a directory")
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(fmt, text_field, id_field, max_chars, model)
    done = _finished_shards(out, shards, settings) if resume else {}
    if not resume:
        for old in [*out.glob("shard-*"), out / MANIFEST]:
            if old.is_file():
                old.unlink()
    start = time.perf_counter()
    with cluster_client(client, scheduler, n_workers) as client:
        if model.is_loaded:  # sent to every worker once, not with each task
            model_arg = client.scatter(model, broadcast=True, hash=False)
        else:
            model_arg = model
            client.register_plugin(ModelPlugin(model))
        prior = set(done)
        todo = [s for s in shards if s.index not in done]
        token = uuid.uuid4().hex[:8]
        futures = client.map(
            annotate_shard,
            [s.spec() for s in todo],
            key=[f"econ-facts-shard-{s.index}-{token}" for s in todo],
            output_dir=str(out.resolve()),
            model=model_arg,
            fmt=fmt,
            text_field=text_field,
            id_field=id_field,
            batch_size=batch_size,
            max_chars=max_chars,
            pure=False,
        )
        bar = _bar(len(shards), len(done), progress)
        try:
            for fut in as_completed(futures):
                entry = fut.result()
                done[entry["index"]] = entry
                if bar is not None:
                    docs = sum(e["documents"] for e in done.values())
                    bar.update(1)
                    bar.set_postfix_str(f"{docs} documents", refresh=False)
        finally:
            if bar is not None:
                bar.close()
    entries = [done[s.index] for s in shards]
    totals = Summary()
    for e in entries:
        totals.add(Summary(**{k: e[k] for k in ("documents", "sentences", "entities", "triples", "errors")}))
    totals.elapsed = time.perf_counter() - start
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "inputs": inputs,
        "settings": settings,
        "shard_size": shard_size,
        "shards": entries,
        "totals": {**totals.as_dict(), "skipped": sum(done[i]["records"] for i in prior)},
    }
    tmp = out / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)
    return manifest


def _finished_shards(out: Path, shards: list[Shard], settings: dict) -> dict[int, dict]:
    """Shards a previous run finished with the same pieces and settings (their outputs present)."""
    done = {}
    for shard in shards:
        marker = out / f"{shard.stem()}.done.json"
        if not marker.exists():
            continue
        try:
            entry = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        same = {k: entry.get(k) for k in ("index", "pieces")} == shard.spec() and entry.get("settings") == settings
        errors_there = entry["error_file"] is None or (out / entry["error_file"]).exists()
        if same and (out / entry["output"]).exists() and errors_there:
            done[shard.index] = entry
    return done


def _bar(total: int, initial: int, enabled: bool):
    import sys

    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="shard", file=sys.stderr, dynamic_ncols=True)


def summary_of(manifest: dict) -> Summary:
    t = manifest["totals"]
    return Summary(**{k: t[k] for k in ("documents", "sentences", "entities", "triples", "errors", "skipped", "elapsed")})


def read_records(output_dir: str | Path) -> Iterator[dict]:
    """The annotated records of a distributed run, in input order (shard by shard)."""
    import pyarrow.parquet as pq

    out = Path(output_dir)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["shards"]:
        path = out / entry["output"]
        if path.suffix == ".parquet":
            for line in pq.read_table(path, columns=["record"]).column("record").to_pylist():
                yield json.loads(line)
        else:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)


def read_errors(output_dir: str | Path) -> Iterator[dict]:
    """The error records of a distributed run, in input order."""
    out = Path(output_dir)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["shards"]:
        if entry["error_file"] is None:  # a shard without errors has no error file
            continue
        with open(out / entry["error_file"], encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


__all__ = ["ModelPlugin", "Piece", "Shard", "annotate", "annotate_shard", "plan_shards", "read_errors", "read_records", "summary_of"]
