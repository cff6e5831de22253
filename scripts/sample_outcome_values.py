"""Draw the outcome-value gold samples (corpora/econ/values/) from the built corpus.

    python scripts/sample_outcome_values.py --split train|dev [--built DIR] [--seed 12] [--n 200]
        [--exclude corpora/econ/values/check.jsonl ...]

Why a script: the sample must be repeatable. It takes every OUTCOME span of the real
(non-synthetic, ids ``c-`` … ``j-``) documents of a split, in document and offset
order, and draws ``n`` with a fixed seed: ``tune`` from train, ``check`` from dev.
``--exclude`` leaves out the spans of earlier gold files, so that a fresh blind sample
(``check2``, once ``check`` had been read) never repeats a span already seen.
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


def seen_spans(paths: list[Path]) -> set[tuple[str, int, int]]:
    """The (document, start, end) of every span in earlier gold files: those a new sample must not repeat."""
    seen = set()
    for path in paths:
        for line in path.open(encoding="utf-8"):
            record = json.loads(line)
            seen.add((record["doc"], record["start"], record["end"]))
    return seen


def draw(path: Path, seed: int, n: int, exclude: list[Path] | None = None) -> list[dict]:
    """``n`` spans drawn with ``seed`` among those not in ``exclude``, returned in document order for reading."""
    seen = seen_spans(exclude or [])
    pool = [s for s in outcome_spans(path) if (s["doc"], s["start"], s["end"]) not in seen]
    if len(pool) < n:
        raise ValueError(f"{path}: only {len(pool)} OUTCOME spans left after the exclusions, {n} asked")
    picked = random.Random(seed).sample(pool, n)
    return sorted(picked, key=lambda s: (s["doc"], s["start"], s["end"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--built", type=Path, default=None, help="the built corpus (default: the user data directory's)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--split", choices=("train", "dev"), required=True)
    parser.add_argument("--exclude", type=Path, nargs="*", default=[], help="gold files whose spans are not drawn again")
    args = parser.parse_args()
    if args.built is None:
        from pipeline.corpora.econ import ensure_built

        args.built = ensure_built()
    for span in draw(args.built / f"{args.split}.jsonl", args.seed, args.n, args.exclude):
        print(json.dumps({**span, **{f: None for f in FIELDS}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
