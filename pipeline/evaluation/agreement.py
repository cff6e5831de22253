"""Inter-annotator agreement of the double-annotated documents.

Each round of double annotation is a folder ``corpora/econ/agreement/ROUND/`` with
``pass1*.jsonl`` and ``pass2*.jsonl``: two independent annotations of the same real
news documents (stand-off). Agreement is scored the way systems are: pass 1 as
prediction, pass 2 as reference, entities exact and relaxed (SCHEMA.md's string
rule), triples relaxed and exact, overall and per collection.

    python -m pipeline.evaluation.agreement [ROUND ...] [--data-dir DIR] [--diff]

``--diff`` lists, document by document, the triples only one pass has: the
adjudicator's worklist.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from ..core.matching import exact_match, relaxed_match
from ..corpora.econ import ECON_DIR, iter_standoff, join
from ..corpora.sources import resolve_data_dir
from .scoring import PRF, TRIPLE_PARTS, max_matching, score_entities, slot_texts

ROUNDS_DIR = ECON_DIR / "agreement"


def rounds() -> list[str]:
    return sorted(p.name for p in ROUNDS_DIR.iterdir() if p.is_dir() and list(p.glob("pass2*.jsonl")))


def load_passes(round_name: str, data_dir=None) -> tuple[dict, dict]:
    """(pass 1, pass 2): joined records by id, for the documents both passes hold."""
    root = resolve_data_dir(data_dir)
    folder = ROUNDS_DIR / round_name
    passes = []
    for name in ("pass1", "pass2"):
        recs = iter_standoff(sorted(folder.glob(f"{name}*.jsonl")))
        passes.append({r.data["id"]: join(r, root) for r in recs})
    ids = set(passes[0]) & set(passes[1])
    return {i: passes[0][i] for i in ids}, {i: passes[1][i] for i in ids}


def same_fact(a: dict, b: dict, match=relaxed_match) -> bool:
    """Two annotators' triples state the same fact: every part matches, any alias of
    one against any alias of the other (both passes list aliases; neither is 'the' gold)."""
    return all(any(match(x, y) for x in slot_texts(a[r]) for y in slot_texts(b[r])) for r in TRIPLE_PARTS)


def score_pairs(pairs, match=relaxed_match) -> PRF:
    total = PRF()
    for a, b in pairs:
        total.add(PRF(max_matching(len(a), len(b), lambda i, j: same_fact(a[i], b[j], match)), len(a), len(b)))
    return total


def _scores(p1: dict, p2: dict, ids: list[str]) -> dict:
    ents = [(p1[i]["entities"], p2[i]["entities"]) for i in ids]
    trip = [(p1[i]["triples"], p2[i]["triples"]) for i in ids]
    return {
        "documents": len(ids),
        "entities_exact": score_entities(ents).as_dict(),
        "entities_relaxed": score_entities(ents, relaxed=True).as_dict(),
        "triples_relaxed": score_pairs(trip).as_dict(),
        "triples_exact": score_pairs(trip, exact_match).as_dict(),
    }


def agreement(round_name: str, data_dir=None) -> dict:
    """Scores of a round, overall and per collection (the id's prefix: c, d, e …)."""
    p1, p2 = load_passes(round_name, data_dir)
    ids = sorted(p1)
    by_collection = defaultdict(list)
    for i in ids:
        by_collection[i.split("-")[0]].append(i)
    result = _scores(p1, p2, ids)
    result["per_collection"] = {c: _scores(p1, p2, cids)["triples_relaxed"] for c, cids in sorted(by_collection.items())}
    return result


def _part(t: dict, role: str) -> str:
    slot = t.get(role)
    return slot["text"] if slot else "-"


def differences(round_name: str, data_dir=None) -> dict[str, dict[str, list[tuple]]]:
    """Per document, the triples of each pass that the other pass does not match (relaxed)."""
    p1, p2 = load_passes(round_name, data_dir)
    out = {}
    for i in sorted(p1):
        only = {"pass1": [], "pass2": []}
        a, b = p1[i]["triples"], p2[i]["triples"]
        used = set()
        for t in a:
            hit = next((k for k, g in enumerate(b) if k not in used and same_fact(t, g)), None)
            if hit is None:
                only["pass1"].append(tuple(_part(t, r) for r in ("company", "program", "outcome")))
            else:
                used.add(hit)
        only["pass2"] = [tuple(_part(g, r) for r in ("company", "program", "outcome")) for k, g in enumerate(b) if k not in used]
        if only["pass1"] or only["pass2"]:
            out[i] = only
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Agreement between the two annotation passes of each round.")
    parser.add_argument("rounds", nargs="*", help="round folders under corpora/econ/agreement (default: all)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--diff", action="store_true", help="list the triples only one pass has")
    args = parser.parse_args()
    for name in args.rounds or rounds():
        result = agreement(name, args.data_dir)
        print(f"== {name}: {result['documents']} documents annotated twice, independently")
        for key in ("entities_exact", "entities_relaxed"):
            o = result[key]["overall"]
            labels = ", ".join(f"{k} {v['f1']:.3f}" for k, v in result[key]["per_label"].items())
            print(f"{key:<17} F1 {o['f1']:.3f} (P {o['p']:.3f}, R {o['r']:.3f}); {labels}")
        for key in ("triples_relaxed", "triples_exact"):
            s = result[key]
            print(f"{key:<17} F1 {s['f1']:.3f} (pass 1: {s['pred']} triples, pass 2: {s['gold']})")
        per = ", ".join(f"{c} {s['f1']:.2f} ({s['gold']})" for c, s in result["per_collection"].items())
        print(f"triples relaxed F1 per collection (pass-2 triples): {per}")
        if args.diff:
            for doc_id, only in differences(name, args.data_dir).items():
                print(f"-- {doc_id}")
                for which in ("pass1", "pass2"):
                    for t in only[which]:
                        print(f"   only {which}: ({', '.join(t)})")


if __name__ == "__main__":
    main()
