"""`evidence ingest`: search PubMed live, fetch, parse and store, resumably.

The run, in order:

1. **Search** (nothing is written before the first answer, so an unreachable
   E-utilities leaves the database untouched). A search with more than
   9,999 hits is cut into date windows, and a day past it by a second date
   (``ingest.plan``).
2. **Record the work**: the run goes into ``ingest_runs`` and every PMID to
   fetch into ``pending_pmids``, in one transaction.
3. **Fetch** in POST batches from the history server (the WebEnv each
   window's esearch already created; an epost for any other list), parse
   with ``ingest.pubmed_xml`` and store with ``ingest.load``: one transaction
   per batch, which also deletes those PMIDs from ``pending_pmids``.

A run killed at any moment (even SIGKILL) leaves whole batches or nothing,
and its unfinished PMIDs in ``pending_pmids``; the next run fetches them
first. Upserts are by PMID, so nothing is ever stored twice.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, insert, select

from evidence.db import Database
from evidence.errors import EvidenceError, InputFileError, NetworkError
from evidence.models import IngestRun, PendingPmid
from evidence.records import InvalidRecord, SkippedRecord
from evidence.settings import Settings
from ingest import pubmed_xml
from ingest.eutils import (
    ESEARCH_MAX_RETMAX,
    Datetype,
    EutilsClient,
    HistoryExpired,
    Refused,
    SearchResult,
)
from ingest.load import LoadCounts, Tagger, load_items
from ingest.plan import (
    DateWindow,
    SearchSlice,
    full_window,
    parse_date,
    plan_windows,
    within_term,
    within_window,
)
from ingest.query import DEFAULT_QUERY
from ingest.runs import (
    FAILED,
    INTERRUPTED,
    SUCCEEDED,
    AlreadyRunning,
    finish_run,
    mark_dead_runs,
    mark_interrupted,
    now_utc,
    running_runs,
    start_run,
)

__all__ = ["DEFAULT_FETCH_BATCH", "IngestSummary", "run_ingest"]

# Records per efetch. NCBI suggests a few hundred per request; 500 keeps an
# answer near 5 MB and the request count at two per thousand records.
DEFAULT_FETCH_BATCH = 500
# PubMed's epost takes at most 10,000 ids in one request (E-utilities docs).
EPOST_MAX_IDS = ESEARCH_MAX_RETMAX
# `--since last` looks back one extra day: PubMed dates are whole days in US
# Eastern time and our run times are UTC. Re-reading a day is free (unchanged
# records are skipped); missing one is not.
SINCE_LAST_OVERLAP = dt.timedelta(days=1)
# Rows per INSERT when queueing pending PMIDs (well under SQLite's parameter cap).
_PENDING_CHUNK = 1_000
# A PMID PubMed returns no record for stays queued, and each run asks for it again
# (one request), until it has been queued this long: then it is taken to be deleted.
GIVE_UP_AFTER = dt.timedelta(days=7)
# Another host's ingest still recorded as running after this long was killed there.
RUN_STALE_AFTER = dt.timedelta(hours=6)
SOURCE = "eutils"


@dataclass
class IngestSummary:
    """What a run did, for the CLI's final line and for tests."""

    found: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    skipped: int = 0
    to_fetch: int = 0
    resumed: int = 0
    dry_run: bool = False
    translation: str | None = None
    run_id: int | None = None
    requests: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.dry_run:
            return (f"{self.found} PubMed records match. PubMed reads the query as: "
                    f"{self.translation or '(no translation returned)'}")
        parts = [f"found {self.found}", f"new {self.new}", f"updated {self.updated}",
                 f"unchanged {self.unchanged}", f"failed {self.failed}"]
        if self.resumed:
            parts.append(f"resumed {self.resumed} from an earlier run")
        if self.skipped:
            parts.append(f"skipped {self.skipped}")
        text = "Ingest: " + ", ".join(parts) + f" ({self.requests} requests, " \
            f"{self.seconds:.1f} s)"
        for note in self.warnings + self.errors[:5]:
            text += f"\n  {note}"
        return text


class _Progress(Protocol):
    def update(self, n: int) -> object: ...


@dataclass
class _Group:
    """PMIDs fetched from one history set, in the set's order."""

    ids: list[str]
    webenv: str | None = None
    query_key: str | None = None


def run_ingest(
    database: Database,
    settings: Settings,
    *,
    query: str | None,
    max_records: int | None,
    since: str | None,
    dry_run: bool = False,
    progress: bool = True,
    client: EutilsClient | None = None,
    tagger: Tagger | None = None,
    batch_size: int = DEFAULT_FETCH_BATCH,
    today: dt.date | None = None,
) -> IngestSummary:
    """Search PubMed for ``query`` (default: :data:`DEFAULT_QUERY`) and store the hits.

    ``since``: ``None`` for everything, ``"last"`` for what was added or
    revised since the last successful run of the same query began, or a date
    (``YYYY-MM-DD``); a since-window searches the modification date (mdat),
    which moves for new and for revised records alike. ``max_records`` caps
    the newly searched records fetched this run (the most recent first);
    PMIDs left pending by an interrupted run are always finished.
    """
    started = time.monotonic()
    query = query or DEFAULT_QUERY
    own_client = client is None
    client = client or EutilsClient.from_settings(settings)
    requests_before = client.requests_sent
    summary = IngestSummary(dry_run=dry_run)
    try:
        window, datetype = _search_window(database, query, since, today)
        first = _first_search(client, query, window, datetype, dry_run=dry_run)
        summary.found, summary.translation = first.count, first.translation
        summary.warnings.extend(f"PubMed: {w}" for w in first.warnings)
        if dry_run:
            return summary
        ids, groups = _collect(client, query, first, window, datetype, summary)
        if max_records is not None:
            ids, groups = _limit(ids, groups, max_records)
        _fetch_and_store(database, client, query, ids, groups, summary,
                         since=since, window=window, datetype=datetype, max_records=max_records,
                         progress=progress, tagger=tagger, batch_size=batch_size)
        return summary
    finally:
        summary.requests = client.requests_sent - requests_before
        summary.seconds = time.monotonic() - started
        if own_client:
            client.close()


# ------------------------------------------------------------------ search


def _search_window(database: Database, query: str, since: str | None,
                   today: dt.date | None) -> tuple[DateWindow | None, Datetype]:
    """The date restriction a ``--since`` value means, and on which date type.

    Without ``since`` there is no restriction; if the search must be split,
    the entrez date is used because it never changes (a record revised
    during the run cannot jump into a window already searched).
    """
    if since is None:
        return None, "edat"
    if since.strip().lower() == "last":
        last_start = _last_complete_run(database, query)
        if last_start is None:
            return None, "edat"  # no earlier run of this query: everything
        return full_window(last_start.date() - SINCE_LAST_OVERLAP, today), "mdat"
    try:
        return full_window(parse_date(since), today), "mdat"
    except ValueError as exc:
        raise EvidenceError(f"--since {since!r}: {exc}; or use 'last'") from exc


def _last_complete_run(database: Database, query: str) -> dt.datetime | None:
    """When the last run of ``query`` that fetched everything since the one before began.

    A run capped by ``--max`` left records behind, and one from an explicit ``--since``
    date may have started after a gap: counting either as "last" would skip records
    for good. A run that had PMIDs left queued is complete: the queue carries them.
    """
    statement = (select(IngestRun.started_at, IngestRun.params)
                 .where(IngestRun.kind == "ingest", IngestRun.status == SUCCEEDED,
                        IngestRun.query == query)
                 .order_by(IngestRun.started_at.desc()))
    with database.session() as session:
        for started_at, params in session.execute(statement):
            params = params or {}
            since = params.get("since")
            if params.get("max_records") is None and (
                    since is None or str(since).strip().lower() == "last"):
                return started_at
    return None


def _esearch(client: EutilsClient, query: str, window: DateWindow | SearchSlice | None,
             datetype: Datetype, **kwargs: Any) -> SearchResult:
    if window is None:
        return client.esearch(query, **kwargs)
    if isinstance(window, SearchSlice):
        if window.within is not None:
            query = within_term(query, datetype, window.within)
        window = window.window
    return client.esearch(query, mindate=window.mindate, maxdate=window.maxdate,
                          datetype=datetype, **kwargs)


def _first_search(client: EutilsClient, query: str, window: DateWindow | None,
                  datetype: Datetype, *, dry_run: bool) -> SearchResult:
    """The first request; if it cannot be made, say so in one line, write nothing."""
    try:
        if dry_run:
            return _esearch(client, query, window, datetype, usehistory=False, retmax=0)
        return _esearch(client, query, window, datetype)
    except NetworkError as exc:
        if isinstance(exc, HistoryExpired):
            raise
        if isinstance(exc, Refused):  # it answered: the request, not the network, is wrong
            raise NetworkError(f"{exc} (at {client.base_url}); nothing was changed. Check the "
                               "query, the API key and the e-mail address") from exc
        raise NetworkError(
            f"cannot reach PubMed E-utilities at {client.base_url} ({exc}); nothing was "
            "changed. Check the connection, or download the records and load them with "
            "`evidence import PATH`") from exc


def _collect(client: EutilsClient, query: str, first: SearchResult, window: DateWindow | None,
             datetype: Datetype, summary: IngestSummary) -> tuple[list[str], list[_Group]]:
    """Every PMID of the search, most recent first, with the history sets holding them."""
    if first.count <= ESEARCH_MAX_RETMAX:
        results = [first] if first.count else []
    else:
        def search(part: SearchSlice) -> SearchResult:
            return _esearch(client, query, part, datetype)

        plan = plan_windows(search, window or full_window(), limit=ESEARCH_MAX_RETMAX,
                            within=within_window(datetype))
        results = [result for _, result in plan]
        covered = sum(result.count for result in results)
        if covered < first.count:
            # Records dated outside every window (or removed meanwhile): say so.
            summary.warnings.append(
                f"the date windows cover {covered} of {first.count} records; "
                f"{first.count - covered} could not be reached by date")
    results.reverse()  # newest slice first, matching PubMed's newest-first order inside each
    ids: list[str] = []
    groups: list[_Group] = []
    seen: set[str] = set()
    for result in results:
        fresh = [pmid for pmid in result.ids if pmid not in seen]
        seen.update(fresh)
        ids.extend(fresh)
        if len(fresh) == len(result.ids) and result.webenv and result.query_key:
            groups.append(_Group(fresh, result.webenv, result.query_key))
        elif fresh:
            groups.append(_Group(fresh))  # posted when fetched
    return ids, groups


def _limit(ids: list[str], groups: list[_Group], max_records: int
           ) -> tuple[list[str], list[_Group]]:
    """The first ``max_records`` ids; a cut history set becomes a list to epost."""
    kept = ids[:max_records]
    remaining = max_records
    limited: list[_Group] = []
    for group in groups:
        if remaining <= 0:
            break
        if len(group.ids) <= remaining:
            limited.append(group)
        else:
            limited.append(_Group(group.ids[:remaining]))
        remaining -= len(limited[-1].ids)
    return kept, limited


# ------------------------------------------------------------------- fetch


def _pending(database: Database) -> set[str]:
    with database.session() as session:
        return set(session.scalars(select(PendingPmid.pmid).distinct()))


def _queue(database: Database, run_id: int, pmids: Sequence[str]) -> None:
    """Record the PMIDs this run will fetch, all or none."""
    with database.session() as session:
        for start in range(0, len(pmids), _PENDING_CHUNK):
            session.execute(insert(PendingPmid), [
                {"run_id": run_id, "pmid": pmid} for pmid in pmids[start:start + _PENDING_CHUNK]])


def _forget(database: Database, pmids: Iterable[str]) -> None:
    """Take PMIDs that will never load (books, unreadable, gone) off the queue."""
    pmids = list(pmids)
    if not pmids:
        return
    with database.session() as session:
        for start in range(0, len(pmids), _PENDING_CHUNK):
            session.execute(delete(PendingPmid).where(
                PendingPmid.pmid.in_(pmids[start:start + _PENDING_CHUNK])))


def _fetch_and_store(database: Database, client: EutilsClient, query: str, ids: list[str],
                     groups: list[_Group], summary: IngestSummary, *, since: str | None,
                     window: DateWindow | None, datetype: Datetype, max_records: int | None,
                     progress: bool, tagger: Tagger | None, batch_size: int) -> None:
    _refuse_a_second_ingest(database)
    leftovers = _pending(database)
    params = {"since": since, "max_records": max_records, "datetype": datetype,
              "mindate": window.mindate if window else None,
              "maxdate": window.maxdate if window else None,
              "eutils_url": client.base_url}
    try:
        run_id = start_run(database, "ingest", query=query, params=params)
    except AlreadyRunning:
        _refuse_a_second_ingest(database)  # names the run that won, where it can
        raise
    summary.run_id = run_id
    new_ids = [pmid for pmid in ids if pmid not in leftovers]
    resumed = sorted(leftovers, key=int) if all(p.isdigit() for p in leftovers) \
        else sorted(leftovers)
    summary.resumed = len(resumed)
    _queue(database, run_id, new_ids)
    # Leftovers that this search found again ride in its history sets; the
    # others are posted. Either way they are fetched first-come.
    found_again = set(ids)
    extra = [pmid for pmid in resumed if pmid not in found_again]
    work = [_Group(extra[i:i + EPOST_MAX_IDS]) for i in range(0, len(extra), EPOST_MAX_IDS)]
    work += groups
    summary.to_fetch = len(new_ids) + len(resumed)
    counts = LoadCounts()
    bar: AbstractContextManager[Any]
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=summary.to_fetch, unit="rec", desc="PubMed", disable=None,
                   dynamic_ncols=True)
    else:
        bar = nullcontext(None)
    try:
        with bar as meter:
            for group in work:
                _fetch_group(database, client, group, run_id, counts, meter, tagger,
                             batch_size)
            _sweep(database, client, run_id, set(ids) | leftovers, counts, meter, tagger,
                   batch_size)
    except KeyboardInterrupt:
        _copy_counts(counts, summary)
        finish_run(database, run_id, counts, status=INTERRUPTED, found=summary.found,
                   message="interrupted; run again to finish the pending records")
        raise
    except NetworkError as exc:
        _copy_counts(counts, summary)
        message = (f"PubMed E-utilities failed during the ingest ({exc}); the "
                   f"{counts.new + counts.updated + counts.unchanged} records already "
                   "stored are kept, run `evidence ingest` again to fetch the rest")
        finish_run(database, run_id, counts, status=FAILED, found=summary.found,
                   message=message)
        raise NetworkError(message) from exc
    except BaseException as exc:
        finish_run(database, run_id, counts, status=FAILED, found=summary.found,
                   message=f"{type(exc).__name__}: {exc}".splitlines()[0])
        raise
    _copy_counts(counts, summary)
    finish_run(database, run_id, counts, status=SUCCEEDED, found=summary.found,
               message="; ".join(summary.warnings + counts.errors[:3]) or None)


def _refuse_a_second_ingest(database: Database) -> None:
    """One ingest at a time: two would fetch the same PMIDs, collide on storing them and
    share NCBI's rate limit unknowingly.

    On this host a run's process is checked: a killed run is marked interrupted and
    never blocks, a live one always does, however long it has run. Another host's
    process cannot be checked (a container gets a new host name each time): its run
    blocks until RUN_STALE_AFTER from its start, then counts as killed. So does a run
    recorded without its process (by an older version).
    """
    mark_dead_runs(database)
    here = socket.gethostname()
    running = running_runs(database, "ingest")
    processes = {run.id: (run.params or {}).get("process") or {} for run in running}
    stale = [run.id for run in running
             if not (host := processes[run.id].get("host"))
             or (host != here and run.started_at < now_utc() - RUN_STALE_AFTER)]
    if stale:
        mark_interrupted(database, stale)
    for run in running:
        if run.id in stale:
            continue
        process = processes[run.id]
        elsewhere = "" if process.get("host") == here else (
            f"; it cannot be checked from here, and if it was killed it stops blocking "
            f"{RUN_STALE_AFTER.seconds // 3600} h after it started")
        raise EvidenceError(
            f"another ingest is running (run {run.id}, started {run.started_at:%Y-%m-%d %H:%M} "
            f"UTC, process {process.get('pid', '?')} on {process.get('host', '?')}{elsewhere}); "
            "try again when it has finished")


def _copy_counts(counts: LoadCounts, summary: IngestSummary) -> None:
    summary.new, summary.updated, summary.unchanged = counts.new, counts.updated, counts.unchanged
    summary.failed, summary.deleted, summary.skipped = counts.failed, counts.deleted, \
        counts.skipped
    summary.errors = list(counts.errors)


def _fetch_group(database: Database, client: EutilsClient, group: _Group, run_id: int,
                 counts: LoadCounts, meter: _Progress | None, tagger: Tagger | None,
                 batch_size: int) -> None:
    """Fetch one history set batch by batch; re-post what is left if it expires.

    The next batch is requested while this one is parsed and stored (one
    worker thread): the rate limiter still allows one request at a time, but
    NCBI's answer time and our database time overlap instead of adding up.
    Only this thread writes to the database.
    """
    ids, webenv, query_key = list(group.ids), group.webenv, group.query_key
    position = 0
    reposted = False
    ahead: tuple[int, Future[bytes]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="efetch") as pool:
        while position < len(ids):
            if webenv is None or query_key is None:
                webenv, query_key = client.epost(ids)
            expected = ids[position:position + batch_size]
            if ahead is not None and ahead[0] == position:
                pending_answer = ahead[1]
            else:
                pending_answer = pool.submit(client.efetch_history, webenv, query_key,
                                             position, len(expected))
            ahead = None
            try:
                body = pending_answer.result()
            except HistoryExpired:
                if not (reposted and position == 0):
                    # History sets live for hours, not forever: post what is left
                    # of this set (in order) and carry on from its start.
                    ids, position, reposted = ids[position:], 0, True
                    webenv = query_key = None
                    continue
                # A set posted a moment ago that still answers with no record has not
                # expired: PubMed no longer serves these PMIDs (deleted since the
                # search). They stay queued; the sweep asks for them by id.
                position += len(expected)
                if meter is not None:
                    meter.update(len(expected))
                continue
            following = position + len(expected)
            if following < len(ids):
                ahead = (following, pool.submit(
                    client.efetch_history, webenv, query_key, following,
                    len(ids[following:following + batch_size])))
            _store_or_leave(database, body, expected, run_id, counts, tagger,
                            f"efetch of history set {query_key}, retstart {position}")
            position = following
            if meter is not None:
                meter.update(len(expected))


def _sweep(database: Database, client: EutilsClient, run_id: int, owed: set[str],
           counts: LoadCounts, meter: _Progress | None, tagger: Tagger | None,
           batch_size: int) -> None:
    """Records a batch did not return: ask for them by id once; then they failed."""
    missing = sorted(_pending(database) & owed)
    for start in range(0, len(missing), batch_size):
        chunk = missing[start:start + batch_size]
        _store_or_leave(database, client.efetch_ids(chunk), chunk, run_id, counts, tagger,
                        f"efetch of {len(chunk)} PMIDs from {chunk[0]}")
    gone = sorted(_pending(database) & owed)
    if gone:
        counts.failed += len(gone)
        shown = ", ".join(gone[:10]) + (" ..." if len(gone) > 10 else "")
        given_up = _queued_before(database, gone, now_utc() - GIVE_UP_AFTER)
        kept = len(gone) - len(given_up)
        counts.errors.append(
            f"PubMed returned no record for {len(gone)} PMIDs: {shown}"
            + (f"; {kept} stay queued, the next run asks again" if kept else "")
            + (f"; {len(given_up)} queued since over {GIVE_UP_AFTER.days} days are given up"
               if given_up else ""))
        _forget(database, given_up)


def _store_or_leave(database: Database, body: bytes, expected: Sequence[str], run_id: int,
                    counts: LoadCounts, tagger: Tagger | None, request: str) -> None:
    """:func:`_store`; an answer that cannot be parsed stores nothing and leaves its PMIDs
    queued for the sweep (a new request) or the next run, saying which request it was."""
    try:
        _store(database, body, expected, run_id, counts, tagger)
    except InputFileError as exc:
        counts.errors.append(f"{request}: {exc}; its PMIDs stay queued")


def _queued_before(database: Database, pmids: Sequence[str], moment: dt.datetime) -> list[str]:
    """Those of ``pmids`` first queued by a run that started before ``moment``."""
    found: set[str] = set()
    with database.session() as session:
        for start in range(0, len(pmids), _PENDING_CHUNK):
            found.update(session.scalars(
                select(PendingPmid.pmid).join(IngestRun, IngestRun.id == PendingPmid.run_id)
                .where(PendingPmid.pmid.in_(pmids[start:start + _PENDING_CHUNK]),
                       IngestRun.started_at < moment)))
    return sorted(found)


def _store(database: Database, body: bytes, expected: Sequence[str], run_id: int,
           counts: LoadCounts, tagger: Tagger | None) -> None:
    """Parse one efetch answer and store it in one transaction."""
    items = list(pubmed_xml.iter_bytes(body, name=f"efetch ({len(expected)} PMIDs)"))
    dead: list[str] = []
    for item in items:
        if isinstance(item, SkippedRecord | InvalidRecord) and item.identifier:
            dead.append(item.identifier)
    load_items(database, items, source=SOURCE, tagger=tagger,
               batch_size=max(len(items), 1), run_id=run_id, counts=counts)
    _forget(database, dead)
