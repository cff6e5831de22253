"""The shipped default model on real text: loads offline, finds entities, assembles the seed article's facts."""

import pytest

import pipeline
from pipeline.core.document import Document, validate
from pipeline.core.matching import relaxed_match
from pipeline.runners.models import ModelRef


@pytest.fixture(scope="module")
def nlp():
    return pipeline.load()


def test_default_model_has_the_documented_pipeline(nlp):
    assert nlp.pipe_names == ["econ_ner", "ner", "relation_extractor", "triple_assembler"]
    assert isinstance(nlp, pipeline.KiwiKorean)
    assert set(nlp.get_pipe("econ_ner").labels) == {"COMPANY", "AGENCY", "PROGRAM", "OUTCOME"}
    assert set(nlp.get_pipe("ner").labels) == {"PS", "LC", "OG", "DT", "TI", "QT"}


def test_seed_article_gives_the_cluster_facts(nlp, seed_text, data_dir):
    """The NHC미디어 article's facts cross paragraphs; most triples found must be facts the corpus
    records for it, covering most of them, the cluster program's included."""
    from pipeline import corpora
    from pipeline.evaluation.scoring import score_triples

    (gold,) = [r for r in corpora.records("econ", "train", data_dir) if r["id"] == "seed-nhc-media"]
    record = pipeline.extract(seed_text, nlp=nlp, doc_id="seed").to_dict()
    assert validate(Document.from_dict(record)) == []
    scores = score_triples([(record["triples"], gold["triples"])])
    assert scores.precision >= 0.7, record["triples"]
    assert scores.tp >= 3, (scores.as_dict(), record["triples"])
    assert any(
        t["company"]["text"] == "NHC미디어"
        and relaxed_match(t["program"]["text"], "클러스터사업")
        and relaxed_match(t["outcome"]["text"], "시청률 1위")
        and relaxed_match((t["agency"] or {}).get("text", ""), "한국산업단지공단")
        for t in record["triples"]
    )
    for t in record["triples"]:
        assert t["evidence"] and 0 < t["score"] <= 1
        assert t["outcome"]["value"] and t["program"]["canonical"]


def test_offsets_hold_on_noisy_scraped_text(nlp, seed_text):
    noisy = "\x07  " + seed_text.replace("\n", "\r\n") + "\u200b 😀 ＡＢＣ"
    document = pipeline.extract(noisy, nlp=nlp)
    assert isinstance(document, Document) and validate(document) == []
    for e in document.standard_entities:
        assert noisy[e["start"] : e["end"]] == e["text"]


def test_load_is_shared_and_extract_builds_no_second_pipeline_or_kiwi(nlp, monkeypatch):
    """One pipeline per process whatever the entry point, Kiwi built once: counted by wrapping
    kiwipiepy.Kiwi (the caches are emptied for the test and restored after it)."""
    import kiwipiepy

    from pipeline.language import tokens
    from pipeline.runners import loading

    assert pipeline.load() is nlp and pipeline.load(pipeline.default_model_path()) is nlp
    monkeypatch.setattr(loading, "_PIPELINES", {})
    monkeypatch.setattr(tokens, "_KIWIS", type(tokens._KIWIS)())
    built = []

    class CountingKiwi(kiwipiepy.Kiwi):
        def __init__(self, *args, **kwargs):
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(kiwipiepy, "Kiwi", CountingKiwi)
    text = "㈜대성정밀은 수출바우처 사업을 통해 320만 달러 규모의 수출계약을 맺었다."
    loaded = pipeline.load()
    assert loaded is not nlp  # the cache was emptied: a new pipeline, and then only that one
    assert pipeline.extract(text).entities
    assert list(pipeline.annotate([text, text]))[1].entities
    assert ModelRef.of(None).load() is loaded and ModelRef.of(str(pipeline.default_model_path())).load() is loaded
    assert pipeline.load() is loaded
    strict = pipeline.load(min_score=0.9)  # other settings: another pipeline, the same Kiwi
    assert strict is not loaded and strict.get_pipe("triple_assembler").min_score == 0.9
    assert loaded.get_pipe("triple_assembler").min_score != 0.9
    strict(text)
    assert len(built) == 1
    assert strict.tokenizer.kiwi is loaded.tokenizer.kiwi


def test_load_works_in_a_fresh_process(tmp_path):
    """`import pipeline` registers nothing with spaCy any more: load() must import the language
    and the components itself (the tests' own process has them loaded already, so a child checks)."""
    import subprocess
    import sys
    from pathlib import Path

    pipeline.blank().to_disk(tmp_path / "blank")
    probe = (
        "import sys, pipeline\n"
        "print(pipeline.load().pipe_names, pipeline.load(sys.argv[1]).pipe_names)\n"
        "print(pipeline.extract('NHC미디어는 클러스터사업에 참여했다.').text)\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "blank")], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "['econ_ner', 'ner', 'relation_extractor', 'triple_assembler'] []",
        "NHC미디어는 클러스터사업에 참여했다.",
    ]


def test_load_sees_a_model_saved_again_to_the_same_directory(tmp_path):
    first = pipeline.blank()
    first.to_disk(tmp_path / "m")
    loaded = pipeline.load(tmp_path / "m")
    assert pipeline.load(tmp_path / "m") is loaded and loaded.pipe_names == []
    again = pipeline.blank()
    again.add_pipe("sentencizer")
    again.to_disk(tmp_path / "m")
    reloaded = pipeline.load(tmp_path / "m")
    assert reloaded is not loaded and reloaded.pipe_names == ["sentencizer"]
    from pipeline.runners import loading

    assert [key[0] for key in loading._PIPELINES].count(str((tmp_path / "m").resolve())) == 1  # the stale one dropped


def test_standard_layer_finds_klue_style_entities(nlp):
    doc = nlp("지난 19일 부산에서 열린 행사에 김철수 대표와 관객 175만명이 몰렸다.")
    labels = {e.label_ for e in doc.ents}
    assert {"DT", "LC"} <= labels


def test_an_annotated_doc_travels_with_docbin(nlp, seed_text):
    from spacy.tokens import DocBin

    doc = nlp(seed_text)
    assert doc._.triples and doc._.relations
    db = DocBin(store_user_data=True)
    db.add(doc)
    (back,) = DocBin().from_bytes(db.to_bytes()).get_docs(nlp.vocab)
    assert [t.to_dict() for t in back._.triples] == [t.to_dict() for t in doc._.triples]
    assert back._.relations == doc._.relations and back._.relation_scores == doc._.relation_scores


def test_min_score_keeps_the_triples_scored_at_least_that(nlp, seed_text):
    kept = nlp(seed_text)._.triples
    assert len({t.score for t in kept}) > 1
    cut = sorted(t.score for t in kept)[len(kept) // 2]
    strict = pipeline.load(min_score=cut)
    assert [t.to_dict() for t in strict(seed_text)._.triples] == [t.to_dict() for t in kept if t.score >= cut]


def _without_nones(obj):
    if isinstance(obj, dict):
        return {k: _without_nones(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_without_nones(v) for v in obj]
    return obj


def test_every_field_annotate_writes_survives_datasets_and_parquet(nlp, seed_text, tmp_path):
    """The seed record's every field (outcome values, canonical names, evidence, the standard
    layer) comes back from ``annotate_dataset`` and from Parquet's typed columns."""
    import pyarrow.parquet as pq
    from datasets import Dataset

    from pipeline.core import arrow
    from pipeline.io import writers

    record = pipeline.extract(seed_text, nlp=nlp).to_dict()
    assert record["triples"] and record["standard_entities"]
    fields = [k for k in record if k not in ("id", "text")]
    assert set(fields) == set(arrow.annotation_schema().names)
    row = pipeline.annotate_dataset(Dataset.from_dict({"text": [seed_text]}), nlp=nlp)[0]
    part = tmp_path / "p.parquet"
    pq.write_table(_table(writers, record), part)
    back = pq.read_table(part).to_pylist()[0]
    for key in fields:
        assert _without_nones(row[key]) == _without_nones(record[key]), key
        assert _without_nones(back[key]) == _without_nones(record[key]), key


def _table(writers, record):
    import pyarrow as pa

    from pipeline.core import arrow

    return pa.Table.from_pylist([writers.parquet_row(record)], schema=arrow.parquet_schema())


def test_facts_table_opens_in_pandas_with_the_right_values(nlp, seed_text, tmp_path):
    import json

    import pandas as pd

    from pipeline.cli.main import main

    record = {**pipeline.extract(seed_text, nlp=nlp, doc_id="seed").to_dict(), "source": {"file": "seed.txt", "line": 1}}
    annotated = tmp_path / "annotated.jsonl"
    annotated.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "facts.csv"
    assert main(["table", str(annotated), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == len(record["triples"])
    for (_, row), t in zip(df.iterrows(), record["triples"]):
        assert row["doc_id"] == "seed" and row["source"] == "seed.txt:1"
        assert (row["company"], row["program"], row["outcome"]) == (t["company"]["text"], t["program"]["text"], t["outcome"]["text"])
        assert seed_text[row["outcome_start"] : row["outcome_end"]] == row["outcome"]
        assert row["metric"] == t["outcome"]["value"].get("metric") and row["score"] == pytest.approx(t["score"])


def test_info_shows_the_model_its_labels_licence_and_scores(capsys):
    from pipeline.cli.main import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    meta = pipeline.load().meta
    assert f"ko_econ_default {meta['version']}" in out and "CC BY-SA 4.0" in out
    for label in ("COMPANY", "AGENCY", "PROGRAM", "OUTCOME", "PS", "LC", "OG", "DT", "TI", "QT"):
        assert label in out
    assert "triples_test_relaxed" in out and str(meta["performance"]["triples_test_relaxed"]["f1"]) in out
