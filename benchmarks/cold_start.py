"""How long a new user waits: ``import pipeline``, ``--help``, ``pipeline.load()``, the first ``nlp()``.

    python benchmarks/cold_start.py [--repeats 7] [--quick] [--hide-torch] [--json]

Every figure comes from fresh interpreters (``sys.executable`` run as a subprocess),
because a cold start is exactly what a warm process hides. Each measure is repeated
and the median printed, with the first run shown apart: it is the one most likely to
find the files out of the OS cache (this script cannot drop that cache; on a machine
that has just booted, the first figure is the cold one). The machine is shared and
noisy, so compare medians, not single runs.

* ``import pipeline``: timed inside the child, around the import statement alone.
* ``python -m pipeline --help``: wall clock of the whole command, interpreter start
  included (``python -c pass`` is printed as the floor under it).
* ``pipeline.load()``: the shipped default model, in a child that has imported pipeline;
  spaCy is imported here, and spaCy imports torch where it is installed (seconds):
  ``--hide-torch`` measures as after the quick start's install, which has none.
* first ``nlp(text)``: the first call after load (Kiwi is built then, lazily).
* ``pipeline.extract(text)`` after ``load()``: should reuse the loaded pipeline and its
  Kiwi, so cost about what a second ``nlp(text)`` costs, not a second load.
* Kiwi builds: how many ``kiwipiepy.Kiwi`` objects that child constructed (one run,
  counted by wrapping the class: the target is 1).

Targets (issue 15): ``import pipeline`` <= 0.5 s, ``--help`` <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from no_torch import shadow_dir  # this folder is on the path when the script runs

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "중소벤처기업진흥공단은 지난해 수출바우처 사업에 참여한 기업들의 성과를 발표했다. "
    "㈜대성정밀은 수출바우처 사업을 통해 320만 달러 규모의 수출계약을 맺었다."
)

_IMPORT = """
import time
t0 = time.perf_counter()
import pipeline
print({"import": time.perf_counter() - t0})
"""

_FULL = """
import sys, time
TEXT = sys.argv[1]
t0 = time.perf_counter()
import pipeline
t1 = time.perf_counter()
nlp = pipeline.load()
t2 = time.perf_counter()
nlp(TEXT)
t3 = time.perf_counter()
nlp(TEXT)
t4 = time.perf_counter()
pipeline.extract(TEXT)
t5 = time.perf_counter()
print({"import_then": t1 - t0, "load": t2 - t1, "first_nlp": t3 - t2, "second_nlp": t4 - t3, "extract_after_load": t5 - t4})
"""

_HAS_TORCH = """
import importlib.util
print({"torch": importlib.util.find_spec("torch") is not None})
"""

_COUNT_KIWI = """
import sys
import kiwipiepy
builds = []
class CountingKiwi(kiwipiepy.Kiwi):
    def __init__(self, *args, **kwargs):
        builds.append(1)
        super().__init__(*args, **kwargs)
kiwipiepy.Kiwi = CountingKiwi
import pipeline
nlp = pipeline.load()
nlp(sys.argv[1])
pipeline.extract(sys.argv[1])
list(pipeline.annotate([sys.argv[1]]))
print({"kiwi_builds": len(builds)})
"""


_HIDE_TORCH = False  # --hide-torch: the children see no torch (benchmarks/no_torch.py)


def _env() -> dict:
    env = dict(os.environ)
    hidden = [shadow_dir()] if _HIDE_TORCH else []
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*hidden, str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one dict literal as its last line."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stderr[-2000:]}")
    import ast

    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def _wall(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, env=_env(), capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def _median(values: list[float]) -> float:
    """The median of the runs after the first (the first is shown apart: the coldest)."""
    return statistics.median(values[1:] or values)


def _row(name: str, values: list[float], target: float | None = None) -> str:
    median = _median(values)
    verdict = "" if target is None else ("  ok" if median <= target else f"  over the {target:g} s target")
    return f"{name:<34} {median:7.3f} s  (first {values[0]:.3f} s, n={len(values)}){verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per measure (default: 7)")
    parser.add_argument("--quick", action="store_true", help="3 repeats, and load/first nlp() only twice")
    parser.add_argument("--json", action="store_true", help="print the medians as one JSON object too")
    parser.add_argument("--hide-torch", action="store_true", help="children see no torch, as after the quick start's install")
    args = parser.parse_args()
    global _HIDE_TORCH
    _HIDE_TORCH = args.hide_torch
    n = 3 if args.quick else max(2, args.repeats)
    n_full = 2 if args.quick else max(2, min(n, 5))

    floor = [_wall(["-c", "pass"]) for _ in range(n)]
    imports = [_child(_IMPORT)["import"] for _ in range(n)]
    helps = [_wall(["-m", "pipeline", "--help"]) for _ in range(n)]
    full = [_child(_FULL, TEXT) for _ in range(n_full)]
    kiwi = _child(_COUNT_KIWI, TEXT)["kiwi_builds"]

    torch = "torch hidden" if args.hide_torch else "torch importable" if _child(_HAS_TORCH)["torch"] else "no torch"
    print(f"cold start of econ-facts, {sys.executable} ({torch}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print("medians of fresh processes after the first, which is shown apart")
    print(_row("python -c pass (floor)", floor))
    print(_row("import pipeline", imports, 0.5))
    print(_row("python -m pipeline --help", helps, 1.0))
    print(_row("pipeline.load() (default model)", [f["load"] for f in full]))
    print(_row("first nlp(text) after load", [f["first_nlp"] for f in full]))
    print(_row("second nlp(text)", [f["second_nlp"] for f in full]))
    print(_row("pipeline.extract(text) after load", [f["extract_after_load"] for f in full]))
    print(f"{'Kiwi builds (load, nlp, extract, …)':<34} {kiwi:7d}    (target 1)")
    if args.json:
        medians = {
            "floor": _median(floor),
            "import": _median(imports),
            "help": _median(helps),
            **{k: _median([f[k] for f in full]) for k in full[0] if k != "import_then"},
            "kiwi_builds": kiwi,
        }
        print(json.dumps({k: round(v, 4) for k, v in medians.items()}))


if __name__ == "__main__":
    main()
