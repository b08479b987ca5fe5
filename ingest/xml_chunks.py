"""PubMed XML files cut into well-formed chunks of whole records.

libxml2 builds a 2 MB document in one call about a quarter faster than it
streams the same bytes through ``iterparse``, whose per-element callbacks
are the difference; and a chunk is a unit of work a process of its own can
take. So a file is read once and cut just after a record's end tag: each
:class:`Chunk` is the file's own prolog (XML declaration, DOCTYPE) and root
start tag, a run of whole records, and the root end tag, which is a document
the same safe parser reads exactly as it would read that stretch of the file.

A cut is only made where it cannot fall inside markup: an end tag's text is
markup everywhere except in a comment, a CDATA section or a processing
instruction, so from the first of those on (and for encodings that are not
ASCII-compatible) the rest of the file is handed over whole, as a
:class:`Remainder` to stream. Memory stays flat: a chunk or two at a time.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

GZIP_MAGIC = b"\x1f\x8b"
# About 300 records of today's format: big enough to amortise a parse call and the
# hand-over to a worker, small enough that a few in flight stay within a few megabytes.
CHUNK_BYTES = 2 * 1024 * 1024
READ_BYTES = 1024 * 1024
END_TAGS = {
    "PubmedArticleSet": (b"</PubmedArticle>", b"</PubmedBookArticle>", b"</DeleteCitation>"),
    "PubmedBookArticleSet": (b"</PubmedBookArticle>", b"</DeleteCitation>"),
    "MedlineCitationSet": (b"</MedlineCitation>", b"</DeleteCitation>"),
}
# Where an end tag's text need not be markup (comments, CDATA sections, processing
# instructions; after the root start tag nothing else begins so): no cut from there on.
_OPAQUE_MARKUP = (b"<!", b"<?")
_LONGEST_MARKER = max(map(len, _OPAQUE_MARKUP))
# Byte order marks and NUL bytes: UTF-16 or UTF-32, where a byte search finds no tags.
_WIDE_ENCODING_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00")
# Some root element's start: the header is complete once its ">" has been read.
_ROOT_START = re.compile(
    rb"<(?:" + b"|".join(name.encode() for name in END_TAGS) + rb")(?:[\s/][^>]*)?>")
# ISA-L's inflate where it is installed: the same format, about 2.5 times faster.
try:
    from isal import isal_zlib as _inflate
    _INFLATE_ERRORS: tuple[type[BaseException], ...] = (_inflate.error,)
except ImportError:  # pragma: no cover - a platform without the wheel
    _inflate = zlib  # type: ignore[assignment]
    _INFLATE_ERRORS = ()
GZIP_WINDOW_BITS = 31  # zlib's window bits for data with a gzip header and trailer
COMPRESSED_READ_BYTES = 256 * 1024
# Decompression errors that mean "this file is damaged".
DAMAGE = (EOFError, gzip.BadGzipFile, zlib.error, *_INFLATE_ERRORS)


@contextmanager
def open_binary(path: Path) -> Iterator[_BlockStream]:
    """The file's bytes, inflated when it is gzip (told by its first bytes, not its name).

    The one reader for every way a file is read (sniffed, cut into chunks,
    streamed), so each decompresses alike and loses nothing before damage.
    """
    with path.open("rb") as raw:
        yield _BlockStream(_blocks(raw))


def _has_opaque_markup(buffer: bytearray, start: int) -> bool:
    """Whether ``buffer[start:]`` holds one of _OPAQUE_MARKUP.

    Searching for "<!" itself costs a comparison at every "<" (every few
    bytes of XML); "!" and "?" are rare, and a one-byte search runs at
    memchr speed, so each is found first and its "<" checked after.
    """
    for marker in _OPAQUE_MARKUP:
        second = marker[1]
        at = buffer.find(second, max(start, 1))
        while at >= 0:
            if buffer[at - 1] == marker[0]:
                return True
            at = buffer.find(second, at + 1)
    return False


class ByteSource(Protocol):
    """What the streaming parser reads from: a file, or a :class:`Remainder`'s stream."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Chunk:
    """A well-formed document: the file's header, whole records, the root end tag."""

    document: bytes
    line_offset: int  # add to a line number of ``document`` to get the file's


@dataclass(frozen=True, slots=True)
class Remainder:
    """The rest of the file from a record boundary on, to be streamed."""

    stream: ByteSource
    line_offset: int


class _Joined:
    """A read-only stream of some bytes followed by the rest of another stream."""

    def __init__(self, head: bytes, tail: ByteSource) -> None:
        self._head, self._at, self._tail = memoryview(head), 0, tail

    def read(self, size: int = -1, /) -> bytes:
        if self._at < len(self._head):
            if size < 0:
                data = bytes(self._head[self._at:]) + self._tail.read()
                self._at = len(self._head)
                return data
            data = bytes(self._head[self._at:self._at + size])
            self._at += len(data)
            return data
        return self._tail.read(size)


def _last_end(buffer: bytearray, end_tags: tuple[bytes, ...]) -> int:
    """Index just past the last complete record in ``buffer`` (0 when none)."""
    best = 0
    for tag in end_tags:
        found = buffer.rfind(tag)
        if found >= 0:
            best = max(best, found + len(tag))
    return best


def split_file(path: Path, root: str) -> Iterator[Chunk | Remainder]:
    """The file as chunks of whole records, then possibly one remainder to stream.

    ``root`` is the document element's name (already sniffed). A decompression
    fault is raised after the chunk of the complete records read before it.
    """
    with open_binary(path) as stream:
        buffer = bytearray()
        while len(buffer) < READ_BYTES and (block := stream.read1()):
            buffer += block
            if _ROOT_START.search(buffer):
                break
        header = _header(buffer, root)
        if header is None:  # nothing we can cut safely: the stream parser reads it all
            yield Remainder(_Joined(bytes(buffer), stream), 0)
            return
        yield from _chunks(stream, buffer[len(header):], header, root)


def _blocks(raw: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes as they come, decompressed if it is gzip."""
    if raw.read(2) != GZIP_MAGIC:
        raw.seek(0)
        while block := raw.read(READ_BYTES):
            yield block
        return
    raw.seek(0)
    yield from _inflated(raw)


def _inflated(raw: IO[bytes]) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file, member after member, as ``gzip`` reads them.

    Unlike reading through :func:`gzip.open`, a truncated or damaged file
    raises only after every byte decoded before the damage has been given.
    """
    data = b""
    while True:
        inflater = _inflate.decompressobj(GZIP_WINDOW_BITS)
        while not inflater.eof:
            if not data:
                data = raw.read(COMPRESSED_READ_BYTES)
                if not data:
                    raise EOFError("Compressed file ended before the end-of-stream marker "
                                   "was reached")
            out = inflater.decompress(data)
            if out:
                yield out
            data = inflater.unused_data  # what follows the member, once it has ended
        # Another member may follow; gzip files may also be padded with zero bytes.
        data = data.lstrip(b"\x00")
        while len(data) < len(GZIP_MAGIC):
            more = raw.read(COMPRESSED_READ_BYTES)
            if not more:
                if data:
                    raise gzip.BadGzipFile(f"Not a gzipped file ({data!r})")
                return
            data = (data + more).lstrip(b"\x00")
        if not data.startswith(GZIP_MAGIC):
            raise gzip.BadGzipFile(f"Not a gzipped file ({data[:2]!r})")


class _BlockStream:
    """Blocks as a readable stream: ``read1`` gives the next block, ``read`` any amount."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._left = _Joined(b"", _Exhausted())

    def read1(self) -> bytes:
        left = self._left.read()
        return left or next(self._blocks, b"")

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            return self.read1() + b"".join(self._blocks)
        data = self._left.read(size)
        if data:
            return data
        self._left = _Joined(next(self._blocks, b""), _Exhausted())
        return self._left.read(size)


class _Exhausted:
    def read(self, size: int = -1, /) -> bytes:
        return b""


def _header(first: bytearray, root: str) -> bytes | None:
    """The prolog and root start tag at the head of ``first``, if cutting is safe there.

    Not for a wide encoding (UTF-16 or -32), a prolog with comments or an
    internal DTD subset (whose text could mimic tags), or an empty root.
    """
    if first.startswith(_WIDE_ENCODING_MARKS) or b"\x00" in first[:4096]:
        return None
    match = re.search(rb"<" + root.encode() + rb"[\s>/]", first)
    # The whole start tag must be there, past any attributes.
    if match is None:
        return None
    close = first.find(b">", match.start())
    if close < 0 or first[close - 1:close] == b"/":
        return None
    header = bytes(first[:close + 1])
    if b"<!--" in header or b"[" in header:
        return None
    return header


def _chunks(stream: _BlockStream, buffer: bytearray, header: bytes,
            root: str) -> Iterator[Chunk | Remainder]:
    end_tags = END_TAGS[root]
    root_end = b"</" + root.encode() + b">"
    offset = 0  # a line of a chunk's document plus this is the file's line
    clean = 0  # buffer[:clean] holds no opaque markup (only new bytes are searched)
    while True:
        failure: BaseException | None = None
        try:
            block = stream.read1()
        except DAMAGE as exc:
            block, failure = b"", exc
        buffer += block
        if block and len(buffer) < CHUNK_BYTES:
            continue
        if _has_opaque_markup(buffer, clean):
            rest = _Failing(failure) if failure is not None else stream
            yield Remainder(_Joined(header + bytes(buffer), rest), offset)
            return
        clean = max(0, len(buffer) - _LONGEST_MARKER + 1)
        if not block and failure is None:  # the end: the rest as the file has it
            yield Chunk(header + bytes(buffer), offset)
            return
        cut = _last_end(buffer, end_tags)
        if cut:
            yield Chunk(b"".join((header, memoryview(buffer)[:cut], root_end)), offset)
            offset += buffer.count(b"\n", 0, cut)
            del buffer[:cut]
            clean = max(0, clean - cut)
        if failure is not None:  # raised after the records read before it
            raise failure


class _Failing:
    """A stream whose next read raises what the file's last read raised."""

    def __init__(self, failure: BaseException) -> None:
        self._failure = failure

    def read(self, size: int = -1, /) -> bytes:
        raise self._failure
