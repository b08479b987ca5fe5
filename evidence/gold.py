"""`evidence eval`: score the tagger on labelled records through the real import path.

Gold records (JSON lines: title, abstract as ``Heading: text`` lines, authors,
journal, year, ids, and ``labels`` in TAGS.md codes) are written as PubMed XML,
imported like any file, read back through the query layer and scored. So the
score covers parsing, loading and storage as well as the rules.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree

from evidence.db import open_database
from evidence.queries import records_by_pmid
from evidence.tagging.evaluate import score
from evidence.tagging.result import Tagging

# Records without a PMID get stand-ins from here up, as ../shared/tools does.
STAND_IN_PMID_START = 99_000_001
_HEADING = re.compile(r"^([A-Z][A-Za-z /&-]{1,40}):\s+(.*)$")


def read_gold(paths: Iterable[Path]) -> list[dict[str, Any]]:
    records = []
    stand_in = STAND_IN_PMID_START
    for path in paths:
        with Path(path).open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                if not record.get("pmid"):
                    record["pmid"] = str(stand_in)
                    stand_in += 1
                records.append(record)
    return records


def _sub(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    if text is not None:
        element.text = text
    return element


def _author(author_list: etree._Element, name: str) -> None:
    bits = name.split()
    author = _sub(author_list, "Author", ValidYN="Y")
    if len(bits) >= 2 and bits[-1].isupper() and len(bits[-1]) <= 4:
        _sub(author, "LastName", " ".join(bits[:-1]))
        _sub(author, "Initials", bits[-1])
    else:
        _sub(author, "CollectiveName", name)


def gold_to_pubmed_xml(records: Iterable[dict[str, Any]]) -> bytes:
    """A PubmedArticleSet holding what each gold record has; design is left to the text.

    Records are those of :func:`read_gold`, which gives each without a PMID a stand-in;
    one still without raises, rather than write ``<PMID>None</PMID>``."""
    root = etree.Element("PubmedArticleSet")
    for record in records:
        if not record.get("pmid"):
            raise ValueError(f"gold record {record.get('title', '')[:60]!r} has no PMID: "
                             "read the file with read_gold, which gives it a stand-in")
        article_node = _sub(root, "PubmedArticle")
        citation = _sub(article_node, "MedlineCitation", Status="MEDLINE", Owner="NLM")
        _sub(citation, "PMID", str(record["pmid"]), Version="1")
        article = _sub(citation, "Article", PubModel="Print")
        journal = _sub(article, "Journal")
        issue = _sub(journal, "JournalIssue", CitedMedium="Internet")
        _sub(_sub(issue, "PubDate"), "Year", str(record.get("year") or ""))
        _sub(journal, "Title", record.get("journal") or "")
        _sub(article, "ArticleTitle", record.get("title") or "")
        if record.get("doi"):
            _sub(article, "ELocationID", record["doi"], EIdType="doi", ValidYN="Y")
        lines = [line.strip() for line in (record.get("abstract") or "").split("\n")
                 if line.strip()]
        if lines:
            abstract = _sub(article, "Abstract")
            for line in lines:
                match = _HEADING.match(line)
                if match:
                    _sub(abstract, "AbstractText", match.group(2),
                         Label=match.group(1).strip().upper())
                else:
                    _sub(abstract, "AbstractText", line)
        if record.get("authors"):
            author_list = _sub(article, "AuthorList", CompleteYN="Y")
            for name in record["authors"]:
                _author(author_list, name)
        _sub(article, "Language", "eng")
        types = _sub(article, "PublicationTypeList")
        _sub(types, "PublicationType", "Journal Article", UI="D016428")
        pubmed_data = _sub(article_node, "PubmedData")
        _sub(pubmed_data, "PublicationStatus", "ppublish")
        ids = _sub(pubmed_data, "ArticleIdList")
        _sub(ids, "ArticleId", str(record["pmid"]), IdType="pubmed")
        if record.get("doi"):
            _sub(ids, "ArticleId", record["doi"], IdType="doi")
        if record.get("pmcid"):
            _sub(ids, "ArticleId", record["pmcid"], IdType="pmc")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def tagging_from_record(record: dict[str, Any]) -> Tagging:
    """The stored labels of one export record, in the tagger's own shape."""
    depth = record.get("needle_depth_mm")
    return Tagging(
        tagger_version=record.get("tagger_version") or "",
        relevant=record["relevant"], design=record["design"],
        evidence_level=record["evidence_level"], conditions=list(record["conditions"]),
        interventions=list(record["interventions"]), devices=list(record["devices"]),
        outcomes=list(record["outcomes"]), sample_size=record["sample_size"],
        needle_depth_mm=tuple(depth) if depth else None, sessions=record["sessions"],
        follow_up_weeks=record["follow_up_weeks"])


def evaluate_gold(paths: list[Path], *, db_url: str | None = None) -> Any:
    """Import the gold records into ``db_url`` (a temporary SQLite file by default) and score."""
    from ingest.files import import_files

    gold = read_gold(paths)
    with tempfile.TemporaryDirectory(prefix="evidence-eval-") as folder:
        xml_path = Path(folder) / "gold.xml"
        xml_path.write_bytes(gold_to_pubmed_xml(gold))
        database = open_database(db_url or f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            import_files(database, [xml_path])
            with database.session() as session:
                stored = records_by_pmid(session, [str(record["pmid"]) for record in gold])
        finally:
            database.dispose()
    pairs = [(record["labels"], tagging_from_record(stored[str(record["pmid"])]))
             for record in gold if str(record["pmid"]) in stored]
    return score(pairs)


def report_as_dict(report: Any) -> dict[str, Any]:
    """The evaluation report as JSON-ready data: flat metrics, per-code scores, misses."""
    return {
        "records": report.records,
        "metrics": {name: round(value, 4) for name, value in report.metrics().items()},
        "per_code": {
            field: {code: {"precision": round(prf.precision, 4), "recall": round(prf.recall, 4),
                           "f1": round(prf.f1, 4), "tp": prf.tp, "fp": prf.fp, "fn": prf.fn}
                    for code, prf in sorted(codes.items())}
            for field, codes in report.codes.items()},
        "numbers": {name: {"exact": round(exact.rate, 4), "hits": exact.hits,
                           "total": exact.total} for name, exact in report.numbers.items()},
        "failures": report.failures(),
    }
