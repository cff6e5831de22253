"""The transformers backend end to end, offline: a tiny random BERT is built from the
corpus, fine-tuned for a few steps, saved, loaded and run.

The tiny model learns little; the tests check what must hold whatever it learns:
exact offsets, the layer each prediction goes to, label sets and relation
signatures, safe serialisation, and identical predictions after loading.
"""

from __future__ import annotations

import pytest

_EXTRA = "the transformers backend needs PyTorch and the transformers extra: pip install torch==2.13.0 && pip install -e '.[transformers]'"
torch = pytest.importorskip("torch", reason=f"torch is not installed; {_EXTRA}")
pytest.importorskip("transformers", reason=f"transformers is not installed; {_EXTRA}")
pytest.importorskip("tokenizers", reason=f"tokenizers is not installed; {_EXTRA}")

from tiny_bert import make_tiny_bert  # noqa: E402

import pipeline  # noqa: E402
from pipeline.components import hf, hf_ner, hf_relations  # noqa: E402
from pipeline.components.hf import MODEL_DIR  # noqa: E402
from pipeline.components.relations import candidate_pairs  # noqa: E402
from pipeline.core.document import ECON_SPANS_KEY, from_spacy, validate  # noqa: E402
from pipeline.core.schema import ENTITY_LABELS, RELATION_SIGNATURES, STANDARD_LABELS  # noqa: E402
from pipeline.training import hf as hf_training  # noqa: E402

#: Builds and fine-tunes the tiny encoder: deselected by default, run by `.ci/run` (`-m slow`).
slow = pytest.mark.slow

ODD_TEXT = "  ㈜백억전자는\n\n중진공의  사업전환 컨설팅을 통해 매출 163.3% 증가\u200b했다.\t😀 NHC미디어는 클러스터사업에 참여해 한국콘텐츠진흥원장상을 받았다.  "


# -- no model needed -------------------------------------------------------------------------


def test_decode_bio_repairs_invalid_tags_and_bridges_untokenised_words():
    tags = ["B-COMPANY", "I-COMPANY", "O", "I-PROGRAM", "I-PROGRAM", "B-OUTCOME", None, "I-OUTCOME", None, "I-AGENCY", "B-AGENCY"]
    probs = [0.9, 0.7, 0.99, 0.6, 0.8, 0.5, None, 0.7, None, 0.4, 0.3]
    spans = hf_ner.decode_bio(tags, probs)
    assert [(s, e, label) for s, e, label, _ in spans] == [
        (0, 2, "COMPANY"),
        (3, 5, "PROGRAM"),
        (5, 8, "OUTCOME"),
        (9, 10, "AGENCY"),
        (10, 11, "AGENCY"),
    ]
    assert spans[0][3] == pytest.approx(0.8)
    assert spans[2][3] == pytest.approx(0.6)  # the untagged word adds no probability
    assert hf_ner.decode_bio([], []) == []
    assert hf_ner.decode_bio(["O", None], [0.9, None]) == []


def test_marked_text_wraps_head_and_tail(blank_nlp):
    doc = blank_nlp("백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다. 다음 문장이다.")
    head = doc.char_span(0, 4, label="COMPANY")
    tail = doc.char_span(doc.text.index("사업전환"), doc.text.index("을 통해"), label="PROGRAM")
    text = hf_relations.marked_text(doc, head, tail)
    assert text.startswith("[E1]백억전자[/E1]는 중진공의 [E2]사업전환 컨설팅[/E2]을 통해")
    assert "다음 문장이다" not in text  # the window is the pair's sentences only
    reverse = hf_relations.marked_text(doc, tail, head)
    assert reverse.startswith("[E2]백억전자[/E2]는") and "[E1]사업전환 컨설팅[/E1]" in reverse


# -- fixtures: one tiny encoder, one recogniser, one relation classifier -----------------------


@pytest.fixture(scope="module")
def records(data_dir):
    from pipeline import corpora

    return corpora.records("econ", "train", data_dir)[:20]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """A 32-wide model gains nothing from intra-op threads; on a busy 2-core runner they
    spin against each other and make every step ~10x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_bert(records, tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert", [r["text"] for r in records])


@pytest.fixture(scope="module")
def ner_dir(records, tiny_bert, tmp_path_factory):
    out = tmp_path_factory.mktemp("ner") / "pipeline"
    nlp = hf_training.train_token_classifier(
        records, layer="econ", base_model=tiny_bert, output_dir=out, epochs=10, lr=3e-3, batch_size=16, max_length=128, seed=0
    )
    return nlp, out


@pytest.fixture(scope="module")
def rel_dir(records, tiny_bert, ner_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("rel") / "pipeline"
    nlp = hf_training.train_relation_classifier(
        records[:12], tiny_bert, out, base_pipeline=ner_dir[1], epochs=1, lr=3e-3, batch_size=32, max_length=96, seed=0
    )
    return nlp, out


def _unsafe(path):
    """Files that could hold pickles: any *.pkl/*.pt anywhere, any *.bin among the model files
    (spaCy's own vocab/lookups.bin is msgpack)."""
    files = [p for p in path.rglob("*") if p.is_file()]
    return [p for p in files if p.suffix in (".pkl", ".pickle", ".pt", ".pth") or (p.suffix == ".bin" and p.parent.name == MODEL_DIR)]


def _econ(doc):
    group = doc.spans[ECON_SPANS_KEY]
    return [(s.start_char, s.end_char, s.label_, score) for s, score in zip(group, group.attrs["scores"])]


@slow
def test_crop_keeps_the_marked_pair_inside_the_window(tiny_bert, records):
    tok = hf.load_tokenizer(tiny_bert, local_files_only=True)
    hf_relations._add_markers(tok)
    words = records[0]["text"].split()
    text = " ".join(words[:40] + ["[E1]" + words[40] + "[/E1]", words[41], "[E2]" + words[42] + "[/E2]"] + words[43:80])
    (cropped,) = hf_relations._crop(tok, [text], 32)
    assert len(tok(cropped)["input_ids"]) <= 32
    assert all(m in cropped for m in hf.MARKERS)
    far = " ".join(["[E1]" + words[0] + "[/E1]"] + words[1:60] + ["[E2]" + words[60] + "[/E2]"])
    (cropped,) = hf_relations._crop(tok, [far], 32)
    assert len(tok(cropped)["input_ids"]) <= 32
    assert cropped.startswith("[E1]") and cropped.endswith("[/E2]") and " … " in cropped


# -- the recogniser ------------------------------------------------------------------------------


@slow
def test_tiny_bert_is_tiny_and_safe(tiny_bert, records):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny_bert, local_files_only=True)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size) == (32, 2, 2, 64)
    assert list(tiny_bert.glob("*.safetensors"))
    tok = hf.load_tokenizer(tiny_bert, local_files_only=True)
    pieces = tok.tokenize(records[0]["text"][:200])
    assert "[UNK]" not in pieces
    assert "".join(pieces).replace("##", "") == "".join(records[0]["text"][:200].split())  # Hangul whole, not jamo


@slow
def test_econ_spans_have_exact_offsets_and_known_labels(ner_dir, records):
    nlp, _ = ner_dir
    texts = [r["text"] for r in records[:5]] + [ODD_TEXT, "", "   \n"]
    found = 0
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=3)):
        assert doc.text == text
        assert ECON_SPANS_KEY in doc.spans
        group = doc.spans[ECON_SPANS_KEY]
        assert len(group.attrs["scores"]) == len(group)
        assert not doc.ents  # the econ layer never writes the standard layer
        for span, score in zip(group, group.attrs["scores"]):
            assert span.label_ in ENTITY_LABELS
            assert text[span.start_char : span.end_char] == span.text
            assert span.text == span.text.strip() and span.text
            assert 0.0 < score <= 1.0
        assert validate(from_spacy(doc)) == []
        found += len(group)
    assert found > 0, "ten epochs on its own training texts should recover some entities"


@slow
def test_saved_pipeline_is_safetensors_only(ner_dir):
    _, path = ner_dir
    assert _unsafe(path) == []
    model_files = {p.name for p in (path / "transformers_ner" / MODEL_DIR).iterdir()}
    assert "model.safetensors" in model_files and "tokenizer.json" in model_files
    assert {p.rsplit(".", 1)[-1] for p in model_files} <= {"safetensors", "json", "txt"}
    assert (path / "transformers_ner" / "cfg.json").exists()


@slow
def test_loaded_pipeline_predicts_identically(ner_dir, records):
    nlp, path = ner_dir
    loaded = pipeline.load(path)
    assert loaded.pipe_names == ["transformers_ner"]
    texts = [r["text"] for r in records[:4]] + [ODD_TEXT]
    assert [_econ(d) for d in loaded.pipe(texts)] == [_econ(d) for d in nlp.pipe(texts)]
    # to_bytes/from_bytes carry the same files (no pickled tensors)
    ner = nlp.get_pipe("transformers_ner")
    copy = hf_ner.TransformersNER(nlp.vocab, "copy", dict(ner.cfg)).from_bytes(ner.to_bytes())
    doc = copy(nlp.make_doc(texts[0]))
    assert _econ(doc) == _econ(nlp(texts[0]))


@slow
def test_long_sentences_are_chunked_not_truncated(ner_dir, records, monkeypatch):
    """With a 12-subword window every word of a long sentence still gets a tag: truncation
    would leave the words past the window untagged (None) and so never inside a span."""
    nlp, path = ner_dir
    short = pipeline.load(path, config={"components": {"transformers_ner": {"max_length": 12}}})
    ner = short.get_pipe("transformers_ner")
    assert ner.cfg["max_length"] == 12
    decoded: list[list[str | None]] = []
    decode = hf_ner.decode_bio

    def spy(tags, probs):
        decoded.append(list(tags))
        return decode(tags, probs)

    monkeypatch.setattr(hf_ner, "decode_bio", spy)
    text = records[0]["text"]
    doc = ner(nlp.make_doc(text))  # nlp's Kiwi is loaded already
    for span in doc.spans[ECON_SPANS_KEY]:
        assert text[span.start_char : span.end_char] == span.text
    units = [[t.text for t in sent if not t.is_space] for sent in doc.sents]
    units = [u for u in units if u]
    assert len(decoded) == len(units)
    long_units = 0
    for words, tags in zip(units, decoded):
        assert len(tags) == len(words)
        has_subwords = [bool(ner.tokenizer.tokenize(w)) for w in words]
        assert [t is not None for t in tags] == has_subwords, words
        if len(ner.tokenizer(words, is_split_into_words=True)["input_ids"]) > 12:
            long_units += 1
    assert long_units > 0, "no sentence is longer than the window: the test would not see truncation"


@slow
def test_standard_layer_writes_doc_ents(data_dir, tiny_bert, tmp_path):
    from pipeline import corpora

    klue = corpora.records("klue", "train", data_dir)[:16]
    nlp = hf_training.train_token_classifier(
        klue, layer="standard", base_model=tiny_bert, output_dir=tmp_path / "std", epochs=1, lr=3e-3, max_length=64
    )
    loaded = pipeline.load(tmp_path / "std")
    for text in [r["text"] for r in klue[:4]]:
        doc = loaded.get_pipe("transformers_ner")(nlp.make_doc(text))
        assert ECON_SPANS_KEY not in doc.spans
        assert doc.has_annotation("ENT_IOB")
        for ent in doc.ents:
            assert ent.label_ in STANDARD_LABELS
            assert text[ent.start_char : ent.end_char] == ent.text
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]


# -- the relation classifier ---------------------------------------------------------------------


def _check_relations(doc, threshold):
    spans = list(doc.spans[ECON_SPANS_KEY])
    expected = set(candidate_pairs(doc, spans, 2))
    assert set(doc._.relation_scores) == expected  # every candidate scored, nothing else
    for (i, j, label), score in doc._.relation_scores.items():
        assert 0 <= i < len(spans) and 0 <= j < len(spans) and i != j
        assert (spans[i].label_, spans[j].label_) == RELATION_SIGNATURES[label]
        assert 0.0 <= score <= 1.0
    assert doc._.relations == [(i, j, label, s) for (i, j, label), s in doc._.relation_scores.items() if s >= threshold]


@slow
def test_relations_on_gold_entities_are_well_formed_and_reload_identically(rel_dir, records, blank_nlp):
    from pipeline.training.data import to_docs

    nlp, path = rel_dir
    loaded = pipeline.load(path)
    assert loaded.pipe_names == ["transformers_ner", "transformers_relations"]
    assert len(list(path.rglob("*.safetensors"))) == 2
    assert _unsafe(path) == []
    rel, rel_loaded = nlp.get_pipe("transformers_relations"), loaded.get_pipe("transformers_relations")
    docs = to_docs(blank_nlp, records[12:16], layer="econ")  # held out from the relation training
    assert sum(len(doc.spans[ECON_SPANS_KEY]) for doc in docs) > 0
    n_candidates = 0
    for doc in docs:
        twin = doc.copy()
        rel(doc)
        rel_loaded(twin)
        _check_relations(doc, rel.cfg["threshold"])
        assert doc._.relation_scores == twin._.relation_scores
        n_candidates += len(doc._.relation_scores)
    assert n_candidates > 0


@slow
def test_full_pipeline_output_validates_against_the_schema(rel_dir, records):
    _, path = rel_dir
    loaded = pipeline.load(path, config={"components": {"transformers_relations": {"threshold": 0.0}}})
    for text in [records[0]["text"], ODD_TEXT]:
        doc = loaded(text)
        _check_relations(doc, 0.0)
        assert len(doc._.relations) == len(doc._.relation_scores)  # threshold 0: every candidate is a relation
        assert validate(from_spacy(doc)) == []
