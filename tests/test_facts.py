"""The fact store: keys, merging on the team's reprint sets, incremental runs, errors, CLI, Dask."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.facts import FactStore, build
from pipeline.facts.evaluate import REPRINTS, as_annotated, load_reprints, outlet_copy, score_merge
from pipeline.facts.keys import company_key, outcome_key, program_key, same_program

HELDOUT = REPRINTS.with_name("heldout.jsonl")


@pytest.fixture(scope="module")
def reprints() -> list[dict]:
    return [as_annotated(d) for d in load_reprints()]


def _write(records: list[dict], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def _merge_scores(store: FactStore, records: list[dict]) -> dict:
    gold = {(r["id"], i): t["fact"] for r in records for i, t in enumerate(r["triples"])}
    rows = store.con.execute("SELECT article_id, mention, fact_id FROM mentions").fetchall()
    return score_merge((fact, gold[(a, i)]) for a, i, fact in rows)


def test_keys_fold_what_outlets_change():
    assert company_key("㈜대성정밀") == company_key("(주) 대성정밀") == company_key("대성정밀")
    assert company_key("참여기업 768개사") == company_key("31개 스타트업") == company_key("참여한 기업들") == "@group"
    assert company_key("대성기업") == "대성기업"  # a firm whose name ends in 기업 is not a group
    assert program_key("2022년 수출바우처 사업") == program_key("수출 바우처사업")
    assert program_key("중진공 수출바우처사업", ("중진공",)) == program_key("수출바우처")
    assert same_program(program_key("실증 지원 프로그램"), program_key("스타트업 실증 지원사업"))
    assert not same_program(program_key("수출바우처"), program_key("창업도약패키지"))
    # the same result: a shared figure, however written
    assert outcome_key("수출실적은 1억7222만달러로 전년도보다 47.7% 증가").same(outcome_key("수출이 47.7퍼센트 늘었다"))
    assert outcome_key("96만달러(약 10억원)의 매출").same(outcome_key("약 10억 원(96만 달러)의 매출"))
    # not the same: another figure, or the same figure of another metric
    assert not outcome_key("매출 217억원").same(outcome_key("매출 113억원"))
    assert not outcome_key("매출 20억원").same(outcome_key("수출 20억원"))


def test_reprint_set_merges_into_its_gold_facts(tmp_path, reprints):
    with FactStore(tmp_path / "s.duckdb") as store:
        report = store.add(reprints)
        scores = _merge_scores(store, reprints)
        n_facts = store.con.execute("SELECT count(*) FROM facts").fetchone()[0]
    assert report.added == len(reprints) and not report.errors
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert abs(n_facts - scores["gold_facts"]) <= 0.1 * scores["gold_facts"]


def test_held_out_reprint_set_merges_into_its_gold_facts(tmp_path):
    records = [as_annotated(d) for d in load_reprints(HELDOUT)]
    with FactStore(tmp_path / "s.duckdb") as store:
        store.add(records)
        scores = _merge_scores(store, records)
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores


def test_outlet_copies_form_reprint_groups_and_count_once(tmp_path, reprints):
    doc = next(d for d in load_reprints() if d["text"].count("\n") >= 3 and len(d["triples"]) >= 2)
    copies = [outlet_copy(doc, byline="[가나일보=홍길동 기자]"), outlet_copy(doc, byline="[다라경제=김철수 기자]", drop_last=True)]
    records = [as_annotated(d) for d in [doc, *copies]]
    with FactStore(tmp_path / "s.duckdb") as store:
        store.add(records)
        groups = store.con.execute("SELECT n_articles FROM reprint_groups").fetchall()
        facts = store.con.execute("SELECT n_articles, n_groups, score FROM facts").fetchall()
    assert groups == [(3,)]
    assert facts and all(n_groups == 1 and n_articles >= 2 for n_articles, n_groups, _ in facts)
    # one release counts once: the score of a fact is that of its best mention, not boosted by copies
    assert all(score == 1.0 for *_, score in facts)


def test_second_run_adds_only_new_articles_and_equals_one_run(tmp_path, reprints):
    half = len(reprints) // 2
    first, rest = _write(reprints[:half], tmp_path / "a.jsonl"), _write(reprints[half:], tmp_path / "b.jsonl")
    with build([first], tmp_path / "inc.duckdb") as store:
        assert store.report.added == half
    with build([first, rest], tmp_path / "inc.duckdb") as store:
        assert (store.report.added, store.report.skipped) == (len(reprints) - half, half)
        incremental = store.con.execute("SELECT fact_id, n_mentions, n_articles, n_groups, score FROM facts ORDER BY fact_id").fetchall()
        runs = store.con.execute("SELECT count(*) FROM runs").fetchone()[0]
    with build([first, rest], tmp_path / "once.duckdb") as store:
        once = store.con.execute("SELECT fact_id, n_mentions, n_articles, n_groups, score FROM facts ORDER BY fact_id").fetchall()
    assert incremental == once and runs == 2


def test_bad_records_are_named_and_the_rest_stored(tmp_path, reprints):
    good = reprints[:3]
    no_text = {k: v for k, v in reprints[3].items() if k != "text"}
    changed = {**reprints[0], "text": reprints[0]["text"] + " 추가 문장."}
    with FactStore(tmp_path / "s.duckdb") as store:
        report = store.add([*good, no_text, changed])
    assert report.added == 3
    assert any(reprints[3]["id"] in e and "no text" in e for e in report.errors)
    assert any(reprints[0]["id"] in e and "twice" in e for e in report.errors)
    with FactStore(tmp_path / "s.duckdb") as store:
        report = store.add([changed])
    assert report.added == 0 and "another text" in report.errors[0]


def test_cli_writes_duckdb_parquet_and_csv(tmp_path, reprints):
    src = _write(reprints, tmp_path / "annotated.jsonl")
    store = tmp_path / "facts.duckdb"
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "facts", str(src), "-o", str(store), "--format", "parquet", "--format", "csv"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert f"{len(reprints)} articles added" in run.stderr
    con = duckdb.connect(str(store), read_only=True)
    n_facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == sum(len(r["triples"]) for r in reprints)
    con.close()
    with open(tmp_path / "facts.duckdb.facts.csv", encoding="utf-8") as f:
        assert f.read(1) == "\ufeff"  # BOM: Excel opens Korean right
    with open(tmp_path / "facts.duckdb.facts.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n_facts and all(r["company"] and r["outcome"] for r in rows)
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "facts.duckdb.parquet" / "facts.parquet").num_rows == n_facts
    again = subprocess.run([sys.executable, "-m", "pipeline", "facts", str(src), "-o", str(store)], capture_output=True, text=True)
    assert again.returncode == 0 and f"0 articles added ({len(reprints)} already in the store" in again.stderr


def test_dask_shards_give_the_store_a_local_run_gives(tmp_path, reprints):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    from pipeline.facts import distributed as dist

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shards = [reprints[i : i + 30] for i in range(0, len(reprints), 30)]
    for i, shard in enumerate(shards):
        _write(shard, run_dir / f"shard-{i:05d}.jsonl")
    manifest = {"shards": [{"index": i, "output": f"shard-{i:05d}.jsonl"} for i in range(len(shards))]}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, Client(cluster) as client:
        with dist.build(run_dir, tmp_path / "dask.duckdb", client=client) as store:
            assert store.report.added == len(reprints)
            merged = store.con.execute("SELECT fact_id, n_mentions, n_articles, score FROM facts ORDER BY fact_id").fetchall()
    with build([run_dir], tmp_path / "local.duckdb") as store:
        local = store.con.execute("SELECT fact_id, n_mentions, n_articles, score FROM facts ORDER BY fact_id").fetchall()
    assert merged == local and len(merged) > 10
