"""A learned scorer of candidate facts: which (company, program, outcome) a document states.

The rule assembler (:mod:`pipeline.components.triples`) decides a fact from a few relation
scores and thresholds. A reader weighs more: how far apart the three mentions
are, whether another firm stands closer to the outcome, whether the company is a
participant group (``참여기업 120개사``) or the firm the story is about, whether
the program is the one the whole article is about, an anaphor (``이 회사``)
before the outcome. :class:`FactScorer` scores every candidate — each OUTCOME
mention with each company entity and each program entity of the document — from
such features, with a logistic regression learned from the corpus, so the
assembler can keep the candidates above a threshold chosen on dev.

Training uses scikit-learn; the model is stored as plain numbers (JSON) and
applied with numpy, so loading it unpickles nothing and needs no scikit-learn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc, Span

from ..core.normalize import parse_outcome

#: words that make a COMPANY span a group of firms (참여기업, 12개사, 입주 업체들)
GROUP_NOUN = re.compile(r"기업|개사|곳|업체|참여|입주|지원|졸업|팀|농가|소상공인|사업자|스타트업|회원사")
_ANAPHOR = re.compile(r"이 회사|동사|이 업체|같은 회사|해당 기업|이 기업|회사는|회사가|회사측|업체는|업체가|이들 기업|이들은")
_SUBJECT = re.compile(r"^\s*['’”\")]*\s*(?:등|등은|등이)?\s*(?:은|는|이|가|도|에서는)(?:\s|$)")
_GENITIVE = re.compile(r"^\s*['’”\")]*\s*의")
_PLAN = re.compile(r"계획|목표|예정|기대|전망|방침|하겠|할 것|예상")
_EVENT = re.compile(r"대회|대전|[^사]상$|시상|전시회|페어|박람회|콘테스트|경진|챌린지|어워드|공모전|대상|엑스포|쇼|평가|지수|선정")
_LIST_GAP = re.compile(r"^[\s,·、ㆍ/△▷▲■○\-'‘’\"“”()（）]*(?:와|과|및|그리고|,)?[\s,·、ㆍ/△▷▲■○\-'‘’\"“”]*$")
_PART_CUE = re.compile(r"참여|참가|선정|입주|지원을 받|지원받|도움을 받|통해|덕분|힘입|활용|이용|수혜|졸업|출신|보육")


@dataclass
class Context:
    """What the features of one document's candidates share: spans, clusters, sentences, relation scores."""

    doc: Doc
    spans: list[Span]
    cluster: list[int]
    sent_of: list[int]
    scores: dict
    by_label: dict[str, list[int]] = field(default_factory=dict)
    _clusters: dict = field(default_factory=dict, repr=False)
    _nearest: dict = field(default_factory=dict, repr=False)
    _chain: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for i, s in enumerate(self.spans):
            self.by_label.setdefault(s.label_, []).append(i)

    def clusters(self, label: str) -> dict[int, list[int]]:
        """Entity (cluster id) → its mentions, for one label; computed once per document."""
        if label not in self._clusters:
            out: dict[int, list[int]] = {}
            for i in self.by_label.get(label, []):
                out.setdefault(self.cluster[i], []).append(i)
            self._clusters[label] = out
        return self._clusters[label]

    def between(self, label: str, lo: int, hi: int) -> list[int]:
        """Mentions of ``label`` that start within the characters [lo, hi)."""
        return [m for m in self.by_label.get(label, []) if lo <= self.spans[m].start_char < hi]

    def segment(self, o: int) -> tuple[int, int]:
        """The stretch of the outcome's sentence that belongs to it: from the end of the previous
        outcome to the start of the next (a list of prizes, each with its own list of winners)."""
        sent = self.spans[o].sent if self.doc.has_annotation("SENT_START") else self.doc[:]
        lo, hi = sent.start_char, sent.end_char
        for m in self.by_label.get("OUTCOME", []):
            if m == o or self.sent_of[m] != self.sent_of[o]:
                continue
            if self.spans[m].end_char <= self.spans[o].start_char:
                lo = max(lo, self.spans[m].end_char)
            elif self.spans[m].start_char >= self.spans[o].end_char:
                hi = min(hi, self.spans[m].start_char)
        return lo, hi

    def chain(self, c: int) -> list[int]:
        """The list of company mentions ``c`` stands in (가온테크, 다온식품과 별빛게임즈는): neighbours
        in its sentence joined by nothing but commas, dots, 와/과/및 and quotes."""
        if c not in self._chain:
            same = sorted(
                (m for m in self.by_label.get("COMPANY", []) if self.sent_of[m] == self.sent_of[c]), key=lambda m: self.spans[m].start_char
            )
            text, k = self.doc.text, same.index(c)
            lo = hi = k
            while lo > 0 and _LIST_GAP.match(text[self.spans[same[lo - 1]].end_char : self.spans[same[lo]].start_char]):
                lo -= 1
            while hi + 1 < len(same) and _LIST_GAP.match(text[self.spans[same[hi]].end_char : self.spans[same[hi + 1]].start_char]):
                hi += 1
            for m in same[lo : hi + 1]:
                self._chain[m] = same[lo : hi + 1]
        return self._chain[c]

    def nearest(self, o: int, label: str) -> dict[int, tuple[int, int]]:
        """For an outcome: each entity of ``label`` → (its mention closest to the outcome, that
        entity's rank by closeness among its kind); computed once per outcome and label."""
        key = (o, label)
        if key not in self._nearest:
            so, start = self.sent_of[o], self.spans[o].start_char
            near = {c: _nearest(self, ms, o) for c, ms in self.clusters(label).items()}
            dist = {c: abs(self.sent_of[m] - so) * 10_000 + abs(self.spans[m].start_char - start) for c, m in near.items()}
            ranked = sorted(dist.values())
            self._nearest[key] = {c: (m, ranked.index(dist[c])) for c, m in near.items()}
        return self._nearest[key]


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


def _nearest(ctx: Context, mentions: list[int], o: int) -> int:
    """The mention of an entity that stands closest to the outcome (same sentence and before it first)."""
    so, start = ctx.sent_of[o], ctx.spans[o].start_char
    return min(mentions, key=lambda m: (abs(ctx.sent_of[m] - so), ctx.spans[m].start_char > start, abs(ctx.spans[m].start_char - start)))


def candidates(ctx: Context) -> list[tuple[int, int, int]]:
    """Every (company mention, program mention, outcome mention): each outcome with the nearest
    mention of each company entity and of each program entity."""
    out = []
    for o in ctx.by_label.get("OUTCOME", []):
        programs = [m for m, _ in ctx.nearest(o, "PROGRAM").values()]
        for c, _ in ctx.nearest(o, "COMPANY").values():
            out.extend((c, p, o) for p in programs)
    return out


def features(ctx: Context, cand: tuple[int, int, int]) -> dict[str, float]:
    c, p, o = cand
    spans, sent_of, scores, cluster = ctx.spans, ctx.sent_of, ctx.scores, ctx.cluster
    companies, programs = ctx.clusters("COMPANY"), ctx.clusters("PROGRAM")
    cm, pm = companies[cluster[c]], programs[cluster[p]]
    so = sent_of[o]
    cd, pd = sent_of[c] - so, sent_of[p] - so
    f: dict[str, float] = {"bias": 1.0}
    f[f"c_sdist={_bucket(abs(cd), (0, 1, 2, 4))}"] = 1
    f[f"p_sdist={_bucket(abs(pd), (0, 1, 2, 4))}"] = 1
    f[f"cp_sdist={_bucket(abs(cd), (0, 1, 3))}/{_bucket(abs(pd), (0, 1, 3))}"] = 1
    f["c_before"] = float(spans[c].start_char < spans[o].start_char)
    f["p_before"] = float(spans[p].start_char < spans[o].start_char)
    # rank of this entity among its kind by closeness to the outcome
    for role, label, group, mine in (("c", "COMPANY", companies, c), ("p", "PROGRAM", programs, p)):
        f[f"{role}_rank={_bucket(ctx.nearest(o, label)[cluster[mine]][1], (0, 1, 2))}"] = 1
        f[f"{role}_n_entities={_bucket(len(group), (1, 2, 4, 8))}"] = 1
    ach = max(scores.get((m, o, "ACHIEVED"), 0.0) for m in cm)
    res = max(scores.get((o, m, "RESULT_OF"), 0.0) for m in pm)
    part = max((scores.get((a, b, "PARTICIPATES_IN"), 0.0) for a in cm for b in pm), default=0.0)
    runs = max((scores.get((a, m, "RUNS"), 0.0) for a in ctx.by_label.get("AGENCY", []) for m in pm), default=0.0)
    f.update(ach=ach, res=res, part=part, runs=runs, ach_x_part=ach * part, ach_x_res=ach * res)
    f[f"c_mentions={_bucket(len(cm), (1, 2, 4))}"] = 1
    f[f"p_mentions={_bucket(len(pm), (1, 2, 4))}"] = 1
    f["c_topic"] = float(len(cm) == max(len(v) for v in companies.values()))
    f["p_topic"] = float(len(pm) == max(len(v) for v in programs.values()))
    f["c_group"] = float(bool(GROUP_NOUN.search(spans[c].text)))
    sent = spans[o].sent if ctx.doc.has_annotation("SENT_START") else ctx.doc[:]
    f["anaphor"] = float(bool(_ANAPHOR.search(ctx.doc.text[sent.start_char : spans[o].start_char])))
    p_sent = spans[p].sent if ctx.doc.has_annotation("SENT_START") else ctx.doc[:]
    f["p_cue"] = float(bool(_PART_CUE.search(ctx.doc.text[spans[p].end_char : p_sent.end_char])))
    lo, hi = sorted((spans[c].end_char, spans[o].start_char))
    f["other_company_between"] = float(
        cd == 0 and any(lo <= spans[m].start_char < hi and cluster[m] != cluster[c] for m in ctx.by_label.get("COMPANY", []))
    )
    value = parse_outcome(spans[o].text)
    f[f"o_metric={value.metric}"] = 1
    f[f"o_direction={value.direction}"] = 1
    f["o_lead"] = float(so == 0)
    _list_features(ctx, c, p, o, f)
    f["all_one_sentence"] = float(cd == 0 and pd == 0)
    return f


def _list_features(ctx: Context, c: int, p: int, o: int, f: dict[str, float]) -> None:
    """Where the company and program stand relative to the outcome's own stretch of text: a list
    of winners of one prize (A, B, C사는 장관 표창을 받았다) shares the outcome, the subject of the
    clause (은/는/이/가) more likely achieved it, a plan or target is no outcome."""
    spans, text = ctx.spans, ctx.doc.text
    lo, hi = ctx.segment(o)
    in_seg = lo <= spans[c].start_char < hi
    seg_companies = [m for m in ctx.between("COMPANY", lo, hi)]
    f["c_in_segment"] = float(in_seg)
    f[f"seg_companies={_bucket(len({ctx.cluster[m] for m in seg_companies}), (0, 1, 2, 4))}"] = 1
    chain = ctx.chain(c)
    f[f"c_chain={_bucket(len(chain), (1, 2, 4))}"] = 1
    if in_seg:
        f[f"c_seg_chain={_bucket(len(chain), (1, 2, 4))}"] = 1
        near = min(seg_companies, key=lambda m: abs(spans[m].start_char - spans[o].start_char))
        f["c_chain_of_nearest"] = float(near in chain)
    after = text[spans[c].end_char : spans[c].end_char + 12]
    f["c_subject"] = float(bool(_SUBJECT.match(after)))
    f["c_genitive"] = float(bool(_GENITIVE.match(after)))
    if chain[-1] != c:  # a listed firm: the particle stands after the last one
        last = text[spans[chain[-1]].end_char : spans[chain[-1]].end_char + 12]
        f["c_chain_subject"] = float(bool(_SUBJECT.match(last)))
    p_lo, p_hi = sorted((spans[p].end_char, spans[o].start_char))
    f["p_in_segment"] = float(lo <= spans[p].start_char < hi)
    f["program_between"] = float(
        ctx.sent_of[p] == ctx.sent_of[o] and any(ctx.cluster[m] != ctx.cluster[p] for m in ctx.between("PROGRAM", p_lo, p_hi))
    )
    event = bool(_EVENT.search(spans[p].text))
    award = f.get("o_direction=award", 0) == 1
    f[f"p_event={event}/{award}"] = 1
    sent = spans[o].sent if ctx.doc.has_annotation("SENT_START") else ctx.doc[:]
    f["o_plan"] = float(bool(_PLAN.search(text[spans[o].end_char : sent.end_char])))
    f["o_average"] = float("평균" in text[max(sent.start_char, spans[o].start_char - 8) : spans[o].end_char])


class FactScorer:
    """A classifier over :func:`features`, stored as JSON numbers: a logistic regression
    (``weights``) or gradient-boosted trees (``trees``; they see interactions a linear model
    misses: a list of firms matters for a prize, not for a sales figure). Trees are applied with
    numpy, so neither kind needs scikit-learn or unpickles anything at run time."""

    def __init__(self, weights: dict[str, float] | None = None, threshold: float = 0.5, second_threshold: float = 0.8) -> None:
        self.weights = dict(weights or {})
        #: boosted trees: {"features": [names], "baseline": float, "trees": [{node arrays}]}
        self.trees: dict | None = None
        self.threshold = threshold
        self.second_threshold = second_threshold
        #: firms listed with a chosen firm (A, B와 C는 …) share its fact from this score on (1.01: never)
        self.chain_threshold = 1.01
        #: beta calibration (a, b, c) fitted on dev: the score a triple reports is
        #: sigmoid(a · ln p − b · ln(1 − p) + c), the chance that a triple so scored is right.
        #: Platt scaling is the case a = b; an older model's (a, c) is read as (a, a, c).
        self.calibration = (1.0, 1.0, 0.0)

    @property
    def trained(self) -> bool:
        return bool(self.weights) or self.trees is not None

    def score(self, feats: list[dict[str, float]]) -> np.ndarray:
        if not feats:
            return np.zeros(0)
        if self.trees is not None:
            return 1.0 / (1.0 + np.exp(-_apply_trees(self.trees, feats)))
        z = np.array([sum(self.weights.get(k, 0.0) * v for k, v in f.items()) for f in feats])
        return 1.0 / (1.0 + np.exp(-z))

    def calibrated(self, probs: np.ndarray) -> np.ndarray:
        a, b, c = self.calibration
        p = np.clip(probs, 1e-6, 1 - 1e-6)
        return 1.0 / (1.0 + np.exp(-(a * np.log(p) - b * np.log(1 - p) + c)))

    def calibrate(self, probs: list[float], correct: list[bool]) -> FactScorer:
        """Fit the beta calibration (Kull et al., 2017) from raw probabilities of predicted triples
        and whether each was right. Why not Platt's two parameters: the scorer learns from gold
        entities, so on the full pipeline its scores are too low in the middle and too high at the
        top, a shape one slope cannot bend (dev, 5-fold: ECE 0.069 with Platt, 0.042 with this)."""
        from sklearn.linear_model import LogisticRegression

        p = np.clip(np.asarray(probs, dtype=float), 1e-6, 1 - 1e-6)
        x = np.stack([np.log(p), -np.log(1 - p)], axis=1)
        model = LogisticRegression(C=100.0).fit(x, np.asarray(correct, dtype=int))
        a, b = (float(w) for w in model.coef_[0])
        self.calibration = (a, b, float(model.intercept_[0]))
        return self

    def fit_trees(
        self,
        feats: list[dict[str, float]],
        labels: list[int],
        *,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 31,
        seed: int = 0,
    ) -> FactScorer:
        """Fit gradient-boosted trees (scikit-learn's histogram GBM) and keep their nodes as plain lists."""
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.feature_extraction import DictVectorizer

        vec = DictVectorizer(sparse=False)
        x = vec.fit_transform(feats)
        model = HistGradientBoostingClassifier(
            max_iter=max_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes, random_state=seed
        )
        model.fit(x, labels)
        trees = []
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            trees.append(
                {
                    "feature": nodes["feature_idx"].astype(int).tolist(),
                    "threshold": nodes["num_threshold"].astype(float).tolist(),
                    "left": nodes["left"].astype(int).tolist(),
                    "right": nodes["right"].astype(int).tolist(),
                    "leaf": nodes["is_leaf"].astype(int).tolist(),
                    "value": nodes["value"].astype(float).tolist(),
                    "missing_left": nodes["missing_go_to_left"].astype(int).tolist(),
                }
            )
        baseline = float(np.ravel(model._baseline_prediction)[0])
        self.trees = {"features": [str(n) for n in vec.get_feature_names_out()], "baseline": baseline, "trees": trees}
        self.weights = {}
        return self

    def fit(self, feats: list[dict[str, float]], labels: list[int], c: float = 1.0) -> FactScorer:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        vec = DictVectorizer()
        x = vec.fit_transform(feats)
        model = LogisticRegression(C=c, max_iter=2000, fit_intercept=False)
        model.fit(x, labels)
        self.weights = {name: float(w) for name, w in zip(vec.get_feature_names_out(), model.coef_[0]) if w != 0.0}
        self.trees = None
        return self

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "weights": self.weights,
                "threshold": self.threshold,
                "second_threshold": self.second_threshold,
                "chain_threshold": self.chain_threshold,
                "calibration": list(self.calibration),
                **({"trees": self.trees} if self.trees is not None else {}),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")

    def from_bytes(self, data: bytes) -> FactScorer:
        cfg = json.loads(data.decode("utf-8"))
        self.weights = {str(k): float(v) for k, v in cfg["weights"].items()}
        self.threshold = float(cfg["threshold"])
        self.second_threshold = float(cfg.get("second_threshold", 0.8))
        self.chain_threshold = float(cfg.get("chain_threshold", 1.01))
        calibration = [float(x) for x in cfg.get("calibration", (1.0, 1.0, 0.0))]
        self.calibration = tuple(calibration if len(calibration) == 3 else [calibration[0], *calibration])
        self.trees = cfg.get("trees")
        return self


def _apply_trees(model: dict, feats: list[dict[str, float]]) -> np.ndarray:
    """The raw score (log-odds) of boosted trees: walk every sample down every tree at once."""
    col = {name: k for k, name in enumerate(model["features"])}
    x = np.zeros((len(feats), len(col)))
    for i, f in enumerate(feats):
        for k, v in f.items():
            if k in col:
                x[i, col[k]] = v
    rows = np.arange(len(feats))
    z = np.full(len(feats), float(model["baseline"]))
    for tree in model["trees"]:
        feature, threshold = np.asarray(tree["feature"]), np.asarray(tree["threshold"])
        left, right, leaf = np.asarray(tree["left"]), np.asarray(tree["right"]), np.asarray(tree["leaf"], dtype=bool)
        node = np.zeros(len(feats), dtype=int)
        while not leaf[node].all():
            inner = ~leaf[node]
            n = node[inner]
            go_left = x[rows[inner], feature[n]] <= threshold[n]
            node[inner] = np.where(go_left, left[n], right[n])
        z += np.asarray(tree["value"])[node]
    return z


def gold_labels(ctx: Context, cands: list[tuple[int, int, int]], gold_triples: Iterable[dict]) -> list[int]:
    """1 for a candidate that states a gold triple: its outcome mention overlaps a gold outcome
    mention and matches it by SCHEMA.md's string rule, and some mention of its company entity and
    of its program entity matches the gold parts (any alias). Works for gold and predicted entities."""
    from ..core.matching import relaxed_match

    def parts(slot: dict | None) -> list[dict]:
        return [slot, *slot.get("aliases", [])] if slot else []

    gold = [(parts(t["company"]), parts(t["program"]), parts(t["outcome"])) for t in gold_triples]
    spans, cluster = ctx.spans, ctx.cluster

    def texts(i: int) -> list[str]:
        return [spans[m].text for m in range(len(spans)) if cluster[m] == cluster[i] and spans[m].label_ == spans[i].label_]

    out = []
    for c, p, o in cands:
        os_, oe, ot = spans[o].start_char, spans[o].end_char, spans[o].text
        ct, pt = texts(c), texts(p)
        hit = False
        for gc, gp, go in gold:
            if not any(g["start"] < oe and os_ < g["end"] and relaxed_match(ot, g["text"]) for g in go):
                continue
            if any(relaxed_match(x, g["text"]) for x in ct for g in gc) and any(relaxed_match(x, g["text"]) for x in pt for g in gp):
                hit = True
                break
        out.append(int(hit))
    return out
