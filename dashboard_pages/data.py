"""Data: what is stored, where it came from (ingest runs), and how to update it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard_pages import common
from evidence import queries
from evidence.labels import display_label

RUN_LIMIT = 50


def _runs_frame(source: common.DataSource) -> pd.DataFrame:
    with source.database.session() as session:
        runs = queries.recent_runs(session, limit=RUN_LIMIT)
        rows = [(run.id, run.kind, run.status, run.started_at, run.finished_at, run.found,
                 run.new, run.updated, run.unchanged, run.deleted, run.skipped, run.failed,
                 run.query or "", run.message or "") for run in runs]
    return pd.DataFrame(rows, columns=["Run", "Kind", "Status", "Started", "Finished", "Found",
                                       "New", "Updated", "Unchanged", "Deleted", "Skipped",
                                       "Failed", "Query or file", "Message"])


def render() -> None:
    source = common.connect()
    st.title("Data")
    stats: queries.DatabaseStats = source.query(queries.database_stats)
    columns = st.columns(4)
    columns[0].metric("Studies stored", f"{stats.studies:,}")
    columns[1].metric("About microneedling for hair loss", f"{stats.relevant:,}")
    columns[2].metric("Retracted", f"{stats.retracted:,}")
    columns[3].metric("Last updated", common.format_date(stats.last_update))

    st.subheader("Update the data")
    st.markdown("Fetch what PubMed added or revised since the last successful run:")
    st.code(common.UPDATE_COMMAND, language="bash")
    st.markdown("Load PubMed XML or MEDLINE (.nbib) files:")
    st.code(common.IMPORT_COMMAND, language="bash")
    st.caption("Both record a run below. Run `evidence retag` after a tagger upgrade.")

    st.subheader("Ingest runs")
    runs = _runs_frame(source)
    if runs.empty:
        st.info("No ingest or import has run yet.")
    else:
        st.dataframe(runs, hide_index=True, width="stretch", key="runs")

    left, right = st.columns(2)
    with left:
        st.subheader("Studies by design")
        st.dataframe(pd.DataFrame(
            [(display_label(code), count) for code, count in stats.by_design.items()],
            columns=["Design", "Studies"]), hide_index=True, width="stretch", key="by_design")
    with right:
        st.subheader("Tagger versions")
        st.dataframe(pd.DataFrame(list(stats.tagger_versions.items()),
                                  columns=["Tagger version", "Studies"]),
                     hide_index=True, width="stretch", key="versions")
    common.footer(source)


if __name__ == "__main__":
    render()
