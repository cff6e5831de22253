"""What protects a batch run's output: the input guard, the lock and the run manifest.

A batch run writes OUTPUT (a JSONL file or a Parquet directory) and, beside it,
``OUTPUT.errors.jsonl``. Three things keep those files honest:

* :func:`check_output_paths` refuses an output that is one of the inputs (same
  path or same inode) or lies inside an input directory being read: opening it
  for writing would empty the input, and a resumed run would read its own output.
* :class:`OutputLock` holds an exclusive ``flock`` on ``OUTPUT.lock`` for the whole
  run; a second run on the same output refuses and names the first (pid, start,
  command). The kernel drops the lock when the process dies, ``kill -9`` included.
* :class:`RunManifest` (``OUTPUT.run.json``) records what the output is made of:
  every input's path, size and SHA-256, the model's name and version, and the
  options that change records. ``--resume`` continues only an output whose
  manifest matches this run; anything else is refused with what differs.
"""

from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import hashlib
import json
import os
import socket
import stat
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST_VERSION = 1


class RunStateError(ValueError):
    """An output that this run must not write or continue; the message says why."""


def sidecar(output: str | Path, name: str) -> Path:
    """``OUTPUT.name`` beside the output (a file, or a Parquet directory)."""
    return Path(f"{os.fspath(output).rstrip('/')}.{name}")


# -- the output is not an input ---------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_paths(output: str | Path, inputs: list[str], named: list[str] | None = None) -> None:
    """Raise :class:`RunStateError` if writing ``output`` could touch an input.

    ``inputs`` are the expanded input files; ``named`` the inputs as the user gave
    them (directories included). The output, its error file, its manifest and lock
    must not be an input file, and must not lie inside an input directory.
    """
    if os.fspath(output) == "-":
        return
    out = Path(output)
    written = [out, sidecar(out, "errors.jsonl"), sidecar(out, "run.json"), sidecar(out, "lock")]
    for name in inputs:
        if name == "-":
            continue
        src = Path(name)
        for path in written:
            if path.resolve() == src.resolve() or _same_file(path, src) or (path.is_dir() and src.resolve().is_relative_to(path.resolve())):
                raise RunStateError(f"the output {path} is the input {name}: writing it would destroy the input; choose another -o")
    for name in named or []:
        if name == "-":
            continue
        src = Path(name)
        if src.is_dir():
            for path in written:
                if path.resolve().is_relative_to(src.resolve()):
                    raise RunStateError(
                        f"the output {path} lies inside the input directory {name}: a later run would read it as input; "
                        "write it outside the directory"
                    )


# -- the lock --------------------------------------------------------------------------------


class OutputLock:
    """An exclusive lock on ``OUTPUT.lock`` for the length of a run (a context manager)."""

    def __init__(self, output: str | Path) -> None:
        self.path = sidecar(output, "lock")
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise RunStateError(
                f"{self.path.name[:-5]} is being written by another run ({holder}); wait for it or choose another -o"
            ) from None
        os.ftruncate(fd, 0)
        started = _dt.datetime.now().isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, started {started}: {' '.join(sys.argv)[:300]}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            try:
                self.path.unlink()
            except OSError:
                pass
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# -- the manifest --------------------------------------------------------------------------------


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class InputState:
    path: str
    size: int | None
    sha256: str | None

    @classmethod
    def of(cls, name: str) -> InputState:
        if name == "-":
            return cls("-", None, None)
        path = Path(name)
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device: reading it here would consume or block it
            return cls(str(path.resolve()), None, None)
        return cls(str(path.resolve()), st.st_size, file_digest(path))


@dataclass
class RunManifest:
    """What an output was made of; written when a run starts, checked by ``--resume``."""

    inputs: list[InputState]
    model: dict
    options: dict
    version: int = MANIFEST_VERSION
    created: str = field(default_factory=lambda: _dt.datetime.now().isoformat(timespec="seconds"))

    @classmethod
    def for_run(cls, inputs: list[str], model: dict, options: dict) -> RunManifest:
        return cls([InputState.of(name) for name in inputs], model, options)

    def write(self, output: str | Path) -> None:
        path = sidecar(output, "run.json")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def read(cls, output: str | Path) -> RunManifest | None:
        path = sidecar(output, "run.json")
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls([InputState(**i) for i in data["inputs"]], data["model"], data["options"], data["version"], data["created"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RunStateError(f"{path} is damaged ({exc}): rerun without --resume") from None

    def differences(self, other: RunManifest) -> list[str]:
        """What differs between the run that wrote the output (self) and this one."""
        out = []
        if [i.path for i in self.inputs] != [i.path for i in other.inputs]:
            out.append(f"inputs were {[i.path for i in self.inputs]}, now {[i.path for i in other.inputs]}")
        else:
            for old, new in zip(self.inputs, other.inputs):
                if old.path == "-":
                    out.append("standard input cannot be checked, so it cannot be resumed")
                elif old.sha256 is None:
                    out.append(f"{old.path} is not a regular file, so it cannot be checked or resumed")
                elif (old.size, old.sha256) != (new.size, new.sha256):
                    out.append(f"{old.path} changed since the run started ({old.size:,} bytes then, {new.size:,} now)")
        if self.model != other.model:
            out.append(f"the model was {self.model}, now {other.model}")
        for key in sorted(set(self.options) | set(other.options)):
            if self.options.get(key) != other.options.get(key):
                out.append(f"option {key} was {self.options.get(key)!r}, now {other.options.get(key)!r}")
        return out


def check_resume(output: str | Path, current: RunManifest) -> None:
    """Raise :class:`RunStateError` unless ``output`` was written by a run like ``current``."""
    if not Path(output).exists() and not sidecar(output, "errors.jsonl").exists():
        return  # nothing to continue: a fresh run
    previous = RunManifest.read(output)
    if previous is None:
        raise RunStateError(
            f"cannot resume: {output} has no run manifest ({sidecar(output, 'run.json').name}), so it cannot be checked; rerun without --resume"
        )
    diff = previous.differences(current)
    if diff:
        raise RunStateError(
            f"cannot resume: {output} was written from other inputs or settings: " + "; ".join(diff) + ". Rerun without --resume"
        )
