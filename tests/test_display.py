"""pipeline.display / pipeline.render_html: what a reader of the HTML actually gets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import pipeline
from pipeline.render.blocks import to_document
from pipeline.render.html import render_html

TEXT = (
    "자동차 전장부품 제조기업 백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3%, 종업원 수 23.1% 증가하는 성과를 기록했다.\n\n"
    "한편 NHC미디어는 대한민국 콘텐츠 대상에서 한국콘텐츠진흥원장상을 받았다."
)


def _span(text: str, sub: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(sub, start + 1)
    return start, start + len(sub)


def _record(text: str = TEXT) -> dict:
    ents = [
        ("e0", "COMPANY", "백억전자"),
        ("e1", "AGENCY", "중진공"),
        ("e2", "PROGRAM", "사업전환 컨설팅"),
        ("e3", "OUTCOME", "매출 163.3%"),
        ("e4", "OUTCOME", "종업원 수 23.1% 증가"),
        ("e5", "COMPANY", "NHC미디어"),
        ("e6", "PROGRAM", "대한민국 콘텐츠 대상"),
        ("e7", "OUTCOME", "한국콘텐츠진흥원장상"),
    ]
    entities = []
    for eid, label, sub in ents:
        s, e = _span(text, sub)
        entities.append({"id": eid, "label": label, "start": s, "end": e, "text": sub, "score": 0.9})
    by = {e["id"]: e for e in entities}

    def slot(eid, **extra):
        e = by[eid]
        return {"text": e["text"], "start": e["start"], "end": e["end"], **extra}

    relations = [
        {"head": "e0", "tail": "e2", "label": "PARTICIPATES_IN", "score": 0.8},
        {"head": "e1", "tail": "e2", "label": "RUNS", "score": 0.7},
        {"head": "e0", "tail": "e3", "label": "ACHIEVED", "score": 0.9},
        {"head": "e0", "tail": "e4", "label": "ACHIEVED", "score": 0.85},
        {"head": "e3", "tail": "e2", "label": "RESULT_OF", "score": 0.6},
        {"head": "e5", "tail": "e7", "label": "ACHIEVED", "score": 0.9},
        {"head": "e5", "tail": "e6", "label": "PARTICIPATES_IN", "score": 0.9},
    ]
    triples = [
        {
            "company": slot("e0"),
            "program": slot("e2"),
            "outcome": slot("e3", value={"metric": "매출", "value": 163.3, "unit": "%", "direction": "increase"}),
            "agency": slot("e1"),
            "score": 0.88,
        },
        {"company": slot("e5"), "program": slot("e6"), "outcome": slot("e7", value={"metric": "수상"}), "agency": None, "score": 0.7},
    ]
    return {
        "id": "doc-1",
        "text": text,
        "sentences": [],
        "entities": entities,
        "relations": relations,
        "triples": triples,
    }


class _Tree(HTMLParser):
    """Just enough of the DOM: the entity marks, the arc groups, table rows, script tags,
    elements with their class and style."""

    VOID = {"br", "meta", "rect", "path", "input", "img", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.marks: list[dict] = []
        self.arcs: list[dict] = []
        self.label_rects: list[dict] = []
        self.boxes: list[dict] = []
        self.rows: list[list[str]] = []
        self.scripts = 0
        self.elements: list[dict] = []
        self._in_label_group = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        node = {"tag": tag, "attrs": a, "cls": cls, "text": "", "own": "", "label_text": "", "ancestors": list(self.stack)}
        self.elements.append(node)
        if tag == "script":
            self.scripts += 1
        if tag == "mark":
            self.marks.append(node)
        if tag == "g" and "kf-arc" in cls:
            self.arcs.append(a)
        if tag == "g" and "kf-arc-label" in cls:
            self._in_label_group = True
        if tag == "rect" and self._in_label_group:
            self.label_rects.append({k: float(a[k]) for k in ("x", "y", "width", "height")})
        if tag == "g" and "kf-box" in cls:
            self.boxes.append(a)
        if tag == "tr":
            self.rows.append([])
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if tag == "g":
            self._in_label_group = False
        while self.stack:
            node = self.stack.pop()
            if node["tag"] == tag:
                if tag in ("td", "th") and self.rows:
                    self.rows[-1].append(node["text"])
                break

    def handle_data(self, data):
        for node in self.stack:
            node["text"] += data
        in_label = any("kf-label" in n["cls"] for n in self.stack)
        for node in self.stack:
            if node["tag"] == "mark":
                if in_label:
                    node["label_text"] += data
                else:
                    node["own"] += data


def parse(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree


# -- entities ---------------------------------------------------------------------------


def test_every_entity_is_highlighted_with_its_label():
    rec = _record()
    tree = parse(render_html(rec))
    marks = {m["attrs"]["data-eid"]: m for m in tree.marks}
    assert set(marks) == {e["id"] for e in rec["entities"]}
    for e in rec["entities"]:
        m = marks[e["id"]]
        assert m["own"] == e["text"], (m["own"], e["text"])
        assert m["attrs"]["data-label"] == e["label"]
        assert m["label_text"] == e["label"]  # the label is written beside the text
        assert "background" in m["attrs"]["style"]


def test_one_colour_per_label():
    tree = parse(render_html(_record()))
    colours: dict[str, set[str]] = {}
    for m in tree.marks:
        bg = re.search(r"background: ([^;]+);", m["attrs"]["style"]).group(1)
        colours.setdefault(m["attrs"]["data-label"], set()).add(bg)
    assert all(len(c) == 1 for c in colours.values())
    assert len({next(iter(c)) for c in colours.values()}) == len(colours) == 4


def test_text_between_entities_is_kept_verbatim():
    rec = _record()
    tree = parse(render_html(rec))
    body = next(n for n in tree.elements if "kf-text" in n["cls"])
    flat = re.sub(r"(COMPANY|AGENCY|PROGRAM|OUTCOME)|¶\d+|\s", "", body["text"])
    # the relation strips repeat entity texts: the article text must come first, whole
    assert flat.startswith(re.sub(r"\s", "", rec["text"].split("\n")[0]))


def test_standard_layer_is_shown_when_present():
    rec = _record()
    s, e = _span(TEXT, "NHC미디어")
    rec["standard_entities"] = [{"label": "OG", "start": s, "end": e, "text": "NHC미디어"}]
    tree = parse(render_html(rec))
    og = [m for m in tree.marks if m["attrs"]["data-label"] == "OG"]
    assert len(og) == 1 and og[0]["own"] == "NHC미디어" and og[0]["label_text"] == "OG"
    assert any(n["tag"] == "details" and "kf-standard" in n["cls"] for n in tree.elements)


def test_overlapping_entities_are_still_listed():
    rec = _record()
    s, e = _span(TEXT, "매출")
    rec["entities"].append({"id": "e8", "label": "OUTCOME", "start": s, "end": e, "text": "매출"})
    html = render_html(rec)
    note = next(n for n in parse(html).elements if "kf-note" in n["cls"])
    assert "매출" in note["text"] and "OUTCOME" in note["text"]


# -- relations and triples ------------------------------------------------------------------


def test_every_relation_is_an_arc_with_its_label():
    rec = _record()
    tree = parse(render_html(rec))
    got = sorted((a["data-head"], a["data-label"], a["data-tail"]) for a in tree.arcs)
    want = sorted((r["head"], r["label"], r["tail"]) for r in rec["relations"])
    assert got == want
    assert len(tree.label_rects) == len(rec["relations"])


def test_arc_labels_never_overlap():
    # many relations between few entities, in one paragraph: the worst case for stacking
    rec = _record(TEXT.replace("\n\n", " "))
    extra = [
        ("e1", "e6", "RUNS"),
        ("e3", "e6", "RESULT_OF"),
        ("e4", "e2", "RESULT_OF"),
        ("e4", "e6", "RESULT_OF"),
        ("e7", "e2", "RESULT_OF"),
    ]
    rec["relations"] += [{"head": h, "tail": t, "label": lab} for h, t, lab in extra]
    tree = parse(render_html(rec))
    rects = tree.label_rects
    assert len(rects) == len(rec["relations"])
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)


def test_cross_paragraph_relation_shows_the_earlier_entity_dashed():
    rec = _record()
    rec["relations"].append({"head": "e0", "tail": "e7", "label": "ACHIEVED"})
    html = render_html(rec)
    # the strip of paragraph 2 holds e0 (from paragraph 1) as an external box
    strip = re.search(r'<div class="kf-arcs" data-par="2">(.*?)</div>', html, re.S).group(1)
    assert 'data-eid="e0"' in strip and "stroke-dasharray" in strip and "¶1" in strip


def test_triples_table():
    rec = _record()
    tree = parse(render_html(rec))
    table = [n for n in tree.elements if n["tag"] == "table" and "kf-triples" in n["cls"]]
    assert len(table) == 1
    header, *rows = tree.rows
    assert [h.strip() for h in header][:4] == ["#", "company", "program", "outcome"]
    assert len(rows) == len(rec["triples"])
    first = " ".join(rows[0])
    for part in ("백억전자", "사업전환 컨설팅", "매출 163.3%", "중진공", "0.88", "increase"):
        assert part in first
    assert "—" in rows[1][5]  # no agency
    assert "163.3%" in rows[0][4]


def test_outcome_values_read_as_numbers():
    rec = _record()
    rec["triples"][0]["outcome"]["value"] = {"metric": "매출", "value": 1.006e11, "unit": "KRW", "direction": "level"}
    rows = parse(render_html(rec)).rows
    assert "100,600,000,000 KRW" in rows[1][4] and "e+" not in rows[1][4]


def test_no_triples_says_so():
    rec = _record()
    rec["triples"] = []
    html = render_html(rec)
    assert "kf-triples" not in re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    assert "No triples" in html


# -- safety and size ----------------------------------------------------------------------------


def test_text_is_escaped():
    evil = '<script>alert("x")</script> 회사 <b>Acme & Co</b>는 "지원사업"에 참여했다. <img src=x onerror=alert(1)>'
    s, e = _span(evil, "<b>Acme & Co</b>")
    ps, pe = _span(evil, '"지원사업"')
    rec = {
        "id": '<i>id</i>"',
        "text": evil,
        "entities": [
            {"id": "e0", "label": "COMPANY", "start": s, "end": e, "text": evil[s:e]},
            {"id": "e1", "label": "PROGRAM", "start": ps, "end": pe, "text": evil[ps:pe]},
        ],
        "relations": [{"head": "e0", "tail": "e1", "label": "PARTICIPATES_IN"}],
        "triples": [
            {
                "company": {"text": evil[s:e], "start": s, "end": e},
                "program": {"text": evil[ps:pe], "start": ps, "end": pe},
                "outcome": {"text": evil[s:e], "start": s, "end": e, "value": {"metric": "<script>"}},
                "agency": None,
            }
        ],
    }
    html = render_html(rec)
    tree = parse(html)
    assert tree.scripts == 0
    assert not any(n["tag"] in ("img", "b", "i") for n in tree.elements)
    assert "&lt;script&gt;" in html and "<script" not in html
    mark = next(m for m in tree.marks if m["attrs"]["data-eid"] == "e0")
    assert mark["own"] == "<b>Acme & Co</b>"  # shown as text, character for character


def test_long_text_stays_in_a_scroll_container():
    para = "중소기업 경쟁력 향상을 위한 클러스터사업이 성과를 냈다. " * 8
    text = "\n\n".join(f"{i}번째 문단. {para}" for i in range(120))
    s, e = _span(text, "클러스터사업", 300)
    rec = {"id": "long", "text": text, "entities": [{"id": "e0", "label": "PROGRAM", "start": s, "end": e, "text": "클러스터사업"}]}
    html = render_html(rec)
    tree = parse(html)
    box = next(n for n in tree.elements if "kf-text" in n["cls"])
    assert "max-height: 640px" in box["attrs"]["style"]
    assert re.search(r"\.kf-display \.kf-scroll \{[^}]*overflow-y: auto", html)
    pars = [n for n in tree.elements if "kf-par" in n["cls"]]
    assert len(pars) == 120
    assert all(any(a is box for a in n["ancestors"]) for n in pars)  # every paragraph inside the box
    assert "0번째" in box["text"] and "119번째" in box["text"]
    # wrapping: the entity view wraps lines, and the relation strips scroll sideways instead
    assert re.search(r"\.kf-partext \.entities \{[^}]*overflow-wrap: anywhere", html)
    assert re.search(r"\.kf-arcs \{[^}]*overflow-x: auto", html)
    assert len(parse(render_html(rec, max_height=300)).marks) == 1
    assert "max-height" not in next(n for n in parse(render_html(rec, max_height=None)).elements if "kf-text" in n["cls"])["attrs"]["style"]


def test_a_long_paragraph_is_cut_at_sentence_ends():
    text = "클러스터사업이 성과를 냈다. " * 200  # one paragraph of 3,000 characters
    html = render_html({"id": "x", "text": text, "entities": []})
    pars = [n for n in parse(html).elements if "kf-par" in n["cls"]]
    assert len(pars) > 1
    assert all(len(n["text"]) <= 720 for n in pars)


# -- inputs ------------------------------------------------------------------------------------


def test_accepts_document_dict_and_spacy_doc(blank_nlp):
    from spacy.tokens import Span

    rec = _record()
    doc_obj = pipeline.Document.from_dict(rec)
    assert parse(render_html(doc_obj)).arcs and parse(render_html(rec)).arcs

    doc = blank_nlp(TEXT)
    spans = []
    for e in rec["entities"]:
        sp = doc.char_span(e["start"], e["end"], label=e["label"], alignment_mode="expand")
        spans.append(Span(doc, sp.start, sp.end, label=e["label"]))
    doc.spans["econ"] = spans
    doc._.relations = [(0, 2, "PARTICIPATES_IN", 0.9), (0, 3, "ACHIEVED", 0.8)]
    doc._.triples = rec["triples"][:1]
    tree = parse(render_html(doc))
    assert len(tree.marks) == len(spans)
    assert {(a["data-head"], a["data-tail"]) for a in tree.arcs} == {("e0", "e2"), ("e0", "e3")}
    assert len(tree.rows) == 2  # header + one triple


def test_accepts_a_datasets_row():
    rec = _record()
    row = {**rec, "meta": "{}", "relations": [{k: r[k] for k in ("head", "tail", "label")} for r in rec["relations"]]}
    row["entities"] = [{k: e[k] for k in ("id", "label", "text", "start", "end")} for e in rec["entities"]]
    assert len(parse(render_html(row)).marks) == len(rec["entities"])


def test_rejects_other_objects():
    with pytest.raises(TypeError):
        to_document(42)


def test_display_returns_html_outside_jupyter():
    html = pipeline.display(_record())  # pytest is no Jupyter kernel
    assert isinstance(html, str) and html.startswith('<div class="kf-display"')
    assert len(parse(html).marks) == len(_record()["entities"])


def test_page_is_a_complete_document():
    html = render_html(_record(), page=True)
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html and html.rstrip().endswith("</html>")


# -- a standalone page: the whole article, no scroll box -----------------------------------------


def _long_record(paragraphs: int = 40) -> dict:
    """A long article with a fact in every paragraph: its text, entities and triples, all found by search."""
    filler = "중소기업 경쟁력 향상을 위한 클러스터사업이 지역 산업에 성과를 냈다. " * 6
    text = "\n\n".join(f"{i}번째 문단. 참여기업{i}호는 클러스터사업을 통해 매출 {i}% 증가를 기록했다. {filler}" for i in range(paragraphs))
    entities, triples, pos = [], [], 0
    for i in range(paragraphs):
        slots = {}
        for role, label, sub in (
            ("company", "COMPANY", f"참여기업{i}호"),
            ("program", "PROGRAM", "클러스터사업"),
            ("outcome", "OUTCOME", f"매출 {i}% 증가"),
        ):
            start = text.index(sub, pos)
            entities.append({"id": f"e{len(entities)}", "label": label, "start": start, "end": start + len(sub), "text": sub})
            slots[role] = {"text": sub, "start": start, "end": start + len(sub)}
            pos = start + len(sub)
        triples.append({**slots, "agency": None, "score": 0.5})
    return {"id": "long", "text": text, "entities": entities, "relations": [], "triples": triples}


def test_page_has_no_height_bound_and_the_notebook_view_keeps_it():
    rec = _long_record()
    page = parse(render_html(rec, page=True))
    inline = parse(render_html(rec))
    text_box = next(n for n in page.elements if "kf-text" in n["cls"])
    table_box = next(n for n in page.elements if "kf-table-wrap" in n["cls"])
    assert "max-height" not in text_box["attrs"]["style"] and "max-height" not in table_box["attrs"]["style"]
    assert not any("kf-hint" in n["cls"] for n in page.elements)  # no "the text scrolls beyond" note
    assert len(page.marks) == len(rec["entities"]) and len(page.rows) == 1 + len(rec["triples"])
    # inside a notebook the bounds stay, and a page can still ask for them
    assert "max-height: 640px" in next(n for n in inline.elements if "kf-text" in n["cls"])["attrs"]["style"]
    assert "max-height: 360px" in next(n for n in inline.elements if "kf-table-wrap" in n["cls"])["attrs"]["style"]
    boxed = parse(render_html(rec, page=True, max_height=500))
    assert "max-height: 500px" in next(n for n in boxed.elements if "kf-text" in n["cls"])["attrs"]["style"]


def _chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


#: Run in the browser once the page has loaded: the text view's and the last entity's geometry,
#: and every element of the view that scrolls vertically, written into the DOM for --dump-dom.
_PROBE = """<script>
window.addEventListener('load', () => {
  const view = document.querySelector('.kf-display'), box = view.querySelector('.kf-text');
  const marks = box.querySelectorAll('mark.kf-ent'), mark = marks[marks.length - 1];
  const b = box.getBoundingClientRect(), m = mark.getBoundingClientRect();
  const scrollers = [...view.querySelectorAll('*')].filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowY)
    && el.scrollHeight > el.clientHeight + 1).map(el => el.className);
  const out = {scrollHeight: box.scrollHeight, clientHeight: box.clientHeight, boxTop: b.top + scrollY, boxBottom: b.bottom + scrollY,
    markTop: m.top + scrollY, markBottom: m.bottom + scrollY, markText: mark.firstChild.textContent,
    pageHeight: document.documentElement.scrollHeight, scrollers};
  const pre = document.createElement('pre'); pre.id = 'kf-measure'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _measure(html: str, tmp_path, name: str) -> dict:
    """Load ``html`` in headless Chromium and return what :data:`_PROBE` measured."""
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium; or set $CHROMIUM)")
    path = tmp_path / f"{name}.html"
    if "</body>" not in html:
        html = f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"></head><body>{html}</body></html>'
    path.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-background-networking"]
    cmd += [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900", "--virtual-time-budget=5000", "--dump-dom", path.as_uri()]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="kf-measure">([^<]*)</pre>', out.stdout)
    assert found, f"Chromium ran no probe (exit {out.returncode}): {out.stderr[-1500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def _assert_whole_article(m: dict, last_entity: str) -> None:
    assert m["scrollers"] == [], f"scroll boxes on a standalone page: {m['scrollers']}"
    assert m["scrollHeight"] == m["clientHeight"], "the article's text view scrolls"
    assert m["markText"] == last_entity
    assert m["boxTop"] <= m["markTop"] and m["markBottom"] <= m["boxBottom"] <= m["pageHeight"], "the last entity is cut off"


def test_page_shows_the_whole_article_in_chromium(tmp_path):
    rec = _long_record()
    page = _measure(render_html(rec, page=True), tmp_path, "page")
    _assert_whole_article(page, rec["entities"][-1]["text"])
    assert page["pageHeight"] > 2000  # the article is long: the page grew instead of a box
    # the same article in the notebook view: a bounded box that hides its end until scrolled
    inline = _measure(render_html(rec), tmp_path, "inline")
    assert inline["scrollHeight"] > inline["clientHeight"] + 1000
    assert inline["markBottom"] > inline["boxBottom"]
    assert "kf-scroll kf-text" in inline["scrollers"]


def test_lazy_entry_points_in_a_fresh_interpreter():
    code = (
        "import pipeline; a = pipeline.render_html; b = pipeline.display; assert callable(a) and callable(b);"
        "import pipeline.render.html as m; assert callable(pipeline.display) and pipeline.display is m.display;"
        "print(pipeline.display({'id': 'x', 'text': 'abc'})[:24])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith('<div class="kf-display"')


# -- the seed article, with the shipped model ------------------------------------------------------


@pytest.fixture(scope="module")
def seed_record(seed_text):
    nlp = pipeline.load()
    return pipeline.from_spacy(nlp(seed_text), "seed-nhc-media").to_dict()


def test_seed_article_display(seed_record):
    tree = parse(render_html(seed_record))
    marks = {m["attrs"]["data-eid"]: m for m in tree.marks}
    for e in seed_record["entities"]:
        assert marks[e["id"]]["own"] == e["text"] and marks[e["id"]]["label_text"] == e["label"]
    assert len(tree.arcs) == len(seed_record["relations"])
    if seed_record["triples"]:
        assert len(tree.rows) == 1 + len(seed_record["triples"])


def test_seed_article_page_in_chromium(seed_record, tmp_path):
    m = _measure(render_html(seed_record, page=True), tmp_path, "seed")
    last = max(seed_record["entities"], key=lambda e: e["start"])
    _assert_whole_article(m, last["text"])
