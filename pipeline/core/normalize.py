"""Outcomes and names in a structured form.

:func:`parse_outcome` reads an OUTCOME span the way a Korean reader does:
``매출 163.3% 증가`` → metric 매출, value 163.3, unit %, direction increase;
``1조 2천억 원`` → 1.2e12 KRW; ``3만5천 명`` → 35000 persons; ``4.0%p``; ``2배``;
``1위`` (rank); ``한국콘텐츠진흥원장상`` (award); ``2015년 97억원에서 …`` (base).
:func:`canonical_name` gives company and agency names one spelling (㈜, (주),
주식회사 and spacing removed), so the same firm is recognised across documents.

Why one module over 400 lines: the outcome parser is one grammar. The patterns at the top
are its vocabulary (units, metrics, directions, the markers of a base value or of an award)
and the functions below combine them; split apart, a change to one pattern could no longer
be read next to the code that depends on it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache

_NUM = r"\d+(?:[.,]\d+)*"
_KOREAN_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4, "천": 10**3, "백": 10**2, "십": 10}
_CURRENCY = {"원": "KRW", "달러": "USD", "$": "USD", "불": "USD", "유로": "EUR", "엔": "JPY", "위안": "CNY"}
_COUNTS = {
    "명": "persons",
    "건": "cases",
    "개사": "firms",
    "곳": "firms",  # in company news 곳 counts firms (15곳이 … 상장); places only after a place noun
    "개": "items",
    "개국": "countries",
    "배": "times",
    "위": "rank",
    "대": "units",
    "톤": "tons",
    "캔": "cans",
    "종": "kinds",
    "개월": "months",
    "세트": "sets",
    "팀": "teams",
    "개팀": "teams",
    "등": "rank",
    "편": "items",
    "kg": "kg",
}

METRICS = {
    "계약": ("계약", "수주", "납품", "공급"),
    "수출": ("수출",),
    "영업이익": ("영업이익", "영업익"),
    "이익": ("이익", "순익"),
    "매출": ("매출", "판매"),
    "고용": ("고용", "일자리", "종업원", "직원", "채용", "인력", "신규 인원", "종사자", "근로자", "근무"),
    "투자 유치": ("투자", "유치", "펀딩"),
    "수상": (
        "수상",
        "대상",
        "훈장",
        "표창",
        "포장",
        "장관상",
        "대통령상",
        "최우수상",
        "우수상",
        "혁신상",
        "장상",
        "그랑프리",
        "어워드",
        "Award",
        "어워즈",
        "우승",
        "메달",
        "수출탑",
        "불탑",
        "달러탑",
        "상금",  # prize money is the value of a prize (5000만 원의 상금이 수여됐다)
    ),
    "특허": ("특허", "지식재산", "지재권"),  # before 선정: 특허와 인증 20건 counts patents
    "순위": ("위", "순위"),
    "선정": ("선정", "지정", "인증", "판정", "우수", "사례", "허가", "승인"),
    "상장": ("상장", "IPO", "코스닥", "코넥스"),
    "생산": ("생산", "생산성"),
    "시청률": ("시청률",),
}
_DIRECTION = (
    ("decrease", ("감소", "줄", "하락", "절감", "단축", "낮", "↓", "뚝", "떨어")),
    (
        "increase",
        (
            "증가",
            "증대",
            "늘",
            "성장",
            "상승",
            "확대",
            "확장",
            "향상",
            "높",
            "개선",
            "신장",
            "창출",
            "돌파",
            "↑",
            "급증",
            "뛰",
            "뛴",
            "오른",
            "오르",
            "올랐",
            "올라",
            "끌어올",
            "불어나",
            "불어났",
            "넘어",
            "넘었",
        ),
    ),
)


@dataclass
class OutcomeValue:
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    direction: str | None = None
    base: float | None = None
    period: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


_HANGUL_DIGITS = {"일": "1", "이": "2", "삼": "3", "사": "4", "오": "5", "육": "6", "칠": "7", "팔": "8", "구": "9"}
#: A number in Hangul numerals (``이십만``, ``삼천억``): digits and at least one power word.
HANGUL_NUMBER = r"(?:[일이삼사오육칠팔구]?[십백천]|[일이삼사오육칠팔구]?[만억조])(?:[일이삼사오육칠팔구십백천만억조])*"


def parse_number(text: str) -> float | None:
    """A number written the Korean way: ``1조 2천억``, ``3만5천``, ``163.3``, ``1,240``, ``이십만``, ``삼천억``."""
    text = text.replace(",", "").replace(" ", "")
    text = "".join(_HANGUL_DIGITS.get(ch, ch) for ch in text)
    if not text:
        return None
    total = 0.0
    below_eok = 0.0  # what 만 counted since the last 억/조: 2만6323억 is 26323억, not 2만 + 6323억
    current = 0.0
    small = 0.0
    i = 0
    matched = False
    while i < len(text):
        m = re.match(r"\d+(?:\.\d+)?", text[i:])
        if m:
            small = float(m.group())
            i += len(m.group())
            matched = True
            continue
        ch = text[i]
        if ch in ("천", "백", "십") and not text.startswith("천만", i) and not text.startswith("백만", i):
            current += (small or 1) * _KOREAN_UNITS[ch]
            small = 0.0
        elif text.startswith("천만", i) or text.startswith("백만", i) or text.startswith("십만", i):
            # 5천만 = 5e7; 2천5백만 = (2천 + 5백) 만, not (2천 + 5) 백만
            below_eok += (current + (small or 1) * _KOREAN_UNITS[ch]) * 10**4
            current = small = 0.0
            i += 1
        elif ch == "만":
            below_eok += (current + (small or (0 if current else 1))) * _KOREAN_UNITS[ch]
            current = small = 0.0
        elif ch in ("조", "억"):
            total += (below_eok + current + (small or (0 if current or below_eok else 1))) * _KOREAN_UNITS[ch]
            below_eok = current = small = 0.0
        else:
            break
        matched = True
        i += 1
    return total + below_eok + current + small if matched else None


#: A value with its unit: figures (``3억8000만``), Hangul numerals (``이십만``), then %, money or a counter.
_VALUE = (
    rf"(?P<num>(?:{_NUM}\s*[조억만천백십]+\s*)+(?:{_NUM})?|{_NUM}|(?<![가-힣A-Za-z0-9])(?=[일이삼사오육칠팔구십백천만억조]{{2}})(?:{HANGUL_NUMBER}))\s*"
    r"(?P<unit>%p|%포인트|%|퍼센트|원|달러|\$|불|유로|엔|위안|개사|개팀|개국|개월|명|건|곳|개|배|위|대|톤|캔|종|세트|팀|등|편|kg|회|(?<=[억조])(?!\s*[가-힣]*(?:명|건|곳|개))|(?<=\d만)(?=\s*(?:$|이상|[을를이가은의]\b|[을를이가은의]\s)))"
)
_VALUE_RE = re.compile(_VALUE)
_UNITS = {"%p": "%p", "%포인트": "%p", "%": "%", "퍼센트": "%", "": "KRW", **_CURRENCY, **_COUNTS}  # "": 4500억 (원 unsaid)
#: a figure with no unit of the list: 다운로드 10만, 3000만 회 (value kept, unit None)
_NO_UNIT = "count"


_APPROX = re.compile(r"(?<=[\d조억만천백십])\s*(?:여|여\s*개)(?=\s*(?:[만천백억조]|원|달러|명|개|곳|건|가구|톤|%))|(?<=\d)\s*여(?=\s*개)")


#: what marks a figure as the starting point or a reference: 12%에서, 80억원이던, 3%대였던, 5530억→, 5%보다,
#: 4억원에 불과했던, 240억 원(2019년)에서, (3987명) 대비, 8,156억원에 비해, 3명으로 창업했지만, 5억 원이었지만
_BASE_MARK = re.compile(
    r"\s*\)?\s*(?:\([^)]*\)\s*)?"
    r"(?:에서|[와과]\s*비교해|보다|대?(?:\s*수준)?(?:이던|였던|이었던)|에 (?:불과|그쳤)(?:하던|했던|던)?|선이던|→|->|에 비해|대비"
    r"|(?:으로|로)\s*(?:창업|시작|출발)|(?:이었|였)지만)"
)
#: a figure that is the amount of change, not a level: 200억 원 증가(351% 증가)한, 911명(73%)이 증가
_INCREMENT = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:[이가의]\s*)?(?:증가|감소|늘|줄|증대|상승|하락|급증|성장|단축|절감)")
#: the level a move ends at: 379억원으로, 2.9%로
_DESTINATION = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:으로|로)")
#: a figure dated with its year (2015년도 2천5백만원, 2019년엔 20억 원): one of a series of levels
_DATED = re.compile(r"(\d{2}|\d{4})\s*년\s*(?:도\s*)?(?:에는|엔|에|은|는)?\s*$")
#: a span that counts the firms that reached a result: 100억원을 돌파한 기업은 19곳
_ACHIEVERS = re.compile(
    r"(?:기업|업체|회사|스타트업|팀|소상공인|농가|사업자|상인)[은는이가]?\s*(?:총\s*)?(?P<count>\d[\d,]*)\s*(?:곳|개사|개|팀|개 기업)\s*$"
)
#: 개 counting firms: 16개 스타트업, 1238개(73.9%) 기업
_FIRM_NOUN = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:의\s*)?(?:[가-힣]{1,4}\s+)?(?:중소|벤처)?\s*(?:기업|업체|회사|사\b|팀|스타트업)")
#: 개 counting countries: 52개 국가에 판권 판매
_COUNTRY_NOUN = re.compile(r"\s*(?:의\s*)?(?:국가|나라)")
#: a direction word right after a figure: 4배 증가, 2배가량 늘었다, 2배 이상 늘어난
_MOVE_AFTER = re.compile(
    r"\s*(?:가량|정도|가까이|이상|넘게|나|가|이|로)?\s*(?:가량|이상)?\s*(?:증가|늘|성장|상승|증대|급증|뛰|뛴|감소|줄|하락)"
)
#: 곳 after a place noun counts places (홍콩 백화점 20여 곳), elsewhere firms
_PLACE_NOUN = re.compile(r"(?:백화점|매장|점포|지점|마트|시장|지역|장소|거점|센터|국가|나라)\s*$")
#: a bare figure before an arrow takes the unit after it: (85→100%)
_ARROW_UNIT = re.compile(r"(\d[\d.,]*)(\s*(?:→|->)\s*\d[\d.,]*\s*)(%p|%)")
#: a count of firms where the result happened is a qualifier: 104개 기업에서 232명, 4개 업체에서 7개 모델
_WHERE = re.compile(r"\s*(?:[가-힣]{1,4}\s+)?(?:기업|업체|회사|스타트업)\s*에서")
#: what a careful reader takes from the words right after a span that names no metric:
#: 최우수 41곳 + 이 선정됐다, 차세대 일류상품 + 에 선정, 왕중왕 + 에 뽑혔다; Rising Star + 를 수상
_AFTER_PARTICLE = r"^\s*['‘’“”\"」』]?\s*(?:\([^)]*\)\s*)?(?:으로|로|에|이|가|을|를|은|는|도)?\s*(?:최종\s*|각각\s*|공동\s*)?"
_AFTER_SELECTED = re.compile(_AFTER_PARTICLE + r"(?:선정|지정|선발|뽑|인증|등극)")
_AFTER_AWARDED = re.compile(_AFTER_PARTICLE + r"(?:수상|수여)")
_BAD_METRIC = re.compile(r"불량|오류|결함|원가|비용|시간|기간|리드타임|재고|사고|에너지")
#: spending on one's own R&D or plant is no investment raised: R&D 투자는 36.8% 증가
_OWN_SPENDING = re.compile(r"(?:R&D|연구개발|설비|시설)\s*투자")
#: export and sales towers are prizes: 1천만불 수출탑, 수출공로탑, 100만불 수출의 탑, 금탑
_TOWER = re.compile(r"(?:수출|불|달러|공로|매출)\s*(?:의\s*)?탑|탑$")


def _in_parentheses(text: str, pos: int) -> bool:
    return text.count("(", 0, pos) > text.count(")", 0, pos)


def _values(text: str) -> list[re.Match]:
    """Every number-with-unit in ``text``: years (``2017년``) left out, and a Hangul numeral only
    where no syllable follows it (``구조정``, a boat, is not 9조)."""
    return [
        m
        for m in _VALUE_RE.finditer(text)
        if not text.startswith("년", m.end("num"))
        and not (m.group("unit") == "" and not re.search(r"\d", m.group("num")) and re.match(r"[가-힣]", text[m.end() :]))
    ]


def _metric(text: str) -> str | None:
    """What the span measures, from its words (the first listed metric whose cue appears)."""
    if _TOWER.search(text.strip()):
        return "수상"
    if re.search(r"투자\s*계약", text):
        return "투자 유치"  # 13억 원 투자계약: the money is investment raised
    for metric, cues in METRICS.items():
        words = _OWN_SPENDING.sub("", text) if metric == "투자 유치" else text
        if metric == "생산":
            words = re.sub(r"생산(?:비|원가|단가)", "", words)  # 생산비 절감: a cost, not output
        if metric == "순위":
            words = re.sub(r"위(?:생|원|탁|기|치|험|해)", "", words)  # 위생허가, 위원회, 위탁: no rank
        if any(c in words for c in cues):
            if metric in ("영업이익", "이익") and -1 < text.find("매출") < text.find(cues[0][:2]):
                return "매출"  # 매출액과 영업이익은 843억원: the first-named metric
            return metric
    return "매출" if "실적" in text else None  # 1억원의 실적; but 수출 실적, 수상 실적 name their metric


def _period(text: str) -> str | None:
    """The comparison the span names: 연평균, 전년 대비 (also 지난해 대비, 1년 전보다), YYYY년 대비."""
    if "연평균" in text:
        return "연평균"
    if re.search(r"전년|(?:지난해|작년)\s*(?:대비|보다|에 비해)|1년\s*전", text):
        return "전년 대비"
    since = re.search(r"(\d{2}|\d{4})\s*년\s*(?:\d+\s*(?:~\s*\d+\s*)?월\s*)?(?:대비|보다|에 비해)", text)
    return f"{since.group(1)}년 대비" if since else None


def _unit(m: re.Match) -> str:
    """The unit's name; 대 after 억/조/만 is a range of money (지금은 30억대), not a count of machines;
    a bare figure in 만 (다운로드 10만) or a count of 회 has no unit of the list."""
    if m.group("unit") == "대" and m.group("num").rstrip().endswith(("억", "조", "만")):
        return "KRW"
    if m.group("unit") == "회" or (m.group("unit") == "" and not re.search("[억조]", m.group("num"))):
        return _NO_UNIT
    return _UNITS[m.group("unit")]


def _base_and_level(text: str, values: list[re.Match]) -> tuple[re.Match | None, re.Match | None]:
    """The figure marked as the starting point, and the level it moved to (same unit).

    With a base, the value is the level reached, not the amount or rate of change
    (``57억 원에서 2020년 200억 원 증가(351% 증가)한 257억 원`` → 257억, base 57억): the
    pair says everything the rate says. Without a base mark, two dated levels of one
    unit (``2015년도 2천5백만원, 2019년도 1억6천6백만원``) are a move from the first.
    """
    base = next((m for m in values if _BASE_MARK.match(text[m.end() :])), None)
    if base is None:
        dated = [m for m in values if _DATED.search(text[: m.start()])]
        if len(dated) >= 2 and len({_unit(m) for m in dated}) == 1 and len(dated) == len(values):
            return dated[0], dated[-1]
        return None, None
    # a level in parentheses is an aside, unless the base is in the same parentheses: (7%→1%)
    base_aside = _in_parentheses(text, base.start())
    levels = [
        m
        for m in values
        if m is not base
        and _unit(m) == _unit(base)
        and not _INCREMENT.match(text[m.end() :])
        and (base_aside or not _in_parentheses(text, m.start()))
    ]
    after = [m for m in levels if m.start() > base.start()]
    before = [m for m in levels if m.start() < base.start()]
    if not levels and not any(m.start() > base.end() and not _in_parentheses(text, m.start()) for m in values):
        return None, None  # 79.8%(395개)에서 매출이 발생: 에서 of place, nothing moves from it
    reached = [m for m in after if _DESTINATION.match(text[m.end() :])]
    return base, (reached or after or before or [None])[-1]


def _reported(text: str, values: list[re.Match]) -> re.Match:
    """The figure a span without a base reports.

    A count of firms that reached a result (``매출 100억원을 돌파한 기업은 19곳``) is the
    count; otherwise a change over a level (``매출 30억원, 20% 증가``) and money over a
    count (``2개사가 1184만 달러``).
    """
    achievers = _ACHIEVERS.search(text)
    if achievers:
        return next(m for m in values if m.start() >= achievers.start("count"))
    # 104개 기업에서 232명: the firms say where; 10억원당 특허 7.8건: the money is a denominator
    values = [m for m in values if not _WHERE.match(text[m.end() :]) and not text.startswith("당", m.end())] or values
    rate = next((m for m in values if _unit(m) in ("%", "%p")), None)
    # a multiple that grew is a change too: 연 매출 3352억으로 4배 증가
    rate = rate or next((m for m in values if _unit(m) == "times" and _MOVE_AFTER.match(text[m.end() :])), None)
    money = next((m for m in values if _unit(m) in _CURRENCY.values()), None)
    # a duration before the figure is a qualifier: 1개월 방문고객 600여명
    return rate or money or next((m for m in values if _unit(m) != "months"), values[0])


def figures(text: str) -> frozenset[tuple[float, str]]:
    """Every figure of ``text`` with its unit (years left out): what two wordings of one result share.

    ``수출 1억7222만달러로 47.7% 증가`` → {(172220000.0, 'USD'), (47.7, '%')}.
    """
    text = _APPROX.sub("", text)
    out = set()
    for m in _values(text):
        number = parse_number(m.group("num"))
        if number is not None:
            out.add((round(number, 6), _unit(m)))
    return frozenset(out)


def parse_outcome(text: str, after: str = "") -> OutcomeValue:
    """A structured reading of an OUTCOME span (fields stay None where the text is silent).

    ``after`` is the text right after the span in its document (some 15 characters), read
    as a careful reader does when the span names no metric: a designation or prize named
    alone (``Rising Star`` + ``를 수상``, ``차세대 일류상품`` + ``에 선정``) and a count of
    graded firms (``최우수 41곳`` + ``이 선정``). It never sets a direction (``영업이익 633%``,
    with 증가 after a list, stays a level). Without it the span alone is read.

    The value is the figure the span reports; a figure marked as the starting point
    (``12%에서``) is the base and one marked as a reference (``5%보다``) too, and the
    direction follows the cue word, else the move from base to value. The conventions
    are those of corpora/econ/values/README.md, where the hand-checked gold lives.
    """
    out = OutcomeValue()
    text = _APPROX.sub("", text)  # 141억 8000여만원, 300여개사: the approximate figure is the figure
    text = _ARROW_UNIT.sub(r"\1\3\2\3", text)  # (85→100%): 85 is 85%
    compact = text.replace(" ", "")
    out.metric = _metric(text)
    out.period = _period(text)
    everything = _values(text)
    outside = [m for m in everything if not _in_parentheses(text, m.start())]
    values = outside or everything  # 1억원 이상(목표달성률 133%): the figure outside the aside
    base, level = _base_and_level(text, everything)
    if base is not None:
        out.base = parse_number(base.group("num"))
        year = re.search(r"(\d{2}|\d{4})\s*년", text[: base.start()]) or re.search(r"\((\d{4})년\)", text[base.end() :])
        mark = _BASE_MARK.match(text[base.end() :])
        reference = mark is not None and mark.group().strip().endswith("보다")  # 5%보다 2배: no period
        if out.period is None and year and not reference:
            out.period = f"{year.group(1)}년 대비"
        if out.period is None and re.search(r"(?:지난해|작년)\s*(?:상반기|하반기|말|동기|같은 기간)?\s*$", text[: base.start()]):
            out.period = "전년 대비"
        if level is None:
            values = [m for m in values if m.start() >= base.end()]
    value = level or (_reported(text, values) if values else None)
    if value is not None:
        out.value = parse_number(value.group("num"))
        out.unit = "firms" if level is None and _ACHIEVERS.search(text) else _unit(value)
        if out.unit == "firms" and value.group("unit") == "곳" and _PLACE_NOUN.search(text[: value.start()]):
            out.unit = "places"
        if out.unit == _NO_UNIT:
            out.unit = None
        elif out.unit == "items" and _FIRM_NOUN.match(text[value.end() :]):
            out.unit = "firms"
        elif out.unit == "items" and _COUNTRY_NOUN.match(text[value.end() :]):
            out.unit = "countries"
        if out.metric == "고용" and out.unit in ("items", "persons") and "일자리" in text:
            out.unit = "jobs"
    if out.metric is None and _AFTER_AWARDED.match(after):
        out.metric = "수상"
    elif out.metric is None and _AFTER_SELECTED.match(after):
        out.metric = "선정"
    if out.unit == "rank":
        out.direction = "rank"
        out.metric = out.metric if out.metric not in (None, "수상") else "순위"
    elif out.metric == "수상" or (compact.endswith(("상", "훈장")) and out.value is None):
        out.metric = "수상"
        out.direction = "award"
    else:
        if out.metric is None and out.value is None and re.search(r"기업$|유니콘", compact):
            out.metric = "선정"  # 모두애(愛) 마을기업, 글로벌 강소기업: a designation named alone
        out.direction = _direction(text, out, level)
    return out


#: characters after an OUTCOME span that the reader of its value sees (enough for ``'에 최종 선정``)
AFTER_CHARS = 15


def parse_outcome_at(text: str, start: int, end: int) -> OutcomeValue:
    """The value of the OUTCOME ``text[start:end]`` of a document, read with the words right after it."""
    return parse_outcome(text[start:end], text[end : end + AFTER_CHARS])


def _direction(text: str, out: OutcomeValue, level: re.Match | None) -> str | None:
    """increase/decrease from the cue word (a falling bad rate improves), else from base to level."""
    direction = next((d for d, cues in _DIRECTION if any(c in text for c in cues)), None)
    cues = [c for _, cs in _DIRECTION for c in cs if c in text]
    if cues == ["개선"] and out.base is not None and level is not None and out.value != out.base:
        # 개선 says better, not up or down: 가동률 53%에서 76%로 개선 rises, a rate of rejects falls
        return "increase" if out.value > out.base else "decrease"
    if direction == "increase" and _BAD_METRIC.search(text) and re.search("개선|절감|단축", text):
        return "decrease"  # 불량률 90% 개선: a rate of bad things improves by falling
    if direction is None and out.metric == "고용" and re.search("신규|새로|추가", text):
        return "increase"  # 103명 신규 고용: new hires are jobs added
    if direction is not None or out.value is None:
        return direction
    if out.base is not None and level is not None:
        return "increase" if out.value > out.base else "decrease" if out.value < out.base else "level"
    return "level"


_LEGAL = re.compile(
    r"^\s*(?:㈜|\(주\)|（주）|주식회사|\(재\)|재단법인|\(사\)|사단법인|\(유\)|유한회사)\s*|\s*(?:㈜|\(주\)|（주）|주식회사)\s*$"
)


@lru_cache(maxsize=65536)
def canonical_name(name: str) -> str:
    """One spelling per company or agency: legal affixes, spacing and width folded."""
    text = unicodedata.normalize("NFKC", name).strip()
    previous = None
    while previous != text:
        previous = text
        text = _LEGAL.sub("", text)
    # spacing is folded, except before a figure: 참여기업 1,240곳 keeps its space
    return re.sub(r"\s+(?!\d)|(?<=\d)\s+", "", text).strip("'\"‘’“”")


_QUOTES = re.compile("[‘’'\"“”「」『』]")


@lru_cache(maxsize=65536)
def canonical_program(name: str) -> str:
    """A program's name without quote marks anywhere (``클러스터’ 사업`` → ``클러스터 사업``), spacing collapsed."""
    return re.sub(r"\s+", " ", _QUOTES.sub("", unicodedata.normalize("NFKC", name))).strip()
