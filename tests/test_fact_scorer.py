"""The learned fact scorer: candidates, features, labels from gold triples, and its use in assembly."""

import pytest

from pipeline.components.fact_scorer import FactScorer, candidates, features, gold_labels
from pipeline.components.triples import TripleAssembler
from pipeline.core.document import ECON_SPANS_KEY, from_spacy

TEXT = (
    "중소벤처기업진흥공단은 수출바우처 사업의 성과를 발표했다. "
    "참여기업 120개사의 수출은 21.9% 늘었다. "
    "또 가온테크는 CES 2024에서 혁신상을 받았다."
)
MARKS = [
    ("중소벤처기업진흥공단", "AGENCY"),
    ("수출바우처 사업", "PROGRAM"),
    ("참여기업 120개사", "COMPANY"),
    ("수출은 21.9% 늘었다", "OUTCOME"),
    ("가온테크", "COMPANY"),
    ("CES 2024", "PROGRAM"),
    ("혁신상", "OUTCOME"),
]


def slot(text, surface):
    start = TEXT.index(surface)
    return {"text": surface, "start": start, "end": start + len(surface)}


GOLD = [
    {"company": slot(TEXT, "참여기업 120개사"), "program": slot(TEXT, "수출바우처 사업"), "outcome": slot(TEXT, "수출은 21.9% 늘었다")},
    {"company": slot(TEXT, "가온테크"), "program": slot(TEXT, "CES 2024"), "outcome": slot(TEXT, "혁신상")},
]


@pytest.fixture()
def doc(blank_nlp):
    doc = blank_nlp(TEXT)
    spans = [doc.char_span(TEXT.index(s), TEXT.index(s) + len(s), label=label, alignment_mode="expand") for s, label in MARKS]
    assert all(s is not None for s in spans)
    doc.spans[ECON_SPANS_KEY] = spans
    doc._.relation_scores = {}
    return doc


def test_every_outcome_meets_every_company_and_program_and_gold_labels_them(doc):
    ctx = TripleAssembler().context(doc)
    cands = candidates(ctx)
    assert len(cands) == 2 * 2 * 2  # outcomes × company entities × program entities
    labels = gold_labels(ctx, cands, GOLD)
    named = {(ctx.spans[c].text, ctx.spans[p].text, ctx.spans[o].text) for (c, p, o), y in zip(cands, labels) if y}
    assert named == {("참여기업 120개사", "수출바우처 사업", "수출은 21.9% 늘었다"), ("가온테크", "CES 2024", "혁신상")}
    f = features(ctx, next(c for c in cands if [ctx.spans[i].text for i in c] == ["가온테크", "CES 2024", "혁신상"]))
    assert f["all_one_sentence"] == 1 and f["c_rank=0"] == 1 and f["o_direction=award"] == 1


def test_a_trained_scorer_decides_assembly_and_survives_serialisation(doc, tmp_path):
    assembler = TripleAssembler()
    ctx = assembler.context(doc)
    cands = candidates(ctx)
    feats, labels = [features(ctx, c) for c in cands], gold_labels(ctx, cands, GOLD)
    assembler.scorer.fit(feats * 5, labels * 5, c=10.0)
    assembler.scorer.threshold = 0.5
    got = {(t["company"]["text"], t["program"]["text"], t["outcome"]["text"]) for t in from_spacy(assembler(doc)).to_dict()["triples"]}
    assert got == {(g["company"]["text"], g["program"]["text"], g["outcome"]["text"]) for g in GOLD}
    assembler.scorer.calibrate([0.2, 0.4, 0.6, 0.8, 0.9, 0.3], [False, False, True, True, True, False])
    assert assembler.scorer.calibration != (1.0, 1.0, 0.0)
    assembler.to_disk(tmp_path / "asm")
    again = TripleAssembler().from_disk(tmp_path / "asm")
    assert again.scorer.weights == pytest.approx(assembler.scorer.weights) and again.scorer.threshold == 0.5
    assert again.scorer.calibration == pytest.approx(assembler.scorer.calibration)
    assert again.scorer.chain_threshold == assembler.scorer.chain_threshold
    assert (tmp_path / "asm" / "scorer.json").read_text(encoding="utf-8").startswith("{")  # JSON numbers, nothing pickled


def test_without_weights_the_rules_assemble(doc):
    assert not FactScorer().weights
    assert TripleAssembler().assemble(doc) == TripleAssembler().assemble_rules(doc)


def test_boosted_trees_score_as_scikit_learn_does_and_travel_as_json(tmp_path):
    """The numpy walk over the stored nodes must give scikit-learn's own probabilities."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer

    rng = np.random.default_rng(0)
    feats = [{"a": float(rng.normal()), "b": float(rng.integers(0, 2)), f"k={rng.integers(0, 3)}": 1.0} for _ in range(400)]
    labels = [int(f["a"] + f["b"] - f.get("k=2", 0) > 0.3) for f in feats]
    scorer = FactScorer().fit_trees(feats, labels, max_iter=40, max_leaf_nodes=7)
    vec = DictVectorizer(sparse=False)
    reference = HistGradientBoostingClassifier(max_iter=40, learning_rate=0.05, max_leaf_nodes=7, random_state=0)
    reference.fit(vec.fit_transform(feats), labels)
    probe = feats[:50] + [{"a": 0.2, "unseen": 1.0}]
    assert scorer.score(probe) == pytest.approx(reference.predict_proba(vec.transform(probe))[:, 1], abs=1e-9)
    assert scorer.trained and not scorer.weights
    again = FactScorer().from_bytes(scorer.to_bytes())
    assert again.score(probe) == pytest.approx(scorer.score(probe))
    assert FactScorer().from_bytes(FactScorer(weights={"bias": 1.0}).to_bytes()).trees is None


def test_a_platt_calibration_of_an_older_model_reads_as_the_same_map():
    """0.3.0 and before stored Platt's (a, c); read as beta calibration (a, a, c) it must score alike."""
    import json

    import numpy as np

    from pipeline.components.fact_scorer import FactScorer

    old = FactScorer().from_bytes(json.dumps({"weights": {}, "threshold": 0.5, "calibration": [0.58, -1.46]}).encode())
    p = np.array([0.05, 0.3, 0.5, 0.9])
    platt = 1 / (1 + np.exp(-(0.58 * np.log(p / (1 - p)) - 1.46)))
    assert old.calibration == (0.58, 0.58, -1.46)
    assert old.calibrated(p) == pytest.approx(platt)


def test_beta_calibration_bends_where_one_slope_cannot():
    """Scores too low in the middle and too high at the top (the scorer's shape on the full
    pipeline): the fitted map raises the middle and lowers the top, which Platt cannot do at once."""
    import numpy as np

    from pipeline.components.fact_scorer import FactScorer

    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, 4000)
    truth = np.clip(0.15 + 0.9 * p - 0.5 * p**2 + 0.25 * np.sin(np.pi * p), 0, 1)  # rises, then flattens
    y = rng.uniform(size=p.size) < truth
    s = FactScorer().calibrate(p.tolist(), y.tolist())
    a, b, _ = s.calibration
    assert abs(a - b) > 0.2  # not a Platt map
    fitted = s.calibrated(np.array([0.5, 0.95]))
    assert fitted[0] > 0.5 and fitted[1] < 0.95
