"""The transformers backend end to end, offline: a tiny random BERT is built from the corpus and
used as ``pipeline.TransformerTok2Vec.v1``, the tok2vec of the project's own span classifier and
(through ``pipeline.RelationEncoder.v1``) of its relation extractor.

The tiny model learns little; the tests check what must hold whatever it learns: one row per
Kiwi token however long the Doc, rows read away from window edges, gradients reaching the
encoder, exact offsets, safe serialisation that loads offline from the pipeline's own
directory, and identical predictions after loading.
"""

from __future__ import annotations

import shutil

import numpy
import pytest
from thinc.api import Adam

_EXTRA = "the transformers backend needs PyTorch and the transformers extra: pip install torch==2.13.0 && pip install -e '.[transformers]'"
torch = pytest.importorskip("torch", reason=f"torch is not installed; {_EXTRA}")
pytest.importorskip("transformers", reason=f"transformers is not installed; {_EXTRA}")
pytest.importorskip("tokenizers", reason=f"tokenizers is not installed; {_EXTRA}")

from tiny_bert import make_tiny_bert  # noqa: E402

import pipeline  # noqa: E402
from pipeline.components import hf_encoder  # noqa: E402
from pipeline.components.relations import candidate_pairs  # noqa: E402
from pipeline.core.document import ECON_SPANS_KEY, from_spacy, validate  # noqa: E402
from pipeline.core.schema import ENTITY_LABELS, RELATION_SIGNATURES  # noqa: E402
from pipeline.training.encoder import EncoderSettings, encoder_config  # noqa: E402
from pipeline.training.train import CONFIG, SPANCAT_CONFIG  # noqa: E402

#: Fine-tunes the tiny encoder: deselected by default, run by `.ci/run` (`-m slow`).
slow = pytest.mark.slow

ODD_TEXT = "  ㈜백억전자는\n\n중진공의  사업전환 컨설팅을 통해 매출 163.3% 증가\u200b했다.\t😀 NHC미디어는 클러스터사업에 참여해 한국콘텐츠진흥원장상을 받았다.  "


# -- no model needed -------------------------------------------------------------------------


@pytest.mark.parametrize("size,stride", [(10, 10), (10, 6), (10, 7), (30, 20), (8, 1), (12, 11)])
def test_window_plan_reads_every_subword_away_from_window_edges(size, stride):
    """Every subword is read from a window that holds it, and no closer to that window's edge than
    half the overlap allows (only the Doc's own ends are closer)."""
    half_overlap = (size - stride) // 2
    for n in [0, 1, size - 1, size, size + 1, 2 * size + 3, 5 * size + stride // 2 + 1]:
        starts, owner = hf_encoder.window_plan(n, size, stride)
        assert len(owner) == n
        assert starts[0] == 0 and starts == sorted(set(starts))
        assert all(min(s + size, n) - s <= size for s in starts)
        if n:
            assert starts[-1] + size >= n  # the last window reaches the end: nothing truncated
        for p, (k, at) in enumerate(owner):
            s = starts[k]
            assert s + at == p and 0 <= at < size and p < min(s + size, n)
            margin = min(at, min(s + size, n) - 1 - p)
            assert margin >= min(half_overlap, p, n - 1 - p), (n, p, starts)


def test_encoder_config_swaps_every_tok2vec_and_builds_without_the_hub(tmp_path):
    """The configs the transformers backend trains with: the CPU tok2vec (and its embed/encode
    subsections) replaced, fine-tuning's optimiser; resolving the config touches no model files."""
    from spacy.util import load_config, load_model_from_config

    settings = EncoderSettings(name="no/such-model-anywhere", local_files_only=True, max_length=64, stride=40, width=24)
    for base, component in ((SPANCAT_CONFIG, "econ_ner"), (CONFIG, "ner")):
        path = encoder_config(base, settings, tmp_path / base.name, max_steps=100)
        config = load_config(path)
        tok2vec = config["components"][component]["model"]["tok2vec"]
        assert tok2vec == settings.tok2vec()
        optimizer = config["training"]["optimizer"]
        assert optimizer["use_averages"] is False
        assert optimizer["learn_rate"]["@schedules"] == "warmup_linear.v1" and optimizer["learn_rate"]["total_steps"] == 100
        nlp = load_model_from_config(config, auto_fill=True)  # lazy: the encoder is fetched at initialize only
        model = nlp.get_pipe(component).model
        assert any(node.name == "transformer_tok2vec" for node in model.walk())
        if component == "econ_ner":  # (spaCy's parser fails on its own missing labels first)
            with pytest.raises(ValueError, match="initialize"):
                nlp("백억전자는 성장했다.")


# -- fixtures: one tiny encoder, a spancat over it ------------------------------------------------


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


def _encoder(tiny_bert, sample, **settings):
    model = hf_encoder.build_transformer_tok2vec(str(tiny_bert), local_files_only=True, **settings)
    model.initialize(X=sample)
    return model


def _reference_rows(module, doc, size, stride, pooling):
    """Each token's row computed the plain way: the encoder run on each window on its own, a subword
    read from the window the plan gives it, pooled per word — an independent check of the
    architecture's batching, padding, gathering and pooling."""
    module.eval()  # thinc's shim leaves the module in training mode (dropout) after predicting
    tok = module.tokenizer
    words = [t.text for t in doc]
    enc = tok([words], is_split_into_words=True, add_special_tokens=False)
    ids, word_ids = enc["input_ids"][0], enc.word_ids(0)
    starts, owner = hf_encoder.window_plan(len(ids), size, stride)
    prefix, suffix = hf_encoder.special_tokens(tok)
    with torch.no_grad():
        hidden = [
            module.transformer(input_ids=torch.tensor([prefix + ids[s : s + size] + suffix])).last_hidden_state[0, len(prefix) :].numpy()
            for s in starts
        ]
    rows = numpy.zeros((len(doc), module.width), dtype="float32")
    pieces: dict[int, list] = {}
    for p, w in enumerate(word_ids):
        k, at = owner[p]
        pieces.setdefault(w, []).append(hidden[k][at])
    for w, vectors in pieces.items():
        rows[w] = vectors[0] if pooling == "first" else numpy.mean(vectors, axis=0)
    return rows, len(ids)


@pytest.mark.parametrize("pooling", ["mean", "first"])
def test_one_row_per_kiwi_token_over_windows(tiny_bert, records, blank_nlp, pooling, monkeypatch):
    """A Doc far longer than the window still gets one row per Kiwi token, each equal to the plain
    computation from the window where its subword is not at the edge; white space gets a zero row."""
    from pipeline.components import hf_torch

    monkeypatch.setattr(hf_torch, "WINDOWS_PER_PASS", 4)  # the windows go through the encoder in several calls
    max_length, stride = 24, 14  # 22 subwords a window, 8 of overlap
    docs = [blank_nlp(records[0]["text"]), blank_nlp(ODD_TEXT), blank_nlp(""), blank_nlp("   \n")]
    model = _encoder(tiny_bert, docs, max_length=max_length, stride=stride, pooling=pooling)
    module = model.layers[0].shims[0]._model
    rows = model.predict(docs)
    assert [r.shape for r in rows] == [(len(d), 32) for d in docs]
    for doc, got in zip(docs[:2], rows):
        expected, n_subwords = _reference_rows(module, doc, max_length - 2, stride, pooling)
        assert n_subwords > max_length, "the Doc must span several windows"
        numpy.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
        for token, row in zip(doc, got):
            has_subwords = bool(module.tokenizer.tokenize(token.text))
            assert bool(numpy.abs(row).sum()) == has_subwords, token.text
    assert not numpy.abs(rows[3]).sum()


def test_width_puts_a_linear_layer_on_top(tiny_bert, blank_nlp):
    doc = blank_nlp("백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다.")
    model = _encoder(tiny_bert, [doc], max_length=32, stride=20, width=12)
    (rows,) = model.predict([doc])
    assert rows.shape == (len(doc), 12) and model.get_dim("nO") == 12


@pytest.fixture(scope="module")
def spancat_config(tiny_bert, tmp_path_factory):
    """spancat.cfg with the tiny encoder as tok2vec, as `train --backend transformers` writes it (a
    larger learning rate: the tiny encoder starts from random weights)."""
    settings = EncoderSettings(name=str(tiny_bert), local_files_only=True, max_length=48, stride=32, learn_rate=3e-3)
    return encoder_config(SPANCAT_CONFIG, settings, tmp_path_factory.mktemp("cfg") / "spancat.cfg", max_steps=24)


def _spancat_nlp(config_path, records):
    from spacy.training import Example
    from spacy.util import load_config, load_model_from_config

    from pipeline.training.data import to_docs

    nlp = load_model_from_config(load_config(config_path), auto_fill=True)
    gold = to_docs(nlp, records, layer="econ")
    examples = [Example(nlp.make_doc(d.text), d) for d in gold]
    nlp.initialize(lambda: examples)
    return nlp, examples


def _encoder_weights(nlp) -> dict:
    module = next(node for node in nlp.get_pipe("econ_ner").model.walk() if node.name == "pytorch").shims[0]._model
    return {k: v.detach().clone() for k, v in module.transformer.state_dict().items()}


def test_nlp_update_fine_tunes_the_encoder(spancat_config, records):
    nlp, examples = _spancat_nlp(spancat_config, records[:6])
    before = _encoder_weights(nlp)
    optimizer = Adam(1e-3)  # (the config's schedule starts at 0 with warm-up)
    losses = {}
    for _ in range(2):
        nlp.update(examples[:3], sgd=optimizer, losses=losses)
    after = _encoder_weights(nlp)
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert losses["econ_ner"] > 0
    assert any("embeddings.word_embeddings" in k for k in changed)
    assert any("encoder.layer.0.attention" in k for k in changed), changed


def _unsafe(path):
    """Files that could hold pickles: *.pkl/*.pt/*.pth, *.bin among the model files (spaCy's own
    vocab/lookups.bin is msgpack), and any file whose bytes start like a pickle or a torch.save zip."""
    found = []
    for p in (p for p in path.rglob("*") if p.is_file()):
        head = p.read_bytes()[:4]
        if p.suffix in (".pkl", ".pickle", ".pt", ".pth") or (p.suffix == ".bin" and p.parent.name != "vocab"):
            found.append(p)
        elif (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")) or head == b"PK\x03\x04":
            found.append(p)
    return found


def _econ(doc):
    group = doc.spans[ECON_SPANS_KEY]
    return [(s.start_char, s.end_char, s.label_, score) for s, score in zip(group, group.attrs["scores"])]


def test_saved_pipeline_loads_offline_from_its_own_directory_and_predicts_identically(
    spancat_config, tiny_bert, records, tmp_path, monkeypatch
):
    """Saved with the encoder's config, tokenizer and safetensors weights inside the component's
    model file: it loads with the base model gone and torch.load unusable, and predicts the same."""
    import srsly

    from pipeline.components import hf_torch

    base = tmp_path / "base"
    shutil.copytree(tiny_bert, base)
    config = spancat_config.read_text(encoding="utf-8").replace(str(tiny_bert), str(base))
    (tmp_path / "spancat.cfg").write_text(config, encoding="utf-8")
    nlp, examples = _spancat_nlp(tmp_path / "spancat.cfg", records[:6])
    nlp.update(examples[:3], sgd=Adam(1e-3))  # not the base weights any more
    out = tmp_path / "pipeline"
    nlp.to_disk(out)
    shutil.rmtree(base)
    assert _unsafe(out) == []
    model_msg = srsly.msgpack_loads((out / "econ_ner" / "model").read_bytes())
    shim = srsly.msgpack_loads(next(data for node_shims in model_msg["shims"] for data in node_shims))
    saved = srsly.msgpack_loads(shim["state"])
    assert saved["format"] == hf_torch.FORMAT
    assert {"config.json", "tokenizer.json"} <= set(saved["files"])
    from safetensors.torch import load as load_safetensors

    assert "embeddings.word_embeddings.weight" in load_safetensors(saved["weights"])

    def no_torch_load(*args, **kwargs):
        raise AssertionError("torch.load called while loading a pipeline")

    monkeypatch.setattr(torch, "load", no_torch_load)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    texts = [r["text"] for r in records[10:14]] + [ODD_TEXT, ""]
    loaded = pipeline.load(out)
    for nlp_ in (nlp, loaded):  # every candidate a span: plenty to compare
        nlp_.get_pipe("econ_ner").cfg["min_score"] = 0.0
    assert loaded.pipe_names == ["econ_ner"]
    got, expected = [_econ(d) for d in loaded.pipe(texts)], [_econ(d) for d in nlp.pipe(texts)]
    assert sum(map(len, expected)) > 0
    assert got == expected


# -- training with spaCy's loop --------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_spancat(spancat_config, records, tmp_path_factory):
    """econ_spancat over the tiny encoder, trained a few steps by spaCy's loop (`train_span_classifier`)."""
    from pipeline.training.data import to_docs, write_docbin
    from pipeline.training.train import train_span_classifier

    work = tmp_path_factory.mktemp("work")
    nlp = pipeline.blank()
    write_docbin(to_docs(nlp, records[:16], layer="econ"), work / "econ-train.spacy")
    write_docbin(to_docs(nlp, records[16:], layer="econ"), work / "econ-dev.spacy")
    return train_span_classifier(work, max_steps=24, config=spancat_config, overrides={"training.eval_frequency": 12})


@slow
def test_trained_spancat_writes_spans_with_exact_offsets(trained_spancat, records):
    assert _unsafe(trained_spancat.parent) == []
    # min_score 0: every candidate becomes a span, so the offsets are checked on many spans
    nlp = pipeline.load(trained_spancat)
    nlp.get_pipe("econ_ner").cfg["min_score"] = 0.0
    texts = [r["text"] for r in records[:4]] + [ODD_TEXT, "", "   \n"]
    found = 0
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=3)):
        assert doc.text == text
        group = doc.spans[ECON_SPANS_KEY]
        assert len(group.attrs["scores"]) == len(group)
        for span, score in zip(group, group.attrs["scores"]):
            assert span.label_ in ENTITY_LABELS
            assert text[span.start_char : span.end_char] == span.text
            assert span.text == span.text.strip() and span.text
            assert 0.0 <= score <= 1.0
        assert validate(from_spacy(doc)) == []
        found += len(group)
    assert found > 0


# -- the relation extractor over the encoder ---------------------------------------------------------


@pytest.fixture(scope="module")
def rel_dir(records, tiny_bert, trained_spancat, tmp_path_factory):
    """The trained spancat + a relation_extractor with ``pipeline.RelationEncoder.v1`` over the tiny
    encoder, trained by ``train_relations`` as ``train --backend transformers`` does."""
    from pipeline.training.train import train_relations

    nlp = pipeline.load(trained_spancat)
    settings = EncoderSettings(name=str(tiny_bert), local_files_only=True, max_length=48, stride=32, learn_rate=1e-3)
    train_relations(nlp, records[:12], epochs=1, batch_size=6, encoder=settings)
    out = tmp_path_factory.mktemp("rel") / "pipeline"
    nlp.to_disk(out)
    return nlp, out


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
def test_relation_training_fine_tunes_the_encoder_and_the_sparse_features(rel_dir, tiny_bert):
    from transformers import AutoModel

    nlp, _ = rel_dir
    model = nlp.get_pipe("relation_extractor").model
    assert model.name == "relation_encoder"
    module = next(node for node in model.walk() if node.name == "pytorch").shims[0]._model
    base = AutoModel.from_pretrained(str(tiny_bert), local_files_only=True).state_dict()
    trained = module.transformer.state_dict()
    assert any(not torch.equal(base[k], trained[k]) for k in base if "encoder.layer" in k)
    assert numpy.abs(model.get_ref("sparse").get_param("W")).sum() > 0
    assert numpy.abs(model.get_ref("head").get_param("W")).sum() > 0


@slow
def test_relations_on_gold_entities_are_well_formed_and_reload_identically(rel_dir, records, blank_nlp):
    from pipeline.training.data import to_docs

    nlp, path = rel_dir
    loaded = pipeline.load(path)
    assert loaded.pipe_names == ["econ_ner", "relation_extractor"]
    assert _unsafe(path) == []
    rel, rel_loaded = nlp.get_pipe("relation_extractor"), loaded.get_pipe("relation_extractor")
    docs = to_docs(blank_nlp, records[12:16], layer="econ")  # held out from the relation training
    assert sum(len(doc.spans[ECON_SPANS_KEY]) for doc in docs) > 0
    twins = [doc.copy() for doc in docs]
    rel.set_annotations(docs, rel.predict(docs))
    for twin in twins:  # one at a time: the batch of the other run must not matter
        rel_loaded(twin)
    n_candidates = 0
    for doc, twin in zip(docs, twins):
        _check_relations(doc, rel.cfg["threshold"])
        assert doc._.relation_scores == pytest.approx(twin._.relation_scores, abs=2e-4)
        n_candidates += len(doc._.relation_scores)
    assert n_candidates > 0


@slow
def test_full_pipeline_output_validates_against_the_schema(rel_dir, records):
    _, path = rel_dir
    loaded = pipeline.load(path, config={"components": {"relation_extractor": {"threshold": 0.0}}})
    loaded.get_pipe("econ_ner").cfg["min_score"] = 0.0  # (the component's saved cfg wins over a config override)
    loaded.get_pipe("relation_extractor").cfg["threshold"] = 0.0
    for text in [records[0]["text"], ODD_TEXT]:
        doc = loaded(text)
        assert len(doc.spans[ECON_SPANS_KEY]) > 1
        _check_relations(doc, 0.0)
        assert len(doc._.relations) == len(doc._.relation_scores)  # threshold 0: every candidate is a relation
        assert validate(from_spacy(doc)) == []


@slow
def test_transition_based_recogniser_and_assembled_pipeline_over_the_encoder(records, tiny_bert, data_dir, tmp_path):
    """The default econ recogniser (the ``econ_ner`` parser of ner.cfg) over the encoder, assembled with
    the relation extractor and the triple assembler as `train --backend transformers` does: it saves,
    loads and extracts the same facts."""
    from pipeline import corpora
    from pipeline.training.data import to_docs, write_docbin
    from pipeline.training.train import assemble, train_ner

    nlp = pipeline.blank()
    write_docbin(to_docs(nlp, records[:12], layer="econ"), tmp_path / "econ-train.spacy")
    dev = corpora.records("econ", "dev", data_dir)[:3]
    write_docbin(to_docs(nlp, dev, layer="econ"), tmp_path / "econ-dev.spacy")
    settings = EncoderSettings(name=str(tiny_bert), local_files_only=True, max_length=48, stride=32, learn_rate=3e-3)
    config = encoder_config(CONFIG, settings, tmp_path / "ner.cfg", max_steps=12)
    best = train_ner("econ", tmp_path, max_steps=12, config=config, overrides={"training.eval_frequency": 6})
    trained = assemble(best, None, records[:6], relation_epochs=1, encoder=settings)
    assert trained.pipe_names == ["econ_ner", "relation_extractor", "triple_assembler"]
    assert trained.get_pipe("relation_extractor").model.name == "relation_encoder"
    trained.to_disk(tmp_path / "model")
    assert _unsafe(tmp_path / "model") == []
    loaded = pipeline.load(tmp_path / "model")
    for record in dev[:2] + [{"id": "odd", "text": ODD_TEXT}]:
        got = pipeline.extract(record["text"], nlp=loaded, doc_id=record["id"])
        assert validate(got) == []
        assert got == pipeline.extract(record["text"], nlp=trained, doc_id=record["id"])  # saving changed nothing
