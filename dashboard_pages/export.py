"""Export: the filtered studies as CSV, XLSX or JSONL, and summary tables.

The files come from the same :data:`evidence.exports.FORMATS` writers and the
same :class:`StudyFilter` as ``evidence export``, so a download and the
command line give the same file for the same filters.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Final

import pandas as pd
import streamlit as st

from dashboard_pages import common
from evidence import queries
from evidence.exporting import export_to
from evidence.exports import FORMATS
from evidence.queries import StudyFilter

STUDY_FORMATS: Final = ("csv", "xlsx", "jsonl")
FORMAT_LABELS: Final = {"csv": "CSV", "xlsx": "Excel (XLSX)", "jsonl": "JSON Lines"}


def _export_file(source: common.DataSource, study_filter: StudyFilter,
                 fmt: str) -> Callable[[], bytes]:
    """The file, built only when the button is clicked: exporting 100,000 studies
    takes seconds and should not slow every render of the page."""
    def build() -> bytes:
        buffer = io.BytesIO()
        export_to(source.database, study_filter, fmt, buffer)
        return buffer.getvalue()
    return build


def _csv_bytes(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    return frame.to_csv(index=index).encode("utf-8")


def render() -> None:
    source = common.connect()
    study_filter = common.sidebar_filters(source)
    st.title("Export")
    count = int(source.query(queries.count_studies, study_filter))
    st.markdown(f"**{count:,} studies** · filters: {common.describe_filter(study_filter)}")
    st.caption("Files carry every field of CONTRACT.md plus the evidence line; XLSX adds an "
               "About sheet with the filters, date and tagger version.")

    st.subheader("Studies")
    columns = st.columns(len(STUDY_FORMATS))
    for column, fmt in zip(columns, STUDY_FORMATS, strict=True):
        export_format = FORMATS[fmt]
        column.download_button(
            f"Download {FORMAT_LABELS[fmt]}", _export_file(source, study_filter, fmt),
            file_name=export_format.filename(), mime=export_format.media_type,
            key=f"export_{fmt}", disabled=count == 0, on_click="ignore")

    st.subheader("Summary by design")
    by_design = source.query(queries.summary_by_design, study_filter)
    st.dataframe(by_design, hide_index=True, width="stretch", key="summary_design",
                 column_config={
                     "design": "Design", "evidence_level": "Level", "studies": "Studies",
                     "with_sample_size": "With n stated", "participants": "Participants",
                     "first_year": st.column_config.NumberColumn("First year", format="%d"),
                     "last_year": st.column_config.NumberColumn("Last year", format="%d"),
                     "retracted": "Retracted"})
    st.download_button("Download summary by design (CSV)", _csv_bytes(by_design),
                       file_name="microneedling-summary-by-design.csv", mime="text/csv",
                       key="export_summary_design", on_click="ignore")

    st.subheader("Intervention by outcome")
    st.caption("Studies with both, and their best evidence level (1 = strongest).")
    by_pair = source.query(queries.evidence_map_table, study_filter)
    st.dataframe(by_pair, width="stretch", key="summary_map")
    st.download_button("Download intervention by outcome (CSV)", _csv_bytes(by_pair, index=True),
                       file_name="microneedling-intervention-by-outcome.csv", mime="text/csv",
                       key="export_summary_map", on_click="ignore")
    common.footer(source, study_filter)


if __name__ == "__main__":
    render()
