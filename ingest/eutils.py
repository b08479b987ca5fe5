"""A small, polite NCBI E-utilities client: HTTP only.

This module talks to ``esearch.fcgi``, ``efetch.fcgi`` and ``epost.fcgi`` and
hands back bytes (efetch) or the few fields of the tiny esearch/epost answers
the ingest needs. It never parses PubMed article XML (that is
``ingest.pubmed_xml``) and never touches the database (``ingest.load``).

Why it is shaped the way it is:

* NCBI's usage policy allows 3 requests per second per IP without an API key
  and 10 with one, and blocks clients that exceed it. The limit is per
  machine, not per client object, so there is ONE process-wide
  :class:`RateLimiter`; it also holds a lock for the whole request so that two
  requests are never in flight at once (NCBI also asks for that).
* E-utilities fail in ways that look like success: a 200 whose body is
  ``<ERROR>...``, a body cut short by a proxy, an esearch whose IdList is
  shorter than it should be. Every answer is checked before it is returned and
  a failed check is retried like a 5xx. An error is never turned into an
  empty result: only a complete answer with ``Count`` 0 is "nothing found".
* Every request is a POST: the id lists of efetch/epost and a long query would
  overflow a URL, and a POST keeps the API key out of URLs and proxy logs.
"""

from __future__ import annotations

import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Literal, TypeVar

import requests
import urllib3

from evidence.errors import NetworkError
from evidence.settings import NCBI_EUTILS_URL, NCBI_TOOL_NAME, Settings

__all__ = [
    "DEFAULT_BACKOFF_BASE",
    "DEFAULT_MAX_TRIES",
    "DEFAULT_TIMEOUT",
    "ESEARCH_MAX_RETMAX",
    "NCBI_MAX_RPS_WITHOUT_KEY",
    "NCBI_MAX_RPS_WITH_KEY",
    "EutilsClient",
    "HistoryExpired",
    "RateLimiter",
    "SearchResult",
    "process_rate_limiter",
]

# NCBI E-utilities usage policy ("API Keys", NBK25497): "no more than 3 requests
# per second" per IP without a key, 10 per second with an API key.
NCBI_MAX_RPS_WITHOUT_KEY = 3
NCBI_MAX_RPS_WITH_KEY = 10
# Our clock measures when a request leaves, NCBI's when it arrives; network
# jitter can bring two arrivals closer than two departures. 5% headroom costs
# little and keeps us under the limit as NCBI sees it.
RATE_HEADROOM = 1.05

# PubMed's esearch returns at most the first 9,999 ids of a search (and
# efetch from its history the same), so a bigger search must be split.
ESEARCH_MAX_RETMAX = 9_999

# (connect, read) seconds. Connecting to NCBI is quick or broken; a 500-record
# efetch can legitimately take tens of seconds to stream.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 90.0)
# A whole answer (about 5 MB for 500 records) in at most this long, however it trickles.
DEFAULT_ANSWER_DEADLINE = 300.0
_READ_CHUNK = 1 << 16
# Six tries with a 1 s base spread the attempts over about half a minute, long
# enough to ride out NCBI's frequent short 5xx/429 blips, short enough that a
# real outage is reported while the user still watches.
DEFAULT_MAX_TRIES = 6
DEFAULT_BACKOFF_BASE = 1.0
DEFAULT_BACKOFF_CAP = 30.0
# A server may ask for any Retry-After; we honour it but no further than this,
# so a garbled header cannot hang an ingest for hours.
MAX_RETRY_AFTER = 120.0

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Phrases NCBI uses when a WebEnv/query_key is no longer on the history server.
_HISTORY_GONE_MARKERS = (
    "unable to obtain query",
    "cannot retrieve query",
    "cannot get query",
    "query key",
    "webenv",
    "history",
)
# Anything that can appear at the top of a PubMed efetch answer with records.
_RECORD_TAGS = (b"<PubmedArticle>", b"<PubmedArticle ", b"<PubmedBookArticle",
                b"<DeleteCitation")

_T = TypeVar("_T")
Datetype = Literal["edat", "mdat", "pdat"]
Endpoint = Literal["esearch", "efetch", "epost"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One esearch answer.

    ``warnings`` holds NCBI's ``ErrorList``/``WarningList`` notes such as
    ``PhraseNotFound: abcXYZ``: they explain a small or empty result, they do
    not make it wrong.
    """

    count: int
    ids: list[str]
    webenv: str | None
    query_key: str | None
    translation: str | None
    warnings: tuple[str, ...] = ()


class Refused(NetworkError):
    """E-utilities answered HTTP 400, refusing the request (a bad API key or parameter):
    asking again will not help, and the network is not at fault."""


class HistoryExpired(NetworkError):
    """The WebEnv/query_key is gone from NCBI's history server (they expire).

    Distinct from other failures because the cure is different: search or
    epost again and continue, rather than retrying the same request.
    """


class _Retryable(Exception):
    """An answer that failed a check; the request is worth trying again."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Permanent(Exception):
    """An answer that retrying cannot fix (e.g. HTTP 400 for a bad query)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimiter:
    """Spaces request starts and serialises requests, for the whole process.

    Thread-safe and driven by the monotonic clock (wall-clock jumps must not
    let a burst through). :meth:`slot` holds the lock for the whole request,
    so "never two in flight" and "at most N per second" are one mechanism.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_start = float("-inf")
        self._not_before = float("-inf")

    @contextmanager
    def slot(self, min_interval: float) -> Iterator[None]:
        """Wait for our turn, run the request inside the ``with`` block."""
        with self._lock:
            while True:
                wait = max(self._next_start, self._not_before) - time.monotonic()
                if wait <= 0:
                    break
                time.sleep(wait)
            self._next_start = time.monotonic() + min_interval
            yield

    def defer(self, seconds: float) -> None:
        """Hold every thread back for ``seconds`` (a server's Retry-After)."""
        target = time.monotonic() + seconds
        # A plain assignment under the GIL; max() so a shorter later request
        # cannot cut a longer earlier one short.
        self._not_before = max(self._not_before, target)


_PROCESS_RATE_LIMITER = RateLimiter()


def process_rate_limiter() -> RateLimiter:
    """The one limiter every client shares: NCBI limits the machine, not the object."""
    return _PROCESS_RATE_LIMITER


def _describe(endpoint: str, params: Mapping[str, object]) -> str:
    """A request named for an error message: endpoint and key params, no secrets."""
    shown = []
    for key in ("term", "WebEnv", "query_key", "retstart", "retmax", "mindate", "maxdate",
                "datetype"):
        if key in params and params[key] not in (None, ""):
            value = str(params[key])
            if len(value) > 80:
                value = value[:77] + "..."
            shown.append(f"{key}={value}")
    if "id" in params:
        ids = str(params["id"]).split(",")
        shown.append(f"id=<{len(ids)} PMIDs from {ids[0]}>")
    return f"{endpoint}.fcgi" + (f" ({', '.join(shown)})" if shown else "")


def _retry_after_seconds(value: str | None) -> float | None:
    """Parse Retry-After: delta-seconds or an HTTP date (RFC 9110 allows both)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _parse_small_xml(body: bytes, root_tag: str) -> ET.Element:
    """Parse an esearch/epost answer; a cut-short body is worth a retry."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise _Retryable(f"incomplete or malformed XML ({exc})") from exc
    if root.tag != root_tag:
        raise _Retryable(f"unexpected XML root <{root.tag}>, wanted <{root_tag}>")
    return root


def _error_texts(root: ET.Element) -> list[str]:
    """Top-level ``<ERROR>`` children: real failures, unlike ``ErrorList``."""
    return [(el.text or "").strip() for el in root.findall("ERROR")]


def _history_gone(message: str) -> bool:
    lowered = message.lower()
    return any(marker in lowered for marker in _HISTORY_GONE_MARKERS)


@dataclass
class EutilsClient:
    """E-utilities over one ``requests.Session`` with retries and rate limiting.

    Everything that changes how long a call may take (timeout, tries, backoff
    and the sleep used between tries) is injectable so tests run in
    milliseconds; the defaults are the ones to use against NCBI.
    """

    base_url: str = NCBI_EUTILS_URL
    api_key: str | None = None
    email: str | None = None
    tool: str = NCBI_TOOL_NAME
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    #: Seconds one answer may take in all: the read timeout bounds each wait for
    #: bytes, so a server that trickles could otherwise hold a nightly run for ever.
    answer_deadline: float = DEFAULT_ANSWER_DEADLINE
    max_tries: int = DEFAULT_MAX_TRIES
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_cap: float = DEFAULT_BACKOFF_CAP
    sleep: Callable[[float], None] = time.sleep
    rate_limiter: RateLimiter = field(default_factory=process_rate_limiter)
    session: requests.Session = field(default_factory=requests.Session)
    #: Requests sent, retries included: the benchmark's denominator.
    requests_sent: int = 0

    def __post_init__(self) -> None:
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        if self.max_tries < 1:
            raise ValueError("max_tries must be at least 1")
        self._count_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> EutilsClient:
        """Build a client from the one settings object (STYLE.md, rule 5)."""
        return cls(base_url=settings.eutils_url, api_key=settings.api_key,
                   email=settings.email, tool=settings.tool, **overrides)  # type: ignore[arg-type]

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def min_interval(self) -> float:
        """Seconds between request starts under NCBI's policy for this key."""
        rps = NCBI_MAX_RPS_WITH_KEY if self.api_key else NCBI_MAX_RPS_WITHOUT_KEY
        return RATE_HEADROOM / rps

    # ------------------------------------------------------------------ API

    def esearch(
        self,
        query: str,
        *,
        mindate: str | None = None,
        maxdate: str | None = None,
        datetype: Datetype = "edat",
        usehistory: bool = True,
        retmax: int = ESEARCH_MAX_RETMAX,
        retstart: int = 0,
    ) -> SearchResult:
        """Search PubMed. ``mindate``/``maxdate`` are ``YYYY/MM/DD`` (inclusive).

        NCBI ignores one date bound without the other, so giving only one is
        refused here rather than silently searching everything.
        """
        if (mindate is None) != (maxdate is None):
            raise ValueError("esearch needs both mindate and maxdate, or neither")
        if not 0 <= retmax <= ESEARCH_MAX_RETMAX:
            raise ValueError(f"retmax must be between 0 and {ESEARCH_MAX_RETMAX}")
        params: dict[str, object] = {"db": "pubmed", "term": query, "retmax": retmax,
                                     "retstart": retstart}
        if usehistory:
            params["usehistory"] = "y"
        if mindate is not None:
            params.update(mindate=mindate, maxdate=maxdate, datetype=datetype)

        def check(body: bytes) -> SearchResult:
            return self._parse_esearch(body, retmax=retmax, retstart=retstart)

        return self._request("esearch", params, check)

    def efetch_history(self, webenv: str, query_key: str, retstart: int, retmax: int) -> bytes:
        """PubMed XML for ``retmax`` records of a history set, from ``retstart``.

        Callers ask only for ranges inside the set's count, so an empty set
        (like NCBI's "Unable to obtain query #1") means the history expired:
        :class:`HistoryExpired`, never an empty batch.
        """
        params: dict[str, object] = {"db": "pubmed", "WebEnv": webenv, "query_key": query_key,
                                     "retstart": retstart, "retmax": retmax,
                                     "retmode": "xml"}

        def check(body: bytes) -> bytes:
            self._check_efetch(body, params, empty_means_expired=True)
            return body

        return self._request("efetch", params, check)

    def efetch_ids(self, pmids: Iterable[str]) -> bytes:
        """PubMed XML for the given PMIDs (POSTed). May hold fewer records than
        asked for when PMIDs were deleted; the caller compares."""
        ids = [str(p) for p in pmids]
        if not ids:
            raise ValueError("efetch_ids needs at least one PMID")
        params: dict[str, object] = {"db": "pubmed", "id": ",".join(ids), "retmode": "xml"}

        def check(body: bytes) -> bytes:
            self._check_efetch(body, params, empty_means_expired=False)
            return body

        return self._request("efetch", params, check)

    def epost(self, pmids: Iterable[str]) -> tuple[str, str]:
        """Upload PMIDs to the history server; returns ``(webenv, query_key)``."""
        ids = [str(p) for p in pmids]
        if not ids:
            raise ValueError("epost needs at least one PMID")
        params: dict[str, object] = {"db": "pubmed", "id": ",".join(ids)}

        def check(body: bytes) -> tuple[str, str]:
            root = _parse_small_xml(body, "ePostResult")
            webenv = (root.findtext("WebEnv") or "").strip()
            query_key = (root.findtext("QueryKey") or "").strip()
            errors = _error_texts(root)
            if not webenv or not query_key:
                raise _Retryable("epost error: " + ("; ".join(errors) or "no WebEnv in answer"))
            return webenv, query_key

        return self._request("epost", params, check)

    # ------------------------------------------------------------- checking

    @staticmethod
    def _parse_esearch(body: bytes, *, retmax: int, retstart: int) -> SearchResult:
        root = _parse_small_xml(body, "eSearchResult")
        errors = _error_texts(root)
        if errors:
            # A top-level <ERROR> ("Search Backend failed", ...) is a failure,
            # even when a Count of 0 sits next to it.
            raise _Retryable("esearch error: " + "; ".join(errors))
        count_text = root.findtext("Count")
        if count_text is None or not count_text.strip().isdigit():
            raise _Retryable("esearch answer without a Count")
        count = int(count_text)
        ids = [(el.text or "").strip() for el in root.iterfind("IdList/Id")]
        expected = max(0, min(retmax, count - retstart))
        if len(ids) < expected:
            # NCBI sometimes answers with a partial IdList when a backend
            # shard times out; using it would silently lose records.
            raise _Retryable(f"esearch returned {len(ids)} ids where {expected} were due")
        warnings = tuple(
            f"{child.tag}: {(child.text or '').strip()}"
            for holder in ("ErrorList", "WarningList")
            for element in root.findall(holder)
            for child in element
        )
        return SearchResult(
            count=count,
            ids=ids,
            webenv=(root.findtext("WebEnv") or "").strip() or None,
            query_key=(root.findtext("QueryKey") or "").strip() or None,
            translation=root.findtext("QueryTranslation"),
            warnings=warnings,
        )

    @staticmethod
    def _check_efetch(body: bytes, params: Mapping[str, object], *,
                      empty_means_expired: bool) -> None:
        head = body[:4096]
        if b"<ERROR>" in body[:65536] and not any(tag in head for tag in _RECORD_TAGS):
            message = body.decode("utf-8", "replace")
            start = message.find("<ERROR>") + len("<ERROR>")
            text = message[start:message.find("</ERROR>", start)].strip()
            if empty_means_expired and _history_gone(text):
                raise HistoryExpired(
                    f"E-utilities history expired for {_describe('efetch', params)}: {text}")
            raise _Retryable(f"efetch error: {text}")
        tail = body.rstrip()[-64:]
        if not tail.endswith(b"</PubmedArticleSet>"):
            raise _Retryable("efetch answer is incomplete (no closing </PubmedArticleSet>)")
        if empty_means_expired and not any(tag in body for tag in _RECORD_TAGS):
            raise HistoryExpired(
                f"E-utilities history expired for {_describe('efetch', params)}: empty set")

    # -------------------------------------------------------------- transport

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": never near zero, never in step
        with other clients that failed at the same moment."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _request(self, endpoint: Endpoint, params: dict[str, object],
                 check: Callable[[bytes], _T]) -> _T:
        """POST to one E-utility, check the answer, retry what is worth retrying."""
        data = dict(params)
        data["tool"] = self.tool
        if self.email:
            data["email"] = self.email
        if self.api_key:
            data["api_key"] = self.api_key
        url = f"{self.base_url}{endpoint}.fcgi"
        last_reason = "no attempt made"
        for attempt in range(self.max_tries):
            retry_after: float | None = None
            try:
                body = self._send_once(url, data)
                return check(body)
            except _Retryable as exc:
                last_reason, retry_after = exc.reason, exc.retry_after
            except _Permanent as exc:
                # 400 is E-utilities refusing this request (a bad key or parameter);
                # any other status (404: a wrong base URL) says nothing about it.
                raise (Refused if exc.status == 400 else NetworkError)(
                    f"E-utilities refused {_describe(endpoint, params)}: "
                    f"{self._scrub(str(exc))}") from None
            except requests.Timeout:
                last_reason = "timed out"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                last_reason = f"connection failed ({type(exc).__name__})"
            if attempt + 1 < self.max_tries:
                delay = self._backoff(attempt)
                if retry_after is not None:
                    delay = max(delay, retry_after)
                    self.rate_limiter.defer(retry_after)
                self.sleep(delay)
        raise NetworkError(
            f"E-utilities failed for {_describe(endpoint, params)} after {self.max_tries} "
            f"tries at {self.base_url}: {self._scrub(last_reason)}")

    def _send_once(self, url: str, data: Mapping[str, object]) -> bytes:
        """One POST inside the process-wide rate-limit slot; raises on a bad answer."""
        with self.rate_limiter.slot(self.min_interval):
            with self._count_lock:
                self.requests_sent += 1
            # Read inside the slot (the request is not over yet), against the deadline.
            response = self.session.post(url, data=data, timeout=self.timeout, stream=True)
            body = self._read_by(response, time.monotonic() + self.answer_deadline)
        status = response.status_code
        if status in RETRYABLE_STATUS:
            raise _Retryable(
                f"HTTP {status}: {_snippet(body)}",
                retry_after=_retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 400:
            text = body.decode("utf-8", "replace")
            if "<ERROR>" in text and _history_gone(text) and "WebEnv" in data:
                start = text.find("<ERROR>") + len("<ERROR>")
                raise HistoryExpired(
                    f"E-utilities history expired: {text[start:text.find('</ERROR>', start)]}")
            raise _Permanent(f"HTTP {status}: {_snippet(body)}", status)
        declared = response.headers.get("Content-Length")
        if (declared is not None and declared.isdigit()
                and not response.headers.get("Content-Encoding")
                and int(declared) != len(body)):
            raise _Retryable(f"body cut short ({len(body)} of {declared} bytes)")
        return body

    def _read_by(self, response: requests.Response, deadline: float) -> bytes:
        """The answer's body, or a retryable failure once ``deadline`` has passed.

        ``read1`` returns what has arrived rather than waiting for a full chunk, so the
        deadline is checked as bytes come. urllib3's own errors are given requests'
        names, which :meth:`_request` retries.
        """
        chunks: list[bytes] = []
        with response:
            try:
                while chunk := response.raw.read1(_READ_CHUNK, decode_content=True):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise _Retryable(
                            f"the answer took longer than {self.answer_deadline:g} s "
                            f"({sum(map(len, chunks))} bytes so far)")
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise requests.Timeout(str(exc)) from exc
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
                raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
        return b"".join(chunks)

    def _scrub(self, text: str) -> str:
        """Belt and braces: an API key must never reach a message or a log."""
        return text.replace(self.api_key, "***") if self.api_key else text


def _snippet(body: bytes, limit: int = 120) -> str:
    """The start of an error body, on one line, for the error message."""
    text = " ".join(body[:limit * 4].decode("utf-8", "replace").split())
    return text[:limit] + ("..." if len(text) > limit else "")
