"""The fact store: merged facts against the reprint set's gold facts, and merging speed.

Quality: the reprint set (``corpora/reprints/``: team-written rewrites of real excerpts as
other outlets would print them, with distractors, every triple carrying a gold fact id), plus
two verbatim outlet copies of each document (new byline, paragraphs reordered or the last one
dropped: :func:`pipeline.facts.evaluate.outlet_copy`), goes into a fresh store — its gold triples (the merge alone), and with ``--model`` also the
triples the model finds (the whole job). Precision is the share of merged facts whose
mentions all carry one gold fact, recall the share of gold facts whose mentions all ended
in one merged fact (:mod:`pipeline.facts.evaluate`). Reprint groups are scored pairwise: an
outlet copy belongs with its document, the team's rewrites each stand alone (they are
reworded, not reprinted).

The held-out reprint set (``heldout.jsonl``, written without sight of the merge rules) is
scored the same way: it is the figure to quote.

Speed: the annotated corpus (gold triples of every built econ document, repeated to each
size of ``--articles``) merged into a fresh store, each size and process count in a fresh
process; articles per second, CPU seconds, a second run over the same input (all skipped)
and the peak RSS of the store's process and of its workers (flat memory: the same peak at
5,000 and at 20,000 articles).

    python benchmarks/fact_store.py                   # quality (gold triples) and speed
    python benchmarks/fact_store.py --model default   # also the model's own triples
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.facts import FactStore  # noqa: E402
from pipeline.facts.evaluate import REPRINTS, as_annotated, load_reprints, outlet_copy, score_merge  # noqa: E402


def merge_quality(records: list[dict], *, show: bool = False) -> dict:
    """Merge ``records`` (annotate form, gold ``fact`` per triple) in a fresh store and score it."""
    gold = {(r["id"], i): t.get("fact") for r in records for i, t in enumerate(r["triples"])}
    with tempfile.TemporaryDirectory() as d, FactStore(Path(d) / "store.duckdb") as store:
        store.add(records)
        rows = store.con.execute("SELECT article_id, mention, fact_id, company, program, outcome FROM mentions").fetchall()
        groups = store.con.execute("SELECT article_id, group_id FROM articles").fetchall()
    scores = score_merge((fact, gold[(a, i)]) for a, i, fact, *_ in rows)
    # reprints: an outlet's copy (id "X~outlet") belongs with X; pairwise over articles
    reprints = score_merge((group, article.split("~")[0]) for article, group in groups)
    scores["reprint_groups"] = {k: reprints[k] for k in ("merged_facts", "gold_facts", "pair_precision", "pair_recall")}
    if show:
        by_gold, by_pred = defaultdict(set), defaultdict(set)
        for a, i, fact, *parts in rows:
            by_gold[gold[(a, i)]].add((fact, a, *parts))
            by_pred[fact].add((gold[(a, i)], a, *parts))
        for g, members in sorted(by_gold.items()):
            if len({m[0] for m in members}) > 1:
                print(f"  split {g}:", *sorted(m[1:] for m in members), sep="\n    ")
        for members in by_pred.values():
            if len({m[0] for m in members}) > 1:
                print(f"  merged {sorted({m[0] for m in members})}:", *sorted(members), sep="\n    ")
    return scores


def outlet_copies(docs: list[dict]) -> list[dict]:
    """Two copies of every document as other outlets print a release (byline, order, last paragraph)."""
    out = []
    for doc in docs:
        n = doc["text"].count("\n") + 1
        out.append(outlet_copy(doc, byline="[한빛경제=김민수 기자]", drop_last=True))
        out.append(outlet_copy(doc, byline="[동남일보=이서연 기자]", order=[0, *range(n - 1, 0, -1)]))
    return out


def predicted(docs: list[dict], model: str) -> list[dict]:
    """The model's annotation of the reprint documents, with each predicted triple given the gold
    fact of the gold triple it matches (SCHEMA.md's relaxed rule), or an id of its own."""
    import pipeline
    from pipeline.evaluation.scoring import triple_match

    nlp = pipeline.load(None if model == "default" else model)
    out = []
    for doc in docs:
        rec = pipeline.extract(doc["text"], nlp=nlp, doc_id=doc["id"]).to_dict()
        used = set()
        for i, t in enumerate(rec["triples"]):
            match = next((j for j, g in enumerate(doc["triples"]) if j not in used and triple_match(t, g)), None)
            if match is None:
                t["fact"] = f"{doc['id']}-spurious-{i}"
            else:
                used.add(match)
                t["fact"] = doc["triples"][match]["fact"]
        out.append(rec)
    return out


def _annotated_corpus(path: Path, n_articles: int) -> None:
    """An archive of ``n_articles`` annotated articles made from the gold triples of every built
    econ document: copy ``k`` of a document has its Hangul syllables shifted by ``k // 3`` (same
    offsets, figures and layout; other names and words), so the archive holds distinct articles,
    each printed three times (a reprint group of 3), as a real one would; not 100 copies of one."""
    from functools import cache

    from pipeline.corpora import records

    @cache
    def shift(k: int) -> dict[int, int]:
        return {c: 0xAC00 + (c - 0xAC00 + 97 * k) % 11172 for c in range(0xAC00, 0xAC00 + 11172)}

    base = [json.dumps(as_annotated(r), ensure_ascii=False) for split in ("train", "dev", "test") for r in records("econ", split)]
    with open(path, "w", encoding="utf-8") as f:
        for n in range(n_articles):
            copy, line = divmod(n, len(base))
            record = json.loads(base[line].translate(shift(copy // 3)) if copy >= 3 else base[line])
            record["id"] = f"{record['id']}#{copy}"
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def speed(n_articles: int, n_process: int) -> dict:
    """One measurement, in this (fresh) process: a new store, then a second run over the same input."""
    from pipeline.facts import build

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "annotated.jsonl"
        _annotated_corpus(path, n_articles)
        wall, cpu = time.perf_counter(), time.process_time()
        with build([path], Path(d) / "store.duckdb", n_process=n_process) as store:
            first = store.report
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall2 = time.perf_counter()
        with build([path], Path(d) / "store.duckdb") as store:
            second = store.report
        wall2 = time.perf_counter() - wall2
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "articles": first.added,
        "n_process": n_process,
        "triples": first.mentions,
        "facts": first.facts,
        "seconds": round(wall, 2),
        "articles_per_s": round(first.added / wall),
        "cpu_s_this_process": round(cpu, 2),
        "cpu_s_workers": round(children.ru_utime + children.ru_stime, 2),
        "second_run_skipped": second.skipped,
        "second_run_s": round(wall2, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_worker_mb": round(children.ru_maxrss / 1024),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="also merge this model's triples ('default': the shipped model)")
    ap.add_argument("--articles", default="5000,20000", help="sizes of the speed runs, comma-separated (default: 5000,20000; 0: none)")
    ap.add_argument("--n-process", default="1,2", help="worker processes of the speed runs, comma-separated (default: 1,2)")
    ap.add_argument("--speed-run", nargs=2, type=int, help=argparse.SUPPRESS)  # one measurement in a fresh process
    ap.add_argument("--show", action="store_true", help="print every split and wrongly merged gold fact")
    args = ap.parse_args()
    if args.speed_run:
        print(json.dumps(speed(*args.speed_run)))
        return
    docs = load_reprints()
    print(f"reprint set: {len(docs)} documents, {sum(len(d['triples']) for d in docs)} gold triples")
    docs += outlet_copies(docs)
    print(f"with two outlet copies of each: {len(docs)} documents, {sum(len(d['triples']) for d in docs)} gold triples")
    print("merge of the gold triples:", json.dumps(merge_quality([as_annotated(d) for d in docs], show=args.show)))
    if args.model:
        print(f"merge of the triples of {args.model}:", json.dumps(merge_quality(predicted(docs, args.model), show=args.show)))
    held = load_reprints(REPRINTS.with_name("heldout.jsonl"))
    print(f"held-out reprint set: {len(held)} documents, {sum(len(d['triples']) for d in held)} gold triples")
    print("merge of its gold triples:", json.dumps(merge_quality([as_annotated(d) for d in held], show=args.show)))
    for n in (int(x) for x in args.articles.split(",") if int(x)):
        for p in (int(x) for x in args.n_process.split(",")):
            run = subprocess.run([sys.executable, __file__, "--speed-run", str(n), str(p)], capture_output=True, text=True, check=True)
            print("speed:", run.stdout.strip())


if __name__ == "__main__":
    main()
