"""Triple assembly from entities and relation scores; alias resolution; SCHEMA.md scoring."""

import pytest

import pipeline
from pipeline.document import ECON_SPANS_KEY
from pipeline.scoring import exact_match, relaxed_match, score_triples
from pipeline.triples import TripleAssembler, alias_clusters


def _doc(nlp, text, marks):
    """A Doc with econ spans at the given (surface, label, occurrence) marks."""
    doc = nlp.make_doc(text)
    spans = []
    for surface, label, occ in marks:
        start = -1
        for _ in range(occ):
            start = text.index(surface, start + 1)
        spans.append(doc.char_span(start, start + len(surface), label=label))
    assert all(s is not None for s in spans)
    doc.spans[ECON_SPANS_KEY] = spans
    return doc


@pytest.mark.parametrize(
    "text, a, b, same",
    [
        ("중소벤처기업진흥공단(이하 중진공)은 … 중진공의 사업", ("중소벤처기업진흥공단", 1), ("중진공", 1), True),
        ("중소벤처기업진흥공단은 밝혔다. 중진공 관계자는", ("중소벤처기업진흥공단", 1), ("중진공", 1), True),
        ("한국산업단지공단은 … 산단공은", ("한국산업단지공단", 1), ("산단공", 1), True),
        ("㈜백억전자는 … 백억전자의 매출", ("㈜백억전자", 1), ("백억전자", 2), True),
        ("중진공과 기보는 협약을 맺었다", ("중진공", 1), ("기보", 1), False),
    ],
)
def test_alias_clusters(blank_nlp, text, a, b, same):
    label = "COMPANY" if "백억" in a[0] else "AGENCY"
    doc = _doc(blank_nlp, text, [(a[0], label, a[1]), (b[0], label, b[1])])
    clusters = alias_clusters(list(doc.spans[ECON_SPANS_KEY]), doc.text)
    assert (clusters[0] == clusters[1]) is same


def test_programs_with_quotes_and_spacing_are_one_entity(blank_nlp):
    text = "한국산업단지공단의 ‘클러스터’ 사업에 참여했다. 산업단지공단의 클러스터사업에 대한 설명"
    doc = _doc(blank_nlp, text, [("클러스터’ 사업", "PROGRAM", 1), ("클러스터사업", "PROGRAM", 1)])
    clusters = alias_clusters(list(doc.spans[ECON_SPANS_KEY]), doc.text)
    assert clusters[0] == clusters[1]


def test_award_meets_program_paragraphs_later(blank_nlp):
    text = (
        "제작사 NHC미디어는 어리이야기로 2013년 대한민국 콘텐츠 대상에서 한국콘텐츠진흥원장상을 수상했다. KBS 시청률 1위를 달성했다.\n\n"
        "업계는 어려움을 겪었다. 콘텐츠 시장은 빠르게 바뀐다.\n\n"
        "하지만 NHC미디어는 한국산업단지공단의 ‘클러스터’ 사업에 참여하면서 해법을 찾았다."
    )
    marks = [
        ("NHC미디어", "COMPANY", 1),
        ("대한민국 콘텐츠 대상", "PROGRAM", 1),
        ("한국콘텐츠진흥원장상", "OUTCOME", 1),
        ("시청률 1위", "OUTCOME", 1),
        ("NHC미디어", "COMPANY", 2),
        ("한국산업단지공단", "AGENCY", 1),
        ("클러스터’ 사업", "PROGRAM", 1),
    ]
    doc = _doc(blank_nlp, text, marks)
    doc._.relation_scores = {
        (0, 2, "ACHIEVED"): 0.9,
        (0, 3, "ACHIEVED"): 0.8,
        (2, 1, "RESULT_OF"): 0.9,
        (4, 6, "PARTICIPATES_IN"): 0.95,
        (5, 6, "RUNS"): 0.9,
    }
    doc._.relations = []
    triples = TripleAssembler().assemble(doc)
    got = {(t.company.text, t.program.text, t.outcome.text, t.agency.text if t.agency else None) for t in triples}
    assert ("NHC미디어", "클러스터’ 사업", "한국콘텐츠진흥원장상", "한국산업단지공단") in got
    assert ("NHC미디어", "클러스터’ 사업", "시청률 1위", "한국산업단지공단") in got
    assert ("NHC미디어", "대한민국 콘텐츠 대상", "한국콘텐츠진흥원장상", None) in got
    for t in triples:
        for slot in (t.company, t.program, t.outcome):
            assert text[slot.start : slot.end] == slot.text
        assert t.extra["evidence"] and 0 < t.score <= 1
        assert t.outcome.extra["value"]


def test_no_program_no_triple(blank_nlp):
    doc = _doc(
        blank_nlp, "코스메카코리아는 3분기 매출 373억원을 기록했다.", [("코스메카코리아", "COMPANY", 1), ("매출 373억원", "OUTCOME", 1)]
    )
    doc._.relation_scores = {(0, 1, "ACHIEVED"): 0.95}
    doc._.relations = []
    assert TripleAssembler().assemble(doc) == []


def test_schema_matching_rule():
    assert relaxed_match("클러스터 사업", "‘클러스터사업’")
    assert relaxed_match("매출 163.3%", "매출 163.3% 증가")
    assert not relaxed_match("매출", "매출 163.3% 증가")
    assert exact_match("백억 전자", "백억전자") and not exact_match("백억전자", "㈜백억전자")
    gold = [
        {
            "company": {"text": "중소벤처기업진흥공단", "aliases": [{"text": "중진공"}]},
            "program": {"text": "사업전환 컨설팅"},
            "outcome": {"text": "매출 163.3%"},
        }
    ]
    pred = [
        {"company": {"text": "중진공"}, "program": {"text": "사업전환 컨설팅"}, "outcome": {"text": "매출 163.3% 증가"}},
        {"company": {"text": "중진공"}, "program": {"text": "사업전환 컨설팅"}, "outcome": {"text": "매출 163.3%"}},
    ]
    s = score_triples([(pred, gold)])
    assert (s.tp, s.n_pred, s.n_gold) == (1, 2, 1)  # one-to-one


def test_blank_pipeline_gives_no_facts(blank_nlp):
    record = pipeline.extract("백억전자는 매출이 늘었다.", nlp=blank_nlp)
    assert record["entities"] == [] and record["triples"] == []
