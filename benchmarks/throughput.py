"""Throughput and peak memory of batch annotation, on one corpus, printed as a table.

    python benchmarks/throughput.py            # the default run: ~8 minutes on 2 cores
    python benchmarks/throughput.py --quick    # a smaller run: ~2 minutes
    python benchmarks/throughput.py --skip bert,stream --model models/ko_econ_default --model DIR
                                               # the shipped model and a candidate, side by side
    python benchmarks/throughput.py --skip pipeline,blank,kiwi,bert,stream --hide-torch
                                               # whole processes only, as after the quick start's install

The corpus: KLUE NER train raw sentences (``klue/klue-ner-train-raw-sentences.tsv``
in the shared data), grouped five to a document, plus the econ-news texts
(``econ-news/*.jsonl``). "Sentences" are the corpus's own sentences (KLUE's, and the
news texts cut after ., ! or ?), the same count for every row, so sentences/s compare.

Rows (each measured in a fresh process, so that its peak memory is its own; times
exclude loading the model, which is reported apart):

* ``pipeline`` — the full default pipeline (or each ``--model`` in turn) (``models/ko_econ_default``: Kiwi, NER,
  relations, triples) to SCHEMA.md records, in batches as the CLI runs it;
* ``blank`` — the same with ``-m blank``: Kiwi tokens into spaCy Docs and records;
* ``kiwi`` — raw kiwipiepy ``Kiwi.tokenize`` over the documents (all cores);
* ``bert`` — a BERT-base-sized token classifier (``BertConfig()`` defaults, random
  weights, ``BertForTokenClassification``) on the CPU under ``torch.no_grad``, over
  the same sentences, 32 a batch (sorted by length); its WordPiece vocabulary (30,522) is trained on the
  21,008 KLUE sentences, so sequence lengths are realistic for Korean;
* ``stream N`` — ``python -m pipeline annotate`` over an N-document JSONL (one KLUE
  sentence a document, cycled) with ``-m blank``, one process: peak memory must not
  grow with N. Peak RSS is sampled over the process tree every 0.1 s.

Whole processes (issue 11's speed target: the full pipeline at ≥ 0.5 of Kiwi's throughput,
peak RSS ≤ 1 GB, on the same sentences in one run). The in-process rows leave out start-up
and loading, which a user of the CLI pays every run, so a second table times whole
processes from ``exec`` to exit over one JSONL of the first ``--whole-sentences`` KLUE train
sentences (5,000; one sentence a document):

* ``kiwi`` — a Python process that reads the JSONL and runs ``Kiwi(num_workers=-1).tokenize``
  over all texts (the floor any Kiwi-based pipeline stands on);
* ``annotate -m MODEL`` — ``python -m pipeline annotate`` over it, for each ``--model``,
  with ``--annotate-args`` (e.g. ``"--n-process 2"``) if given.

Each row reports sentences/s, its ratio to the Kiwi row and its peak RSS. A development venv
has torch (the ``transformers`` extra), which spaCy imports at every start; ``--hide-torch``
times the whole processes as after the README's quick-start install, which has none.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from no_torch import shadow_dir  # this folder is on the path when the script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    from pipeline.corpora.sources import default_data_dir

    path = default_data_dir()
    if path is None or not path.is_dir():
        sys.exit("no shared data: give --data DIR (the directory with klue/ and econ-news/)")
    return path


def klue_sentences(data: Path) -> list[str]:
    out = []
    with open(data / "klue" / "klue-ner-train-raw-sentences.tsv", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[1].strip():
                out.append(parts[1].strip())
    return out


def build_corpus(data: Path, n_sentences: int, n_news: int | None) -> list[dict]:
    sents = klue_sentences(data)[:n_sentences]
    docs = [
        {"id": f"klue-{i // 5}", "text": " ".join(sents[i : i + 5]), "sentences": len(sents[i : i + 5])} for i in range(0, len(sents), 5)
    ]
    news = []
    for path in sorted((data / "econ-news").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            news.extend(json.loads(line) for line in f if line.strip())
    for rec in news[:n_news]:
        docs.append({"id": rec["id"], "text": rec["text"], "sentences": len(split_sentences(rec["text"]))})
    return docs


def split_sentences(text: str) -> list[str]:
    """A news text's sentences: cut after ., ! or ? and white space."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


# -- stages (each in its own process) ---------------------------------------------------------


def stage_pipeline(docs: list[dict], model: str | None) -> dict:
    from pipeline.core.limits import DEFAULT_BATCH_SIZE
    from pipeline.io.records import Item
    from pipeline.runners.annotate import annotate_items, batches
    from pipeline.runners.models import ModelRef

    t0 = time.perf_counter()
    nlp = ModelRef.of(model).load()
    nlp("준비")  # Kiwi loads on first use
    load = time.perf_counter() - t0
    items = [Item("bench", i, d["id"], d["text"]) for i, d in enumerate(docs)]
    t0 = time.perf_counter()
    found = {"sentences_kiwi": 0, "entities": 0, "triples": 0, "errors": 0}
    for b in batches(items, DEFAULT_BATCH_SIZE):
        for res in annotate_items(nlp, b):
            if res[0] == "doc":
                found["sentences_kiwi"] += res[2]
                found["entities"] += res[3]
                found["triples"] += res[4]
            else:
                found["errors"] += 1
    return {"seconds": time.perf_counter() - t0, "load": load, **found}


def stage_kiwi(docs: list[dict]) -> dict:
    from kiwipiepy import Kiwi

    t0 = time.perf_counter()
    kiwi = Kiwi(num_workers=-1)
    kiwi.tokenize("준비")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    tokens = sum(len(r) for r in kiwi.tokenize([d["text"] for d in docs]))
    return {"seconds": time.perf_counter() - t0, "load": load, "tokens": tokens}


def stage_bert(docs: list[dict], sentences: list[str], vocab_from: list[str]) -> dict:
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # no tokenizer threads competing with torch's
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertForTokenClassification

    torch.set_num_threads(os.cpu_count() or 1)
    t0 = time.perf_counter()
    tok = BertWordPieceTokenizer(lowercase=False, strip_accents=False)
    tok.train_from_iterator(vocab_from, vocab_size=30_522, min_frequency=1, show_progress=False)
    tok.enable_truncation(512)
    torch.manual_seed(0)
    model = BertForTokenClassification(BertConfig(num_labels=13)).eval()
    load = time.perf_counter() - t0
    n_tokens = 0
    t0 = time.perf_counter()
    ordered = sorted(sentences, key=len)  # batches of similar lengths: little padding, as a serving setup would do
    with torch.no_grad():
        for i in range(0, len(ordered), 32):
            enc = tok.encode_batch(ordered[i : i + 32])
            width = max(len(e.ids) for e in enc)
            ids = torch.zeros((len(enc), width), dtype=torch.long)
            mask = torch.zeros((len(enc), width), dtype=torch.long)
            for j, e in enumerate(enc):
                ids[j, : len(e.ids)] = torch.tensor(e.ids)
                mask[j, : len(e.ids)] = 1
                n_tokens += len(e.ids)
            model(input_ids=ids, attention_mask=mask).logits.argmax(-1)
    return {
        "seconds": time.perf_counter() - t0,
        "load": load,
        "tokens_per_sentence": round(n_tokens / max(1, len(sentences)), 1),
        "threads": torch.get_num_threads(),
    }


def stage_kiwi_process(jsonl: Path) -> None:
    """Whole-process Kiwi: read the JSONL, tokenise every text, print the token count."""
    from kiwipiepy import Kiwi

    with open(jsonl, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    tokens = sum(len(r) for r in Kiwi(num_workers=-1).tokenize(texts))
    print("RESULT " + json.dumps({"tokens": tokens}))


def run_stage(args) -> None:
    if args.stage == "kiwi-process":
        stage_kiwi_process(Path(args.corpus))
        return
    corpus = json.loads(Path(args.corpus).read_text(encoding="utf-8"))
    docs, sentences = corpus["docs"], corpus["sentences"]
    if args.stage == "pipeline":
        out = stage_pipeline(docs, args.stage_model)
    elif args.stage == "blank":
        out = stage_pipeline(docs, "blank")
    elif args.stage == "kiwi":
        out = stage_kiwi(docs)
    elif args.stage == "bert":
        out = stage_bert(docs, sentences, corpus["vocab_from"])
    else:
        raise SystemExit(f"unknown stage {args.stage}")
    print("RESULT " + json.dumps(out))


# -- measuring ----------------------------------------------------------------------------------


class PeakRSS:
    """Peak of the summed RSS of a process and its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, rss)
            except psutil.Error:
                return
            self._stop.wait(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def measured(cmd: list[str], **kw) -> tuple[str, str, int, int]:
    """Run ``cmd``; (stdout, stderr, sampled peak tree RSS, kernel maxrss of the main process), bytes."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, **kw)
        sampler = PeakRSS(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    maxrss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return stdout, stderr, max(peak, maxrss), maxrss


def stage_row(name: str, corpus_path: Path, n_docs: int, n_sents: int, model: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--stage", name, "--corpus", str(corpus_path)]
    if model:
        cmd += ["--stage-model", model]
    stdout, _, peak, _ = measured(cmd)
    res = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[7:])
    return {"docs": n_docs, "sentences": n_sents, "peak": peak, **res}


def stream_row(n: int, sentences: list[str], workdir: Path, extra: list[str]) -> dict:
    src = workdir / f"stream-{n}.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"s{i}", "text": sentences[i % len(sentences)]}, ensure_ascii=False) + "\n")
    out = workdir / f"stream-{n}.out.jsonl"
    cmd = [sys.executable, "-m", "pipeline", "annotate", str(src), "-o", str(out), *extra]
    t0 = time.perf_counter()
    _, stderr, peak, _ = measured(cmd)
    wall = time.perf_counter() - t0
    m = re.search(r"(\d+) documents, (\d+) sentences.* in ([\d.]+)s", stderr)
    if not m or int(m.group(1)) != n:
        raise RuntimeError(f"unexpected summary: {stderr[-2000:]}")
    lines = out.read_bytes().count(b"\n")
    assert lines == n, f"{lines} output lines for {n} documents"
    src.unlink()
    out.unlink()
    return {"docs": n, "sentences": int(m.group(2)), "seconds": float(m.group(3)), "load": wall - float(m.group(3)), "peak": peak}


def whole_rows(
    sentences: list[str], workdir: Path, models: list[str], extra: list[str], hide_torch: bool = False
) -> list[tuple[str, dict]]:
    """Kiwi alone and ``annotate -m MODEL`` for each model, as whole processes over one JSONL.

    Times run from ``exec`` to exit (interpreter start, imports and loading included),
    because that is what a user of the CLI waits for. ``hide_torch``: as after the
    quick start's install, which has no torch for spaCy to import.
    """
    env = dict(os.environ)
    if hide_torch:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [shadow_dir(), env.get("PYTHONPATH")]))
    src = workdir / "whole.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for i, text in enumerate(sentences):
            f.write(json.dumps({"id": f"k{i}", "text": text}, ensure_ascii=False) + "\n")
    n = len(sentences)
    rows = []
    t0 = time.perf_counter()
    stdout, _, peak, _ = measured([sys.executable, __file__, "--stage", "kiwi-process", "--corpus", str(src)], env=env)
    rows.append(("kiwi", {"docs": n, "sentences": n, "seconds": time.perf_counter() - t0, "peak": peak}))
    for model in models:
        out = workdir / "whole.out.jsonl"
        cmd = [sys.executable, "-m", "pipeline", "annotate", str(src), "-o", str(out), "-q", "-m", model, *extra]
        t0 = time.perf_counter()
        _, _, peak, _ = measured(cmd, env=env)
        wall = time.perf_counter() - t0
        lines = out.read_bytes().count(b"\n")
        if lines != n:
            raise RuntimeError(f"{' '.join(cmd)}: {lines} output lines for {n} documents")
        out.unlink()
        rows.append((f"annotate -m {model} {' '.join(extra)}".rstrip(), {"docs": n, "sentences": n, "seconds": wall, "peak": peak}))
    return rows


def whole_table(rows: list[tuple[str, dict]]) -> str:
    """The whole-process rows with each one's throughput as a share of Kiwi's."""
    head = f"{'whole process':<60} {'sents':>7} {'secs':>7} {'sents/s':>8} {'x Kiwi':>7} {'peak MB':>8}"
    lines = [head, "-" * len(head)]
    kiwi_rate = rows[0][1]["sentences"] / max(rows[0][1]["seconds"], 1e-9)
    for name, r in rows:
        rate = r["sentences"] / max(r["seconds"], 1e-9)
        lines.append(
            f"{name[-60:]:<60} {r['sentences']:>7} {r['seconds']:>7.1f} {rate:>8.1f} {rate / kiwi_rate:>7.2f} {r['peak'] / 2**20:>8.0f}"
        )
    return "\n".join(lines)


def table(rows: list[tuple[str, dict]]) -> str:
    head = f"{'run':<52} {'docs':>8} {'sents':>8} {'secs':>8} {'docs/s':>9} {'sents/s':>9} {'peak MB':>8} {'load s':>7}"
    lines = [head, "-" * len(head)]
    for name, r in rows:
        secs = max(r["seconds"], 1e-9)
        lines.append(
            f"{name:<52} {r['docs']:>8} {r['sentences']:>8} {r['seconds']:>8.1f} {r['docs'] / secs:>9.1f} "
            f"{r['sentences'] / secs:>9.1f} {r['peak'] / 2**20:>8.0f} {r.get('load', 0):>7.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smaller run (~2 minutes)")
    ap.add_argument("--data", default=None, help="the shared data directory (default: ../shared/data)")
    ap.add_argument("--skip", default="", help="comma-separated rows to leave out: pipeline,blank,kiwi,bert,stream,whole")
    ap.add_argument(
        "--model",
        action="append",
        default=None,
        help="a pipeline to measure (repeatable; default: the shipped model): an in-process row and a whole-process row each",
    )
    ap.add_argument(
        "--whole-sentences", type=int, default=None, help="KLUE train sentences for the whole-process rows (5,000; --quick 1,000)"
    )
    ap.add_argument("--annotate-args", default="", help='extra options for the whole-process annotate rows, e.g. "--n-process 2"')
    ap.add_argument("--hide-torch", action="store_true", help="whole processes see no torch, as after the quick start's install")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    ap.add_argument("--stage-model", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:
        run_stage(args)
        return
    skip = set(filter(None, args.skip.split(",")))
    data = data_dir(args.data)
    n_sent, n_news = (200, 20) if args.quick else (2000, None)
    streams = (2_000, 20_000) if args.quick else (20_000, 200_000)
    docs = build_corpus(data, n_sent, n_news)
    klue = klue_sentences(data)
    sentences = list(klue[:n_sent])
    for d in docs:
        if not d["id"].startswith("klue-"):
            sentences.extend(split_sentences(d["text"]))
    n_docs, n_sents = len(docs), len(sentences)
    assert n_sents == sum(d["sentences"] for d in docs)
    print(
        f"corpus: {n_docs} documents ({n_sent} KLUE sentences in fives + {n_docs - n_sent // 5} econ-news texts), "
        f"{n_sents} sentences, {sum(len(d['text']) for d in docs):,} characters; {os.cpu_count()} CPU cores",
        flush=True,
    )
    rows: list[tuple[str, dict]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus_path = work / "corpus.json"
        corpus_path.write_text(json.dumps({"docs": docs, "sentences": sentences, "vocab_from": klue}, ensure_ascii=False), encoding="utf-8")
        models = args.model or [None]
        stages = [
            *(("pipeline", f"full pipeline ({Path(m).name if m else 'ko_econ_default'})", m) for m in models),
            ("blank", "blank pipeline (Kiwi -> spaCy Doc -> record)", None),
            ("kiwi", "raw Kiwi (kiwipiepy tokenize, all cores)", None),
            ("bert", "BERT-base token classifier, CPU, random weights", None),
        ]
        for key, label, model in stages:
            if key in skip:
                continue
            print(f"running {key} {model or ''}…", flush=True)
            r = stage_row(key, corpus_path, n_docs, n_sents, model)
            rows.append((label, r))
            if key == "pipeline":
                notes.append(f"pipeline found {r['entities']} entities, {r['triples']} triples; Kiwi split {r['sentences_kiwi']} sentences")
            if key == "bert":
                notes.append(f"BERT: {r['tokens_per_sentence']} WordPiece tokens a sentence on average, {r['threads']} torch threads")
        if "stream" not in skip:
            for n in streams:
                print(f"running stream {n:,} …", flush=True)
                r = stream_row(n, klue, work, ["-m", "blank"])
                rows.append((f"CLI stream -m blank, {n:,} docs (1 process)", r))
        whole: list[tuple[str, dict]] = []
        if "whole" not in skip:
            n_whole = args.whole_sentences or (1_000 if args.quick else 5_000)
            print(f"running whole processes over {n_whole:,} KLUE sentences …", flush=True)
            shipped = str(ROOT / "models" / "ko_econ_default")
            whole = whole_rows(klue[:n_whole], work, [m or shipped for m in models], args.annotate_args.split(), args.hide_torch)
    print()
    print(table(rows))
    for note in notes:
        print(f"  {note}")
    print("  peak MB: peak resident memory of the process tree; load s: model loading + start-up, not in secs")
    if whole:
        print()
        print(whole_table(whole))
        print("  whole process: exec to exit, start-up and loading included; x Kiwi: sentences/s over Kiwi's (target >= 0.5)")
    if args.json:
        out = [{"run": n, **r} for n, r in rows] + [{"run": f"whole: {n}", **r} for n, r in whole]
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
