"""When two triples from two articles state the same fact.

A reprint rewords a release: ㈜ dropped, 수출바우처사업 spaced as 수출 바우처 사업, the agency
written out in one outlet and abbreviated in another, 6.8% printed as 6.8퍼센트, the year
put in front of the program. The fact store therefore compares *folded* forms:

- a **company** by its canonical name (:func:`pipeline.core.normalize.canonical_name`: legal
  affixes, spacing, width), after the article's own abbreviations are resolved
  (``한국콘텐츠진흥원(이하 콘진원)``: 콘진원 → 한국콘텐츠진흥원); a group of participants
  (``참여기업 768개사``, ``31개 스타트업``, ``참여 기업``) is one block, ``@group``, told apart by
  its program and outcome;
- a **program** by SCHEMA.md's string rule on its canonical form with years, editions, the
  agency's name in front and a final 사업 folded, or, where outlets name it differently
  (``실증 지원 프로그램`` / ``스타트업 실증 지원사업``), by the character bigrams the names share
  once generic words (사업, 지원, 프로그램 …) are set aside;
- an **outcome** by its figures: two wordings of one result share a figure with its unit
  (``1억7222만달러로 47.7% 증가`` / ``수출이 47.7% 늘었다``; ``96만달러(약 10억원)`` /
  ``10억 원(96만 달러)``) and do not disagree on metric, period or direction (a part missing on
  one side is no conflict); by the string rule on the text where there is no figure.

The company key is exact, so a store can sort and stream by it; the other rules apply
inside one company's block.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..core.matching import relaxed_match
from ..core.normalize import canonical_name, canonical_program, figures, parse_outcome

_YEARS = re.compile(r"(?:19|20)\d{2}\s*(?:년도|년)?|\d{2,4}\s*년도|제?\s*\d+\s*(?:차|기|회|기수)(?=\s|$|[^\d가-힣])")
_TRAILING = re.compile(r"(?:지원)?사업$")
#: ``정식명칭(이하 약칭)`` and ``정식명칭(약칭)``: an article's own abbreviations.
_ALIAS = re.compile(r"\s*\(\s*(?:이하\s*)?[‘'\"“]?([^()'\"‘’“”,\s]{2,12})[’'\"”]?\s*\)")


_GROUP = re.compile(
    r"\d[\d,]*\s*(?:개\s*사|개\s*기업|개\s*업체|개\s*팀|곳|개|社|팀)"  # 768개사, 스타트업 31곳
    r"|(?:기업|업체|회사|스타트업|사|팀|소상공인)들$"  # 게임기업들, 참여 업체들
    r"|^(?:참여|참가|입주|선정|지원|수혜|보육|졸업|협약|대상|해당)(?:한|된|받은|하는)?\s*"  # 참여한 기업, 선정된 스타트업
    r"(?:중소|벤처|스타트업|창업)?\s*(?:기업|업체|회사|스타트업|사|팀|소상공인|기관)$"
)


def company_key(name: str) -> str:
    """The company's name as the store compares it (case and spacing folded; groups → ``@group``)."""
    key = canonical_name(name).replace(" ", "").lower()
    return "@group" if _GROUP.search(key) else key


@lru_cache(maxsize=65536)
def program_key(name: str, agencies: tuple[str, ...] = ()) -> str:
    """A program's name folded for SCHEMA.md's string rule (years, editions, agency, 사업)."""
    text = canonical_program(name)
    text = _YEARS.sub(" ", text)
    folded = re.sub(r"\s+", "", text)
    for agency in sorted(agencies, key=len, reverse=True):
        a = re.sub(r"\s+", "", agency)
        if a and folded.startswith(a) and len(folded) > len(a) + 1:
            folded = folded[len(a) :].lstrip("의")
            break
    stripped = _TRAILING.sub("", folded)
    return (stripped if len(stripped) >= 2 else folded).lower()


_GENERIC = re.compile(r"지원|사업|프로그램|육성|과제|패키지|프로젝트|제도|센터|기업")


def program_bigrams(key: str) -> frozenset[str]:
    """Character bigrams of a folded program name, generic words set aside."""
    core = _GENERIC.sub("|", key)
    return frozenset(core[i : i + 2] for i in range(len(core) - 1) if "|" not in core[i : i + 2])


def same_program(a: str, b: str) -> bool:
    """SCHEMA.md's string rule on folded names, or a shared name-specific bigram (``뉴욕BI`` / ``뉴욕 수출인큐베이터``)."""
    return a == b or relaxed_match(a, b) or bool(program_bigrams(a) & program_bigrams(b))


@dataclass(frozen=True)
class OutcomeKey:
    """An outcome's figures and parsed reading, and its folded text."""

    figures: str  # "value|unit;…", sorted; empty where no figure
    metric: str | None
    direction: str | None
    period: str | None
    text: str

    def same(self, other: OutcomeKey) -> bool:
        """One result in two wordings: a shared figure and no conflicting part, or matching text without figures."""
        if not self.figures or not other.figures:
            return not self.figures and not other.figures and relaxed_match(self.text, other.text)
        if not set(self.figures.split(";")) & set(other.figures.split(";")):
            return False
        for a, b in ((self.metric, other.metric), (self.period, other.period)):
            if a and b and a != b:
                return False
        level = (None, "level")
        return self.direction == other.direction or self.direction in level or other.direction in level


@lru_cache(maxsize=65536)
def outcome_key(text: str) -> OutcomeKey:
    v = parse_outcome(text)
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    figs = ";".join(sorted(f"{value:.6g}|{unit}" for value, unit in figures(text)))
    return OutcomeKey(figs, v.metric, v.direction, v.period, folded)


def article_aliases(text: str, names: list[tuple[int, int]]) -> dict[str, str]:
    """Abbreviations the article defines right after a name: ``X(이하 Y)`` or ``X(Y)`` → {Y: X}."""
    aliases: dict[str, str] = {}
    for start, end in names:
        m = _ALIAS.match(text, end)
        if m and m.group(1) != text[start:end]:
            aliases[company_key(m.group(1))] = company_key(text[start:end])
    return aliases
