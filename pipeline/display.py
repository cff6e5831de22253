"""Visual inspection of annotated documents: entities, relation arcs and triples as HTML.

>>> import pipeline
>>> doc = pipeline.load()("…기사 본문…")
>>> pipeline.display(doc)                 # in Jupyter: shows the view inline
>>> html = pipeline.render_html(doc)      # the same HTML, e.g. to save to a file

The view has three parts, in a ``<div class="kf-display">`` with its own scoped styles:

* the text, paragraph by paragraph (``¶1``, ``¶2``…), with every entity highlighted in
  displaCy's entity style, one colour per label (the econ layer; the standard KLUE layer,
  when the record has one, in a collapsible section of its own);
* under each paragraph that closes a relation, a compact SVG strip: the related entities
  as boxes in text order, with each relation drawn as a labelled arc above them, from head
  to tail (an entity from an earlier paragraph is drawn dashed, with its ``¶`` number).
  Arcs are stacked so that no two labels overlap, and the strip scrolls sideways when wide;
* the triples as a table, the outcome's structured value beside it.

In a notebook the text and the table sit in containers with a maximum height that scroll,
so a long article stays one screen tall; a standalone page (``page=True``) shows the whole
article, unboxed. Every piece of the record's text is HTML-escaped.
"""

from __future__ import annotations

import html as _html
import re
import sys
import types
import unicodedata
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Literal

from .core.document import Document, Triple, from_spacy
from .core.schema import ENTITY_LABELS, RELATION_LABELS, STANDARD_LABELS

__all__ = ["ENTITY_COLORS", "RELATION_COLORS", "display", "render_html", "to_document"]

#: Background colour of each entity label (econ layer, then KLUE's standard layer).
ENTITY_COLORS = {
    "COMPANY": "#9fd8fb",
    "AGENCY": "#cdbdf7",
    "PROGRAM": "#ffd27a",
    "OUTCOME": "#a3e4a6",
    "PS": "#f7b6c8",
    "LC": "#fdcfa3",
    "OG": "#bcd3ee",
    "DT": "#e3e29b",
    "TI": "#d8cce8",
    "QT": "#c2e5d9",
}
DEFAULT_ENTITY_COLOR = "#dddddd"

#: Line colour of each relation label.
RELATION_COLORS = {
    "PARTICIPATES_IN": "#1565c0",
    "RUNS": "#6a3fc1",
    "ACHIEVED": "#1b7f3a",
    "RESULT_OF": "#b35c00",
}
DEFAULT_RELATION_COLOR = "#555555"

FONT_STACK = (
    "'Noto Sans CJK KR', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', 'Nanum Gothic', 'Segoe UI', Helvetica, Arial, sans-serif"
)

# displaCy's entity template, compact (no white space around the text, which would show as a
# space before a Korean particle) and with data attributes that name the entity.
_ENT_TEMPLATE = (
    '<mark class="entity kf-ent" data-label="{label}" data-eid="{eid}" title="{tip}" style="background: {bg}; '
    "padding: 0.25em 0.45em; margin: 0 0.15em; line-height: 1; border-radius: 0.35em; "
    '-webkit-box-decoration-break: clone; box-decoration-break: clone;">{text}'
    '<span class="kf-label" style="font-size: 0.68em; font-weight: bold; line-height: 1; '
    'vertical-align: middle; margin-left: 0.4em; opacity: 0.8;">{label}</span></mark>'
)

_CSS = """
.kf-display {{ font-family: {font}; font-size: 15px; color: #1d1d1f; line-height: 1.5; max-width: 100%;
  background: #fff; padding: 6px 8px; border-radius: 8px; text-align: left; }}
.kf-display .kf-head {{ display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0 8px 0; }}
.kf-display .kf-title {{ font-weight: 600; font-size: 16px; }}
.kf-display .kf-counts {{ color: #555; font-size: 13px; }}
.kf-display .kf-legend {{ display: flex; flex-wrap: wrap; gap: 4px 10px; font-size: 12px; align-items: center; }}
.kf-display .kf-key {{ border-radius: 0.3em; padding: 1px 6px; font-weight: 600; }}
.kf-display .kf-rkey {{ display: inline-flex; align-items: center; gap: 4px; color: #333; }}
.kf-display .kf-rkey .kf-line {{ display: inline-block; width: 18px; height: 0; border-top: 2px solid; }}
.kf-display .kf-scroll {{ overflow-y: auto; overflow-x: hidden; border: 1px solid #d9d9de; border-radius: 6px;
  padding: 6px 14px 6px 8px; background: #fff; }}
.kf-display .kf-par {{ display: grid; grid-template-columns: 2.6em minmax(0, 1fr); column-gap: 6px; margin: 2px 0 6px 0; }}
.kf-display .kf-parno {{ color: #9a9aa2; font-size: 11px; text-align: right; padding-top: 0.75em; user-select: none; }}
.kf-display .kf-partext .entities {{ line-height: 2.3 !important; word-break: keep-all; overflow-wrap: anywhere; }}
.kf-display .kf-arcs {{ grid-column: 2; overflow-x: auto; overflow-y: hidden; margin: 0 0 4px 0;
  background: #fafafc; border: 1px dashed #e0e0e6; border-radius: 6px; }}
.kf-display .kf-arcs svg {{ display: block; max-width: none !important; }}
.kf-display details {{ margin: 8px 0; }}
.kf-display summary {{ cursor: pointer; color: #444; font-size: 13px; }}
.kf-display h4.kf-h {{ margin: 12px 0 4px 0; font-size: 14px; font-weight: 600; }}
.kf-display .kf-table-wrap {{ overflow: auto; border: 1px solid #d9d9de; border-radius: 6px; }}
.kf-display table.kf-triples {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
.kf-display table.kf-triples th {{ position: sticky; top: 0; background: #f2f2f5; text-align: left; font-weight: 600;
  padding: 5px 8px; border-bottom: 1px solid #d9d9de; white-space: nowrap; }}
.kf-display table.kf-triples td {{ padding: 5px 8px; border-bottom: 1px solid #ececf0; vertical-align: top; word-break: keep-all;
  text-align: left; }}
.kf-display table.kf-triples tr:nth-child(even) td {{ background: #fafafc; }}
.kf-display .kf-chip {{ border-radius: 0.3em; padding: 1px 5px; display: inline-block; line-height: 1.45; }}
.kf-display .kf-off {{ color: #8a8a92; font-size: 11px; margin-left: 4px; white-space: nowrap; }}
.kf-display table.kf-triples td.kf-num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.kf-display .kf-empty {{ color: #777; font-style: italic; font-size: 13px; }}
.kf-display .kf-note {{ color: #666; font-size: 12px; margin: 2px 0 6px 0; }}
.kf-display .kf-hint {{ color: #8a8a92; font-size: 12px; margin: 2px 0 0 2px; }}
"""

_ids = count(1)


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


# -- relation arcs (SVG) -----------------------------------------------------------------

_FS, _LFS, _AFS, _GFS = 14, 10, 11, 12  # entity text, entity label, arc label, gap text
_BOX_H, _LEVEL_H, _PAD = 40, 24, 10


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _arc_svg(items: list[dict], arcs: list[tuple[int, int, str, float | None]], gaps: list[str]) -> str:
    """Boxes for ``items`` (in text order) with labelled arcs ``(head, tail, label, score)`` above.

    ``gaps[k]`` is the (short) text shown between item k and k+1."""
    n = len(items)
    widths = []
    for it in items:
        label_line = it["label"] + (f" · ¶{it['par']}" if it["external"] else "")
        widths.append(max(_text_width(it["short"], _FS), _text_width(label_line, _LFS)) + 2 * _PAD)
    gap_w = [max(30.0, _text_width(g, _GFS) + 14) for g in gaps]
    label_w = [_text_width(lab, _AFS) + 10 for _, _, lab, _ in arcs]

    def positions() -> list[float]:
        xs, x = [], 12.0
        for k in range(n):
            xs.append(x)
            x += widths[k] + (gap_w[k] if k < n - 1 else 0)
        return xs

    # widen gaps until every arc's label fits between the boxes it joins (nearest edges)
    order = sorted(range(len(arcs)), key=lambda a: (abs(arcs[a][1] - arcs[a][0]), min(arcs[a][:2])))
    for a in order:
        lo, hi = sorted(arcs[a][:2])
        xs = positions()
        room = xs[hi] - (xs[lo] + widths[lo])
        need = label_w[a] + 8
        if room < need and hi > lo:
            extra = (need - room) / (hi - lo)
            for k in range(lo, hi):
                gap_w[k] += extra
    xs = positions()

    # attachment points: spread over each box so that arcs leave it without crossing
    ends: dict[int, list[tuple[int, str]]] = {k: [] for k in range(n)}
    for a, (h, t, _, _) in enumerate(arcs):
        ends[h].append((a, "h"))
        ends[t].append((a, "t"))
    attach: dict[tuple[int, str], float] = {}
    for k, lst in ends.items():

        def other(entry):
            a, role = entry
            h, t = arcs[a][:2]
            return t if role == "h" else h

        # leftwards arcs: the nearest leaves at the left edge, farther (higher) ones further right;
        # rightwards arcs: the farthest (highest) leaves first, the nearest at the right edge
        left = sorted((e for e in lst if other(e) < k), key=lambda e: -other(e))
        right = sorted((e for e in lst if other(e) > k), key=lambda e: -other(e))
        seq = left + right
        m = len(seq)
        usable = max(widths[k] - 16, 1)
        for i, e in enumerate(seq):
            attach[e] = xs[k] + 8 + usable * (i + 1) / (m + 1)

    # levels: an arc sits above every arc it encloses, and never shares a level with an
    # arc whose line or label it would overlap
    level: dict[int, int] = {}
    occupied: dict[int, list[tuple[float, float]]] = {}
    extent: dict[int, tuple[float, float]] = {}
    for a in order:
        h, t = arcs[a][:2]
        lo, hi = sorted((h, t))
        x1, x2 = sorted((attach[(a, "h")], attach[(a, "t")]))
        mid = (x1 + x2) / 2
        extent[a] = (min(x1, mid - label_w[a] / 2) - 6, max(x2, mid + label_w[a] / 2) + 6)
        lv = 1 + max((level[b] for b in level if lo <= min(arcs[b][:2]) and max(arcs[b][:2]) <= hi), default=0)
        while any(s < extent[a][1] and extent[a][0] < e for s, e in occupied.get(lv, [])):
            lv += 1
        level[a] = lv
        occupied.setdefault(lv, []).append(extent[a])
    top_level = max(level.values(), default=0)
    base = 12 + top_level * _LEVEL_H + 8
    width = xs[-1] + widths[-1] + 12 if n else 24
    height = base + _BOX_H + 10

    parts = [
        f'<svg class="kf-arc-svg" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="relations" '
        f'style="font-family: {_esc(FONT_STACK)}">'
    ]
    # arcs (lines first, labels on top so that a crossing line never hides a label)
    labels = []
    for a, (h, t, lab, score) in enumerate(arcs):
        colour = RELATION_COLORS.get(lab, DEFAULT_RELATION_COLOR)
        xh, xt = attach[(a, "h")], attach[(a, "t")]
        x1, x2 = sorted((xh, xt))
        y = base - level[a] * _LEVEL_H
        r = min(6.0, (x2 - x1) / 2)
        d = f"M{x1:.1f},{base - 2:.1f} V{y + r:.1f} Q{x1:.1f},{y:.1f} {x1 + r:.1f},{y:.1f} H{x2 - r:.1f} Q{x2:.1f},{y:.1f} {x2:.1f},{y + r:.1f} V{base - 2:.1f}"
        tip = f"{items[h]['text']} —{lab}→ {items[t]['text']}" + (f" (score {score:.2f})" if isinstance(score, (int, float)) else "")
        parts.append(
            f'<g class="kf-arc" data-label="{_esc(lab)}" data-head="{_esc(items[h]["eid"])}" data-tail="{_esc(items[t]["eid"])}">'
            f"<title>{_esc(tip)}</title>"
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
            f'<path d="M{xt - 4:.1f},{base - 8:.1f} L{xt + 4:.1f},{base - 8:.1f} L{xt:.1f},{base - 1:.1f} Z" fill="{colour}"/></g>'
        )
        mid = (x1 + x2) / 2
        lw = label_w[a]
        labels.append(
            f'<g class="kf-arc-label"><rect x="{mid - lw / 2:.1f}" y="{y - 8:.1f}" width="{lw:.1f}" height="16" rx="3" '
            f'fill="#fafafc" stroke="{colour}" stroke-width="0.8"/>'
            f'<text x="{mid:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="{_AFS}" fill="{colour}" '
            f'font-weight="600">{_esc(lab)}</text></g>'
        )
    parts.extend(labels)
    # entity boxes, and the text between them
    for k, it in enumerate(items):
        bg = ENTITY_COLORS.get(it["label"], DEFAULT_ENTITY_COLOR)
        x, w = xs[k], widths[k]
        dash = ' stroke-dasharray="4 3" opacity="0.8"' if it["external"] else ""
        label_line = it["label"] + (f" · ¶{it['par']}" if it["external"] else "")
        parts.append(
            f'<g class="kf-box" data-eid="{_esc(it["eid"])}" data-label="{_esc(it["label"])}">'
            f"<title>{_esc(it['eid'])} · {_esc(it['label'])} · ¶{it['par']}: {_esc(it['text'])}</title>"
            f'<rect x="{x:.1f}" y="{base:.1f}" width="{w:.1f}" height="{_BOX_H}" rx="5" fill="{bg}" stroke="#6b6b75" stroke-width="0.8"{dash}/>'
            f'<text x="{x + w / 2:.1f}" y="{base + 17:.1f}" text-anchor="middle" font-size="{_FS}" fill="#1d1d1f">{_esc(it["short"])}</text>'
            f'<text x="{x + w / 2:.1f}" y="{base + 32:.1f}" text-anchor="middle" font-size="{_LFS}" font-weight="700" '
            f'fill="#3a3a44" letter-spacing="0.3">{_esc(label_line)}</text></g>'
        )
        if k < n - 1 and gaps[k]:
            gx = x + w + gap_w[k] / 2
            parts.append(
                f'<text class="kf-gap" x="{gx:.1f}" y="{base + 24:.1f}" text-anchor="middle" font-size="{_GFS}" fill="#8a8a92">{_esc(gaps[k])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _relation_strip(doc: Document, block: _Block, blocks: list[_Block]) -> str:
    ents = {e.id: e for e in doc.entities}
    used = sorted({eid for r in block.arcs for eid in (r.head, r.tail)}, key=lambda i: (ents[i].start, ents[i].end))
    index = {eid: k for k, eid in enumerate(used)}
    items = []
    for eid in used:
        e = ents[eid]
        items.append(
            {
                "eid": eid,
                "label": e.label,
                "text": e.text,
                "short": _shorten(e.text, 24),
                "external": e.start < block.start,
                "par": _block_of(blocks, e.start).number,
            }
        )
    gaps = []
    for a, b in zip(used, used[1:]):
        ea, eb = ents[a], ents[b]
        if items[index[a]]["external"] != items[index[b]]["external"] or ea.end > eb.start:
            gaps.append("…")
            continue
        between = " ".join(doc.text[ea.end : eb.start].split())
        gaps.append(between if len(between) <= 10 else "…")
    arcs = [(index[r.head], index[r.tail], r.label, r.score) for r in block.arcs]
    return f'<div class="kf-arcs" data-par="{block.number}">{_arc_svg(items, arcs, gaps)}</div>'


# -- the view ------------------------------------------------------------------------------


def _text_view(doc: Document, ents: list[dict], blocks: list[_Block], *, arcs: bool) -> tuple[str, list[dict]]:
    out, left_out = [], []
    for b in blocks:
        inside = [e for e in ents if b.start <= e["start"] and e["end"] <= b.end]
        markup, lo = _highlight(doc.text[b.start : b.end], inside, b.start)
        left_out.extend(lo)
        out.append(
            f'<div class="kf-par" data-par="{b.number}"><div class="kf-parno">¶{b.number}</div><div class="kf-partext">{markup}</div>'
        )
        if arcs and b.arcs:
            out.append(_relation_strip(doc, b, blocks))
        out.append("</div>")
    return "".join(out), left_out


def _value_text(value: Any) -> str:
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    parts = []
    if value.get("metric"):
        parts.append(str(value["metric"]))
    if value.get("value") is not None:
        v = value["value"]
        if isinstance(v, (int, float)):
            v = f"{v:,.0f}" if abs(v) >= 10_000 else f"{v:g}"  # 1006억원 → 100,600,000,000 KRW
        unit = value.get("unit") or ""
        parts.append(f"{v}{unit}" if unit == "%" else f"{v} {unit}".strip())
    arrows = {"increase": "↑ increase", "decrease": "↓ decrease"}
    if value.get("direction") and value["direction"] not in (value.get("unit"), value.get("metric")):
        parts.append(arrows.get(value["direction"], str(value["direction"])))
    for k, v in value.items():
        if k not in ("metric", "value", "unit", "direction") and v not in (None, ""):
            parts.append(f"{k}: {v}")
    return " · ".join(parts)


def _triples_table(doc: Document, blocks: list[_Block]) -> str:
    if not doc.triples:
        return '<p class="kf-empty">No triples in this document.</p>'
    rows = []
    for i, t in enumerate(doc.triples, 1):
        cells = [f'<td class="kf-num">{i}</td>']
        for role, label in (("company", "COMPANY"), ("program", "PROGRAM"), ("outcome", "OUTCOME")):
            slot = getattr(t, role)
            off = f'<span class="kf-off">{slot.start}–{slot.end} · ¶{_block_of(blocks, slot.start).number}</span>' if blocks else ""
            cells.append(f'<td class="kf-{role}">{_chip(label, slot.text, off)}</td>')
        cells.append(f'<td class="kf-value">{_esc(_value_text(t.outcome.extra.get("value")))}</td>')
        if t.agency is not None:
            cells.append(f'<td class="kf-agency">{_chip("AGENCY", t.agency.text)}</td>')
        else:
            cells.append('<td class="kf-agency kf-empty">—</td>')
        score = f"{t.score:.2f}" if isinstance(t.score, (int, float)) else ""
        cells.append(f'<td class="kf-num">{score}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("#", "company", "program", "outcome", "outcome value", "agency", "score"))
    return f'<table class="kf-triples"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


#: Heights (px) that bound the text view and the triples table inside a notebook.
INLINE_MAX_HEIGHT = 640
INLINE_TABLE_MAX_HEIGHT = 360


def render_html(
    doc_or_document: Any,
    *,
    max_height: int | None | Literal["auto"] = "auto",
    table_max_height: int | None | Literal["auto"] = "auto",
    title: str | None = None,
    page: bool = False,
) -> str:
    """The HTML of :func:`display`: highlighted text with relation arcs, then the triples table.

    ``max_height`` (px) bounds the text view, which scrolls beyond it (``None``: no bound);
    ``table_max_height`` does the same for the table. ``page=True`` wraps the view in a
    complete HTML page (for saving to a file or a screenshot).

    ``"auto"`` (the default) bounds them in a notebook (640 and 360 px), where a long
    article should stay one screen tall among the cells, and not on a page, where the
    page scrolls itself and a box of its own would hide most of the article behind a
    second scroll bar.
    """
    if max_height == "auto":
        max_height = None if page else INLINE_MAX_HEIGHT
    if table_max_height == "auto":
        table_max_height = None if page else INLINE_TABLE_MAX_HEIGHT
    doc = to_document(doc_or_document)
    econ = [
        {"id": e.id, "label": e.label, "start": e.start, "end": e.end, "score": e.score}
        for e in doc.entities
        if 0 <= e.start < e.end <= len(doc.text)
    ]
    standard = [
        {"id": f"s{i}", "label": e["label"], "start": e["start"], "end": e["end"]}
        for i, e in enumerate(doc.extra.get("standard_entities") or [])
        if 0 <= e["start"] < e["end"] <= len(doc.text)
    ]
    blocks = _blocks(doc, [(e["start"], e["end"]) for e in econ + standard])
    known = {e.id: e for e in doc.entities}
    drawn = [r for r in doc.relations if r.head in known and r.tail in known and r.head != r.tail]
    for r in drawn if blocks else []:
        # a relation is drawn under the paragraph where its later entity sits
        _block_of(blocks, max(known[r.head].start, known[r.tail].start)).arcs.append(r)

    uid = f"kf{next(_ids)}"
    scroll = f"max-height: {int(max_height)}px;" if max_height else ""
    table_scroll = f"max-height: {int(table_max_height)}px;" if table_max_height else ""

    labels_present = [lab for lab in (*ENTITY_LABELS, *STANDARD_LABELS) if any(e["label"] == lab for e in econ)]
    labels_present += sorted({e["label"] for e in econ} - set(labels_present))
    legend = [
        f'<span class="kf-key" style="background: {ENTITY_COLORS.get(lab, DEFAULT_ENTITY_COLOR)}">{_esc(lab)} '
        f"{sum(e['label'] == lab for e in econ)}</span>"
        for lab in labels_present
    ]
    rel_present = [lab for lab in RELATION_LABELS if any(r.label == lab for r in drawn)]
    rel_present += sorted({r.label for r in drawn} - set(rel_present))
    legend += [
        f'<span class="kf-rkey"><span class="kf-line" style="border-color: {RELATION_COLORS.get(lab, DEFAULT_RELATION_COLOR)}"></span>'
        f"{_esc(lab)} {sum(r.label == lab for r in drawn)}</span>"
        for lab in rel_present
    ]
    counts = f"{len(doc.text):,} characters · {len(doc.entities)} entities · {len(doc.relations)} relations · {len(doc.triples)} triples"

    text_html, left_out = _text_view(doc, econ, blocks, arcs=True)
    parts = [
        f'<div class="kf-display" id="{uid}"><style>{_CSS.format(font=FONT_STACK)}</style>',
        f'<div class="kf-head"><span class="kf-title">{_esc(title if title is not None else doc.id)}</span>'
        f'<span class="kf-counts">{counts}</span><span class="kf-legend">{"".join(legend)}</span></div>',
        f'<div class="kf-scroll kf-text" style="{scroll}">{text_html}</div>',
    ]
    if max_height:
        parts.append(
            f'<p class="kf-hint">{len(blocks)} paragraph{"s" if len(blocks) != 1 else ""}; the text scrolls beyond {int(max_height)} px.</p>'
        )
    if left_out:
        chips = " ".join(
            _chip(e["label"], doc.text[e["start"] : e["end"]], f'<span class="kf-off">{_esc(e["label"])}</span>') for e in left_out
        )
        parts.append(f'<p class="kf-note">Overlapping entities, not highlighted inline: {chips}</p>')
    if standard:
        std_html, std_left = _text_view(doc, standard, blocks, arcs=False)
        parts.append(
            f'<details class="kf-standard"{"" if econ else " open"}><summary>Standard layer (KLUE labels): '
            f"{len(standard)} entities</summary>"
            f'<div class="kf-scroll" style="{scroll}">{std_html}</div></details>'
        )
    parts.append(f'<h4 class="kf-h">Triples ({len(doc.triples)})</h4>')
    parts.append(f'<div class="kf-table-wrap" style="{table_scroll}">{_triples_table(doc, blocks)}</div>')
    parts.append("</div>")
    out = "".join(parts)
    if page:
        out = (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f"<title>{_esc(title if title is not None else doc.id)}</title></head>"
            f'<body style="margin: 24px; background: #fff;">{out}</body></html>'
        )
    return out


def display(doc_or_document: Any, **options) -> str | None:
    """Show the view in Jupyter (returns ``None`` there); elsewhere return its HTML.

    Takes what :func:`render_html` takes.
    """
    from spacy.util import is_in_jupyter

    html = render_html(doc_or_document, **options)
    if is_in_jupyter():
        from IPython.display import HTML
        from IPython.display import display as ipy_display

        ipy_display(HTML(html))
        return None
    return html


class _CallableModule(types.ModuleType):
    """``pipeline.display`` is this module once something imported it as a submodule: calling
    it calls :func:`display`, so ``pipeline.display(doc)`` works whichever way it was reached."""

    def __call__(self, doc_or_document: Any, **options) -> str | None:
        return display(doc_or_document, **options)


sys.modules[__name__].__class__ = _CallableModule
