"""ModelRef: the one typed reference to the model a run uses (issue 14).

Checked at the edge, the same identity whether named or loaded (so resume across
``--n-process`` matches), and picklable as a name for worker processes.
"""

import pickle

import pytest

import pipeline
from pipeline.runners import loading
from pipeline.runners.models import LOADS, ModelRef


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tokenizer-only pipeline saved to a directory, with its own name and version."""
    nlp = pipeline.blank()
    nlp.meta["name"], nlp.meta["version"] = "tiny_ref", "1.2.3"
    path = tmp_path_factory.mktemp("model") / "tiny"
    nlp.to_disk(path)
    return path


def test_a_name_is_resolved_and_checked_at_the_edge(saved, tmp_path, monkeypatch):
    monkeypatch.chdir(saved.parent)
    ref = ModelRef.of("tiny", min_score=0.5)
    assert ref.spec == str(saved.resolve()) and ref.min_score == 0.5 and not ref.is_loaded
    assert ModelRef.of("blank").spec == "blank" and ModelRef.of("blank").label == "blank"
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        ModelRef.of(missing)
    with pytest.raises(TypeError, match="int"):
        ModelRef.of(42)
    assert ModelRef.of(ref) is ref and ModelRef.of(ref, 0.7) == ModelRef(ref.spec, 0.7)


def test_identity_is_the_same_for_the_name_and_the_pipeline_it_loads(saved):
    named = ModelRef.of(saved)
    loaded = ModelRef.of(named.load())
    assert loaded.is_loaded and loaded.label == "<pipeline object>"
    assert loaded != ModelRef.of(None) and loaded != ModelRef.of(ModelRef.of("blank").load()), "a pipeline is its own model"
    assert named.identity() == loaded.identity() == {"name": "tiny_ref", "version": "1.2.3"}
    blank = ModelRef.of("blank")
    assert blank.identity() == ModelRef.of(blank.load()).identity()
    assert blank.identity()["name"] is not None


def test_load_goes_through_the_one_cache_and_counts_builds(saved):
    loading.clear()
    LOADS.pop(str(saved.resolve()), None)
    ref = ModelRef.of(saved)
    first = ref.load()
    assert ref.load() is first and ModelRef.of(str(saved)).load() is first
    assert first is loading.load(saved)
    assert LOADS[str(saved.resolve())] == 1


def test_a_named_ref_pickles_as_its_name_and_a_pipeline_ref_whole(saved):
    named = ModelRef.of(saved, 0.4)
    data = pickle.dumps(named)
    assert len(data) < 500, "a named model travels to workers as its name, not as a pipeline"
    assert pickle.loads(data) == named
    nlp = ModelRef.of(saved).load()
    held = pickle.loads(pickle.dumps(ModelRef.of(nlp)))
    assert held.is_loaded and held.nlp is not nlp and held.identity() == named.identity()
    assert held.load()("매출이 늘었다").text == "매출이 늘었다"


def test_min_score_is_set_on_a_loaded_pipeline_s_triple_assembler():
    class Assembler:
        min_score = 0.1

    class Fake:
        """Annotates like a pipeline; has a triple assembler to set."""

        pipe_names = ["triple_assembler"]
        assembler = Assembler()

        def __call__(self, text):
            return text

        def pipe(self, texts, batch_size=None):
            return map(self, texts)

        def get_pipe(self, name):
            return self.assembler

    fake = Fake()
    assert ModelRef.of(fake).load() is fake and fake.assembler.min_score == 0.1
    ModelRef.of(fake, min_score=0.8).load()
    assert fake.assembler.min_score == 0.8


def test_dask_shard_settings_name_the_model_and_a_min_score_only_when_given():
    """What resume compares: runs made before min_score reached the dask engine still match."""
    from pipeline.runners.distributed import _settings

    plain = _settings("jsonl", "text", "id", 100, ModelRef.of("blank"))
    assert plain == {"format": "jsonl", "text_field": "text", "id_field": "id", "max_chars": 100, "model": "blank"}
    assert _settings("jsonl", "text", "id", 100, ModelRef.of("blank", 0.6)) == {**plain, "min_score": 0.6}
