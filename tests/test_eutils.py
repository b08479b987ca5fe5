"""The E-utilities client against a real loopback HTTP server (tests/fake_eutils.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evidence.errors import EvidenceError, NetworkError
from ingest.eutils import (
    NCBI_MAX_RPS_WITH_KEY,
    NCBI_MAX_RPS_WITHOUT_KEY,
    EutilsClient,
    HistoryExpired,
    SearchResult,
)
from ingest.plan import (
    DateWindow,
    SearchSlice,
    SearchTooLarge,
    bisect_window,
    full_window,
    parse_date,
    plan_windows,
    within_term,
    within_window,
)
from tests.fake_eutils import FakeEutils, Fault, RequestRecord, make_records

API_KEY = "test-key-0123456789"
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ncbi"
# Scheduling noise allowed when comparing request arrival times.
TIMING_SLACK = 0.005


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    with FakeEutils(make_records(50)) as fake:
        yield fake


def make_client(server: FakeEutils, **overrides: object) -> EutilsClient:
    options: dict[str, object] = dict(api_key=API_KEY, email="dev@example.org",
                                      tool="evidence-tests", backoff_base=0.01,
                                      timeout=(2.0, 5.0), max_tries=4)
    options.update(overrides)
    return EutilsClient(server.base_url, **options)  # type: ignore[arg-type]


@pytest.fixture
def client(server: FakeEutils) -> Iterator[EutilsClient]:
    with make_client(server) as c:
        yield c


def gaps(log: list[RequestRecord]) -> list[float]:
    arrivals = sorted(r.arrival for r in log)
    return [b - a for a, b in itertools.pairwise(arrivals)]


# ------------------------------------------------------------- happy paths


def test_esearch_history_then_efetch(server: FakeEutils, client: EutilsClient) -> None:
    result = client.esearch("microneedling alopecia", retmax=20)
    assert result.count == 50
    assert len(result.ids) == 20
    assert result.webenv and result.query_key
    assert result.translation == "microneedling alopecia"
    body = client.efetch_history(result.webenv, result.query_key, retstart=0, retmax=7)
    assert body.count(b"<PubmedArticle>") == 7
    assert body.rstrip().endswith(b"</PubmedArticleSet>")


def test_epost_and_efetch_ids_are_posted(server: FakeEutils, client: EutilsClient) -> None:
    pmids = [str(30_000_000 + i) for i in range(10)]
    webenv, query_key = client.epost(pmids)
    assert client.efetch_history(webenv, query_key, 0, 10).count(b"<PubmedArticle>") == 10
    assert client.efetch_ids(pmids[:3]).count(b"<PubmedArticle>") == 3
    assert {r.method for r in server.requests()} == {"POST"}
    assert server.requests("efetch")[-1].params["id"] == ",".join(pmids[:3])


def test_identification_on_every_request(server: FakeEutils, client: EutilsClient) -> None:
    result = client.esearch("x", retmax=5)
    assert result.webenv and result.query_key
    client.efetch_history(result.webenv, result.query_key, 0, 5)
    client.epost(["30000001"])
    client.efetch_ids(["30000001"])
    log = server.requests()
    assert len(log) == 4
    for request in log:
        assert request.params["tool"] == "evidence-tests"
        assert request.params["email"] == "dev@example.org"
        assert request.params["api_key"] == API_KEY


def test_no_api_key_param_without_a_key(server: FakeEutils) -> None:
    with make_client(server, api_key=None) as c:
        c.esearch("x", retmax=0)
    (request,) = server.requests()
    assert "api_key" not in request.params
    assert request.params["tool"] == "evidence-tests"


def test_date_params_are_sent(server: FakeEutils, client: EutilsClient) -> None:
    result = client.esearch("x", mindate="2010/01/01", maxdate="2010/12/31", datetype="mdat")
    request = server.requests("esearch")[0]
    assert (request.params["mindate"], request.params["maxdate"]) == ("2010/01/01",
                                                                      "2010/12/31")
    assert request.params["datetype"] == "mdat"
    expected = {r.pmid for r in server.records.values()
                if dt.date(2010, 1, 1) <= r.mdat <= dt.date(2010, 12, 31)}
    assert set(result.ids) == expected and expected


def test_one_date_bound_is_refused(client: EutilsClient) -> None:
    with pytest.raises(ValueError, match="both mindate and maxdate"):
        client.esearch("x", mindate="2010/01/01")


# ------------------------------------------------ empty results vs errors


def test_phrase_not_found_is_an_empty_result_with_warnings(client: EutilsClient) -> None:
    result = client.esearch("abcXYZ")
    assert result.count == 0 and result.ids == []
    assert "PhraseNotFound: abcXYZ" in result.warnings


def test_zero_count_without_error_is_a_real_empty_result(server: FakeEutils) -> None:
    server.matcher = lambda term, record: False
    with make_client(server) as c:
        result = c.esearch("nothing matches")
    assert result == SearchResult(count=0, ids=[], webenv=result.webenv,
                                  query_key=result.query_key,
                                  translation="nothing matches", warnings=())
    assert len(server.requests()) == 1


def test_error_in_200_is_never_an_empty_result(server: FakeEutils) -> None:
    server.add_faults("esearch", *[Fault.error_in_200("Search Backend failed")] * 3)
    with make_client(server, max_tries=3) as c, pytest.raises(NetworkError) as info:
        c.esearch("x")
    assert "Search Backend failed" in str(info.value)
    assert len(server.requests()) == 3


# ------------------------------------------------------- faults and retry


FAULTS = {
    "429": lambda: Fault.rate_limited(retry_after=None),
    "500": lambda: Fault.server_error(500),
    "502": lambda: Fault.server_error(502),
    "503": lambda: Fault.server_error(503),
    "cut_short": Fault.cut_short,
    "incomplete_xml": Fault.incomplete_xml,
    "error_in_200": Fault.error_in_200,
    "reset": Fault.reset,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("endpoint", ["esearch", "efetch", "epost"])
def test_fault_is_retried_then_succeeds(server: FakeEutils, client: EutilsClient,
                                        endpoint: str, fault: str) -> None:
    pmids = [str(30_000_000 + i) for i in range(20)]
    server.add_faults(endpoint, FAULTS[fault](), FAULTS[fault]())
    if endpoint == "esearch":
        result = client.esearch("x", retmax=50)
        assert result.count == 50 and len(result.ids) == 50
    elif endpoint == "efetch":
        body = client.efetch_ids(pmids)
        assert body.count(b"<PubmedArticle>") == 20
    else:
        webenv, query_key = client.epost(pmids)
        assert server.history(webenv, query_key) == pmids
    log = server.requests(endpoint)
    assert [r.fault is not None for r in log] == [True, True, False]
    assert server.pending_faults() == 0


def test_partial_id_list_is_retried(server: FakeEutils, client: EutilsClient) -> None:
    server.add_faults("esearch", Fault.partial_ids())
    result = client.esearch("x", retmax=40)
    assert len(result.ids) == 40
    assert len(server.requests("esearch")) == 2


def test_timeout_is_retried(server: FakeEutils) -> None:
    server.add_faults("esearch", Fault.slow(1.0))
    with make_client(server, timeout=(1.0, 0.3)) as c:
        result = c.esearch("x", retmax=5)
    assert result.count == 50
    log = server.requests("esearch")
    assert [r.fault for r in log] == ["slow", None]


def test_an_answer_that_trickles_past_the_deadline_is_retried(server: FakeEutils) -> None:
    """Each wait (0.1 s) is well inside the read timeout; the whole answer (2 s) is not."""
    server.add_faults("esearch", Fault.trickle(0.1, pieces=20))
    with make_client(server, timeout=(1.0, 1.0), answer_deadline=0.5) as c:
        started = time.monotonic()
        result = c.esearch("x", retmax=5)
        elapsed = time.monotonic() - started
    assert result.count == 50
    assert [r.fault for r in server.requests("esearch")] == ["trickle", None]
    assert elapsed < 1.5  # given up at the deadline, not after the whole trickle


def test_retries_exhausted_raise_network_error_naming_the_request(server: FakeEutils) -> None:
    server.add_faults("esearch", *[Fault.server_error(503) for _ in range(3)])
    with make_client(server, max_tries=3) as c, pytest.raises(NetworkError) as info:
        c.esearch("microneedling AND alopecia", mindate="2020/01/01", maxdate="2020/12/31")
    message = str(info.value)
    assert "esearch.fcgi" in message
    assert "term=microneedling AND alopecia" in message
    assert "mindate=2020/01/01" in message
    assert "after 3 tries" in message
    assert "HTTP 503" in message
    assert API_KEY not in message
    assert isinstance(info.value, EvidenceError)
    assert len(server.requests()) == 3


def test_api_key_echoed_in_429_body_never_reaches_the_message(server: FakeEutils) -> None:
    server.add_faults("efetch", *[Fault.rate_limited(None, api_key=API_KEY)
                                  for _ in range(2)])
    with make_client(server, max_tries=2) as c, pytest.raises(NetworkError) as info:
        c.efetch_ids(["30000001"])
    assert "HTTP 429" in str(info.value)
    assert "API rate limit exceeded" in str(info.value)
    assert API_KEY not in str(info.value)


def test_unreachable_server_raises_network_error() -> None:
    with FakeEutils() as fake:
        url = fake.base_url  # a port that was ours and now is closed
    with EutilsClient(url, max_tries=2, backoff_base=0.01, timeout=(0.5, 0.5)) as c, \
            pytest.raises(NetworkError, match=r"after 2 tries at http://127\.0\.0\.1"):
        c.esearch("x")


def test_permanent_http_error_is_not_retried(server: FakeEutils, client: EutilsClient) -> None:
    server.add_faults("esearch", Fault.raw(b"<html>Bad Request</html>", status=400))
    with pytest.raises(NetworkError, match="HTTP 400"):
        client.esearch("x")
    assert len(server.requests()) == 1


def test_retry_after_is_honoured(server: FakeEutils) -> None:
    server.add_faults("esearch", Fault.rate_limited(retry_after=1))
    with make_client(server, sleep=time.sleep, backoff_base=0.01) as c:
        c.esearch("x", retmax=1)
    first, second = server.requests("esearch")
    assert second.arrival - first.arrival >= 1.0 - TIMING_SLACK


def test_retry_after_holds_back_other_threads(server: FakeEutils) -> None:
    """A 429 is about the machine, so a second client in another thread waits too."""
    server.add_faults("esearch", Fault.rate_limited(retry_after=1))
    with make_client(server) as first, make_client(server) as second:
        worker = threading.Thread(target=first.esearch, args=("x",), kwargs={"retmax": 1})
        worker.start()
        time.sleep(0.05)  # let the first request meet its 429
        second.epost(["30000001"])
        worker.join()
    rate_limited = server.requests("esearch")[0]
    epost = server.requests("epost")[0]
    assert epost.arrival - rate_limited.arrival >= 1.0 - TIMING_SLACK


# ----------------------------------------------------------- rate limiting


@pytest.mark.parametrize(("api_key", "rps", "n"), [
    (None, NCBI_MAX_RPS_WITHOUT_KEY, 7),
    (API_KEY, NCBI_MAX_RPS_WITH_KEY, 15),
])
def test_rate_limit(server: FakeEutils, api_key: str | None, rps: int, n: int) -> None:
    with make_client(server, api_key=api_key) as c:
        for _ in range(n):
            c.esearch("x", retmax=0, usehistory=False)
    intervals = gaps(server.requests())
    assert len(intervals) == n - 1
    assert min(intervals) >= 1 / rps - TIMING_SLACK
    # ... and not grossly slower than allowed (one-second windows hold <= rps).
    arrivals = sorted(r.arrival for r in server.requests())
    for i, start in enumerate(arrivals):
        assert sum(1 for a in arrivals[i:] if a < start + 1.0) <= rps


def test_no_two_requests_in_flight_across_threads_and_clients(server: FakeEutils) -> None:
    server.response_delay = 0.15
    clients = [make_client(server) for _ in range(2)]
    errors: list[BaseException] = []

    def work(c: EutilsClient) -> None:
        try:
            for _ in range(3):
                c.esearch("x", retmax=1, usehistory=False)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(clients[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    log = sorted(server.requests(), key=lambda r: r.arrival)
    assert len(log) == 12
    assert server.max_in_flight == 1
    for before, after in itertools.pairwise(log):
        # The next request may only arrive after the previous answer was sent.
        assert after.arrival >= before.arrival + server.response_delay
    assert min(gaps(log)) >= 1 / NCBI_MAX_RPS_WITH_KEY - TIMING_SLACK


# --------------------------------------------------------- history expiry


def test_expired_history_is_detected(server: FakeEutils, client: EutilsClient) -> None:
    result = client.esearch("x", retmax=0)
    assert result.webenv and result.query_key
    server.expire_history()
    with pytest.raises(HistoryExpired, match="Unable to obtain query #1"):
        client.efetch_history(result.webenv, result.query_key, 0, 10)
    assert len(server.requests("efetch")) == 1  # not retried: retrying cannot help


@pytest.mark.parametrize("fault", [Fault.history_expired(status=200),
                                   Fault.history_expired(status=400), Fault.empty_set()])
def test_expired_history_variants(server: FakeEutils, client: EutilsClient,
                                  fault: Fault) -> None:
    result = client.esearch("x", retmax=0)
    assert result.webenv and result.query_key
    server.add_faults("efetch", fault)
    with pytest.raises(HistoryExpired):
        client.efetch_history(result.webenv, result.query_key, 0, 10)


def test_empty_efetch_by_id_is_not_history_expiry(client: EutilsClient) -> None:
    body = client.efetch_ids(["1"])  # a PMID the synthetic PubMed does not hold
    assert b"<PubmedArticle>" not in body


# ------------------------------------------------------ date bisection


def test_bisect_window_covers_every_day_once() -> None:
    window = DateWindow(dt.date(2020, 1, 1), dt.date(2020, 3, 1))
    halves = bisect_window(window)
    assert halves is not None
    left, right = halves
    assert left.start == window.start and right.end == window.end
    assert right.start == left.end + dt.timedelta(days=1)
    assert left.days + right.days == window.days
    assert abs(left.days - right.days) <= 1
    assert bisect_window(DateWindow(dt.date(2020, 1, 1), dt.date(2020, 1, 1))) is None
    assert window.mindate == "2020/01/01" and window.maxdate == "2020/03/01"


class _Count:
    def __init__(self, count: int) -> None:
        self.count = count


def test_plan_windows_pure_counts_each_window_fits() -> None:
    # Ten hits a day in 2015 only; a limit of 100 forces many splits.
    days = {dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(365)}

    def search(part: SearchSlice) -> _Count:
        window = part.window
        return _Count(10 * sum(1 for d in days if window.start <= d <= window.end))

    plan = plan_windows(search, full_window(today=dt.date(2024, 1, 1)), limit=100)
    assert all(0 < result.count <= 100 for _, result in plan)
    assert sum(result.count for _, result in plan) == 3650
    windows = [part.window for part, _ in plan]
    assert all(part.within is None for part, _ in plan)
    assert windows == sorted(windows)
    for earlier, later in itertools.pairwise(windows):
        assert earlier.end < later.start  # no overlap, so no day counted twice


def test_plan_windows_refuses_an_unsplittable_day() -> None:
    with pytest.raises(SearchTooLarge, match="single day 2020/05/05"):
        plan_windows(lambda part: _Count(
            20_000 if part.window.start <= dt.date(2020, 5, 5) <= part.window.end else 0),
            DateWindow(dt.date(2020, 1, 1), dt.date(2020, 12, 31)))


def _one_revision_day(entry_days: list[dt.date], revised: dt.date
                      ) -> Callable[[SearchSlice], _Count]:
    """A search where every hit was revised on ``revised`` and entered on its own day."""
    def search(part: SearchSlice) -> _Count:
        if not part.window.start <= revised <= part.window.end:
            return _Count(0)
        if part.within is None:
            return _Count(len(entry_days))
        return _Count(sum(1 for d in entry_days
                          if part.within.start <= d <= part.within.end))
    return search


def test_plan_windows_cuts_one_crowded_day_on_the_second_date() -> None:
    # NLM's year-end processing: 25,000 hits all revised on one day.
    revised = dt.date(2026, 11, 30)
    entered = [dt.date(1990, 1, 1) + dt.timedelta(days=i % 12_000) for i in range(25_000)]
    within = within_window("mdat", today=dt.date(2026, 12, 1))
    assert within is not None
    plan = plan_windows(_one_revision_day(entered, revised),
                        DateWindow(dt.date(2026, 11, 1), dt.date(2026, 12, 3)), within=within)
    assert all(part.window == DateWindow(revised, revised) for part, _ in plan)
    assert all(0 < result.count <= 9_999 for _, result in plan)
    assert sum(result.count for _, result in plan) == 25_000
    inner = [part.within for part, _ in plan]
    assert all(w is not None for w in inner)
    for earlier, later in itertools.pairwise(inner):
        assert earlier is not None and later is not None and earlier.end < later.start


def test_plan_windows_refuses_a_day_crowded_on_both_dates() -> None:
    revised = dt.date(2026, 11, 30)
    entered = [dt.date(2001, 2, 3)] * 12_000
    with pytest.raises(SearchTooLarge, match="single day 2026/11/30 and, within it, "
                                             "the single day 2001/02/03"):
        plan_windows(_one_revision_day(entered, revised),
                     DateWindow(dt.date(2026, 11, 1), dt.date(2026, 12, 3)),
                     within=within_window("mdat", today=dt.date(2026, 12, 1)))


def test_a_crowded_day_is_searched_in_pubmeds_own_range_syntax() -> None:
    within = DateWindow(dt.date(2025, 9, 27), dt.date(2025, 11, 26))
    # The form of NCBI's own QueryTranslation (esearch2.xml).
    assert (within_term("microneedling AND alopecia", "mdat", within)
            == "(microneedling AND alopecia) AND 2025/09/27:2025/11/26[Date - Entry]")
    assert within_term("x", "edat", within).endswith("[Date - Publication]")
    pdat = within_window("edat", today=dt.date(2026, 12, 1))
    assert pdat is not None and pdat.end.year >= 2029  # issues dated years ahead
    assert within_window("pdat") is None


def test_parse_date_forms() -> None:
    assert parse_date("2021-03-04") == dt.date(2021, 3, 4)
    assert parse_date("2021/03/04") == dt.date(2021, 3, 4)
    assert parse_date("2021-03") == dt.date(2021, 3, 1)
    assert parse_date("2021") == dt.date(2021, 1, 1)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("last week")


@pytest.mark.parametrize("datetype", ["edat", "mdat"])
def test_date_splitting_returns_exactly_every_id_of_25000(datetype: str) -> None:
    records = make_records(25_000)
    with FakeEutils(records) as fake, make_client(fake) as c:
        whole = c.esearch("microneedling", retmax=0, usehistory=False)
        assert whole.count == 25_000

        def search(part: SearchSlice) -> SearchResult:
            window = part.window
            return c.esearch("microneedling", mindate=window.mindate,
                             maxdate=window.maxdate, datetype=datetype)  # type: ignore[arg-type]

        plan = plan_windows(search, full_window(today=dt.date(2026, 1, 1)))
        ids = [pmid for _, result in plan for pmid in result.ids]
        assert all(result.count <= 9_999 for _, result in plan)
        assert len(plan) >= 3
        assert len(ids) == len(set(ids)) == 25_000
        assert set(ids) == {r.pmid for r in records}
        assert len(fake.requests("esearch")) < 40


# --------------------------------------------- NCBI's own saved answers


def _reference(name: str) -> bytes:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    return path.read_bytes()


def test_real_esearch_with_history(server: FakeEutils, client: EutilsClient) -> None:
    server.add_faults("esearch", Fault.raw(_reference("esearch2.xml")))
    result = client.esearch("cancer", retmax=100)
    assert result.count == 42249
    assert len(result.ids) == 100 and result.ids[0] == "41297076"
    assert result.webenv == "MCID_6927d6e7fee3e90f880ec190" and result.query_key == "1"


def test_real_esearch_phrase_not_found(server: FakeEutils, client: EutilsClient) -> None:
    server.add_faults("esearch", Fault.raw(_reference("esearch8.xml")))
    result = client.esearch("abcXYZ")
    assert (result.count, result.ids) == (0, [])
    assert result.translation == "(abcXYZ[All Fields])"
    assert result.warnings == ("PhraseNotFound: abcXYZ", "OutputMessage: No items found.")


def test_real_esearch_translation_stack(server: FakeEutils, client: EutilsClient) -> None:
    server.add_faults("esearch", Fault.raw(_reference("esearch5.xml")))
    result = client.esearch("stem cells AND hasabstract", retmax=20, usehistory=False)
    assert result.count == 5 and len(result.ids) == 5
    assert result.translation is not None and result.translation.startswith('("stem cells"')


def test_real_epost_and_epost_errors(server: FakeEutils, client: EutilsClient) -> None:
    server.add_faults("epost", Fault.raw(_reference("epost1.xml")))
    assert client.epost(["1"]) == ("MCID_692851c130aec64bed0a8c2a", "1")
    server.add_faults("epost", *[Fault.raw(_reference(n)) for n in
                                 ("epost2.xml", "epost3.xml", "epost2.xml", "epost3.xml")])
    with pytest.raises(NetworkError, match=r"Invalid db name|Empty ID list"):
        client.epost(["1"])


def test_real_efetch_body_is_returned_unchanged(server: FakeEutils,
                                                client: EutilsClient) -> None:
    raw = _reference("pubmed1.xml")
    server.add_faults("efetch", Fault.raw(raw))
    assert client.efetch_ids(["12091962", "9997"]) == raw
