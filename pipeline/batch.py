"""Batch annotation: inputs → pipeline → writers, streamed, in order, resumable.

Every input record leaves exactly one line: an annotated record in OUTPUT or an
error record in ``OUTPUT.errors.jsonl`` (``{source, line, id, reason}``), both in
input order. So the two files of a killed run together hold the first N input
records, and ``--resume`` skips exactly those N and appends the rest:

* JSONL: N is the number of complete lines in both files (a partial last line, cut
  off by SIGKILL mid-write, is removed and redone). Before an error line is
  written the output is flushed, so the two files never get ahead of each other.
* Parquet: every committed part file stores N and the error file's length at the
  time (see :mod:`pipeline.io.writers`); later error lines are cut off and redone.

Memory stays flat: records are read lazily, grouped into batches of at most
``batch_size`` documents and :data:`BATCH_CHARS` characters, and at most two
batches per worker process are in flight. A document longer than
:data:`LONG_DOC_CHARS` characters is annotated in segments of at most
:data:`SEGMENT_CHARS`, cut at paragraph or sentence ends, whose records are merged
back with their offsets (the pipeline's cost grows faster than linearly with the
length of one Doc; a fact whose parts sit in different segments is not assembled).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import re
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .core.arrow import annotation_features
from .core.document import from_spacy
from .core.limits import BATCH_CHARS, DEFAULT_BATCH_SIZE
from .io import readers
from .io.runstate import OutputLock, RunManifest, RunStateError, check_output_paths, check_resume, model_identity
from .io.writers import (
    DamagedOutputError,
    ErrorsWriter,
    JsonlWriter,
    ParquetWriter,
    StdoutWriter,
    complete_lines,
    dumps,
    parquet_resume_state,
)

#: Documents longer than this are annotated in segments.
LONG_DOC_CHARS = 10_000
#: The longest segment of a long document.
SEGMENT_CHARS = 5_000
#: Records written to the output between two flushes to the OS at most this many seconds apart.
FLUSH_SECONDS = 1.0


@dataclass
class Summary:
    documents: int = 0
    sentences: int = 0
    entities: int = 0
    triples: int = 0
    errors: int = 0
    skipped: int = 0
    elapsed: float = 0.0
    error_examples: list = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.documents + self.errors

    def add(self, other: Summary) -> None:
        for name in ("documents", "sentences", "entities", "triples", "errors", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error_examples.extend(other.error_examples[: max(0, 5 - len(self.error_examples))])

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "entities": self.entities,
            "triples": self.triples,
            "errors": self.errors,
            "skipped": self.skipped,
            "elapsed": round(self.elapsed, 3),
        }

    def line(self) -> str:
        secs = max(self.elapsed, 1e-9)
        resumed = f", {self.skipped} already done" if self.skipped else ""
        return (
            f"{self.documents} documents, {self.sentences} sentences, {self.entities} entities, "
            f"{self.triples} triples, {self.errors} errors{resumed} in {self.elapsed:.1f}s "
            f"({self.documents / secs:.1f} docs/s, {self.sentences / secs:.1f} sentences/s)"
        )


class ResumeError(RunStateError):
    """The output of the interrupted run does not continue these inputs."""


def errors_path(output: str | Path) -> Path:
    return Path(f"{output}.errors.jsonl")


# -- models -------------------------------------------------------------------------------

#: How many times this process has loaded each model (once, whatever the number of batches or shards).
LOADS: dict = {}


def is_pipeline(obj) -> bool:
    return hasattr(obj, "pipe") and hasattr(obj, "vocab")


def resolve_model(spec: str | Path | None) -> str | None:
    """Check that a model name (None: the default, ``blank``, a directory, a name under models/) exists."""
    from . import loading

    if spec is None or str(spec) == "blank":
        if spec is None and not loading.default_model_path().exists():
            raise FileNotFoundError(f"no pipeline at {loading.default_model_path()}")
        return None if spec is None else "blank"
    return str(loading.resolve(spec).resolve())


def load_model(spec: str | Path | None = None, min_score: float | None = None):
    """A pipeline by name (``blank``: the Kiwi tokenizer only), from the process's one cache
    (:mod:`pipeline.loading`): the pipeline ``pipeline.load(spec, min_score=min_score)`` returns,
    built once per process whether the CLI, a worker, a shard or ``pipeline.extract`` asks first."""
    from . import loading

    key = None if spec is None else str(spec)
    built = sum(loading.BUILDS.values())
    nlp = loading.shared_blank() if key == "blank" else loading.load(spec, min_score=min_score)
    if sum(loading.BUILDS.values()) > built:
        LOADS[key] = LOADS.get(key, 0) + 1
    return nlp


# -- annotating --------------------------------------------------------------------------

_CUTS = (
    re.compile(r"\n\s*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    re.compile(r"(?<=[.!?。？！])[\"'”’)\]]*\s+"),  # sentence
    re.compile(r"\s+"),  # word
)


def split_segments(text: str, size: int = SEGMENT_CHARS) -> list[tuple[int, str]]:
    """``(offset, segment)`` pieces of ``text``, each at most ``size`` characters, joined = ``text``.

    A piece ends at the last paragraph break in its window, else a line break, a
    sentence end, white space, or — for a run of ``size`` characters without any —
    exactly at ``size``; pieces are at least a quarter of ``size`` long.
    """
    out: list[tuple[int, str]] = []
    start, n = 0, len(text)
    while n - start > size:
        window = text[start : start + size]
        cut = size
        for pattern in _CUTS:
            ends = [m.end() for m in pattern.finditer(window, size // 4)]
            if ends:
                cut = ends[-1]
                break
        out.append((start, text[start : start + cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def _shift(obj: dict, off: int) -> dict:
    obj = dict(obj)
    if isinstance(obj.get("start"), int) and isinstance(obj.get("end"), int):
        obj["start"] += off
        obj["end"] += off
    return obj


_RECORD_KEYS = ("id", "text", "sentences", "entities", "relations", "triples")


def merge_records(text: str, parts: list[tuple[int, dict]]) -> dict:
    """One record from the records of a text's segments (``(offset, record)``): offsets shifted, ids renumbered."""
    out: dict = {"id": "doc", "text": text, "sentences": [], "entities": [], "relations": [], "triples": []}
    n = 0
    for off, rec in parts:
        ids = {}
        for ent in rec.get("entities", []):
            ids[ent["id"]] = f"e{n}"
            n += 1
            out["entities"].append({**_shift(ent, off), "id": ids[ent["id"]]})
        out["sentences"].extend(_shift(s, off) for s in rec.get("sentences", []))
        out["relations"].extend(
            {**r, "head": ids.get(r["head"], r["head"]), "tail": ids.get(r["tail"], r["tail"])} for r in rec.get("relations", [])
        )
        for t in rec.get("triples", []):
            out["triples"].append({k: _shift(v, off) if isinstance(v, dict) else v for k, v in t.items()})
        for key, value in rec.items():
            if key in _RECORD_KEYS:
                continue
            if isinstance(value, list):
                out.setdefault(key, []).extend(_shift(v, off) if isinstance(v, dict) else v for v in value)
            else:
                out.setdefault(key, value)
    return out


def _pipe_safe(nlp, texts: list[str]) -> list[dict | str]:
    """The records of ``texts`` (batched); where the pipeline fails on a text, the reason instead."""
    if not texts:
        return []
    try:
        return [from_spacy(doc).to_dict() for doc in nlp.pipe(texts, batch_size=max(len(texts), 1))]
    except Exception:
        pass
    out: list[dict | str] = []
    for text in texts:  # one at a time, to find the text that broke the batch
        try:
            out.append(from_spacy(nlp(text)).to_dict())
        except Exception as exc:
            out.append(f"annotation failed: {type(exc).__name__}: {exc}"[:1000])
    return out


def annotate_texts(nlp, texts: list[str]) -> list[dict | str]:
    """SCHEMA.md records (id ``doc``) of ``texts``, or for a text the pipeline failed on, why."""
    units: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        if len(text) > LONG_DOC_CHARS:
            units.extend((i, off, piece) for off, piece in split_segments(text))
        else:
            units.append((i, 0, text))
    done: list[dict | str] = []
    chunk: list[str] = []
    chars = 0
    for _, _, piece in units:  # the pipeline sees at most BATCH_CHARS characters at once
        if chunk and chars + len(piece) > BATCH_CHARS:
            done.extend(_pipe_safe(nlp, chunk))
            chunk, chars = [], 0
        chunk.append(piece)
        chars += len(piece)
    done.extend(_pipe_safe(nlp, chunk))
    grouped: list[list[tuple[int, dict | str]]] = [[] for _ in texts]
    for (i, off, _), rec in zip(units, done):
        grouped[i].append((off, rec))
    out: list[dict | str] = []
    for text, parts in zip(texts, grouped):
        failed = next((rec for _, rec in parts if isinstance(rec, str)), None)
        if failed is not None:
            out.append(failed)
        elif len(parts) == 1:
            out.append(parts[0][1])
        else:
            out.append(merge_records(text, parts))
    return out


def annotate_items(nlp, items: list[readers.Record]) -> list[tuple]:
    """Results, in order: ``("doc", json_line, sentences, entities, triples)`` or ``("error", error_record)``."""
    todo = [it for it in items if isinstance(it, readers.Item)]
    records = iter(annotate_texts(nlp, [it.text for it in todo]))
    results: list[tuple] = []
    for it in items:
        if isinstance(it, readers.Failure):
            results.append(("error", it.to_dict()))
            continue
        rec = next(records)
        if isinstance(rec, str):
            results.append(("error", readers.Failure(it.source, it.line, it.id, rec).to_dict()))
            continue
        rec["id"] = it.id
        rec["source"] = {"file": it.source, "line": it.line}
        try:
            line = dumps(rec)
        except (TypeError, ValueError) as exc:
            results.append(("error", readers.Failure(it.source, it.line, it.id, f"record not serialisable: {exc}").to_dict()))
            continue
        results.append(("doc", line, len(rec["sentences"]), len(rec["entities"]), len(rec["triples"])))
    return results


def batches(records: Iterable[readers.Record], batch_size: int = DEFAULT_BATCH_SIZE, batch_chars: int = BATCH_CHARS) -> Iterator[list]:
    """Consecutive records, at most ``batch_size`` a batch and ``batch_chars`` characters (one long record alone)."""
    batch: list = []
    chars = 0
    for rec in records:
        size = len(rec.text)
        if batch and (len(batch) >= batch_size or chars + size > batch_chars):
            yield batch
            batch, chars = [], 0
        batch.append(rec)
        chars += size
    if batch:
        yield batch


# -- worker processes -----------------------------------------------------------------------

_WORKER_NLP = None


def _quiet_threads() -> None:
    """One thread for each numeric library in a worker: the processes are the parallelism."""
    if "torch" in sys.modules:
        try:
            sys.modules["torch"].set_num_threads(1)
        except Exception:
            pass


def _parent_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, killed and not yet reaped, counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def _watch_parent(pid: int, every: float = 0.5) -> None:
    """Exit this worker as soon as the run's main process is gone (``kill -9`` included).

    Workers are children of the forkserver, not of the main process, and hold the
    forkserver's and the resource tracker's pipes open: without this they, the
    forkserver and the tracker would all outlive a killed run.
    """
    import threading

    def watch() -> None:
        while _parent_alive(pid):
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(payload: tuple, parent_pid: int | None = None, min_score: float | None = None) -> None:
    global _WORKER_NLP
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process decides
    if parent_pid is not None:
        _watch_parent(parent_pid)
    _quiet_threads()
    kind, value = payload
    _WORKER_NLP = pickle.loads(value) if kind == "pickle" else load_model(value, min_score)
    if hasattr(_WORKER_NLP.tokenizer, "num_workers"):
        _WORKER_NLP.tokenizer.num_workers = 1  # takes effect when Kiwi is first built, just below
    _WORKER_NLP("준비")  # load Kiwi now, in every worker at once


def _work(items: list) -> list[tuple]:
    return annotate_items(_WORKER_NLP, items)


def _mp_context():
    """``forkserver`` (children forked from a clean server that has imported the pipeline once), else ``spawn``."""
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["pipeline.batch"])
        return ctx
    return mp.get_context("spawn")


def annotate_batches(model, batches_: Iterable[list], *, n_process: int = 1, min_score: float | None = None) -> Iterator[list[tuple]]:
    """Results of :func:`annotate_items` for each batch, in order; ``n_process`` > 1 uses worker processes.

    ``model`` is a loaded pipeline or a name for :func:`load_model`. Workers load the
    model once each (from its name, or from the pickled pipeline) and get at most two
    batches ahead.
    """
    if n_process <= 1:
        nlp = model if is_pipeline(model) else load_model(model, min_score)
        for batch in batches_:
            yield annotate_items(nlp, batch)
        return
    from concurrent.futures import ProcessPoolExecutor

    payload = ("pickle", pickle.dumps(model)) if is_pipeline(model) else ("name", model)
    ex = ProcessPoolExecutor(n_process, mp_context=_mp_context(), initializer=_init_worker, initargs=(payload, os.getpid(), min_score))
    pending: deque = deque()
    try:
        for batch in batches_:
            pending.append(ex.submit(_work, batch))
            if len(pending) >= 2 * n_process:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


# -- the sink: results → files ------------------------------------------------------------


class Sink:
    """Writes results in order to the output and the error file; keeps the counts."""

    def __init__(self, writer, err_writer, summary: Summary, *, consumed: int = 0) -> None:
        self.writer = writer
        self.err_writer = err_writer
        self.summary = summary
        self.consumed = consumed  # input records accounted for in the files
        self._last_flush = time.monotonic()
        self._parquet = isinstance(writer, ParquetWriter)
        self._committed = consumed

    def add(self, results: list[tuple]) -> None:
        s = self.summary
        for res in results:
            self.consumed += 1
            if res[0] == "doc":
                self.writer.write_line(res[1])
                s.documents += 1
                s.sentences += res[2]
                s.entities += res[3]
                s.triples += res[4]
                if self._parquet and self.writer.full:
                    self._commit()
            else:
                err = res[1]
                s.errors += 1
                if len(s.error_examples) < 5:
                    s.error_examples.append(err)
                if self.err_writer is None:
                    print(f"error: {err['source']}:{err['line']}: {err['reason']}", file=sys.stderr)
                else:
                    self.writer.flush()  # everything before this error reaches the file first
                    self.err_writer.write(err)
                    self.err_writer.flush()
        if time.monotonic() - self._last_flush > FLUSH_SECONDS:
            self.writer.flush()
            self._last_flush = time.monotonic()

    def _errors_bytes(self) -> int:
        return self.err_writer.tell() if self.err_writer is not None else 0

    def _commit(self, *, force: bool = False) -> None:
        self.writer.commit(records_through=self.consumed, errors_bytes=self._errors_bytes(), force=force)
        self._committed = self.consumed

    def close(self) -> None:
        """Flush and close. Parquet: commit what is pending — also after an error, since the files
        hold exactly the first ``consumed`` records — and an empty part when only errors came
        after the last one (or nothing at all), so that the resume point is exact."""
        try:
            if self._parquet:
                if self.writer.pending or self.consumed != self._committed or self.writer.parts == 0:
                    self._commit(force=True)
            else:
                self.writer.close()
        finally:
            if self.err_writer is not None:
                self.err_writer.close()


# -- the run ----------------------------------------------------------------------------------


def iter_records(
    inputs: list[str], *, text_field: str = "text", id_field: str = "id", max_chars: int = readers.MAX_CHARS
) -> Iterator[readers.Record]:
    for name in inputs:
        yield from readers.read(name, text_field=text_field, id_field=id_field, max_chars=max_chars)


def _position(rec) -> tuple | None:
    if not isinstance(rec, dict):
        return None
    src = rec.get("source")
    if isinstance(src, dict):  # an output record
        return (src.get("file"), src.get("line"))
    return (src, rec.get("line"))  # an error record


def _resume_state(output: Path, fmt: str) -> tuple[int, set]:
    """(input records the interrupted run finished, positions one of which the last of them must have)."""
    err = errors_path(output)
    if fmt == "parquet":
        if not output.exists():
            return 0, set()
        consumed, err_bytes = parquet_resume_state(output)
        if err.exists() and err.stat().st_size > err_bytes:
            os.truncate(err, err_bytes)
        elif err_bytes and (not err.exists() or err.stat().st_size < err_bytes):
            raise ResumeError(f"{err} is shorter than when the last part of {output} was written")
        _, last_err = complete_lines(err, truncate=True)
        last = {_position(last_err)}
        parts = sorted(output.glob("part-*.parquet"))
        if parts:
            import pyarrow.parquet as pq

            sources = pq.read_table(parts[-1], columns=["source"]).column("source").to_pylist()
            if sources:
                last.add((sources[-1]["file"], sources[-1]["line"]))
        return consumed, last - {None}
    n_out, last_out = complete_lines(output, truncate=True)
    n_err, last_err = complete_lines(err, truncate=True)
    return n_out + n_err, {_position(last_out), _position(last_err)} - {None}


def _skip(records: Iterator[readers.Record], n: int, last: set, output: Path) -> Iterator[readers.Record]:
    """Drop the first ``n`` records, checking that the n-th is where the interrupted run stopped."""
    if n <= 0:
        return records
    rec, seen = None, 0
    while seen < n:
        rec = next(records, None)
        if rec is None:
            raise ResumeError(f"{output} holds {n} records but the inputs only {seen}: not the same inputs?")
        seen += 1
    if last and (rec.source, rec.line) not in last:
        raise ResumeError(
            f"{output} does not continue these inputs: its last record is from {sorted(last, key=str)}, "
            f"but input record {n} is {rec.source}:{rec.line}"
        )
    return records


def run(
    model,
    inputs: list[str],
    output: str,
    *,
    fmt: str = "jsonl",
    text_field: str = "text",
    id_field: str = "id",
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume: bool = False,
    progress: bool = True,
    max_chars: int = readers.MAX_CHARS,
    part_rows: int = 10_000,
    min_score: float | None = None,
) -> Summary:
    """Annotate every record of ``inputs`` into ``output`` (``-`` for stdout).

    ``model``: a loaded pipeline, or a name for :func:`load_model` (better with
    ``n_process`` > 1: each worker loads it itself). ``fmt``: ``jsonl`` or
    ``parquet`` (``output`` is then a directory). ``n_process``: worker processes
    (0: one per core). Raises :class:`~pipeline.io.runstate.RunStateError` when the
    output is an input or another run holds it, and :class:`ResumeError` when
    ``resume`` finds an output that does not continue these inputs (see
    :mod:`pipeline.io.runstate`).
    """
    named, inputs = list(inputs), readers.expand(inputs)
    settings = {
        "fmt": fmt,
        "n_process": n_process or os.cpu_count() or 1,
        "batch_size": batch_size,
        "progress": progress,
        "resume": resume,
        "part_rows": part_rows,
        "min_score": min_score,
        "read_opts": {"text_field": text_field, "id_field": id_field, "max_chars": max_chars},
    }
    if output == "-":
        if fmt != "jsonl":
            raise ValueError("only JSONL can go to standard output")
        return _run(model, inputs, None, **settings)
    out_path = Path(output)
    check_output_paths(out_path, inputs, named)
    if fmt == "jsonl" and out_path.is_dir():
        raise RunStateError(f"{output} is a directory: JSONL output is a file (Parquet output is a directory)")
    if fmt == "parquet" and out_path.exists() and not out_path.is_dir():
        raise RunStateError(f"{output} is a file: Parquet output is a directory of part files")
    with OutputLock(out_path):
        manifest = RunManifest.for_run(inputs, model_identity(model), {"format": fmt, "min_score": min_score, **settings["read_opts"]})
        if resume:
            if "-" in inputs:
                raise ResumeError("standard input cannot be resumed: its records cannot be read again")
            check_resume(out_path, manifest)
        manifest.write(out_path)
        return _run(model, inputs, out_path, **settings)


def _run(
    model, inputs: list[str], out_path: Path | None, *, fmt, n_process, batch_size, progress, resume, part_rows, min_score, read_opts
) -> Summary:
    """The run proper, with the output (None: stdout) locked and its manifest written."""
    summary = Summary()
    start = time.perf_counter()
    skip, last = (0, set())
    if resume and out_path is not None:
        try:
            skip, last = _resume_state(out_path, fmt)
        except DamagedOutputError as exc:
            raise ResumeError(str(exc)) from None
    if out_path is None:
        writer = StdoutWriter()
    elif fmt == "parquet":
        writer = ParquetWriter(out_path, resume=resume, rows_per_part=part_rows)
    else:
        writer = JsonlWriter(out_path, resume=resume)
    err_writer = None if out_path is None else ErrorsWriter(errors_path(out_path), resume=resume)
    sink = Sink(writer, err_writer, summary, consumed=skip)
    bar = None
    try:
        records = _skip(iter_records(inputs, **read_opts), skip, last, out_path)
        summary.skipped = skip
        bar = _progress_bar(inputs, skip, enabled=progress)
        if min_score is not None and is_pipeline(model) and "triple_assembler" in model.pipe_names:
            model.get_pipe("triple_assembler").min_score = float(min_score)
        for results in annotate_batches(model, batches(records, batch_size), n_process=n_process, min_score=min_score):
            sink.add(results)
            if bar is not None:
                bar.update(len(results))
                bar.set_postfix_str(f"{summary.sentences / max(1e-9, time.perf_counter() - start):.1f} sentences/s", refresh=False)
    finally:
        sink.close()
        if bar is not None:
            bar.close()
    summary.elapsed = time.perf_counter() - start
    return summary


def _total(inputs: list[str]) -> int | None:
    total = 0
    for name in inputs:
        n = readers.count_records(name)
        if n is None:
            return None
        total += n
    return total


def _progress_bar(inputs: list[str], initial: int, *, enabled: bool):
    """A tqdm bar on stderr (docs/s, sentences/s, ETA when the total is known); None when quiet or not a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=_total(inputs), initial=initial, unit="doc", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


# -- Hugging Face datasets ----------------------------------------------------------------------


class DatasetAnnotator:
    """The function :func:`annotate_dataset` maps: picklable, loads its model once per process."""

    def __init__(self, model, text_column: str, max_chars: int) -> None:
        self.model = model
        self.text_column = text_column
        self.max_chars = max_chars

    def __call__(self, batch: dict) -> dict:
        nlp = self.model if is_pipeline(self.model) else load_model(self.model)
        texts = batch[self.text_column]
        checked = [
            readers.check_text("dataset", i, None, t, text_field=self.text_column, max_chars=self.max_chars) for i, t in enumerate(texts)
        ]
        todo = [c.text for c in checked if isinstance(c, readers.Item)]
        done = iter(annotate_texts(nlp, todo))
        from .core.arrow import annotation_columns, annotation_schema

        out: dict[str, list] = {name: [] for name in annotation_schema().names + ["annotation_error"]}
        for c in checked:
            rec = c.reason if isinstance(c, readers.Failure) else next(done)
            error = rec if isinstance(rec, str) else None
            cols = annotation_columns({} if error else rec)
            for key, value in cols.items():
                out[key].append(value)
            out["annotation_error"].append(error)
        return out


def annotate_dataset(
    dataset,
    *,
    nlp=None,
    model: str | None = None,
    text_column: str = "text",
    num_proc: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_chars: int = readers.MAX_CHARS,
):
    """Add the annotations to a ``datasets.Dataset`` as columns, via ``Dataset.map(batched=True)``.

    New columns: ``sentences``, ``entities``, ``relations``, ``triples`` (SCHEMA.md's
    fields as lists of structs, typed as in the Parquet output) and
    ``annotation_error`` (None, or why the row's text could not be annotated — its
    annotation columns are then empty; no row is dropped). The pipeline is ``nlp``,
    or the model named by ``model`` (default: the shipped one), loaded once per process
    (``num_proc`` > 1).
    """
    annotator = DatasetAnnotator(nlp if nlp is not None else model, text_column, max_chars)
    features = dataset.features.copy()
    features.update(annotation_features())
    return dataset.map(annotator, batched=True, batch_size=batch_size, num_proc=num_proc, features=features, desc="annotating")
