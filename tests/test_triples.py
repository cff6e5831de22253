"""Triple assembly from entities and relation scores; alias resolution; SCHEMA.md scoring."""

import pytest

import pipeline
from pipeline.components.fact_scorer import features
from pipeline.components.triples import TripleAssembler, alias_clusters
from pipeline.core.document import ECON_SPANS_KEY
from pipeline.core.matching import exact_match, relaxed_match
from pipeline.evaluation.scoring import score_triples


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
    document = pipeline.extract("백억전자는 매출이 늘었다.", nlp=blank_nlp)
    assert document.entities == [] and document.triples == []


def _ctx(nlp, text, marks):
    doc = _doc(nlp, text, marks)
    doc._.relation_scores = {}
    return TripleAssembler().context(doc)


def test_a_restated_figure_is_one_fact_and_two_periods_are_two(blank_nlp):
    from pipeline.components.triples import same_fact

    text = (
        "61개 창업기업이 초기창업패키지 사업으로 매출액 340억 원을 올렸다. "
        "초기창업패키지 사업에 선정된 61개 기업이 345억 4600만 원의 매출액을 기록했다. "
        "2021년 매출 10억원, 2022년 매출 20억원을 올린 가온테크도 있다."
    )
    marks = [
        ("61개 창업기업", "COMPANY", 1),
        ("초기창업패키지 사업", "PROGRAM", 1),
        ("매출액 340억 원", "OUTCOME", 1),
        ("61개 기업", "COMPANY", 1),
        ("345억 4600만 원의 매출액", "OUTCOME", 1),
        ("매출 10억원", "OUTCOME", 1),
        ("매출 20억원", "OUTCOME", 1),
        ("가온테크", "COMPANY", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert ctx.cluster[0] != ctx.cluster[3]  # two names of one group: not aliases, but one fact
    assert same_fact(ctx, (0, 1, 2), (3, 1, 4))  # 340억 ≈ 345.46억: lead rounds the body's figure
    assert not same_fact(ctx, (7, 1, 5), (7, 1, 6))  # the same metric for two years: two facts
    assert not same_fact(ctx, (0, 1, 2), (7, 1, 4))  # another firm


def test_listed_winners_share_one_prize(blank_nlp):
    from pipeline.components.triples import select

    text = "집적지사업 과제를 수행한 와이드티앤에스, 서보스타와 윈텍은 장관 표창을 수상했다. 이레산업은 매출 125억 원을 올렸다."
    marks = [
        ("집적지사업", "PROGRAM", 1),
        ("와이드티앤에스", "COMPANY", 1),
        ("서보스타", "COMPANY", 1),
        ("윈텍", "COMPANY", 1),
        ("장관 표창", "OUTCOME", 1),
        ("이레산업", "COMPANY", 1),
        ("매출 125억 원", "OUTCOME", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert ctx.chain(2) == [1, 2, 3] and ctx.chain(5) == [5]
    f = features(ctx, (3, 0, 4))
    assert f["c_in_segment"] == 1 and f["c_chain=4"] == 1 and f["c_subject"] == 1 and f["c_chain_of_nearest"] == 1
    assert features(ctx, (5, 0, 4))["c_in_segment"] == 0
    cands = [(c, 0, 4) for c in (1, 2, 3, 5)]
    chosen = select(ctx, cands, [0.9, 0.85, 0.95, 0.3], threshold=0.25, second_threshold=0.8)
    assert sorted(c for _, (c, _, _) in chosen) == [1, 2, 3]  # every listed firm, not the firm of the next sentence
    chosen = select(ctx, cands, [0.9, 0.85, 0.95, 0.3], threshold=0.25, second_threshold=0.99)
    assert [c for _, (c, _, _) in chosen] == [3]  # above the second threshold only the best
    chosen = select(ctx, cands, [0.3, 0.15, 0.95, 0.3], threshold=0.25, second_threshold=0.99, chain_threshold=0.1)
    assert sorted(c for _, (c, _, _) in chosen) == [1, 2, 3]  # the firms listed with the best share its prize
    chosen = select(ctx, cands, [0.3, 0.05, 0.95, 0.3], threshold=0.25, second_threshold=0.99, chain_threshold=0.1)
    assert sorted(c for _, (c, _, _) in chosen) == [1, 3]  # … each above the chain threshold; 이레산업 is in no list
