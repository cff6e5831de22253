"""Long texts in segments, in one place for every entry point (pipeline.core.segments).

The cutting and the merging are checked on their own; then a real long article (econ dev
texts joined past the limit) must give the same record from ``pipeline.extract``,
``pipeline.annotate`` and the batch CLI, with every span exact and the merge equal to the
segments annotated one by one and shifted.
"""

from __future__ import annotations

import json

import pytest

import pipeline
from pipeline.core.document import Document, validate
from pipeline.core.segments import LONG_DOC_CHARS, SEGMENT_CHARS, merge_segments, segments, split_segments


def test_long_documents_are_cut_at_paragraphs_and_joined_exactly():
    text = ("문단 하나. " * 100 + "\n\n") * 12 + "끝" * 6000
    pieces = split_segments(text, 2000)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 2000 for _, p in pieces) and all(text[o : o + len(p)] == p for o, p in pieces)
    assert [len(p) for _, p in pieces] == [1404] * 6 + [2000] * 3  # two paragraphs a piece; a hard cut with no break at all
    assert all(p.endswith("\n\n") for _, p in pieces[:6])
    assert segments(text[:LONG_DOC_CHARS]) == [(0, text[:LONG_DOC_CHARS])]  # up to the limit: whole
    assert [o for o, _ in segments(text)] == [o for o, _ in split_segments(text, SEGMENT_CHARS)]


def _part(text: str, ent_start: int) -> Document:
    span = {"text": text[ent_start : ent_start + 2], "start": ent_start, "end": ent_start + 2}
    return Document.from_dict(
        {
            "id": "doc",
            "text": text,
            "sentences": [{"start": 0, "end": len(text)}],
            "entities": [
                {"id": "e0", "label": "COMPANY", **span, "score": 0.9},
                {"id": "e1", "label": "OUTCOME", "text": text[0:2], "start": 0, "end": 2},
            ],
            "relations": [{"head": "e0", "tail": "e1", "label": "ACHIEVED", "score": 0.8}],
            "triples": [
                {
                    "company": span,
                    "program": span,
                    "outcome": dict(span, value=3),
                    "agency": None,
                    "score": 0.5,
                    "evidence": [{"start": 0, "end": len(text)}],
                }
            ],
            "standard_entities": [{"label": "QT", **span}],
        }
    )


def test_segment_records_merge_with_shifted_offsets_and_renumbered_ids():
    a, b = "가나다라마바", "사아자차카타파"
    first, second = _part(a, 2), _part(b, 3)
    before = second.to_dict()
    merged = merge_segments(a + b, [(0, first), (len(a), second)], doc_id="both")
    assert second.to_dict() == before  # the parts are left as they were
    assert validate(merged) == []
    out = merged.to_dict()
    assert out["id"] == "both" and out["text"] == a + b
    assert [e["id"] for e in out["entities"]] == ["e0", "e1", "e2", "e3"]
    assert out["relations"][1] == {"head": "e2", "tail": "e3", "label": "ACHIEVED", "score": 0.8}
    assert out["triples"][1]["outcome"] == {"text": "차카", "start": 9, "end": 11, "value": 3}
    assert out["triples"][1]["evidence"] == [{"start": 6, "end": 13}]  # a list of spans moves too
    assert out["sentences"] == [{"start": 0, "end": 6}, {"start": 6, "end": 13}]
    assert out["standard_entities"][1]["start"] == 9
    alone = merge_segments(a, [(0, first)], doc_id="a")
    assert alone.to_dict() == {**first.to_dict(), "id": "a"}


# -- a real long article ---------------------------------------------------------------------
# The default model costs about a minute per 5,000-character segment here, so the text is kept just
# over the limit (three segments) and each way in annotates it once.


@pytest.fixture(scope="module")
def nlp():
    return pipeline.load()


@pytest.fixture(scope="module")
def long_text(data_dir) -> str:
    """Real econ dev articles joined by blank lines until the text is over the segmenting limit."""
    from pipeline import corpora

    texts, size = [], 0
    for record in corpora.records("econ", "dev", data_dir):
        texts.append(record["text"].strip())
        size += len(texts[-1]) + 2
        if size > LONG_DOC_CHARS + SEGMENT_CHARS // 2:
            break
    text = "\n\n".join(texts)
    assert len(segments(text)) == 3, "the dev split is too small for a long text"
    return text


@pytest.fixture(scope="module")
def long_document(nlp, long_text) -> Document:
    return pipeline.extract(long_text, nlp=nlp, doc_id="long")


def test_extract_gives_a_long_text_exact_spans_in_every_segment(long_text, long_document):
    assert isinstance(long_document, Document) and long_document.text == long_text
    assert validate(long_document) == [], validate(long_document)[:5]
    for e in long_document.standard_entities:
        assert long_text[e["start"] : e["end"]] == e["text"]
    assert all(ev in long_document.sentences for t in long_document.triples for ev in t.evidence)
    for off, piece in segments(long_text):  # every segment was annotated, at its place
        assert any(off <= e.start and e.end <= off + len(piece) for e in long_document.entities), off


def test_the_cli_gives_the_record_extract_gives(nlp, long_text, long_document, tmp_path):
    from pipeline.cli.main import main

    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "long", "text": long_text}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["annotate", str(src), "-o", str(out), "-q"]) == 0
    [cli] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert cli.pop("source") == {"file": str(src), "line": 1}
    assert cli == long_document.to_dict()


def test_the_merge_is_the_segments_annotated_alone_and_shifted(nlp, long_text, long_document):
    want_entities, want_triples = [], []
    for off, piece in segments(long_text):
        alone = pipeline.extract(piece, nlp=nlp)
        want_entities += [(e.label, e.start + off, e.end + off, e.text) for e in alone.entities]
        want_triples += [tuple((s.start + off, s.text) for s in (t.company, t.program, t.outcome)) for t in alone.triples]
    assert [(e.label, e.start, e.end, e.text) for e in long_document.entities] == want_entities
    assert [tuple((s.start, s.text) for s in (t.company, t.program, t.outcome)) for t in long_document.triples] == want_triples


def test_annotate_streams_documents_segmented_like_extract(blank_nlp, long_text):
    texts = ["짧은 글이다.", long_text, "또 짧은 글."]
    streamed = list(pipeline.annotate(texts, nlp=blank_nlp, ids=["a", "long", "b"], batch_size=2))
    assert [d.id for d in streamed] == ["a", "long", "b"] and [d.text for d in streamed] == texts
    assert streamed[1] == pipeline.extract(long_text, nlp=blank_nlp, doc_id="long")
    starts = [s.start for s in streamed[1].sentences]
    assert all(off in starts for off, _ in segments(long_text)[1:])  # a sentence starts at each cut
    assert validate(streamed[1]) == []
