"""Outcome values and canonical names, on forms taken from real Korean news."""

import pytest

from pipeline.normalize import canonical_name, canonical_program, parse_number, parse_outcome


@pytest.mark.parametrize(
    "text, value",
    [
        ("1조 2천억", 1.2e12),
        ("3만5천", 35000),
        ("163.3", 163.3),
        ("1,240", 1240),
        ("12억3천만", 1.23e9),
        ("5천만", 5e7),
        ("2억5천만", 2.5e8),
        ("천만", 1e7),
        ("97억", 9.7e9),
        ("이십만", 200_000),
        ("삼천억", 3e11),
        ("오십", 50),
    ],
)
def test_korean_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("매출 163.3%", {"metric": "매출", "value": 163.3, "unit": "%"}),
        ("종업원 수 23.1% 증가", {"metric": "고용", "value": 23.1, "unit": "%", "direction": "increase"}),
        ("연평균 매출액 성장률은 10%", {"metric": "매출", "value": 10, "period": "연평균"}),
        ("시청률 1위", {"value": 1, "unit": "rank", "direction": "rank"}),
        ("한국콘텐츠진흥원장상", {"metric": "수상", "direction": "award"}),
        ("4.0%p 상승", {"value": 4.0, "unit": "%p", "direction": "increase"}),
        ("수출 2배", {"metric": "수출", "value": 2, "unit": "times"}),
        ("320만 달러 규모의 수출계약", {"metric": "계약", "value": 3.2e6, "unit": "USD"}),
        ("1조 2천억 원", {"value": 1.2e12, "unit": "KRW"}),
        ("신규 고용 3만5천 명", {"metric": "고용", "value": 35000, "unit": "persons"}),
        (
            "매출액이 2015년 97억원에서 2017년 150억원으로 증가",
            {"metric": "매출", "value": 1.5e10, "base": 9.7e9, "unit": "KRW", "direction": "increase"},
        ),
        ("수출액은 평균 18.2% 감소", {"metric": "수출", "value": 18.2, "direction": "decrease"}),
        ("특허 68건", {"metric": "특허", "value": 68, "unit": "cases"}),
        ("시리즈A 투자 45억원", {"metric": "투자 유치", "value": 4.5e9, "unit": "KRW"}),
        # the cases a user reported (issue: outcome values that are right)
        ("불량률 12%에서 3%로 낮아졌다", {"value": 3, "base": 12, "unit": "%", "direction": "decrease"}),
        ("고용 인원이 45명에서 78명으로", {"metric": "고용", "value": 78, "base": 45, "unit": "persons", "direction": "increase"}),
        ("수출이 5%보다 2배", {"metric": "수출", "value": 2, "unit": "times", "base": 5}),
        ("일자리 120개 창출", {"metric": "고용", "value": 120, "unit": "jobs", "direction": "increase"}),
        ("매출이 2억원에서 9억원으로", {"metric": "매출", "value": 9e8, "base": 2e8, "unit": "KRW", "direction": "increase"}),
        ("매출 이십만 원", {"value": 200_000, "unit": "KRW"}),
        ("수출 삼천억원", {"metric": "수출", "value": 3e11, "unit": "KRW"}),
        ("수출액 141억 8000여만원", {"metric": "수출", "value": 1.418e10, "unit": "KRW"}),  # 여: about
        ("직원 50여명", {"metric": "고용", "value": 50, "unit": "persons"}),
    ],
)
def test_outcome_values(text, expected):
    got = parse_outcome(text).as_dict()
    for key, want in expected.items():
        assert got.get(key) == (pytest.approx(want) if isinstance(want, float | int) else want), (text, got)


def test_canonical_names_fold_legal_affixes_and_spacing():
    forms = ["㈜백억전자", "(주) 백억전자", "주식회사 백억 전자", "백억전자㈜", "（주）백억전자"]
    assert {canonical_name(f) for f in forms} == {"백억전자"}
    assert canonical_name("(재)충북테크노파크") == "충북테크노파크"
    assert canonical_name("참여기업 1,240곳") == "참여기업 1,240곳"  # a group keeps the space before its count
    assert canonical_name("참여 기업 1,240곳") == canonical_name("참여기업  1,240곳")


def test_program_canonical_names_drop_quotes_inside():
    assert canonical_program("클러스터’ 사업") == "클러스터 사업"
    assert canonical_program("‘2022년 2차 수출바우처  사업’") == "2022년 2차 수출바우처 사업"
