"""Files read a chunk at a time (ingest.xml_chunks) give what streaming them gives.

The reference is the streaming parser reading the whole file in one pass. Chunks
are made small here so that every file of a test is cut many times.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from evidence.errors import InputFileError
from evidence.records import Article
from ingest import pubmed_xml, xml_chunks
from ingest.parallel import parse_file_parallel
from tests.conftest import FIXTURES, NCBI_REFERENCE
from tests.corpus import write_corpus


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xml_chunks, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(xml_chunks, "READ_BYTES", 1024)
    monkeypatch.setattr(xml_chunks, "COMPRESSED_READ_BYTES", 512)


def read(items) -> tuple[list, str | None]:
    """Every item until the end or the error, and the error's message."""
    found: list = []
    try:
        for item in items:
            found.append(item)
    except InputFileError as exc:
        return found, str(exc)
    return found, None


def streamed(path: Path) -> tuple[list, str | None]:
    root = pubmed_xml.sniff_root(path)
    with xml_chunks.open_binary(path) as stream:
        return read(pubmed_xml._iter_stream(stream, str(path), root))


def chunked(path: Path) -> tuple[list, str | None]:
    return read(pubmed_xml.iter_file(path))


def pieces(path: Path) -> list[str]:
    root = pubmed_xml.sniff_root(path)
    return [type(piece).__name__ for piece in xml_chunks.split_file(path, root)]


def corpus(tmp_path: Path, records: int = 60) -> Path:
    path = tmp_path / "corpus.xml"
    write_corpus(path, records)
    return path


def sources() -> list[Path]:
    found = [FIXTURES / "edge_cases.xml", FIXTURES / "update_revision.xml"]
    if NCBI_REFERENCE.exists():
        found += sorted(NCBI_REFERENCE.glob("pubmed*.xml"))
        found += sorted(NCBI_REFERENCE.glob("*.xml.gz"))
    return found


@pytest.mark.parametrize("source", sources(), ids=lambda path: path.name)
def test_chunks_give_exactly_what_streaming_gives(source: Path):
    assert chunked(source) == streamed(source)


def test_a_corpus_is_cut_into_many_chunks_and_read_the_same(tmp_path: Path):
    path = corpus(tmp_path, 120)
    assert pieces(path).count("Chunk") > 20
    items, error = chunked(path)
    assert error is None and (items, error) == streamed(path)
    assert len({item.pmid for item in items if isinstance(item, Article)}) == 120


@pytest.mark.parametrize("markup", ["<!-- </PubmedArticle> -->", "<?pi </PubmedArticle>?>",
                                    "<![CDATA[</PubmedArticle>]]>"])
def test_from_a_comment_cdata_or_pi_on_the_rest_is_streamed(tmp_path: Path, markup: str):
    text = corpus(tmp_path).read_text(encoding="utf-8")
    middle = text.index("<PubmedArticle>", len(text) // 2)
    inside = text.index("<ArticleTitle>", middle) + len("<ArticleTitle>")
    path = tmp_path / "opaque.xml"
    # Markup that holds an end tag's text, inside a title, where a byte search would cut.
    path.write_text(text[:inside] + markup + text[inside:], encoding="utf-8")
    kinds = pieces(path)
    assert kinds[-1] == "Remainder" and kinds.count("Chunk") > 3
    assert chunked(path) == streamed(path) and chunked(path)[1] is None


def _broken(tmp_path: Path, pmid: str) -> tuple[Path, range]:
    """The corpus with record ``pmid`` made malformed; and the file lines it spans."""
    text = corpus(tmp_path, 80).read_text(encoding="utf-8")
    start = text.rindex("<PubmedArticle>", 0, text.index(f">{pmid}<"))
    end = text.index("</PubmedArticle>", start)
    inside = text.index(">", text.index("<MedlineCitation", start)) + 1
    path = tmp_path / "bad.xml"
    path.write_text(text[:inside] + "<Broken>" + text[inside:], encoding="utf-8")
    return path, range(text[:start].count("\n") + 1, text[:end].count("\n") + 2)


def test_a_fault_in_a_later_chunk_names_the_files_line_and_the_pmid_before(tmp_path: Path):
    path, lines = _broken(tmp_path, "10000061")
    assert pieces(path).index("Chunk") < 5 < len(pieces(path))  # the fault is chunks away
    items, error = chunked(path)
    assert (items, error) == streamed(path)
    assert [item.pmid for item in items][-1] == "10000060" and len(items) == 61
    found = re.search(r"bad\.xml, line (\d+): malformed XML \(after PMID 10000060\)", error)
    assert found and int(found.group(1)) in lines
    # the lines libxml2's own message names are the file's too
    assert all(int(line) in lines for line in re.findall(r"\bline (\d+)", error))


def test_truncated_gzip_keeps_every_record_decoded_before_the_damage(tmp_path: Path):
    data = corpus(tmp_path, 200).read_bytes()
    cut = gzip.compress(data)[: len(gzip.compress(data)) * 2 // 3]
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(cut)
    items, error = chunked(path)
    reference, reference_error = streamed(path)
    assert error is not None and "cut.xml.gz" in error and "truncated or damaged" in error
    assert reference_error is not None
    # Chunked or streamed, the file is read through one inflater that loses nothing.
    assert items == reference
    decoded = gzip.GzipFile(fileobj=__import__("io").BytesIO(cut))
    whole = b""
    try:
        while block := decoded.read1(65536):
            whole += block
    except EOFError:
        pass
    assert len(items) == whole.count(b"</PubmedArticle>") - whole.count(b"</PubmedBookArticle>")


@pytest.mark.parametrize("tail", [b"", b"\x00" * 17, "second member"], ids=["one", "padded",
                                                                             "two-members"])
def test_gzip_members_and_padding_read_as_gzip_reads_them(tmp_path: Path, tail):
    data = corpus(tmp_path).read_bytes()
    half = data.index(b"<PubmedArticle>", len(data) // 2)
    if tail == "second member":
        compressed = gzip.compress(data[:half]) + gzip.compress(data[half:])
    else:
        compressed = gzip.compress(data) + tail
    path = tmp_path / "members.xml.gz"
    path.write_bytes(compressed)
    assert chunked(path) == streamed(path) and chunked(path)[1] is None


def test_trailing_garbage_after_gzip_is_damage(tmp_path: Path):
    data = corpus(tmp_path).read_bytes()
    path = tmp_path / "junk.xml.gz"
    path.write_bytes(gzip.compress(data) + b"junk")
    items, error = chunked(path)
    assert error is not None and "junk.xml.gz" in error
    assert len([item for item in items if isinstance(item, Article)]) == 60  # all of them


def test_declared_latin1_is_decoded_in_every_chunk(tmp_path: Path):
    text = corpus(tmp_path).read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    path = tmp_path / "latin1.xml"
    path.write_bytes(text.encode("latin-1", errors="replace"))
    items, error = chunked(path)
    assert error is None and (items, error) == streamed(path)
    assert any(author.last_name == "Müller" for item in items if isinstance(item, Article)
               for author in item.authors)


def test_utf16_and_doctype_subsets_are_streamed_whole(tmp_path: Path):
    text = corpus(tmp_path).read_text(encoding="utf-8")
    wide = tmp_path / "utf16.xml"
    wide.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    assert pieces(wide) == ["Remainder"]
    assert chunked(wide) == streamed(wide) and chunked(wide)[1] is None
    subset = tmp_path / "subset.xml"
    subset.write_text(re.sub(r"<PubmedArticleSet>", '<!DOCTYPE PubmedArticleSet [\n'
                             '<!ENTITY note "noted">\n]>\n<PubmedArticleSet>', text, count=1),
                      encoding="utf-8")
    assert pieces(subset) == ["Remainder"]
    assert chunked(subset) == streamed(subset)


def test_worker_processes_read_chunks_as_this_process_does(tmp_path: Path):
    path, _lines = _broken(tmp_path, "10000061")
    here = chunked(path)
    there = read(parse_file_parallel(path, workers=2))
    assert there == here and here[1] is not None
