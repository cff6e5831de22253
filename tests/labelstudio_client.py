"""One Label Studio SDK call per run, for the live test in tests/test_labelstudio.py.

Why a separate script: Label Studio and its SDK cannot share the project's environment (label-studio
pins pyarrow <25 and the SDK numpy <2.3; the project uses newer ones), so they live in a venv of their
own (`.venv-labelstudio/`, see the README's labelstudio-install block). The test runs this file with
that venv's Python; it imports only the standard library and `label_studio_sdk`, never the project.
Every operation writes its answer as JSON to `--out`, which the test reads and checks with the
project's own code.

    python labelstudio_client.py --url URL --token TOKEN --out answer.json OPERATION [ARGS]
    python labelstudio_client.py --url URL --token TOKEN --serve

Operations: create-project, import-tasks, export, annotate (see `--help` of each). With --serve it
reads one operation a line from stdin (a JSON list: `["--out", "a.json", "export", "--project", "1"]`)
and answers each with one line on stdout (`{"ok": true}` or `{"error": "..."}`): importing the SDK
takes 10-25 s on a loaded machine, so the test pays for it once rather than at every call.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio


def _read_json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def create_project(client: LabelStudio, args: argparse.Namespace) -> dict:
    """A new project whose labelling interface is the config `corpus export --config` wrote."""
    project = client.projects.create(title=args.title, label_config=Path(args.config).read_text(encoding="utf-8"))
    return {"id": project.id}


def import_tasks(client: LabelStudio, args: argparse.Namespace) -> dict:
    """Tasks (with predictions or annotations) into a project; Label Studio's own counts come back."""
    done = client.projects.import_tasks(args.project, request=_read_json(args.tasks), commit_to_project=True, return_task_ids=True)
    return {
        "task_count": done.task_count,
        "prediction_count": done.prediction_count,
        "annotation_count": done.annotation_count,
        "task_ids": list(done.task_ids or []),
    }


def _full_export(client: LabelStudio, project: int) -> list[dict]:
    """A snapshot export with predictions in full (the plain export lists them by id only)."""
    snap = client.projects.exports.create(project, serialization_options={"predictions": {"only_id": False}})
    for _ in range(240):
        snap = client.projects.exports.get(project, snap.id)
        if snap.status in ("completed", "failed"):
            break
        time.sleep(0.5)
    if snap.status != "completed":
        raise SystemExit(f"export snapshot {snap.id} of project {project} ended as {snap.status!r}: {snap}")
    return json.loads(b"".join(client.projects.exports.download(project, snap.id, export_type="JSON")))


def export(client: LabelStudio, args: argparse.Namespace) -> list[dict]:
    """All tasks of a project as Label Studio's JSON export: in full (--full) or the plain one."""
    if args.full:
        return _full_export(client, args.project)
    return json.loads(b"".join(client.projects.exports.download_sync(args.project, export_type="JSON", download_all_tasks=True)))


def annotate(client: LabelStudio, args: argparse.Namespace) -> dict:
    """A reviewer's annotation of one task (a result list from a JSON file; --cancelled = skipped)."""
    extra = {} if args.parent_prediction is None else {"parent_prediction": args.parent_prediction}
    made = client.annotations.create(args.task, result=_read_json(args.result), was_cancelled=args.cancelled, **extra)
    return {"id": made.id}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="the server, e.g. http://127.0.0.1:8080")
    p.add_argument("--token", help="a (legacy) API token of the server")
    p.add_argument("--serve", action="store_true", help="operations from stdin, one JSON list of arguments a line")
    p.add_argument("--out", help="where the answer goes, as JSON")
    ops = p.add_subparsers(dest="op")
    c = ops.add_parser("create-project", help=create_project.__doc__)
    c.add_argument("--title", required=True)
    c.add_argument("--config", required=True, help="the labelling config (XML file)")
    c.set_defaults(run=create_project)
    i = ops.add_parser("import-tasks", help=import_tasks.__doc__)
    i.add_argument("--project", type=int, required=True)
    i.add_argument("--tasks", required=True, help="a JSON list of tasks (corpus export's output)")
    i.set_defaults(run=import_tasks)
    e = ops.add_parser("export", help=export.__doc__)
    e.add_argument("--project", type=int, required=True)
    e.add_argument("--full", action="store_true", help="predictions in full, through an export snapshot")
    e.set_defaults(run=export)
    a = ops.add_parser("annotate", help=annotate.__doc__)
    a.add_argument("--task", type=int, required=True)
    a.add_argument("--result", required=True, help="a JSON list of result items (regions and relations)")
    a.add_argument("--cancelled", action="store_true")
    a.add_argument("--parent-prediction", type=int)
    a.set_defaults(run=annotate)
    return p


def run_one(client: LabelStudio, args: argparse.Namespace) -> None:
    """One operation, its answer written to args.out."""
    if args.op is None or args.out is None:
        raise ValueError("an operation and --out are needed")
    answer = args.run(client, args)
    Path(args.out).write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")


def serve(client: LabelStudio, p: argparse.ArgumentParser) -> int:
    """Operations from stdin until it closes; a failed one is answered with its error, not fatal."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            run_one(client, p.parse_args(json.loads(line)))
            reply: dict = {"ok": True}
        except (Exception, SystemExit) as err:  # argparse reports bad arguments by SystemExit
            traceback.print_exc()
            reply = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(reply), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not (args.url and args.token):
        p.error("--url and --token are needed")
    client = LabelStudio(base_url=args.url, api_key=args.token)
    if args.serve:
        return serve(client, p)
    run_one(client, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
