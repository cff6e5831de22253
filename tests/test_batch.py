"""Batch annotation at corpus scale: every format in, JSONL/Parquet out, bad input kept as
error lines, resume after SIGKILL, worker processes, progress, `datasets` integration.

The model is not the point here: runs use `-m blank` (the Kiwi tokenizer only), loaded
once for the whole session through `ModelRef.load`'s cache.
"""

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from pipeline.core.document import validate
from pipeline.io import formats, readers, writers
from pipeline.io.records import MAX_CHARS, Failure, Item
from pipeline.io.runstate import RunManifest
from pipeline.runners import batch
from pipeline.runners.annotate import batches
from pipeline.runners.models import ModelRef
from pipeline.runners.workers import annotate_batches

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    "백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다.",
    "NHC미디어는 클러스터사업에 참여해 한국콘텐츠진흥원장상을 받았다.",
    "수출바우처 사업 참여기업의 수출액은 전년보다 12% 늘었다.",
    "회사는 올해 코스닥 상장을 목표로 하고 있다.",
    "한국산업단지공단은 올해 예산으로 1,200억원을 편성했다.",
    "에이치엘바이오는 시리즈A 투자 45억원을 유치했다.",
]


def text_of(i: int, n: int = 2) -> str:
    return " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(n)) + f" 문서 {i}번."


def read_jsonl(path) -> list[dict]:
    with open(path, "rb") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def blank():
    return ModelRef.of("blank").load()


def annotate(args: list[str]) -> int:
    return main(["annotate", *args, "-m", "blank"])


# -- readers ---------------------------------------------------------------------------------


def test_every_input_format_in_order_with_generated_ids(tmp_path, blank):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("\ufeff" + SENTENCES[0], encoding="utf-8")
    (d / "b.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in [{"text": SENTENCES[1]}, {"id": 7, "text": SENTENCES[2]}]) + "\n\n",
        encoding="utf-8",
    )
    with gzip.open(d / "c.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "gz", "text": SENTENCES[3]}, ensure_ascii=False) + "\n")
    with open(d / "d.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerow(["c1", SENTENCES[4] + "\n둘째 줄."])  # a quoted field over two lines
        w.writerow(["", "abc " * 35_000])  # over csv's default field limit of 131,072
    pq.write_table(pa.table({"text": [SENTENCES[5], SENTENCES[0]]}), d / "e.parquet", row_group_size=1)
    (d / "f.json").write_text(json.dumps([{"id": "arr", "text": SENTENCES[1]}], ensure_ascii=False), encoding="utf-8")
    (d / ".hidden").mkdir()
    (d / ".hidden" / "x.jsonl").write_text('{"text": "숨김"}\n', encoding="utf-8")
    (d / "notes.md").write_text("not an input", encoding="utf-8")

    assert [Path(p).name for p in readers.expand([str(d)])] == ["a.txt", "b.jsonl", "c.jsonl.gz", "d.csv", "e.parquet", "f.json"]
    out = tmp_path / "out.jsonl"
    assert annotate([str(d), "-o", str(out), "-q"]) == 0
    recs = read_jsonl(out)
    src = str(d)
    assert [r["id"] for r in recs] == [
        f"{src}/a",  # a .txt file's id is its path as named, without .txt
        f"{src}/b.jsonl:1",
        "7",
        "gz",
        "c1",
        f"{src}/d.csv:4",
        f"{src}/e.parquet:1",
        f"{src}/e.parquet:2",
        "arr",
    ]
    assert [r["source"]["line"] for r in recs] == [1, 1, 2, 1, 3, 4, 1, 2, 1]
    assert recs[0]["text"] == SENTENCES[0]  # BOM stripped
    assert recs[4]["text"].endswith("\n둘째 줄.") and len(recs[5]["text"]) == 140_000
    assert all(validate(r) == [] and r["sentences"] for r in recs)
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()  # no errors: no error file


def test_the_error_file_appears_only_with_an_error(tmp_path, blank):
    """No empty OUTPUT.errors.jsonl beside a clean run; a fresh run removes an old run's file;
    a resumed run continues the file, or creates it at its first error."""
    clean, late_error = tmp_path / "clean.jsonl", tmp_path / "late.jsonl"
    rows = [json.dumps({"id": f"d{i}", "text": text_of(i)}, ensure_ascii=False) for i in range(40)]
    clean.write_text("\n".join(rows) + "\n", encoding="utf-8")
    late_error.write_text("\n".join(rows[:30] + ['{"id": "bad", "text": ""}'] + rows[30:]) + "\n", encoding="utf-8")
    for fmt, out in (("jsonl", tmp_path / "o.jsonl"), ("parquet", tmp_path / "o.parquet")):
        err = Path(f"{out}.errors.jsonl")
        err.write_text('{"source": "old run", "line": 1, "id": null, "reason": "stale"}\n', encoding="utf-8")
        assert annotate([str(clean), "-o", str(out), "-q", "--format", fmt, "--part-rows", "10"]) == 0
        assert not err.exists(), fmt  # the stale file went with the fresh run
        assert annotate([str(clean), "-o", str(out), "-q", "--format", fmt, "--part-rows", "10", "--resume"]) == 0
        assert not err.exists(), fmt

        assert annotate([str(late_error), "-o", str(out), "-q", "--format", fmt, "--part-rows", "10"]) == 0
        ref_errors = read_jsonl(err)
        assert [e["id"] for e in ref_errors] == ["bad"] and ref_errors[0]["line"] == 31
    # killed before its first error: no error file yet; the resumed run creates it
    out = tmp_path / "o.jsonl"
    ref = read_jsonl(out)
    out.write_text("".join(writers.dumps(r) + "\n" for r in ref[:20]), encoding="utf-8")
    Path(f"{out}.errors.jsonl").unlink()
    assert annotate([str(late_error), "-o", str(out), "-q", "--resume"]) == 0
    assert read_jsonl(out) == ref and read_jsonl(f"{out}.errors.jsonl") == ref_errors
    # killed after it: the file is continued, not replaced
    out.write_text("".join(writers.dumps(r) + "\n" for r in ref[:35]), encoding="utf-8")
    assert annotate([str(late_error), "-o", str(out), "-q", "--resume"]) == 0
    assert read_jsonl(out) == ref and read_jsonl(f"{out}.errors.jsonl") == ref_errors


def test_unreadable_files_and_huge_lines_fail_alone(tmp_path, monkeypatch):
    good = "".join(json.dumps({"id": f"g{i}", "text": SENTENCES[i % 6]}, ensure_ascii=False) + "\n" for i in range(200)).encode()
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(gzip.compress(good)[:-40])  # a truncated download
    recs = list(readers.read(str(gz)))
    assert isinstance(recs[-1], Failure) and "gzip" in recs[-1].reason
    assert [r.id for r in recs[:-1]] == [f"g{i}" for i in range(len(recs) - 1)] and len(recs) > 150

    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    [fail] = readers.read(str(bad))
    assert fail.line == 0 and "Parquet" in fail.reason

    monkeypatch.setattr(formats, "MAX_LINE_BYTES", 1000)  # the line reader's limit
    lines = tmp_path / "long.jsonl"
    lines.write_text(json.dumps({"text": "가" * 2000}) + "\n" + json.dumps({"id": "next", "text": "다음"}) + "\n")
    first, second = readers.read(str(lines))
    assert isinstance(first, Failure) and first.line == 1 and "bytes" in first.reason
    assert (second.id, second.line, second.text) == ("next", 2, "다음")


def test_stdin_jsonl_with_undecodable_line(tmp_path, monkeypatch, blank):
    data = b'{"id": "s1", "text": "\xec\xa0\x95\xec\x83\x81"}\n\xff\xfe{"text": 1}\n{"id": "s3", "text": "\xeb\x91\x98"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = tmp_path / "o.jsonl"
    assert annotate(["-", "-o", str(out), "-q"]) == 0
    assert [r["id"] for r in read_jsonl(out)] == ["s1", "s3"]
    [err] = read_jsonl(f"{out}.errors.jsonl")
    assert err["source"] == "<stdin>" and err["line"] == 2 and "UTF-8" in err["reason"]


def test_bad_input_each_gives_one_error_line_valid_text_is_annotated(tmp_path, blank):
    block = "<div class='ad'>&nbsp;광고</div>\n" + text_of(3, 6) + "\n\n"
    mb = block * (1_000_000 // len(block.encode()) + 1)
    assert len(mb.encode()) > 1_000_000 and len(mb) < MAX_CHARS
    lines = [
        json.dumps({"id": "ok", "text": SENTENCES[0]}, ensure_ascii=False),
        '{"id": "broken", "text": ',  # 2: invalid JSON
        json.dumps({"id": "nt"}),  # 3: missing text
        json.dumps({"id": "et", "text": "  \n"}),  # 4: empty text
        json.dumps({"id": "it", "text": ["리스트"]}, ensure_ascii=False),  # 5: not a string
        json.dumps(["not", "an", "object"]),  # 6
        json.dumps({"id": "sur", "text": "깨진 \ud800 문자"}),  # 7: unpaired surrogate
        json.dumps({"id": "mb", "text": mb}, ensure_ascii=False),  # 8: a 1 MB document
        json.dumps({"id": "html", "text": "<p>매출이 <b>12%</b> 늘었다.</p><br/>&amp;"}, ensure_ascii=False),
        json.dumps({"id": "ctl", "text": "회사\x00는\x07 성장\x1b[0m 했다\u2028다음\x85줄"}, ensure_ascii=False),
        json.dumps({"id": "long", "text": "가" * 51}, ensure_ascii=False),  # 11: over the --max-chars 50 of the last run
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes("\n".join(lines).encode() + b"\n\xc3\x28 bad utf-8\n")
    out = tmp_path / "out.jsonl"
    assert annotate([str(src), "-o", str(out), "-q"]) == 0
    raw = out.read_text(encoding="utf-8")
    assert len(raw.splitlines()) == 5  # U+2028 and U+0085 are escaped: one record, one line
    recs = read_jsonl(out)
    assert [r["id"] for r in recs] == ["ok", "mb", "html", "ctl", "long"]
    by_id = {r["id"]: r for r in recs}
    assert by_id["mb"]["text"] == mb and by_id["ctl"]["text"].endswith("\u2028다음\x85줄")
    assert len(by_id["mb"]["sentences"]) >= 6 * mb.count("<div")  # annotated in segments, merged back
    assert all(validate(r) == [] for r in recs)
    errors = read_jsonl(f"{out}.errors.jsonl")
    assert [(e["line"], e["id"]) for e in errors] == [
        (2, None),
        (3, "nt"),
        (4, "et"),
        (5, "it"),
        (6, None),
        (7, "sur"),
        (12, None),
    ]
    assert all(e["source"] == str(src) for e in errors)
    reasons = [e["reason"] for e in errors]
    for i, word in enumerate(["invalid JSON", "missing", "empty", "not a string", "not an object", "surrogate", "UTF-8"]):
        assert word in reasons[i]
    assert len(recs) + len(errors) == 12  # every input line accounted for, once
    del lines[7]  # the rest without the 1 MB document, for speed
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert annotate([str(src), "-o", str(out), "-q", "--strict"]) == 1
    assert annotate([str(src), "-o", str(out), "-q", "--max-chars", "50"]) == 0
    assert [e["id"] for e in read_jsonl(f"{out}.errors.jsonl") if "limit" in e["reason"]] == ["long"]


def test_pipeline_failure_on_one_document_is_an_error_line(tmp_path, blank):
    class Fragile:
        """A pipeline that fails on texts with 폭탄, whether batched or alone."""

        vocab = blank.vocab

        def pipe(self, texts, batch_size=None):
            for t in texts:
                yield self(t)

        def __call__(self, text):
            if "폭탄" in text:
                raise ValueError("boom")
            return blank(text)

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(["하나", "폭탄", "셋"])))
    summary = batch.run(Fragile(), [str(src)], str(tmp_path / "o.jsonl"), progress=False)
    assert (summary.documents, summary.errors) == (2, 1)
    assert [r["id"] for r in read_jsonl(tmp_path / "o.jsonl")] == ["0", "2"]
    [err] = read_jsonl(tmp_path / "o.jsonl.errors.jsonl")
    assert err["id"] == "1" and "boom" in err["reason"]


# -- resume ------------------------------------------------------------------------------------

N_KILL = 3000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, blank):
    """3,000 short records with bad ones among them, and the output of an uninterrupted run."""
    d = tmp_path_factory.mktemp("corpus")
    src = d / "news.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for i in range(N_KILL):
            if i % 97 == 13:
                f.write('{"id": "bad' + str(i) + '", "text": \n')
            elif i % 89 == 5:
                f.write(json.dumps({"id": f"n{i}", "text": ""}) + "\n")
            else:
                f.write(json.dumps({"id": f"n{i}", "text": SENTENCES[i % 6]}, ensure_ascii=False) + "\n")
    ref = d / "ref.jsonl"
    assert annotate([str(src), "-o", str(ref), "-q"]) == 0
    return src, read_jsonl(ref), read_jsonl(f"{ref}.errors.jsonl")


def _kill_when(cmd: list[str], ready) -> None:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not ready():
        assert proc.poll() is None, f"run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, "no output in time"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_resume_after_sigkill_jsonl(tmp_path, corpus):
    src, ref, ref_errors = corpus
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "pipeline", "annotate", str(src), "-o", str(out), "-m", "blank", "-q", "--batch-size", "16"]
    _kill_when(cmd, lambda: _lines(out) >= 300)
    killed = _lines(out) + _lines(Path(f"{out}.errors.jsonl"))
    assert 300 <= killed < N_KILL
    assert annotate([str(src), "-o", str(out), "-q", "--resume"]) == 0
    assert read_jsonl(out) == ref
    assert read_jsonl(f"{out}.errors.jsonl") == ref_errors
    assert len(ref) + len(ref_errors) == N_KILL


def test_resume_cuts_a_partial_line_and_checks_the_inputs(tmp_path, corpus, capsys):
    src, ref, ref_errors = corpus
    out = tmp_path / "out.jsonl"
    full = "".join(writers.dumps(r) + "\n" for r in ref[:1000]).encode()
    out.write_bytes(full + writers.dumps(ref[1000]).encode()[:57])  # killed mid-line
    err_lines = [e for e in ref_errors if (e["source"], e["line"]) < (ref[1000]["source"]["file"], ref[1000]["source"]["line"])]
    Path(f"{out}.errors.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in err_lines))
    options = {"format": "jsonl", "text_field": "text", "id_field": "id", "max_chars": MAX_CHARS}
    RunManifest.for_run([str(src)], ModelRef.of("blank").identity(), options).write(out)  # as the killed run left it
    assert annotate([str(src), "-o", str(out), "-q", "--resume"]) == 0
    assert read_jsonl(out) == ref and read_jsonl(f"{out}.errors.jsonl") == ref_errors
    # a finished output resumes to itself
    assert annotate([str(src), "-o", str(out), "-q", "--resume"]) == 0
    assert read_jsonl(out) == ref
    # an output of other inputs is refused, not extended
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps({"text": s}, ensure_ascii=False) + "\n" for s in SENTENCES))
    capsys.readouterr()
    assert annotate([str(other), "-o", str(out), "-q", "--resume"]) == 2
    assert "cannot resume" in capsys.readouterr().err


def test_resume_after_sigkill_parquet(tmp_path, corpus):
    from datasets import load_dataset

    src, ref, ref_errors = corpus
    out = tmp_path / "out.parquet"
    cmd = [sys.executable, "-m", "pipeline", "annotate", str(src), "-o", str(out), "-m", "blank", "-q", "--part-rows", "100"]
    _kill_when(cmd, lambda: len(list(out.glob("part-*.parquet"))) >= 3)
    done, _ = writers.parquet_resume_state(out)
    assert 300 <= done < N_KILL
    assert annotate([str(src), "-o", str(out), "-q", "--resume"]) == 0
    assert list(writers.read_parquet_records(out)) == ref
    assert read_jsonl(f"{out}.errors.jsonl") == ref_errors
    assert not list(out.glob("*.tmp"))
    ds = load_dataset("parquet", data_files=str(out / "*.parquet"), split="train")
    assert ds["id"] == [r["id"] for r in ref]
    assert ds[5]["sentences"] == ref[5]["sentences"] and ds[5]["source"] == ref[5]["source"]
    import pandas as pd

    df = pd.read_parquet(out)
    assert list(df["id"]) == [r["id"] for r in ref]


def test_parquet_errors_after_the_last_part_are_redone(tmp_path, corpus):
    """Error lines written after the last committed part are cut back, then redone once."""
    src, ref, ref_errors = corpus
    out = tmp_path / "o.parquet"
    assert annotate([str(src), "-o", str(out), "-q", "--part-rows", "1000"]) == 0
    parts = sorted(out.glob("part-*.parquet"))
    parts[-1].unlink()  # as if killed before the last part was committed…
    with open(f"{out}.errors.jsonl", "a") as f:
        f.write('{"source": "x", "li')  # …and mid-way through an error line
    assert annotate([str(src), "-o", str(out), "-q", "--resume", "--part-rows", "1000"]) == 0
    assert list(writers.read_parquet_records(out)) == ref
    assert read_jsonl(f"{out}.errors.jsonl") == ref_errors


# -- processes, streaming, progress ------------------------------------------------------------------


def test_worker_processes_give_the_same_output_and_stay_bounded(tmp_path, corpus):
    src, ref, ref_errors = corpus
    out = tmp_path / "o.jsonl"
    summary = batch.run("blank", [str(src)], str(out), n_process=2, batch_size=50, progress=False)
    assert read_jsonl(out) == ref and read_jsonl(f"{out}.errors.jsonl") == ref_errors
    assert (summary.documents, summary.errors) == (len(ref), len(ref_errors))

    pulled = []

    def counted(batches):
        for b in batches:
            pulled.append(len(b))
            yield b

    texts = [[Item("mem", i, str(i), SENTENCES[i % 6])] for i in range(40)]
    for n, results in enumerate(annotate_batches(ModelRef.of("blank"), counted(texts), n_process=2), 1):
        assert len(pulled) - n <= 2 * 2  # never more than two batches a worker ahead
        assert results[0][0] == "doc"


def test_stream_is_lazy(blank):
    def endless():
        i = 0
        while True:
            i += 1
            yield Item("endless", i, str(i), SENTENCES[i % 6])

    results = annotate_batches(ModelRef.of(blank), batches(endless(), 8))
    first = [next(results) for _ in range(3)]
    assert [len(r) for r in first] == [8, 8, 8]
    long_ones = (Item("x", i, str(i), "가" * 90_000) for i in range(5))
    assert [len(b) for b in batches(long_ones, 64)] == [2, 2, 1]  # bounded by characters too


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_and_summary(tmp_path, corpus, monkeypatch, capsys):
    src = tmp_path / "part.jsonl"
    src.write_bytes(b"".join(corpus[0].read_bytes().splitlines(keepends=True)[:300]))
    ref = [r for r in corpus[1] if r["source"]["line"] <= 300]
    ref_errors = [e for e in corpus[2] if e["line"] <= 300]
    out = tmp_path / "o.jsonl"
    assert annotate([str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "doc/s" not in err  # stderr is not a terminal: no bar
    assert f"{len(ref)} documents" in err and f"{len(ref_errors)} errors" in err
    assert "sentences" in err and "entities" in err and "triples" in err and "s (" in err
    assert annotate([str(src), "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    assert annotate([str(src), "-o", str(out)]) == 0
    bar = tty.getvalue()
    assert "/300" in bar and "doc/s" in bar and "sentences/s" in bar and "<" in bar  # total, rates, ETA
    tty.truncate(0)
    assert annotate([str(src), "-o", str(out), "--quiet"]) == 0
    assert tty.getvalue() == ""


# -- datasets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("num_proc", [1, 2])
def test_annotate_dataset(num_proc, blank):
    from datasets import Dataset

    import pipeline

    texts = [text_of(i) for i in range(12)] + [None, ""]
    ds = Dataset.from_dict({"body": texts, "n": list(range(len(texts)))})
    out = pipeline.annotate_dataset(ds, nlp=blank, text_column="body", num_proc=num_proc, batch_size=4)
    assert out.num_rows == ds.num_rows and out["n"] == ds["n"]
    assert {"sentences", "entities", "relations", "triples", "annotation_error"} <= set(out.column_names)
    want = [d.to_dict() for d in pipeline.annotate(texts[:12], nlp=blank)]
    assert out["sentences"][:12] == [r["sentences"] for r in want]
    assert all(len(s) == 3 for s in out["sentences"][:12])
    assert out["annotation_error"][:12] == [None] * 12
    assert "missing" in out["annotation_error"][12] and "empty" in out["annotation_error"][13]
    assert out["sentences"][12] == [] and out["triples"][13] == []
