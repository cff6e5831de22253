"""The view's colours, font and scoped CSS: one place to restyle :func:`pipeline.render_html`."""

from __future__ import annotations

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
