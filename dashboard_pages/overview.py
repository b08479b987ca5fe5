"""Overview: headline figures, the literature over time, the evidence pyramid,
outcome frequency, and the evidence map whose cells open the filtered list."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import altair as alt
import pandas as pd
import streamlit as st

from dashboard_pages import common
from evidence import queries
from evidence.labels import DESIGN_LABELS, INTERVENTION_LABELS, OUTCOME_LABELS, display_label
from evidence.queries import StudyFilter

#: Paul Tol's "muted" qualitative scheme: ten colours distinguishable under the
#: common colour-vision deficiencies (https://personal.sron.nl/~pault/), one per
#: design, in TAGS.md order so a design keeps its colour in every chart.
TOL_MUTED: Final = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                    "#CC6677", "#882255", "#AA4499", "#DDDDDD")
#: Okabe & Ito's colour-blind-safe palette, for the five evidence levels.
OKABE_ITO: Final = ("#0072B2", "#009E73", "#E69F00", "#CC79A7", "#999999")
#: The single colour of one-series charts (Okabe-Ito blue).
BAR_COLOUR: Final = OKABE_ITO[0]
CHART_HEIGHT: Final = 320
# Pixels per intervention row of the evidence map, room for its label.
MAP_ROW_HEIGHT: Final = 34
STUDIES_PAGE: Final = "dashboard_pages/studies.py"

DESIGN_SCALE: Final = alt.Scale(domain=list(DESIGN_LABELS.values()), range=list(TOL_MUTED))
LEVEL_SCALE: Final = alt.Scale(domain=[1, 2, 3, 4, 5], range=list(OKABE_ITO))


def _headline(source: common.DataSource, study_filter: StudyFilter) -> None:
    figures: queries.Headline = source.query(queries.headline, study_filter)
    years = (f"{figures.min_year}–{figures.max_year}" if figures.min_year is not None
             else "—")
    first, second = st.columns(3), st.columns(3)
    first[0].metric("Studies", f"{figures.studies:,}")
    first[1].metric("RCTs", f"{figures.rcts:,}")
    first[2].metric("Meta-analyses & systematic reviews", f"{figures.meta_analyses:,}",
                    help="Systematic reviews with or without pooled estimates (level 1).")
    second[0].metric("Participants", f"{figures.participants:,}",
                     help="Sum of the stated sample sizes; reviews count their pooled total, "
                          "so a trial inside a review may be counted twice.")
    second[1].metric("Years", years)
    second[2].metric("Last update", common.format_date(figures.last_update))
    if figures.retracted:
        some = "studies is" if figures.retracted == 1 else "studies are"
        st.warning(f"{figures.retracted:,} of these {some} retracted. Every figure and the "
                   "evidence map count them (marked there) until you tick 'Exclude retracted "
                   "studies'.", icon="🚫")
    common.off_topic_note(source, study_filter, figures.studies, "The figures count")
    common.undated_note(source, study_filter)


def per_year_chart(frame: pd.DataFrame) -> alt.Chart:
    """Studies per publication year, stacked by design. Every year of the range has its
    place, with or without studies: an axis of only the years that have some would
    space 1976, 1990 and 2001 evenly and smooth the growth away."""
    years = (list(range(int(frame["year"].min()), int(frame["year"].max()) + 1))
             if not frame.empty else [])
    return alt.Chart(frame, title="Studies per year, by design").mark_bar().encode(
        x=alt.X("year:O", title="Publication year", scale=alt.Scale(domain=years),
                axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("sum(studies):Q", title="Studies", axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color("design_label:N", title="Design", scale=DESIGN_SCALE),
        order=alt.Order("design_order:Q"),
        tooltip=[alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("design_label:N", title="Design"),
                 alt.Tooltip("studies:Q", title="Studies")],
    ).transform_calculate(
        design_order=f"indexof({list(DESIGN_LABELS.values())!r}, datum.design_label)",
    ).properties(height=CHART_HEIGHT, description=_per_year_text(frame))


def _per_year_text(frame: pd.DataFrame) -> str:
    """What the per-year chart shows, in words: its text alternative (screen readers
    read a chart's description; without one they hear only "Vega visualization")."""
    if frame.empty:
        return "Studies per year: none."
    by_year = frame.groupby("year")["studies"].sum()
    peak = int(by_year.idxmax())
    return (f"Studies per publication year, {int(by_year.index.min())} to "
            f"{int(by_year.index.max())}: {int(by_year.sum()):,} studies, most in {peak} "
            f"({int(by_year.max()):,}).")


def pyramid_chart(frame: pd.DataFrame) -> alt.Chart:
    """The evidence pyramid: one centred bar per level, level 1 at the top."""
    frame = frame.assign(left=-frame["studies"] / 2, right=frame["studies"] / 2,
                         level_name="Level " + frame["level"].astype(str))
    base = alt.Chart(frame, title="Evidence pyramid (level 1 = strongest)")
    y = alt.Y("level_name:N", title="Evidence level", sort=None)
    bars = base.mark_bar().encode(
        x=alt.X("left:Q", title="Studies (bar width)", axis=alt.Axis(labels=False, ticks=False)),
        x2="right:Q", y=y,
        color=alt.Color("level:O", title="Level", scale=LEVEL_SCALE, legend=None),
        tooltip=[alt.Tooltip("level_name:N", title="Level"),
                 alt.Tooltip("designs:N", title="Designs"),
                 alt.Tooltip("studies:Q", title="Studies")],
    )
    text = base.mark_text(align="left", dx=4).encode(
        x="right:Q", y=y, text=alt.Text("studies:Q"))
    words = "; ".join(f"level {level}: {studies:,}"
                      for level, studies in zip(frame["level"], frame["studies"], strict=True))
    return (bars + text).properties(height=CHART_HEIGHT,
                                    description=f"Evidence pyramid, studies by level: {words}.")


def outcome_chart(frame: pd.DataFrame) -> alt.Chart:
    """How many studies measured each outcome, most frequent first."""
    frame = frame.assign(outcome_name=frame["outcome_label"].map(
        lambda text: text[:1].upper() + text[1:]))
    return alt.Chart(frame, title="Outcomes measured").mark_bar(color=BAR_COLOUR).encode(
        x=alt.X("studies:Q", title="Studies", axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("outcome_name:N", title="Outcome", sort="-x"),
        tooltip=[alt.Tooltip("outcome_name:N", title="Outcome"),
                 alt.Tooltip("studies:Q", title="Studies")],
    ).properties(height=CHART_HEIGHT, description="Outcomes measured, studies each: " + "; ".join(
        f"{name}: {studies:,}" for name, studies in frame.sort_values(
            "studies", ascending=False)[["outcome_name", "studies"]].itertuples(index=False))
        + ".")


def evidence_map_chart(frame: pd.DataFrame) -> alt.Chart:
    """Intervention x outcome: colour is the best level, the number is the studies."""
    frame = frame.assign(
        intervention_name=frame["intervention_label"].map(display_label_text),
        outcome_name=frame["outcome_label"].map(display_label_text))
    x_order = [display_label_text(text) for text in OUTCOME_LABELS.values()]
    y_order = [display_label_text(text) for text in INTERVENTION_LABELS.values()]
    base = alt.Chart(frame, title="Evidence map: studies and best evidence level")
    x = alt.X("outcome_name:N", title="Outcome", sort=x_order,
              axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=160))
    # Every row keeps its label: Vega-Lite's default drops labels it finds crowded.
    y = alt.Y("intervention_name:N", title="Intervention", sort=y_order,
              axis=alt.Axis(labelOverlap=False, labelLimit=160))
    cells = base.mark_rect().encode(
        x=x, y=y, color=alt.Color("best_level:O", title="Best level", scale=LEVEL_SCALE),
        tooltip=[alt.Tooltip("intervention_name:N", title="Intervention"),
                 alt.Tooltip("outcome_name:N", title="Outcome"),
                 alt.Tooltip("studies:Q", title="Studies"),
                 alt.Tooltip("best_level:O", title="Best level"),
                 alt.Tooltip("retracted:Q", title="Of them retracted")])
    numbers = base.mark_text(color="white", fontWeight="bold").encode(
        x=x, y=y, text=alt.Text("studies:Q"))
    rows = frame["intervention_name"].nunique()
    return (cells + numbers).properties(
        height=max(CHART_HEIGHT, MAP_ROW_HEIGHT * rows),
        description=f"Evidence map: {len(frame):,} intervention and outcome pairs with "
                    "studies; the buttons below name each pair with its number of studies "
                    "and best evidence level.")


def display_label_text(text: str) -> str:
    return text[:1].upper() + text[1:]


def map_cell_label(outcome: str, studies: int, best_level: int, retracted: int) -> str:
    """A map button's label, whole: "Hair count: 5 · L1 · 1 retracted"."""
    marked = f" · {retracted} retracted" if retracted else ""
    return f"{display_label(outcome)}: {studies} · L{best_level}{marked}"


def _evidence_map_links(frame: pd.DataFrame, study_filter: StudyFilter) -> None:
    """One button per non-empty cell, an intervention's in a row that wraps (a grid of
    nine narrow columns cut "10 · L2" to "1" on a laptop); a button adds the pair to the
    filters and opens Studies."""
    outcomes = [code for code in OUTCOME_LABELS if code in set(frame["outcome"])]
    interventions = [code for code in INTERVENTION_LABELS if code in set(frame["intervention"])]
    cells = {(row.intervention, row.outcome): row for row in frame.itertuples(index=False)}
    for intervention in interventions:
        st.markdown(f"**{display_label(intervention)}**")
        with st.container(horizontal=True, wrap=True):
            for outcome in outcomes:
                cell = cells.get((intervention, outcome))
                if cell is None:
                    continue
                clicked = st.button(
                    map_cell_label(outcome, cell.studies, cell.best_level, cell.retracted),
                    key=f"map_{intervention}_{outcome}",
                    help=(f"{cell.studies} {'study' if cell.studies == 1 else 'studies'} of "
                          f"{display_label(intervention)} reporting {OUTCOME_LABELS[outcome]};"
                          f" best evidence level {cell.best_level}"
                          + (f"; {cell.retracted} of them retracted" if cell.retracted else "")
                          + ". Click to list them."))
                if clicked:
                    target = replace(
                        study_filter,
                        interventions=tuple(dict.fromkeys((*study_filter.interventions,
                                                           intervention))),
                        outcomes=tuple(dict.fromkeys((*study_filter.outcomes, outcome))))
                    common.open_filtered(STUDIES_PAGE, target)


def render() -> None:
    source = common.connect()
    study_filter = common.sidebar_filters(source)
    st.title(common.APP_TITLE)
    st.caption(f"Filters: {common.describe_filter(study_filter)}")
    _headline(source, study_filter)
    if source.query(queries.count_studies, study_filter) == 0:
        st.warning("No study matches these filters. Widen them in the sidebar.")
        common.footer(source, study_filter)
        return

    left, right = st.columns(2)
    with left:
        per_year = source.query(queries.studies_per_year, study_filter)
        st.altair_chart(per_year_chart(per_year), width="stretch")
        undated = source.query(queries.count_studies, study_filter) - int(per_year["studies"].sum())
        if undated:  # the headline counts them; say why the bars add up to fewer
            studies = "study has" if undated == 1 else "studies have"
            st.caption(f"Not in this chart: {undated:,} {studies} no publication year "
                       "in PubMed.")
    with right:
        st.altair_chart(pyramid_chart(source.query(queries.pyramid_counts, study_filter)),
                        width="stretch")

    left, right = st.columns(2)
    with left:
        frequency = source.query(queries.outcome_frequency, study_filter)
        if frequency.empty:
            st.info("No outcome is tagged in these studies.")
        else:
            st.altair_chart(outcome_chart(frequency), width="stretch")
    with right:
        cells = source.query(queries.evidence_map, study_filter)
        if cells.empty:
            st.info("No study here has both an intervention and an outcome tagged.")
        else:
            st.altair_chart(evidence_map_chart(cells), width="stretch")

    if not cells.empty:
        st.header("Open a cell of the evidence map")
        st.caption("Each button names an outcome, the number of studies of the intervention "
                   "above it that report it, and their best evidence level (L1 = strongest); "
                   "it adds that intervention and outcome to the filters and lists the "
                   "studies.")
        _evidence_map_links(cells, study_filter)
    common.footer(source, study_filter)


if __name__ == "__main__":
    render()
