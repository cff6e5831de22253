"""Build heldout.jsonl from heldout_source.txt with the reprint builder's parser and checks.

Fact ids come out of the builder as ``rpNN-fK``; the held-out set uses ``hoNN-fK``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_reprints as br

HERE = Path(__file__).resolve().parent
OUT = Path(__file__).resolve().parent / "heldout.jsonl"


def main() -> int:
    show = "--show" in sys.argv
    records, errors = [], 0
    for doc in br._parse((HERE / "heldout_source.txt").read_text(encoding="utf-8")):
        try:
            rec = br.build_record(doc)
        except ValueError as exc:
            print(f"error: {doc['id']}: {exc}", file=sys.stderr)
            errors += 1
            continue
        for t in rec["triples"]:
            assert t["fact"].startswith("rp")
            t["fact"] = "ho" + t["fact"][2:]
        records.append(rec)
        if show:
            print(br.show(rec))
    if errors:
        print(f"{errors} errors; not written", file=sys.stderr)
        return 1
    if "--write" in sys.argv:
        with open(OUT, "w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(records)} documents, {sum(len(r['triples']) for r in records)} triples", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
