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

from itertools import count
from typing import Any, Literal

from ..core.document import Document
from ..core.schema import ENTITY_LABELS, RELATION_LABELS, STANDARD_LABELS
from .arcs import _relation_strip
from .blocks import _Block, _block_of, _blocks, _chip, _esc, _highlight, to_document
from .style import _CSS, DEFAULT_ENTITY_COLOR, DEFAULT_RELATION_COLOR, ENTITY_COLORS, FONT_STACK, RELATION_COLORS

__all__ = ["display", "render_html"]

_ids = count(1)


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
