"""``python -m pipeline corpus …``: build, validate, stats, Label Studio export/import."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

from ..core.document import Document, validate
from ..core.schema import ENTITY_LABELS
from ..corpora import econ, labelstudio, review
from .help import HelpFormatter, examples


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
            "# another user data directory: ECON_FACTS_DATA_HOME=/tmp/econ-facts python -m pipeline corpus build",
        ),
        formatter_class=HelpFormatter,
    )
    b.add_argument("--data-dir", default=None, help="copy of the shared data (default: ../shared/data)")
    b.add_argument("--out", type=Path, default=None, help="output directory (default: the user data directory's, `corpus path`)")
    b.set_defaults(func=cmd_build)

    v = csub.add_parser(
        "validate",
        help="check corpus files: offsets, labels, relations, triples, ids, text hashes",
        description="Check corpus files and print every problem with its file, line and record id; exit status 1 if there is any.",
        epilog=examples(
            "python -m pipeline corpus validate                                  # every stand-off and synthetic file",
            'python -m pipeline corpus validate "$(python -m pipeline corpus path)"/dev.jsonl',
            "python -m pipeline corpus validate /tmp/built/dev.jsonl /tmp/built/test.jsonl",
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
    s.add_argument("--dir", type=Path, default=None, help="the built corpus (default: the user data directory's, `corpus path`)")
    s.add_argument("--json", action="store_true", help="print the figures as JSON")
    s.set_defaults(func=cmd_stats)

    w = csub.add_parser(
        "path",
        help="print the directory the built corpus goes to (in the user data directory)",
        description="Print the directory `corpus build` writes to and the corpus loaders read from: one per state of the "
        "annotations, in the user data directory ($ECON_FACTS_DATA_HOME, else the platform's, e.g. ~/.local/share/econ-facts).",
        epilog=examples("python -m pipeline corpus path", '# its files: ls "$(python -m pipeline corpus path)"'),
        formatter_class=HelpFormatter,
    )
    w.set_defaults(func=cmd_path)

    e = csub.add_parser(
        "export",
        help="write corpus documents (as annotations) or annotate output (as predictions) as Label Studio tasks (JSON)",
        description="Gold corpus records become annotations; annotate output (scored) becomes predictions tagged with the model.",
        epilog=examples(
            'python -m pipeline corpus export "$(python -m pipeline corpus path)"/dev.jsonl -o tasks.json --config config.xml',
            "# annotate's output (out.jsonl, beside its out.jsonl.run.json) goes as predictions of its model",
            "python -m pipeline corpus export out.jsonl -o tasks.json --config ls.xml",
        ),
        formatter_class=HelpFormatter,
    )
    e.add_argument("files", nargs="+", type=Path, help="corpus JSONL files (built splits or annotate output)")
    e.add_argument("-o", "--output", type=Path, required=True, help="Label Studio tasks file to write (JSON)")
    e.add_argument("--config", type=Path, help="also write the matching Label Studio labelling config (XML)")
    e.add_argument(
        "--model-version",
        help="the predictions' model_version (default: the model name and version in annotate's FILE.run.json beside each file)",
    )
    e.set_defaults(func=cmd_export)

    i = csub.add_parser(
        "import",
        help="read Label Studio tasks (JSON export) back into corpus JSONL, and report what reviewers changed",
        description="Each task's latest non-cancelled annotation becomes a corpus record; a task nobody annotated reads back as its "
        "prediction (scores kept). Where a task has both, prints what the review changed against the prediction.",
        epilog=examples(
            "python -m pipeline corpus import project-export.json -o reviewed.jsonl",
            "python -m pipeline corpus import project-export.json -o reviewed.jsonl --reviewed-only --report changes.json",
        ),
        formatter_class=HelpFormatter,
    )
    i.add_argument("tasks", type=Path, help="a Label Studio JSON export")
    i.add_argument("-o", "--output", type=Path, required=True, help="corpus JSONL to write (replaced only when every task is valid)")
    i.add_argument("--reviewed-only", action="store_true", help="leave out tasks nobody annotated (unreviewed model output)")
    i.add_argument("--report", type=Path, help="also write every change, per task, as JSON")
    i.add_argument(
        "--predictions",
        type=Path,
        help="the tasks file corpus export wrote: the predictions of tasks that the export lists by id only (Label Studio's plain JSON export)",
    )
    i.set_defaults(func=cmd_import)


def cmd_build(args) -> int:
    try:
        out = args.out or econ.built_dir()
        counts = econ.build(args.data_dir, out)
    except (econ.CorpusError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {', '.join(f'{s}: {n} documents' for s, n in counts.items())} to {out}")
    return 0


def cmd_path(args) -> int:
    try:
        print(econ.built_dir())
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
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
    try:
        where = args.dir or econ.built_dir()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stats = corpus_stats(where)
    if not stats:
        print(f"error: no built corpus in {where}; run `python -m pipeline corpus build` first", file=sys.stderr)
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


def model_version_of(path: Path) -> str | None:
    """The model that wrote an annotate output file, from the FILE.run.json annotate keeps beside it."""
    run = path.with_name(path.name + ".run.json")
    try:
        model = json.loads(run.read_text(encoding="utf-8")).get("model") or {}
    except (OSError, ValueError, AttributeError):
        return None
    name, version = model.get("name"), model.get("version")
    return f"{name} {version}" if name and version else (name or None)


def cmd_export(args) -> int:
    tasks, predicted = [], 0
    for path in args.files:
        version = args.model_version or model_version_of(path)
        for lineno, line in _read_jsonl(path):
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"error: {path}:{lineno}: not JSON ({exc.msg})", file=sys.stderr)
                return 1
            if not isinstance(doc, dict):
                print(f"error: {path}:{lineno}: a record is a JSON object, this is a {type(doc).__name__}", file=sys.stderr)
                return 1
            if labelstudio.is_model_output(doc):
                if not version:
                    print(
                        f"error: {path}:{lineno} ({doc.get('id')}) is model output, but {path}.run.json names no model: "
                        "give --model-version NAME",
                        file=sys.stderr,
                    )
                    return 1
                predicted += 1
            try:
                tasks.append(labelstudio.to_task(doc, version))
            except (ValueError, KeyError, TypeError) as exc:
                print(
                    f"error: {path}:{lineno}: {exc if isinstance(exc, ValueError) else f'not a corpus or annotate record ({exc!r})'}",
                    file=sys.stderr,
                )
                return 1
    args.output.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.config:
        args.config.write_text(labelstudio.LABEL_CONFIG, encoding="utf-8")
    print(f"{len(tasks)} tasks written to {args.output} ({len(tasks) - predicted} as annotations, {predicted} as predictions)")
    return 0


def cmd_import(args) -> int:
    """Read every task, validate it, and only then replace the output (written to a temporary file)."""
    docs, changes, unreviewed = [], [], 0
    try:
        tasks = labelstudio.read_tasks(args.tasks)
        if args.predictions:
            labelstudio.fill_predictions(tasks, labelstudio.read_tasks(args.predictions))
        for i, task in enumerate(tasks):
            if isinstance(task, dict) and labelstudio.chosen_annotation(task) is None and labelstudio.has_predictions(task):
                unreviewed += 1
                if args.reviewed_only:
                    continue
            doc, dropped = labelstudio.read_task(task, i)
            change = review.task_changes(task, i, dropped)
            if change is not None:
                changes.append(change)
            problems = validate(Document.from_dict(doc))
            if problems:
                raise labelstudio.TaskError(f"task {i} ({doc['id']}): {problems[0]}")
            docs.append(doc)
    except labelstudio.TaskError as exc:
        print(f"error: {exc}; {args.output} is left as it was", file=sys.stderr)
        return 1
    out = Path(args.output)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    print(f"{len(docs)} documents written to {args.output}")
    print(review.summary(changes, len(tasks), unreviewed, left_out=args.reviewed_only))
    if args.report:
        report = {
            "tasks": len(tasks),
            "reviewed": len(changes),
            "not_reviewed": unreviewed,
            "totals": dict(review.totals(changes)),
            "changes": changes,
        }
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
