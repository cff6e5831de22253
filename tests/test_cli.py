"""The command line end to end: .txt, .jsonl and stdin in, SCHEMA.md's JSONL out, errors reported."""

import json
import subprocess
import sys

import pytest

from pipeline.cli import main
from pipeline.document import Document, validate


def _read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "annotate" in out


def test_annotate_txt_and_jsonl(tmp_path):
    txt = tmp_path / "기사.txt"
    txt.write_text("백억전자는 중진공의 사업전환 컨설팅을 통해 매출 163.3% 증가를 기록했다.\n", encoding="utf-8")
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text(
        json.dumps({"doc_id": "a", "body": "매출이 늘었다. 수출도 늘었다."}, ensure_ascii=False)
        + "\n"
        + json.dumps({"doc_id": "b", "body": "NHC미디어는 상을 받았다."}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    rc = main(["annotate", str(txt), str(jsonl), "-o", str(out), "-m", "blank", "--text-field", "body", "--id-field", "doc_id", "-q"])
    assert rc == 0
    records = _read(out)
    assert [r["id"] for r in records] == [str(txt)[: -len(".txt")], "a", "b"]  # a .txt id: its path as named
    for rec in records:
        assert validate(Document.from_dict(rec)) == []
    assert len(records[1]["sentences"]) == 2
    assert records[0]["source"] == {"file": str(txt), "line": 1}


def test_stdin_plain_lines(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "annotate", "-", "-o", str(out), "-m", "blank", "-q"],
        input="첫째 문서입니다.\n둘째 문서입니다.\n".encode(),
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert [r["text"] for r in _read(out)] == ["첫째 문서입니다.", "둘째 문서입니다."]


def test_missing_file_and_unknown_format(tmp_path, capsys):
    assert main(["annotate", str(tmp_path / "없음.jsonl"), "-o", str(tmp_path / "o.jsonl"), "-m", "blank"]) == 2
    assert "no such file" in capsys.readouterr().err
    odd = tmp_path / "a.docx"
    odd.write_bytes(b"PK")
    assert main(["annotate", str(odd), "-o", str(tmp_path / "o.jsonl"), "-m", "blank"]) == 2
    assert "unknown input format" in capsys.readouterr().err


def test_bad_records_become_error_lines_and_run_goes_on(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b'{"id": "ok1", "text": "\xec\xa0\x95\xec\x83\x81"}\n'
        b"{not json\n"
        b'{"id": "e", "text": ""}\n'
        b'{"id": "n", "text": 5}\n'
        b'{"id": "m"}\n'
        b"\xff\xfe broken bytes\n"
        b'{"id": "ok2", "text": "\xeb\x91\x98"}\n'
    )
    out = tmp_path / "out.jsonl"
    assert main(["annotate", str(src), "-o", str(out), "-m", "blank", "-q"]) == 0
    assert [r["id"] for r in _read(out)] == ["ok1", "ok2"]
    errors = _read(tmp_path / "out.jsonl.errors.jsonl")
    assert [e["line"] for e in errors] == [2, 3, 4, 5, 6]
    assert "invalid JSON" in errors[0]["reason"] and "empty" in errors[1]["reason"]
    assert "not a string" in errors[2]["reason"] and "missing" in errors[3]["reason"] and "UTF-8" in errors[4]["reason"]
    assert main(["annotate", str(src), "-o", str(out), "-m", "blank", "-q", "--strict"]) == 1


def test_version_and_every_option_has_help(capsys):
    import argparse

    from pipeline.cli import build_parser

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("econ-facts ")

    def walk(parser: argparse.ArgumentParser, path: str):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, f"{path} {name}")
            elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                yield path, action

    missing = [f"{path}: {'/'.join(a.option_strings) or a.dest}" for path, a in walk(build_parser(), "pipeline") if not a.help]
    assert missing == [], missing
