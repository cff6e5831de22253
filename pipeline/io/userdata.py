"""Where econ-facts writes what it derives (built corpora, caches): a per-user data directory.

Never into the install (site-packages may be read-only, and an upgrade replaces it) and never
into the source tree (a checkout stays clean, and built corpora hold outside texts, which must
never be committed). ``$ECON_FACTS_DATA_HOME`` overrides the place, so tests and CI can point it
at a temporary directory; else it is platformdirs' ``user_data_dir("econ-facts")``
(``~/.local/share/econ-facts`` on Linux). Everything in it can be deleted: it is rebuilt on use.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The environment variable that overrides :func:`data_home`.
ENV = "ECON_FACTS_DATA_HOME"


def data_home() -> Path:
    """The user data directory (not created here: whoever writes into it does)."""
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("econ-facts", appauthor=False))
