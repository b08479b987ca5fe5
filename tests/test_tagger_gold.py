"""The tagger against the labelled development set (../shared/gold/dev.jsonl).

The gold text is third-party: it is read here at test time and never copied
into the repository. Articles are built the way the XML import would build
them from ``gold_to_pubmed_xml.py`` output: ``Heading: text`` lines become
labelled sections, every record is a plain "Journal Article".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evidence.records import AbstractSection, Article
from evidence.tagging import tag_article
from evidence.tagging.evaluate import TARGETS, score

GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold" / "dev.jsonl"
# The heading convention of gold/README.md, as the shared converter reads it.
HEADING = re.compile(r"^([A-Z][A-Za-z /&-]{1,40}):\s+(.*)$")


def gold_article(record: dict[str, Any], number: int) -> Article:
    """An Article from one gold line, sections split on ``Heading: text`` lines."""
    sections = []
    for line in filter(None, (raw.strip() for raw in (record.get("abstract") or "").split("\n"))):
        match = HEADING.match(line)
        if match:
            sections.append(AbstractSection(text=match.group(2), label=match.group(1).upper()))
        else:
            sections.append(AbstractSection(text=line))
    return Article(
        pmid=record.get("pmid") or f"gold-{number}",
        title=record["title"],
        abstract=sections,
        publication_types=["Journal Article"],
    )


def load_gold() -> list[dict[str, Any]]:
    with GOLD.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


pytestmark = pytest.mark.skipif(not GOLD.exists(), reason=f"gold set not found at {GOLD}")


def test_gold_targets_are_met() -> None:
    records = load_gold()
    pairs = [(record["labels"], tag_article(gold_article(record, i)))
             for i, record in enumerate(records)]
    report = score(pairs)
    print(report.format_text())
    assert report.records == len(records)
    assert report.failures(TARGETS) == [], report.format_text()


def test_gold_tags_point_at_their_sentences() -> None:
    for i, record in enumerate(load_gold()):
        article = gold_article(record, i)
        tagging = tag_article(article)
        texts = {"title": article.title, "abstract": article.abstract_text}
        for tag in tagging.tags:
            if tag.source in texts:
                assert texts[tag.source][tag.start : tag.end] == tag.sentence, tag
