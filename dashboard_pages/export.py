"""Export: the filtered studies in every format (data and references), and summary tables.

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
from dashboard_pages.studies import KEPT_SORT, SORT_LABELS, SORT_PARAM
from evidence import queries
from evidence.exporting import export_to
from evidence.exports import FORMATS
from evidence.queries import StudyFilter

DATA_FORMATS: Final = ("csv", "xlsx", "jsonl")
REFERENCE_FORMATS: Final = ("ris", "bibtex", "csl-json")
FORMAT_LABELS: Final = {"csv": "CSV", "xlsx": "Excel (XLSX)", "jsonl": "JSON Lines",
                        "ris": "RIS (EndNote, Zotero)", "bibtex": "BibTeX",
                        "csl-json": "CSL-JSON (Zotero, Mendeley)"}
#: The longest part of a file name the filter may give ("...-rct-minoxidil-...").
NAME_PART_CHARS: Final = 60


def _export_file(source: common.DataSource, study_filter: StudyFilter, fmt: str,
                 sort: str) -> Callable[[], bytes]:
    """The file, built only when the button is clicked: exporting 100,000 studies
    takes seconds and should not slow every render of the page."""
    def build() -> bytes:
        buffer = io.BytesIO()
        export_to(source.database, study_filter, fmt, buffer, sort=sort)
        return buffer.getvalue()
    return build


def file_stem(study_filter: StudyFilter) -> str:
    """``microneedling-evidence`` and the filter's codes and bounds, so that downloads of
    different filters are not all one name: ``microneedling-evidence-rct-minoxidil-2015``."""
    # what narrows most first, as the name is cut at NAME_PART_CHARS
    parts: list[str] = [part for part, wanted in (("on-topic", study_filter.relevant_only),
                                                   ("no-retracted", study_filter.exclude_retracted))
                        if wanted]
    parts += [*study_filter.designs, *study_filter.interventions,
              *study_filter.outcomes, *study_filter.conditions, *study_filter.devices]
    if study_filter.min_year is not None or study_filter.max_year is not None:
        parts.append(f"{study_filter.min_year or ''}to{study_filter.max_year or ''}")
    if study_filter.min_n:
        parts.append(f"n{study_filter.min_n}")
    if study_filter.min_level is not None or study_filter.max_level is not None:
        parts.append(f"level{study_filter.min_level or 1}to{study_filter.max_level or 5}")
    if study_filter.text:
        parts.append("text")
    name = "-".join(part.replace("_", "-") for part in parts)[:NAME_PART_CHARS].strip("-")
    return "microneedling-evidence" + (f"-{name}" if name else "")


def summary_file_name(study_filter: StudyFilter, what: str) -> str:
    """A summary's CSV name, with the filter and the date as the data files have them:
    ``microneedling-evidence-rct-summary-by-design-2026-12-02.csv``."""
    return FORMATS["csv"].filename(f"{file_stem(study_filter)}-{what}")


def pairs_csv(evidence_map: pd.DataFrame) -> bytes:
    """The evidence map, one row a pair and each number in a column of its own: the
    on-screen table's "2 (level 2; 1 retracted)" cells cannot be summed or pivoted."""
    pairs = evidence_map[["intervention", "outcome", "studies", "best_level", "retracted"]]
    return _csv_bytes(pairs.rename(columns={"best_level": "best_evidence_level"}))


def _download_buttons(source: common.DataSource, study_filter: StudyFilter, formats: tuple[
        str, ...], *, sort: str, count: int) -> None:
    stem = file_stem(study_filter)
    for column, fmt in zip(st.columns(len(formats)), formats, strict=True):
        export_format = FORMATS[fmt]
        column.download_button(
            f"Download {FORMAT_LABELS[fmt]}", _export_file(source, study_filter, fmt, sort),
            file_name=export_format.filename(stem), mime=export_format.media_type,
            key=f"export_{fmt}", disabled=count == 0, on_click="ignore")


def _csv_bytes(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    return frame.to_csv(index=index).encode("utf-8")


def render() -> None:
    source = common.connect()
    study_filter = common.sidebar_filters(source)
    st.title("Export")
    count = int(source.query(queries.count_studies, study_filter))
    st.markdown(f"**{common.count_of(count)}** · filters: {common.describe_filter(study_filter)}")
    if count == 0:
        st.warning("No study matches these filters, so there is nothing to download. Widen "
                   "them in the sidebar.")
        common.footer(source, study_filter)
        return
    sort = st.session_state.get(KEPT_SORT) or st.query_params.get(SORT_PARAM) or "year"
    sort = sort if sort in SORT_LABELS else "year"
    if sort != "year":  # in the address too, so a shared link exports in the same order
        st.query_params[SORT_PARAM] = sort
    common.off_topic_note(source, study_filter, count, "The files hold")
    common.undated_note(source, study_filter)
    st.caption(f"In the Studies page's order ({SORT_LABELS[sort].lower()}). Data files carry "
               "every field of CONTRACT.md plus the evidence line; XLSX adds an About sheet "
               "with the filters, date and tagger version.")

    st.header("Studies")
    _download_buttons(source, study_filter, DATA_FORMATS, sort=sort, count=count)
    st.header("References")
    st.caption("For reference managers: each reference carries its PMID, DOI and the "
               "evidence line as a note.")
    _download_buttons(source, study_filter, REFERENCE_FORMATS, sort=sort, count=count)

    st.header("Summary by design")
    by_design = source.query(queries.summary_by_design, study_filter)
    st.dataframe(by_design, hide_index=True, width="stretch", key="summary_design",
                 column_config={
                     "design": "Design", "evidence_level": "Level", "studies": "Studies",
                     "with_sample_size": "With n stated", "participants": "Participants",
                     "first_year": st.column_config.NumberColumn("First year", format="%d"),
                     "last_year": st.column_config.NumberColumn("Last year", format="%d"),
                     "retracted": "Retracted"})
    st.download_button("Download summary by design (CSV)", _csv_bytes(by_design),
                       file_name=summary_file_name(study_filter, "summary-by-design"),
                       mime="text/csv", key="export_summary_design", on_click="ignore")

    st.header("Intervention by outcome")
    st.caption("Studies with both, and their best evidence level (1 = strongest).")
    by_pair = source.query(queries.evidence_map_table, study_filter)
    st.dataframe(by_pair, width="stretch", key="summary_map")
    st.download_button("Download intervention by outcome (CSV, one row a pair)",
                       pairs_csv(source.query(queries.evidence_map, study_filter)),
                       file_name=summary_file_name(study_filter, "intervention-by-outcome"),
                       mime="text/csv", key="export_summary_map", on_click="ignore")
    common.footer(source, study_filter)


if __name__ == "__main__":
    render()
