"""Children that see no torch, as after the README's quick-start install.

spaCy's thinc imports PyTorch whenever it can (2-3 s at every start), and a development
venv has it for the ``transformers`` extra; the quick start's install has none. Benchmarks
that time whole processes put :func:`shadow_dir` first on the children's ``PYTHONPATH`` to
measure what the quick start's users wait for.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def shadow_dir() -> str:
    """A directory whose ``torch`` package raises ``ModuleNotFoundError`` on import."""
    shadow = Path(tempfile.mkdtemp(prefix="no-torch-"))
    (shadow / "torch").mkdir()
    (shadow / "torch" / "__init__.py").write_text('raise ModuleNotFoundError("torch hidden by benchmarks/no_torch.py", name="torch")\n')
    return str(shadow)
