"""Does this span have the form of an outcome? A grammar over Kiwi's tags, for the decoder.

SCHEMA.md's outcomes are concrete and come in a few shapes, each visible in Kiwi's
morphemes: a figure (a metric noun and a number: 매출 163.3%, 수출 30% 증가), a prize
(…상, 대상, 장관 표창, 훈장), a rank (시청률 1위) and a named contract or first
(대형마트와 납품계약, 첫 수출). The span classifier scores these well but often below
"none"; the grammar says which low-scoring candidates have an outcome's form, and the
model's OUTCOME score still decides (``DecodingLevers.outcome_min_score``).

Plans, targets and support amounts are not outcomes (SCHEMA.md): a span with a support
word in it, or followed closely by a plan word (목표, 계획, 전망, 기대 …), has no
outcome form.
"""

from __future__ import annotations

from spacy.tokens import Doc

#: nouns that name what an outcome measures
METRICS = frozenset(
    "매출 매출액 수출 수출액 영업이익 순이익 이익 고용 일자리 채용 신규고용 투자 투자유치 유치 생산 생산성 생산량 "
    "판매 판매량 거래 거래액 계약 수주 수주액 특허 인증 점유율 시청률 성장률 점유 종업원 직원 인력 근로자 비용 원가 "
    "불량률 불량 절감 효율 수익 수익률 가입자 이용자 방문객 관람객 다운로드 주문 납품 기업가치 가치 출원 등록 "
    "고용인원 인원 자산 순익 영업익 흑자 수입 판로 바이어 상담 실적 규모".split()
)
#: words of change next to a value (SCHEMA.md: the direction word is part of the outcome)
DIRECTIONS = ("증가", "감소", "상승", "하락", "성장", "늘", "줄", "확대", "개선", "향상", "절감", "돌파", "창출", "유치", "급증", "급감")
#: words a figure span never holds: verbs of doing (SCHEMA.md: 체결, 달성, 기록 stay outside) and reporting
NOT_IN_FIGURE = ("달성", "기록", "체결", "집계", "조사", "분석", "것", "나타나", "밝히")
#: prize words and the nouns ending in 상 that are no prize
PRIZES = ("표창", "훈장", "포장", "감사패", "공로패", "메달", "트로피")
NOT_PRIZES = frozenset(
    "이상 향상 예상 협상 현상 보상 정상 세상 시상 상상 인상 영상 화상 수상 입상 일상 가상 손상 선상 "
    "양상 사상 실상 계상 진상 형상 위상 배상 연상 외상 회상 환상 지상 해상 천상 옥상 책상 밥상 "
    "중상 감상 발상 비상 통상 임상 부상 포상".split()
)
#: endings that make a longer noun no prize (품질향상, 매출이상); 수상/입상 are not here: 최우수상, 장려상
NOT_PRIZE_ENDINGS = ("향상", "이상", "예상", "협상", "현상", "보상", "정상", "영상", "일상", "가상", "손상", "통상", "임상", "부상", "포상")
#: a prize word alone is no named prize (포상, 표창); with a giver or kind it is (장관 표창, 산업훈장)
GENERIC_PRIZES = frozenset(("포상", "표창", "훈장", "포장", "훈포장", "부상", "상금"))
#: words before 대상 that make it a target group (지원 대상), not a grand prize
TARGET_WORDS = ("지원", "선정", "사업", "평가", "참여", "수혜", "모집", "적용", "조사", "검사", "교육", "분석")
#: words that make a figure a plan, a target or support received (SCHEMA.md: not outcomes)
PLAN_WORDS = ("목표", "계획", "예정", "전망", "기대", "예상", "추진", "목적", "지원", "보조", "융자", "출연", "예산", "사업비")
CONTRACTS = ("계약", "수주", "납품계약", "공급계약", "수출계약", "판매계약", "기술이전계약", "라이선스계약")


def _nominal(tag: str) -> bool:
    return tag.startswith(("NN", "SL", "SN", "NR", "XSN", "XPN", "SH"))


def outcome_form(doc: Doc, start: int, end: int) -> str | None:
    """The outcome shape of tokens ``start:end`` of ``doc`` (Kiwi tokens): ``"figure"``,
    ``"prize"``, ``"rank"`` or ``"contract"`` (contracts, certifications, listings, firsts); None when the span has none of these forms or
    reads as a plan, target or support amount."""
    tokens = doc[start:end]
    texts = [t.text for t in tokens]
    tags = [t.tag_.split("+")[0] for t in tokens]
    if any(w.startswith(PLAN_WORDS) for w in texts):
        return None
    if tags[0].startswith(("XSN", "SW")) or any(tag.startswith(("SP", "SF", "SS", "SE", "SO")) for tag in tags):
        return None  # a piece of a word, or two entities joined by a comma or bracket
    after = [t.text for t in doc[end : min(len(doc), end + 4)] if not t.is_space]
    if any(w.startswith(PLAN_WORDS[:8]) for w in after):
        return None
    numbers = [i for i, tag in enumerate(tags) if tag in ("SN", "NR")]
    if numbers and texts[-1] == "위" and numbers[-1] == len(texts) - 2:  # …1위, the rank last
        return "rank"
    last = texts[-1]
    if "".join(texts) in GENERIC_PRIZES:
        return None
    if last.endswith(PRIZES) and all(_nominal(tag) for tag in tags):
        return "prize"
    previous = doc[start - 1].text if start > 0 else ""
    if _is_prize(texts, tags, previous):
        return "prize"
    if last == "탑" and "수출" in texts:  # 수출의 탑, a trade award
        return "prize"
    if numbers:
        if tags[-1] in ("SN", "NR") or tags[-1].startswith("EF"):
            return None  # a number needs its unit (매출 163 is cut short); a clause's end is past the outcome
        if any(w.startswith(NOT_IN_FIGURE) for w in texts[numbers[0] :]):
            return None
        before, rest = texts[: numbers[0]], texts[numbers[0] + 1 :]
        if any(_metric(w) for w in before) or (before and any(w.startswith(DIRECTIONS) for w in rest)):
            return "figure"  # 매출 163.3%, 종업원 수 23.1% 증가
        if not before and _metric(last) or (len(rest) >= 2 and _metric(rest[-2]) and last.startswith(DIRECTIONS)):
            return "figure"  # 65명의 고용, 11억 원의 매출 증가, 5억 원 수출
    if len(tokens) >= 2 and last in CONTRACTS and tags[0].startswith(("NN", "SL", "SH", "SN")):
        return "contract"  # a named contract (대형마트와 납품계약); investment raised needs its figure
    if len(tokens) >= 2 and last in ("인증", "상장", "입점") and tags[0].startswith(("NN", "SL", "SH")):
        return "contract"  # a named certification, listing or store (GD 인증, 코스닥 상장, 대형마트 입점)
    if "첫" in texts[:-1] and last in ("수출", "매출", "계약", "수주", "납품"):
        return "contract"
    return None


def _metric(word: str) -> bool:
    return word in METRICS or word.endswith(("매출", "수출", "이익", "액", "률", "량"))


def _is_prize(texts: list[str], tags: list[str], previous: str) -> bool:
    """…상 as a prize: 혁신상, 장관 + 상, (콘텐츠) 대상; not 향상, 이상, 지원 대상 (``previous``: the word before the span)."""
    last = texts[-1]
    if not last.endswith("상") or not all(_nominal(tag) for tag in tags):
        return False
    if last == "대상":  # a grand prize, alone or named; a target group after 지원/선정 …
        return not (texts[-2] if len(texts) >= 2 else previous).endswith(TARGET_WORDS)
    if last.endswith("대상"):  # 콘텐츠대상 as one token; 지원대상 is a target group
        return not last[:-2].endswith(TARGET_WORDS)
    if last == "상":  # Kiwi's separate 상 (장관 + 상, 최우수 + 상)
        return len(texts) >= 2
    return last not in NOT_PRIZES and not last.endswith(NOT_PRIZE_ENDINGS)


__all__ = ["outcome_form", "METRICS", "PLAN_WORDS"]
