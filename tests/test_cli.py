"""The command line end to end: .txt, .jsonl and stdin in, SCHEMA.md's JSONL out, errors reported."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.core.document import Document, validate

ROOT = Path(__file__).resolve().parent.parent


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

    from pipeline.cli.main import build_parser

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


def _leaf_parsers(parser, path="python -m pipeline"):
    """(command path, parser) of every subcommand that runs something."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _leaf_parsers(sub, f"{path} {name}")
    if parser.get_default("func") is not None:
        yield path, parser


def test_every_subcommand_shows_examples_that_parse(capsys):
    """Each subcommand's --help ends with examples (as spaCy's CLI docs show them), kept as
    written, and every example is a command line this parser accepts."""
    import shlex

    from pipeline.cli.main import build_parser

    leaves = list(_leaf_parsers(build_parser()))
    assert {p for p, _ in leaves} >= {
        "python -m pipeline annotate",
        "python -m pipeline table",
        "python -m pipeline info",
        "python -m pipeline corpus build",
        "python -m pipeline corpus validate",
        "python -m pipeline corpus stats",
        "python -m pipeline corpus path",
        "python -m pipeline corpus export",
        "python -m pipeline corpus import",
        "python -m pipeline train",
        "python -m pipeline evaluate",
    }
    for path, parser in leaves:
        help_text = parser.format_help()
        assert "\nexamples:\n" in help_text, path
        lines = [line.strip() for line in help_text.split("\nexamples:\n", 1)[1].splitlines() if line.strip()]
        commands = [line for line in lines if not line.startswith("#")]
        assert commands and all(path in line for line in commands), (path, commands)
        for line in commands:
            words = shlex.split(line.split("|")[-1], comments=True)
            for stop in ("&&", ">"):
                words = words[: words.index(stop)] if stop in words else words
            assert words[:3] == ["python", "-m", "pipeline"], line
            args = build_parser().parse_args(words[3:])  # exits (fails the test) on a bad example
            assert " ".join(["python -m pipeline", args.command]) in path
    # a description is still wrapped to the terminal; the examples are not
    annotate = dict(leaves)["python -m pipeline annotate"].format_help()
    assert "python -m pipeline annotate news/ more.jsonl.gz -o annotated.jsonl --text-field body --id-field doc_id\n" in annotate


def test_help_and_import_load_nothing_heavy():
    """`import pipeline` and `--help` must not import spaCy, Kiwi, pyarrow, datasets and the like:
    they cost seconds (spaCy pulls in torch where it is installed). Checked by module, not by clock."""
    heavy = ["spacy", "thinc", "kiwipiepy", "pyarrow", "datasets", "torch", "transformers", "numpy", "sklearn", "dask", "pandas"]
    probe = (
        "import sys\n"
        "import pipeline\n"
        "from pipeline.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))\n"
    )
    for argv in (["--help"], ["annotate", "--help"], ["--version"], ["corpus", "build", "--help"]):
        done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True, cwd=ROOT)
        assert done.stdout.strip().splitlines()[-1] == "[]", (argv, done.stdout[-500:])
