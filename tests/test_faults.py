"""Fault injection for batch annotation: what a hostile user does to ``annotate``.

Each test reproduces one defect that a deliberate attempt to break the batch
runner found (kills with and without workers, changed inputs, concurrent runs,
damaged files, crafted Label Studio exports and model configs) and checks that
nothing is lost, duplicated or silently altered. Runs use ``-m blank`` (Kiwi
only): the model is not the point.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.io import readers, writers

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다.",
    "NHC미디어는 클러스터사업에 참여해 한국콘텐츠진흥원장상을 받았다.",
    "경기중기청은 수출바우처 사업으로 132개사를 지원한다. 참여기업의 수출은 21.9% 늘었다.",
]


def annotate(*args: str) -> int:
    return main(["annotate", *args, "-m", "blank", "-q"])


def write_jsonl(path: Path, n: int, start: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"id": f"n{i}", "text": TEXTS[i % 3]}, ensure_ascii=False) + "\n")
    return path


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """12,000 records (a run of several seconds with two workers) and a clean run's output."""
    d = tmp_path_factory.mktemp("big")
    src = write_jsonl(d / "big.jsonl", 12_000)
    ref = d / "ref.jsonl"
    assert annotate(str(src), "-o", str(ref)) == 0
    return src, read_jsonl(ref)


def _session_processes(sid: int) -> list[int]:
    """Processes of a session (a run started with start_new_session), by /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
                pids.append(int(entry.name))
    return pids


def _start(src: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "annotate", str(src), "-o", str(out), "-m", "blank", "-q", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for(cond, proc: subprocess.Popen, what: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not cond():
        assert proc.poll() is None, f"run ended before {what}: {proc.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, f"no {what} in time"
        time.sleep(0.02)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


# 1 -- the output is never an input ---------------------------------------------------------------


def test_output_naming_the_input_is_refused_and_the_input_kept(tmp_path, capsys):
    src = write_jsonl(tmp_path / "same.jsonl", 5)
    before = src.read_bytes()
    assert annotate(str(src), "-o", str(src)) == 2
    assert "would destroy the input" in capsys.readouterr().err
    os.link(src, tmp_path / "hard.jsonl")  # the same inode under another name
    assert annotate(str(src), "-o", str(tmp_path / "hard.jsonl")) == 2
    d = tmp_path / "in"
    d.mkdir()
    write_jsonl(d / "a.jsonl", 3)
    assert annotate(str(d), "-o", str(d / "out.jsonl")) == 2
    assert "inside the input directory" in capsys.readouterr().err
    assert src.read_bytes() == before and sorted(p.name for p in d.iterdir()) == ["a.jsonl"]


# 2 -- workers die with the main process; SIGTERM leaves a resumable output -----------------------


def test_kill_9_with_workers_leaves_no_process_and_resumes(tmp_path, big):
    src, ref = big
    out = tmp_path / "out.jsonl"
    proc = _start(src, out, "--n-process", "2", "--batch-size", "64")
    _wait_for(lambda: _lines(out) >= 500, proc, "output")
    assert len(_session_processes(proc.pid)) >= 3  # main, forkserver, workers (and the resource tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(proc.pid) == [], "workers, forkserver or resource tracker outlived the killed run"
    assert annotate(str(src), "-o", str(out), "--resume") == 0
    assert read_jsonl(out) == ref


@pytest.mark.parametrize("workers", [["--n-process", "2"], []], ids=["two-workers", "one-process"])
def test_sigterm_shuts_down_cleanly_and_resumes(tmp_path, big, workers):
    """In one process the signal arrives inside the pipeline, whose per-text error handling
    must not take it for a failed text (an error record, or a run that goes on to the end)."""
    src, ref = big
    out = tmp_path / "out.jsonl"
    proc = _start(src, out, *workers, "--batch-size", "64")
    _wait_for(lambda: _lines(out) >= 500, proc, "output")
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert "rerun with --resume" in proc.stderr.read().decode()
    deadline = time.monotonic() + 20
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(proc.pid) == []
    assert not Path(f"{out}.lock").exists()
    assert annotate(str(src), "-o", str(out), "--resume") == 0
    assert read_jsonl(out) == ref


# 3 -- resume checks that the output belongs to these inputs -------------------------------------


def test_resume_refuses_an_input_that_changed(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", 40)
    out = tmp_path / "out.jsonl"
    assert annotate(str(src), "-o", str(out)) == 0
    done = out.read_bytes()
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    src.write_text(json.dumps({"id": "new", "text": TEXTS[0]}, ensure_ascii=False) + "\n" + "".join(lines), encoding="utf-8")
    assert annotate(str(src), "-o", str(out), "--resume") == 2
    assert "changed since the run started" in capsys.readouterr().err
    src.write_text("".join(lines[1:]), encoding="utf-8")  # one record deleted
    assert annotate(str(src), "-o", str(out), "--resume") == 2
    assert out.read_bytes() == done  # refused, not extended
    other = write_jsonl(tmp_path / "other.jsonl", 40)
    assert annotate(str(other), "-o", str(out), "--resume") == 2
    assert main(["annotate", str(src), "-o", str(out), "-q", "--resume", "--text-field", "body", "-m", "blank"]) == 2
    assert "option text_field" in capsys.readouterr().err


# 4 -- one run per output ------------------------------------------------------------------------


def test_a_second_run_on_the_same_output_refuses_and_names_the_first(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    holder = subprocess.Popen(  # a first run, reduced to what matters: it holds the output's lock
        [
            sys.executable,
            "-c",
            "import sys, time; from pipeline.io.runstate import OutputLock; "
            "OutputLock(sys.argv[1]).acquire(); print('locked', flush=True); time.sleep(120)",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = subprocess.run(
            [sys.executable, "-m", "pipeline", "annotate", str(src), "-o", str(out), "-m", "blank", "-q"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert second.returncode == 2
        assert f"pid {holder.pid}" in second.stderr and "another run" in second.stderr
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    assert annotate(str(src), "-o", str(out)) == 0  # the lock went with the process that held it
    assert len(read_jsonl(out)) == 30


# 5, 6 -- strict CSV; an unreadable file is an error record ---------------------------------------


def test_unterminated_csv_quote_swallows_nothing(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,text\n1,"매출이 늘었다.\n2,수출이 늘었다.\n3,고용이 늘었다.\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert annotate(str(src), "-o", str(out)) == 0
    assert [r["id"] for r in read_jsonl(out)] == ["2", "3"]
    (err,) = read_jsonl(f"{out}.errors.jsonl")
    assert err["line"] == 2 and "malformed CSV row starting on line 2" in err["reason"]


def test_unreadable_file_is_an_error_record_and_the_run_goes_on(tmp_path, monkeypatch):
    a = write_jsonl(tmp_path / "a.jsonl", 3)
    bad = write_jsonl(tmp_path / "bad.jsonl", 3, start=3)
    c = write_jsonl(tmp_path / "c.jsonl", 3, start=6)
    real_open = open

    def fake_open(path, *args, **kwargs):
        if Path(path) == bad:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(readers, "open", fake_open, raising=False)
    out = tmp_path / "out.jsonl"
    assert annotate(str(a), str(bad), str(c), "-o", str(out)) == 0
    assert [r["id"] for r in read_jsonl(out)] == ["n0", "n1", "n2", "n6", "n7", "n8"]
    (err,) = read_jsonl(f"{out}.errors.jsonl")
    assert err["source"] == str(bad) and "Permission denied" in err["reason"]


# 7 -- resume checks every line -------------------------------------------------------------------


def test_resume_names_a_damaged_middle_line(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out.jsonl"
    assert annotate(str(src), "-o", str(out)) == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4][: len(lines[4]) // 2] + "\n"
    out.write_text("".join(lines[:12]), encoding="utf-8")  # damaged line 5, and the end lost
    assert annotate(str(src), "-o", str(out), "--resume") == 2
    assert "line 5 is damaged" in capsys.readouterr().err
    # a partial last line alone is what a kill leaves: redone
    assert annotate(str(src), "-o", str(out)) == 0
    full = out.read_bytes()
    out.write_bytes(full[: len(full) - 30])
    assert annotate(str(src), "-o", str(out), "--resume") == 0
    assert out.read_bytes() == full


# 8 -- Label Studio import ------------------------------------------------------------------------


def _task(**data) -> dict:
    base = {"id": "t1", "text": "백억전자는 매출 163.3% 증가", "triples": []}
    base.update(data)
    region = {"id": "r1", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["COMPANY"]}}
    return {"data": base, "annotations": [{"result": [region]}]}


@pytest.mark.parametrize(
    "task, message",
    [
        ({"annotations": []}, "has no 'data' object"),
        (_task(text=None), "data.text is missing"),
        (
            {
                "data": {"id": "t1", "text": "abc"},
                "annotations": [{"result": [{"id": "r", "type": "labels", "value": {"start": 2, "end": 9, "labels": ["COMPANY"]}}]}],
            },
            "outside the text",
        ),
        (
            {
                "data": {"id": "t1", "text": "abc"},
                "annotations": [{"result": [{"id": "r", "type": "labels", "value": {"start": 0, "end": 1, "labels": ["X"]}}]}],
            },
            "exactly one label",
        ),
        (_task(triples=[{"company": ["nope"]}]), "unknown regions"),
        (_task(triples="x"), "not a list"),
        ("a string", "not an object"),
    ],
)
def test_label_studio_import_names_the_bad_task_and_keeps_the_old_file(tmp_path, capsys, task, message):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([_task(id="ok"), task], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "corpus.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    assert main(["corpus", "import", str(tasks), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "task 1" in err and message in err
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_label_studio_import_bounds_crafted_input(tmp_path, capsys):
    tasks = tmp_path / "tasks.json"
    tasks.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # nested too deep for json
    out = tmp_path / "corpus.jsonl"
    assert main(["corpus", "import", str(tasks), "-o", str(out)]) == 1
    assert "not a Label Studio JSON export" in capsys.readouterr().err
    # one region listed 200,000 times in a triple: read once, not multiplied into the output
    crafted = _task(triples=[{"company": ["r1"] * 200_000, "program": None, "outcome": None}])
    tasks.write_text(json.dumps([crafted]), encoding="utf-8")
    main(["corpus", "import", str(tasks), "-o", str(out)])
    assert not out.exists() or out.stat().st_size < 10_000


# 9 -- a model's config reads nothing outside the model ------------------------------------------


def test_model_config_cannot_read_other_files(tmp_path):
    import spacy

    import pipeline

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRETLINE\tNNP\n", encoding="utf-8")
    model = tmp_path / "model"
    pipeline.blank().to_disk(model)
    cfg = (model / "config.cfg").read_text(encoding="utf-8")
    cfg = cfg.replace(
        '@tokenizers = "pipeline.KiwiTokenizer.v1"', f'@tokenizers = "pipeline.KiwiTokenizer.v1"\nuser_words_path = "{secret}"'
    )
    (model / "config.cfg").write_text(cfg, encoding="utf-8")
    from confection import ConfigValidationError

    with pytest.raises(ConfigValidationError) as info:  # refused for the setting itself, not for any error
        spacy.load(model)
    assert "user_words_path" in str(info.value) and "unexpected argument" in str(info.value)
    assert "TOPSECRETLINE" not in str(info.value)


# 10 -- the smaller ones ----------------------------------------------------------------------------


def test_output_that_is_a_directory_and_a_full_disk_give_messages(tmp_path, capsys, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", 3)
    (tmp_path / "outdir").mkdir()
    assert annotate(str(src), "-o", str(tmp_path / "outdir")) == 2
    assert "is a directory" in capsys.readouterr().err

    def full(self, line):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writers.JsonlWriter, "write_line", full)
    assert annotate(str(src), "-o", str(tmp_path / "o.jsonl")) == 1
    assert "disk is full" in capsys.readouterr().err


def test_fifo_input_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "annotate", str(fifo), "-o", str(out), "-m", "blank", "-q"],
        cwd=ROOT,
        timeout=120,
        capture_output=True,
    )
    assert proc.returncode == 0
    (err,) = read_jsonl(f"{out}.errors.jsonl")
    assert "not a regular file" in err["reason"]


def test_ids_are_kept_as_written_and_unique(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": true, "text": "매출이 늘었다."}\n{"id": 7, "text": "수출이 늘었다."}\n', encoding="utf-8")
    for sub in ("a", "b"):
        (tmp_path / "d" / sub).mkdir(parents=True)
        (tmp_path / "d" / sub / "x.txt").write_text("매출이 늘었다.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert annotate(str(src), str(tmp_path / "d"), "-o", str(out)) == 0
    ids = [r["id"] for r in read_jsonl(out)]
    assert ids[0] == "7" and len(set(ids[1:])) == 2
    (err,) = read_jsonl(f"{out}.errors.jsonl")
    assert "ids must be strings or integers" in err["reason"]


def test_gzip_under_a_jsonl_name_is_read(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(gzip.compress(b'{"id": "g", "text": "\xeb\xa7\xa4\xec\xb6\x9c"}\n'))
    out = tmp_path / "out.jsonl"
    assert annotate(str(src), "-o", str(out)) == 0
    assert [r["id"] for r in read_jsonl(out)] == ["g"]


def test_min_score_is_part_of_what_resume_checks(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", 5)
    out = tmp_path / "out.jsonl"
    assert annotate(str(src), "-o", str(out), "--min-score", "0.5") == 0
    assert annotate(str(src), "-o", str(out), "--resume") == 2
    assert "option min_score" in capsys.readouterr().err
