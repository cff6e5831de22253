"""pipeline.components.entities.trim_span: the rule that keeps particles and enclosing quotes out of a span.

SCHEMA.md says a span never ends in a particle and never includes the quotes or brackets
around a name; the recogniser sometimes swallows them, and this rule cuts them off.
"""

from __future__ import annotations

import pytest
from spacy.tokens import Span

from pipeline.components.entities import trim_span

TEXT = '㈜백억전자는 중진공의 ‘사업전환 컨설팅’을 통해 매출 163.3%를 올렸다. (주)NHC미디어 "클러스터사업"에서'


@pytest.fixture(scope="module")
def doc(blank_nlp):
    doc = blank_nlp(TEXT)
    # the token boundaries the cases below rely on (Kiwi's analysis of this text)
    assert [t.text for t in doc[:11]] == ["㈜", "백억전자", "는", "중진공의", "‘", "사업", "전환", "컨설팅", "’", "을", "통해"]
    return doc


def _span(doc, sub: str, label: str) -> Span:
    start = TEXT.index(sub)
    span = doc.char_span(start, start + len(sub), label=label)
    assert span is not None, sub
    return span


@pytest.mark.parametrize(
    ("swallowed", "label", "kept"),
    [
        ("㈜백억전자는", "COMPANY", "㈜백억전자"),  # the particle goes, the ㈜ of the name stays
        ("‘사업전환 컨설팅’을", "PROGRAM", "사업전환 컨설팅"),  # particle and both quotes
        ('"클러스터사업"에서', "PROGRAM", "클러스터사업"),
        ("매출 163.3%를", "OUTCOME", "매출 163.3%"),  # the per cent sign is part of the outcome
    ],
)
def test_particles_and_enclosing_quotes_are_cut_off(doc, swallowed, label, kept):
    trimmed = trim_span(_span(doc, swallowed, label))
    assert trimmed is not None
    assert trimmed.text == kept and trimmed.label_ == label
    assert TEXT[trimmed.start_char : trimmed.end_char] == kept


def test_a_clean_span_is_returned_as_it_is(doc):
    span = _span(doc, "사업전환 컨설팅", "PROGRAM")
    assert trim_span(span) is span


@pytest.mark.parametrize("only", ["‘", "을", "’을"])
def test_nothing_left_gives_none(doc, only):
    assert trim_span(_span(doc, only, "PROGRAM")) is None
