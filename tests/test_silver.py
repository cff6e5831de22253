"""Silver labels from konec's train forms (pipeline.corpora.silver), on real rows of the table."""

import csv
from collections import Counter

import pytest

import pipeline
from pipeline.core.schema import STANDARD_LABELS
from pipeline.corpora import silver
from pipeline.corpora.sources import KONEC_FORMS


@pytest.fixture(scope="module")
def forms(data_dir):
    return silver.read_form_counts(data_dir / KONEC_FORMS, silver.read_map())


def test_map_covers_every_konec_class(data_dir):
    mapping = silver.read_map()
    with open(data_dir / "konec" / "NIKL_NE_2021_TAGSET_150.tsv", encoding="utf-8") as f:
        classes = [row["label"] for row in csv.DictReader(f, delimiter="\t")]
    assert len(classes) == 150 and set(mapping) == set(classes)
    assert set(mapping.values()) <= {*STANDARD_LABELS, "O", "-"}
    assert (mapping["PS_NAME"], mapping["OGG_ECONOMY"], mapping["LCP_COUNTRY"], mapping["QT_PRICE"]) == ("PS", "OG", "LC", "QT")
    assert mapping["CV_POSITION"] == "O" and mapping["OGG_HOTEL"] == "-"


def test_bad_map_row_names_the_row(tmp_path):
    bad = tmp_path / "map.tsv"
    bad.write_text("konec\tklue\twhy\nPS_NAME\tPER\tx\n", encoding="utf-8")
    with pytest.raises(silver.SilverError, match=r"map.tsv:2: 'PS_NAME' maps to 'PER'"):
        silver.read_map(bad)


def test_table_rows_become_klue_counts(forms):
    # 경찰: OGG_POLITICS 605, CV_OCCUPATION 13, CV_CLOTHING 1, TMI_SERVICE 1
    assert forms["경찰"] == Counter({"OG": 605, "O": 15})
    # numbers are folded into a shape, so unseen dates match their pattern
    assert forms[silver.shape("2012년 8월 27일")]["DT"] > 0 and silver.shape("4천244원") == "0천0원"


def test_known_form_gets_its_label_by_counts(forms):
    labeller = silver.SilverLabeller(forms, Counter())
    assert labeller.decide("삼성전자").label == "OG"
    assert labeller.decide("한국").label == "LC"  # LCP_COUNTRY 452 against OGG_SPORTS 33, OGG_POLITICS 6
    assert labeller.decide("배우").label == "O"  # CV_OCCUPATION: not a KLUE entity


def test_form_rarely_annotated_is_not_trusted(forms):
    # seen 10,000 times in the raw sentences but annotated 605 times: not an organisation there
    labeller = silver.SilverLabeller(forms, Counter({"경찰": 10_000}))
    assert labeller.decide("경찰").label != "OG"


def test_sentence_labelled_on_token_boundaries_with_exact_offsets(forms):
    nlp = pipeline.blank()
    labeller = silver.SilverLabeller(forms, Counter())
    text = "지난 2012년 8월 27일 삼성전자 직원 A씨가 경기도 포천시에서 배우 김상석에게 4천244원을 냈다."
    doc = nlp(text)
    ents, outside = labeller.label(doc)
    spans = silver.char_spans(doc, ents)
    for start, end, _ in spans:
        assert doc.char_span(start, end) is not None  # on Kiwi token boundaries
    found = {text[s:e]: lab for s, e, lab in spans}
    assert found["지난 2012년 8월 27일"] == "DT"  # date parts joined, KLUE's way
    assert found["삼성전자"] == "OG"
    assert found["A"] == "PS" and text.index("A씨") == [s for s, e, lab in spans if lab == "PS"][0]
    assert found["경기도 포천시"] == "LC"  # places in a row are one span
    assert found["4천244원"] == "QT"
    assert "김" not in found  # a form does not match inside a word (김상석)
    assert "배우" in [doc[i:j].text for i, j in outside]


def test_konec_spans_move_to_klue_boundaries(forms):
    nlp = pipeline.blank()
    text = "오후 7시 45분쯤 현장에 도착했다."
    doc = nlp(text)
    ents, _ = silver.SilverLabeller(forms, Counter()).label(doc)
    assert [(text[s:e], lab) for s, e, lab in silver.char_spans(doc, ents)] == [("오후 7시 45분", "TI")]
