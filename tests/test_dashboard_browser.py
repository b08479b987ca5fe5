"""One real-browser run of the dashboard: `streamlit run` plus headless Chromium.

AppTest runs the scripts but not the browser; this test covers what only a
browser shows: the app starts from the command line, widgets respond, the
URL carries the filters, and a download arrives with the right rows.

It needs Chromium at /usr/bin/chromium (the Debian package; no browser is
downloaded). Without it the test is skipped, unless EVIDENCE_REQUIRE_BROWSER=1
(CI), in which case it fails.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence.db import open_database
from ingest.files import import_files

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FILES = [FIXTURES / "edge_cases.xml", FIXTURES / "citations.nbib",
                 FIXTURES / "dashboard_studies.xml"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = REPO_ROOT / "test-artifacts"
START_TIMEOUT_S = 60
UI_TIMEOUT_MS = 30_000
RETRACTED = {"90000003", "90000004"}
ALL_PMIDS = {"90000001", "90000002", "90000003", "90000004", "90000011", "90000012",
             "91000001", "91000002"}

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found (install the Debian chromium package)"
    if os.environ.get("EVIDENCE_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " and EVIDENCE_REQUIRE_BROWSER=1")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"streamlit did not answer at {base_url} in {START_TIMEOUT_S}s")


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    _need_chromium()
    db_url = f"sqlite:///{tmp_path / 'evidence.db'}"
    database = open_database(db_url)
    assert import_files(database, FIXTURE_FILES).ok
    database.dispose()
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env={**os.environ, "EVIDENCE_DB_URL": db_url},
        stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, server)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@contextlib.contextmanager
def _browser_page(**context_options: Any) -> Iterator[Any]:
    """A page of headless Chromium (Debian's), its waits set for a loaded 2-core machine:
    assertions keep their own 5 s default otherwise."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          **context_options)
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def test_filter_open_a_study_and_download_csv(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    with _browser_page(accept_downloads=True) as page:
        page.goto(app_url)
        expect(page.get_by_text("Open a cell of the evidence map")).to_be_visible()
        expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(4)
        page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)

        page.goto(f"{app_url}/studies")
        expect(page.get_by_text("8 studies match", exact=False)).to_be_visible()

        # a filter, through the sidebar
        page.get_by_text("Exclude retracted studies").click()
        expect(page.get_by_text("6 studies match", exact=False)).to_be_visible()
        page.wait_for_url("**exclude_retracted=1**")

        # open a study through the picker
        picker = page.get_by_test_id("stSelectbox").filter(has_text="Open a study")
        picker.click()
        page.keyboard.type("91000002")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Platelet-rich plasma", exact=False)
               ).to_be_visible()
        page.wait_for_url("**study=91000002**")
        expect(page.locator("mark").first).to_be_visible()
        # each number over its sentence, in the page as a reader sees it
        expect(page.get_by_text("From: “Forty patients were randomized", exact=False).first
               ).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "dashboard-study.png"), full_page=True)

        # the same filter on the Export page; download the CSV
        page.get_by_test_id("stSidebarNav").get_by_text("Export").click()
        expect(page.get_by_text("6 studies", exact=False).first).to_be_visible()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download CSV").click()
        download = download_info.value
        path = tmp_path / "export.csv"
        download.save_as(path)
        page.screenshot(path=str(ARTIFACTS / "dashboard-export.png"), full_page=True)

    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert {row["pmid"] for row in rows} == ALL_PMIDS - RETRACTED
    assert all(row["retracted"].lower() == "false" for row in rows)
    assert "evidence_line" in rows[0]


def test_filters_stay_set_from_page_to_page(app_url: str) -> None:
    """A filter from a shared link, or set in the sidebar, holds on every page the user
    opens next, until cleared: an export must never quietly hold every study."""
    from playwright.sync_api import expect

    with _browser_page() as page:
        navigation = page.get_by_test_id("stSidebarNav")
        retracted_box = page.get_by_role("checkbox", name="Exclude retracted studies")

        page.goto(f"{app_url}/studies?exclude_retracted=1")  # a shared link
        expect(page.get_by_text("6 studies match", exact=False)).to_be_visible()
        for name in ("Overview", "Studies", "Export", "Studies"):
            navigation.get_by_text(name, exact=True).click()
            page.wait_for_url("**exclude_retracted=1**")
            expect(retracted_box).to_be_checked()
        expect(page.get_by_text("6 studies match", exact=False)).to_be_visible()

        # set in the sidebar, then through three pages
        page.get_by_text("Clear filters").click()
        expect(page.get_by_text("8 studies match", exact=False)).to_be_visible()
        page.get_by_test_id("stSidebar").get_by_text(
            "About microneedling for hair loss only").click()
        page.wait_for_url("**relevant_only=1**")
        for name in ("Overview", "Export", "Studies"):
            navigation.get_by_text(name, exact=True).click()
            page.wait_for_url("**relevant_only=1**")
        relevant = page.get_by_role("checkbox", name="About microneedling for hair loss only")
        expect(relevant).to_be_checked()
        expect(retracted_box).not_to_be_checked()


def test_back_after_clear_filters_returns_to_the_view_before(app_url: str) -> None:
    """One Back undoes "Clear filters": the address changes once, not a filter at a time
    (which left Back walking through filters nobody had chosen)."""
    from playwright.sync_api import expect

    shared = f"{app_url}/studies?design=rct&intervention=microneedling&exclude_retracted=1"
    with _browser_page() as page:
        page.goto(shared)
        narrowed = page.get_by_text("studies match: design: RCT", exact=False)
        expect(narrowed).to_be_visible()
        shown = narrowed.inner_text()
        page.get_by_text("Clear filters").click()
        expect(page.get_by_text("8 studies match: no filters")).to_be_visible()
        page.wait_for_url(f"{app_url}/studies")
        page.go_back()
        page.wait_for_url(shared)
        expect(page.get_by_text(shown)).to_be_visible()


def test_back_after_a_new_sort_restores_the_order_before(app_url: str) -> None:
    """Back after choosing a sort shows the order before it; the page's own state used to
    write "?sort=n" straight back into the address."""
    from playwright.sync_api import expect

    with _browser_page() as page:
        page.goto(f"{app_url}/studies")
        sort_box = page.get_by_role("combobox", name="Sort by")
        expect(sort_box).to_have_value("Newest first")
        sort_box.click()
        page.get_by_role("option", name="Largest first").click()
        page.wait_for_url("**sort=n**")
        expect(sort_box).to_have_value("Largest first")
        page.go_back()
        page.wait_for_url(f"{app_url}/studies")
        expect(sort_box).to_have_value("Newest first")
        page.wait_for_timeout(1500)  # and it stays: nothing writes the old sort back
        assert page.url == f"{app_url}/studies"
