"""The econ corpus: builds from stand-off + texts, validates, loads with datasets, round-trips Label Studio."""

import itertools
import json
import shutil

import pytest

from pipeline import corpora
from pipeline.cli.corpus import validate_files
from pipeline.core.arrow import annotation_schema, corpus_schema
from pipeline.core.document import TRIPLE_ROLES, Document, validate
from pipeline.corpora import econ, labelstudio


@pytest.fixture(scope="module")
def built(data_dir, tmp_path_factory):
    """The corpus as the loaders build it on first use: into the user data directory, here a temporary one."""
    home = tmp_path_factory.mktemp("data-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ECON_FACTS_DATA_HOME", str(home))
        out = econ.ensure_built(data_dir)
        assert econ.ensure_built(data_dir) == out == econ.built_dir()  # built once, then found
    assert out.parent == home / "corpora" / "econ"
    counts = {split: len(_docs(out / f"{split}.jsonl")) for split in econ.SPLITS}
    return out, counts


def test_the_built_corpus_stays_out_of_the_source_tree(built):
    out, _ = built
    assert not out.resolve().is_relative_to(econ.REPO.resolve())
    assert sorted(p.name for p in out.iterdir()) == ["dev.jsonl", "test.jsonl", "train.jsonl"]  # no leftover temporary files
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_an_edited_annotation_gets_a_build_of_its_own(tmp_path, monkeypatch):
    """The built directory is keyed by the annotations: another state of them never reads this one's build."""
    monkeypatch.setenv("ECON_FACTS_DATA_HOME", str(tmp_path / "home"))
    copy = tmp_path / "econ"
    for name in ("standoff", "synthetic"):
        shutil.copytree(econ.ECON_DIR / name, copy / name)
    shutil.copy2(econ.ECON_DIR / "splits.json", copy / "splits.json")
    monkeypatch.setattr(econ, "ECON_DIR", copy)
    before = econ.built_dir()
    assert before.parent == tmp_path / "home" / "corpora" / "econ"
    first = sorted((copy / "standoff").glob("*.jsonl"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert econ.built_dir() != before
    monkeypatch.setattr(econ, "ECON_DIR", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="ECON_FACTS_CORPORA"):
        econ.built_dir()


def _docs(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_build_gives_splits_of_the_promised_size(built):
    out, counts = built
    assert counts["dev"] >= 30 and counts["test"] >= 30
    docs = {s: _docs(out / f"{s}.jsonl") for s in econ.SPLITS}
    for split in ("dev", "test"):
        assert all(not d["meta"]["synthetic"] for d in docs[split]), "dev and test hold real news only"
    triples = [t for s in docs.values() for d in s for t in d["triples"]]
    real = [t for s in docs.values() for d in s if not d["meta"]["synthetic"] for t in d["triples"]]
    assert len(triples) >= 1000
    assert len(real) >= 290
    ids = [d["id"] for s in docs.values() for d in s]
    assert len(ids) == len(set(ids))


def test_built_documents_are_valid_schema_records(built):
    out, _ = built
    for split in econ.SPLITS:
        for doc in _docs(out / f"{split}.jsonl"):
            assert validate(Document.from_dict(doc)) == [], doc["id"]
            assert econ.relation_problems(doc) == [], doc["id"]
            for e in doc["entities"]:
                assert doc["text"][e["start"] : e["end"]] == e["text"]


def test_stories_do_not_cross_splits():
    spec = json.loads((econ.ECON_DIR / "splits.json").read_text(encoding="utf-8"))
    assert not set(spec["dev"]) & set(spec["test"])
    split_of = econ.load_splits()
    for group, ids in spec["groups"].items():
        assert len({split_of.get(i, "train") for i in ids}) == 1, group


def test_validator_names_file_line_and_problem(tmp_path, data_dir):
    good, other, third = [r.data for r in itertools.islice(econ.iter_standoff(), 3)]
    first = other["entities"][0]
    broken = dict(other, entities=[dict(first, end=first["end"] + 10_000)] + other["entities"][1:])
    changed = dict(third, sha256="0" * 64)
    again = dict(good)
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in (good, broken, changed, again)]
    path.write_text("\n".join(lines) + "\n{oops\n", encoding="utf-8")
    errors = validate_files([path], data_dir)
    assert not [e for e in errors if f"{path}:1 " in e], "the untouched record is valid"
    (offsets,) = [e for e in errors if f"{path}:2 " in e]
    assert f"({broken['id']}): entity {first['id']}: offsets" in offsets and "outside the text" in offsets
    assert any(f"{path}:3 ({changed['id']})" in e and "sha256" in e for e in errors)
    assert [e for e in errors if f"{path}:4 " in e] == [f"{path}:4 ({good['id']}): duplicate id (first in {path}:1)"]
    assert any(f"{path}:5" in e and "not JSON" in e for e in errors)
    assert len(errors) == 4


def test_datasets_loader_has_typed_features(data_dir):
    ds = corpora.load("econ", "dev", data_dir)
    assert ds.features["entities"].feature["start"].dtype == "int64"  # as in Arrow and Parquet output
    row = ds[0]
    for e in row["entities"]:
        assert row["text"][e["start"] : e["end"]] == e["text"]
    klue = corpora.load("klue", "dev", data_dir)
    assert 900 <= len(klue) <= 1000
    assert {e["label"] for r in klue for e in r["entities"]} <= {"PS", "LC", "OG", "DT", "TI", "QT"}


def test_datasets_features_are_the_core_arrow_shape(data_dir):
    """The corpus's features are derived from pipeline.core.arrow, not written again: the dataset's
    Arrow schema is corpus_schema(), whose spans, entities and relations are annotate's own, unscored."""
    import pyarrow as pa

    ds = corpora.load("econ", "dev", data_dir)
    assert ds.data.schema.remove_metadata().equals(corpus_schema())
    assert ds.features.arrow_schema.remove_metadata().equals(corpus_schema())
    annotation = annotation_schema()
    assert corpus_schema().field("sentences").equals(annotation.field("sentences"))
    for name in ("entities", "relations"):
        scored = annotation.field(name).type.value_type
        assert corpus_schema().field(name).type.value_type == pa.struct([f for f in scored if f.name != "score"])
    part = corpus_schema().field("triples").type.value_type.field("company").type
    assert (part.field("start").type, part.field("aliases").type.value_type.field("end").type) == (pa.int64(), pa.int64())


def test_a_corpus_record_round_trips_through_datasets(data_dir):
    """Every dev record comes back from the Dataset as it went in: nothing dropped, retyped or reordered
    (a triple part without aliases comes back with an empty list; meta is JSON text)."""
    ds = corpora.load("econ", "dev", data_dir)
    originals = corpora.records("econ", "dev", data_dir)
    assert len(ds) == len(originals) > 100
    for row, rec in zip(ds, originals):
        expected = json.loads(json.dumps(rec))
        for t in expected["triples"]:
            for part in filter(None, (t[role] for role in TRIPLE_ROLES)):
                part.setdefault("aliases", [])
        back = {**row, "meta": json.loads(row["meta"])}
        assert back == expected, rec["id"]
        spans = [*back["entities"], *(p for t in back["triples"] for p in t.values() if p)]
        assert all(back["text"][s["start"] : s["end"]] == s["text"] for s in spans), rec["id"]


def test_label_studio_round_trip_is_loss_free(built):
    out, _ = built
    docs = _docs(out / "dev.jsonl") + _docs(out / "train.jsonl")[:50]
    tasks = json.loads(json.dumps(labelstudio.export(docs)))
    assert all("annotations" in t and "predictions" not in t for t in tasks), "gold goes to Label Studio as annotations"
    back = list(labelstudio.import_tasks(tasks))
    assert back == [{k: d[k] for k in ("id", "text", "sentences", "entities", "relations", "triples", "meta")} for d in docs]


def test_unlabelled_texts_hold_no_evaluation_text(data_dir):
    from pipeline import corpora

    held_out = {r["text"] for split in ("dev", "test") for r in corpora.records("econ", split, data_dir)}
    texts = list(corpora.unlabelled_texts(data_dir))
    assert len(texts) > 21_000  # the raw KLUE train sentences and the real train documents
    assert not held_out & set(texts)
    train_real = [r["text"] for r in corpora.records("econ", "train", data_dir) if not r["meta"].get("synthetic")]
    assert set(train_real) <= set(texts)
