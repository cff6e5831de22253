"""scripts/self_train_econ.py: which teacher-labelled sentences are complete enough to train a span classifier on."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy
import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "self_train_econ.py"
LABELS = ("AGENCY", "COMPANY", "OUTCOME", "PROGRAM")


@pytest.fixture(scope="module")
def st():
    spec = importlib.util.spec_from_file_location("self_train_econ", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _doc() -> Doc:
    return Doc(Vocab(), words=["삼성전자", "는", "매출", "10%", "증가", "했다"])


def _row(label: str | None, p: float) -> list[float]:
    """A softmax row: ``p`` on ``label`` (None: on "none"), the rest on "none" or on COMPANY."""
    row = [0.0] * (len(LABELS) + 1)
    if label is None:
        row[-1] = p
        row[1] += 1 - p
    else:
        row[LABELS.index(label)] = p
        row[-1] = 1 - p
    return row


def _judge(st, candidates, threshold=0.8, low=0.3):
    rows = numpy.array([c[:2] for c in candidates], dtype="i")
    scores = numpy.array([_row(*c[2:]) for c in candidates], dtype="f")
    return st.judge(rows, scores, LABELS, _doc(), threshold, low)


def test_confident_sentence_is_kept_with_its_spans(st):
    silver = _judge(st, [(0, 1, "COMPANY", 0.95), (2, 5, "OUTCOME", 0.9), (2, 4, None, 0.9)])
    assert silver.rejected is None
    assert silver.spans == [(0, 1, "COMPANY"), (2, 5, "OUTCOME")]


def test_unconfident_span_rejects_the_sentence(st):
    assert _judge(st, [(0, 1, "COMPANY", 0.95), (2, 5, "OUTCOME", 0.6)]).rejected == "unconfident span"


def test_ambiguous_candidate_rejects_the_sentence(st):
    # (2, 4) is not kept (none wins with 0.6), but its best label scores 0.4: neither span nor sure "none"
    assert _judge(st, [(0, 1, "COMPANY", 0.95), (2, 4, "OUTCOME", 0.4)]).rejected == "ambiguous candidate"


def test_confident_candidate_lost_to_an_overlap_rejects_the_sentence(st):
    silver = _judge(st, [(0, 1, "COMPANY", 0.95), (0, 3, "COMPANY", 0.85)])
    assert silver.spans == [(0, 1, "COMPANY")]
    assert silver.rejected == "confident overlap"


def test_select_keeps_empty_sentences_in_ratio_and_caps_silver(st):
    full = [st.Silver(f"s{i}", [(0, 1, "COMPANY")]) for i in range(10)]
    empty = [st.Silver(f"e{i}") for i in range(30)]
    rejected = [st.Silver("r", [(0, 1, "COMPANY")], rejected="ambiguous candidate")]
    chosen = st.select(full + empty + rejected, empty_ratio=0.5, max_silver=None)
    assert sum(1 for s in chosen if s.spans) == 10 and sum(1 for s in chosen if not s.spans) == 5
    assert all(s.rejected is None for s in chosen)
    capped = st.select(full + empty, empty_ratio=0.5, max_silver=6)
    assert sum(1 for s in capped if s.spans) == 4 and len(capped) == 6
