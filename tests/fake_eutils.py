"""A real HTTP server on 127.0.0.1 that speaks E-utilities over a synthetic PubMed.

The only fake in our tests sits at the machine's edge: the client under test
opens real sockets, sends real POSTs and reads real (sometimes broken)
responses. The formats follow the NCBI answers kept in
``shared/reference/ncbi`` (esearch with WebEnv/QueryKey, ErrorList and
WarningList, epost with ``<ERROR>``, PubmedArticleSet), but the records are
generated here from a small template, so any number of PMIDs with chosen
entrez/modification dates can be served.

Faults are scripted per test: ``server.add_faults("efetch", Fault.cut_short())``
makes the next efetch answer break that way, then the server behaves again.
Every request is logged with its arrival and finish times (``time.monotonic``,
the same clock as the client's, since both run in this process) so tests can
assert the rate limit and that no two requests overlapped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

# PubMed esearch hands out at most this many ids of one search (NCBI, 2022).
NCBI_ESEARCH_CAP = 9_999
XML_DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n'
ESEARCH_DOCTYPE = ('<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
                   '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n')
EPOST_DOCTYPE = ('<!DOCTYPE ePostResult PUBLIC "-//NLM//DTD epost 20090526//EN" '
                 '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">')
PUBMED_DOCTYPE = ('<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
                  '1st January 2025//EN" '
                  '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n')
# What PubMed answers, word for word, when a term matches nothing (esearch8.xml).
NOT_FOUND_MARKER = "abcXYZ"


# ---------------------------------------------------------------- the data


@dataclass
class SyntheticRecord:
    pmid: str
    edat: dt.date
    mdat: dt.date
    title: str
    abstract: str
    year: int

    def to_xml(self) -> str:
        """One PubmedArticle in NCBI's efetch layout (cf. pubmed1.xml)."""
        def ymd(tag: str, day: dt.date) -> str:
            return (f"<{tag}><Year>{day.year:04d}</Year><Month>{day.month:02d}</Month>"
                    f"<Day>{day.day:02d}</Day></{tag}>")

        def hist(status: str, day: dt.date) -> str:
            return (f'<PubMedPubDate PubStatus="{status}"><Year>{day.year}</Year>'
                    f"<Month>{day.month}</Month><Day>{day.day}</Day><Hour>0</Hour>"
                    f"<Minute>0</Minute></PubMedPubDate>")

        return (
            '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" '
            'IndexingMethod="Automated">'
            f'<PMID Version="1">{self.pmid}</PMID>'
            + ymd("DateCompleted", self.edat) + ymd("DateRevised", self.mdat)
            + '<Article PubModel="Print"><Journal><ISSN IssnType="Electronic">1234-5678</ISSN>'
            '<JournalIssue CitedMedium="Internet"><Volume>12</Volume><Issue>3</Issue>'
            f"<PubDate><Year>{self.year}</Year><Month>Mar</Month></PubDate></JournalIssue>"
            "<Title>Journal of synthetic dermatology</Title>"
            "<ISOAbbreviation>J Synth Dermatol</ISOAbbreviation></Journal>"
            f"<ArticleTitle>{escape(self.title)}</ArticleTitle>"
            "<Pagination><MedlinePgn>101-9</MedlinePgn></Pagination>"
            '<ELocationID EIdType="doi" ValidYN="Y">'
            f"10.5555/synth.{self.pmid}</ELocationID>"
            f"<Abstract><AbstractText>{escape(self.abstract)}</AbstractText></Abstract>"
            '<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Doe</LastName>'
            "<ForeName>Jane</ForeName><Initials>J</Initials></Author></AuthorList>"
            "<Language>eng</Language><PublicationTypeList>"
            '<PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>'
            "</PublicationTypeList></Article>"
            "<MedlineJournalInfo><Country>United States</Country>"
            "<MedlineTA>J Synth Dermatol</MedlineTA><NlmUniqueID>0000001</NlmUniqueID>"
            "</MedlineJournalInfo></MedlineCitation>"
            "<PubmedData><History>" + hist("pubmed", self.edat) + hist("entrez", self.edat)
            + hist("medline", self.edat) + "</History>"
            "<PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
            f'<ArticleId IdType="pubmed">{self.pmid}</ArticleId>'
            f'<ArticleId IdType="doi">10.5555/synth.{self.pmid}</ArticleId>'
            "</ArticleIdList></PubmedData></PubmedArticle>"
        )


def make_records(n: int, *, first_pmid: int = 30_000_000,
                 start: dt.date = dt.date(2000, 1, 1),
                 end: dt.date = dt.date(2024, 12, 31)) -> list[SyntheticRecord]:
    """``n`` records with entrez dates spread evenly over ``start..end``."""
    span = (end - start).days
    records = []
    for i in range(n):
        edat = start + dt.timedelta(days=(i * span) // max(n - 1, 1))
        mdat = edat + dt.timedelta(days=30 + i % 200)
        records.append(SyntheticRecord(
            pmid=str(first_pmid + i), edat=edat, mdat=mdat, year=edat.year,
            title=f"Microneedling with minoxidil for androgenetic alopecia: trial {i}",
            abstract=(f"BACKGROUND: Record {i}. Sixty patients with androgenetic alopecia "
                      "received microneedling (1.5 mm) plus minoxidil for 12 weeks. "
                      "Hair count increased."),
        ))
    return records


def _parse_ncbi_date(text: str, *, end: bool) -> dt.date:
    """``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD``; a partial date covers its period."""
    parts = [int(p) for p in text.replace("-", "/").split("/") if p]
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)
    if len(parts) == 2:
        if not end:
            return dt.date(parts[0], parts[1], 1)
        nxt = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date(parts[0], parts[1], parts[2])


# ------------------------------------------------------------------ faults


@dataclass
class Fault:
    """One scripted misbehaviour, used for exactly one matching request."""

    kind: str
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1, api_key: str = "none") -> Fault:
        """NCBI's own 429 answer: a JSON body naming the key and the limit."""
        body = json.dumps({"error": "API rate limit exceeded", "api-key": api_key,
                           "count": "11", "limit": "10"}).encode()
        headers = {"Content-Type": "application/json"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return cls("status", status=429, body=body, headers=headers)

    @classmethod
    def server_error(cls, status: int = 503) -> Fault:
        body = (f"<!DOCTYPE html><html><head><title>{status} Service Unavailable</title></head>"
                "<body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily "
                "unable to service your request.</p></body></html>").encode()
        return cls("status", status=status, body=body, headers={"Content-Type": "text/html"})

    @classmethod
    def raw(cls, body: bytes, status: int = 200) -> Fault:
        """Answer with these exact bytes (e.g. a saved real NCBI response)."""
        return cls("status", status=status, body=body,
                   headers={"Content-Type": "text/xml; charset=UTF-8"})

    @classmethod
    def cut_short(cls) -> Fault:
        """Declare the full Content-Length, send half of it, close the socket."""
        return cls("cut_short")

    @classmethod
    def incomplete_xml(cls) -> Fault:
        """Half the body with a matching Content-Length: only the XML shows the cut."""
        return cls("incomplete_xml")

    @classmethod
    def error_in_200(cls, message: str = "Search Backend failed: read timeout") -> Fault:
        return cls("error_in_200", body=message.encode())

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls("slow", delay=seconds)

    @classmethod
    def trickle(cls, seconds_per_piece: float, pieces: int = 20) -> Fault:
        """The right answer, sent in ``pieces`` parts ``seconds_per_piece`` apart: no single
        wait is long, the whole answer is (a proxy that crawls)."""
        return cls("trickle", delay=seconds_per_piece, status=pieces)

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection with a TCP RST before any answer."""
        return cls("reset")

    @classmethod
    def history_expired(cls, status: int = 200) -> Fault:
        return cls("history_expired", status=status)

    @classmethod
    def empty_set(cls) -> Fault:
        return cls("empty_set")

    @classmethod
    def partial_ids(cls) -> Fault:
        """An esearch IdList shorter than Count says it should be."""
        return cls("partial_ids")


@dataclass
class RequestRecord:
    endpoint: str
    method: str
    params: dict[str, str]
    arrival: float
    finished: float = 0.0
    fault: str | None = None


# ------------------------------------------------------------------ server


class FakeEutils:
    """The server, its synthetic PubMed and its request log.

    Use as a context manager; ``base_url`` is what a client should be given.
    ``expected_api_key``: when set, every request must carry it or get 400.
    """

    def __init__(self, records: Iterable[SyntheticRecord] = (), *,
                 response_delay: float = 0.0,
                 matcher: Callable[[str, SyntheticRecord], bool] | None = None) -> None:
        self.records: dict[str, SyntheticRecord] = {r.pmid: r for r in records}
        self.response_delay = response_delay
        self.matcher = matcher
        self.log: list[RequestRecord] = []
        # Found by esearch but never returned by efetch, like a PMID PubMed
        # deleted between the search and the fetch.
        self.unfetchable: set[str] = set()
        self._faults: dict[str, deque[Fault]] = {}
        self._history: dict[str, dict[str, list[str]]] = {}
        self._webenv_counter = itertools.count(1)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def __enter__(self) -> FakeEutils:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def port(self) -> int:
        """The port, still known after stop() (a closed port for "unreachable" tests)."""
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/entrez/eutils/"

    # -- scripting

    def add_faults(self, endpoint: str, *faults: Fault) -> None:
        """Queue faults for ``endpoint`` ("esearch", "efetch", "epost" or "*")."""
        with self._lock:
            self._faults.setdefault(endpoint, deque()).extend(faults)

    def pending_faults(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._faults.values())

    def expire_history(self) -> None:
        """Forget every WebEnv, as NCBI does after a while."""
        with self._lock:
            self._history.clear()

    def revise(self, pmid: str, *, title: str, mdat: dt.date) -> None:
        record = self.records[pmid]
        record.title, record.mdat = title, mdat

    def requests(self, endpoint: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.log if endpoint is None or r.endpoint == endpoint]

    def _next_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            for key in (endpoint, "*"):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
        return None

    # -- E-utilities semantics

    def search(self, term: str, params: dict[str, str]) -> list[str]:
        if NOT_FOUND_MARKER in term:
            return []
        records: Iterable[SyntheticRecord] = self.records.values()
        term, ranges = _date_ranges_in_term(term)
        for date_field, low, high in ranges:
            records = [r for r in records if low <= _term_date(r, date_field) <= high]
        if self.matcher is not None:
            records = [r for r in records if self.matcher(term, r)]
        if params.get("mindate") and params.get("maxdate"):
            low = _parse_ncbi_date(params["mindate"], end=False)
            high = _parse_ncbi_date(params["maxdate"], end=True)
            datetype = params.get("datetype", "pdat")
            records = [r for r in records
                       if low <= (r.mdat if datetype == "mdat" else r.edat) <= high]
        # PubMed's default order: most recent first.
        return sorted((r.pmid for r in records), key=int, reverse=True)

    def store_history(self, ids: list[str], webenv: str | None = None) -> tuple[str, str]:
        with self._lock:
            if webenv is None or webenv not in self._history:
                webenv = f"MCID_fake{next(self._webenv_counter):020d}"
                self._history[webenv] = {}
            keys = self._history[webenv]
            query_key = str(len(keys) + 1)
            keys[query_key] = list(ids)
            return webenv, query_key

    def history(self, webenv: str, query_key: str) -> list[str] | None:
        with self._lock:
            return self._history.get(webenv, {}).get(query_key)

    def article_set(self, pmids: Iterable[str]) -> bytes:
        parts = [XML_DECL.replace('encoding="UTF-8" ', ""), PUBMED_DOCTYPE,
                 "<PubmedArticleSet>\n"]
        for pmid in pmids:
            record = self.records.get(pmid)
            if record is not None and pmid not in self.unfetchable:
                parts.append(record.to_xml() + "\n")
        parts.append("</PubmedArticleSet>\n")
        return "".join(parts).encode()


# PubMed's range syntax in a term, as its QueryTranslation writes it:
# "(query) AND 2025/09/27:2025/11/26[Date - Entry]".
_TERM_DATE_RANGE = re.compile(
    r"\s+AND\s+(\d{4}/\d{2}/\d{2}):(\d{4}/\d{2}/\d{2})"
    r"\[(Date - Entry|Date - Publication)\]")


def _date_ranges_in_term(term: str) -> tuple[str, list[tuple[str, dt.date, dt.date]]]:
    """The term without its date ranges (and the brackets they added), and the ranges."""
    ranges = [(field, _parse_ncbi_date(low, end=False), _parse_ncbi_date(high, end=True))
              for low, high, field in _TERM_DATE_RANGE.findall(term)]
    if not ranges:
        return term, []
    bare = _TERM_DATE_RANGE.sub("", term).strip()
    if bare.startswith("(") and bare.endswith(")"):
        bare = bare[1:-1]
    return bare, ranges


def _term_date(record: SyntheticRecord, field: str) -> dt.date:
    """A record's entry date, or its publication date (the PubDate its XML gives)."""
    return record.edat if field == "Date - Entry" else dt.date(record.year, 3, 1)


def _esearch_xml(count: int, ids: list[str], retstart: int, *, webenv: str | None,
                 query_key: str | None, translation: str, not_found: str | None) -> bytes:
    history = (f"<QueryKey>{query_key}</QueryKey><WebEnv>{webenv}</WebEnv>"
               if webenv else "")
    id_list = ("<IdList>\n" + "".join(f"<Id>{i}</Id>\n" for i in ids) + "</IdList>"
               if ids else "<IdList/>")
    tail = ""
    if not_found:
        tail = (f"<ErrorList><PhraseNotFound>{escape(not_found)}</PhraseNotFound></ErrorList>"
                "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>")
    return (XML_DECL + ESEARCH_DOCTYPE
            + f"<eSearchResult><Count>{count}</Count><RetMax>{len(ids)}</RetMax>"
            f"<RetStart>{retstart}</RetStart>{history}{id_list}<TranslationSet/>"
            f"<QueryTranslation>{escape(translation)}</QueryTranslation>{tail}"
            "</eSearchResult>\n").encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeEutils
    protocol_version = "HTTP/1.1"  # keep-alive, like NCBI, so Session reuse is real

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        self._handle("GET", urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        query = urlsplit(self.path).query
        self._handle("POST", "&".join(p for p in (query, body) if p))

    def _handle(self, method: str, raw: str) -> None:
        fake = self.fake
        arrival = time.monotonic()
        params = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        endpoint = urlsplit(self.path).path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        record = RequestRecord(endpoint, method, params, arrival)
        with fake._lock:
            fake.log.append(record)
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            fault = fake._next_fault(endpoint)
            record.fault = fault.kind if fault else None
            if fake.response_delay:
                time.sleep(fake.response_delay)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
                fault = None
            if fault is not None and fault.kind == "reset":
                self._reset()
                return
            if fault is not None and fault.kind == "status":
                self._send(fault.status, fault.body, fault.headers)
                return
            status, body, ctype = self._answer(endpoint, params, fault)
            if fault is not None and fault.kind == "cut_short":
                self._send_cut_short(status, body, ctype)
            elif fault is not None and fault.kind == "trickle":
                self._send_trickle(status, body, ctype, fault)
            elif fault is not None and fault.kind == "incomplete_xml":
                self._send(status, body[: len(body) // 2], {"Content-Type": ctype})
            else:
                self._send(status, body, {"Content-Type": ctype})
        finally:
            with fake._lock:
                fake.in_flight -= 1
                record.finished = time.monotonic()

    def _answer(self, endpoint: str, params: dict[str, str],
                fault: Fault | None) -> tuple[int, bytes, str]:
        fake = self.fake
        kind = fault.kind if fault else None
        xml = "text/xml; charset=UTF-8"
        if params.get("db", "pubmed") != "pubmed":
            return 200, (XML_DECL + EPOST_DOCTYPE + "<ePostResult>\n\t<ERROR>Invalid db name "
                         f"specified: {escape(params['db'])}</ERROR>\n</ePostResult>\n"
                         ).encode(), xml
        if kind == "error_in_200":
            root = {"esearch": "eSearchResult", "epost": "ePostResult"}.get(endpoint,
                                                                           "eFetchResult")
            return 200, (XML_DECL + f"<{root}>\n\t<ERROR>{escape(fault.body.decode())}"
                         f"</ERROR>\n</{root}>\n").encode(), xml
        if endpoint == "esearch":
            return 200, self._esearch(params, partial=kind == "partial_ids"), xml
        if endpoint == "epost":
            ids = [i for i in params.get("id", "").split(",") if i.strip()]
            if not ids:
                return 200, (XML_DECL + EPOST_DOCTYPE + "<ePostResult>\n\t<ERROR>Empty ID "
                             "list; Nothing to store</ERROR>\n</ePostResult>\n").encode(), xml
            webenv, query_key = fake.store_history(ids, params.get("WebEnv"))
            return 200, (XML_DECL + EPOST_DOCTYPE + f"<ePostResult>\n\t<QueryKey>{query_key}"
                         f"</QueryKey>\n\t<WebEnv>{webenv}</WebEnv>\n</ePostResult>\n"
                         ).encode(), xml
        if endpoint == "efetch":
            if kind == "empty_set":
                return 200, fake.article_set([]), xml
            if "id" in params:
                return 200, fake.article_set(params["id"].split(",")), xml
            ids = fake.history(params.get("WebEnv", ""), params.get("query_key", ""))
            if ids is None or kind == "history_expired":
                status = fault.status if fault and kind == "history_expired" else 400
                return status, (XML_DECL + "<eFetchResult>\n\t<ERROR>Unable to obtain query #"
                                f"{escape(params.get('query_key', ''))}</ERROR>\n"
                                "</eFetchResult>\n").encode(), xml
            retstart = int(params.get("retstart", 0))
            retmax = int(params.get("retmax", 20))
            end = min(retstart + retmax, NCBI_ESEARCH_CAP, len(ids))
            return 200, fake.article_set(ids[retstart:end]), xml
        return 404, b"<html><body>Unknown E-utility</body></html>", "text/html"

    def _esearch(self, params: dict[str, str], *, partial: bool) -> bytes:
        fake = self.fake
        term = params.get("term", "")
        ids = fake.search(term, params)
        retstart = int(params.get("retstart", 0))
        retmax = min(int(params.get("retmax", 20)), NCBI_ESEARCH_CAP)
        page = ids[retstart:retstart + retmax]
        if partial:
            page = page[: len(page) // 2]
        webenv = query_key = None
        if params.get("usehistory") == "y":
            webenv, query_key = fake.store_history(ids, params.get("WebEnv"))
        translation = " ".join(term.split())
        if params.get("mindate") and params.get("maxdate"):
            translation += (f" AND {params['mindate']}:{params['maxdate']}"
                            f"[{params.get('datetype', 'pdat')}]")
        not_found = NOT_FOUND_MARKER if NOT_FOUND_MARKER in term else None
        return _esearch_xml(len(ids), page, retstart, webenv=webenv, query_key=query_key,
                            translation=translation, not_found=not_found)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_trickle(self, status: int, body: bytes, ctype: str, fault: Fault) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        size = max(1, -(-len(body) // fault.status))
        try:
            for start in range(0, len(body), size):
                self.wfile.write(body[start:start + size])
                self.wfile.flush()
                time.sleep(fault.delay)
        except OSError:  # the client gave up, as it should
            self.close_connection = True

    def _send_cut_short(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST: a "connection
        # reset by peer" on the client, as flaky middleboxes produce.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


@contextlib.contextmanager
def running_fake(records: Iterable[SyntheticRecord] = (), **kwargs: object) -> Iterator[FakeEutils]:
    """``with running_fake(make_records(10)) as server: ...``"""
    with FakeEutils(records, **kwargs) as server:  # type: ignore[arg-type]
        yield server
