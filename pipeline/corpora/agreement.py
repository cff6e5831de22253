"""Inter-annotator agreement of the double-annotated documents.

``corpora/econ/agreement/pass1.jsonl`` and ``pass2.jsonl`` hold two independent
annotations of the same 30 real news documents (stand-off). Agreement is scored
the way systems are: pass 1 as prediction, pass 2 as reference, entities exact and
relaxed (SCHEMA.md's string rule), triples relaxed and exact.

    python -m pipeline.corpora.agreement [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json

from ..scoring import exact_match, score_entities, score_triples
from .econ import ECON_DIR, iter_standoff, join
from .sources import resolve_data_dir


def agreement(data_dir=None) -> dict:
    root = resolve_data_dir(data_dir)
    passes = []
    for name in ("pass1", "pass2"):
        recs = iter_standoff([ECON_DIR / "agreement" / f"{name}.jsonl"])
        passes.append({r.data["id"]: join(r, root) for r in recs})
    ids = sorted(set(passes[0]) & set(passes[1]))
    ents = [(passes[0][i]["entities"], passes[1][i]["entities"]) for i in ids]
    trip = [(passes[0][i]["triples"], passes[1][i]["triples"]) for i in ids]
    return {
        "documents": len(ids),
        "entities_exact": score_entities(ents).as_dict(),
        "entities_relaxed": score_entities(ents, relaxed=True).as_dict(),
        "triples_relaxed": score_triples(trip).as_dict(),
        "triples_exact": score_triples(trip, exact_match).as_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Agreement between the two annotation passes.")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    result = agreement(args.data_dir)
    print(f"{result['documents']} documents annotated twice, independently")
    for key in ("entities_exact", "entities_relaxed"):
        o = result[key]["overall"]
        labels = ", ".join(f"{k} {v['f1']:.3f}" for k, v in result[key]["per_label"].items())
        print(f"{key:<17} F1 {o['f1']:.3f} (P {o['p']:.3f}, R {o['r']:.3f}); {labels}")
    for key in ("triples_relaxed", "triples_exact"):
        s = result[key]
        print(f"{key:<17} F1 {s['f1']:.3f} (pass 1: {s['pred']} triples, pass 2: {s['gold']})")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
