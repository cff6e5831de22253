"""The Kiwi suggester and the econ span classifier (pipeline/language/suggesters.py, pipeline/components/span_classifier.py)."""

import numpy
import pytest
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import fix_random_seed

from pipeline.components.span_classifier import decode
from pipeline.language.suggesters import candidate_spans, kiwi_suggester

SENTENCE = "중진공의 구조혁신지원사업에 참여한 ㈜블루오션텍은 매출이 전년 대비 20% 증가했다."


def _texts(doc, spans):
    return {doc[s:e].text for s, e in spans}


def test_suggester_proposes_gold_spans_and_respects_span_rules(blank_nlp):
    doc = blank_nlp.make_doc(SENTENCE)
    spans = candidate_spans(doc, max_length=20)
    texts = _texts(doc, spans)
    # the three entities of the sentence, exactly as SCHEMA.md delimits them
    assert {"중진공", "구조혁신지원사업", "㈜블루오션텍", "매출이 전년 대비 20% 증가"} <= texts
    # never a trailing particle, nor a leading one
    assert "중진공의" not in texts and "㈜블루오션텍은" not in texts
    assert not any(doc[e - 1].tag_.split("+")[-1].startswith("J") for _, e in spans)
    assert not any(doc[s].tag_.split("+")[0].startswith("J") for s, _ in spans)
    # pruned: fewer than all n-grams up to 20 tokens
    n = len(doc)
    all_ngrams = sum(max(0, n - k + 1) for k in range(1, 21))
    assert len(spans) < all_ngrams


def test_suggester_stays_within_a_sentence_and_max_length(blank_nlp):
    doc = blank_nlp.make_doc("중진공이 지원했다. 블루오션텍은 성장했다.")
    second = next(t.i for t in doc if t.is_sent_start and t.i > 0)
    spans = candidate_spans(doc, max_length=3)
    assert spans and all(e - s <= 3 for s, e in spans)
    assert not any(s < second < e for s, e in spans)


def test_suggester_ragged_groups_per_doc(blank_nlp):
    docs = [blank_nlp.make_doc(SENTENCE), blank_nlp.make_doc("중진공")]
    ragged = kiwi_suggester(docs, max_length=20)
    assert list(ragged.lengths) == [len(candidate_spans(d, 20)) for d in docs]
    assert ragged.dataXd.shape == (int(sum(ragged.lengths)), 2)


def test_decoder_keeps_best_non_overlapping_spans_in_text_order(blank_nlp):
    doc = Doc(blank_nlp.vocab, words=["중진공", "수출바우처", "사업"])
    labels = ("AGENCY", "PROGRAM")
    rows = numpy.array([[0, 1], [1, 3], [0, 3], [2, 3]])
    scores = numpy.array(
        [
            [0.9, 0.05, 0.05],  # 중진공: AGENCY
            [0.1, 0.8, 0.1],  # 수출바우처 사업: PROGRAM
            [0.3, 0.4, 0.3],  # the whole: overlaps both, lower score
            [0.0, 0.3, 0.7],  # 사업: "none" wins
        ]
    )
    group = decode(doc, rows, scores, labels, "econ", None)
    assert [(s.text, s.label_) for s in group] == [("중진공", "AGENCY"), ("수출바우처 사업", "PROGRAM")]
    assert group.attrs["scores"] == [0.9, 0.8]
    # a low min_score lets a candidate that "none" beats in, where nothing better overlaps it
    doc2 = Doc(blank_nlp.vocab, words=["중진공", "사업"])
    group = decode(doc2, numpy.array([[1, 2]]), numpy.array([[0.0, 0.3, 0.7]]), labels, "econ", 0.25)
    assert [(s.text, s.label_) for s in group] == [("사업", "PROGRAM")]


def _trained(blank_nlp_factory):
    fix_random_seed(0)
    nlp = blank_nlp_factory()
    nlp.add_pipe("econ_spancat", name="econ_ner")
    examples = []
    for text, ents in [
        (
            "중진공의 수출바우처사업에 참여한 블루오션텍은 매출 100억 원을 기록했다.",
            [("중진공", "AGENCY"), ("수출바우처사업", "PROGRAM"), ("블루오션텍", "COMPANY"), ("매출 100억 원", "OUTCOME")],
        ),
        (
            "창진원의 초기창업패키지에 선정된 한빛로보틱스는 수출 50만 달러를 달성했다.",
            [("창진원", "AGENCY"), ("초기창업패키지", "PROGRAM"), ("한빛로보틱스", "COMPANY"), ("수출 50만 달러", "OUTCOME")],
        ),
    ]:
        pred = nlp.make_doc(text)
        ref = nlp.make_doc(text)
        ref.spans["econ"] = [ref.char_span(text.index(t), text.index(t) + len(t), label=lab) for t, lab in ents]
        examples.append(Example(pred, ref))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    return nlp


def test_span_classifier_learns_and_round_trips(tmp_path):
    import spacy

    import pipeline

    nlp = _trained(pipeline.blank)
    text = "중진공의 수출바우처사업에 참여한 블루오션텍은 매출 100억 원을 기록했다."
    doc = nlp(text)
    found = {(s.text, s.label_) for s in doc.spans["econ"]}
    assert ("블루오션텍", "COMPANY") in found and ("수출바우처사업", "PROGRAM") in found
    assert all(doc.text[s.start_char : s.end_char] == s.text for s in doc.spans["econ"])
    assert [s.start for s in doc.spans["econ"]] == sorted(s.start for s in doc.spans["econ"])
    nlp.to_disk(tmp_path / "m")
    loaded = spacy.load(tmp_path / "m")
    again = loaded(text)
    assert [(s.start, s.end, s.label_) for s in again.spans["econ"]] == [(s.start, s.end, s.label_) for s in doc.spans["econ"]]
    assert again.spans["econ"].attrs["scores"] == pytest.approx(doc.spans["econ"].attrs["scores"], abs=1e-4)
    # the decoding threshold chosen on dev travels with the model
    nlp.get_pipe("econ_ner").cfg["min_score"] = 0.01
    low = nlp(text)
    assert len(low.spans["econ"]) >= len(doc.spans["econ"])
    nlp.to_disk(tmp_path / "m2")
    assert spacy.load(tmp_path / "m2").get_pipe("econ_ner").cfg["min_score"] == 0.01


def test_span_classifier_output_reads_as_a_document(tmp_path):
    """The rest of the pipeline reads doc.spans["econ"]: from_spacy must see the entities."""
    import pipeline
    from pipeline.core.document import from_spacy

    nlp = _trained(pipeline.blank)
    text = "창진원의 초기창업패키지에 선정된 한빛로보틱스는 수출 50만 달러를 달성했다."
    ents = from_spacy(nlp(text)).to_dict()["entities"]
    assert ents and all(text[e["start"] : e["end"]] == e["text"] for e in ents)


# -- the fast inference path gives the spaCy path's output, float for float ----------------------


@pytest.fixture(scope="module")
def dev_texts(data_dir):
    """Real dev news texts (the shared data), long and short, as the recogniser meets them."""
    from pipeline.corpora import econ

    split_of = econ.load_splits()
    texts = [econ.join(r, data_dir)["text"] for r in econ.iter_standoff() if split_of.get(r.data["id"]) == "dev"]
    assert len(texts) >= 20, "the dev split should hold real documents"
    return texts[:60]


def test_fast_suggester_matches_the_reference_loop_on_dev(blank_nlp, dev_texts):
    from pipeline.language.suggesters import candidate_spans_reference

    docs = list(blank_nlp.tokenizer.pipe(["", *dev_texts[:30], "중진공", "", *dev_texts[30:]]))
    for max_length in (1, 4, 20):
        ragged = kiwi_suggester(docs, max_length)
        expected = [candidate_spans_reference(d, max_length) for d in docs]
        assert [int(n) for n in ragged.lengths] == [len(e) for e in expected]
        flat = [pair for e in expected for pair in e]
        assert ragged.dataXd.tolist() == [list(p) for p in flat]
        assert all(candidate_spans(d, max_length) == e for d, e in zip(docs, expected))


def test_span_token_rows_match_spacys_extract_spans_index(blank_nlp, dev_texts):
    from spacy.ml.extract_spans import _get_span_indices
    from thinc.api import NumpyOps

    from pipeline.components.span_classifier import span_token_rows

    docs = list(blank_nlp.tokenizer.pipe(dev_texts[:10]))
    spans = kiwi_suggester(docs, 20)
    doc_lengths = numpy.array([len(d) for d in docs], dtype="i")
    expected = _get_span_indices(NumpyOps(), spans, doc_lengths)
    assert numpy.array_equal(span_token_rows(spans.dataXd, spans.lengths, doc_lengths), expected)


def test_fast_predict_gives_the_spacy_paths_scores_and_spans(dev_texts):
    """The recogniser's scores equal the unmodified spaCy model's on real dev texts, up to float
    rounding (the reducer's product is split between tokens and candidates), and so do its entities."""
    import pipeline

    nlp = _trained(pipeline.blank)
    proc = nlp.get_pipe("econ_ner")
    docs = list(nlp.tokenizer.pipe(dev_texts))
    for batch in (docs[:1], docs[:7], docs):
        indices, scores = proc.predict(batch)
        reference = proc.model.predict((batch, kiwi_suggester(batch, 20)))  # spaCy's own chain: extract_spans & co.
        assert numpy.array_equal(indices.dataXd, kiwi_suggester(batch, 20).dataXd)
        assert scores.dtype == reference.dtype and scores.shape == reference.shape
        assert numpy.allclose(scores, reference, rtol=0, atol=1e-5)
        assert numpy.array_equal(scores.argmax(axis=1), reference.argmax(axis=1))
    # and so the decoded entities: (start, end, label, score) as the decoder makes them from the reference scores
    out = list(proc.pipe([nlp.tokenizer(t) for t in dev_texts], batch_size=16))
    offset = 0
    for i, doc in enumerate(out):
        n = int(indices.lengths[i])
        rows = indices.dataXd[offset : offset + n]
        want = decode(doc, rows, reference[offset : offset + n], proc.labels, "econ", None, proc.levers)
        got = doc.spans["econ"]
        assert [(s.start, s.end, s.label_) for s in got] == [(s.start, s.end, s.label_) for s in want]
        assert numpy.allclose(got.attrs["scores"], want.attrs["scores"], rtol=0, atol=1e-5)
        offset += n
    assert offset == len(reference)
    assert any(len(doc.spans["econ"]) for doc in out), "the tiny model should find something on dev"


def test_range_max_is_the_max_over_each_window():
    from pipeline.components.span_classifier import range_max

    rng = numpy.random.default_rng(0)
    values = rng.normal(size=(200, 5)).astype("f")
    starts = rng.integers(0, 190, size=500)
    ends = numpy.minimum(starts + rng.integers(1, 21, size=500), 200)
    got = range_max(values, starts, ends)
    assert numpy.array_equal(got, numpy.stack([values[s:e].max(axis=0) for s, e in zip(starts, ends)]))
