"""The dashboard's queries keep answering while an import writes, and never see
a half-written study (SQLite in WAL mode and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from evidence.db import open_database
from evidence.queries import StudyFilter, count_studies, database_stats, iter_records
from tests.corpus import write_corpus

EVIDENCE = str(Path(sys.executable).with_name("evidence"))
AUTHORS_BY_TEMPLATE = (3, 1, 1, 0)
SECTIONS_BY_TEMPLATE = (4, 0, 1, 1)


def test_readers_see_whole_studies_while_an_import_runs(db_url, tmp_path: Path):
    corpus = tmp_path / "corpus.xml"
    pmids = write_corpus(corpus, 1000)
    index_of = {pmid: index for index, pmid in enumerate(pmids)}
    database = open_database(db_url)  # schema first, so the writer does not migrate
    writer = subprocess.Popen(
        [EVIDENCE, "import", "--db", db_url, "--jobs", "1", "--batch-size", "25", str(corpus)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reads, seen_partial_progress = 0, False
    try:
        while writer.poll() is None or reads == 0:
            with database.session() as session:
                records = list(iter_records(session, StudyFilter(), sort="pmid"))
                stats = database_stats(session)
                assert count_studies(session, StudyFilter(text="microneedling")) >= 0
            for record in records:
                template = index_of[record["pmid"]] % 4
                assert len(record["authors"]) == AUTHORS_BY_TEMPLATE[template], record["pmid"]
                assert len([line for line in record["abstract"].split("\n") if line]) == (
                    SECTIONS_BY_TEMPLATE[template])
                assert record["evidence"], f"{record['pmid']} stored without its tags"
                assert record["tagger_version"]
            assert stats.studies >= len(records) or writer.poll() is None
            seen_partial_progress |= 0 < len(records) < len(pmids)
            reads += 1
    finally:
        writer.wait(timeout=300)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert reads >= 3
    assert seen_partial_progress, "no read happened while the import was half way"
    with database.session() as session:
        assert count_studies(session) == len(pmids)
    database.dispose()
