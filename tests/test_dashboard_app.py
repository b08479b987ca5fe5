"""The dashboard driven through Streamlit's AppTest: every page and the main interactions.

The app reads its database from EVIDENCE_DB_URL, as it does in production; the
database is a fresh SQLite (or PostgreSQL) one loaded from the invented
fixture records.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard_pages.common import (
    Span,
    filter_from_params,
    highlight_html,
    link_problems,
    markdown_escape,
    params_from_filter,
)
from evidence.db import open_database
from evidence.labels import OUTCOME_LABELS as OUTCOME_CODES
from evidence.queries import StudyFilter
from evidence.tagging import TAGGER_VERSION
from ingest.files import import_files
from tests.conftest import fresh_database_url

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = str(REPO_ROOT / "dashboard.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FILES = [FIXTURES / "edge_cases.xml", FIXTURES / "citations.nbib",
                 FIXTURES / "dashboard_studies.xml"]
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Streamlit's script runner makes the app ``sys.modules["__main__"]`` and leaves it
    there. Put pytest's back: multiprocessing's workers, started by later tests in this
    process, would otherwise run the dashboard as their main module."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def loaded_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    database = open_database(db_url)
    assert import_files(database, FIXTURE_FILES).ok
    database.dispose()
    monkeypatch.setenv("EVIDENCE_DB_URL", db_url)
    yield db_url


@pytest.fixture
def sqlite_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app tests that do not depend on the backend run on SQLite only."""
    url = next(fresh_database_url("sqlite", tmp_path))
    database = open_database(url)
    assert import_files(database, FIXTURE_FILES).ok
    database.dispose()
    monkeypatch.setenv("EVIDENCE_DB_URL", url)
    yield url


def _app(page: str | None = None, /, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if page is not None:
        at.switch_page(f"dashboard_pages/{page}.py")
        at.run()
        assert not at.exception, at.exception
    return at


def _study_table(at: AppTest) -> Any:
    """The Studies table (its key changes with the rows it holds: studies.table_key)."""
    return at.dataframe(key=at.session_state["_table_key"])


def _table_pmids(at: AppTest) -> list[str]:
    return list(_study_table(at).value["pmid"])


def test_other_rows_get_a_fresh_table(sqlite_loaded: str) -> None:
    """A row ticked, or a column-heading sort, belongs to the rows it was made on: after a
    filter, sort or row-limit change the table starts afresh; a rerun keeps it."""
    at = _app("studies")
    keys = [at.session_state["_table_key"]]
    at.run()
    assert at.session_state["_table_key"] == keys[-1]  # same rows: same table
    at.checkbox(key="flt_exclude_retracted").check().run()
    keys.append(at.session_state["_table_key"])
    at.selectbox(key="study_sort").select("pmid").run()
    keys.append(at.session_state["_table_key"])
    at.selectbox(key="study_limit").select(500).run()
    keys.append(at.session_state["_table_key"])
    assert len(set(keys)) == 4
    assert _table_pmids(at) == sorted(_table_pmids(at), key=int)


def _param(at: AppTest, key: str) -> list[str]:
    """A URL parameter as a list (AppTest gives a lone value as a string)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has ``column`` (plain tables carry no key)."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a {column!r} column")


def _footer(at: AppTest) -> str:
    return at.caption[-1].value


# --------------------------------------------------------------------------- pages

def test_overview_headline_charts_and_footer(loaded_url: str) -> None:
    at = _app()
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Studies"] == "8"
    assert metrics["RCTs"] == "2"
    assert metrics["Meta-analyses & systematic reviews"] == "1"
    assert metrics["Years"] == "1990–2024"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", metrics["Last update"])
    charts = at.get("vega_lite_chart")
    assert len(charts) == 4
    titles = " ".join(chart.proto.spec for chart in charts)
    for title in ("Studies per year, by design", "Evidence pyramid", "Outcomes measured",
                  "Evidence map"):
        assert title in titles
    assert "#332288" in titles  # Paul Tol's muted palette, not Vega's default
    assert re.fullmatch(
        rf"8 studies, data as of \d{{4}}-\d{{2}}-\d{{2}}, tagger {re.escape(TAGGER_VERSION)}",
        _footer(at))


def test_evidence_map_cell_opens_the_filtered_studies(loaded_url: str) -> None:
    at = _app()
    cell = at.button(key="map_prp_hair_count")
    # the PRP trial (level 2) and the retracted case series of 90000004, marked
    assert cell.label == "Hair count: 2 · L2 · 1 retracted"
    assert any("retracted" in warning.value for warning in at.warning)
    cell.click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Studies"
    assert sorted(_table_pmids(at)) == ["90000004", "91000002"]
    assert _param(at, "intervention") == ["prp"]
    assert _param(at, "outcome") == ["hair_count"]
    assert at.multiselect(key="flt_interventions").value == ["prp"]


def test_filters_narrow_the_table_and_go_in_the_url(loaded_url: str) -> None:
    at = _app("studies")
    assert len(_table_pmids(at)) == 8
    # some of these abstracts give no needle depth: the table says what its None means
    assert "None: the title and abstract do not state that number." in [
        caption.value for caption in at.caption]
    at.multiselect(key="flt_interventions").select("minoxidil").run()
    minoxidil = set(_table_pmids(at))
    assert minoxidil == {"90000001", "90000011", "91000001"}
    assert _param(at, "intervention") == ["minoxidil"]
    at.slider(key="flt_levels").set_value((1, 2)).run()
    assert set(_table_pmids(at)) == {"90000001", "91000001"}
    assert _param(at, "max_level") == ["2"]
    assert "2 of 8 studies" in _footer(at)
    at.text_input(key="flt_text").input("meta-analysis").run()
    assert _table_pmids(at) == ["91000001"]
    at.button(key="flt_clear").click().run()
    assert len(_table_pmids(at)) == 8
    assert "intervention" not in at.query_params


def test_the_search_box_reads_groups_and_keeps_them_in_the_url(loaded_url: str) -> None:
    at = _app("studies")
    at.text_input(key="flt_text").input("(meta-analysis OR trial) minoxidil").run()
    assert not at.exception, at.exception
    assert set(_table_pmids(at)) == {"90000001", "91000001"}
    assert _param(at, "text") == ["(meta-analysis OR trial) minoxidil"]
    at.text_input(key="flt_text").input("minoxidil -(meta-analysis OR trial)").run()
    assert _table_pmids(at) == ["90000011"]
    assert not [w for w in at.warning if "search" in w.value.lower()]
    at.text_input(key="flt_text").input('"').run()
    assert any(c.value.startswith("0 studies match") for c in at.caption)
    assert any("holds no word" in w.value for w in at.warning)
    at.text_input(key="flt_text").input("minoxidil OR hair loss").run()
    assert any(c.value.startswith("OR joins the two words beside it") for c in at.caption)
    at.text_input(key="flt_text").input("the").run()
    assert len(_table_pmids(at)) == 8
    assert any("only words that are not searched" in c.value for c in at.caption)
    at.text_input(key="flt_text").input("minoxidil[MeSH Terms]").run()
    assert set(_table_pmids(at)) == {"90000001", "90000011", "91000001"}
    assert any("field tags are not read here ([MeSH Terms])" in c.value for c in at.caption)


def test_exclude_retracted_and_design_filters(loaded_url: str) -> None:
    at = _app("studies")
    at.checkbox(key="flt_exclude_retracted").check().run()
    assert set(_table_pmids(at)).isdisjoint({"90000003", "90000004"})
    at.multiselect(key="flt_designs").select("rct").run()
    assert set(_table_pmids(at)) == {"90000001", "91000002"}


def test_a_shared_link_reopens_the_view(sqlite_loaded: str) -> None:
    at = _app(intervention="microneedling", outcome="hair_count", min_year="2020")
    # the meta-analysis of 2024 and the retracted series of 2021; the PRP trial is 2019
    assert at.metric[0].value == "2"
    assert at.multiselect(key="flt_outcomes").value == ["hair_count"]
    assert at.slider(key="flt_years").value == (2020, 2024)


def test_study_view_highlights_evidence_and_escapes_html(loaded_url: str) -> None:
    at = _app("studies", study="91000002")
    assert at.selectbox(key="study_pick").value == "91000002"
    body = at.get("html")[0].proto.body
    assert "<mark" in body
    assert "Hair count rose" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>" not in body
    assert "&amp; &lt;b&gt;split-scalp&lt;/b&gt;" in body
    titles = re.findall(r'<mark title="([^"]*)"', body)
    assert any("Outcome: hair count" in title for title in titles)
    markdown = " ".join(element.value for element in at.markdown)
    assert "https://pubmed.ncbi.nlm.nih.gov/91000002/" in markdown
    assert {"Participants (n)": "40", "Sessions": "4", "Needle depth": "1 mm"}.items() <= {
        metric.label: metric.value for metric in at.metric}.items()
    # each number over the sentence it came from
    methods = markdown_escape("Forty patients were randomized to platelet-rich plasma with "
                              "microneedling or platelet-rich plasma alone (4 sessions, needle "
                              "depth 1 mm).")
    captions = [caption.value for caption in at.caption]
    assert captions.count(f"From: “{methods}”") == 3  # n, needle depth and sessions
    # and every tag with its whole sentence, not cut to a table cell
    why = next(element.value for element in at.markdown if "**Outcome: hair count**" in
               element.value)
    assert ("- **Outcome: hair count** (abstract, stated in the text): “"
            + markdown_escape("Hair count rose in both groups") in why)
    assert f"- **Sessions: 4** (abstract, stated in the text): “{methods}”" in why
    assert not at.error


def test_study_view_warns_on_a_retracted_study(sqlite_loaded: str) -> None:
    at = _app("studies", study="90000004")
    assert at.error and "retracted" in at.error[0].value.lower()
    at = _app("studies", study="90000001")
    assert not at.error
    markdown = " ".join(element.value for element in at.markdown)
    assert "https://doi.org/10.9999/jid.2023.0001" in markdown
    assert "PMC9900001" in markdown


def test_study_view_shows_the_original_title_of_a_work_not_in_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = next(fresh_database_url("sqlite", tmp_path))
    database = open_database(url)
    assert import_files(database, [FIXTURES / "not_in_english.xml"]).ok
    database.dispose()
    monkeypatch.setenv("EVIDENCE_DB_URL", url)
    at = _app("studies", study="90000077")
    assert at.header[0].value == markdown_escape(
        "[Microneedling with minoxidil for androgenetic alopecia].")
    captions = [caption.value for caption in at.caption]
    assert ("Original title: " + markdown_escape(
        "Microagulhamento com minoxidil na alopecia androgenética.") in captions)


def test_picking_a_study_puts_it_in_the_url(sqlite_loaded: str) -> None:
    at = _app("studies")
    at.selectbox(key="study_pick").select("90000011").run()
    assert _param(at, "study") == ["90000011"]
    assert at.header[0].value.startswith("Automated microneedling")


def test_a_linked_study_outside_the_filters_says_so(loaded_url: str) -> None:
    """/studies?design=rct&study=<a case report>: it opens, with a note that the
    filters do not match it, rather than under "N studies match: design: RCT"."""
    at = _app("studies", design="rct", study="90000003")
    assert at.header[0].value.startswith("Dermapen treatment for alopecia areata")
    def notes(at: AppTest) -> list[str]:
        return [i.value for i in at.info if "filters match" in i.value]

    assert notes(at) == [
        "PMID 90000003 is not one of the studies these filters match (the link or an "
        "earlier choice opened it); the table above lists those."]
    inside = _app("studies", design="rct", study="90000001")
    assert inside.header[0].value.startswith("Microneedling with 5% minoxidil")
    assert not notes(inside)


def test_cite_page_outputs_ama_with_evidence_lines(loaded_url: str) -> None:
    at = _app("cite")
    at.multiselect(key="cite_pick").select("90000001").select("91000001").run()
    assert not at.exception
    text = at.code[0].value
    assert "Müller K" in text and "J Invent Dermatol" in text
    assert "RCT, n=100; microneedling, minoxidil" in text  # "One hundred men"
    # AMA numbers its list in the order chosen
    assert [ref.split(" ", 1)[0] for ref in text.split("\n\n")] == ["1.", "2."]
    assert "Meta-analysis" in text
    labels = [button.label for button in at.get("download_button")]
    assert labels == ["Download as text", "Download BibTeX", "Download RIS"]
    at.radio(key="cite_style").set_value("apa").run()
    assert "(2023)" in at.code[0].value
    assert not at.code[0].value.startswith("1. ")  # APA's list is alphabetical
    assert _param(at, "cite") == ["90000001", "91000001"]
    assert _param(at, "style") == ["apa"]
    # the references alone, for a reference list
    at.checkbox(key="cite_evidence").uncheck().run()
    assert "(2023)" in at.code[0].value and "RCT, n=100" not in at.code[0].value
    assert _param(at, "evidence") == ["0"]
    # the style and the evidence lines' choice outlive a visit to another page
    at.switch_page("dashboard_pages/studies.py").run()
    at.switch_page("dashboard_pages/cite.py").run()
    assert at.radio(key="cite_style").value == "apa"
    assert at.checkbox(key="cite_evidence").value is False
    # the link opens in the sender's style
    shared = _app("cite", cite=["90000001"], style="vancouver")
    assert shared.radio(key="cite_style").value == "vancouver"
    assert "PubMed PMID: 90000001" in shared.code[0].value
    assert "RCT, n=100" in shared.code[0].value


def test_cite_page_takes_typed_pmids_and_reports_unknown(sqlite_loaded: str) -> None:
    at = _app("cite")
    at.text_input(key="cite_typed").input("91000002, 123").run()
    assert "RCT, n=40" in at.code[0].value
    assert "PMID 123" in at.warning[0].value


def test_a_shared_cite_link_keeps_pmids_the_filter_leaves_out(sqlite_loaded: str) -> None:
    """/cite?design=rct&cite=...: a PMID outside the filtered picker is still cited."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("dashboard_pages/cite.py")
    at.query_params["design"] = "rct"
    at.query_params["cite"] = ["90000003", "90000001"]
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="cite_pick").value == ["90000001"]  # an RCT: in the picker
    assert at.text_input(key="cite_typed").value == "90000003"  # not one: kept, typed
    references = at.code[0].value.split("\n\n")
    assert len(references) == 2 and "90000003" in at.query_params["cite"]


def test_export_page_offers_the_formats_and_summaries(loaded_url: str) -> None:
    at = _app("export")
    labels = [button.label for button in at.get("download_button")]
    assert labels[:6] == ["Download CSV", "Download Excel (XLSX)", "Download JSON Lines",
                          "Download RIS (EndNote, Zotero)", "Download BibTeX",
                          "Download CSL-JSON (Zotero, Mendeley)"]
    assert "Download summary by design (CSV)" in labels
    by_design = _frame_with(at, "with_sample_size")
    assert list(by_design["design"])[:2] == ["Meta-analysis", "RCT"]
    assert int(by_design.loc[by_design.design == "RCT", "participants"].item()) == 100 + 40
    by_pair = _frame_with(at, "hair count")
    assert by_pair.loc["minoxidil", "hair count"] == "1 (level 1)"
    at.multiselect(key="flt_designs").select("rct").run()
    assert "**2 studies**" in at.markdown[0].value
    # nothing to download: said, and no empty files offered
    empty = _app("export", text="zzzzqqq")
    assert "No study matches these filters" in empty.warning[0].value
    assert not empty.get("download_button")


def test_the_summary_files_say_their_filter_and_are_tidy(sqlite_loaded: str) -> None:
    import datetime as dt

    from dashboard_pages.export import pairs_csv, summary_file_name
    from evidence.queries import evidence_map

    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert summary_file_name(StudyFilter(designs=("rct",)), "summary-by-design") == \
        f"microneedling-evidence-rct-summary-by-design-{today}.csv"
    database = open_database(sqlite_loaded)
    with database.session() as session:
        pairs = pd.read_csv(io.BytesIO(pairs_csv(evidence_map(session))))
    database.dispose()
    assert list(pairs.columns) == ["intervention", "outcome", "studies",
                                   "best_evidence_level", "retracted"]
    prp_count = pairs[(pairs.intervention == "prp") & (pairs.outcome == "hair_count")]
    assert prp_count[["studies", "best_evidence_level", "retracted"]].values.tolist() == [
        [2, 2, 1]]


def test_sort_and_open_study_outlive_another_page_and_set_the_export_order(
        sqlite_loaded: str) -> None:
    at = _app("studies")
    at.selectbox(key="study_sort").select("n").run()
    at.selectbox(key="study_pick").select("91000002").run()
    assert any(link.proto.label == "Cite this study" for link in at.get("page_link"))
    at.switch_page("dashboard_pages/export.py").run()
    assert not at.exception, at.exception
    assert any("largest first" in caption.value for caption in at.caption)
    at.switch_page("dashboard_pages/studies.py").run()
    assert at.selectbox(key="study_sort").value == "n"
    assert at.selectbox(key="study_pick").value == "91000002"


def test_export_file_names_say_the_filter() -> None:
    from dashboard_pages.export import file_stem

    assert file_stem(StudyFilter()) == "microneedling-evidence"
    assert file_stem(StudyFilter(relevant_only=True, exclude_retracted=True, max_level=2)) == (
        "microneedling-evidence-on-topic-no-retracted-level1to2")
    assert file_stem(StudyFilter(designs=("rct",), interventions=("minoxidil",), min_year=2015,
                                 min_n=20)) == "microneedling-evidence-rct-minoxidil-2015to-n20"
    assert len(file_stem(StudyFilter(outcomes=tuple(OUTCOME_CODES)))) <= 23 + 60


def test_data_page_lists_runs_and_commands(loaded_url: str) -> None:
    from dashboard_pages.common import for_this_database

    at = _app("data")
    runs = _frame_with(at, "Query or file")
    assert len(runs) == 3
    assert set(runs["Status"]) == {"succeeded"}
    assert any(name.endswith("dashboard_studies.xml") for name in runs["Query or file"])
    # what each run read and its message come first; imports search no PubMed
    assert list(runs.columns[:5]) == ["Run", "Kind", "Status", "Query or file", "Message"]
    assert runs["PubMed hits"].isna().all()
    commands = [block.value for block in at.code]
    assert for_this_database("evidence ingest --since last", loaded_url) in commands
    assert for_this_database("evidence import FILE", loaded_url) in commands
    assert "--db" in commands[0] or loaded_url.startswith("postgresql")
    assert _footer(at).startswith("8 studies, data as of ")


def test_empty_database_shows_the_first_run_page(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_database(url).dispose()
    monkeypatch.setenv("EVIDENCE_DB_URL", url)
    at = _app()
    assert at.title[0].value.startswith("Microneedling")
    assert "empty" in at.info[0].value
    # the commands write to this database, not to the default one
    assert f"evidence ingest --db {url}" in [block.value for block in at.code]
    assert not at.metric and not at.error
    assert _footer(at).startswith("0 studies, data as of never, tagger ")
    at.switch_page("dashboard_pages/data.py").run()
    assert not at.exception, at.exception
    assert "No ingest or import has run yet." in [element.value for element in at.info]


def test_a_mistyped_database_path_is_refused_and_not_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard reads; opening a missing file would make an empty database there."""
    missing = tmp_path / "evidnce.db"
    monkeypatch.setenv("EVIDENCE_DB_URL", f"sqlite:///{missing}")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Cannot open the evidence database: no file at {missing}. Check EVIDENCE_DB_URL, or "
        "build the database first (evidence import --db URL FILE, or evidence ingest --db "
        "URL)."]
    assert list(tmp_path.iterdir()) == []


def test_the_commands_shown_name_a_database_that_is_not_the_default() -> None:
    from dashboard_pages.common import for_this_database

    assert for_this_database("evidence ingest", "sqlite:///data/evidence.db") == \
        "evidence ingest"
    assert for_this_database("evidence import FILE", "sqlite:////srv/my db.sqlite") == \
        "evidence import FILE --db 'sqlite:////srv/my db.sqlite'"
    # a password stays off the screen: EVIDENCE_DB_URL carries it
    assert for_this_database("evidence ingest", "postgresql://u:secret@db/evidence") == \
        "evidence ingest"


def test_unopenable_database_is_one_clear_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    monkeypatch.setenv("EVIDENCE_DB_URL", f"sqlite:///{blocker}/evidence.db")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "Cannot open the evidence database" in at.error[0].value



def test_unopenable_database_run_bare_exits_with_the_same_line(tmp_path: Path) -> None:
    """``python dashboard.py`` has no script runner, so ``st.stop()`` does not end the
    run there: the process must still end with the one line, not a traceback."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    done = subprocess.run(
        [sys.executable, str(APP)], capture_output=True, text=True, timeout=120, check=False,
        cwd=Path(APP).parent,
        env={**os.environ, "EVIDENCE_DB_URL": f"sqlite:///{blocker}/evidence.db"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Cannot open the evidence database:")


# --------------------------------------------------------------------------- helpers

def test_url_round_trip_and_bad_values_ignored() -> None:
    study_filter = StudyFilter(designs=("rct",), interventions=("microneedling", "minoxidil"),
                               min_year=2015, max_level=2, exclude_retracted=True,
                               text="hair density")
    assert filter_from_params(params_from_filter(study_filter)) == study_filter
    # codes in any case, as the command line takes them
    assert filter_from_params({"design": ["RCT"], "outcome": ["Hair_Count"]}) == StudyFilter(
        designs=("rct",), outcomes=("hair_count",))
    assert filter_from_params({"design": ["not_a_code", "rct"], "min_n": ["ten"],
                               "relevant_only": ["0"]}) == StudyFilter(designs=("rct",))


def test_link_problems_say_what_a_link_could_not_keep() -> None:
    problems = link_problems({"design": ["RTC", "rct"], "min_n": ["99999999999999999999"],
                              "min_level": ["0"], "max_level": ["9"], "min_year": ["2020"],
                              "max_year": ["2015"], "max_n": ["x"]}, 2001, 2026)
    text = "; ".join(problems)
    assert "design 'RTC' is not a code" in text
    assert "min_n 99999999999999999999 was moved" in text
    assert "min_level 0 is not an evidence level" in text and "max_level 9" in text
    assert "min_year 2020 is above max_year 2015" in text
    assert link_problems({"design": ["rct"], "min_year": ["2015"]}, 2001, 2026) == []
    # a bound past the stored years on its own side changes nothing: no warning
    assert link_problems({"min_year": ["1900"], "max_year": ["2030"]}, 2001, 2026) == []


@pytest.mark.parametrize("params", [
    {"min_n": "99999999999999999999"},
    {"min_level": "0", "max_level": "9"},
    {"min_year": "2030"},
    {"design": "RCTs"},
])
def test_a_hand_edited_link_opens_and_says_what_changed(sqlite_loaded: str,
                                                       params: dict[str, str]) -> None:
    at = _app(**params)  # the page the link opens; _app asserts no exception
    assert any("This link's filters were changed" in warning.value for warning in at.warning)


def test_highlight_html_marks_overlaps_and_escapes() -> None:
    text = "a <b> & c"
    html = highlight_html(text, [Span(0, 5, "one"), Span(2, 9, 'two "x"'), Span(3, 99, "bad")])
    assert html == ('<mark title="one">a </mark><mark title="one; two &quot;x&quot;">&lt;b&gt;'
                    '</mark><mark title="two &quot;x&quot;"> &amp; c</mark>')
    assert highlight_html("x\ny", []) == "x<br>y"



def test_every_evidence_map_row_keeps_its_label() -> None:
    """Vega-Lite hides axis labels it finds crowded; the map's rows each need theirs."""
    from dashboard_pages.overview import MAP_ROW_HEIGHT, evidence_map_chart
    from evidence.labels import INTERVENTION_LABELS, OUTCOME_LABELS

    frame = pd.DataFrame(
        [(code, text, "hair_count", OUTCOME_LABELS["hair_count"], 3, 2)
         for code, text in INTERVENTION_LABELS.items()],
        columns=["intervention", "intervention_label", "outcome", "outcome_label", "studies",
                 "best_level"])
    spec = evidence_map_chart(frame).to_dict()
    y_axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert y_axis["labelOverlap"] is False
    assert spec["height"] >= MAP_ROW_HEIGHT * len(INTERVENTION_LABELS)


def test_every_study_is_reachable_page_by_page(db_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """More studies than a page holds: the pages together list each one once, in the
    chosen order, and a new filter starts again at page 1."""
    from tests.corpus import write_corpus

    corpus = tmp_path / "corpus.xml"
    pmids = write_corpus(corpus, 230)
    database = open_database(db_url)
    assert import_files(database, [corpus]).ok
    database.dispose()
    monkeypatch.setenv("EVIDENCE_DB_URL", db_url)
    at = _app("studies", sort="pmid")
    seen: list[str] = []
    for page in (1, 2, 3):
        at.number_input(key="study_page").set_value(page).run()
        assert not at.exception
        seen += _table_pmids(at)
    assert seen == sorted(pmids, key=int)
    assert "Rows 201-230 of 230 studies" in " ".join(c.value for c in at.caption)
    assert _param(at, "page") == ["3"]
    at.checkbox(key="flt_exclude_retracted").check().run()
    assert at.number_input(key="study_page").value == 1
    assert "page" not in at.query_params
    # a shared link opens on its page and page size
    shared = _app("studies", sort="pmid", page="2", rows="100")
    assert shared.number_input(key="study_page").value == 2
    assert _table_pmids(shared) == sorted(pmids, key=int)[100:200]
    # a link made when there were more studies opens the last page, and says so
    beyond = _app("studies", sort="pmid", page="9")
    assert beyond.number_input(key="study_page").value == 3
    assert _table_pmids(beyond) == sorted(pmids, key=int)[200:]
    assert [w.value for w in beyond.warning] == [
        "The link asked for page 9, but these studies fill 3 pages: showing the last."]


def test_the_per_year_chart_says_which_studies_it_cannot_place(sqlite_loaded: str) -> None:
    from sqlalchemy import update

    from evidence.models import Study

    database = open_database(sqlite_loaded)
    with database.session() as session:  # PubMed has records without any date
        session.execute(update(Study).where(Study.pmid.in_(("90000012", "91000001")))
                        .values(year=None, pub_sort_date=None, pub_date=None))
    database.dispose()
    at = _app()
    captions = [caption.value for caption in at.caption]
    assert "Not in this chart: 2 studies have no publication year in PubMed." in captions


def test_the_export_page_puts_the_kept_sort_in_its_address(sqlite_loaded: str) -> None:
    """From Studies sorted largest first to Export: a link copied there exports in the
    same order for a colleague who never saw the Studies page."""
    at = _app("studies")
    at.selectbox(key="study_sort").select("n").run()
    at.switch_page("dashboard_pages/export.py")
    at.query_params.pop("sort", None)  # the sidebar's page link carries no sort
    at.run()
    assert not at.exception, at.exception
    assert _param(at, "sort") == ["n"]


def test_the_overview_says_how_many_studies_are_off_topic(loaded_url: str) -> None:
    """The headline counts every stored record; it says how many are about something else
    (a whole baseline file is mostly other topics) until relevant-only is ticked."""
    from evidence.queries import count_studies

    database = open_database(loaded_url)
    with database.session() as session:
        off_topic = count_studies(session) - count_studies(session,
                                                           StudyFilter(relevant_only=True))
    database.dispose()
    assert off_topic > 0  # the fixtures hold off-topic records
    # a caption while most are on topic, a warning once most are not
    most_off_topic = off_topic * 2 > 8

    def notes(at: AppTest) -> list[str]:
        shown = at.warning if most_off_topic else at.caption
        return [n.value for n in shown if "not about microneedling for hair loss" in n.value]

    at = _app()
    assert notes(at) and notes(at)[0].startswith(
        f"{off_topic} of these 8 studies {'is' if off_topic == 1 else 'are'} not about")
    at.checkbox(key="flt_relevant_only").check().run()
    assert not notes(at)
    # the table and the downloads say it too: a list of RCTs is not all on topic
    for page, counted_by in (("studies", "The table lists them"), ("export", "The files hold")):
        at = _app(page)
        assert notes(at) and notes(at)[0].startswith(f"{off_topic} of these 8 studies")
        assert counted_by in notes(at)[0]
    # one study, off topic: said of it, in the singular, as a warning
    one = _app("studies", text="after chemotherapy")
    assert any(c.value.startswith("1 study matches") for c in one.caption)
    words = [w.value for w in one.warning if "not about microneedling" in w.value]
    assert words and words[0].startswith("This study is not about")
    assert "The table lists it until" in words[0]


def test_counts_are_said_in_the_singular_for_one() -> None:
    from dashboard_pages.common import count_of

    assert (count_of(1), count_of(0), count_of(2040)) == ("1 study", "0 studies", "2,040 studies")


def test_the_per_year_chart_gives_every_year_its_place() -> None:
    from dashboard_pages.overview import per_year_chart

    frame = pd.DataFrame([(1990, "rct", "RCT", 1), (1994, "rct", "RCT", 2)],
                         columns=["year", "design", "design_label", "studies"])
    spec = per_year_chart(frame).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == [1990, 1991, 1992, 1993, 1994]


def test_the_charts_say_what_they_show_in_words() -> None:
    """A screen reader reads a chart's description; without one it hears only "Vega
    visualization"."""
    from dashboard_pages.overview import per_year_chart, pyramid_chart

    years = pd.DataFrame([(1990, "rct", "RCT", 1), (1994, "rct", "RCT", 2),
                          (1994, "cohort", "Cohort", 1)],
                         columns=["year", "design", "design_label", "studies"])
    assert per_year_chart(years).to_dict()["description"] == (
        "Studies per publication year, 1990 to 1994: 4 studies, most in 1994 (3).")
    levels = pd.DataFrame([(1, "Meta-analysis", 2), (2, "RCT", 1200)],
                          columns=["level", "designs", "studies"])
    assert pyramid_chart(levels).to_dict()["description"] == (
        "Evidence pyramid, studies by level: level 1: 2; level 2: 1,200.")


def test_back_undoes_a_sort_a_page_and_an_open_study(db_url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser's Back restores the address before; the view follows it. Before, the
    page's own state wrote the address straight back ("?page=3" again)."""
    from tests.corpus import write_corpus

    corpus = tmp_path / "corpus.xml"
    pmids = sorted(write_corpus(corpus, 230), key=int)
    database = open_database(db_url)
    assert import_files(database, [corpus]).ok
    database.dispose()
    monkeypatch.setenv("EVIDENCE_DB_URL", db_url)

    def back_to(at: AppTest, address: dict[str, list[str]]) -> None:
        for key in list(at.query_params):
            del at.query_params[key]
        for key, values in address.items():
            at.query_params[key] = values
        at.run()
        assert not at.exception, at.exception

    def address(at: AppTest) -> dict[str, list[str]]:
        return {key: list(_param(at, key)) for key in at.query_params}

    at = _app("studies")
    bare = address(at)
    at.selectbox(key="study_sort").select("pmid").run()
    sorted_by_pmid = address(at)
    at.number_input(key="study_page").set_value(2).run()
    assert _table_pmids(at) == pmids[100:200]
    back_to(at, sorted_by_pmid)
    assert at.number_input(key="study_page").value == 1
    assert _table_pmids(at) == pmids[:100]
    back_to(at, bare)
    assert at.selectbox(key="study_sort").value == "year"
    # a study opened, then Back to the list
    at.selectbox(key="study_pick").select(pmids[0]).run()
    assert _param(at, "study") == [pmids[0]]
    back_to(at, bare)
    assert at.selectbox(key="study_pick").value is None
    assert not any("Title and abstract" in block.value for block in at.markdown)
