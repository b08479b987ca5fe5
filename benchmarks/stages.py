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
    """Parse on every core into the rows the loader writes (plain dicts)."""
    from ingest.load import PreparedStudy
    from ingest.parallel import parse_file_parallel

    return sum(1 for item in parse_file_parallel(path, source="bench", tag=False)
               if isinstance(item, PreparedStudy))


def import_ours(path: str, db_url: str | None) -> int:
    from evidence.db import open_database
    from ingest.files import import_files

    database = open_database(db_url or "sqlite:///benchmarks/out/bench.db")
    summary = import_files(database, [path])
    return summary.counts.new + summary.counts.updated + summary.counts.unchanged


def tag_ours(path: str, _db: str | None) -> int:
    from evidence.records import Article
    from evidence.tagging import tag_article
    from ingest.pubmed_xml import iter_file

    articles = [item for item in iter_file(path) if isinstance(item, Article)]
    start = time.perf_counter()
    for article in articles:
        tag_article(article)
    # Report tagging alone: the parse above is timed in its own stage.
    global _TIMED_SECONDS
    _TIMED_SECONDS = time.perf_counter() - start
    return len(articles)


def retag_ours(_path: str, db_url: str | None) -> int:
    from evidence.db import open_database
    from evidence.retag import retag_all

    database = open_database(db_url or "sqlite:///benchmarks/out/bench.db")
    return retag_all(database).studies


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
