"""`run_ingest` end to end: real HTTP to the loopback fake, real parser, real database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from evidence.db import Database, open_database
from evidence.errors import EvidenceError, NetworkError
from evidence.models import IngestRun, PendingPmid, Study
from evidence.settings import Settings
from ingest.eutils import EutilsClient
from ingest.live import GIVE_UP_AFTER, IngestSummary, run_ingest
from ingest.load import Tagger
from ingest.query import DEFAULT_QUERY
from ingest.runs import AlreadyRunning, start_run
from tests.fake_eutils import FakeEutils, Fault, make_records

API_KEY = "live-test-key"
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tagger() -> Tagger:
    """The project's own tagger; these tests wait for it rather than fake it."""
    import evidence.tagging as tagging

    tag_article = getattr(tagging, "tag_article", None)
    if tag_article is None:
        pytest.skip("evidence.tagging.tag_article is not available yet")
    return tag_article  # type: ignore[no-any-return]


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    with FakeEutils(make_records(1_200)) as fake:
        yield fake


def settings_for(server: FakeEutils, api_key: str | None = API_KEY) -> Settings:
    return Settings(eutils_url=server.base_url, api_key=api_key, email="dev@example.org")


def client_for(server: FakeEutils, **overrides: object) -> EutilsClient:
    options: dict[str, object] = {"backoff_base": 0.01, "timeout": (2.0, 10.0)}
    options.update(overrides)
    return EutilsClient.from_settings(settings_for(server), **options)


def ingest(database: Database, server: FakeEutils, tagger: Tagger, **kwargs: object
           ) -> IngestSummary:
    options: dict[str, object] = {"query": None, "max_records": None, "since": None,
                                  "progress": False}
    options.update(kwargs)
    client = options.pop("client", None) or client_for(server)
    return run_ingest(database, settings_for(server), client=client, tagger=tagger,
                      **options)  # type: ignore[arg-type]


def stored(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(Study.pmid)))


def pending(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(PendingPmid.pmid)))


def runs(database: Database) -> list[IngestRun]:
    with database.session() as session:
        return list(session.scalars(select(IngestRun).order_by(IngestRun.id)))


# --------------------------------------------------------------- the run


def test_full_ingest_stores_exactly_the_search(database: Database, server: FakeEutils,
                                               tagger: Tagger) -> None:
    summary = ingest(database, server, tagger)
    pmids = stored(database)
    assert sorted(pmids) == sorted(server.records)
    assert len(pmids) == len(set(pmids))
    assert (summary.found, summary.new, summary.updated, summary.failed) == (1200, 1200, 0, 0)
    assert pending(database) == []
    (run,) = runs(database)
    assert (run.kind, run.status, run.query) == ("ingest", "succeeded", DEFAULT_QUERY)
    assert (run.found, run.new) == (1200, 1200)
    # One esearch (with history) and 500-record efetch batches, nothing else.
    assert [r.endpoint for r in server.requests()] == ["esearch"] + ["efetch"] * 3
    assert summary.requests == 4
    assert all("WebEnv" in r.params for r in server.requests("efetch"))
    assert server.max_in_flight == 1  # the prefetch never overlaps two requests
    assert "found 1200, new 1200, updated 0, unchanged 0, failed 0" in str(summary)


def test_second_run_is_unchanged_and_revisions_are_updates(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    ingest(database, server, tagger)
    revised = sorted(server.records)[10]
    server.revise(revised, title="Microneedling for alopecia areata: revised title",
                  mdat=dt.date(2025, 2, 2))
    summary = ingest(database, server, tagger)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 1199)
    with database.session() as session:
        assert session.scalar(select(Study.title).where(Study.pmid == revised)) == \
            "Microneedling for alopecia areata: revised title"
        assert session.scalar(select(func.count()).select_from(Study)) == 1200


def test_dry_run_reports_count_and_translation_and_writes_nothing(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    summary = ingest(database, server, tagger, dry_run=True, query="microneedling hair")
    assert summary.dry_run and summary.found == 1200
    assert summary.translation == "microneedling hair"
    assert "1200 PubMed records match" in str(summary)
    assert "microneedling hair" in str(summary)
    assert stored(database) == [] and runs(database) == []
    (request,) = server.requests()
    assert request.params["retmax"] == "0"


def test_unreachable_eutils_leaves_the_database_untouched(database: Database,
                                                          tagger: Tagger) -> None:
    with FakeEutils() as gone:
        pass  # its port is closed now
    settings = Settings(eutils_url=gone.base_url)
    client = EutilsClient.from_settings(settings, max_tries=2, backoff_base=0.01,
                                        timeout=(0.5, 0.5))
    with pytest.raises(NetworkError) as info:
        run_ingest(database, settings, query=None, max_records=None, since=None,
                   progress=False, client=client, tagger=tagger)
    message = str(info.value)
    assert "\n" not in message
    assert "cannot reach PubMed E-utilities" in message
    assert "evidence import" in message
    assert gone.base_url in message
    assert runs(database) == [] and stored(database) == [] and pending(database) == []


def test_a_wrong_base_url_is_not_called_a_refused_request(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    server.add_faults("esearch", Fault.raw(b"<html>Not Found</html>", status=404))
    with pytest.raises(NetworkError, match=rf"cannot reach PubMed E-utilities at "
                                           rf"{server.base_url}.*HTTP 404"):
        ingest(database, server, tagger)


def test_a_refused_first_request_blames_the_request_not_the_network(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    server.add_faults("esearch", Fault.raw(b'{"error":"API key invalid"}', status=400))
    with pytest.raises(NetworkError) as raised:
        ingest(database, server, tagger)
    message = str(raised.value)
    assert "HTTP 400" in message and "API key invalid" in message
    assert "cannot reach" not in message and "Check the query, the API key" in message
    assert server.base_url in message
    assert runs(database) == []  # nothing was changed


def test_max_records_takes_the_most_recent(database: Database, server: FakeEutils,
                                           tagger: Tagger) -> None:
    summary = ingest(database, server, tagger, max_records=120)
    newest = sorted(server.records, key=int, reverse=True)[:120]
    assert sorted(stored(database)) == sorted(newest)
    assert summary.new == 120 and summary.found == 1200
    assert pending(database) == []


def test_since_date_searches_the_modification_window(database: Database, server: FakeEutils,
                                                     tagger: Tagger) -> None:
    summary = ingest(database, server, tagger, since="2024-01-01",
                     today=dt.date(2025, 12, 31))
    expected = {r.pmid for r in server.records.values() if r.mdat >= dt.date(2024, 1, 1)}
    assert set(stored(database)) == expected and expected
    assert summary.found == len(expected)
    request = server.requests("esearch")[0]
    assert request.params["datetype"] == "mdat"
    assert request.params["mindate"] == "2024/01/01"


def test_since_last_fetches_only_what_changed(database: Database, server: FakeEutils,
                                              tagger: Tagger) -> None:
    first = ingest(database, server, tagger, since="last")  # no earlier run: everything
    assert first.new == 1200
    changed = sorted(server.records)[5]
    server.revise(changed, title="Revised after the first run", mdat=dt.date.today())
    summary = ingest(database, server, tagger, since="last")
    assert (summary.found, summary.updated, summary.new) == (1, 1, 0)
    request = server.requests("esearch")[-1]
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert request.params["mindate"] <= yesterday.strftime("%Y/%m/%d")


def test_bad_since_is_a_clear_error(database: Database, server: FakeEutils,
                                    tagger: Tagger) -> None:
    with pytest.raises(EvidenceError, match="--since 'yesterday'"):
        ingest(database, server, tagger, since="yesterday")
    assert server.requests() == []


def test_search_over_9999_is_split_by_date_and_fully_stored(database: Database,
                                                            tagger: Tagger) -> None:
    records = make_records(10_400)
    with FakeEutils(records) as fake:
        summary = ingest(database, fake, tagger)
    pmids = stored(database)
    assert len(pmids) == len(set(pmids)) == 10_400
    assert set(pmids) == {r.pmid for r in records}
    assert summary.found == 10_400 and summary.warnings == []
    dated = [r for r in fake.requests("esearch") if "mindate" in r.params]
    assert len(dated) >= 2 and all(r.params["datetype"] == "edat" for r in dated)


def test_a_revision_day_past_9999_is_cut_by_entry_date(database: Database,
                                                       tagger: Tagger) -> None:
    # NLM's year-end processing revises most of PubMed on one day: the nightly
    # `--since last` then meets more records of one mdat day than esearch returns.
    records = make_records(10_400)
    with FakeEutils(records) as fake:
        ingest(database, fake, tagger)
        revised = dt.date.today()
        for record in records:
            fake.revise(record.pmid, title=f"Revised at year end {record.pmid}", mdat=revised)
        fake.log.clear()
        summary = ingest(database, fake, tagger, since="last")
    assert summary.found == 10_400 and summary.warnings == []
    assert summary.updated == 10_400 and summary.failed == 0
    with database.session() as session:
        titles = {pmid: title for pmid, title in session.execute(select(Study.pmid, Study.title))}
    assert len(titles) == 10_400
    assert all(title == f"Revised at year end {pmid}" for pmid, title in titles.items())
    cut = [r for r in fake.requests("esearch") if "[Date - Entry]" in r.params["term"]]
    assert len(cut) >= 2
    assert all(r.params["datetype"] == "mdat" for r in cut)


# ------------------------------------------------------------ recovering


def test_history_expiry_mid_run_reposts_the_rest(database: Database, server: FakeEutils,
                                                 tagger: Tagger) -> None:
    # The first efetch passes; the second finds its history gone.
    server.add_faults("efetch", Fault.slow(0), Fault.history_expired())
    summary = ingest(database, server, tagger)
    assert sorted(stored(database)) == sorted(server.records)
    assert summary.new == 1200 and summary.failed == 0
    (post,) = server.requests("epost")
    assert len(post.params["id"].split(",")) == 700  # what was left after one batch
    assert pending(database) == []


def test_network_failure_mid_run_keeps_batches_and_the_next_run_finishes(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    server.add_faults("efetch", Fault.slow(0), *[Fault.server_error(503)] * 2)
    with pytest.raises(NetworkError, match="run `evidence ingest` again"):
        ingest(database, server, tagger, client=client_for(server, max_tries=2))
    assert len(stored(database)) == 500
    assert len(pending(database)) == 700
    assert runs(database)[0].status == "failed"

    summary = ingest(database, server, tagger)
    pmids = stored(database)
    assert sorted(pmids) == sorted(server.records) and len(pmids) == len(set(pmids))
    assert summary.resumed == 700 and summary.new == 700 and summary.unchanged == 500
    assert pending(database) == []
    assert [run.status for run in runs(database)] == ["failed", "succeeded"]


def test_records_pubmed_no_longer_returns_stay_queued_then_are_given_up(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    """A record missing from the answers fails the run (exit 1) but is not dropped: the
    queue carries it past "last" to the next run, which asks again; only after
    GIVE_UP_AFTER is it taken to be deleted."""
    lost = sorted(server.records)[3]
    server.unfetchable.add(lost)
    summary = ingest(database, server, tagger)
    assert summary.failed == 1 and summary.new == 1199
    assert any(lost in error and "stay queued" in error for error in summary.errors)
    assert lost not in stored(database)
    assert pending(database) == [lost]
    # It was asked for once more by id.
    assert any(r.params.get("id") == lost for r in server.requests("efetch"))

    server.unfetchable.discard(lost)  # PubMed serves it again
    again = ingest(database, server, tagger, since="last")
    assert (again.resumed, again.failed) == (1, 0)
    assert lost in stored(database) and pending(database) == []

    gone = sorted(server.records)[5]
    server.unfetchable.add(gone)
    with database.session() as session:
        session.execute(delete(Study).where(Study.pmid == gone))
    ingest(database, server, tagger)
    assert pending(database) == [gone]
    def queued_ago(age: dt.timedelta) -> None:  # the run that queued it started then
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None) - age
        with database.session() as session:
            session.execute(update(IngestRun).values(started_at=started))

    queued_ago(dt.timedelta(hours=1))
    assert ingest(database, server, tagger).failed == 1 and pending(database) == [gone]
    queued_ago(GIVE_UP_AFTER + dt.timedelta(days=1))
    last = ingest(database, server, tagger)
    assert last.failed == 1 and any("given up" in error for error in last.errors)
    assert pending(database) == []


def test_a_batch_pubmed_serves_none_of_does_not_stop_the_run(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    """An efetch of a history set answering with no record reads as an expired set; once
    the set has just been posted again, it means the PMIDs are gone (a nightly window
    of one or two deleted records), not a reason to fail every night from then on."""
    deleted = set(sorted(server.records)[:600])
    server.unfetchable.update(deleted)
    summary = ingest(database, server, tagger, batch_size=100)
    assert summary.new == 600 and summary.failed == 600
    assert set(stored(database)) == set(server.records) - deleted
    assert set(pending(database)) == deleted
    assert runs(database)[-1].status == "succeeded"


def test_a_malformed_answer_is_asked_for_again_by_id(database: Database, server: FakeEutils,
                                                     tagger: Tagger) -> None:
    broken = (b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle>a & b'
              b"</PubmedArticle></PubmedArticleSet>\n")
    server.add_faults("efetch", Fault.slow(0), Fault.raw(broken))
    summary = ingest(database, server, tagger)
    assert sorted(stored(database)) == sorted(server.records) and pending(database) == []
    assert summary.failed == 0
    assert any("retstart 500" in error and "stay queued" in error for error in summary.errors)


def test_since_last_counts_only_runs_that_fetched_everything(
        database: Database, server: FakeEutils, tagger: Tagger) -> None:
    """A run capped by --max, or from an explicit --since date, left records behind or
    began after a gap: the next --since last must not start after it."""
    ingest(database, server, tagger, max_records=5)
    recent = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    ingest(database, server, tagger, since=recent)
    summary = ingest(database, server, tagger, since="last")
    assert summary.found == 1200  # no complete run yet: everything
    assert sorted(stored(database)) == sorted(server.records)


def test_a_second_ingest_is_refused_while_one_runs(database: Database, server: FakeEutils,
                                                   tagger: Tagger) -> None:
    running = start_run(database, "ingest", query="x")  # this live process's run
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=2)
    with database.session() as session:  # however long it has run, it is alive
        session.execute(update(IngestRun).values(started_at=long_ago))
    with pytest.raises(EvidenceError, match=rf"another ingest is running \(run {running},"):
        ingest(database, server, tagger)
    assert stored(database) == [] and len(runs(database)) == 1

    def recorded_as(process: dict[str, object], started: dt.datetime) -> None:
        with database.session() as session:
            session.execute(update(IngestRun).where(IngestRun.id == running).values(
                params={"process": process}, started_at=started))

    # Another host's run cannot be checked: it blocks for a while, then counts as killed.
    recorded_as({"host": "another-container", "pid": 7},
                dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1))
    with pytest.raises(EvidenceError, match=r"on another-container; it cannot be checked"):
        ingest(database, server, tagger)
    recorded_as({"host": "another-container", "pid": 7}, long_ago)
    assert ingest(database, server, tagger).new == 1200
    assert runs(database)[0].status == "interrupted"


def test_the_database_holds_one_running_ingest_whatever_the_check(database: Database
                                                                  ) -> None:
    """Two runs started in the same moment both pass the check; the second insert fails."""
    first = start_run(database, "ingest", query="x")
    with pytest.raises(AlreadyRunning, match="another ingest started at the same moment"):
        start_run(database, "ingest", query="x")
    imports = [start_run(database, "import"), start_run(database, "import")]  # not ingests
    assert [run.id for run in runs(database)] == [first, *imports]
    with database.session() as session:
        session.execute(update(IngestRun).where(IngestRun.id == first)
                        .values(status="succeeded"))
    assert start_run(database, "ingest", query="x") > first  # finished runs do not block


# ------------------------------------------------------ the command line


def test_cli_ingest_through_click(tmp_path: Path, server: FakeEutils, tagger: Tagger) -> None:
    from click.testing import CliRunner

    from evidence.cli import main

    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", "--eutils-url", server.base_url, "--db", db_url,
                                  "--api-key", API_KEY, "--max", "50"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "new 50" in result.output
    database = open_database(db_url)
    try:
        assert len(stored(database)) == 50
    finally:
        database.dispose()
    dry = runner.invoke(main, ["ingest", "--dry-run", "--eutils-url", server.base_url,
                               "--db", db_url, "--query", "microneedling[tiab]"],
                        catch_exceptions=False)
    assert dry.exit_code == 0 and "1200 PubMed records match" in dry.output
    lost = sorted(server.records)[0]
    server.unfetchable.add(lost)
    failed = runner.invoke(main, ["ingest", "--eutils-url", server.base_url, "--db", db_url,
                                  "--api-key", API_KEY], catch_exceptions=False)
    assert failed.exit_code == 1
    assert failed.stderr.strip() == (f"evidence: ingest: 1 records failed (PubMed returned "
                                     f"no record for 1 PMIDs: {lost}; 1 stay queued, the next "
                                     "run asks again)")


def _evidence_command() -> list[str]:
    script = Path(sys.executable).with_name("evidence")
    return [str(script)] if script.exists() else [sys.executable, "-m", "evidence.cli"]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NCBI_API_KEY", "NCBI_EMAIL", "EVIDENCE_DB_URL", "EVIDENCE_EUTILS_URL")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def test_sigkill_mid_run_then_rerun_stores_exact_set(tmp_path: Path, tagger: Tagger) -> None:
    records = make_records(3_000)
    db_url = f"sqlite:///{tmp_path / 'killed.db'}"
    with FakeEutils(records, response_delay=0.05) as fake:
        command = [*_evidence_command(), "ingest", "--eutils-url", fake.base_url,
                   "--db", db_url, "--api-key", API_KEY]
        process = subprocess.Popen(command, env=_environment(), cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(fake.requests("efetch")) < 3 and process.poll() is None:
                assert time.monotonic() < deadline, "the ingest never reached its 3rd batch"
                time.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == -signal.SIGKILL

        database = open_database(db_url)
        try:
            partial = stored(database)
            assert 0 < len(partial) < 3_000  # really killed in the middle
            assert len(pending(database)) == 3_000 - len(partial)
        finally:
            database.dispose()

        rerun = subprocess.run(command, env=_environment(), cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
    database = open_database(db_url)
    try:
        pmids = stored(database)
        assert len(pmids) == len(set(pmids)) == 3_000
        assert set(pmids) == {r.pmid for r in records}
        assert pending(database) == []
        assert [run.status for run in runs(database)] == ["interrupted", "succeeded"]
    finally:
        database.dispose()
