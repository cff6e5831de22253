"""Which scored candidate facts become triples, and when two of them are one fact.

The fact scorer (:mod:`.fact_scorer`) gives every (company, program, outcome) candidate of a
document a probability; :func:`select` turns those into facts: per outcome mention the best
candidate over a threshold, further ones over a second, firms listed with a chosen firm over a
third, prizes shared along prize-first lists (△대상 A △최우수상 B) but never across them, no prize
for a competition's entrants, and one fact once (:func:`same_fact`: the same firm and program by
name, the same outcome text or figure). Kept apart from :mod:`.triples`, the component that
groups mentions and writes the triples, because this is the part tuned on dev, lever by lever.
"""

from __future__ import annotations

import re

from ..core.matching import norm
from ..core.normalize import parse_outcome_at
from .fact_scorer import GROUP_NOUN, Context


def is_subsequence(short: str, long_: str) -> bool:
    it = iter(long_)
    return all(ch in it for ch in short)


def select(
    ctx: Context, cands: list[tuple[int, int, int]], probs, threshold: float, second_threshold: float, chain_threshold: float = 1.01
) -> list[tuple[float, tuple[int, int, int]]]:
    """Which scored candidates become facts. Per outcome mention the best candidate over
    ``threshold``; further candidates of the same outcome over ``second_threshold`` (the same
    award for five listed firms, a prize that a support program also helped win); one triple per
    (company, program, outcome text); then the firms listed with a chosen firm (its
    :meth:`~pipeline.components.fact_scorer.Context.chain`: 와이드티앤에스, 서보스타와 윈텍은 장관 표창을 수상)
    share its fact when their own candidate scores ``chain_threshold``; a figure restated in the
    document once (:func:`_one_per_value`); one participant group per outcome mention and program
    (:func:`_one_group_per_outcome`). Pure, so that thresholds can be tuned on scored candidates."""
    per_outcome: dict[int, list[tuple[float, tuple[int, int, int]]]] = {}
    for cand, prob in zip(cands, probs):
        if prob >= threshold and not _claimed_by_another_prize(ctx, cand[0], cand[2]) and not _entrants_of_a_prize(ctx, cand[0], cand[2]):
            per_outcome.setdefault(cand[2], []).append((float(prob), cand))
    kept: dict[tuple, tuple[float, tuple[int, int, int]]] = {}
    for ranked in per_outcome.values():
        ranked.sort(key=lambda x: -x[0])
        for k, (prob, cand) in enumerate(ranked):
            c, p, o = cand
            if k and prob < second_threshold:
                continue
            key = (ctx.cluster[c], ctx.cluster[p], norm(ctx.spans[o].text))
            if key not in kept or prob > kept[key][0]:
                kept[key] = (prob, cand)
    if chain_threshold <= 1.0:
        index = {(o, p, ctx.cluster[c]): (float(prob), (c, p, o)) for (c, p, o), prob in zip(cands, probs)}
        for _, (c, p, o) in list(kept.values()):
            for m in {*ctx.chain(c), *(prize_winners(ctx, c, o) if prize_first(ctx, o) else ())}:
                other = index.get((o, p, ctx.cluster[m]))
                key = (ctx.cluster[m], ctx.cluster[p], norm(ctx.spans[o].text))
                if other is not None and other[0] >= chain_threshold and key not in kept:
                    kept[key] = other
    kept = {k: (prob, cand) for k, (prob, cand) in kept.items() if not _claimed_by_another_prize(ctx, cand[0], cand[2])}
    return _one_group_per_outcome(ctx, _one_per_value(ctx, kept.values()))


def _one_group_per_outcome(ctx: Context, kept: list[tuple[float, tuple[int, int, int]]]) -> list[tuple[float, tuple[int, int, int]]]:
    """One participant group per outcome mention and program: an article names its group of
    firms several ways (수산식품기업 12개사 / 참여 기업들, 기업들 / 과제 수행기업), no alias rule
    joins such descriptions, and a figure reported for "the participants" is one fact however many
    ways the group is named, so only the best scored group keeps it. Named firms are untouched
    (five listed firms do share one prize). ``kept`` comes best first (:func:`_one_per_value`)."""
    out, first = [], {}
    for prob, (c, p, o) in kept:
        if GROUP_NOUN.search(ctx.spans[c].text):
            key = (o, ctx.cluster[p])
            if key in first and c not in ctx.chain(first[key]):
                continue  # a second name of the group; two firms listed together (대한기업, 민국기업은) stay
            first.setdefault(key, c)
        out.append((prob, (c, p, o)))
    return out


def prize_winners(ctx: Context, c: int, o: int) -> list[int]:
    """The firms a prize-first list gives a prize to, where ``c`` is one of them: ``은탑 산업훈장에는
    △정도헌 종이나라 대표 △김종원 원텍 대표, 동탑 산업훈장은 …``, ``금상(2점)에는 고창영어조합법인의
    ‘…’, 기장물산(주)의 ‘…’가``: every company after the prize and before the next prize of its
    sentence (a prize named again in parentheses, 국무총리상(금상), does not end the list).
    Empty unless the outcome is an award and ``c`` stands in that stretch."""
    span = ctx.spans[o]
    if parse_outcome_at(ctx.doc.text, span.start_char, span.end_char).direction != "award":
        return []
    hi = span.sent.end_char if ctx.doc.has_annotation("SENT_START") else len(ctx.doc.text)
    for m in ctx.by_label.get("OUTCOME", []):
        start = ctx.spans[m].start_char
        if ctx.sent_of[m] == ctx.sent_of[o] and span.end_char <= start < hi and ctx.cluster[m] != ctx.cluster[o]:
            hi = start
    winners = ctx.between("COMPANY", span.end_char, hi)
    return winners if c in winners else []


#: a prize that heads its list: 대상(산림청장상)은, 은탑 산업훈장에는, 금상(2점)에는, △대상 (a firm follows)
_PRIZE_FIRST = re.compile(r"^\s*(?:[(（][^()（）]{0,20}[)）])?\s*(?:은|는|에는|엔|으로는|로는|:)(?:\s|$)")


def prize_first(ctx: Context, o: int) -> bool:
    """Whether an award outcome heads the list of its winners (``금상은 A의 …, B의 …가 수상``),
    rather than following its winner (``A는 금상을, B는 은상을 받았다``)."""
    span, text = ctx.spans[o], ctx.doc.text
    if _PRIZE_FIRST.match(text[span.end_char : span.end_char + 30]) or text[max(0, span.start_char - 2) : span.start_char].strip() == "△":
        return parse_outcome_at(text, span.start_char, span.end_char).direction == "award"
    return False


_ENTERED = re.compile(r"^\s*(?:이|가|도)?\s*(?:참가|참여|응모|신청|출전|지원)")
_HEADCOUNT = re.compile(r"\d[\d,]*\s*(?:여)?\s*(?:개\s*)?(?:팀|개사|곳|경영체|기업|업체|社)")


def _entrants_of_a_prize(ctx: Context, c: int, o: int) -> bool:
    """``240개 팀이 신청했다``, ``총 15개 경영체가 참가한 가운데``: the count of a competition's
    entrants did not win its prizes (SCHEMA.md: the group reported on must be the one that achieved it)."""
    span, text = ctx.spans[c], ctx.doc.text
    if not _HEADCOUNT.search(span.text) or not _ENTERED.match(text[span.end_char : span.end_char + 12]):
        return False
    return parse_outcome_at(text, ctx.spans[o].start_char, ctx.spans[o].end_char).direction == "award"


def _claimed_by_another_prize(ctx: Context, c: int, o: int) -> bool:
    """``△대상 두원농협 △최우수상 하동율림``: a firm in the list of one prize of a sentence laid out
    prize first did not win the other prizes of that sentence."""
    for m in ctx.by_label.get("OUTCOME", []):
        if ctx.sent_of[m] == ctx.sent_of[o] and ctx.cluster[m] != ctx.cluster[o] and prize_first(ctx, m) and prize_winners(ctx, c, m):
            return True
    return False


def _one_per_value(ctx: Context, kept) -> list[tuple[float, tuple[int, int, int]]]:
    """One fact once: a figure restated in lead and body (수출 50% 증가 / 수출이 50% 늘었다,
    매출액 340억 원 / 345억 4600만 원의 매출액), an award named in the headline and the body, or the
    same firm and program under two names (61개 창업기업 / 61개 기업, 2024 중소기업인대회 / 2024년
    대한민국 중소기업인대회) is one triple, the best scored (:func:`same_fact`)."""
    out: list[tuple[float, tuple[int, int, int]]] = []
    for prob, cand in sorted(kept, key=lambda x: -x[0]):
        if not any(same_fact(ctx, cand, other) for _, other in out):
            out.append((prob, cand))
    return out


#: a head-count of firms; the counter word varies within one article (127곳 / 127개사, 12개 사 / 12개사)
_COUNT = re.compile(r"(\d[\d,]*)\s*(?:여)?\s*(?:개\s*사|곳|개|社)")


def _same_name(ctx: Context, a: int, b: int) -> bool:
    """Two company or program mentions that name the same thing for the purpose of one fact."""
    if ctx.cluster[a] == ctx.cluster[b]:
        return True
    x, y = norm(ctx.spans[a].text), norm(ctx.spans[b].text)
    if x in y or y in x:
        return True
    cx, cy = _COUNT.search(ctx.spans[a].text), _COUNT.search(ctx.spans[b].text)
    if cx and cy and cx.group(1).replace(",", "") == cy.group(1).replace(",", ""):
        return True  # 61개 창업기업 / 61개 기업, 127곳 / 127개사
    return _bigram_dice(x, y) >= 0.6


def _bigram_dice(x: str, y: str) -> float:
    bx, by = {x[i : i + 2] for i in range(len(x) - 1)}, {y[i : i + 2] for i in range(len(y) - 1)}
    return 2 * len(bx & by) / (len(bx) + len(by)) if bx and by else 0.0


def _abbreviates(x: str, y: str) -> bool:
    """One award name is the other with characters left out (금탑훈장 / 금탑산업훈장); four characters
    at least, so that 우수상 and 최우수상 stay two prizes."""
    short, long_ = sorted((x, y), key=len)
    return len(short) >= 4 and short[0] == long_[0] and is_subsequence(short, long_)


def same_fact(ctx: Context, a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    """Whether two candidates state one fact: same company and program (by name), and the same
    outcome (the same text, or the same metric with a figure within 5% in the same unit)."""
    if not (_same_name(ctx, a[0], b[0]) and _same_name(ctx, a[1], b[1])):
        return False
    ta, tb = ctx.spans[a[2]].text, ctx.spans[b[2]].text
    if a[2] == b[2] or norm(ta) == norm(tb) or ctx.cluster[a[2]] == ctx.cluster[b[2]]:
        return True
    sa, sb = ctx.spans[a[2]], ctx.spans[b[2]]
    va = parse_outcome_at(ctx.doc.text, sa.start_char, sa.end_char)
    vb = parse_outcome_at(ctx.doc.text, sb.start_char, sb.end_char)
    if va.direction == vb.direction == "award" and _abbreviates(norm(ta), norm(tb)):
        return True  # 금탑훈장 in the headline, 금탑산업훈장 in the body
    if va.value is None or vb.value is None or va.unit != vb.unit or va.metric != vb.metric:
        return False
    return abs(va.value - vb.value) <= 0.05 * max(abs(va.value), abs(vb.value))
