"""Which mentions are one fact: SCHEMA.md's string rule inside blocks of one company.

The store hands over the *distinct* keys of its mentions sorted by company, a block at a
time, so memory holds one company's keys, not the archive. Inside a block two keys are one
fact when their programs match by the string rule and their outcomes agree
(:meth:`pipeline.facts.keys.OutcomeKey.same`); facts are the connected components. A fact's
id is a hash of its smallest key, so ids are stable from run to run unless a new article
links two facts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from itertools import groupby

from .keys import OutcomeKey, same_program
from .reprints import components

#: key columns, in the order the store selects them
COLUMNS = ("company_key", "program_key", "outcome_figures", "metric", "direction", "period", "outcome_text_key")


def _same(a: tuple, b: tuple) -> bool:
    return same_program(a[1], b[1]) and OutcomeKey(*a[2:]).same(OutcomeKey(*b[2:]))


def _fact_id(key: tuple) -> str:
    return "f" + hashlib.sha1("\x1f".join(str(k) for k in key).encode()).hexdigest()[:15]


def _handles(key: tuple) -> list[str]:
    """Index entries under which a key's possible partners are found: each figure (two wordings of
    one result share one); without figures, each bigram of the text (the shorter of two matching
    texts lies inside the longer, so they share its first bigram)."""
    figures, text = key[2], key[6] or ""
    if figures:
        return ["#" + f for f in figures.split(";")]
    return [text[i : i + 2] for i in range(max(1, len(text) - 1))]


def cluster_block(keys: list[tuple]) -> dict[tuple, str]:
    """Keys of one company → fact id. Only keys that share an index entry are compared, so a
    block of many keys (the ``@group`` company of every participants' result) stays near-linear."""
    index: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        for h in set(_handles(k)):
            index.setdefault(h, []).append(i)
    pairs = []
    for i, k in enumerate(keys):
        if k[2]:  # sharing a figure is symmetric: look ahead only
            candidates = {j for h in _handles(k) for j in index.get(h, ()) if j > i}
        else:  # containment is not: every text holding this one's first bigram
            candidates = {j for j in index.get(_handles(k)[0], ()) if j != i}
        pairs.extend((str(i), str(j)) for j in candidates if _same(k, keys[j]))
    root = components(pairs)
    groups: dict[str, list[tuple]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(root.get(str(i), str(i)), []).append(k)
    return {k: _fact_id(min(members, key=str)) for members in groups.values() for k in members}


def assign(sorted_keys: Iterable[tuple]) -> Iterator[tuple]:
    """(key…, fact_id) for every distinct key, given the keys sorted by company."""
    for _, block in groupby(sorted_keys, key=lambda k: k[0]):
        keys = list(block)
        for key, fact in cluster_block(keys).items():
            yield (*key, fact)
