"""SCHEMA.md's string match, used at run time (triple assembly, fact keys) and by evaluation.

Two strings match when, after removing white space and quote marks, one contains the
other and the shorter is at least half as long as the longer. It sits in the core, not in
the evaluation layer, because the components and the fact store decide with it while
annotating: they must not import the evaluation code to do so.
"""

from __future__ import annotations

import re

_STRIP = re.compile(r"[\s'\"‘’“”`´′″「」『』〈〉《》<>]")


def norm(text: str) -> str:
    return _STRIP.sub("", text)


def relaxed_match(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return short in long_ and 2 * len(short) >= len(long_)


def exact_match(a: str, b: str) -> bool:
    return norm(a) == norm(b)
