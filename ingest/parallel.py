"""Parse and tag a large PubMed XML file on every core, in file order.

Parsing and tagging are CPU-bound and independent per record; writing is not.
So the main process cuts the file into chunks of whole records (at their end
tags), worker processes parse and tag the chunks, and the results come back
in file order to the single writer. At most a few chunks are in flight, so
memory stays flat whatever the file size. Each chunk is parsed with the same
safe parser as a whole file (no DTD, no entities, no network).
"""

from __future__ import annotations

import os
import re
import select
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from evidence.errors import EvidenceError, InputFileError
from evidence.records import Article, ParsedItem
from ingest import pubmed_xml
from ingest.rows import StudyRows, study_rows

# About 300 records of today's format: big enough to amortise the hand-over to a
# worker, small enough that a few in flight stay within a few megabytes.
CHUNK_BYTES = 2 * 1024 * 1024
READ_BYTES = 1024 * 1024
# Below this size a file is parsed in-process: starting workers would cost more.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
# How often a worker checks that the importer still runs, where it cannot wait for it.
IMPORTER_POLL_SECONDS = 1.0
_END_TAGS = {
    "PubmedArticleSet": (b"</PubmedArticle>", b"</PubmedBookArticle>", b"</DeleteCitation>"),
    "PubmedBookArticleSet": (b"</PubmedBookArticle>", b"</DeleteCitation>"),
    "MedlineCitationSet": (b"</MedlineCitation>", b"</DeleteCitation>"),
}


@dataclass(frozen=True, slots=True)
class _Chunk:
    data: bytes
    first_line: int


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    items: list[ParsedItem | StudyRows]
    error: str | None  # the parse fault, already naming the file and line


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def should_parallelise(path: Path) -> bool:
    try:
        return worker_count() > 1 and path.stat().st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return False


def _last_end(buffer: bytes | bytearray, end_tags: tuple[bytes, ...]) -> int:
    """Index just past the last complete record in ``buffer`` (0 when none)."""
    best = 0
    for tag in end_tags:
        found = buffer.rfind(tag)
        if found >= 0:
            best = max(best, found + len(tag))
    return best


def split_records(path: Path, root: str) -> Iterator[_Chunk]:
    """Chunks of whole records, without the document element's own tags."""
    end_tags = _END_TAGS[root]
    root_start = re.compile(rb"<" + root.encode() + rb"[\s>]")
    buffer = bytearray()
    line = 1
    opened = False
    with pubmed_xml.open_binary(path) as stream:
        while True:
            block = stream.read(READ_BYTES)
            if block:
                buffer += block
            if not opened:
                match = root_start.search(buffer)
                if match is None and block:
                    continue
                if match is None:
                    raise InputFileError(str(path), f"not PubMed XML: no <{root}> element")
                close = buffer.index(b">", match.start()) + 1
                line += buffer.count(b"\n", 0, close)
                del buffer[:close]
                opened = True
            if block and len(buffer) < CHUNK_BYTES:
                continue
            cut = _last_end(buffer, end_tags) if block else len(buffer)
            if not block:  # the end: drop the closing document tag
                closing = buffer.rfind(b"</" + root.encode())
                if closing >= 0:
                    cut = closing
            if cut:
                chunk = bytes(buffer[:cut])
                yield _Chunk(chunk, line)
                line += chunk.count(b"\n")
                del buffer[:cut]
            if not block:
                return


def _parse_chunk(chunk: _Chunk, name: str, root: str, source: str | None,
                 tag: bool = True) -> _ChunkResult:
    """Worker: parse one chunk; with a ``source``, build its articles' rows (tagged
    unless ``tag`` is false).

    Rows travel back as plain tuples, which cost the writer far less to
    receive than the parsed objects. Errors come back as text.
    """
    document = b"<" + root.encode() + b">" + chunk.data + b"</" + root.encode() + b">"
    items: list[ParsedItem | StudyRows] = []
    tag_article = None
    if source is not None and tag:
        from evidence.tagging import tag_article
    try:
        for item in pubmed_xml.iter_bytes(document, name, root=root,
                                          line_offset=chunk.first_line - 1):
            if source is not None and isinstance(item, Article):
                if tag_article is not None:
                    items.append(study_rows(item, source, tag_article(item)))
                else:  # rows only: the article itself would cost more to send back
                    items.append(study_rows(item, source)._replace(article=None))
            else:
                items.append(item)
    except InputFileError as exc:
        return _ChunkResult(items, str(exc))
    return _ChunkResult(items, None)


def parse_file_parallel(path: str | Path, *, source: str | None = None, tag: bool = True,
                        workers: int | None = None) -> Iterator[ParsedItem | StudyRows]:
    """Items of ``path`` in file order, parsed by worker processes.

    Without ``source`` articles come back as :class:`Article`; with it, as
    :class:`StudyRows` rows ready to write, tagged unless ``tag`` is false
    (untagged rows carry no article, so they are for measuring and inspection).

    Raises :class:`InputFileError` at the fault, after yielding every record
    before it, exactly as :func:`ingest.pubmed_xml.iter_file` does.
    """
    path = Path(path)
    root = pubmed_xml.sniff_root(path)
    if root not in _END_TAGS:
        yield from pubmed_xml.iter_file(path)  # its error message names the root element
        return
    workers = workers or worker_count()
    in_flight: deque[Future[_ChunkResult]] = deque()
    # forkserver: workers never inherit the parent's database connections or threads.
    damage: InputFileError | None = None
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver"),
                             initializer=_end_with, initargs=(os.getpid(),)) as pool:
        try:
            chunks = split_records(path, root)
            while True:
                try:
                    chunk = next(chunks, None)
                except pubmed_xml.DAMAGE as exc:
                    damage = InputFileError(str(path), f"file is truncated or damaged: {exc}")
                    chunk = None
                if chunk is None:
                    break
                in_flight.append(pool.submit(_parse_chunk, chunk, str(path), root, source, tag))
                if len(in_flight) >= 2 * workers:
                    yield from _drain(in_flight.popleft().result())
            while in_flight:  # records read before a fault are still delivered
                yield from _drain(in_flight.popleft().result())
        except BrokenProcessPool as exc:
            raise EvidenceError(f"{path}: a parsing worker process died ({exc}); "
                                "nothing after the last committed batch was stored") from exc
        finally:
            for future in in_flight:
                future.cancel()
    if damage is not None:
        raise damage


def _end_with(importer_pid: int) -> None:
    """Worker initializer: end this worker when the importing process ends, however it ends.

    A pool shuts its workers down itself, but not when the importer is killed
    (SIGKILL, the OOM killer): each worker then waits on its task queue for
    ever, and keeps multiprocessing's fork server and resource tracker alive
    with it. A thread that waits for the importer's exit ends the whole family.
    """
    threading.Thread(target=_exit_after, args=(importer_pid,), daemon=True,
                     name="end-with-importer").start()


def _exit_after(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)  # Linux: readable once the process has ended
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:  # elsewhere: poll
        while _running(pid):
            time.sleep(IMPORTER_POLL_SECONDS)
    os._exit(1)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drain(result: _ChunkResult) -> Iterator[ParsedItem | StudyRows]:
    yield from result.items
    if result.error is not None:
        raise InputFileError.from_message(result.error)
