"""Near-duplicate articles: the same release printed by many outlets.

Each article gets a MinHash signature (datasketch) of its character 5-grams with white
space removed (hashed by :func:`shingles`), so a new byline, reordered paragraphs or a respaced name change few
shingles. Signatures are cut into LSH bands with the (bands, rows) that datasketch's
:class:`~datasketch.MinHashLSH` chooses for the threshold; the store keeps the band keys in
a table, so candidate pairs come from a join on disk rather than an index in memory, and
a later run finds the reprints of new articles among the old ones. A candidate pair is
kept when its estimated Jaccard similarity reaches the threshold; groups are the
connected components of the kept pairs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported when first needed: `python -m pipeline --help` stays fast
    import numpy as np

NUM_PERM = 128
THRESHOLD = 0.4
_SPACE = re.compile(r"\s+")


@cache
def _template():
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    return MinHash(num_perm=NUM_PERM, hashfunc=int), lsh.hashranges


def shingles(text: str, k: int = 5) -> np.ndarray:
    """Distinct 32-bit hashes of the text's character k-grams, white space removed.

    A polynomial rolling hash over the code points, computed for all k-grams at once: the
    same values in every process (unlike ``hash()``), and no Python loop over the text.
    """
    import numpy as np

    codes = np.frombuffer(_SPACE.sub("", text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        codes = np.pad(codes, (0, k - len(codes)))
    n = len(codes) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = (h * np.uint64(1_000_003) + codes[j : j + n]) & np.uint64(0xFFFFFFFF)
    return np.unique(h)


def signature(text: str) -> np.ndarray:
    """The article's MinHash values (``NUM_PERM`` unsigned 32-bit integers)."""
    import numpy as np
    from datasketch import MinHash

    template, _ = _template()
    m = MinHash(NUM_PERM, hashfunc=int, permutations=template.permutations, scheme=template.scheme)
    m.update_batch(shingles(text).tolist())
    return m.hashvalues.astype(np.uint32)


def bands(sig: np.ndarray) -> list[tuple[int, int]]:
    """(band, key) pairs: two articles sharing one are candidate reprints."""
    _, ranges = _template()
    return [(i, zlib.crc32(sig[a:b].tobytes())) for i, (a, b) in enumerate(ranges)]


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two stored signatures."""
    import numpy as np

    x, y = np.frombuffer(a, dtype=np.uint32), np.frombuffer(b, dtype=np.uint32)
    return float(np.count_nonzero(x == y)) / len(x)


def components(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over linked articles: article → its group (the group's smallest id)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}
