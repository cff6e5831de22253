"""The record's text cut into paragraphs, with the entities highlighted (displaCy's entity style).

Text widths are estimated here only to lay out the SVG strips; the browser does the real layout.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..core.document import Document, Triple, from_spacy
from .style import _ENT_TEMPLATE, DEFAULT_ENTITY_COLOR, ENTITY_COLORS

# -- input -------------------------------------------------------------------------


def to_document(obj: Any) -> Document:
    """A :class:`Document` from a spaCy ``Doc``, a ``Document`` or a SCHEMA.md record (dict)."""
    if isinstance(obj, Document):
        return obj
    if isinstance(obj, dict):
        return Document.from_dict(obj)
    try:
        from spacy.tokens import Doc
    except ImportError:  # pragma: no cover - spaCy is a dependency
        Doc = None
    if Doc is not None and isinstance(obj, Doc):
        doc_id = obj.user_data.get("id") or obj.user_data.get("title") or "doc"
        document = from_spacy(obj, str(doc_id))
        # doc._.triples may hold Triple objects or their dicts
        document.triples = [Triple.from_dict(t) if isinstance(t, dict) else t for t in document.triples]
        return document
    raise TypeError(f"display needs a spaCy Doc, a pipeline.Document or a record dict, not {type(obj).__name__}")


# -- text measure (for the SVG layout; the browser does the real layout) -------------------


def _text_width(text: str, size: float) -> float:
    """A slightly generous estimate of the rendered width of ``text`` at ``size`` px."""
    w = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            w += 1.0
        elif ch == " ":
            w += 0.3
        elif ch.isupper() or ch.isdigit():
            w += 0.66
        elif ch.isalpha():
            w += 0.56
        else:
            w += 0.42
    return w * size


def _esc(text: Any) -> str:
    return _html.escape(str(text), quote=True)


# -- paragraphs ----------------------------------------------------------------------


@dataclass
class _Block:
    start: int
    end: int
    number: int = 0
    arcs: list = field(default_factory=list)


def _blocks(doc: Document, spans: list[tuple[int, int]], max_chars: int = 700) -> list[_Block]:
    """Paragraphs (runs of non-empty lines), never splitting an entity; long ones cut at sentence ends."""
    text = doc.text
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    if not lines:
        return [_Block(0, len(text), 1)] if text else []

    def crosses(pos: int) -> bool:
        return any(s < pos < e for s, e in spans)

    merged: list[list[int]] = []
    for s, e in lines:
        if merged and any(s_ < merged[-1][1] < e_ for s_, e_ in spans):
            merged[-1][1] = e  # an entity runs over the line break
        else:
            merged.append([s, e])
    # trim the white space around each paragraph
    blocks: list[list[int]] = []
    for s, e in merged:
        chunk = text[s:e]
        s2 = s + len(chunk) - len(chunk.lstrip())
        e2 = e - (len(chunk) - len(chunk.rstrip()))
        if not any(s_ < s2 < e_ for s_, e_ in spans) and not any(s_ < e2 < e_ for s_, e_ in spans):
            s, e = s2, e2
        blocks.append([s, e])
    # cut long paragraphs at sentence ends
    ends = sorted({se.end for se in doc.sentences}) or [m.end() for m in re.finditer(r"[.!?。](?=\s)", text)]
    out: list[_Block] = []
    for s, e in blocks:
        while e - s > max_chars:
            cuts = [p for p in ends if s + max_chars // 4 < p <= s + max_chars and not crosses(p)]
            if not cuts:
                break
            cut = cuts[-1]
            out.append(_Block(s, cut))
            s = cut + (len(text[cut:e]) - len(text[cut:e].lstrip()))
        out.append(_Block(s, e))
    for i, b in enumerate(out, 1):
        b.number = i
    return out


def _block_of(blocks: list[_Block], pos: int) -> _Block:
    for b in blocks:
        if pos < b.end:
            return b
    return blocks[-1]


# -- entity highlighting (displaCy's entity style) ---------------------------------------------


def _highlight(text: str, ents: list[dict], offset: int) -> tuple[str, list[dict]]:
    """displaCy ``ent`` markup of ``text`` with ``ents`` (offsets relative to the document);
    returns the markup and the entities that overlap one already drawn (drawn elsewhere)."""
    from spacy import displacy

    spans, left_out, last_end = [], [], -1
    for e in sorted(ents, key=lambda e: (e["start"], -e["end"])):
        if e["start"] < last_end:
            left_out.append(e)
            continue
        last_end = e["end"]
        label = _esc(e["label"])
        score = e.get("score")
        tip = f"{e.get('id', '')} · {e['label']}" + (f" · score {score:.2f}" if isinstance(score, (int, float)) else "")
        spans.append(
            {
                "start": e["start"] - offset,
                "end": e["end"] - offset,
                "label": label,
                "params": {"eid": _esc(e.get("id", "")), "tip": _esc(tip)},
            }
        )
    colors = {**ENTITY_COLORS}
    options = {"colors": colors, "template": _ENT_TEMPLATE}
    markup = displacy.render({"text": text, "ents": spans, "title": None}, style="ent", manual=True, jupyter=False, options=options)
    return markup, left_out


def _chip(label: str, text: str, extra: str = "") -> str:
    bg = ENTITY_COLORS.get(label, DEFAULT_ENTITY_COLOR)
    return f'<span class="kf-chip" data-label="{_esc(label)}" style="background: {bg}">{_esc(text)}</span>{extra}'
