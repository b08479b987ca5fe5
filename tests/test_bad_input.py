"""Real and hand-written records, damaged in many ways, imported one by one.

For every damaged file: no traceback, one clear line per fault naming the
file, exit status 0 or 1, a consistent database (no partial study), and the
good records before a fault still arrive.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from evidence.cli import main
from evidence.db import open_database
from evidence.integrity import check_database
from evidence.models import Study
from tests.conftest import FIXTURES, NCBI_REFERENCE

ELEMENT = re.compile(rb"<(ArticleTitle|AbstractText|PMID|Author|MeshHeading|Journal|"
                     rb"PubDate|AuthorList|MedlineCitation)\b[^>]*>.*?</\1>", re.S)
ARTICLE_END = b"</PubmedArticle>"


def sources() -> list[Path]:
    found = [FIXTURES / "edge_cases.xml", FIXTURES / "update_revision.xml"]
    if NCBI_REFERENCE.exists():  # the real NCBI files, when ../shared is beside us
        found += sorted(NCBI_REFERENCE.glob("pubmed*.xml"))
    return found


def mutations(data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    for _ in range(4):
        cut = rng.randrange(1, len(data))
        yield f"cut@{cut}", data[:cut]
    for _ in range(4):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        yield "flipped", bytes(flipped)
    elements = list(ELEMENT.finditer(data))
    for match in rng.sample(elements, min(4, len(elements))):
        yield f"dropped-{match.group(1).decode()}", data[:match.start()] + data[match.end():]
        yield (f"repeated-{match.group(1).decode()}",
               data[:match.end()] + match.group(0) + data[match.end():])
    yield "unbalanced-start-tag", data.replace(b"<MedlineCitation", b"<MedlineCitation><X", 1)
    yield "latin-1-as-utf-8", data.decode("utf-8").encode("latin-1", errors="replace") + (
        "Ünïcødé".encode("latin-1"))
    yield "nul-bytes", data.replace(b"<ArticleTitle>", b"<ArticleTitle>\x00\x01", 1)
    yield "empty", b""
    yield "gzip-cut", gzip.compress(data)[: max(20, len(data) // 3)]


def import_one(db_url: str, path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["import", "--db", db_url, "--jobs", "1", str(path)],
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def assert_clear(path: Path, code: int, stderr: str) -> None:
    assert code in (0, 1)
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        assert line.startswith("evidence: "), line
        assert str(path) in line, line
    if code == 1:
        assert lines, "a failure must say why"


@pytest.mark.parametrize("source", sources(), ids=lambda path: path.name)
def test_damaged_files_never_crash_or_leave_partial_studies(tmp_path: Path, source: Path):
    db_url = f"sqlite:///{tmp_path / 'bad.db'}"
    data = source.read_bytes()
    rng = random.Random(source.name)
    for name, damaged in mutations(data, rng):
        path = tmp_path / f"{source.stem}-{name}.xml"
        path.write_bytes(damaged)
        code, _stdout, stderr = import_one(db_url, path)
        assert_clear(path, code, stderr)
        database = open_database(db_url)
        try:
            assert check_database(database) == [], name
        finally:
            database.dispose()


def test_records_before_a_cut_still_arrive(db_url, tmp_path: Path):
    data = (FIXTURES / "edge_cases.xml").read_bytes()
    body = data[data.index(b"<PubmedArticle>"):data.index(b"<PubmedBookArticle>")]
    copies = [re.sub(rb"9000000(\d)", lambda m, i=i: b"8%03d000%s" % (i, m.group(1)), body)
              for i in range(40)]
    whole = b"<PubmedArticleSet>" + b"".join(copies) + b"</PubmedArticleSet>"
    ends = [m.end() for m in re.finditer(re.escape(ARTICLE_END), whole)]
    cut_at = ends[100] + 40  # inside the 102nd record
    path = tmp_path / "cut.xml"
    path.write_bytes(whole[:cut_at])
    code, _stdout, stderr = import_one(db_url, path)
    assert code == 1 and "cut.xml" in stderr and "line" in stderr
    database = open_database(db_url)
    try:
        with database.session() as session:
            stored = session.scalars(select(Study.pmid)).all()
        assert len(stored) == 101
        assert check_database(database) == []
    finally:
        database.dispose()


def test_huge_text_node_is_refused_with_its_reason(tmp_path: Path):
    data = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
    huge = data.replace("Topical <i>minoxidil</i> is", "x" * 12_000_000 + " is", 1)
    path = tmp_path / "huge.xml"
    path.write_text(huge, encoding="utf-8")
    code, _stdout, stderr = import_one(f"sqlite:///{tmp_path / 'h.db'}", path)
    assert_clear(path, code, stderr)
    assert code == 1


def test_external_entities_and_entity_bombs_are_never_expanded(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
            '<!ENTITY a "' + "a" * 50 + '">\n'
            + "".join(f'<!ENTITY e{i} "' + f"&e{i - 1};" * 10 + '">\n' if i else
                      '<!ENTITY e0 "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n' for i in range(8))
            + f'<!ENTITY secret SYSTEM "file://{secret}">\n]>\n'
            "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>77</PMID><Article>"
            "<ArticleTitle>Bomb &e7; and &secret;</ArticleTitle><Abstract><AbstractText>"
            "&e7;</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
            "</PubmedArticleSet>")
    path = tmp_path / "bomb.xml"
    path.write_text(bomb)
    db_url = f"sqlite:///{tmp_path / 'b.db'}"
    code, _stdout, stderr = import_one(db_url, path)
    assert_clear(path, code, stderr)
    database = open_database(db_url)
    try:
        with database.session() as session:
            titles = session.scalars(select(Study.title)).all()
            abstracts = session.scalars(select(Study.abstract)).all()
    finally:
        database.dispose()
    assert all("TOP-SECRET" not in title and len(title) < 100 for title in titles)
    assert all(len(abstract) < 1000 for abstract in abstracts)
