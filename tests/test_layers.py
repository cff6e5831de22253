"""The package's layers import one way: import-linter checks the contract in pyproject.toml.

Three checks: the contract holds for the package as it is; it is live (the same contract
breaks on a copy of the package given one import against the layers, so an emptied or
mistyped contract cannot pass silently); and no library module reaches round the layers
through the package root (``import pipeline`` / ``from .. import load``), which the layers
contract cannot see because the root is the container, not a layer.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: `lint-imports`, run by the interpreter running the tests (no reliance on PATH)
LINT_IMPORTS = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]


@pytest.fixture(scope="module", autouse=True)
def _needs_import_linter():
    try:
        import importlinter  # noqa: F401
    except ImportError:
        pytest.fail("import-linter is not installed: pip install -e '.[dev]'")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    cmd = [*LINT_IMPORTS, "--no-cache", "--config", str(cwd / "pyproject.toml")]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_layers_contract_is_kept():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "1 kept, 0 broken" in out.stdout


def test_an_import_against_the_layers_breaks_the_contract(tmp_path):
    # a copy, so the check runs the real contract on real code with one bad import added
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__", "data", "configs"))
    document = tmp_path / "pipeline" / "core" / "document.py"
    document.write_text(document.read_text(encoding="utf-8") + "\nfrom ..runners import loading  # noqa: E402,F401\n", encoding="utf-8")
    out = lint_imports(tmp_path)
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr[-2000:]
    assert "pipeline.core is not allowed to import pipeline.runners" in out.stdout
    assert "pipeline.core.document -> pipeline.runners.loading" in out.stdout


def test_no_library_module_imports_the_package_root():
    import grimp

    graph = grimp.build_graph("pipeline", cache_dir=None)
    # the command line is the top layer: it may use the public API like any user
    offenders = sorted(m for m in graph.find_modules_that_directly_import("pipeline") if not m.startswith("pipeline.cli"))
    assert offenders == [], offenders
