"""Data: what is stored, where it came from (ingest runs), and how to update it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard_pages import common
from evidence import queries
from evidence.labels import display_label

RUN_LIMIT = 50


def _runs_frame(source: common.DataSource) -> pd.DataFrame:
    """The recent runs, what each read and why it ended first (a failed run's reason was
    off screen to the right); PubMed's hits only for an ingest, which searches (an
    import reads files: its "found 0" read as nothing found)."""
    with source.database.session() as session:
        runs = queries.recent_runs(session, limit=RUN_LIMIT)
        rows = [(run.id, run.kind, run.status, run.query or "", run.message or "",
                 run.started_at, run.finished_at, run.new, run.updated, run.unchanged,
                 run.deleted, run.skipped, run.failed,
                 run.found if run.kind == "ingest" else None) for run in runs]
    frame = pd.DataFrame(rows, columns=["Run", "Kind", "Status", "Query or file", "Message",
                                        "Started", "Finished", "New", "Updated", "Unchanged",
                                        "Deleted", "Skipped", "Failed", "PubMed hits"])
    return frame.astype({"PubMed hits": "Int64"})  # whole numbers, with gaps for imports


def render() -> None:
    source = common.connect()
    st.title("Data")
    stats: queries.DatabaseStats = source.query(queries.database_stats)
    columns = st.columns(4)
    columns[0].metric("Studies stored", f"{stats.studies:,}")
    columns[1].metric("On topic", f"{stats.relevant:,}",
                      help="About microneedling for hair loss (the tagger's reading)")
    columns[2].metric("Retracted", f"{stats.retracted:,}")
    columns[3].metric("Last updated", common.format_date(stats.last_update))

    st.header("Update the data")
    st.markdown("Fetch what PubMed added or revised since the last successful run:")
    st.code(common.for_this_database(common.UPDATE_COMMAND, source.url), language="bash")
    st.markdown("Load PubMed XML or MEDLINE (.nbib) files:")
    st.code(common.for_this_database(common.IMPORT_COMMAND, source.url), language="bash")
    st.caption("Both record a run below. Run `evidence retag` after a tagger upgrade.")

    st.header("Ingest runs")
    runs = _runs_frame(source)
    if runs.empty:
        st.info("No ingest or import has run yet.")
    else:
        st.dataframe(runs, hide_index=True, width="stretch", key="runs", column_config={
            "PubMed hits": st.column_config.NumberColumn(
                help="What the ingest's search found in PubMed (None: an import, which "
                     "reads files)")})

    left, right = st.columns(2)
    with left:
        st.header("Studies by design")
        st.dataframe(pd.DataFrame(
            [(display_label(code), count) for code, count in stats.by_design.items()],
            columns=["Design", "Studies"]), hide_index=True, width="stretch", key="by_design")
    with right:
        st.header("Tagger versions")
        st.dataframe(pd.DataFrame(list(stats.tagger_versions.items()),
                                  columns=["Tagger version", "Studies"]),
                     hide_index=True, width="stretch", key="versions")
    common.footer(source)


if __name__ == "__main__":
    render()
