"""The optional levers measured in the model card: konec gazetteer features, CoNg static vectors."""

import numpy

import pipeline
from pipeline.components.gazetteer import konec_class, read_konec_forms
from pipeline.corpora.sources import KONEC_FORMS
from pipeline.language.vectors import cong_vectors, save_vectors_pipeline


def test_konec_gazetteer_marks_known_names(data_dir, tmp_path):
    entries = read_konec_forms(data_dir / KONEC_FORMS)
    classes = dict(entries)
    assert konec_class("OGG_ECONOMY") == "FIRM" and konec_class("OGG_POLITICS") == "PUBLIC"
    assert classes.get("삼성전자") == "FIRM"
    nlp = pipeline.blank()
    gaz = nlp.add_pipe("gazetteer")
    gaz.add([(f, c) for f, c in entries if c in ("FIRM", "EDU")])
    doc = nlp("삼성전자와 서울대는 협약을 맺었다.")
    assert str(doc[0].morph) == "Gaz=FIRM_B"
    assert str(doc[2].morph) == "Gaz=EDU_B"
    assert str(doc[1].morph) == ""
    gaz.to_disk(tmp_path / "gaz")
    other = pipeline.blank().add_pipe("gazetteer")
    other.from_disk(tmp_path / "gaz")
    assert len(other.entries) == len(gaz.entries)


def test_cong_vectors_relate_similar_morphemes(tmp_path):
    texts = ["매출이 늘었다.", "판매가 늘었다.", "수출이 증가했다.", "날씨가 맑다.", "하늘이 파랗다."] * 3
    forms, vectors = cong_vectors(texts, n_anchors=8)
    assert vectors.shape == (len(forms), 8) and not numpy.isnan(vectors).any()
    path = save_vectors_pipeline(forms, vectors, tmp_path / "vec")
    import spacy

    nlp = spacy.load(path)
    assert nlp.vocab.vectors.shape[1] == 8 and nlp.vocab.has_vector("매출")
