"""pipeline.components.relations: candidate pairs, pair features, training updates and serialisation."""

from __future__ import annotations

import math

import pytest
import spacy
from spacy.tokens import SpanGroup
from spacy.training import Example
from thinc.api import Adam

import pipeline
from pipeline.components.relations import LABELS, candidate_pairs, hash_features, pair_features
from pipeline.core.document import ECON_SPANS_KEY

TEXT = "백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다. 다른 회사는 신청하지 않았다."
MENTIONS = [
    ("COMPANY", "백억전자"),
    ("AGENCY", "중진공"),
    ("PROGRAM", "사업전환 컨설팅"),
    ("OUTCOME", "매출 163.3% 증가"),
    ("COMPANY", "다른 회사"),
]
GOLD = [(0, 2, "PARTICIPATES_IN"), (1, 2, "RUNS"), (0, 3, "ACHIEVED"), (3, 2, "RESULT_OF")]
SMALL_MODEL = {"model": {"@architectures": "pipeline.RelationBOW.v1", "length": 2**12}}


def _doc(nlp, relations=None):
    doc = nlp.make_doc(TEXT)
    spans = [doc.char_span(TEXT.index(s), TEXT.index(s) + len(s), label=label) for label, s in MENTIONS]
    assert all(spans), "mentions must fall on Kiwi token boundaries"
    doc.spans[ECON_SPANS_KEY] = SpanGroup(doc, name=ECON_SPANS_KEY, spans=spans)
    if relations is not None:
        doc._.relations = [(h, t, label, 1.0) for h, t, label in relations]
    return doc


@pytest.fixture(scope="module")
def nlp():
    return pipeline.blank()


def test_candidates_are_the_signature_pairs_within_the_sentence_window(nlp):
    doc = _doc(nlp)
    spans = list(doc.spans[ECON_SPANS_KEY])
    assert len(list(doc.sents)) == 2
    near = set(candidate_pairs(doc, spans, 0))
    # the first sentence: its four signature pairs; the second sentence's company has no partner there
    assert near == set(GOLD)
    wide = set(candidate_pairs(doc, spans, 1))
    assert wide == near | {(4, 2, "PARTICIPATES_IN"), (4, 3, "ACHIEVED")}


def test_pair_features_describe_the_words_between_and_around(nlp):
    doc = _doc(nlp)
    spans = list(doc.spans[ECON_SPANS_KEY])
    runs = set(pair_features(doc, spans, 1, 2, 0))  # 중진공 → 사업전환 컨설팅, one particle apart
    assert {"pair=AGENCY>PROGRAM", "pair_order=AGENCY>PROGRAM|ht", "dist=AGENCY>PROGRAM|1", "sents=AGENCY>PROGRAM|0"} <= runs
    assert {"btw=AGENCY>PROGRAM|의", "cue=AGENCY>PROGRAM|ht|의", "n_inner=AGENCY>PROGRAM|0"} <= runs
    assert not any(f.startswith("adjacent=") for f in runs)
    joined = set(pair_features(doc, spans, 0, 2, 0))  # 백억전자 → 사업전환 컨설팅, the agency in between
    assert {"inner=COMPANY>PROGRAM|AGENCY", "n_inner=COMPANY>PROGRAM|1", "h_nearest=COMPANY>PROGRAM"} <= joined
    result_of = set(pair_features(doc, spans, 3, 2, 0))  # the outcome comes after its program
    assert "pair_order=OUTCOME>PROGRAM|th" in result_of
    keys, values, lengths = hash_features([sorted(runs), sorted(joined)])
    assert list(lengths) == [len(runs), len(joined)] and len(keys) == len(values) == len(runs) + len(joined)
    assert list(hash_features([sorted(runs)])[0]) == list(keys[: len(runs)])  # stable hashes, not Python's salted hash()


def _trained(nlp, steps: int):
    rel = nlp.add_pipe("relation_extractor", config=SMALL_MODEL)
    examples = [Example(_doc(nlp), _doc(nlp, GOLD))]
    rel.initialize(lambda: examples, nlp=nlp)
    optimizer = Adam(0.01)
    losses = []
    for _ in range(steps):
        losses.append(rel.update(examples, sgd=optimizer)["relation_extractor"])
    return rel, losses


def test_update_lowers_the_loss_and_learns_the_example():
    nlp = pipeline.blank()
    rel, losses = _trained(nlp, 12)
    assert losses[0] == pytest.approx(6 * math.log(len(LABELS)), rel=1e-3)  # 6 candidates, uniform at first
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < losses[0] / 4
    doc = rel(_doc(nlp))
    assert {(h, t, label) for h, t, label, _ in doc._.relations} == set(GOLD)
    assert set(doc._.relation_scores) == set(candidate_pairs(doc, list(doc.spans[ECON_SPANS_KEY]), 2))
    scores = rel.score([Example(doc, _doc(nlp, GOLD))])
    assert scores == {"rel_p": 1.0, "rel_r": 1.0, "rel_f": 1.0}


def test_to_disk_and_from_disk_give_identical_scores(tmp_path):
    nlp = pipeline.blank()
    rel, _ = _trained(nlp, 2)  # part-trained: scores away from both uniform and certainty
    before = rel(_doc(nlp))._.relation_scores
    assert len(set(before.values())) > 1
    nlp.to_disk(tmp_path / "rel")
    loaded = spacy.load(tmp_path / "rel")
    after = loaded.get_pipe("relation_extractor")(_doc(loaded))._.relation_scores
    assert after == before
    fresh = pipeline.blank().add_pipe("relation_extractor", config=SMALL_MODEL)
    fresh.initialize(lambda: [], nlp=None)
    untrained = fresh(_doc(nlp))._.relation_scores
    assert untrained != before  # the weights, not the defaults, were loaded
    copy = pipeline.blank().add_pipe("relation_extractor", config=SMALL_MODEL)
    copy.initialize(lambda: [], nlp=None)
    copy.from_bytes(rel.to_bytes())
    assert copy(_doc(nlp))._.relation_scores == before
