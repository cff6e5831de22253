"""Pipelines run their thinc layers on numpy's BLAS (pipeline/language/blas.py), from config."""

from __future__ import annotations

from thinc.api import NumpyOps

from pipeline.language import blank
from pipeline.language.blas import use_numpy_blas


class OtherOps(NumpyOps):  # stands for a GPU or an accelerate backend: left alone
    name = "other"


def test_a_saved_pipeline_comes_back_on_numpy_blas(tmp_path):
    nlp = blank()
    nlp.add_pipe("ner").add_label("ORG")
    nlp.initialize()
    assert nlp.config["nlp"]["after_pipeline_creation"] == {"@callbacks": "pipeline.numpy_blas.v1"}
    nlp.to_disk(tmp_path / "p")
    import spacy

    loaded = spacy.load(tmp_path / "p")
    nodes = list(loaded.get_pipe("ner").model.walk())
    assert nodes and all(type(n.ops) is NumpyOps and n.ops.use_blis is False for n in nodes)
    doc = loaded("중소벤처기업부가 지원했다.")
    assert [t.text for t in doc] and doc.text == "중소벤처기업부가 지원했다."


def test_only_plain_numpy_ops_are_replaced():
    nlp = blank()
    nlp.add_pipe("ner").add_label("ORG")
    nlp.initialize()
    model = nlp.get_pipe("ner").model
    other = OtherOps()
    kept = model.layers[0]
    for node in kept.walk():
        node.ops = other
    use_numpy_blas(nlp)
    assert all(n.ops is other for n in kept.walk())
    rest = [n for n in model.walk() if n not in set(kept.walk())]
    assert rest and all(n.ops.use_blis is False for n in rest)
