"""pipeline.evaluation.scoring and pipeline.evaluation.evaluate: hand-made gold and predictions, P/R/F1 counted by hand.

Each expected figure is worked out in the comments from the matching rule of SCHEMA.md
(white space and quotes removed, one string inside the other, the shorter at least half
the longer; one-to-one matching per document; micro counts summed over documents).
"""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import SpanGroup

import pipeline
from pipeline.core.document import ECON_SPANS_KEY, Slot, Triple
from pipeline.core.matching import exact_match, relaxed_match
from pipeline.evaluation.evaluate import evaluate, format_report, score_relations
from pipeline.evaluation.scoring import judge_triples, score_entities, score_triples


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("사업전환 컨설팅", "사업전환컨설팅", True),  # white space does not count
        ("‘클러스터사업’", "클러스터사업", True),  # nor quote marks
        ("클러스터", "클러스터사업", True),  # 4 of 6 characters: at least half
        ("사업", "클러스터사업", False),  # 2 of 6: less than half
        ("매출 증가", "수출 증가", False),  # neither inside the other
        ("", "", False),
    ],
)
def test_relaxed_match_follows_the_schema_rule(a, b, same):
    assert relaxed_match(a, b) is same
    assert relaxed_match(b, a) is same


def _t(company: str, program: str, outcome: str, *, aliases: dict | None = None, score: float | None = None) -> dict:
    parts = {"company": company, "program": program, "outcome": outcome}
    t = {role: {"text": text, "start": 0, "end": len(text)} for role, text in parts.items()}
    for role, alias in (aliases or {}).items():
        t[role]["aliases"] = [{"text": alias, "start": 0, "end": len(alias)}]
    t["agency"] = None
    t["score"] = score
    return t


# doc 1: T1 matches G1 and G2, T2 only G1, T3 nothing. A greedy T1→G1 would leave T2 unmatched;
# the one-to-one maximum matching pairs T1–G2 and T2–G1: 2 true positives.
G1, G2 = _t("백억전자", "사업전환 컨설팅", "매출 증가"), _t("백억전자", "사업전환 컨설팅", "매출 증가율")
T1, T2, T3 = (
    _t("백억전자", "사업전환컨설팅", "매출 증가", score=0.9),
    _t("㈜백억전자", "사업전환 컨설팅", "매출 증가 163%", score=0.8),
    _t("NHC미디어", "클러스터사업", "시청률 1위", score=0.7),
)
# doc 2: two gold triples, nothing predicted. doc 3: the prediction matches the gold program's alias only.
G3, G3b = _t("NHC미디어", "클러스터사업", "시청률 1위"), _t("NHC미디어", "콘텐츠 대상", "장관상")
G4 = _t("어리이야기", "한국산업단지공단 클러스터사업", "수출 계약", aliases={"program": "산단 클러스터"})
T4 = _t("어리이야기", "산단 클러스터", "수출 계약", score=0.6)
DOCS = [([T1, T2, T3], [G1, G2]), ([], [G3, G3b]), ([T4], [G4])]


def test_triples_are_matched_one_to_one_and_summed_over_documents():
    scores = score_triples(DOCS)
    # tp 2 + 0 + 1 = 3; predicted 3 + 0 + 1 = 4; gold 2 + 2 + 1 = 5
    assert (scores.tp, scores.n_pred, scores.n_gold) == (3, 4, 5)
    assert scores.precision == pytest.approx(3 / 4)
    assert scores.recall == pytest.approx(3 / 5)
    assert scores.f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))  # = 2/3
    assert scores.as_dict() == {"p": 0.75, "r": 0.6, "f1": 0.6667, "tp": 3, "pred": 4, "gold": 5}


def test_exact_triple_matching_counts_only_identical_strings():
    scores = score_triples(DOCS, exact_match)
    # T1–G1 (white space aside) and T4–G4 through the alias; T2's "㈜백억전자" and "매출 증가 163%" differ
    assert (scores.tp, scores.n_pred, scores.n_gold) == (2, 4, 5)
    assert (scores.precision, scores.recall) == (0.5, 0.4)


def test_judge_triples_gives_each_prediction_its_own_verdict_highest_score_first():
    verdicts, n_gold = judge_triples([p for p, _ in DOCS], [g for _, g in DOCS])
    assert n_gold == 5
    # doc 1 in score order: T1 takes G1 (the first it matches), T2 then finds G1 taken, T3 matches nothing
    assert verdicts == [(0.9, True), (0.8, False), (0.7, False), (0.6, True)]


def _e(label: str, start: int, end: int, text: str) -> dict:
    return {"label": label, "start": start, "end": end, "text": text}


def test_entities_exact_and_relaxed_per_label_and_overall():
    gold_a = [_e("COMPANY", 0, 4, "백억전자"), _e("AGENCY", 6, 9, "중진공"), _e("PROGRAM", 11, 19, "사업전환 컨설팅")]
    pred_a = [
        _e("COMPANY", 0, 4, "백억전자"),  # exact
        _e("AGENCY", 6, 10, "중진공의"),  # relaxed only: 3 of 4 characters, overlapping
        _e("PROGRAM", 11, 15, "사업전환"),  # relaxed only: 4 of 7
        _e("COMPANY", 40, 44, "백억전자"),  # a second mention: the gold one is taken
    ]
    # doc b: the same string elsewhere in the text is another mention, not a match
    gold_b, pred_b = [_e("COMPANY", 0, 4, "백억전자")], [_e("COMPANY", 40, 44, "백억전자")]
    pairs = [(pred_a, gold_a), (pred_b, gold_b)]
    exact = score_entities(pairs)
    assert (exact.overall.tp, exact.overall.n_pred, exact.overall.n_gold) == (1, 5, 4)
    relaxed = score_entities(pairs, relaxed=True)
    assert (relaxed.overall.tp, relaxed.overall.n_pred, relaxed.overall.n_gold) == (3, 5, 4)
    assert relaxed.overall.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    company = relaxed.per_label["COMPANY"]
    assert (company.tp, company.n_pred, company.n_gold) == (1, 3, 2)
    only_agency = score_entities(pairs, relaxed=True, labels=["AGENCY"])
    assert set(only_agency.per_label) == {"AGENCY"} and only_agency.overall.as_dict()["f1"] == 1.0


def test_relations_match_by_their_entities_and_label():
    gold = {
        "entities": [_e("COMPANY", 0, 4, "백억전자") | {"id": "g1"}, _e("PROGRAM", 11, 19, "사업전환 컨설팅") | {"id": "g2"}],
        "relations": [{"head": "g1", "tail": "g2", "label": "PARTICIPATES_IN"}],
    }
    pred = {
        "entities": [_e("COMPANY", 0, 4, "백억전자") | {"id": "e0"}, _e("PROGRAM", 11, 15, "사업전환") | {"id": "e1"}],
        "relations": [{"head": "e0", "tail": "e1", "label": "PARTICIPATES_IN"}, {"head": "e1", "tail": "e0", "label": "RESULT_OF"}],
    }
    # exact: the tail's offsets differ, nothing matches; relaxed: the first relation matches
    assert score_relations([(pred, gold)], relaxed=False).as_dict() == {"p": 0.0, "r": 0.0, "f1": 0.0, "tp": 0, "pred": 2, "gold": 1}
    relaxed = score_relations([(pred, gold)], relaxed=True)
    assert (relaxed.tp, relaxed.precision, relaxed.recall) == (1, 0.5, 1.0)


TEXT = "백억전자는 중진공의 사업전환 컨설팅을 통해 매출이 증가했다."


def _canned(doc):
    """Predictions fixed in advance: what a model would have written, without a model."""
    text = doc.text
    found = [("COMPANY", "백억전자"), ("AGENCY", "중진공"), ("PROGRAM", "사업전환")]
    spans = [doc.char_span(text.index(s), text.index(s) + len(s), label=label) for label, s in found]
    assert all(spans), "the canned spans must fall on Kiwi token boundaries"
    group = SpanGroup(doc, name=ECON_SPANS_KEY, spans=spans)
    group.attrs["scores"] = [0.9, 0.8, 0.7]
    doc.spans[ECON_SPANS_KEY] = group
    doc._.relations = [(1, 2, "RUNS", 0.9)]

    def slot(s):
        return Slot(s.text, s.start_char, s.end_char)

    company, program = slot(spans[0]), slot(spans[2])
    outcome_at = text.index("매출이 증가")
    doc._.triples = [Triple(company, program, Slot("매출이 증가", outcome_at, outcome_at + 6), score=0.5)]
    return doc


if not Language.has_factory("test_canned_predictions"):
    Language.component("test_canned_predictions")(_canned)


def test_evaluate_scores_a_pipeline_against_records():
    nlp = pipeline.blank()
    nlp.add_pipe("test_canned_predictions")

    def at(sub: str) -> tuple[int, int]:
        return TEXT.index(sub), TEXT.index(sub) + len(sub)

    gold_entities = [
        {"id": "g1", "label": "COMPANY", "start": at("백억전자")[0], "end": at("백억전자")[1], "text": "백억전자"},
        {"id": "g2", "label": "AGENCY", "start": at("중진공")[0], "end": at("중진공")[1], "text": "중진공"},
        {"id": "g3", "label": "PROGRAM", "start": at("사업전환 컨설팅")[0], "end": at("사업전환 컨설팅")[1], "text": "사업전환 컨설팅"},
        {"id": "g4", "label": "OUTCOME", "start": at("매출이 증가")[0], "end": at("매출이 증가")[1], "text": "매출이 증가"},
    ]
    gold_triple = {
        "company": {"text": "백억전자", "start": 0, "end": 4},
        "program": {"text": "사업전환 컨설팅", "start": at("사업전환 컨설팅")[0], "end": at("사업전환 컨설팅")[1]},
        "outcome": {"text": "매출이 증가", "start": at("매출이 증가")[0], "end": at("매출이 증가")[1]},
        "agency": None,
    }
    record = {
        "id": "hand-1",
        "text": TEXT,
        "entities": gold_entities,
        "relations": [{"head": "g2", "tail": "g3", "label": "RUNS"}, {"head": "g1", "tail": "g3", "label": "PARTICIPATES_IN"}],
        "triples": [gold_triple],
    }
    result = evaluate(nlp, [record])
    assert result["documents"] == 1 and "standard" not in result
    # entities: 3 predicted, 4 gold; exact 2 (COMPANY, AGENCY), relaxed 3 (사업전환 is 4 of 7 characters)
    assert result["econ"]["exact"]["overall"] == {"p": 0.6667, "r": 0.5, "f1": 0.5714, "tp": 2, "pred": 3, "gold": 4}
    assert result["econ"]["relaxed"]["overall"] == {"p": 1.0, "r": 0.75, "f1": 0.8571, "tp": 3, "pred": 3, "gold": 4}
    assert result["econ"]["relaxed"]["per_label"]["OUTCOME"] == {"p": 0.0, "r": 0.0, "f1": 0.0, "tp": 0, "pred": 0, "gold": 1}
    # relations: 1 predicted (RUNS 중진공 → 사업전환), 2 gold; the tail matches only under the relaxed rule
    assert result["relations"]["exact"]["tp"] == 0 and result["relations"]["relaxed"]["tp"] == 1
    assert (result["relations"]["relaxed"]["p"], result["relations"]["relaxed"]["r"]) == (1.0, 0.5)
    # triples: 1 predicted, 1 gold, relaxed match (사업전환 in 사업전환컨설팅), not exact
    assert result["triples"]["relaxed"] == {"p": 1.0, "r": 1.0, "f1": 1.0, "tp": 1, "pred": 1, "gold": 1}
    assert result["triples"]["exact"]["tp"] == 0
    report = format_report(result)
    assert "econ layer, exact spans" in report and "triples (relaxed): P 1.000  R 1.000  F1 1.000  (pred 1, gold 1)" in report
