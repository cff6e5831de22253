"""The relation strip: related entities as boxes in text order, each relation a labelled SVG arc.

A small layout solver: arcs are stacked so that no two labels overlap; an entity from an
earlier paragraph is drawn dashed, with its ``¶`` number.
"""

from __future__ import annotations

from ..core.document import Document
from .blocks import _Block, _block_of, _esc, _text_width
from .style import DEFAULT_ENTITY_COLOR, DEFAULT_RELATION_COLOR, ENTITY_COLORS, FONT_STACK, RELATION_COLORS

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
