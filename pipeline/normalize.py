"""Outcomes and names in a structured form.

:func:`parse_outcome` reads an OUTCOME span the way a Korean reader does:
``매출 163.3% 증가`` → metric 매출, value 163.3, unit %, direction increase;
``1조 2천억 원`` → 1.2e12 KRW; ``3만5천 명`` → 35000 persons; ``4.0%p``; ``2배``;
``1위`` (rank); ``한국콘텐츠진흥원장상`` (award); ``2015년 97억원에서 …`` (base).
:func:`canonical_name` gives company and agency names one spelling (㈜, (주),
주식회사 and spacing removed), so the same firm is recognised across documents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache

_NUM = r"\d+(?:[.,]\d+)*"
_KOREAN_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4, "천": 10**3, "백": 10**2, "십": 10}
_CURRENCY = {"원": "KRW", "달러": "USD", "불": "USD", "유로": "EUR", "엔": "JPY", "위안": "CNY"}
_COUNTS = {
    "명": "persons",
    "건": "cases",
    "개사": "firms",
    "곳": "places",
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
    "등": "rank",
    "편": "items",
    "kg": "kg",
}

METRICS = {
    "계약": ("계약", "수주", "납품", "공급"),
    "수출": ("수출",),
    "영업이익": ("영업이익",),
    "이익": ("이익",),
    "매출": ("매출", "판매", "실적"),
    "고용": ("고용", "일자리", "종업원", "직원", "채용", "인력", "신규 인원"),
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
        "메달",
        "수출탑",
        "불탑",
        "달러탑",
    ),
    "순위": ("위", "순위"),
    "선정": ("선정", "지정", "인증", "판정", "우수", "사례"),
    "특허": ("특허", "지식재산", "지재권"),
    "상장": ("상장", "IPO"),
    "생산": ("생산", "생산성"),
    "시청률": ("시청률",),
}
_DIRECTION = (
    ("decrease", ("감소", "줄", "하락", "절감", "단축", "낮", "↓")),
    ("increase", ("증가", "증대", "늘", "성장", "상승", "확대", "향상", "높", "개선", "신장", "창출", "돌파", "↑", "급증", "뛰")),
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
            total += (current + (small or 1)) * _KOREAN_UNITS[ch] * 10**4
            current = small = 0.0
            i += 1
        elif ch in ("조", "억", "만"):
            total += (current + (small or (0 if current else 1))) * _KOREAN_UNITS[ch]
            current = small = 0.0
        else:
            break
        matched = True
        i += 1
    return total + current + small if matched else None


#: A value with its unit: figures (``3억8000만``), Hangul numerals (``이십만``), then %, money or a counter.
_VALUE = (
    rf"(?P<num>(?:{_NUM}\s*[조억만천백십]+\s*)+(?:{_NUM})?|{_NUM}|(?<![수몇일이삼사오육칠팔구십백천만억조])(?:{HANGUL_NUMBER}))\s*"
    r"(?P<unit>%p|%포인트|%|퍼센트|원|달러|불|유로|엔|위안|개사|개국|개월|명|건|곳|개|배|위|대|톤|캔|종|세트|팀|등|편|kg|(?<=[억조])(?!\s*[가-힣]*(?:명|건|곳|개)))"
)
_VALUE_RE = re.compile(_VALUE)
_UNITS = {"%p": "%p", "%포인트": "%p", "%": "%", "퍼센트": "%", "": "KRW", **_CURRENCY, **_COUNTS}  # "": 4500억 (원 unsaid)


_APPROX = re.compile(r"(?<=[\d조억만천백십])\s*(?:여|여\s*개)(?=\s*(?:[만천백억조]|원|달러|명|개|곳|건|가구|톤|%))|(?<=\d)\s*여(?=\s*개)")


#: what marks a figure as the starting point or a reference: 12%에서, 80억원이던, 5530억→, 5%보다
_BASE_MARK = re.compile(r"\s*(?:에서|보다|이던|였던|이었던|에 불과하던|선이던|→|->|에서부터)")
#: a span that counts the firms that reached a result: 100억원을 돌파한 기업은 19곳
_ACHIEVERS = re.compile(
    r"(?:기업|업체|회사|스타트업|팀|소상공인|농가|사업자|상인)[은는이가]?\s*(?:총\s*)?(?P<count>\d[\d,]*)\s*(?:곳|개사|개|팀|개 기업)\s*$"
)
_FIRM_NOUN = re.compile(r"\s*(?:의\s*)?(?:중소|벤처|스타트업)?\s*(?:기업|업체|회사|사\b|팀)")
_BAD_METRIC = re.compile(r"불량|오류|결함|원가|비용|시간|기간|리드타임|재고|사고|에너지")


def _in_parentheses(text: str, pos: int) -> bool:
    return text.count("(", 0, pos) > text.count(")", 0, pos)


def _values(text: str) -> list[re.Match]:
    """Every number-with-unit in ``text``, years (``2017년``) left out."""
    return [m for m in _VALUE_RE.finditer(text) if not text.startswith("년", m.end("num"))]


def figures(text: str) -> frozenset[tuple[float, str]]:
    """Every figure of ``text`` with its unit (years left out): what two wordings of one result share.

    ``수출 1억7222만달러로 47.7% 증가`` → {(172220000.0, 'USD'), (47.7, '%')}.
    """
    text = _APPROX.sub("", text)
    out = set()
    for m in _values(text):
        number = parse_number(m.group("num"))
        if number is not None:
            out.add((round(number, 6), _UNITS[m.group("unit")]))
    return frozenset(out)


def parse_outcome(text: str) -> OutcomeValue:
    """A structured reading of an OUTCOME span (fields stay None where the text is silent).

    The value is the figure the span reports; a figure marked as the starting point
    (``12%에서``) is the base and one marked as a reference (``5%보다``) too, and the
    direction follows the cue word, else the move from base to value.
    """
    out = OutcomeValue()
    text = _APPROX.sub("", text)  # 141억 8000여만원, 300여개사: the approximate figure is the figure
    compact = text.replace(" ", "")
    tower = re.search(r"(?:수출|불|달러)탑", text)  # 1천만불 수출탑: an export prize
    for metric, cues in METRICS.items():
        if any(c in text for c in cues) and not (tower and metric != "수상"):
            out.metric = metric
            break
    since = re.search(r"(\d{2}|\d{4})\s*년\s*(?:대비|보다|에 비해)", text)
    if "연평균" in text:
        out.period = "연평균"
    elif "전년" in text:
        out.period = "전년 대비"
    elif since:
        out.period = f"{since.group(1)}년 대비"
    year = re.search(r"(\d{4})년", text)
    values = _values(text)
    outside = [m for m in values if not _in_parentheses(text, m.start())]
    values = outside or values  # 1억원 이상(목표달성률 133%): the figure outside the aside
    base = next((m for m in values if _BASE_MARK.match(text[m.end() :])), None)
    base_unit = None
    if base is not None:
        out.base = parse_number(base.group("num"))
        base_unit = _UNITS[base.group("unit")]
        if year and out.period is None and not text.startswith("보다", base.end()):
            out.period = f"{year.group(1)}년 대비"
        values = [m for m in values if m.start() >= base.end()]
    if values:
        # a percentage wins over an amount in the same span (매출 30억원, 20% 증가: the change is reported)
        achievers = _ACHIEVERS.search(text)
        if achievers:  # 매출 100억원을 돌파한 기업은 19곳: the span reports the count of firms
            value = next(m for m in values if m.start() >= achievers.start("count"))
        else:  # a change over a level, money over a count: 매출 30억원, 20% 증가 / 2개사가 1184만 달러
            value = next((m for m in values if _UNITS[m.group("unit")] in ("%", "%p")), None)
            value = value or next((m for m in values if _UNITS[m.group("unit")] in _CURRENCY.values() or m.group("unit") == ""), values[0])
        out.value = parse_number(value.group("num"))
        out.unit = "firms" if achievers else _UNITS[value.group("unit")]
        if out.unit == "items" and _FIRM_NOUN.match(text[value.end() :]):
            out.unit = "firms"
        if out.metric == "고용" and out.unit in ("items", "persons") and "일자리" in text:
            out.unit = "jobs"
    if out.unit == "rank":
        out.direction = "rank"
        out.metric = out.metric if out.metric not in (None, "수상") else "순위"
    elif out.metric == "수상" or (compact.endswith(("상", "훈장")) and out.value is None):
        out.metric = "수상"
        out.direction = "award"
    else:
        out.direction = next((d for d, cues in _DIRECTION if any(c in text for c in cues)), None)
        if out.direction == "increase" and _BAD_METRIC.search(text) and re.search("개선|절감|단축", text):
            out.direction = "decrease"  # 불량률 90% 개선: a rate of bad things improves by falling
        if out.direction is None and out.value is not None:
            if out.base is not None and out.unit != "times":
                # compare the base with the later figure of its own unit (5530억원에서 6699억원으로 21%)
                same = next((parse_number(m.group("num")) for m in values if _UNITS[m.group("unit")] == base_unit), out.value)
                out.direction = "increase" if same > out.base else "decrease" if same < out.base else "level"
            else:
                out.direction = "level"
    return out


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
