"""Relations → triples: document-level assembly of (company, program, outcome) facts.

The relation extractor scores pairs of mentions; a fact is a decision about
*entities*, which a document mentions many times and under several names. The
assembler therefore

1. groups mentions into entities (:func:`alias_clusters`): the same canonical
   name (㈜ and spacing folded), an abbreviation introduced in parentheses
   (``중소벤처기업진흥공단(이하 중진공)``), an agency abbreviation whose letters
   appear in order in the full name (중진공 ↔ 중소벤처기업진흥공단), programs that
   match by SCHEMA.md's string rule (클러스터사업 ↔ ‘클러스터’ 사업);
2. for each OUTCOME picks the company most likely to have ACHIEVED it (or, for
   ``이 회사``/``동사``, the firm named last), then every program the outcome is a
   RESULT_OF or that the company's entity PARTICIPATES_IN anywhere in the document —
   which is how the NHC미디어 award meets the cluster program three paragraphs later;
3. fills ``agency`` from RUNS (or an operator in the genitive right before the
   program), scores each triple, keeps one triple per fact, and attaches evidence
   sentences, the outcome's structured value and canonical names.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..core.document import ECON_SPANS_KEY, Slot, Triple, trimmed_offsets
from ..core.matching import norm, relaxed_match
from ..core.normalize import canonical_name, canonical_program, parse_outcome_at
from ..language import extensions  # noqa: F401  (registers doc._.relations, doc._.triples)
from .fact_scorer import Context, FactScorer, candidates, features
from .selection import is_subsequence, select

_ANAPHORA = re.compile(r"(이 회사|동사|이 업체|같은 회사|해당 기업|이 기업|회사는|회사가|회사측|업체는|업체가)")
_PAREN_ALIAS = re.compile(r"^\s*[\(（]\s*(?:이하\s*)?['‘\"“]?\s*$")


def same_entity(a: Span, b: Span, text: str) -> bool:
    if a.label_ != b.label_:
        return False
    first, second = (a, b) if a.start_char <= b.start_char else (b, a)
    if a.label_ == "OUTCOME":
        # 대상(산림청장상): the prize and, in parentheses, what it is called; one award
        return norm(a.text) == norm(b.text) or bool(_PAREN_ALIAS.match(text[first.end_char : second.start_char]))
    ca, cb = canonical_name(a.text), canonical_name(b.text)
    if ca == cb:
        return True
    if _PAREN_ALIAS.match(text[first.end_char : second.start_char]):
        return True
    if a.label_ == "PROGRAM":
        return relaxed_match(a.text, b.text)
    short, long_ = sorted((ca, cb), key=len)
    return (
        a.label_ == "AGENCY"
        and 2 <= len(short) <= 5
        and len(long_) >= len(short) + 2
        and short[0] in long_
        and is_subsequence(short, long_)
    )


def alias_clusters(spans: list[Span], text: str) -> list[int]:
    """A cluster id per span (union-find over :func:`same_entity`)."""
    parent = list(range(len(spans)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(spans)):
        for j in range(i + 1, len(spans)):
            if spans[i].label_ == spans[j].label_ and find(i) != find(j) and same_entity(spans[i], spans[j], text):
                parent[find(j)] = find(i)
    return [find(i) for i in range(len(spans))]


@dataclass
class AssemblerConfig:
    """Thresholds tuned on econ dev (benchmarks/triple_quality.py shows their effect)."""

    company_threshold: float = 0.4
    program_threshold: float = 0.4
    second_program_threshold: float = 0.5
    agency_threshold: float = 0.3
    anaphora_window: int = 3


class TripleAssembler:
    """Turns ``doc.spans["econ"]`` and relation scores into ``doc._.triples``."""

    def __init__(self, name: str = "triple_assembler", **cfg) -> None:
        self.name = name
        self.cfg = AssemblerConfig(**cfg)
        #: the learned scorer of candidate facts; without weights the rules decide
        self.scorer = FactScorer()
        #: triples scored below this are dropped (``pipeline.load(min_score=…)``, ``annotate --min-score``)
        self.min_score = 0.0

    def __call__(self, doc: Doc) -> Doc:
        doc._.triples = [t for t in self.assemble(doc) if (t.score or 0.0) >= self.min_score]
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)

    def to_disk(self, path, *, exclude=()) -> None:
        from pathlib import Path

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "scorer.json").write_bytes(self.scorer.to_bytes())

    def from_disk(self, path, *, exclude=()) -> TripleAssembler:
        from pathlib import Path

        file = Path(path) / "scorer.json"
        if file.exists():
            self.scorer.from_bytes(file.read_bytes())
        return self

    def context(self, doc: Doc) -> Context | None:
        """The spans, alias clusters, sentences and relation scores candidates are scored from."""
        spans = list(doc.spans.get(ECON_SPANS_KEY, []))
        if not spans:
            return None
        scores = getattr(doc._, "relation_scores", None) or {(h, t, label): s for h, t, label, s in (doc._.relations or [])}
        cluster = alias_clusters(spans, doc.text)
        sent_of = _sentence_index(doc, spans)
        ctx = Context(doc, spans, cluster, sent_of, scores)
        ctx.scores = _zero_subject_participation(
            doc, spans, ctx.by_label.get("COMPANY", []), ctx.by_label.get("PROGRAM", []), cluster, sent_of, scores
        )
        return ctx

    def assemble_learned(self, doc: Doc, ctx: Context) -> list[Triple]:
        """The scorer's facts (:func:`select`), each with its agency, calibrated score and evidence."""
        cands = candidates(ctx)
        probs = self.scorer.score([features(ctx, cand) for cand in cands])
        agencies = ctx.by_label.get("AGENCY", [])
        triples = []
        for prob, (c, p, o) in select(ctx, cands, probs, self.scorer.threshold, self.scorer.second_threshold, self.scorer.chain_threshold):
            agency = self._agency(doc, ctx.spans, p, agencies, ctx.cluster, ctx.scores)
            score = round(float(self.scorer.calibrated(np.array([prob]))[0]), 4)
            triples.append(self._triple(doc, ctx.spans, c, p, o, agency, score, ctx.sent_of))
        return sorted(triples, key=lambda t: (t.outcome.start, t.program.start))

    def assemble(self, doc: Doc) -> list[Triple]:
        if self.scorer.trained:
            ctx = self.context(doc)
            return self.assemble_learned(doc, ctx) if ctx is not None else []
        return self.assemble_rules(doc)

    def assemble_rules(self, doc: Doc) -> list[Triple]:
        """The hand-written assembly (kept for comparison, and used when no scorer is trained)."""
        cfg = self.cfg
        spans = list(doc.spans.get(ECON_SPANS_KEY, []))
        if not spans:
            return []
        scores = getattr(doc._, "relation_scores", None) or {(h, t, label): s for h, t, label, s in (doc._.relations or [])}
        cluster = alias_clusters(spans, doc.text)
        by_label: dict[str, list[int]] = {}
        for i, s in enumerate(spans):
            by_label.setdefault(s.label_, []).append(i)
        companies, programs, agencies = by_label.get("COMPANY", []), by_label.get("PROGRAM", []), by_label.get("AGENCY", [])
        sent_of = _sentence_index(doc, spans)
        scores = _zero_subject_participation(doc, spans, companies, programs, cluster, sent_of, scores)
        main_program = _main_program(programs, companies, cluster, scores)
        triples: dict[tuple, Triple] = {}
        for o in by_label.get("OUTCOME", []):
            company, c_score = _best((c, scores.get((c, o, "ACHIEVED"), 0.0)) for c in companies)
            if c_score < cfg.company_threshold:
                fallback = _anaphora(doc, spans, o, companies, sent_of, cfg.anaphora_window)
                if fallback is None and company is not None and c_score >= cfg.company_threshold / 3:
                    fallback = _nearest_before(spans, o, companies, sent_of)
                company, c_score = fallback, (cfg.company_threshold if fallback is not None else 0.0)
            if company is None:
                continue
            members = [c for c in companies if cluster[c] == cluster[company]]
            per_cluster: dict[int, tuple[int, float]] = {}
            for p in programs:
                s = max([scores.get((o, p, "RESULT_OF"), 0.0)] + [scores.get((c, p, "PARTICIPATES_IN"), 0.0) * 0.9 for c in members])
                key = cluster[p]
                if s > per_cluster.get(key, (p, -1.0))[1]:
                    per_cluster[key] = (p, s)
            ranked = sorted(per_cluster.values(), key=lambda x: -x[1])
            if (not ranked or ranked[0][1] < cfg.program_threshold) and main_program is not None:
                ranked = [(main_program, cfg.program_threshold)]  # the document's program, when the fact names none nearby
            chosen = [x for k, x in enumerate(ranked) if x[1] >= (cfg.program_threshold if k == 0 else cfg.second_program_threshold)]
            for p, p_score in chosen:
                agency = self._agency(doc, spans, p, agencies, cluster, scores)
                key = (cluster[company], cluster[p], norm(spans[o].text))
                score = round((c_score * p_score) ** 0.5, 4)
                if key in triples and (triples[key].score or 0) >= score:
                    continue
                triples[key] = self._triple(doc, spans, company, p, o, agency, score, sent_of)
        return sorted(triples.values(), key=lambda t: (t.outcome.start, t.program.start))

    def _agency(self, doc: Doc, spans: list[Span], p: int, agencies: list[int], cluster: list[int], scores: dict) -> int | None:
        same_program = [q for q in range(len(spans)) if spans[q].label_ == "PROGRAM" and cluster[q] == cluster[p]]
        agency, a_score = _best((a, max(scores.get((a, q, "RUNS"), 0.0) for q in same_program)) for a in agencies)
        if a_score >= self.cfg.agency_threshold:
            return agency
        for a in agencies:  # an operator in the genitive right before the program: 중진공의 사업전환 컨설팅
            if spans[a].end_char <= spans[p].start_char and re.fullmatch(
                r"의?\s*['‘“]?", doc.text[spans[a].end_char : spans[p].start_char]
            ):
                return a
        return None

    def _triple(self, doc: Doc, spans: list[Span], c: int, p: int, o: int, a: int | None, score: float, sent_of: list[int]) -> Triple:
        def slot(i: int, **extra) -> Slot:
            s = spans[i]
            return Slot(s.text, s.start_char, s.end_char, extra)

        sentences = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        evidence = sorted({sent_of[i] for i in (c, p, o) + ((a,) if a is not None else ())})
        return Triple(
            company=slot(c, canonical=canonical_name(spans[c].text)),
            program=slot(p, canonical=canonical_program(spans[p].text)),
            outcome=slot(o, value=parse_outcome_at(doc.text, spans[o].start_char, spans[o].end_char).as_dict()),
            agency=slot(a, canonical=canonical_name(spans[a].text)) if a is not None else None,
            score=score,
            extra={"evidence": [dict(zip(("start", "end"), trimmed_offsets(sentences[k]))) for k in evidence]},
        )


def _sentence_index(doc: Doc, spans: list[Span]) -> list[int]:
    if not doc.has_annotation("SENT_START"):
        return [0] * len(spans)
    starts = [s.start for s in doc.sents]
    out = []
    for span in spans:
        k = 0
        while k + 1 < len(starts) and starts[k + 1] <= span.start:
            k += 1
        out.append(k)
    return out


_PARTICIPATION = re.compile(r"참여|참가|선정|입주|지원을 받|지원받|도움을 받|통해|덕분|힘입")


def _zero_subject_participation(
    doc: Doc, spans: list[Span], companies: list[int], programs: list[int], cluster: list[int], sent_of: list[int], scores: dict
) -> dict:
    """Korean drops a subject the reader knows: ``…한국산업단지공단의 ‘클러스터’ 사업에
    참여하면서부터다`` says that the firm the story is about took part. When a sentence
    names a program with a participation cue and no company, the document's topic firm
    (the company named most often, at least twice) takes part in it."""
    if not companies or not doc.has_annotation("SENT_START"):
        return scores
    counts: dict[int, int] = {}
    for c in companies:
        counts[cluster[c]] = counts.get(cluster[c], 0) + 1
    topic, n = max(counts.items(), key=lambda x: x[1])
    if n < 2 or list(counts.values()).count(n) > 1:
        return scores
    members = [c for c in companies if cluster[c] == topic]
    sentences = list(doc.sents)
    company_sents = {sent_of[c] for c in companies}
    scores = dict(scores)
    for p in programs:
        sent = sentences[sent_of[p]]
        if sent_of[p] in company_sents or not _PARTICIPATION.search(doc.text[spans[p].end_char : sent.end_char]):
            continue
        for c in members:
            if spans[c].start < spans[p].start:
                scores[(c, p, "PARTICIPATES_IN")] = max(scores.get((c, p, "PARTICIPATES_IN"), 0.0), 0.6)
    return scores


def _nearest_before(spans: list[Span], o: int, companies: list[int], sent_of: list[int]) -> int | None:
    """The closest company before the outcome in its own or the previous sentence."""
    before = [c for c in companies if spans[c].start < spans[o].start and sent_of[o] - sent_of[c] <= 1]
    return before[-1] if before else None


def _main_program(programs: list[int], companies: list[int], cluster: list[int], scores: dict) -> int | None:
    """The program a document is about: the one entity that firms take part in, if only one."""
    mass: dict[int, float] = {}
    first: dict[int, int] = {}
    for p in programs:
        first.setdefault(cluster[p], p)
        mass[cluster[p]] = mass.get(cluster[p], 0.0) + 1.0 + sum(scores.get((c, p, "PARTICIPATES_IN"), 0.0) for c in companies)
    if not mass:
        return None
    ranked = sorted(mass.items(), key=lambda x: -x[1])
    if len(ranked) > 1 and ranked[1][1] * 2 > ranked[0][1]:
        return None
    return first[ranked[0][0]]


def _anaphora(doc: Doc, spans: list[Span], o: int, companies: list[int], sent_of: list[int], window: int) -> int | None:
    """``이 회사의 매출은 …``: the firm named last before the outcome, within a few sentences."""
    sent = spans[o].sent if doc.has_annotation("SENT_START") else doc[:]
    if not _ANAPHORA.search(doc.text[sent.start_char : spans[o].start_char]):
        return None
    before = [c for c in companies if spans[c].start < spans[o].start and sent_of[o] - sent_of[c] <= window]
    return before[-1] if before else None


def _best(pairs) -> tuple[int | None, float]:
    best, best_score = None, 0.0
    for i, s in pairs:
        if s > best_score:
            best, best_score = i, s
    return best, best_score


@Language.factory(
    "triple_assembler",
    requires=["doc.spans"],
    assigns=["doc._.triples"],
    default_config=asdict(AssemblerConfig()),
)
def make_triple_assembler(
    nlp: Language,
    name: str,
    company_threshold: float,
    program_threshold: float,
    second_program_threshold: float,
    agency_threshold: float,
    anaphora_window: int,
) -> TripleAssembler:
    return TripleAssembler(
        name,
        company_threshold=company_threshold,
        program_threshold=program_threshold,
        second_program_threshold=second_program_threshold,
        agency_threshold=agency_threshold,
        anaphora_window=anaphora_window,
    )
