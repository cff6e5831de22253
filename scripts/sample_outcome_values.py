"""Draw the outcome-value gold samples (corpora/econ/values/) from the built corpus.

    python scripts/sample_outcome_values.py --split train|dev [--built corpora/econ/built] [--seed 12] [--n 200]

Why a script: the sample must be repeatable. It takes every OUTCOME span of the real
(non-synthetic, ids ``c-`` … ``j-``) documents of a split, in document and offset
order, and draws ``n`` with a fixed seed: ``tune`` from train, ``check`` from dev.
It prints the draws as stand-off JSON lines (document id, offsets, the SHA-256 of the span's
text; no news text enters the repository) with empty expected fields; the expected fields are
then written by hand (see corpora/econ/values/README.md), so the script never
overwrites the gold files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from pathlib import Path

REAL_ID = re.compile(r"^[c-j]-")
FIELDS = ("metric", "value", "unit", "direction", "base", "period")


def outcome_spans(path: Path) -> list[dict]:
    """Every OUTCOME span of the real documents in one built split, in a stable order."""
    spans = []
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        if not REAL_ID.match(record["id"]) or record.get("meta", {}).get("synthetic"):
            continue
        for e in record["entities"]:
            if e["label"] != "OUTCOME":
                continue
            if record["text"][e["start"] : e["end"]] != e["text"]:
                raise ValueError(f"{record['id']}: span {e['start']}-{e['end']} does not match its text {e['text']!r}")
            sha = hashlib.sha256(e["text"].encode("utf-8")).hexdigest()
            spans.append({"doc": record["id"], "start": e["start"], "end": e["end"], "sha256": sha})
    return sorted(spans, key=lambda s: (s["doc"], s["start"], s["end"]))


def draw(path: Path, seed: int, n: int) -> list[dict]:
    """``n`` spans drawn with ``seed``, returned in document order for reading."""
    picked = random.Random(seed).sample(outcome_spans(path), n)
    return sorted(picked, key=lambda s: (s["doc"], s["start"], s["end"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--built", type=Path, default=Path("corpora/econ/built"))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--split", choices=("train", "dev"), required=True)
    args = parser.parse_args()
    for span in draw(args.built / f"{args.split}.jsonl", args.seed, args.n):
        print(json.dumps({**span, **{f: None for f in FIELDS}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
