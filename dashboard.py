"""The evidence dashboard: ``streamlit run dashboard.py``.

Reads the database named by ``EVIDENCE_DB_URL`` (default
``sqlite:///data/evidence.db``). This file only chooses the pages; each page
lives in :mod:`dashboard_pages` and reads the data through
:mod:`evidence.queries`. An empty database gets a first-run page that says
which command fills it, instead of empty charts.
"""

from __future__ import annotations

import streamlit as st

from dashboard_pages import common

PAGES_DIR = "dashboard_pages"


def _page(name: str, title: str, icon: str, **options: object) -> st.Page:
    return st.Page(f"{PAGES_DIR}/{name}.py", title=title, icon=f":material/{icon}:",
                   **options)  # type: ignore[arg-type]


def main() -> None:
    st.set_page_config(page_title=common.APP_TITLE, page_icon=":material/menu_book:",
                       layout="wide")
    source = common.connect()
    if source.total == 0:
        pages = [
            st.Page(common.first_run_page, title="Get started",
                    icon=":material/rocket_launch:", default=True),
            _page("data", "Data", "database", url_path="data"),
        ]
    else:
        pages = [
            _page("overview", "Overview", "bar_chart", default=True),
            _page("studies", "Studies", "search", url_path="studies"),
            _page("cite", "Cite", "format_quote", url_path="cite"),
            _page("export", "Export", "download", url_path="export"),
            _page("data", "Data", "database", url_path="data"),
        ]
    page = st.navigation(pages)
    # Each page its own browser title, so tabs, bookmarks and history tell them apart.
    st.set_page_config(page_title=f"{page.title} · {common.APP_TITLE}")
    common.note_page(page.url_path)
    page.run()

main()
