"""``python -m pipeline corpus …``: build, validate, stats, Label Studio export/import."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

from ..cli_help import HelpFormatter, examples
from ..document import Document, validate
from . import econ, labelstudio
from .schema_rules import ENTITY_LABELS


def add_commands(sub) -> None:
    p = sub.add_parser(
        "corpus",
        help="build, check and convert the econ fact corpus",
        description="Build, check and convert the econ fact corpus.",
        epilog=examples(
            "python -m pipeline corpus build && python -m pipeline corpus stats",
            "python -m pipeline corpus ACTION --help   # each action's options and examples",
        ),
        formatter_class=HelpFormatter,
    )
    csub = p.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)

    b = csub.add_parser(
        "build",
        help="join stand-off annotations with the texts into {train,dev,test}.jsonl",
        description="Join the stand-off annotations (offsets and hashes only) with the texts of the shared data "
        "into the built corpus: train.jsonl, dev.jsonl and test.jsonl, SCHEMA.md's records.",
        epilog=examples(
            "python -m pipeline corpus build",
            "python -m pipeline corpus build --data-dir /data/econ-shared --out /tmp/built",
        ),
        formatter_class=HelpFormatter,
    )
    b.add_argument("--data-dir", default=None, help="copy of the shared data (default: ../shared/data)")
    b.add_argument("--out", type=Path, default=econ.BUILT_DIR, help=f"output directory (default: {econ.BUILT_DIR.relative_to(econ.REPO)})")
    b.set_defaults(func=cmd_build)

    v = csub.add_parser(
        "validate",
        help="check corpus files: offsets, labels, relations, triples, ids, text hashes",
        description="Check corpus files and print every problem with its file, line and record id; exit status 1 if there is any.",
        epilog=examples(
            "python -m pipeline corpus validate                                  # every stand-off and synthetic file",
            "python -m pipeline corpus validate corpora/econ/built/dev.jsonl corpora/econ/built/test.jsonl",
        ),
        formatter_class=HelpFormatter,
    )
    v.add_argument("files", nargs="*", type=Path, help="corpus or stand-off JSONL files (default: every stand-off and synthetic file)")
    v.add_argument("--data-dir", default=None, help="copy of the shared data, to check text hashes (default: ../shared/data)")
    v.set_defaults(func=cmd_validate)

    s = csub.add_parser(
        "stats",
        help="documents, entities, relations and triples per split and label",
        description="Count documents, entities, relations and triples per split and label of a built corpus.",
        epilog=examples("python -m pipeline corpus stats", "python -m pipeline corpus stats --dir /tmp/built --json"),
        formatter_class=HelpFormatter,
    )
    s.add_argument("--dir", type=Path, default=econ.BUILT_DIR, help="the built corpus (default: corpora/econ/built)")
    s.add_argument("--json", action="store_true", help="print the figures as JSON")
    s.set_defaults(func=cmd_stats)

    e = csub.add_parser(
        "export",
        help="write corpus documents as Label Studio tasks (JSON)",
        description="Write corpus documents as Label Studio tasks, and the labelling config that goes with them.",
        epilog=examples(
            "python -m pipeline corpus export corpora/econ/built/dev.jsonl -o tasks.json --config config.xml",
        ),
        formatter_class=HelpFormatter,
    )
    e.add_argument("files", nargs="+", type=Path, help="corpus JSONL files (built splits or annotate output)")
    e.add_argument("-o", "--output", type=Path, required=True, help="Label Studio tasks file to write (JSON)")
    e.add_argument("--config", type=Path, help="also write the matching Label Studio labelling config (XML)")
    e.set_defaults(func=cmd_export)

    i = csub.add_parser(
        "import",
        help="read Label Studio tasks (JSON export) back into corpus JSONL",
        description="Read a Label Studio JSON export back into corpus JSONL, checking every task.",
        epilog=examples("python -m pipeline corpus import project-export.json -o reviewed.jsonl"),
        formatter_class=HelpFormatter,
    )
    i.add_argument("tasks", type=Path, help="a Label Studio JSON export")
    i.add_argument("-o", "--output", type=Path, required=True, help="corpus JSONL to write (replaced only when every task is valid)")
    i.set_defaults(func=cmd_import)


def cmd_build(args) -> int:
    try:
        counts = econ.build(args.data_dir, args.out)
    except (econ.CorpusError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {', '.join(f'{s}: {n} documents' for s, n in counts.items())} to {args.out}")
    return 0


def _read_jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                yield lineno, line


def validate_files(files: list[Path], data_dir=None) -> list[str]:
    """Every problem in the files, each naming file, line and record id."""
    errors: list[str] = []
    seen: dict[str, str] = {}
    for path in files:
        for lineno, line in _read_jsonl(path):
            where = f"{path}:{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: not JSON ({exc.msg})")
                continue
            rid = rec.get("id")
            where = f"{where} ({rid})"
            if rid in seen:
                errors.append(f"{where}: duplicate id (first in {seen[rid]})")
            seen[rid] = f"{path}:{lineno}"
            if "sha256" in rec:  # a stand-off record: join it with its text first
                try:
                    rec = econ.join(econ.StandoffRecord(path, lineno, rec), data_dir)
                except Exception as exc:  # noqa: BLE001  (every failure is reported, none stops the check)
                    errors.append(f"{where}: {exc}")
                    continue
            errors += [f"{where}: {msg}" for msg in validate(Document.from_dict(rec), labels=ENTITY_LABELS)]
            errors += [f"{where}: {msg}" for msg in econ.relation_problems(rec)]
    return errors


def cmd_validate(args) -> int:
    files = args.files or econ.standoff_files()
    errors = validate_files(files, args.data_dir)
    for msg in errors:
        print(msg)
    print(f"{len(files)} files checked: {len(errors)} problems", file=sys.stderr)
    return 1 if errors else 0


def collection_of(doc: dict) -> str:
    """The collection a document comes from: c … j for the econ-news files, else its source kind."""
    source = doc["meta"].get("source", "?")
    return doc["id"].split("-")[0] if source == "econ-news" else source


def _counts(docs: list[dict]) -> dict:
    return {
        "documents": len(docs),
        "entities": dict(Counter(e["label"] for d in docs for e in d["entities"])),
        "relations": sum(len(d["relations"]) for d in docs),
        "triples": sum(len(d["triples"]) for d in docs),
    }


def corpus_stats(directory: Path) -> dict:
    out: dict = {}
    for split in econ.SPLITS:
        path = directory / f"{split}.jsonl"
        if not path.exists():
            continue
        docs = [json.loads(line) for _, line in _read_jsonl(path)]
        by_source = Counter(d["meta"].get("source", "?") for d in docs)
        real = [d for d in docs if not d["meta"].get("synthetic")]
        out[split] = {
            "documents": len(docs),
            "by_source": dict(by_source),
            "entities": dict(Counter(e["label"] for d in docs for e in d["entities"])),
            "relations": dict(Counter(r["label"] for d in docs for r in d["relations"])),
            "triples": sum(len(d["triples"]) for d in docs),
            "triples_real": sum(len(d["triples"]) for d in real),
            "documents_without_triple": sum(1 for d in docs if not d["triples"]),
            "by_collection": {c: _counts([d for d in docs if collection_of(d) == c]) for c in sorted({collection_of(d) for d in docs})},
        }
    return out


def cmd_stats(args) -> int:
    stats = corpus_stats(args.dir)
    if not stats:
        print(f"error: no built corpus in {args.dir}; run `python -m pipeline corpus build` first", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=1))
        return 0
    labels = list(ENTITY_LABELS)
    print(
        f"{'split':<6} {'docs':>5} {'real':>5} " + " ".join(f"{label:>8}" for label in labels) + f" {'rels':>6} {'triples':>8} {'real':>5}"
    )
    for split, s in stats.items():
        real = s["documents"] - s["by_source"].get("synthetic", 0)
        ents = " ".join(f"{s['entities'].get(label, 0):>8}" for label in labels)
        print(f"{split:<6} {s['documents']:>5} {real:>5} {ents} {sum(s['relations'].values()):>6} {s['triples']:>8} {s['triples_real']:>5}")
    print(f"\n{'split':<6} {'collection':<10} {'docs':>5} " + " ".join(f"{label:>8}" for label in labels) + f" {'rels':>6} {'triples':>8}")
    for split, s in stats.items():
        for coll, c in s["by_collection"].items():
            ents = " ".join(f"{c['entities'].get(label, 0):>8}" for label in labels)
            print(f"{split:<6} {coll:<10} {c['documents']:>5} {ents} {c['relations']:>6} {c['triples']:>8}")
    return 0


def cmd_export(args) -> int:
    docs = [json.loads(line) for path in args.files for _, line in _read_jsonl(path)]
    args.output.write_text(json.dumps(labelstudio.export(docs), ensure_ascii=False, indent=1), encoding="utf-8")
    if args.config:
        args.config.write_text(labelstudio.LABEL_CONFIG, encoding="utf-8")
    print(f"{len(docs)} tasks written to {args.output}")
    return 0


def cmd_import(args) -> int:
    """Read every task, validate it, and only then replace the output (written to a temporary file)."""
    try:
        tasks = labelstudio.read_tasks(args.tasks)
        docs = list(labelstudio.import_tasks(tasks))
    except labelstudio.TaskError as exc:
        print(f"error: {exc}; {args.output} is left as it was", file=sys.stderr)
        return 1
    for i, doc in enumerate(docs):
        problems = validate(Document.from_dict(doc))
        if problems:
            print(f"error: task {i} ({doc['id']}): {problems[0]}; {args.output} is left as it was", file=sys.stderr)
            return 1
    out = Path(args.output)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    print(f"{len(docs)} documents written to {args.output}")
    return 0
