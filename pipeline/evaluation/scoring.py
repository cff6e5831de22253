"""Scoring as SCHEMA.md defines it: relaxed string matching, one-to-one, micro P/R/F1.

Two strings match when, after removing white space and quote marks, one contains
the other and the shorter is at least half as long as the longer. A gold part may
list aliases; any one matching is enough. Matching is one-to-one (a maximum
bipartite matching per document) and the counts are summed over documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..core.matching import relaxed_match


@dataclass
class PRF:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold

    def as_dict(self) -> dict:
        return {
            "p": round(self.precision, 4),
            "r": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "pred": self.n_pred,
            "gold": self.n_gold,
        }


def matching(n_pred: int, n_gold: int, ok: Callable[[int, int], bool]) -> dict[int, int]:
    """A maximum one-to-one matching, prediction index → gold index (Kuhn's augmenting paths; sizes are small)."""
    edges = [[g for g in range(n_gold) if ok(p, g)] for p in range(n_pred)]
    owner = [-1] * n_gold

    def augment(p: int, seen: list[bool]) -> bool:
        for g in edges[p]:
            if not seen[g]:
                seen[g] = True
                if owner[g] < 0 or augment(owner[g], seen):
                    owner[g] = p
                    return True
        return False

    for p in range(n_pred):
        augment(p, [False] * n_gold)
    return {owner[g]: g for g in range(n_gold) if owner[g] >= 0}


def max_matching(n_pred: int, n_gold: int, ok: Callable[[int, int], bool]) -> int:
    """Size of a maximum one-to-one matching."""
    return len(matching(n_pred, n_gold, ok))


# -- triples ------------------------------------------------------------------------

TRIPLE_PARTS = ("company", "program", "outcome")


def slot_texts(slot: dict | None) -> list[str]:
    """A gold or predicted part: its text and its aliases' texts."""
    if not slot:
        return []
    return [slot["text"]] + [a["text"] for a in slot.get("aliases", [])]


def triple_match(pred: dict, gold: dict, match: Callable[[str, str], bool] = relaxed_match) -> bool:
    for part in TRIPLE_PARTS:
        p = pred[part]["text"]
        if not any(match(p, g) for g in slot_texts(gold[part])):
            return False
    return True


def score_triples(pairs: Iterable[tuple[Sequence[dict], Sequence[dict]]], match=relaxed_match) -> PRF:
    """``pairs``: (predicted triples, gold triples) per document."""
    total = PRF()
    for pred, gold in pairs:
        tp = max_matching(len(pred), len(gold), lambda i, j: triple_match(pred[i], gold[j], match))
        total.add(PRF(tp, len(pred), len(gold)))
    return total


def judge_triples(
    preds: Iterable[Sequence[dict]], golds: Iterable[Sequence[dict]], match=relaxed_match
) -> tuple[list[tuple[float, bool]], int]:
    """(score, correct) of every predicted triple and the number of gold triples: a prediction is
    correct when it matches a gold triple not yet taken, higher scores matched first (for
    calibration and precision/recall curves, where each prediction needs its own verdict)."""
    out, n_gold = [], 0
    for pred, gold in zip(preds, golds):
        n_gold += len(gold)
        used: set[int] = set()
        for t in sorted(pred, key=lambda t: -(t.get("score") or 0.0)):
            hit = next((j for j, g in enumerate(gold) if j not in used and triple_match(t, g, match)), None)
            if hit is not None:
                used.add(hit)
            out.append((float(t.get("score") or 0.0), hit is not None))
    return out, n_gold


# -- entities -------------------------------------------------------------------------


@dataclass
class EntityScores:
    overall: PRF = field(default_factory=PRF)
    per_label: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))

    def as_dict(self) -> dict:
        return {"overall": self.overall.as_dict(), "per_label": {k: v.as_dict() for k, v in sorted(self.per_label.items())}}


def score_entities(
    pairs: Iterable[tuple[Sequence[dict], Sequence[dict]]], *, relaxed: bool = False, labels: Iterable[str] | None = None
) -> EntityScores:
    """Entities as dicts with label, start, end, text. Exact: same label and offsets;
    relaxed: same label and SCHEMA.md's string rule, matched one-to-one."""
    keep = set(labels) if labels is not None else None
    scores = EntityScores()
    for pred, gold in pairs:
        if keep is not None:
            pred = [e for e in pred if e["label"] in keep]
            gold = [e for e in gold if e["label"] in keep]
        by_label: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
        for e in pred:
            by_label[e["label"]][0].append(e)
        for e in gold:
            by_label[e["label"]][1].append(e)
        for label, (p, g) in by_label.items():
            if relaxed:
                tp = max_matching(len(p), len(g), lambda i, j: relaxed_match(p[i]["text"], g[j]["text"]) and _near(p[i], g[j]))
            else:
                gold_spans = {(e["start"], e["end"]) for e in g}
                tp = sum((e["start"], e["end"]) in gold_spans for e in p)
            prf = PRF(tp, len(p), len(g))
            scores.per_label[label].add(prf)
            scores.overall.add(prf)
    return scores


def _near(a: dict, b: dict) -> bool:
    """Relaxed entity matching still needs the spans to overlap: the same string
    elsewhere in the document is another mention."""
    return a["start"] < b["end"] and b["start"] < a["end"]
