"""pipeline.corpora.anchor: annotators' span strings → stand-off offsets, with clear errors."""

from __future__ import annotations

import itertools
import json

import pytest

from pipeline.corpora import econ
from pipeline.corpora.anchor import AnchorError, anchor_record, main
from pipeline.corpora.sources import fetch_text, text_sha256

TEXT = "백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다. 백억전자 대표는 중진공 지원이 컸다고 말했다."


def _synthetic(**extra) -> dict:
    rec = {
        "id": "syn-test-1",
        "text": TEXT,
        "entities": [
            ["e1", "COMPANY", "백억전자"],
            ["e2", "AGENCY", "중진공", 1],
            ["e3", "PROGRAM", "사업전환 컨설팅"],
            ["e4", "OUTCOME", "매출 163.3% 증가"],
            ["e5", "COMPANY", "백억전자", 2],
            ["e6", "AGENCY", "중진공", "대표는 중진공 지원"],
        ],
        "relations": [["e2", "RUNS", "e3"]],
        "triples": [[["e1", "e5"], "e3", "e4", "e2"]],
    }
    rec.update(extra)
    return rec


def test_synthetic_record_gets_offsets_occurrences_and_context():
    out, warnings = anchor_record(_synthetic(note="hand-made"))
    assert warnings == []
    assert out["text"] == TEXT and out["sha256"] == text_sha256(TEXT) and out["meta"]["synthetic"] is True
    spans = {e["id"]: (e["start"], e["end"]) for e in out["entities"]}
    second = TEXT.index("백억전자", 1)
    assert spans["e1"] == (0, 4)
    assert spans["e5"] == (second, second + 4)  # the second occurrence, as asked
    assert spans["e2"] == (6, 9)
    assert spans["e6"] == (TEXT.index("중진공 지원"), TEXT.index("중진공 지원") + 3)  # found inside its context
    for e, (_, label, surface, *_) in zip(out["entities"], _synthetic()["entities"]):
        assert TEXT[e["start"] : e["end"]] == surface and e["label"] == label
    assert out["relations"] == [{"head": "e2", "tail": "e3", "label": "RUNS"}]
    assert out["triples"] == [{"company": ["e1", "e5"], "program": ["e3"], "outcome": ["e4"], "agency": ["e2"]}]
    assert out["note"] == "hand-made"


def test_overlapping_spans_are_a_warning_not_an_error():
    rec = _synthetic(entities=[["e1", "OUTCOME", "매출 163.3% 증가"], ["e2", "OUTCOME", "163.3% 증가를 기록"]], relations=[], triples=[])
    out, warnings = anchor_record(rec)
    assert warnings == ["syn-test-1: e2 overlaps e1"]
    assert len(out["entities"]) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": ""}, "record has no id"),
        ({"text": ""}, "syn-test-1: synthetic document needs its text"),
        ({"entities": [["e1", "FIRM", "백억전자"]]}, "entity e1 has unknown label 'FIRM'"),
        ({"entities": [["e1", "COMPANY", "백억전자"], ["e1", "AGENCY", "중진공"]]}, "entity id e1 used twice"),
        ({"entities": [["e1", "COMPANY", " 백억전자"]]}, "has outer white space"),
        ({"entities": [["e1", "COMPANY", "백억전자", 3]]}, "entity e1 '백억전자' occurrence 3 not in text"),
        ({"entities": [["e1", "COMPANY", "백억전자", "없는 문맥"]]}, "context '없는 문맥' not in text"),
        ({"entities": [["e1", "COMPANY", "백억전자"], ["e2", "COMPANY", "백억전자", 1]]}, "entities e1 and e2 have the same span"),
        ({"entities": [["e1", "COMPANY"]]}, "is not [id, label, surface, occurrence]"),
        ({"relations": [["e1", "RUNS", "e3"]]}, "RUNS needs AGENCY → PROGRAM, got COMPANY → PROGRAM"),
        ({"relations": [["e2", "RUNS", "e9"]]}, "names unknown entity e9"),
        ({"relations": [["e2", "FUNDS", "e3"]]}, "unknown relation label 'FUNDS'"),
        ({"triples": [["e1", "e3"]]}, "is not [company, program, outcome, agency]"),
        ({"triples": [["e1", "e3", None]]}, "lacks its outcome"),
        ({"triples": [["e1", "e4", "e3"]]}, "triple program e4 is OUTCOME, not PROGRAM"),
        ({"triples": [["e1", "e3", "e4", "e9"]]}, "names unknown entity e9"),
    ],
)
def test_each_authoring_mistake_raises_an_error_naming_it(change, message):
    with pytest.raises(AnchorError) as err:
        anchor_record(_synthetic(**change))
    assert message in str(err.value)


def _authoring(standoff: dict, text: str) -> dict:
    """What an annotator would write for a stored record: surfaces and occurrence numbers."""
    entities = []
    for e in standoff["entities"]:
        surface = text[e["start"] : e["end"]]
        occurrence = 1 + sum(1 for i in range(e["start"]) if text.startswith(surface, i))
        entities.append([e["id"], e["label"], surface, occurrence])
    triples = [[t[r] for r in ("company", "program", "outcome", "agency")] for t in standoff["triples"]]
    relations = [[r["head"], r["label"], r["tail"]] for r in standoff["relations"]]
    return {"id": standoff["id"], "entities": entities, "relations": relations, "triples": triples}


def test_outside_news_reanchor_to_the_stored_offsets_without_copying_the_text(data_dir):
    records = [r.data for r in itertools.islice(econ.iter_standoff(), 40) if not r.data["meta"].get("synthetic")][:5]
    assert records
    for stored in records:
        text, _ = fetch_text(stored["id"], data_dir)
        out, _ = anchor_record(_authoring(stored, text), data_dir)
        assert "text" not in out and out["meta"]["synthetic"] is False
        assert out["sha256"] == stored["sha256"]
        assert [(e["id"], e["label"], e["start"], e["end"]) for e in out["entities"]] == [
            (e["id"], e["label"], e["start"], e["end"]) for e in stored["entities"]
        ]


def test_command_line_writes_standoff_and_reports_errors(tmp_path, capsys):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(_synthetic(), ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main([str(good), "-o", str(out)]) == 0
    (written,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert written == anchor_record(_synthetic())[0]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_synthetic(entities=[["e1", "FIRM", "백억전자"]]), ensure_ascii=False) + "\n", encoding="utf-8")
    assert main([str(bad), "-o", str(tmp_path / "bad-out.jsonl")]) != 0
    assert f"{bad}: syn-test-1: entity e1 has unknown label 'FIRM'" in capsys.readouterr().err
