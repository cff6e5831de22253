"""The Label Studio review loop: annotate output as predictions, reviews read back and compared; the last test with a live server."""

import copy
import json
import os
import select
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.corpora import labelstudio, review
from pipeline.corpora.econ import IMPLIED

#: written by the team for these tests (a fact in one sentence, one across two)
TEXTS = [
    "자동차 전장부품 제조기업 백억전자는 중진공의 사업전환 컨설팅 지원사업에 참여해 매출 163.3% 증가를 기록했다.",
    "한국산업단지공단은 클러스터사업을 운영한다. 클러스터사업에 참여한 NHC미디어는 한국콘텐츠진흥원장상을 받았다.",
]


@pytest.fixture(scope="module")
def annotated(tmp_path_factory, data_dir):
    """Real annotate output (the shipped model) of the seed article and two team sentences."""
    from pipeline.corpora.sources import read_seed

    d = tmp_path_factory.mktemp("ls")
    src = d / "news.jsonl"
    rows = [{"id": "seed", "text": read_seed(data_dir)}] + [{"id": f"t{i}", "text": t} for i, t in enumerate(TEXTS)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = d / "out.jsonl"
    assert main(["annotate", str(src), "-o", str(out), "-q"]) == 0
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert any(d["triples"] for d in docs), "the seed article gives triples"
    return out, docs


def test_annotate_output_exports_as_predictions_and_reads_back_loss_free(annotated, tmp_path, capsys):
    out, docs = annotated
    tasks_path = tmp_path / "tasks.json"
    assert main(["corpus", "export", str(out), "-o", str(tasks_path)]) == 0
    assert f"{len(docs)} as predictions" in capsys.readouterr().out
    run = json.loads(out.with_name(out.name + ".run.json").read_text(encoding="utf-8"))["model"]
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    for doc, task in zip(docs, tasks):
        assert "annotations" not in task, "model output is no person's annotation"
        (pred,) = task["predictions"]
        assert pred["model_version"] == f"{run['name']} {run['version']}"
        regions = [r for r in pred["result"] if r["type"] == "labels"]
        assert [(r["id"], r["value"]["start"], r["value"]["end"], r["score"]) for r in regions] == [
            (e["id"], e["start"], e["end"], e["score"]) for e in doc["entities"]
        ]
        for r in regions:
            assert doc["text"][r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
        rels = [r for r in pred["result"] if r["type"] == "relation"]
        assert [(r["from_id"], r["to_id"], r["labels"], r["score"]) for r in rels] == [
            (r["head"], r["tail"], [r["label"]], r["score"]) for r in doc["relations"]
        ]
        assert len(task["data"]["triples"]) == len(doc["triples"])
    back = tmp_path / "back.jsonl"
    assert main(["corpus", "import", str(tasks_path), "-o", str(back)]) == 0
    assert f"{len(docs)} not reviewed" in capsys.readouterr().out
    assert [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()] == docs


def test_export_of_model_output_names_the_record_without_a_model(annotated, tmp_path, capsys):
    _, docs = annotated
    bare = tmp_path / "copied.jsonl"  # no copied.jsonl.run.json beside it
    bare.write_text(json.dumps(docs[0], ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["corpus", "export", str(bare), "-o", str(tmp_path / "t.json")]) == 1
    err = capsys.readouterr().err
    assert f"{bare}:1 ({docs[0]['id']})" in err and "--model-version" in err
    assert main(["corpus", "export", str(bare), "-o", str(tmp_path / "t.json"), "--model-version", "mine 1"]) == 0
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))[0]["predictions"][0]["model_version"] == "mine 1"


def _reviewed(task: dict) -> tuple[dict, dict]:
    """A reviewer's edits of a predicted task, and what they did (to check the report against)."""
    task = copy.deepcopy(task)
    result = [r for r in task["predictions"][0]["result"]]
    regions = [r for r in result if r["type"] == "labels"]
    text = task["data"]["text"]
    used = {ids[0] for t in task["data"]["triples"] for ids in t.values() if isinstance(ids, list) and ids and isinstance(ids[0], str)}
    triples = task["data"]["triples"]
    removed = next(r for r in regions if [r["id"]] == triples[-1]["outcome"])  # a part of the last triple
    in_others = {
        ids[0]
        for t in triples
        if t["outcome"] != [removed["id"]]
        for ids in t.values()
        if isinstance(ids, list) and ids and isinstance(ids[0], str)
    }
    linked = {x for r in result if r["type"] == "relation" for x in (r["from_id"], r["to_id"])}
    relabel = next(r for r in regions if r["id"] not in used | linked and r["value"]["labels"] != ["PROGRAM"])  # no relation to break
    rebound = next(r for r in regions if r["id"] in in_others and r["value"]["end"] - r["value"]["start"] > 2)
    redrawn = next(
        r for r in regions if r["id"] not in used and r not in (removed, relabel) and r["value"]["end"] - r["value"]["start"] > 2
    )
    kept_rels = [r for r in result if r["type"] == "relation" and removed["id"] not in (r["from_id"], r["to_id"])]
    edited = []
    for r in regions:
        if r is removed:
            continue
        r = copy.deepcopy(r)
        r.pop("score", None)
        if r["id"] == relabel["id"]:
            r["value"]["labels"] = ["PROGRAM"]
        if r["id"] in (rebound["id"], redrawn["id"]):  # shortened by one character: resized (same id) or redrawn (new id)
            r["id"] = "new-1" if r["id"] == redrawn["id"] else r["id"]
            r["value"]["end"] -= 1
            r["value"]["text"] = text[r["value"]["start"] : r["value"]["end"]]
        edited.append(r)
    added = {
        "id": "new-2",
        "type": "labels",
        "from_name": "label",
        "to_name": "text",
        "value": {"start": 0, "end": 2, "text": text[:2], "labels": ["COMPANY"]},
    }
    edited.append(added)
    remap = {redrawn["id"]: "new-1"}
    edited += [{**r, "from_id": remap.get(r["from_id"], r["from_id"]), "to_id": remap.get(r["to_id"], r["to_id"])} for r in kept_rels]
    edited.append({"from_id": "new-2", "to_id": relabel["id"], "type": "relation", "direction": "right", "labels": ["PARTICIPATES_IN"]})
    dropped = [n for n, t in enumerate(task["data"]["triples"]) if [removed["id"]] in t.values()]
    task["annotations"] = [
        {"result": [], "was_cancelled": False, "updated_at": "2026-12-02T10:00:00Z"},  # older
        {"result": edited, "was_cancelled": False, "updated_at": "2026-12-02T11:00:00Z"},  # the one to take
        {"result": [], "was_cancelled": True, "updated_at": "2026-12-02T12:00:00Z"},  # skipped: ignored
    ]
    n_rel_removed = sum(1 for r in result if r["type"] == "relation") - len(kept_rels)
    facts = {"removed": removed["id"], "relabel": relabel["id"], "rebound": rebound["id"], "redrawn": redrawn["id"], "dropped": dropped}
    facts["relations_removed"] = n_rel_removed
    return task, facts


def test_review_is_read_back_and_its_changes_reported(annotated, tmp_path, capsys):
    _, docs = annotated
    seed = docs[0]
    task = labelstudio.to_task(seed, "m 1")
    reviewed, facts = _reviewed(task)
    untouched = labelstudio.to_task(docs[1], "m 1")
    path = tmp_path / "export.json"
    path.write_text(json.dumps([reviewed, untouched], ensure_ascii=False), encoding="utf-8")
    out, report = tmp_path / "reviewed.jsonl", tmp_path / "changes.json"
    assert main(["corpus", "import", str(path), "-o", str(out), "--reviewed-only", "--report", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "1 of 2 tasks reviewed" in printed and "1 not reviewed (left out)" in printed
    (doc,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]  # the unreviewed task left out
    assert doc["id"] == seed["id"] and doc["meta"]["reviewed_from"] == "m 1"
    assert all("score" not in e for e in doc["entities"]), "a reviewed record is gold: no model scores"
    assert {e["id"] for e in doc["entities"]} == {e["id"] for e in seed["entities"]} - {facts["removed"], facts["redrawn"]} | {
        "new-1",
        "new-2",
    }
    assert len(doc["triples"]) == len(seed["triples"]) - len(facts["dropped"])
    shortened = next(e for e in doc["entities"] if e["id"] == facts["rebound"])
    followed = [t for t in doc["triples"] for slot in t.values() if slot and slot["entity"] == facts["rebound"]]
    assert followed and all(s["end"] == shortened["end"] for t in followed for s in t.values() if s and s["entity"] == facts["rebound"])
    for t in doc["triples"]:
        for slot in t.values():
            if slot:
                assert doc["text"][slot["start"] : slot["end"]] == slot["text"]
    assert main(["corpus", "validate", str(out)]) == 0, capsys.readouterr().out
    (change,) = json.loads(report.read_text(encoding="utf-8"))["changes"]
    assert [e["id"] for e in change["entities_removed"]] == [facts["removed"]]
    assert [e["id"] for e in change["entities_added"]] == ["new-2"]
    assert [e["id"] for e in change["relabelled"]] == [facts["relabel"]]
    assert sorted((e["id"], e["was"]["end"] - e["end"]) for e in change["rebounded"]) == sorted([(facts["rebound"], 1), ("new-1", 1)])
    assert len(change["relations_removed"]) == facts["relations_removed"]
    assert [(r["head"], r["label"]) for r in change["relations_added"]] == [("new-2", "PARTICIPATES_IN")]
    assert change["triples_dropped"] == facts["dropped"]
    assert review.totals([change])["entities_added"] == 1


def test_a_relation_the_reviewer_removed_takes_its_triples_and_kept_triples_bring_theirs(annotated, tmp_path, capsys):
    seed = annotated[1][0]
    task = labelstudio.to_task(seed, "m 1")
    result = task["predictions"][0]["result"]
    implied = {n: {(t[h][0], label, t[tl][0]) for h, label, tl in IMPLIED if t[h] and t[tl]} for n, t in enumerate(task["data"]["triples"])}
    cut = next(
        r for r in result if r["type"] == "relation" and any((r["from_id"], r["labels"][0], r["to_id"]) in k for k in implied.values())
    )
    key = (cut["from_id"], cut["labels"][0], cut["to_id"])
    task["annotations"] = [{"result": [r for r in result if r is not cut]}]
    doc, dropped = labelstudio.read_task(task)
    assert dropped == [n for n, k in implied.items() if key in k] and len(doc["triples"]) == len(implied) - len(dropped)
    assert key not in {(r["head"], r["label"], r["tail"]) for r in doc["relations"]}
    out = tmp_path / "reviewed.jsonl"
    out.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["corpus", "validate", str(out)]) == 0, capsys.readouterr().out  # the kept triples' relations were added


def test_a_triple_naming_a_region_nobody_made_is_still_an_error(annotated):
    task = labelstudio.to_task(annotated[1][0], "m 1")
    task["annotations"] = [{"result": task["predictions"][0]["result"]}]
    task["data"]["triples"].append({"company": ["nope"], "program": None, "outcome": None, "agency": None})
    with pytest.raises(labelstudio.TaskError, match="unknown regions"):
        labelstudio.from_task(task, 3)


# -- against a real Label Studio, from a venv of its own ----------------------------------------------
# Label Studio cannot live in the project's environment (it pins pyarrow <25, its SDK numpy <2.3): the
# README's labelstudio-install block makes `.venv-labelstudio/`; LABEL_STUDIO_VENV names another one.
# The server runs from that venv, and every SDK call is one run of tests/labelstudio_client.py by that
# venv's Python; what comes back is JSON, checked here with the project's own code.

LS_TOKEN = "0123456789abcdef0123456789abcdef01234567"  # the local test server's API token, nothing else
LS_CLIENT = Path(__file__).with_name("labelstudio_client.py")
INSTALL_HINT = "make it with the README's labelstudio-install block, or point LABEL_STUDIO_VENV at one"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _label_studio_venv() -> Path:
    """The venv holding the server and the SDK: $LABEL_STUDIO_VENV, else .venv-labelstudio/ in the checkout."""
    named = os.environ.get("LABEL_STUDIO_VENV")
    venv = Path(named) if named else Path(__file__).resolve().parent.parent / ".venv-labelstudio"
    where = f"LABEL_STUDIO_VENV={named}" if named else str(venv)
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"no Label Studio venv at {where}: {INSTALL_HINT}")
    if not (venv / "bin" / "label-studio").exists():
        pytest.skip(f"{where} has no label-studio server (bin/label-studio): {INSTALL_HINT}")
    return venv


def _own_env(**extra: str) -> dict[str, str]:
    """This process's environment without what ties it to the project's venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


class LabelStudioClient:
    """The SDK calls the live test makes, run by labelstudio_client.py --serve in the Label Studio venv.

    One process serves them all: importing the SDK alone takes 10-25 s on a loaded machine.
    """

    def __init__(self, python: Path, url: str, workdir: Path):
        self.workdir, self.calls = workdir, 0
        self.log = open(workdir / "client.log", "w", encoding="utf-8")
        cmd = [str(python), str(LS_CLIENT), "--url", url, "--token", LS_TOKEN, "--serve"]
        self.proc = subprocess.Popen(cmd, env=_own_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def _run(self, op: str, *args: str) -> object:
        self.calls += 1
        out = self.workdir / f"answer-{self.calls}.json"
        self.proc.stdin.write(json.dumps(["--out", str(out), op, *args]) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 600)
        line = self.proc.stdout.readline() if ready else ""
        if line:
            reply = json.loads(line)
        else:
            reply = {"error": f"the client exited ({self.proc.poll()})" if ready else "no answer in 10 minutes"}
        if "error" in reply:
            self.log.flush()
            tail = (self.workdir / "client.log").read_text(encoding="utf-8", errors="replace")[-4000:]
            pytest.fail(f"labelstudio_client.py {op} {' '.join(args)}: {reply['error']}\n{tail}")
        return json.loads(out.read_text(encoding="utf-8"))

    def _file(self, name: str, content: object) -> str:
        self.calls += 1
        path = self.workdir / f"{name}-{self.calls}.json"
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def create_project(self, title: str, config: Path) -> int:
        return self._run("create-project", "--title", title, "--config", str(config))["id"]

    def import_tasks(self, project: int, tasks: list[dict]) -> dict:
        return self._run("import-tasks", "--project", str(project), "--tasks", self._file("tasks", tasks))

    def export(self, project: int, full: bool = True) -> list[dict]:
        return self._run("export", "--project", str(project), *(["--full"] if full else []))

    def annotate(self, task: int, result: list[dict], cancelled: bool = False, parent_prediction: int | None = None) -> int:
        args = ["--task", str(task), "--result", self._file("result", result)]
        args += ["--cancelled"] if cancelled else []
        args += ["--parent-prediction", str(parent_prediction)] if parent_prediction is not None else []
        return self._run("annotate", *args)["id"]


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """A Label Studio server from its own venv on a free local port with a fresh data directory, and a client.

    It takes one to three minutes to start (it migrates a new SQLite database); a legacy
    API token is enabled so the test can use a fixed token.
    """
    venv = _label_studio_venv()
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import label_studio_sdk"], env=_own_env(), capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"label_studio_sdk does not import in {venv}: {INSTALL_HINT}\n{probe.stderr[-1000:]}")
    data = tmp_path_factory.mktemp("label-studio")
    port = _free_port()
    env = _own_env(
        LABEL_STUDIO_USERNAME="reviewer@example.com",
        LABEL_STUDIO_PASSWORD="local-test-only",
        LABEL_STUDIO_USER_TOKEN=LS_TOKEN,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_BASE_DATA_DIR=str(data),
    )
    log = open(data / "server.log", "wb")
    exe = venv / "bin" / "label-studio"
    started = time.monotonic()
    server = subprocess.Popen(
        [str(exe), "start", "--no-browser", "--port", str(port), "--data-dir", str(data / "data"), "--internal-host", "127.0.0.1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its worker processes go down with it
    )
    url = f"http://127.0.0.1:{port}"
    client = None
    try:
        client = LabelStudioClient(venv / "bin" / "python", url, data)  # imports the SDK while the server starts
        deadline = started + 600
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            tail = (data / "server.log").read_bytes()[-3000:].decode(errors="replace")
            assert server.poll() is None, f"label-studio exited with {server.returncode}:\n{tail}"
            assert time.monotonic() < deadline, f"label-studio did not answer /health in 10 minutes:\n{tail}"
            time.sleep(1)
        print(f"\nlabel-studio answered /health after {time.monotonic() - started:.0f} s")
        yield client
    finally:
        if client is not None:
            client.close()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.mark.slow  # the server takes one to three minutes to start
def test_predictions_go_through_label_studio_and_come_back_loss_free(annotated, label_studio, tmp_path, capsys):
    out, docs = annotated
    tasks_path, config = tmp_path / "tasks.json", tmp_path / "config.xml"
    assert main(["corpus", "export", str(out), "-o", str(tasks_path), "--config", str(config)]) == 0
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    project = label_studio.create_project("econ review", config)
    imported = label_studio.import_tasks(project, tasks)
    assert imported["task_count"] == len(docs) and imported["prediction_count"] == len(docs)

    def read_back(export: list[dict], *extra: str) -> tuple[int, list[dict]]:
        path, back = tmp_path / "export.json", tmp_path / "back.jsonl"
        path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
        back.unlink(missing_ok=True)
        rc = main(["corpus", "import", str(path), "-o", str(back), *extra])
        return rc, [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()] if rc == 0 else []

    full = label_studio.export(project)
    for task in full:
        (pred,) = task["predictions"]
        assert pred["model_version"] == tasks[0]["predictions"][0]["model_version"]
    assert read_back(full) == (0, docs), "entities, relations, triples and scores survive Label Studio"

    plain = label_studio.export(project, full=False)
    assert all(isinstance(p, int) for t in plain for p in t["predictions"]), "the plain export lists predictions by id"
    assert read_back(plain)[0] == 1 and "--predictions" in capsys.readouterr().err
    assert read_back(plain, "--predictions", str(tasks_path)) == (0, docs)

    # a reviewer corrects the seed article, then skips it in a second pass (a cancelled annotation)
    seed = next(t for t in full if t["data"]["id"] == docs[0]["id"])
    reviewed, facts = _reviewed(seed)
    edited = reviewed["annotations"][1]["result"]
    label_studio.annotate(seed["id"], edited, parent_prediction=seed["predictions"][0]["id"])
    label_studio.annotate(seed["id"], [], cancelled=True)
    path, back, report = tmp_path / "reviewed.json", tmp_path / "reviewed.jsonl", tmp_path / "changes.json"
    path.write_text(json.dumps(label_studio.export(project), ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["corpus", "import", str(path), "-o", str(back), "--reviewed-only", "--report", str(report)]) == 0
    assert f"1 of {len(docs)} tasks reviewed" in capsys.readouterr().out
    (doc,) = [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()]
    assert doc["id"] == docs[0]["id"] and len(doc["triples"]) == len(docs[0]["triples"]) - len(facts["dropped"])
    (change,) = json.loads(report.read_text(encoding="utf-8"))["changes"]
    assert [e["id"] for e in change["entities_removed"]] == [facts["removed"]]
    assert [e["id"] for e in change["relabelled"]] == [facts["relabel"]]
    assert sorted(e["id"] for e in change["rebounded"]) == sorted([facts["rebound"], "new-1"])
    assert [e["id"] for e in change["entities_added"]] == ["new-2"]
    assert change["triples_dropped"] == facts["dropped"]

    # the reviewed record is gold now: it goes back as an annotation and returns unchanged
    gold_tasks = tmp_path / "gold.json"
    assert main(["corpus", "export", str(back), "-o", str(gold_tasks), "--config", str(config)]) == 0
    gold = json.loads(gold_tasks.read_text(encoding="utf-8"))
    assert "predictions" not in gold[0] and len(gold[0]["annotations"]) == 1
    again = label_studio.create_project("econ gold", config)
    assert label_studio.import_tasks(again, gold)["annotation_count"] == 1
    assert read_back(label_studio.export(again)) == (0, [doc])
