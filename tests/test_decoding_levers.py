"""The public-body list, the outcome grammar, and the decoder options built on them."""

import numpy
import pytest

from pipeline.components.span_classifier import DecodingLevers, decode
from pipeline.language.outcome_grammar import outcome_form
from pipeline.language.public_bodies import is_public_body

LABELS = ("AGENCY", "COMPANY", "PROGRAM", "OUTCOME")


@pytest.mark.parametrize(
    "text",
    ["중진공", "중소벤처기업진흥공단", "산단공", "창진원", "중기부", "KOTRA", "중소 벤처 기업부", "기계연", "한국공학대"],
)
def test_listed_bodies_and_abbreviations_match(text):
    assert is_public_body(text)


@pytest.mark.parametrize(
    "text", ["완도군", "완도군청", "서울시", "충남대", "신구대학교", "부산테크노파크", "경기TP", "대구창조경제혁신센터", "세계김치연구소"]
)
def test_patterns_cover_regions_universities_and_regional_bodies(text):
    assert is_public_body(text)
    assert not is_public_body(text, patterns=False) or text == "세계김치연구소"  # listed and of a listed form


@pytest.mark.parametrize(
    "text",
    [
        "LG전자",
        "삼성전자",
        "㈜블루오션텍",
        "㈜대한뷰티산업진흥원",
        "선임연구원",
        "김철수 연구원",
        "미래센서연구소",
        "창업선도대학",
        "사업전환 컨설팅",
        "중진공 사업전환 컨설팅",
        "확대",
    ],
)
def test_firms_titles_and_longer_spans_do_not_match(text):
    assert not is_public_body(text)


def _spans_of(doc, form):
    """Text of every token span of up to 6 tokens that has outcome form ``form``."""
    return {doc[s:e].text for s in range(len(doc)) for e in range(s + 1, min(len(doc), s + 6) + 1) if outcome_form(doc, s, e) == form}


def test_grammar_finds_figures_prizes_ranks_and_contracts(blank_nlp):
    doc = blank_nlp(
        "백억전자는 매출 163.3%, 종업원 수 23.1% 증가하는 성과를 기록했다. "
        "LG전자와 공급 계약을 맺고 장관 표창과 시청률 1위, 대한민국 콘텐츠 대상, 최우수상을 받았다."
    )
    figures = _spans_of(doc, "figure")
    assert {"매출 163.3%", "종업원 수 23.1% 증가"} <= figures
    assert not any("," in f for f in figures)  # two outcomes joined by a comma are not one
    assert "매출 163.3" not in figures  # a number needs its unit
    assert {"장관 표창", "대한민국 콘텐츠 대상", "최우수상"} <= _spans_of(doc, "prize")
    assert "시청률 1위" in _spans_of(doc, "rank")
    assert "LG전자와 공급 계약" in _spans_of(doc, "contract")


def test_grammar_refuses_plans_support_and_lookalike_nouns(blank_nlp):
    doc = blank_nlp("회사는 매출 100억 원 목표를 세웠고 7천만원 지원을 받아 품질 향상과 지원 대상 선정에 힘썼다.")
    found = {doc[s:e].text for s in range(len(doc)) for e in range(s + 1, min(len(doc), s + 6) + 1) if outcome_form(doc, s, e)}
    assert not any(t.startswith("매출") for t in found), found
    assert not any("지원" in t or "향상" in t for t in found), found


def _scores(rows_scores):
    return numpy.array(rows_scores, dtype="float32")


def test_list_turns_a_public_body_from_company_to_agency_and_rescues_it(blank_nlp):
    doc = blank_nlp("완도군과 LG전자가 협약했다.")
    words = [t.text for t in doc]
    wando, lg = words.index("완도군"), words.index("LG전자")
    rows = numpy.array([[wando, wando + 1], [lg, lg + 1]])
    # 완도군 labelled COMPANY by the model, LG전자 COMPANY: only the public body changes
    scores = _scores([[0.2, 0.6, 0.0, 0.0, 0.2], [0.1, 0.8, 0.0, 0.0, 0.1]])
    plain = decode(doc, rows, scores, LABELS, "econ", None)
    assert [(s.text, s.label_) for s in plain] == [("완도군", "COMPANY"), ("LG전자", "COMPANY")]
    levered = decode(doc, rows, scores, LABELS, "econ", None, DecodingLevers(public_body_min_score=1.01))
    assert [(s.text, s.label_) for s in levered] == [("완도군", "AGENCY"), ("LG전자", "COMPANY")]
    # none wins: kept as AGENCY only when its AGENCY score reaches the threshold
    weak = _scores([[0.25, 0.05, 0.0, 0.0, 0.7], [0.1, 0.8, 0.0, 0.0, 0.1]])
    assert [s.text for s in decode(doc, rows, weak, LABELS, "econ", None, DecodingLevers(public_body_min_score=0.3))] == ["LG전자"]
    rescued = decode(doc, rows, weak, LABELS, "econ", None, DecodingLevers(public_body_min_score=0.2))
    assert [(s.text, s.label_) for s in rescued] == [("완도군", "AGENCY"), ("LG전자", "COMPANY")]


def test_grammar_keeps_a_low_scoring_outcome_only_when_it_has_an_outcome_form(blank_nlp):
    doc = blank_nlp("매출 100억 원을 기록했다.")
    words = [t.text for t in doc]
    i = words.index("매출")
    figure = [i, words.index("원") + 1]  # 매출 100억 원
    verb = [words.index("기록"), words.index("기록") + 1]  # 기록: no outcome form
    rows = numpy.array([figure, verb])
    scores = _scores([[0.0, 0.0, 0.0, 0.3, 0.7], [0.0, 0.0, 0.0, 0.3, 0.7]])
    assert len(decode(doc, rows, scores, LABELS, "econ", None)) == 0
    kept = decode(doc, rows, scores, LABELS, "econ", None, DecodingLevers(outcome_min_score=0.2))
    assert [(s.text, s.label_) for s in kept] == [("매출 100억 원", "OUTCOME")]
    assert kept.attrs["scores"] == [pytest.approx(0.3)]
    assert len(decode(doc, rows, scores, LABELS, "econ", None, DecodingLevers(outcome_min_score=0.4))) == 0


def test_component_config_switches_the_levers_on():
    from thinc.api import Ragged

    import pipeline

    nlp = pipeline.blank()
    plain = nlp.add_pipe("econ_spancat", name="plain", config={"public_body_min_score": None, "outcome_min_score": None})
    levered = nlp.add_pipe("econ_spancat", name="levered", config={"public_body_min_score": 0.3, "outcome_min_score": 0.2})
    default = nlp.add_pipe("econ_spancat", name="default")
    for pipe in (plain, levered):
        for label in LABELS:
            pipe.add_label(label)
    assert plain.levers is None
    assert levered.levers == DecodingLevers(public_body_min_score=0.3, outcome_min_score=0.2)
    assert default.levers == DecodingLevers(public_body_min_score=0.1, outcome_min_score=0.15)  # as chosen on dev
    doc = nlp.make_doc("매출 100억 원을 기록했다.")
    words = [t.text for t in doc]
    indices = Ragged(numpy.array([[words.index("매출"), words.index("원") + 1]], dtype="i"), numpy.array([1], dtype="i"))
    scores = _scores([[0.0, 0.0, 0.0, 0.3, 0.7]])
    plain.set_annotations([doc], (indices, scores))
    assert len(doc.spans["econ"]) == 0
    levered.set_annotations([doc], (indices, scores))
    assert [(s.text, s.label_) for s in doc.spans["econ"]] == [("매출 100억 원", "OUTCOME")]


def test_grammar_reads_figures_written_number_first_and_named_certifications(blank_nlp):
    doc = blank_nlp("이 회사는 65명의 고용과 11억 원의 매출 증가를 이뤘고 GD 인증을 받아 코스닥 상장에 성공했으며 수출의 탑을 받았다.")
    figures = _spans_of(doc, "figure")
    assert {"65명의 고용", "11억 원의 매출 증가"} <= figures
    assert {"GD 인증", "코스닥 상장"} <= _spans_of(doc, "contract")
    assert "수출의 탑" in _spans_of(doc, "prize")


def test_a_lone_grand_prize_is_a_prize_but_a_support_target_is_not(blank_nlp):
    doc = blank_nlp("백억전자가 대상을 받았다. 백억전자는 지원 대상에 올랐다.")
    lone = [t.i for t in doc if t.text == "대상"]
    assert outcome_form(doc, lone[0], lone[0] + 1) == "prize"
    assert outcome_form(doc, lone[1], lone[1] + 1) is None
