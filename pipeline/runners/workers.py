"""Worker processes for ``--n-process``: each loads the model once and annotates batches in order.

At most two batches per worker are in flight, so memory stays flat; a worker whose parent
dies exits instead of lingering.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator

from .annotate import annotate_items
from .models import ModelRef

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


def _init_worker(payload: bytes, parent_pid: int | None = None) -> None:
    """Load the run's model in this worker: ``payload`` is the pickled :class:`ModelRef` (a name,
    or a pipeline object), pickled once in the parent rather than once per worker."""
    global _WORKER_NLP
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process decides
    if parent_pid is not None:
        _watch_parent(parent_pid)
    _quiet_threads()
    ref: ModelRef = pickle.loads(payload)
    _WORKER_NLP = ref.load()
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
        ctx.set_forkserver_preload(["pipeline.runners.batch"])
        return ctx
    return mp.get_context("spawn")


def annotate_batches(model: ModelRef, batches_: Iterable[list], *, n_process: int = 1) -> Iterator[list[tuple]]:
    """Results of :func:`annotate_items` for each batch, in order; ``n_process`` > 1 uses worker processes.

    Workers load the model once each (from its name, or from the pickled pipeline) and get
    at most two batches ahead.
    """
    if n_process <= 1:
        nlp = model.load()
        for batch in batches_:
            yield annotate_items(nlp, batch)
        return
    from concurrent.futures import ProcessPoolExecutor

    payload = pickle.dumps(model)
    ex = ProcessPoolExecutor(n_process, mp_context=_mp_context(), initializer=_init_worker, initargs=(payload, os.getpid()))
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
