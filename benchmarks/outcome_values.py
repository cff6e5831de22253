"""How often the normaliser reads an OUTCOME span's value right, on hand-checked gold.

    python benchmarks/outcome_values.py [--show] [--only tune|check|check2] [--built DIR]

The gold (corpora/econ/values/tune.jsonl, check.jsonl and check2.jsonl, 200 spans each; how they were
drawn and judged is in that folder's README) lists for every span the metric, value, unit,
direction, base and period a careful reader gives it. For each file this prints the share
of spans whose parse is entirely right and the share right per field; ``--show`` lists the
wrong ones with the fields that differ. ``tune`` may be used to improve the normaliser;
``check2`` is the held-out figure, reported against issue 12's target (≥ 95%); ``check``,
read once its failures were listed, is kept for continuity.

The gold is stand-off, like corpora/econ/standoff/: document id, offsets and the SHA-256
of the span's text, never the news text itself (it stays in the data directory). The
spans are read from the built corpus (``python -m pipeline corpus build``), and each is
checked against its hash, so a gold file can never drift from the corpus silently. Like
the pipeline, the normaliser is given the words right after each span (``AFTER_CHARS``
characters), as a careful reader sees them (``Rising Star`` + ``를 수상``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

from pipeline.core.normalize import AFTER_CHARS, parse_outcome

FIELDS = ("metric", "value", "unit", "direction", "base", "period")
GOLD_DIR = Path(__file__).resolve().parent.parent / "corpora" / "econ" / "values"
SPLIT_OF = {"tune": "train", "check": "dev", "check2": "dev"}


def same(field: str, got, want) -> bool:
    """Numbers agree to a relative 1e-6 (1.2e12 from 1조 2천억), everything else exactly."""
    if field in ("value", "base") and got is not None and want is not None:
        return math.isclose(float(got), float(want), rel_tol=1e-6)
    return got == want


def load(path: Path) -> list[dict]:
    """The gold records of one file; a record missing a field is an error naming it."""
    records = []
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
        record = json.loads(line)
        missing = [f for f in ("doc", "start", "end", "sha256", *FIELDS) if f not in record]
        if missing:
            raise ValueError(f"{path.name}:{n} ({record.get('doc')}): missing {', '.join(missing)}")
        records.append(record)
    return records


def attach_text(records: list[dict], built: Path, name: str) -> None:
    """Give every gold record its span text from the built corpus, checked against the record's hash."""
    split = built / f"{SPLIT_OF[name]}.jsonl"
    if not split.exists():
        raise SystemExit(f"{split} is missing: run `python -m pipeline corpus build` first")
    texts = {}
    for line in split.open(encoding="utf-8"):
        doc = json.loads(line)
        texts[doc["id"]] = doc["text"]
    for r in records:
        if r["doc"] not in texts:
            raise ValueError(f"{name}: document {r['doc']} is not in {split}")
        span = texts[r["doc"]][r["start"] : r["end"]]
        if hashlib.sha256(span.encode("utf-8")).hexdigest() != r["sha256"]:
            raise ValueError(f"{name}: {r['doc']} {r['start']}-{r['end']} ({span!r}) does not match its sha256 in the gold")
        r["text"] = span
        r["after"] = texts[r["doc"]][r["end"] : r["end"] + AFTER_CHARS]


def score(records: list[dict]) -> tuple[dict, list[tuple[dict, dict, list[str]]]]:
    """Shares right (all fields and per field) and the wrong records with their differing fields."""
    right = dict.fromkeys(("all", *FIELDS), 0)
    wrong = []
    for r in records:
        got = parse_outcome(r["text"], r["after"]).as_dict()
        bad = [f for f in FIELDS if not same(f, got.get(f), r[f])]
        for f in FIELDS:
            right[f] += f not in bad
        right["all"] += not bad
        if bad:
            wrong.append((r, got, bad))
    return {k: v / len(records) for k, v in right.items()}, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold-dir", type=Path, default=GOLD_DIR)
    parser.add_argument("--built", type=Path, default=None, help="the built corpus (default: the user data directory's)")
    parser.add_argument("--only", choices=tuple(SPLIT_OF), default=None)
    parser.add_argument("--show", action="store_true", help="list the spans parsed wrongly")
    args = parser.parse_args()
    if args.built is None:
        from pipeline.corpora.econ import ensure_built

        args.built = ensure_built()
    names = [args.only] if args.only else list(SPLIT_OF)
    print(f"{'file':<6} {'n':>4} {'all':>6} " + " ".join(f"{f:>9}" for f in FIELDS))
    shown = []
    for name in names:
        records = load(args.gold_dir / f"{name}.jsonl")
        attach_text(records, args.built, name)
        shares, wrong = score(records)
        print(f"{name:<6} {len(records):>4} {shares['all']:>6.1%} " + " ".join(f"{shares[f]:>9.1%}" for f in FIELDS))
        shown += [(name, *w) for w in wrong]
    if args.show:
        for name, r, got, bad in shown:
            print(f"\n[{name}] {r['doc']} {r['start']}-{r['end']} {r['text']!r}")
            for f in bad:
                print(f"    {f}: got {got.get(f)!r}, want {r[f]!r}")
            if r.get("note"):
                print(f"    note: {r['note']}")


if __name__ == "__main__":
    main()
