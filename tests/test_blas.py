"""Pipelines run their thinc layers on numpy's BLAS (pipeline/language/blas.py), from config."""

from __future__ import annotations

from thinc.api import NumpyOps

from pipeline.language import blank
from pipeline.language.blas import NumpyBlasOps, one_blas_thread, use_numpy_blas


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
    assert nodes and all(type(n.ops) is NumpyBlasOps and n.ops.use_blis is False for n in nodes)
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


def test_products_run_on_one_blas_thread_and_the_limit_is_restored():
    import numpy
    from threadpoolctl import threadpool_info

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    before = blas_threads()
    with one_blas_thread():
        assert blas_threads() == {1}
    assert blas_threads() == before
    x, y = numpy.ones((4, 3), dtype="f"), numpy.ones((5, 3), dtype="f")
    assert numpy.array_equal(NumpyBlasOps().gemm(x, y, trans2=True), x @ y.T)
