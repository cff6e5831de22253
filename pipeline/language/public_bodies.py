"""Is this span a Korean public body? The team's list and patterns, for the span classifier's decoder.

Public bodies are a closed class: the ministries, agencies, public institutes, local
governments and universities that run programs are few and written in a few ways
(중소벤처기업진흥공단, 중진공; 완도군, 완도군청; 부산테크노파크). A list beats learning
where the model has seen a name seldom or never, and it knows that a body on it is never
a COMPANY (the span classifier's most frequent AGENCY error on dev is a public body named
as a firm, or a firm as a body). The names are in ``pipeline/data/public_bodies.txt`` and
the region stems in ``pipeline/data/korean_regions.txt``, both written by the team; the
generic forms (…테크노파크, region + 군/시청, region + 대) are the patterns below.

Matching is on the span's text with white space removed, whole span only: a longer
span that contains a body (중진공 사업전환 컨설팅) is not a body.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

#: suffixes of a local government after a region stem (완도군, 부산광역시청, 강남구청)
_LOCAL = r"(?:특별시|광역시|특별자치시|특별자치도|도|시|군|구)청?"
#: endings that make any name a public body, association or university (SCHEMA.md: AGENCY)
_BODY_ENDINGS = (
    "테크노파크",
    "경제진흥원",
    "진흥원",
    "진흥공단",
    "진흥회",
    "창조경제혁신센터",
    "과학기술원",
    "상공회의소",
    "산학협력단",
    "대학교",
    "중소벤처기업청",
    "중소기업청",
    "경제자유구역청",
    "신용보증재단",
    "교육청",
    "도시공사",
    "협회",
    "연합회",
    "위원회",
)
#: research institutes: …연구원 is also a researcher's title (선임연구원), so those are excluded
_TITLES = ("선임", "책임", "수석", "주임", "전임", "객원", "박사후")


#: a legal form written before the name: a firm
_FIRM_MARKS = ("㈜", "(주)", "주식회사", "(유)", "유한회사")
#: universities as programs (창업선도대학, 창업중심대학: SCHEMA.md's PROGRAM), not operators
_PROGRAM_ENDINGS = ("선도대학", "중심대학")


def _lines(name: str) -> list[str]:
    text = resources.files("pipeline").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def normalise(text: str) -> str:
    """The form that is matched: white space removed (중소 벤처 기업부 = 중소벤처기업부)."""
    return re.sub(r"\s+", "", text)


@cache
def _names() -> frozenset[str]:
    return frozenset(normalise(n) for n in _lines("public_bodies.txt"))


@cache
def _pattern() -> re.Pattern:
    regions = "|".join(sorted((re.escape(r) for r in _lines("korean_regions.txt")), key=len, reverse=True))
    endings = "|".join(_BODY_ENDINGS)
    return re.compile(
        rf"(?:{regions}){_LOCAL}"  # 완도군, 서울시청
        rf"|(?:{regions})(?:{_LOCAL})?(?:TP|대|상의)"  # 경기TP, 충남대, 부산상의
        rf"|.+(?:{endings})"  # 부산테크노파크, 신구대학교, 한국무역협회
        rf"|.{{2,}}대학"  # 폴리텍대학
        rf"|.{{2,}}연구원"  # 한국기계연구원 (…연구소 is as often a firm's name: only the listed ones)
    )


def is_public_body(text: str, patterns: bool = True) -> bool:
    """Whether ``text`` names a public body: on the team's list, or (``patterns``) of a listed form."""
    name = normalise(text)
    if name.startswith(_FIRM_MARKS):
        return False  # ㈜대한뷰티산업진흥원 is a firm whatever its name says
    if name in _names():
        return True
    if not patterns or len(name) < 3:
        return False
    if _pattern().fullmatch(name) is None:
        return False
    if name.endswith(_PROGRAM_ENDINGS):
        return False
    if name.endswith("연구원"):  # a researcher (김철수 연구원, 선임연구원) is no institute
        return not (re.search(r"\s", text.strip()) or name[: -len("연구원")].endswith(_TITLES))
    return True


__all__ = ["is_public_body", "normalise"]
