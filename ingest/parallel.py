"""Parse and tag a large PubMed XML file on every core, in file order.

Parsing and tagging are CPU-bound and independent per record; writing is not.
So the main process cuts the file into chunks of whole records
(:mod:`ingest.xml_chunks`), worker processes parse and tag the chunks, and the results come back
in file order to the single writer. At most a few chunks are in flight, so
memory stays flat whatever the file size. Each chunk is parsed with the same
safe parser as a whole file (no DTD, no entities, no network).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from evidence.errors import EvidenceError, InputFileError
from evidence.records import Article, ParsedItem
from ingest import pubmed_xml
from ingest.rows import StudyRows, study_rows
from ingest.worker_pool import end_with, worker_context, worker_count
from ingest.xml_chunks import DAMAGE, END_TAGS, Chunk, Remainder, split_file


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    items: list[ParsedItem | StudyRows]
    error: str | None  # the parse fault, already naming the file and line


def _parse_chunk(chunk: Chunk, name: str, root: str, source: str | None,
                 tag: bool = True) -> _ChunkResult:
    """Worker: parse one chunk; with a ``source``, build its articles' rows (tagged
    unless ``tag`` is false).

    Rows travel back as plain tuples, which cost the writer far less to
    receive than the parsed objects. A fault comes back as text; the main
    process then reads that chunk again itself, to report it in context.
    """
    items: list[ParsedItem | StudyRows] = []
    tag_article = None
    if source is not None and tag:
        from evidence.tagging import tag_article
    try:
        for item in pubmed_xml.iter_piece(chunk, name, root):
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
    A stretch of the file that cannot be cut into chunks (see
    :mod:`ingest.xml_chunks`) is read in this process, its articles untagged.

    Raises :class:`InputFileError` at the fault, after yielding every record
    before it, exactly as :func:`ingest.pubmed_xml.iter_file` does.
    """
    path = Path(path)
    name = str(path)
    root = pubmed_xml.sniff_root(path)
    if root not in END_TAGS:
        yield from pubmed_xml.iter_file(path)  # its error message names the root element
        return
    workers = workers or worker_count()
    in_flight: deque[tuple[Chunk, Future[_ChunkResult]]] = deque()
    last_pmid: list[str | None] = [None]
    damage: BaseException | None = None
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(),
                             initializer=end_with, initargs=(os.getpid(),)) as pool:
        try:
            pieces = split_file(path, root)
            while True:
                try:
                    piece = next(pieces, None)
                except DAMAGE as exc:
                    damage, piece = exc, None
                if piece is None:
                    break
                if isinstance(piece, Remainder):
                    while in_flight:
                        yield from _drain(*in_flight.popleft(), name, root, last_pmid)
                    yield from _tracked(pubmed_xml.iter_piece(piece, name, root, last_pmid[0]),
                                        last_pmid)
                    continue
                future = pool.submit(_parse_chunk, piece, name, root, source, tag)
                in_flight.append((piece, future))
                if len(in_flight) >= 2 * workers:
                    yield from _drain(*in_flight.popleft(), name, root, last_pmid)
            while in_flight:  # records read before a fault are still delivered
                yield from _drain(*in_flight.popleft(), name, root, last_pmid)
        except BrokenProcessPool as exc:
            raise EvidenceError(f"{path}: a parsing worker process died ({exc}); "
                                "nothing after the last committed batch was stored") from exc
        finally:
            for _chunk, pending in in_flight:
                pending.cancel()
    if damage is not None:
        after = f" after PMID {last_pmid[0]}" if last_pmid[0] else ""
        raise InputFileError(name, f"file is truncated or damaged{after}: "
                                   f"{damage or type(damage).__name__}") from damage


def _tracked(items: Iterator[ParsedItem | StudyRows],
             last_pmid: list[str | None]) -> Iterator[ParsedItem | StudyRows]:
    """``items``, noting the PMID of each article as it passes (for error messages)."""
    for item in items:
        if isinstance(item, Article | StudyRows):
            last_pmid[0] = item.pmid
        yield item


def _drain(chunk: Chunk, future: Future[_ChunkResult], name: str, root: str,
           last_pmid: list[str | None]) -> Iterator[ParsedItem | StudyRows]:
    result = future.result()
    if result.error is None:
        yield from _tracked(iter(result.items), last_pmid)
        return
    # A fault: read the chunk again here, so the message names the PMID before it
    # even when that PMID was in an earlier chunk. It raises after the good records.
    yield from _tracked(pubmed_xml.iter_piece(chunk, name, root, last_pmid[0]), last_pmid)
    raise InputFileError.from_message(result.error)  # not reached: iter_piece raised
