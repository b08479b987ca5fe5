"""The loader: upsert by PMID, revisions, deletions, resumption; SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evidence.errors import InputFileError
from evidence.models import (
    AbstractSectionRow,
    AuthorRow,
    IngestRun,
    KeywordRow,
    MeshHeadingRow,
    PendingPmid,
    Study,
    TagRow,
    TrialIdRow,
)
from ingest.files import import_files
from ingest.load import load_items
from ingest.pubmed_xml import iter_file
from tests.conftest import FIXTURES

EDGE = FIXTURES / "edge_cases.xml"
UPDATE = FIXTURES / "update_revision.xml"


def table_counts(database) -> dict[str, int]:
    with database.session() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Study, AbstractSectionRow, AuthorRow, MeshHeadingRow, KeywordRow,
                              TrialIdRow, TagRow)}


def study(database, pmid: str) -> Study | None:
    with database.session() as session:
        return session.scalars(select(Study).where(Study.pmid == pmid)).first()


def test_import_stores_every_study_with_its_children(database):
    summary = import_files(database, [EDGE])
    assert summary.ok
    assert summary.counts.as_dict() == {"new": 4, "updated": 0, "unchanged": 0, "deleted": 0,
                                        "skipped": 1, "failed": 0}
    first = study(database, "90000001")
    assert first.title.startswith("Microneedling with 5% minoxidil versus minoxidil alone")
    assert first.abstract.startswith("BACKGROUND: Topical minoxidil")
    assert (first.doi, first.pmcid, first.year, first.pub_date) == (
        "10.9999/jid.2023.0001", "PMC9900001", 2023, "2023-04-07")
    assert str(first.pub_sort_date) == "2023-04-07"
    assert first.retracted is False and study(database, "90000003").retracted is True
    with database.session() as session:
        authors = session.scalars(select(AuthorRow).join(Study).where(Study.pmid == "90000001")
                                  .order_by(AuthorRow.position)).all()
        assert [a.display_name for a in authors] == ["Müller K", "Núñez-García A",
                                                     "Invented Hair Study Group"]
        assert authors[0].affiliations[1] == "Hair Clinic, Basel."
        trials = session.execute(select(TrialIdRow.registry_id, TrialIdRow.found_in)
                                 .join(Study).where(Study.pmid == "90000001")
                                 .order_by(TrialIdRow.registry_id)).all()
        assert trials == [("NCT01234567", "abstract"), ("NCT07654321", "databank")]
        mesh = session.scalars(select(MeshHeadingRow).join(Study)
                               .where(Study.pmid == "90000001")).all()
        assert mesh[0].qualifiers == ["therapy", "pathology"]
        assert mesh[0].major_qualifiers == ["therapy"]
    assert study(database, "90000001").tagger_version


def test_importing_the_same_file_twice_changes_nothing(database):
    import_files(database, [EDGE])
    before = table_counts(database)
    stamp = study(database, "90000001").updated_at
    again = import_files(database, [EDGE])
    assert again.counts.new == 0 and again.counts.updated == 0
    assert again.counts.unchanged == 4
    assert table_counts(database) == before
    assert study(database, "90000001").updated_at == stamp


def test_newer_revision_replaces_record_and_children_and_deletions_apply(database):
    import_files(database, [EDGE])
    summary = import_files(database, [UPDATE])
    assert (summary.counts.updated, summary.counts.deleted) == (1, 1)
    revised = study(database, "90000001")
    assert revised.title.endswith("(corrected title).")
    assert str(revised.date_revised) == "2025-06-30"
    with database.session() as session:
        names = session.scalars(select(AuthorRow.last_name).where(
            AuthorRow.study_id == revised.id)).all()
        assert names == ["Müller"]
        assert session.scalar(select(func.count()).select_from(TrialIdRow)
                              .where(TrialIdRow.study_id == revised.id)) == 0
        assert session.scalar(select(func.count()).select_from(KeywordRow)
                              .where(KeywordRow.study_id == revised.id)) == 0
    assert study(database, "90000002") is None
    counts = table_counts(database)
    assert counts["studies"] == 3
    with database.session() as session:  # nothing left behind by the deleted study
        orphans = session.scalar(select(func.count()).select_from(TagRow).where(
            ~select(Study.id).where(Study.id == TagRow.study_id).exists()))
        assert orphans == 0


def test_an_older_revision_never_replaces_a_newer_one(database):
    import_files(database, [UPDATE])
    summary = import_files(database, [EDGE])
    assert study(database, "90000001").title.endswith("(corrected title).")
    assert summary.counts.new == 3 and summary.counts.unchanged == 1


def test_bad_file_keeps_committed_batches_and_rerun_finishes_without_duplicates(
        database, tmp_path: Path):
    text = EDGE.read_text(encoding="utf-8")
    cut = text.index("<PubmedArticle>", text.index("90000003"))
    broken = tmp_path / "broken.xml"
    broken.write_text(text[:cut] + "<PubmedArticle><Broken></PubmedArticle>", encoding="utf-8")
    summary = import_files(database, [broken], batch_size=2)
    assert not summary.ok
    assert "broken.xml, line" in summary.failed_files[0]
    with database.session() as session:
        assert sorted(session.scalars(select(Study.pmid))) == ["90000001", "90000002",
                                                               "90000003"]
    shutil.copy(EDGE, broken)
    rerun = import_files(database, [broken], batch_size=2)
    assert rerun.ok and rerun.counts.new == 1 and rerun.counts.unchanged == 3
    assert table_counts(database)["studies"] == 4


def test_an_exception_mid_stream_leaves_only_whole_studies(database):
    def items():
        for index, item in enumerate(iter_file(EDGE)):
            if index == 3:
                raise InputFileError("stream", "connection dropped")
            yield item

    with pytest.raises(InputFileError):
        load_items(database, items(), source="test", batch_size=2)
    with database.session() as session:
        stored = sorted(session.scalars(select(Study.pmid)))
        assert stored == ["90000001", "90000002", "90000003"]
        for study_id in session.scalars(select(Study.id)):
            assert session.scalar(select(func.count()).select_from(TagRow)
                                  .where(TagRow.study_id == study_id)) > 0


def test_every_import_is_recorded_as_a_run(database, tmp_path: Path):
    import_files(database, [EDGE, tmp_path / "missing.xml"])
    with database.session() as session:
        runs = session.scalars(select(IngestRun).order_by(IngestRun.id)).all()
        assert [(run.kind, run.status) for run in runs] == [("import", "succeeded"),
                                                            ("import", "failed")]
        assert (runs[0].new, runs[0].skipped) == (4, 1)
        assert runs[0].query.endswith("edge_cases.xml") and runs[0].finished_at
        assert "missing.xml: no such file" in runs[1].message


def test_loading_clears_pending_pmids(database):
    from ingest.runs import start_run

    run_id = start_run(database, "ingest", query="test")
    with database.session() as session:
        session.add_all([PendingPmid(run_id=run_id, pmid=pmid)
                         for pmid in ("90000001", "90000004", "12345")])
    import_files(database, [EDGE])
    with database.session() as session:
        assert session.scalars(select(PendingPmid.pmid)).all() == ["12345"]


def test_row_tuples_line_up_with_the_tables():
    """The loader writes plain tuples (ingest.rows): their columns must be the tables'."""
    from evidence.models import STUDY_CHILDREN, Base
    from ingest.rows import RECORD_CHILD_COLUMNS, STUDY_COLUMNS, TAG_COLUMNS

    def columns(table: str) -> set[str]:
        return {column.name for column in Base.metadata.tables[table].columns}

    assert len(set(STUDY_COLUMNS)) == len(STUDY_COLUMNS)
    assert set(STUDY_COLUMNS) == columns("studies") - {"id"}
    assert set(RECORD_CHILD_COLUMNS) | {"tags"} == {m.__tablename__ for m in STUDY_CHILDREN}
    for table, own in RECORD_CHILD_COLUMNS.items():
        assert {"study_id", *own} == columns(table) and len(set(own)) == len(own)
    assert {"id", "study_id", *TAG_COLUMNS} == columns("tags")


def test_bulk_written_values_read_back_with_their_types(database):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    import_files(database, [EDGE])
    first = study(database, "90000001")
    assert isinstance(first.first_seen_at, dt.datetime)
    assert first.first_seen_at == first.updated_at and first.first_seen_at >= before
    assert isinstance(first.pub_sort_date, dt.date) and isinstance(first.date_revised, dt.date)
    assert first.languages == ["eng"] and first.retracted is False
    assert first.relevant is True and isinstance(first.evidence_level, int)
    with database.session() as session:
        tags = session.scalars(select(TagRow).where(TagRow.study_id == first.id)
                               .order_by(TagRow.id)).all()
        assert tags and all(isinstance(tag.start, int) and tag.end > tag.start for tag in tags)
        # every tag's span points at its sentence in the stored text
        for tag in tags:
            if tag.source == "abstract":
                assert first.abstract[tag.start:tag.end] == tag.sentence


def test_json_columns_are_written_as_json_dumps_writes_them():
    import json
    import random

    from ingest.rows import _json

    random.seed(29)
    alphabet = ["a", "Z", " ", '"', "\\", "/", "\n", "\t", "\x01", "é", "ü", "中", "\u2028",
                "\U0001f600", "'", ",", "[", "]"]
    samples = [[], [""], ["Hair Clinic, Basel."], ("therapy", "pathology")]
    samples += [["".join(random.choice(alphabet) for _ in range(random.randint(0, 12)))
                 for _ in range(random.randint(0, 4))] for _ in range(2000)]
    for values in samples:
        assert _json(values) == json.dumps(list(values))
        assert json.loads(_json(values)) == list(values)


def test_a_name_suffix_is_stored_and_read_back(database):
    """Migration 0011: "Bunn PA Jr" and "Bunn PA" (father and son) stay two authors."""
    from evidence.queries import records_by_pmid
    from ingest.pubmed_xml import iter_bytes

    data = (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>424242</PMID><Article>"
            b"<ArticleTitle>Needling.</ArticleTitle><AuthorList><Author><LastName>Bunn</LastName>"
            b"<Initials>PA</Initials><Suffix>Jr</Suffix></Author><Author><LastName>Bunn"
            b"</LastName><Initials>PA</Initials></Author><Author><LastName>Long</LastName>"
            b"<Initials>A</Initials><Suffix>Jr., M.D., Ph.D., FACS</Suffix></Author>"
            b"</AuthorList></Article>"
            b"</MedlineCitation></PubmedArticle></PubmedArticleSet>")
    load_items(database, iter_bytes(data), source="test")
    with database.session() as session:
        assert records_by_pmid(session, ["424242"])["424242"]["authors"] == [
            "Bunn PA Jr", "Bunn PA", "Long A Jr., M.D., Ph.D., FACS"]  # free text, any length


def test_long_free_text_in_a_record_is_stored_whole(database):
    """Migration 0012: on PostgreSQL a page string or a name past the first schema's
    lengths refused the whole import (a driver error naming no record)."""
    from evidence.queries import records_by_pmid
    from ingest.pubmed_xml import iter_bytes

    pages = "1-10; discussion 10-2; author reply 12-3; quiz 14-5; erratum in 200-1; 300"
    surname = "Vandenberghe-" * 25 + "Smith"
    data = (f"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>424242</PMID><Article>"
            f"<Journal><JournalIssue><Volume>{'7' * 80}</Volume></JournalIssue></Journal>"
            f"<ArticleTitle>Needling.</ArticleTitle><Pagination><MedlinePgn>{pages}</MedlinePgn>"
            f"</Pagination><Abstract><AbstractText Label=\"{'RESULTS ' * 40}\">Hair grew."
            f"</AbstractText></Abstract><AuthorList><Author><LastName>{surname}</LastName>"
            f"<Initials>A</Initials></Author></AuthorList></Article></MedlineCitation>"
            f"</PubmedArticle></PubmedArticleSet>").encode()
    assert len(pages) > 64 and len(surname) > 255
    counts = load_items(database, iter_bytes(data), source="test")
    assert counts.new == 1
    with database.session() as session:
        record = records_by_pmid(session, ["424242"])["424242"]
    assert (record["pages"], record["volume"]) == (pages, "7" * 80)
    assert record["authors"] == [f"{surname} A"]
