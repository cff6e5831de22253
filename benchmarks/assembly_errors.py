"""Why assembly misses or invents triples when every entity is right (gold entities, dev).

    python benchmarks/assembly_errors.py [--model PATH] [--data-dir DIR] [--split dev] [--examples 10]

Each gold triple left unmatched (FN) and each predicted triple left unmatched (FP) after the
one-to-one relaxed matching of SCHEMA.md gets one cause:

- FN company/program/outcome not a span: the part is no entity of the document (cannot happen
  with gold entities unless a span fails to align);
- FN outcome got no triple: no candidate of that outcome passed the threshold;
- FN wrong company / wrong program: the outcome got a triple, with another company (program);
  "(one outcome, several firms)" when the gold outcome mention is shared by listed firms (A, B와
  C는 장관 표창을 받았다), "(gold is group)" / "(pred is group)" when a group noun (참여기업, N개사)
  is involved;
- FN right triple used by another gold: the same (company, program, outcome) strings stand for
  two gold triples (an outcome mention shared by two facts);
- FP outcome in no gold triple: the outcome is no fact (a plan, a program total, an average);
- FP duplicate: the triple matches a gold triple that another prediction already took (one fact
  stated twice: lead and body, two names of one firm or program);
- FP wrong company / program / both.

Choose on dev; never run it on test.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

from triple_quality import predict  # this folder is on the path when the script runs

import pipeline
from pipeline import corpora
from pipeline.core.matching import relaxed_match
from pipeline.evaluation import scoring
from pipeline.evaluation.scoring import slot_texts, triple_match

GROUP = re.compile(r"기업|개사|곳|업체|참여|입주|팀|농가|소상공인|스타트업|회원사")


def matching(pred: list[dict], gold: list[dict]) -> dict[int, int]:
    """A maximum one-to-one matching, prediction index → gold index."""
    return scoring.matching(len(pred), len(gold), lambda p, g: triple_match(pred[p], gold[g]))


def _names(text: str, slot: dict | None) -> bool:
    return slot is not None and any(relaxed_match(text, t) for t in slot_texts(slot))


def _overlap(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def fn_cause(g: dict, pred: list[dict], entities: list[dict], gold: list[dict]) -> str:
    if g.get("program") is None:
        return "FN gold triple has no program"
    for part, label in (("outcome", "OUTCOME"), ("company", "COMPANY"), ("program", "PROGRAM")):
        if not any(e["label"] == label and _names(e["text"], g[part]) for e in entities):
            return f"FN {part} not a {label} span"
    same = [t for t in pred if relaxed_match(t["outcome"]["text"], g["outcome"]["text"]) and _overlap(t["outcome"], g["outcome"])]
    if not same:
        return "FN outcome got no triple (threshold)"
    if any(_names(t["company"]["text"], g["company"]) and _names(t["program"]["text"], g["program"]) for t in same):
        return "FN right triple used by another gold"
    if any(_names(t["company"]["text"], g["company"]) for t in same):
        return "FN wrong program"
    if any(o is not g and _overlap(o["outcome"], g["outcome"]) and o["company"]["text"] != g["company"]["text"] for o in gold):
        return "FN wrong company (one outcome, several firms)"
    if GROUP.search(g["company"]["text"]):
        return "FN wrong company (gold is group)"
    if any(GROUP.search(t["company"]["text"]) for t in same):
        return "FN wrong company (pred is group)"
    return "FN wrong company"


def fp_cause(t: dict, gold: list[dict]) -> tuple[str, list[dict]]:
    same = [g for g in gold if _names(t["outcome"]["text"], g["outcome"])]
    if not same:
        return "FP outcome in no gold triple", same
    if any(triple_match(t, g) for g in same):
        return "FP duplicate of a matched fact", same
    if any(_names(t["company"]["text"], g["company"]) for g in same):
        return "FP wrong program", same
    if any(_names(t["program"]["text"], g["program"]) for g in same):
        return "FP wrong company", same
    return "FP wrong company and program", same


def analyse(preds: list[list[dict]], records: list[dict]) -> tuple[Counter, dict[str, list[str]]]:
    causes: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for pred, r in zip(preds, records):
        gold, matched = r["triples"], matching(pred, r["triples"])
        taken = set(matched.values())
        for k, g in enumerate(gold):
            if k not in taken:
                cause = fn_cause(g, pred, r["entities"], gold)
                causes[cause] += 1
                got = [(t["company"]["text"], t["program"]["text"]) for t in pred if _overlap(t["outcome"], g["outcome"])]
                examples[cause].append(
                    f"{r['id']} gold ({g['company']['text']} | {(g['program'] or {}).get('text')} | {g['outcome']['text']}) got {got}"
                )
        for k, t in enumerate(pred):
            if k not in matched:
                cause, same = fp_cause(t, gold)
                causes[cause] += 1
                want = [(g["company"]["text"], (g["program"] or {}).get("text")) for g in same][:3]
                examples[cause].append(
                    f"{r['id']} pred ({t['company']['text']} | {t['program']['text']} | {t['outcome']['text']}) gold has {want}"
                )
    return causes, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--split", default="dev", choices=("dev",))
    parser.add_argument("--examples", type=int, default=10)
    args = parser.parse_args()
    nlp = pipeline.load(args.model)
    records = corpora.records("econ", args.split, args.data_dir)
    preds = [p["triples"] for p in predict(nlp, records, gold_entities=True)]
    causes, examples = analyse(preds, records)
    print(f"econ {args.split}, gold entities: {sum(len(r['triples']) for r in records)} gold triples, {sum(map(len, preds))} predicted")
    for cause, n in causes.most_common():
        print(f"  {n:>4}  {cause}")
    for cause, _ in causes.most_common():
        print(f"\n{cause}")
        for line in examples[cause][: args.examples]:
            print(f"  {line}")


if __name__ == "__main__":
    main()
