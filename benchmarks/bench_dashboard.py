"""Benchmark the dashboard's server side on 100,000 synthetic studies.

Builds a SQLite database through the loader (``ingest.load.load_items``)
with synthetic articles and a synthetic tagger (the real tagger would make
building the database, not the dashboard, the thing measured), then times
with Streamlit's AppTest:

* the first full render of Overview and of Studies with empty query caches
  (imports already warm; the very first render of the process is printed too),
* a filter change on Studies and on Overview (a new filter: cache miss),
* going back to a filter already seen (cache hit).

Goals (the issue): first full render < 2 s, filter change < 300 ms.
Run: ``.venv/bin/python benchmarks/bench_dashboard.py [--studies 100000] [--db PATH]``
(``--db`` keeps the database for another run; an existing file is reused).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from evidence.db import Database, open_database  # noqa: E402
from evidence.labels import (  # noqa: E402
    CONDITION_LABELS,
    DEVICE_LABELS,
    EVIDENCE_LEVELS,
    INTERVENTION_LABELS,
    OUTCOME_LABELS,
)
from evidence.queries import count_studies  # noqa: E402
from evidence.records import AbstractSection, Article, Author  # noqa: E402
from evidence.tagging.result import Tag, Tagging  # noqa: E402
from ingest.load import load_items  # noqa: E402

BATCH = 2_000
SEED = 20_240_501
REPEATS = 3
FIRST_RENDER_GOAL_S = 2.0
FILTER_CHANGE_GOAL_S = 0.3
WORDS = ("scalp", "follicle", "density", "terminal", "vellus", "trichoscopy", "collagen",
         "growth", "response", "treatment", "week", "patients", "session", "improvement",
         "topical", "solution", "assessment", "baseline", "follow-up", "outcome")
# Designs weighted roughly as in the real literature: few meta-analyses, many reviews.
DESIGN_WEIGHTS = {"meta_analysis": 3, "systematic_review": 3, "rct": 12, "controlled_trial": 8,
                  "cohort": 5, "case_series": 15, "case_report": 10, "narrative_review": 20,
                  "preclinical": 10, "other": 14}


def _article(pmid: int, rng: random.Random) -> Article:
    year = rng.randint(1995, 2025)
    words = " ".join(rng.choices(WORDS, k=12))
    return Article(
        pmid=str(pmid), title=f"Microneedling study {pmid}: {words}.",
        abstract=[AbstractSection(" ".join(rng.choices(WORDS, k=40)) + ".", "METHODS"),
                  AbstractSection("Hair density " + " ".join(rng.choices(WORDS, k=30)) + ".",
                                  "RESULTS")],
        journal="Synthetic journal", journal_abbrev="Synth J", year=year,
        pub_date=f"{year}-{rng.randint(1, 12):02d}", languages=["eng"],
        date_revised=f"{year}-12-31",
        authors=[Author(last_name=f"Author{rng.randint(1, 5000)}", initials="A")],
        publication_types=["Journal Article"], retracted=rng.random() < 0.005)


def _tagger(rng: random.Random) -> Callable[[Article], Tagging]:
    designs = list(DESIGN_WEIGHTS)
    weights = list(DESIGN_WEIGHTS.values())

    def tag(article: Article) -> Tagging:
        design = rng.choices(designs, weights)[0]
        span = (0, len(article.title))
        kinds = {
            "condition": rng.sample(list(CONDITION_LABELS), rng.randint(0, 2)),
            "intervention": ["microneedling", *rng.sample(list(INTERVENTION_LABELS)[1:],
                                                          rng.randint(0, 2))],
            "device": rng.sample(list(DEVICE_LABELS), rng.randint(0, 1)),
            "outcome": rng.sample(list(OUTCOME_LABELS), rng.randint(0, 3)),
        }
        tags = [Tag("design", design, article.title, "title", *span, "bench"),
                Tag("relevant", "true", article.title, "title", *span, "bench")]
        tags += [Tag(kind, code, article.title, "title", *span, "bench")
                 for kind, codes in kinds.items() for code in codes]
        sample_size = rng.choice([None, rng.randint(5, 400)])
        return Tagging(
            tagger_version="bench", relevant=rng.random() < 0.8, design=design,
            evidence_level=EVIDENCE_LEVELS[design], conditions=kinds["condition"],
            interventions=kinds["intervention"], devices=kinds["device"],
            outcomes=kinds["outcome"], sample_size=sample_size,
            sessions=rng.choice([None, rng.randint(1, 12)]), tags=tags)
    return tag


def build(database: Database, studies: int) -> None:
    rng = random.Random(SEED)
    tagger = _tagger(rng)
    started = time.perf_counter()
    articles = (_article(30_000_000 + n, rng) for n in range(studies))
    counts = load_items(database, articles, source="bench", tagger=tagger, batch_size=BATCH)
    print(f"built {counts.new:,} studies in {time.perf_counter() - started:.1f} s")


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure() -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app = str(REPO_ROOT / "dashboard.py")
    figures: dict[str, float] = {}

    def fresh(page: str | None) -> tuple[AppTest, float]:
        st.cache_data.clear()
        at = AppTest.from_file(app, default_timeout=120)
        if page is None:
            return at, _timed(at.run)
        at.run()  # the page is only addressable after a first run
        st.cache_data.clear()
        at.switch_page(page)
        return at, _timed(at.run)

    at, figures["very first render (cold imports), Overview"] = fresh(None)
    samples = [fresh(None)[1] for _ in range(REPEATS)]
    figures["first full render, Overview"] = statistics.median(samples)
    samples = [fresh("dashboard_pages/studies.py")[1] for _ in range(REPEATS)]
    figures["first full render, Studies"] = statistics.median(samples)

    def filter_changes(page: str | None, name: str) -> AppTest:
        """New intervention filters (cache misses), then one seen before."""
        at, _ = fresh(page)
        changes = []
        for code in ("minoxidil", "prp", "finasteride"):
            at.multiselect(key="flt_interventions").set_value([code])
            changes.append(_timed(at.run))
        figures[f"filter change (new filter), {name}"] = statistics.median(changes)
        at.multiselect(key="flt_interventions").set_value(["minoxidil"])
        figures[f"filter change (filter seen before), {name}"] = _timed(at.run)
        return at

    at = filter_changes("dashboard_pages/studies.py", "Studies")
    at.checkbox(key="flt_exclude_retracted").check()
    figures["filter change (exclude retracted), Studies"] = _timed(at.run)
    assert not at.exception, at.exception

    at = filter_changes(None, "Overview")
    assert not at.exception, at.exception
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="keep (or reuse) the database at this path")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        path = options.db or Path(scratch) / "bench.db"
        url = f"sqlite:///{path}"
        database = open_database(url)
        with database.session() as session:
            stored = count_studies(session)
        if stored == 0:
            build(database, options.studies)
        else:
            print(f"reusing {stored:,} studies in {path}")
        database.dispose()
        os.environ["EVIDENCE_DB_URL"] = url
        figures = measure()

    print(f"\n{'measure':<52} {'seconds':>8}")
    for name, seconds in figures.items():
        goal = (FIRST_RENDER_GOAL_S if name.startswith("first")
                else FILTER_CHANGE_GOAL_S if name.startswith("filter") else None)
        verdict = "" if goal is None else ("  ok" if seconds < goal else f"  over {goal:g} s")
        print(f"{name:<52} {seconds:8.3f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
