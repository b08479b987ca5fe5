"""Larger PubMed XML files for tests, made from our own hand-written records.

Each copy of the edge-case fixture's articles gets a fresh PMID (and DOI), so
a file of any size holds distinct studies, as a baseline file does.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import FIXTURES

_TEMPLATE = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
_ARTICLES = re.findall(r"<PubmedArticle>.*?</PubmedArticle>", _TEMPLATE, flags=re.S)
_PMID = re.compile(r"9000000\d")
_DOI = re.compile(r"10\.9999/[\w.]+")
RECORDS_PER_COPY = len(_ARTICLES)


def write_corpus(path: Path, records: int, *, first_pmid: int = 10_000_000) -> list[str]:
    """Write ``records`` distinct articles to ``path``; return their PMIDs in order."""
    pmids: list[str] = []
    with path.open("w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n')
        for index in range(records):
            pmid = str(first_pmid + index)
            article = _ARTICLES[index % RECORDS_PER_COPY]
            article = _PMID.sub(pmid, article)
            article = _DOI.sub(f"10.9999/test.{pmid}", article)
            handle.write(article + "\n")
            pmids.append(pmid)
        handle.write("</PubmedArticleSet>\n")
    return pmids
