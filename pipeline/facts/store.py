"""The fact store: one DuckDB file a user can query with SQL or open in pandas.

Tables (documented for users in the README):

``articles``        one row per annotated article: id, source, URL, text hash, reprint group
``mentions``        one row per triple of an article, with its spans, value, score and fact id
``facts``           one row per fact: representative names and value, counts of mentions,
                    articles and reprint groups, the combined score, the supporting articles
``reprint_groups``  one row per group of near-duplicate articles (MinHash), with its members
``reprint_pairs``, ``bands``, ``fact_keys``, ``runs``: the machinery (LSH band keys, the
                    verified reprint pairs, key → fact, one row per run)

Articles go in chunk by chunk, each chunk in its own transaction, so memory stays flat and an
interrupted run leaves a store the next run completes: articles already present (same id,
same text) are skipped, not redone. ``facts`` and ``reprint_groups`` are derived from the
other tables after every run, by SQL and by :mod:`pipeline.facts.cluster` over the distinct
keys, a company at a time.

A fact's score combines its sources as independent evidence, one vote per reprint group
(the best mention of each group): ``1 − Π (1 − score)``; ten outlets printing one release
count once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from . import cluster
from .mentions import Prepared, prepare, prepare_lines, remember
from .reprints import THRESHOLD, components, jaccard
from .table import COLUMNS as TABLE_COLUMNS
from .table import read_annotated

_DDL = """
CREATE TABLE IF NOT EXISTS runs (run INTEGER, started TIMESTAMP DEFAULT current_timestamp,
    inputs VARCHAR, added INTEGER, skipped INTEGER, errors INTEGER);
CREATE TABLE IF NOT EXISTS articles (article_id VARCHAR, source VARCHAR, url VARCHAR,
    sha256 VARCHAR, n_chars INTEGER, n_triples INTEGER, signature BLOB, run INTEGER, group_id VARCHAR);
CREATE TABLE IF NOT EXISTS bands (band SMALLINT, key UBIGINT, article_id VARCHAR);
CREATE TABLE IF NOT EXISTS reprint_pairs (a VARCHAR, b VARCHAR, jaccard DOUBLE);
CREATE TABLE IF NOT EXISTS mentions (article_id VARCHAR, mention INTEGER, doc_id VARCHAR, source VARCHAR,
    company VARCHAR, company_canonical VARCHAR, program VARCHAR, program_canonical VARCHAR,
    outcome VARCHAR, agency VARCHAR, agency_canonical VARCHAR, metric VARCHAR, value DOUBLE,
    unit VARCHAR, direction VARCHAR, period VARCHAR, base DOUBLE, score DOUBLE,
    company_start INTEGER, company_end INTEGER, program_start INTEGER, program_end INTEGER,
    outcome_start INTEGER, outcome_end INTEGER, evidence VARCHAR,
    company_key VARCHAR, program_key VARCHAR, outcome_figures VARCHAR, outcome_text_key VARCHAR,
    fact_id VARCHAR);
"""

_MENTION_COLUMNS = (*TABLE_COLUMNS, "article_id", "mention", "company_key", "program_key", "outcome_figures", "outcome_text_key")
_ARTICLE_COLUMNS = ("article_id", "source", "url", "sha256", "n_chars", "n_triples", "signature", "run")

_FACTS = """
CREATE OR REPLACE TABLE facts AS
WITH ranked AS (
    SELECT m.*, a.group_id,
           row_number() OVER (PARTITION BY m.fact_id ORDER BY m.score DESC NULLS LAST, m.article_id, m.mention) AS r
    FROM mentions m JOIN articles a USING (article_id)),
votes AS (SELECT fact_id, group_id, max(coalesce(score, 0.5)) AS s FROM ranked GROUP BY fact_id, group_id),
combined AS (SELECT fact_id, 1 - exp(sum(ln(1 - least(s, 0.999999)))) AS score, count(*) AS n_groups
             FROM votes GROUP BY fact_id),
counts AS (SELECT fact_id, count(*) AS n_mentions, count(DISTINCT article_id) AS n_articles,
                  list(DISTINCT article_id ORDER BY article_id) AS articles FROM ranked GROUP BY fact_id)
SELECT r.fact_id, r.company, r.company_canonical, r.program, r.program_canonical, r.outcome,
       r.agency, r.agency_canonical, r.metric, r.value, r.unit, r.direction, r.period, r.base,
       round(c.score, 4) AS score, n.n_mentions, n.n_articles, c.n_groups, n.articles
FROM ranked r JOIN combined c USING (fact_id) JOIN counts n USING (fact_id)
WHERE r.r = 1
ORDER BY c.n_groups DESC, c.score DESC, r.fact_id
"""

_GROUPS = """
CREATE OR REPLACE TABLE reprint_groups AS
SELECT group_id, count(*) AS n_articles, list(article_id ORDER BY article_id) AS articles
FROM articles GROUP BY group_id ORDER BY n_articles DESC, group_id
"""


@dataclass
class RunReport:
    """What one run did: counts, and the records it could not take (with the reason)."""

    added: int = 0
    skipped: int = 0
    mentions: int = 0
    errors: list[str] = field(default_factory=list)
    facts: int = 0
    groups: int = 0
    reprinted: int = 0


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _pieces(path: str, lines: int) -> list[tuple[str, int, int | None, int]]:
    """A JSONL file as byte ranges of about ``lines`` lines: (path, start, end, first line)."""
    from ..io.readers import line_offsets

    bounds = list(line_offsets(path, lines))
    return [(path, start, nxt[0] if nxt else None, line) for (start, line), nxt in zip(bounds, [*bounds[1:], None])]


def _prepared(pieces: list[tuple], known: dict[str, str], n_process: int) -> Iterator[Prepared]:
    """Prepared pieces in order; with ``n_process`` > 1, from a pool of worker processes that holds
    at most two pieces per worker, so memory stays flat however long the input."""
    if n_process <= 1 or len(pieces) <= 1:  # a small input never pays for a pool
        for piece in pieces:
            yield prepare_lines(*piece, known=known)
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(n_process, mp_context=get_context("spawn"), initializer=remember, initargs=(known,)) as pool:
        pending: deque = deque()
        for piece in pieces:
            pending.append(pool.submit(prepare_lines, *piece))
            if len(pending) >= 2 * n_process:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class FactStore:
    """A DuckDB fact store at ``path`` (created if absent)."""

    def __init__(self, path: str | Path, *, threshold: float = THRESHOLD, memory_limit: str = "256MB") -> None:
        import duckdb

        self.path = Path(path)
        self.threshold = threshold
        # a bounded memory: DuckDB spills to disk beyond ``memory_limit``, so a large archive costs
        # about what a small one does
        self.con = duckdb.connect(str(self.path), config={"memory_limit": memory_limit, "preserve_insertion_order": False})
        self.con.execute(_DDL)
        self.run = self.con.execute("SELECT coalesce(max(run), 0) + 1 FROM runs").fetchone()[0]
        #: what the last :meth:`add` did
        self.report: RunReport | None = None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> FactStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- adding articles ---------------------------------------------------------------

    def add(self, records: Iterable[dict], *, chunk_size: int = 2000, inputs: str = "") -> RunReport:
        """Add annotated records (skipping those already stored), then derive groups and facts."""
        report = RunReport()
        for chunk in _chunks(records, chunk_size):
            self.ingest(prepare(chunk, self._known(chunk)), report)
        self.finish(report, inputs)
        return report

    def add_files(self, paths: Iterable[str | Path], *, chunk_size: int = 2000, n_process: int = 1) -> RunReport:
        """Add annotate's output files: JSONL files are cut into byte ranges of ``chunk_size``
        lines that ``n_process`` worker processes read and prepare (MinHash, keys) while this one
        stores; Parquet outputs and Dask run directories are read here (:meth:`add`)."""
        paths = [str(p) for p in paths]
        jsonl = [p for p in paths if Path(p).is_file() and Path(p).suffix == ".jsonl"]
        pieces = [piece for p in jsonl for piece in _pieces(p, chunk_size)]
        report = RunReport()
        known = dict(self.con.execute("SELECT article_id, sha256 FROM articles").fetchall()) if pieces else {}
        for prepared in _prepared(pieces, known, n_process):
            self.ingest(prepared, report)
        rest = [p for p in paths if p not in jsonl]
        for chunk in _chunks(read_annotated(rest), chunk_size):
            self.ingest(prepare(chunk, self._known(chunk)), report)
        self.finish(report, " ".join(paths))
        return report

    def _known(self, chunk: list[dict]) -> dict[str, str]:
        """id → text hash of the chunk's articles already stored."""
        ids = [r["id"] for r in chunk if isinstance(r, dict) and isinstance(r.get("id"), str)]
        return dict(self.con.execute("SELECT article_id, sha256 FROM articles WHERE list_contains(?, article_id)", [ids]).fetchall())

    def finish(self, report: RunReport, inputs: str = "") -> None:
        """Record the run, then derive groups and facts (after the last :meth:`ingest`)."""
        self.con.execute(
            "INSERT INTO runs (run, inputs, added, skipped, errors) VALUES (?, ?, ?, ?, ?)",
            [self.run, inputs, report.added, report.skipped, len(report.errors)],
        )
        if report.added:
            self.refresh(report)
        else:  # nothing new: groups and facts stand as they are
            self._counts(report)
        self.report = report

    def ingest(self, prepared: Prepared, report: RunReport) -> None:
        """Store prepared rows in one transaction, skipping articles already stored (same id and text)."""
        import pyarrow as pa

        report.errors.extend(prepared.errors)
        report.skipped += prepared.skipped
        if not prepared.articles:
            return
        ids = [a["article_id"] for a in prepared.articles]
        known = dict(self.con.execute("SELECT article_id, sha256 FROM articles WHERE list_contains(?, article_id)", [ids]).fetchall())
        new = set()
        for a in prepared.articles:
            old = known.get(a["article_id"])
            if old is None:
                new.add(a["article_id"])
            elif old == a["sha256"]:
                report.skipped += 1
            else:
                report.errors.append(f"record {a['article_id']!r}: already in the store with another text")
        tables = (
            (
                "articles",
                [{**{c: a.get(c) for c in _ARTICLE_COLUMNS}, "run": self.run} for a in prepared.articles if a["article_id"] in new],
            ),
            ("bands", [b for b in prepared.bands if b["article_id"] in new]),
            ("mentions", [{c: m.get(c) for c in _MENTION_COLUMNS} for m in prepared.mentions if m["article_id"] in new]),
        )
        self.con.execute("BEGIN")
        for table, rows in tables:
            if rows:
                self.con.register("_chunk", pa.Table.from_pylist(rows))
                self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _chunk")
                self.con.unregister("_chunk")
        self.con.execute("COMMIT")
        report.added += len(new)
        report.mentions += len(tables[2][1])

    # -- deriving groups and facts -------------------------------------------------------

    def refresh(self, report: RunReport | None = None) -> None:
        """Find the reprints of this run's articles, regroup, recluster, rebuild ``facts``."""
        self._pairs()
        self._groups()
        self._facts()
        if report is not None:
            self._counts(report)

    def _counts(self, report: RunReport) -> None:
        if not self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'facts'").fetchone()[0]:
            return  # an empty store: nothing was ever added
        report.facts = self.con.execute("SELECT count(*) FROM facts").fetchone()[0]
        report.groups, report.reprinted = self.con.execute(
            "SELECT count(*), coalesce(sum(n_articles), 0) FROM reprint_groups WHERE n_articles > 1"
        ).fetchone()

    def _pairs(self) -> None:
        # only the bands of this run's articles are joined: a run costs what it adds, not the store's size
        cur = self.con.execute(
            """WITH fresh AS (SELECT b.band, b.key, b.article_id FROM bands b JOIN articles a USING (article_id) WHERE a.run = ?),
               candidates AS (
                   SELECT DISTINCT least(f.article_id, o.article_id) AS a, greatest(f.article_id, o.article_id) AS b
                   FROM fresh f JOIN bands o ON f.band = o.band AND f.key = o.key AND f.article_id <> o.article_id)
               SELECT c.a, c.b, ax.signature, ay.signature FROM candidates c
               JOIN articles ax ON ax.article_id = c.a JOIN articles ay ON ay.article_id = c.b""",
            [self.run],
        )
        kept = []
        while batch := cur.fetchmany(10_000):
            kept.extend((a, b, j) for a, b, sa, sb in batch if (j := jaccard(sa, sb)) >= self.threshold)
        if kept:  # through Arrow: executemany is a statement per row
            import pyarrow as pa

            a, b, j = zip(*kept)
            self.con.register("_pairs", pa.table({"a": a, "b": b, "jaccard": j}))
            self.con.execute("INSERT INTO reprint_pairs SELECT * FROM _pairs")
            self.con.unregister("_pairs")

    def _groups(self) -> None:
        import pyarrow as pa

        group = components(self.con.execute("SELECT a, b FROM reprint_pairs").fetchall())
        self.con.execute("BEGIN")
        self.con.execute("UPDATE articles SET group_id = article_id")
        if group:
            self.con.register("_groups", pa.table({"article_id": list(group), "group_id": list(group.values())}))
            self.con.execute("UPDATE articles SET group_id = g.group_id FROM _groups g WHERE articles.article_id = g.article_id")
            self.con.unregister("_groups")
        self.con.execute(_GROUPS)
        self.con.execute("COMMIT")

    def _facts(self) -> None:
        import pyarrow as pa

        cols = ", ".join(cluster.COLUMNS)
        names = (*cluster.COLUMNS, "fact_id")
        reader = self.con.cursor()  # streams the sorted keys while this connection writes
        cur = reader.execute(f"SELECT DISTINCT {cols} FROM mentions ORDER BY {cols}")

        def keys() -> Iterator[tuple]:
            while batch := cur.fetchmany(10_000):
                yield from batch

        self.con.execute("BEGIN")
        self.con.execute("CREATE OR REPLACE TABLE fact_keys (" + ", ".join(f"{n} VARCHAR" for n in names) + ")")
        for rows in _chunks(cluster.assign(keys()), 50_000):
            self.con.register("_keys", pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}))
            self.con.execute("INSERT INTO fact_keys SELECT * FROM _keys")
            self.con.unregister("_keys")
        reader.close()
        same = " AND ".join(f"mentions.{c} IS NOT DISTINCT FROM k.{c}" for c in cluster.COLUMNS)
        self.con.execute(f"UPDATE mentions SET fact_id = k.fact_id FROM fact_keys k WHERE {same}")
        self.con.execute(_FACTS)
        self.con.execute("COMMIT")

    # -- reading and exporting ---------------------------------------------------------------

    def table(self, name: str):
        """A table as a pandas DataFrame (``facts``, ``mentions``, ``articles``, ``reprint_groups``)."""
        return self.con.execute(f"SELECT * FROM {_table_name(name)}").df()

    def export_parquet(self, directory: str | Path) -> list[Path]:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        out = []
        for name in ("facts", "mentions", "articles", "reprint_groups"):
            path = directory / f"{name}.parquet"
            columns = "* EXCLUDE (signature)" if name == "articles" else "*"
            self.con.execute(f"COPY (SELECT {columns} FROM {name}) TO '{_sql_path(path)}' (FORMAT parquet)")
            out.append(path)
        return out

    def export_csv(self, path: str | Path) -> Path:
        """The facts as CSV, UTF-8 with a byte-order mark (Excel opens Korean text right)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        cur = self.con.execute("SELECT * EXCLUDE (articles), array_to_string(articles, ';') AS articles FROM facts")
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([d[0] for d in cur.description])
            while batch := cur.fetchmany(10_000):
                writer.writerows(batch)
        tmp.replace(path)
        return path


def _table_name(name: str) -> str:
    if name not in ("facts", "mentions", "articles", "reprint_groups", "reprint_pairs", "runs"):
        raise ValueError(f"no table {name!r} in a fact store")
    return name


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
