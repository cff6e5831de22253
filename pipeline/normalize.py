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
_AMOUNT = re.compile(rf"(?:(?:{_NUM})\s*(?:조|억|천만|백만|십만|만|천|백|십)\s*)+(?:{_NUM})?|{_NUM}")
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
    ("increase", ("증가", "늘", "성장", "상승", "확대", "향상", "높", "개선", "신장")),
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


def parse_number(text: str) -> float | None:
    """A number written the Korean way: ``1조 2천억``, ``3만5천``, ``163.3``, ``1,240``."""
    text = text.replace(",", "").replace(" ", "")
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


def parse_outcome(text: str) -> OutcomeValue:
    """A structured reading of an OUTCOME span (fields stay None where the text is silent)."""
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
    base_match = re.search(rf"({_NUM}\s*(?:조|억|천만|만|천)?\s*(?:원|달러)?)\s*에서", text)
    if base_match:
        out.base = parse_number(re.sub(r"[원달러\s]", "", base_match.group(1)))
        if year and out.period is None:
            out.period = f"{year.group(1)}년 대비"
    tail = text[base_match.end() :] if base_match else text
    tail_wo_years = re.sub(r"\d{4}\s*년", "", tail)
    pct = re.search(rf"({_NUM})\s*(%p|%포인트|%|퍼센트)", tail_wo_years)
    if pct:
        out.value = parse_number(pct.group(1))
        out.unit = "%p" if pct.group(2) in ("%p", "%포인트") else "%"
    else:
        money = re.search(rf"((?:{_NUM}\s*[조억만천백십]+\s*)+(?:{_NUM})?|{_NUM})\s*(원|달러|불|유로|엔|위안)", tail_wo_years)
        if money:
            out.value = parse_number(money.group(1))
            out.unit = _CURRENCY[money.group(2)]
        else:
            count = re.search(rf"((?:{_NUM}\s*(?:만|천)\s*)*(?:{_NUM})?)\s*(개사|개국|명|건|곳|개|배|위|대|톤|캔|종)", tail_wo_years)
            if count and count.group(1).strip():
                out.value = parse_number(count.group(1))
                out.unit = _COUNTS[count.group(2)]
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
            if out.value is not None:
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
    return re.sub(r"\s+", "", text).strip("'\"‘’“”")
