"""The Kiwi tokenizer inside spaCy: exact coverage of the text, Kiwi's analysis, serialisation."""

import pickle

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
NOISE = st.sampled_from(list(" \t\n\r\u3000\u00a0\u200b\x07\x00\ufeffㄱㅋㅎㅏ①％＄ＡＢＣ１２３😀👍🏽·‘’“”…—@#/:[]()<>"))
MIXED = st.one_of(HANGUL, HANGUL, HANGUL, NOISE, st.characters(codec="utf-8"))


def _check(doc, text):
    assert doc.text == text
    assert all(t.text for t in doc)
    assert sum(len(t.text_with_ws) for t in doc) == len(text)
    for t in doc:
        assert text[t.idx : t.idx + len(t.text)] == t.text


@settings(max_examples=300, deadline=None)
@given(st.text(MIXED, max_size=120))
def test_any_text_round_trips_with_exact_offsets(blank_nlp, text):
    _check(blank_nlp(text), text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(MIXED, max_size=60), min_size=1, max_size=12))
def test_batched_pipe_equals_single_calls(blank_nlp, texts):
    piped = list(blank_nlp.pipe(texts, batch_size=5))
    assert [d.text for d in piped] == texts
    for doc, text in zip(piped, texts):
        single = blank_nlp(text)
        assert [t.text for t in doc] == [t.text for t in single]


def test_splits_particles_and_keeps_contractions(blank_nlp):
    doc = blank_nlp("제작사 NHC미디어는 대상을 수상했다.")
    words = [t.text for t in doc]
    assert words[:4] == ["제작사", "NHC", "미디어", "는"]
    did = next(t for t in doc if t.text == "했")
    assert did._.morphs == (("하", "XSV"), ("었", "EP"))
    assert did.tag_ == "XSV+EP"
    assert doc[3].tag_ == "JX" and doc[3].pos_ == "ADP"
    assert doc[0].lemma_ == "제작사"


def test_noisy_news_keeps_offsets(blank_nlp):
    text = (
        "[헤럴드경제=조문술 기자]\n\n\n  • 중소기업 ‘클러스터사업’이 답\r\n"
        "문의: abc@herald.com https://biz.example.com/a?b=1 ㅋㅋ ＡＢＣ１２３ 😀\x07\x00 끝\u3000\t"
    )
    doc = blank_nlp(text)
    _check(doc, text)
    assert any(t.text == "abc@herald.com" for t in doc)


def test_sentences_come_from_kiwi(blank_nlp):
    doc = blank_nlp("매출이 늘었다. 수출도 증가했다.\n\n고용은 줄었다")
    assert [s.text.strip() for s in doc.sents] == ["매출이 늘었다.", "수출도 증가했다.", "고용은 줄었다"]


def test_user_words_survive_to_disk_and_pickle(tmp_path, blank_nlp):
    assert [t.text for t in blank_nlp("백억전자의 성과")][:2] == ["백억", "전자"]  # Kiwi alone splits the name
    nlp = pipeline.blank()
    nlp.tokenizer.add_user_word("백억전자", "NNP", 10.0)
    assert [t.text for t in nlp("백억전자의 성과")][0] == "백억전자"
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert isinstance(loaded, pipeline.KiwiKorean)
    assert [t.text for t in loaded("백억전자의 성과")][0] == "백억전자"
    unpickled = pickle.loads(pickle.dumps(loaded))
    assert [t.text for t in unpickled("백억전자의 성과")][0] == "백억전자"


def test_seed_article_sentences_and_tokens(blank_nlp, seed_text):
    doc = blank_nlp(seed_text)
    _check(doc, seed_text)
    sents = [s.text.strip() for s in doc.sents if s.text.strip()]
    assert 30 <= len(sents) <= 80
    assert any(s.startswith("제작사 NHC미디어는 어리이야기로") for s in sents)
    tokens = {t.text for t in doc}
    assert {"NHC", "한국산업단지공단", "클러스터"} & tokens


def test_pipelines_share_one_kiwi_and_user_words_stay_private(blank_nlp):
    other = pipeline.blank()
    assert other.tokenizer.kiwi is blank_nlp.tokenizer.kiwi  # built once per process, not per pipeline
    assert pickle.loads(pickle.dumps(other)).tokenizer.kiwi is blank_nlp.tokenizer.kiwi
    assert other("백억전자의 성과")[0].text == "백억"
    other.tokenizer.add_user_word("백억전자", "NNP", 10.0)
    assert other("백억전자의 성과")[0].text == "백억전자"
    assert blank_nlp("백억전자의 성과")[0].text == "백억"  # the shared instance did not learn the word
    assert other.tokenizer.kiwi is not blank_nlp.tokenizer.kiwi


def test_pipelines_share_one_kiwi_until_one_learns_a_word():
    """Kiwi is built once per process for the same settings; a tokenizer taught a word after
    that gets a Kiwi of its own, so the word does not leak into the other pipelines."""

    def first_token(nlp, text: str) -> str:
        return nlp(text)[0].text

    first, second = pipeline.blank(), pipeline.blank()
    assert first.tokenizer.kiwi is second.tokenizer.kiwi
    shared = second.tokenizer.kiwi
    assert first_token(second, "클러스터사업에") == "클러스터"  # Kiwi alone splits it
    first.tokenizer.add_user_word("클러스터사업", "NNP", 10.0)
    assert first_token(first, "클러스터사업에") == "클러스터사업"
    assert first.tokenizer.kiwi is not shared and second.tokenizer.kiwi is shared
    assert first_token(second, "클러스터사업에") == "클러스터"
    assert first_token(pipeline.blank(), "클러스터사업에") == "클러스터"
    first.tokenizer.add_user_word("수출바우처", "NNP", 10.0)  # its own Kiwi now: changed in place
    assert first_token(first, "수출바우처에") == "수출바우처" and first_token(second, "수출바우처에") == "수출"


_FORK_CHECK = """
import multiprocessing as mp
import pipeline

nlp = pipeline.blank()
texts = ["매출이 늘었다. 수출도 증가했다.", "고용은 줄었다", "NHC미디어는 클러스터사업에 참여했다."]


def tokens(texts):
    return [[t.text for t in nlp(texts[0])]] + [[t.text for t in doc] for doc in nlp.pipe(texts)]


if __name__ == "__main__":
    expected = tokens(texts)  # Kiwi is built here, in the parent, before the fork
    with mp.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(tokens, (texts,)).get(timeout=120) == expected
    assert tokens(texts) == expected
    print("ok")
"""


def test_a_forked_child_builds_its_own_kiwi(tmp_path):
    """A pipeline inherited through fork (datasets' num_proc, multiprocessing's fork) must not use
    the parent's Kiwi, whose worker threads stayed in the parent: a batch waited for them forever.

    Run in a fresh interpreter: forking this test process, with the threads earlier tests left
    (DuckDB, Dask, Arrow pools), can deadlock for reasons that have nothing to do with Kiwi."""
    import subprocess
    import sys

    script = tmp_path / "fork_check.py"
    script.write_text(_FORK_CHECK, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_token_attributes_match_kiwi_analysis(blank_nlp, seed_text):
    """Each token's tag, lemma, POS and sentence start are Kiwi's, on a real article.

    The Doc gets them as one array of hashes; this checks that array against the same
    values set one by one through spaCy's own constructor.
    """
    from spacy.tokens import Doc

    from pipeline.language.tokens import _ud

    doc = blank_nlp(seed_text)
    slow = Doc(
        blank_nlp.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        tags=["+".join(tag for _, tag in t._.morphs) or "_SP" for t in doc],
        lemmas=[t.lemma_ for t in doc],
        pos=[_ud(t.tag_) for t in doc],
        sent_starts=[t.is_sent_start for t in doc],
    )
    assert len(list(doc.sents)) > 5
    assert [t.tag_ for t in doc] == [t.tag_ for t in slow]
    assert [t.pos_ for t in doc] == [t.pos_ for t in slow]
    assert [s.text for s in doc.sents] == [s.text for s in slow.sents]
    assert all(t.lemma_ for t in doc) and all(t.pos_ for t in doc)
    for t in doc:
        if t.tag_ != "_SP" and "+" not in t.tag_:
            (form, tag), *_ = t._.morphs
            assert t.tag_ == tag
            if tag.startswith("NN"):
                assert t.lemma_ == form == t.text
