"""One benchmark stage in a process of its own, so its peak memory is its alone.

    python benchmarks/stages.py STAGE FILE [DB_URL]

Prints one JSON line: {"stage", "records", "seconds", "peak_mb"}.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_ours(path: str, _db: str | None) -> int:
    from evidence.records import Article
    from ingest.pubmed_xml import iter_file

    return sum(1 for item in iter_file(path) if isinstance(item, Article))


def parse_ours_parallel(path: str, _db: str | None) -> int:
    """Parse on every core into the rows the loader writes (plain tuples)."""
    from ingest.parallel import parse_file_parallel
    from ingest.rows import StudyRows

    return sum(1 for item in parse_file_parallel(path, source="bench", tag=False)
               if isinstance(item, StudyRows))


def import_ours(path: str, db_url: str | None) -> int:
    """What ``evidence import`` does: the workers start loading the tagger first."""
    from ingest.worker_pool import start_early

    start_early([Path(path)])
    from evidence.db import open_database
    from ingest.files import import_files

    database = open_database(db_url or "sqlite:///benchmarks/out/bench.db")
    summary = import_files(database, [path])
    return summary.counts.new + summary.counts.updated + summary.counts.unchanged


def tag_ours(path: str, _db: str | None) -> int:
    """Tagging alone: records are parsed as a stream, only the tagger is timed."""
    from evidence.records import Article
    from evidence.tagging import tag_article
    from ingest.pubmed_xml import iter_file

    global _TIMED_SECONDS
    _TIMED_SECONDS = 0.0
    count = 0
    for item in iter_file(path):
        if isinstance(item, Article):
            start = time.perf_counter()
            tag_article(item)
            _TIMED_SECONDS += time.perf_counter() - start
            count += 1
    return count


def retag_ours(_path: str, db_url: str | None) -> int:
    from evidence.db import open_database
    from evidence.retag import retag_all

    database = open_database(db_url or "sqlite:///benchmarks/out/bench.db")
    return retag_all(database).studies


def sqlite_write_floor(_path: str, db_url: str | None) -> int:
    """What SQLite alone costs for an import's rows: no parsing, tagging or Python objects.

    Copies every row of an imported database into a new one with the same
    schema (indexes, full-text index) through plain sqlite3 executemany, in
    transactions of the import's batch size: the rate no import into SQLite
    on this machine can beat, however fast its parser and tagger. Rows are
    read one batch at a time (memory stays flat) and only the writes are timed.
    """
    import sqlite3
    import tempfile

    from sqlalchemy.engine import make_url

    from evidence.db import SQLITE_CACHE_KIB, SQLITE_WAL_AUTOCHECKPOINT_PAGES, open_database
    from evidence.settings import IMPORT_BATCH_SIZE
    from ingest.rows import RECORD_CHILD_COLUMNS

    source = sqlite3.connect(make_url(db_url or "sqlite:///benchmarks/out/bench.db").database)
    tables = ["studies", *RECORD_CHILD_COLUMNS, "tags"]
    columns = {table: [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
               for table in tables}
    reads = {"studies": 'SELECT * FROM studies WHERE id >= ? AND id <= ? ORDER BY id',
             # rowid order is the import's order of insertion
             **{table: f'SELECT * FROM "{table}" WHERE study_id >= ? AND study_id <= ?'
                       f' ORDER BY rowid' for table in tables[1:]}}
    ids = [row[0] for row in source.execute("SELECT id FROM studies ORDER BY id")]
    global _TIMED_SECONDS
    _TIMED_SECONDS = 0.0
    with tempfile.TemporaryDirectory(dir="benchmarks/out") as directory:
        target_url = f"sqlite:///{directory}/floor.db"
        open_database(target_url).dispose()  # the schema, as migrations make it
        target = sqlite3.connect(make_url(target_url).database, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       f"cache_size=-{SQLITE_CACHE_KIB}",
                       f"wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}"):
            target.execute(f"PRAGMA {pragma}")
        statements = {table: f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(names))})'
                      for table, names in columns.items()}
        for first in range(0, len(ids), IMPORT_BATCH_SIZE):
            low, high = ids[first], ids[min(first + IMPORT_BATCH_SIZE, len(ids)) - 1]
            batch = {table: source.execute(reads[table], (low, high)).fetchall()
                     for table in tables}
            start = time.perf_counter()
            target.execute("BEGIN")
            for table in tables:
                target.executemany(statements[table], batch[table])
            target.execute("INSERT INTO studies_fts(rowid, title, abstract) SELECT id, title, "
                           "abstract FROM studies WHERE id >= ? AND id <= ?", (low, high))
            target.execute("COMMIT")
            _TIMED_SECONDS += time.perf_counter() - start
        target.close()
    return len(ids)


# The dashboard's main queries, each under the filters a user tries first.
DASHBOARD_FILTERS = {
    "no filter": {},
    "relevant RCTs": {"designs": ("rct",), "relevant_only": True},
    "microneedling + minoxidil": {"interventions": ("microneedling", "minoxidil")},
    "text 'hair density'": {"text": "hair density"},
    # A word in a third of the corpus's abstracts: text search at its widest.
    "text 'patients'": {"text": "patients"},
    "exclude retracted": {"exclude_retracted": True},
}


def dashboard_queries(_path: str, db_url: str | None) -> int:
    """Time each dashboard query twice; print one line per query and filter (ms).

    The first run reads what the page cache does not hold (the dashboard's
    first render after an import); the repeat is a filter a user comes back
    to. The stage's figure is the slowest first run.
    """
    import pandas  # noqa: F401  (imported by the first DataFrame query; not query time)

    from evidence import queries
    from evidence.db import open_database

    database = open_database(db_url or "sqlite:///benchmarks/out/bench.db")
    steps = {
        "headline": queries.headline, "studies_per_year": queries.studies_per_year,
        "pyramid": queries.pyramid_counts, "outcomes": queries.outcome_frequency,
        "evidence_map": queries.evidence_map, "study_table(200)":
            lambda session, f: queries.study_table(session, f, limit=200),
        "study_table(PMID)":
            lambda session, f: queries.study_table(session, f, sort="pmid", limit=200),
        "count": queries.count_studies,
    }
    first_runs, repeats = [], []
    with database.session() as session:
        for filter_name, options in DASHBOARD_FILTERS.items():
            study_filter = queries.StudyFilter(**options)
            for step_name, step in steps.items():
                elapsed = []
                for _ in range(2):
                    start = time.perf_counter()
                    step(session, study_filter)
                    elapsed.append((time.perf_counter() - start) * 1000)
                first_runs.append(elapsed[0])
                repeats.append(elapsed[1])
                print(f"#   {step_name:<18} {filter_name:<28} {elapsed[0]:8.1f} ms "
                      f"(repeat {elapsed[1]:.1f})", file=sys.stderr)
        count = queries.count_studies(session)
    print(f"#   slowest repeat {max(repeats):.0f} ms", file=sys.stderr)
    global _TIMED_SECONDS
    _TIMED_SECONDS = max(first_runs) / 1000  # the slowest query is the figure that matters
    return count


def parse_pubmed_parser(path: str, _db: str | None) -> int:
    import pubmed_parser

    return sum(1 for _ in pubmed_parser.parse_medline_xml(path))


def parse_biopython(path: str, _db: str | None) -> int:
    import gzip

    from Bio import Entrez

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        records = Entrez.read(handle, validate=False)
    return len(records["PubmedArticle"])


STAGES: dict[str, Callable[[str, str | None], int]] = {
    "parse": parse_ours,
    "parse-parallel": parse_ours_parallel,
    "import": import_ours,
    "tag": tag_ours,
    "retag": retag_ours,
    "queries": dashboard_queries,
    "sqlite-write-floor": sqlite_write_floor,
    "pubmed_parser": parse_pubmed_parser,
    "biopython": parse_biopython,
}
_TIMED_SECONDS: float | None = None


def main() -> None:
    stage, path = sys.argv[1], sys.argv[2]
    db_url = sys.argv[3] if len(sys.argv) > 3 else None
    start = time.perf_counter()
    records = STAGES[stage](path, db_url)
    seconds = _TIMED_SECONDS if _TIMED_SECONDS is not None else time.perf_counter() - start
    peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"stage": stage, "records": records, "seconds": round(seconds, 3),
                      "peak_mb": round(peak_kib / 1024, 1)}))


if __name__ == "__main__":
    main()
