"""What an input record is: an :class:`Item` to annotate or a :class:`Failure` that says why not.

The limits a record must keep (:data:`MAX_CHARS`) and the checks of its id and text
(:func:`check_text`) are shared by every file format (:mod:`.formats`) and by
``annotate_dataset``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Union

#: The longest document accepted, in characters. Long documents are annotated in
#: segments (see :mod:`pipeline.runners.batch`), so time and memory grow linearly with length:
#: a 1 MB news dump (~350,000 Hangul characters, or 1,000,000 ASCII ones) passes; at
#: the limit one document costs minutes with the full model, and its record (text
#: plus annotations) is held in memory once. Anything longer is almost surely not
#: one news document but a whole dump in one field.
MAX_CHARS = 2_000_000

#: A JSON line is read in pieces of this many bytes at most: enough for MAX_CHARS
#: characters written as \\uXXXX escapes, so that one huge line cannot exhaust memory.
MAX_LINE_BYTES = 6 * MAX_CHARS + 65_536

_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass
class Item:
    source: str
    line: int
    id: str
    text: str


@dataclass
class Failure:
    source: str
    line: int
    id: str | None
    reason: str

    #: Failures carry no text, so they pass through the annotators untouched.
    text = ""

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "id": self.id, "reason": self.reason}


Record = Union[Item, Failure]


class BadId(ValueError):
    """An id value that is neither a string nor an integer."""


def _clean_id(rid) -> str | None:
    """An id as a string: strings as they are, integers in decimal; None or "" for none.

    Anything else (true, 1.5, an object) raises :class:`BadId`: turning it into a
    string would silently change what the user wrote (``true`` → ``True``).
    """
    if rid is None:
        return None
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        raise BadId(f"id is {json.dumps(rid, ensure_ascii=False)[:80]} ({type(rid).__name__}): ids must be strings or integers")
    rid = rid if isinstance(rid, str) else str(rid)
    if rid == "":
        return None
    if _SURROGATES.search(rid):
        rid = rid.encode("utf-8", "backslashreplace").decode("utf-8")
    return rid


def _id_or_none(rid) -> str | None:
    try:
        return _clean_id(rid)
    except BadId:
        return None


def check_text(source: str, line: int, rid, text, *, text_field: str = "text", max_chars: int = MAX_CHARS) -> Record:
    """An :class:`Item` if ``text`` can be annotated, else the :class:`Failure` that says why.

    Any non-empty string is text: HTML remnants, control characters and emoji are
    annotated as they are (the Doc covers them at their offsets). Rejected: a missing
    or non-string value, white space only, over ``max_chars`` characters, or unpaired
    surrogates (``"\\ud800"`` in JSON: not Unicode, cannot be written as UTF-8).
    """
    try:
        rid = _clean_id(rid) or f"{source}:{line}"
    except BadId as exc:
        return Failure(source, line, None, str(exc))
    if text is None:
        return Failure(source, line, rid, f"missing text field {text_field!r}")
    if not isinstance(text, str):
        return Failure(source, line, rid, f"text is {type(text).__name__}, not a string")
    if not text.strip():
        return Failure(source, line, rid, "empty text")
    if len(text) > max_chars:
        return Failure(source, line, rid, f"text has {len(text):,} characters, over the {max_chars:,} limit")
    if not text.isascii() and _SURROGATES.search(text):
        pos = _SURROGATES.search(text).start()
        return Failure(source, line, rid, f"text holds an unpaired surrogate (invalid Unicode) at character {pos}")
    return Item(source, line, rid, text)


_check_text = check_text  # the older private name
