"""pipeline.training: a tiny run on a few corpus documents gives a pipeline that loads and runs.

The run is far too short to learn much; it checks the plumbing that a full
`python -m pipeline train` relies on: DocBins from corpus records, spaCy's training
loop on the project's config, assembling the parts, saving and loading.
"""

from __future__ import annotations

import pytest

import pipeline
from pipeline.core.document import validate

pytestmark = pytest.mark.slow  # trains a recogniser (about a minute on a busy 2-core machine)


def test_a_tiny_training_run_gives_a_loadable_pipeline(data_dir, tmp_path):
    from pipeline import corpora
    from pipeline.training.data import AlignStats, to_docs, write_docbin
    from pipeline.training.train import assemble, train_ner

    train = corpora.records("econ", "train", data_dir)[:12]
    dev = corpora.records("econ", "dev", data_dir)[:4]
    work = tmp_path / "work"
    work.mkdir()
    nlp = pipeline.blank()
    stats = AlignStats()
    docs = to_docs(nlp, train, layer="econ", stats=stats)
    assert len(docs) == len(train) and stats.aligned > 0
    assert stats.spans == sum(len(r["entities"]) for r in train)
    assert sum(len(d.ents) for d in docs) == stats.aligned + stats.expanded - stats.overlapping
    write_docbin(docs, work / "econ-train.spacy")
    write_docbin(to_docs(nlp, dev, layer="econ"), work / "econ-dev.spacy")

    best = train_ner("econ", work, max_steps=20, overrides={"training.eval_frequency": 10})
    assert (best / "config.cfg").is_file() and (best / "ner" / "model").is_file()

    trained = assemble(best, None, train[:6], relation_epochs=1)
    assert trained.pipe_names == ["econ_ner", "relation_extractor", "triple_assembler"]
    trained.to_disk(tmp_path / "model")
    loaded = pipeline.load(tmp_path / "model")
    assert loaded.pipe_names == trained.pipe_names
    assert set(loaded.get_pipe("econ_ner").labels) == {"COMPANY", "AGENCY", "PROGRAM", "OUTCOME"}
    for record in dev[:2]:
        got = pipeline.extract(record["text"], nlp=loaded, doc_id=record["id"])
        assert validate(got) == []
        assert got == pipeline.extract(record["text"], nlp=trained, doc_id=record["id"])  # saving changed nothing
