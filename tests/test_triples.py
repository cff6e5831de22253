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
    from pipeline.components.selection import same_fact

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
    from pipeline.components.selection import select

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


def test_an_award_restated_is_one_fact(blank_nlp):
    """대상(산림청장상) names one prize twice, and a headline shortens 금탑산업훈장 to 금탑훈장:
    one triple each; 우수상 and 최우수상 of one firm stay two prizes."""
    from pipeline.components.selection import same_fact

    text = (
        "반딧골, 금탑훈장 수상. 임산물 수출유망업체 발굴대회에서 반딧골이 대상(산림청장상)을 받았다. "
        "반딧골은 이날 금탑산업훈장도 받았고, 우수상과 최우수상을 함께 받았다."
    )
    marks = [
        ("반딧골", "COMPANY", 1),
        ("임산물 수출유망업체 발굴대회", "PROGRAM", 1),
        ("대상", "OUTCOME", 1),
        ("산림청장상", "OUTCOME", 1),
        ("금탑훈장", "OUTCOME", 1),
        ("금탑산업훈장", "OUTCOME", 1),
        ("우수상", "OUTCOME", 1),
        ("최우수상", "OUTCOME", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert same_fact(ctx, (0, 1, 2), (0, 1, 3))  # the prize and its name in parentheses
    assert same_fact(ctx, (0, 1, 4), (0, 1, 5))  # the headline's short name
    assert not same_fact(ctx, (0, 1, 6), (0, 1, 7))  # two prizes
    assert not same_fact(ctx, (0, 1, 2), (0, 1, 5))  # 대상 and 금탑산업훈장: two prizes


def test_a_prize_first_list_gives_the_prize_to_each_firm_up_to_the_next_prize(blank_nlp):
    """``은탑 산업훈장에는 △A 대표 △B 대표, 동탑 산업훈장은 △C 대표가 수상``: the firms after a prize,
    up to the next prize, share it (heads' names stand between them, so no list of names joins
    them); a prize restated in parentheses does not end the list; a figure takes no later firm."""
    from pipeline.components.selection import prize_winners, select

    text = (
        "2024 중소기업인대회에서 은탑 산업훈장에는 △정도헌 종이나라 대표 △김종원 원텍 대표, "
        "동탑 산업훈장은 △성창원 코웰 대표가 수상했다. "
        "국무총리상(금상)에는 (주)LG화학의 원천 기술, 현대자동차(주)의 엔진이 선정됐다. "
        "매출 20% 증가를 이룬 곳은 가온테크, 다온식품이다."
    )
    marks = [
        ("2024 중소기업인대회", "PROGRAM", 1),
        ("은탑 산업훈장", "OUTCOME", 1),
        ("종이나라", "COMPANY", 1),
        ("원텍", "COMPANY", 1),
        ("동탑 산업훈장", "OUTCOME", 1),
        ("코웰", "COMPANY", 1),
        ("국무총리상", "OUTCOME", 1),
        ("금상", "OUTCOME", 1),
        ("(주)LG화학", "COMPANY", 1),
        ("현대자동차(주)", "COMPANY", 1),
        ("매출 20% 증가", "OUTCOME", 1),
        ("가온테크", "COMPANY", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert ctx.chain(2) == [2]  # 대표 △김종원 between them: no list
    assert prize_winners(ctx, 2, 1) == [2, 3]
    assert prize_winners(ctx, 5, 1) == []  # 코웰 took the next prize
    assert prize_winners(ctx, 8, 6) == [8, 9]  # (금상) restates 국무총리상
    assert prize_winners(ctx, 11, 10) == []  # a figure, not a prize
    cands = [(c, 0, 1) for c in (2, 3, 5)]
    chosen = select(ctx, cands, [0.9, 0.2, 0.3], threshold=0.25, second_threshold=0.99, chain_threshold=0.1)
    assert sorted(c for _, (c, _, _) in chosen) == [2, 3]


def test_a_firm_listed_under_one_prize_did_not_win_the_others_of_its_sentence(blank_nlp):
    """``△대상 두원농협 △최우수상 하동율림 △우수상 소백산아래가 각각 수상``: each firm has the prize
    it is listed under; a scorer that prefers the first firm for every prize is overruled, and the
    next candidate of the prize takes its place. Laid out firm first (``가온테크는 대상을, 다온식품은
    최우수상을``) no prize claims a firm."""
    from pipeline.components.selection import prize_first, select

    text = (
        "2020년 수출농업 우수사례 경진대회 심사결과 가공부분은 △대상 두원농업협동조합(유자가공품) "
        "△최우수상 하동율림영농조합법인(밤 가공품) △우수상 소백산아래(부각)가 각각 수상했다. "
        "가온테크는 대상을, 다온식품은 최우수상을 받았다."
    )
    marks = [
        ("2020년 수출농업 우수사례 경진대회", "PROGRAM", 1),
        ("대상", "OUTCOME", 1),
        ("두원농업협동조합", "COMPANY", 1),
        ("최우수상", "OUTCOME", 1),
        ("하동율림영농조합법인", "COMPANY", 1),
        ("우수상", "OUTCOME", 2),
        ("소백산아래", "COMPANY", 1),
        ("가온테크", "COMPANY", 1),
        ("대상", "OUTCOME", 2),
        ("다온식품", "COMPANY", 1),
        ("최우수상", "OUTCOME", 2),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert prize_first(ctx, 1) and prize_first(ctx, 3) and prize_first(ctx, 5)
    assert not prize_first(ctx, 8) and not prize_first(ctx, 10)
    cands = [(2, 0, 3), (4, 0, 3), (9, 0, 10)]
    chosen = select(ctx, cands, [0.9, 0.6, 0.9], threshold=0.25, second_threshold=0.99)
    # 두원농협 is 대상's; 다온식품, after 대상 but in a sentence laid out firm first, keeps 최우수상
    assert sorted((o, c) for _, (c, _, o) in chosen) == [(3, 4), (10, 9)]


def test_the_entrants_of_a_competition_win_none_of_its_prizes(blank_nlp):
    """``240개 팀이 신청했다 … 대상은 대양에스씨``: the count of entrants is no winner (SCHEMA.md: the
    group must be the one that achieved it), while a named firm that entered and won keeps its prize."""
    from pipeline.components.selection import select

    text = "2020 해양수산 창업 콘테스트에는 240개 팀이 신청했다. 대양에스씨가 참가해 대상을 받았다."
    marks = [
        ("2020 해양수산 창업 콘테스트", "PROGRAM", 1),
        ("240개 팀", "COMPANY", 1),
        ("대양에스씨", "COMPANY", 1),
        ("대상", "OUTCOME", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    chosen = select(ctx, [(1, 0, 3), (2, 0, 3)], [0.9, 0.6], threshold=0.25, second_threshold=0.8)
    assert [c for _, (c, _, _) in chosen] == [2]


def test_one_participant_group_per_outcome_however_it_is_named(blank_nlp):
    """c-008 of dev (synthetic restatement): the participants are 수산식품기업 12개사 and 참여 기업들,
    which no alias rule joins; the figure they reached is one fact, not two."""
    from pipeline.components.selection import select

    text = (
        "수산식품기업 12개사가 수산식품기업 도약지원사업에 참여했다. 참여 기업들은 신규고용 25명 창출 성과를 냈다. "
        "가온수산과 다온식품은 대상을 받았다. 대한기업, 민국기업도 받았다."
    )
    marks = [
        ("수산식품기업 12개사", "COMPANY", 1),
        ("수산식품기업 도약지원사업", "PROGRAM", 1),
        ("참여 기업들", "COMPANY", 1),
        ("신규고용 25명 창출", "OUTCOME", 1),
        ("가온수산", "COMPANY", 1),
        ("다온식품", "COMPANY", 1),
        ("대상", "OUTCOME", 1),
        ("대한기업", "COMPANY", 1),
        ("민국기업", "COMPANY", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert ctx.cluster[0] != ctx.cluster[2]
    chosen = select(ctx, [(0, 1, 3), (2, 1, 3)], [0.85, 0.9], threshold=0.3, second_threshold=0.5)
    assert [cand for _, cand in chosen] == [(2, 1, 3)]  # the better scored name of the group
    chosen = select(ctx, [(4, 1, 6), (5, 1, 6)], [0.85, 0.9], threshold=0.3, second_threshold=0.5)
    assert sorted(c for _, (c, _, _) in chosen) == [4, 5]  # two named firms share a prize
    chosen = select(ctx, [(7, 1, 6), (8, 1, 6)], [0.85, 0.9], threshold=0.3, second_threshold=0.5)
    assert sorted(c for _, (c, _, _) in chosen) == [7, 8]  # … also when their names look like groups


def test_a_head_count_with_another_counter_word_is_the_same_group(blank_nlp):
    """c-029 of dev (synthetic restatement): 127곳 in the lead and 127개사 in the body."""
    from pipeline.components.selection import same_fact

    text = (
        "성장사다리지원사업에 참여한 127곳의 수출이 9.96% 늘었다. 참여기업 127개사의 수출 9.96% 증가. 참여기업 12개사는 매출 9.96% 늘었다."
    )
    marks = [
        ("성장사다리지원사업", "PROGRAM", 1),
        ("127곳", "COMPANY", 1),
        ("수출이 9.96% 늘었다", "OUTCOME", 1),
        ("참여기업 127개사", "COMPANY", 1),
        ("수출 9.96% 증가", "OUTCOME", 1),
        ("참여기업 12개사", "COMPANY", 1),
    ]
    ctx = _ctx(blank_nlp, text, marks)
    assert same_fact(ctx, (1, 0, 2), (3, 0, 4))
    assert not same_fact(ctx, (1, 0, 2), (5, 0, 4))  # 127 and 12 firms: two groups
