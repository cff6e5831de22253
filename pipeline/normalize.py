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
}

METRICS = {
    "매출": ("매출", "판매", "실적"),
    "영업이익": ("영업이익",),
    "고용": ("고용", "일자리", "종업원", "직원", "채용", "인력", "신규 인원"),
    "투자 유치": ("투자", "유치", "펀딩"),
    "계약": ("계약", "수주", "납품", "공급"),
    "수출": ("수출",),
    "수상": ("수상", "대상", "훈장", "표창", "장관상", "대통령상", "최우수상", "우수상", "혁신상", "장상"),
    "순위": ("위", "순위"),
    "선정": ("선정", "지정", "인증", "판정"),
    "특허": ("특허", "지식재산", "지재권"),
    "상장": ("상장", "IPO"),
    "생산": ("생산", "생산성"),
    "시청률": ("시청률",),
}
_DIRECTION = (
    ("decrease", ("감소", "줄", "하락", "절감", "단축", "낮")),
    ("increase", ("증가", "늘", "성장", "상승", "확대", "향상", "높", "개선", "신장", "창출")),
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
    rf"(?P<num>(?:{_NUM}\s*[조억만천백십]+\s*)+(?:{_NUM})?|{_NUM}|{HANGUL_NUMBER})\s*"
    r"(?P<unit>%p|%포인트|%|퍼센트|원|달러|불|유로|엔|위안|개사|개국|명|건|곳|개|배|위|대|톤|캔|종)"
)
_VALUE_RE = re.compile(_VALUE)
_UNITS = {"%p": "%p", "%포인트": "%p", "%": "%", "퍼센트": "%", **_CURRENCY, **_COUNTS}


def _values(text: str) -> list[re.Match]:
    """Every number-with-unit in ``text``, years (``2017년``) left out."""
    return [m for m in _VALUE_RE.finditer(text) if not text.startswith("년", m.end("num"))]


def parse_outcome(text: str) -> OutcomeValue:
    """A structured reading of an OUTCOME span (fields stay None where the text is silent).

    The value is the figure the span reports; a figure marked as the starting point
    (``12%에서``) is the base and one marked as a reference (``5%보다``) too, and the
    direction follows the cue word, else the move from base to value.
    """
    out = OutcomeValue()
    compact = text.replace(" ", "")
    for metric, cues in METRICS.items():
        if any(c in text for c in cues):
            out.metric = metric
            break
    if "연평균" in text:
        out.period = "연평균"
    elif "전년" in text:
        out.period = "전년 대비"
    year = re.search(r"(\d{4})년", text)
    values = _values(text)
    base = next((m for m in values if re.match(r"\s*(?:에서|보다)", text[m.end() :])), None)
    if base is not None:
        out.base = parse_number(base.group("num"))
        if year and out.period is None and text.startswith("에서", base.end()):
            out.period = f"{year.group(1)}년 대비"
        values = [m for m in values if m.start() >= base.end()]
    if values:
        # a percentage wins over an amount in the same span (매출 30억원, 20% 증가: the change is reported)
        value = next((m for m in values if _UNITS[m.group("unit")] in ("%", "%p")), values[0])
        out.value = parse_number(value.group("num"))
        out.unit = _UNITS[value.group("unit")]
        if out.metric == "고용" and out.unit in ("items", "persons") and "일자리" in text:
            out.unit = "jobs"
    if out.unit == "rank":
        out.direction = "rank"
        out.metric = out.metric if out.metric not in (None, "수상") else "순위"
    elif out.metric == "수상" or (compact.endswith(("상", "훈장")) and out.value is None):
        out.metric = "수상"
        out.direction = "award"
    else:
        for direction, cues in _DIRECTION:
            if any(c in text for c in cues):
                out.direction = direction
                break
        else:
            if out.value is not None and out.base is not None and out.unit != "times":
                out.direction = "increase" if out.value > out.base else "decrease" if out.value < out.base else "level"
            elif out.value is not None:
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
