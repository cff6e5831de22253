"""Annotation over a Dask cluster: shards cover the inputs exactly, the model is loaded once
per worker, and the union of the shard outputs is a local run's output, record for record."""

import csv
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[distributed]'")

from pipeline.cli.main import main  # noqa: E402
from pipeline.io import readers
from pipeline.io.records import MAX_CHARS
from pipeline.runners import batch, distributed  # noqa: E402
from pipeline.runners.models import LOADS

SENTENCES = [
    "백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다.",
    "NHC미디어는 클러스터사업에 참여해 한국콘텐츠진흥원장상을 받았다.",
    "수출바우처 사업 참여기업의 수출액은 전년보다 12% 늘었다. 회사는 상장을 준비한다.",
]


def make_corpus(d):
    d.mkdir()
    with open(d / "a.jsonl", "w", encoding="utf-8") as f:
        for i in range(53):
            if i == 17:
                f.write("{broken json\n")
            elif i == 30:
                f.write("\n")  # a blank line: no record
            else:
                f.write(json.dumps({"id": f"a{i}", "text": SENTENCES[i % 3] if i != 41 else ""}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"text": "마지막 줄, 줄바꿈 없음."}, ensure_ascii=False))
    pq.write_table(pa.table({"text": [SENTENCES[i % 3] + f" {i}" for i in range(21)]}), d / "b.parquet", row_group_size=3)
    for i in range(5):
        (d / f"c{i}.txt").write_text(SENTENCES[i % 3], encoding="utf-8")
    with open(d / "d.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([["d1", SENTENCES[0]], ["d2", None], ["d3", SENTENCES[2]]])
    return d


def shard_lines(shards, **kw):
    return [[(r.source, r.line) for r in distributed._shard_records(s, "text", "id", MAX_CHARS)] for s in shards]


def test_plan_shards_cover_every_record_once(tmp_path):
    d = make_corpus(tmp_path / "in")
    everything = [(r.source, r.line) for r in batch.iter_records(readers.expand([str(d)]))]
    shards = distributed.plan_shards([str(d)], shard_size=10)
    per_shard = shard_lines(shards)
    assert [pos for s in per_shard for pos in s] == everything  # in order, none lost, none twice
    a = [s for s in shards if s.pieces[0].name.endswith("a.jsonl")]
    assert [s.pieces[0].first_line for s in a] == [1, 11, 21, 31, 41, 51]
    b = [s.pieces[0].row_groups for s in shards if s.pieces[0].name.endswith("b.parquet")]
    assert b == [[0, 1, 2, 3], [4, 5, 6]]
    assert [len(s.pieces) for s in shards if s.pieces[0].name.endswith(".txt")] == [5]  # small files grouped
    assert [s.index for s in shards] == list(range(len(shards)))


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, Client(cl) as client:
        yield cl, client


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    d = make_corpus(tmp_path_factory.mktemp("dist") / "in")
    out = d.parent / "local.jsonl"
    batch.run("blank", [str(d)], str(out), progress=False)
    read = lambda p: [json.loads(line) for line in open(p, encoding="utf-8")]  # noqa: E731
    return d, read(out), read(f"{out}.errors.jsonl")


def test_cluster_run_equals_local_run_and_resumes(tmp_path, cluster, local_run):
    cl, client = cluster
    d, records, errors = local_run
    assert len(records) == 79 and len(errors) == 3
    out = tmp_path / "out"
    manifest = distributed.annotate([str(d)], out, client=client, model="blank", shard_size=10)
    assert list(distributed.read_records(out)) == records
    assert list(distributed.read_errors(out)) == errors
    assert manifest["totals"]["documents"] == 79 and manifest["totals"]["errors"] == 3
    assert len(manifest["shards"]) == 10 and json.loads((out / "manifest.json").read_text()) == manifest
    # an error file only for the shards that had errors
    with_errors = {e["error_file"] for e in manifest["shards"] if e["errors"]}
    assert 1 <= len(with_errors) <= 3 and None not in with_errors
    assert {p.name for p in out.glob("*.errors.jsonl")} == with_errors
    assert all(e["error_file"] is None for e in manifest["shards"] if not e["errors"])
    assert sum(e["records"] for e in manifest["shards"]) == 82
    # the model was loaded once on each worker, whatever the number of shards
    assert set(client.run(lambda: LOADS.get("blank")).values()) == {1}
    assert len(client.scheduler_info()["workers"]) == 2

    # resume: finished shards are kept, a lost one is redone
    lost = manifest["shards"][3]
    (out / lost["output"]).unlink()
    kept = out / manifest["shards"][5]["output"]
    mtime = kept.stat().st_mtime_ns
    again = distributed.annotate([str(d)], out, client=client, model="blank", shard_size=10, resume=True)
    assert again["totals"]["skipped"] == 82 - lost["records"]
    assert kept.stat().st_mtime_ns == mtime
    assert list(distributed.read_records(out)) == records


def test_cli_dask_engine_parquet(tmp_path, cluster, local_run):
    from datasets import load_dataset

    cl, _ = cluster
    d, records, errors = local_run
    out = tmp_path / "out"
    args = ["annotate", str(d), "-o", str(out), "-m", "blank", "--engine", "dask", "--scheduler", cl.scheduler_address]
    assert main([*args, "--format", "parquet", "--shard-size", "25", "-q"]) == 0
    assert list(distributed.read_records(out)) == records
    assert list(distributed.read_errors(out)) == errors
    ds = load_dataset("parquet", data_files=str(out / "shard-*.parquet"), split="train")
    assert ds["id"] == [r["id"] for r in records]
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
    assert main(["annotate", "-", *args[2:]]) == 2  # stdin cannot be sharded
