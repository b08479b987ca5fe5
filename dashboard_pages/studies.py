"""Studies: the filtered, sortable list, and one study with the sentences behind its tags."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd
import streamlit as st

from dashboard_pages import common
from evidence import queries
from evidence.citations import PUBMED_URL
from evidence.evidence_line import evidence_line
from evidence.labels import display_label, how_tagged, label
from evidence.queries import StudyFilter

DOI_URL: Final = "https://doi.org/{doi}"
PMC_URL: Final = "https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"
SORT_LABELS: Final = {"year": "Newest first", "level": "Best evidence first",
                      "n": "Largest first", "pmid": "PMID"}
#: Rows sent to the browser at once (a page): the table stays responsive with
#: 100,000 studies; later pages and the Export page reach the rest.
ROW_LIMITS: Final = (100, 500, 2000)
STUDY_PARAM: Final = "study"
SORT_PARAM: Final = "sort"
PAGE_PARAM: Final = "page"
ROWS_PARAM: Final = "rows"
#: Where the chosen sort and open study outlive a visit to another page (Streamlit
#: forgets the state of widgets a page does not draw); the Export page reads the sort.
KEPT_SORT: Final = "_study_sort_kept"
KEPT_STUDY: Final = "_study_open_kept"
CITE_PAGE: Final = "dashboard_pages/cite.py"
#: Tag kinds whose codes are TAGS.md codes (shown as labels); the others carry
#: a value ("102", "1.5-1.5") shown as it is.
CODED_KINDS: Final = frozenset({"design", "condition", "intervention", "device", "outcome"})
HIGHLIGHT_STYLE: Final = ("<style>.evidence mark{background:#F0E442;color:#000;"
                          "padding:0 1px;border-radius:2px}</style>")
#: The short columns a researcher filters on first, so that they stay in view on a
#: laptop screen; the title and the lists after them.
TABLE_ORDER: Final = ("pmid", "year", "design", "evidence_level", "sample_size", "title",
                      "outcomes", "interventions", "needle_depth", "sessions",
                      "follow_up_weeks", "relevant", "retracted")
#: The table's numbers read from the text; each may be unstated.
NUMBER_COLUMNS: Final = ("sample_size", "needle_depth", "sessions", "follow_up_weeks")
TABLE_COLUMNS: Final = {
    "pmid": st.column_config.TextColumn("PMID", width="small", pinned=True),
    "year": st.column_config.NumberColumn("Year", format="%d", width="small"),
    "title": st.column_config.TextColumn("Title", width="large"),
    "design": st.column_config.TextColumn("Design"),
    "evidence_level": st.column_config.NumberColumn("Level", width="small",
                                                    help="1 = strongest (Oxford CEBM style)"),
    "sample_size": st.column_config.NumberColumn("n", width="small"),
    "outcomes": st.column_config.TextColumn("Outcomes"),
    "interventions": st.column_config.TextColumn("Interventions"),
    "needle_depth": st.column_config.TextColumn("Depth", width="small"),
    "sessions": st.column_config.NumberColumn("Sessions", width="small"),
    "follow_up_weeks": st.column_config.NumberColumn("Weeks", width="small",
                                                     help="Follow-up, in weeks"),
    "relevant": st.column_config.CheckboxColumn(
        "On topic", width="small", help="About microneedling for hair loss (the tagger's "
                                        "reading; the study view shows the sentence)"),
    "retracted": st.column_config.CheckboxColumn("Retracted", width="small"),
}


#: The numbers' tags as the study view names them above: (name, unit).
NUMBER_KINDS: Final = {"sample_size": ("Participants (n)", ""),
                       "needle_depth_mm": ("Needle depth", " mm"),
                       "sessions": ("Sessions", ""), "follow_up_weeks": ("Follow-up", " weeks")}


def tag_label(kind: str, code: str) -> str:
    """How a tag reads next to its sentence: ``"Outcome: hair density"``, ``"Needle depth:
    0.5-1.5 mm"``."""
    if kind in CODED_KINDS:
        return f"{display_label(kind)}: {label(code)}"
    if kind == "relevant":
        return "About microneedling for hair loss" if code == "true" else "Off-topic"
    if kind in NUMBER_KINDS:
        name, unit = NUMBER_KINDS[kind]
        low, _, high = code.partition("-")
        value = low if low == high else code  # a depth "1.5-1.5" is 1.5
        return f"{name}: {value}{unit}"
    return f"{display_label(kind.replace('_', ' '))}: {code}"


def _select_row(key: str) -> None:
    """Row clicked in the table: open that study (runs before the script reruns)."""
    selection = st.session_state[key].selection
    shown: list[str] = st.session_state.get("_table_pmids", [])
    if selection.rows and selection.rows[0] < len(shown):
        st.session_state["study_pick"] = shown[selection.rows[0]]


def table_key(study_filter: StudyFilter, sort: str, limit: int, page: int) -> str:
    """The table widget's key: a new one for other rows (filter, sort, page), so a
    ticked row or a column-heading sort of the old rows does not carry over to them."""
    state = st.session_state
    wanted = (study_filter, sort, limit, page)
    if state.get("_table_rows") != wanted:
        state["_table_rows"] = wanted
        state["_table_version"] = state.get("_table_version", -1) + 1
    version = state["_table_version"]
    state["_table_key"] = key = "study_table" if version == 0 else f"study_table_{version}"
    return key


#: The address as the run found it, before the sidebar wrote its filters into it.
Address = Mapping[str, Sequence[str]]


def _moved(address: Address, param: str, written_key: str) -> bool:
    """Whether the address's ``param`` is not what this session last wrote there: Back or
    Forward (or an edited address) moved it, and the view follows. An address emptied by
    a page switch (Streamlit clears the query string) moves nothing; an empty one on the
    page the last run drew is Back to its bare address."""
    state = st.session_state
    if written_key not in state or (not address and not common.same_page_as_before()):
        return False
    value = address.get(param)
    return (value[0] if value else None) != state[written_key]


def _sort_choice(address: Address) -> str:
    state = st.session_state
    wanted = st.query_params.get(SORT_PARAM) or state.get(KEPT_SORT)
    if "study_sort" not in state:
        state["study_sort"] = wanted if wanted in SORT_LABELS else "year"
    elif _moved(address, SORT_PARAM, "_sort_written"):
        linked = (address.get(SORT_PARAM) or ["year"])[0]
        state["study_sort"] = linked if linked in SORT_LABELS else "year"
    sort = str(st.selectbox("Sort by", list(SORT_LABELS), format_func=SORT_LABELS.__getitem__,
                            key="study_sort"))
    state[KEPT_SORT] = sort
    return sort


def _linked_number(name: str, allowed: range | tuple[int, ...], default: int) -> int:
    """A number from the address (a shared link), when it is one of ``allowed``."""
    raw = st.query_params.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) in allowed else default


def _limit_choice() -> int:
    state = st.session_state
    if "study_limit" not in state:
        state["study_limit"] = _linked_number(ROWS_PARAM, ROW_LIMITS, ROW_LIMITS[0])
    limit = int(st.selectbox("Rows per page", ROW_LIMITS, key="study_limit"))
    if limit == ROW_LIMITS[0]:
        st.query_params.pop(ROWS_PARAM, None)
    else:
        st.query_params[ROWS_PARAM] = str(limit)
    return limit


def _linked_page(pages: int) -> int:
    """A shared link's page; one beyond the last (the studies have changed since the
    link was made) opens the last, and says so."""
    raw = st.query_params.get(PAGE_PARAM, "")
    if not raw.isdigit() or int(raw) < 1:
        return 1
    if int(raw) > pages:
        st.warning(f"The link asked for page {int(raw):,}, but these studies fill "
                   f"{pages:,} {'page' if pages == 1 else 'pages'}: showing the last.")
        return pages
    return int(raw)


def _page_choice(total: int, limit: int, rows: tuple[Any, ...], address: Address) -> int:
    """The page of rows to show (1-based): the first again when ``rows`` (the filter,
    sort and page size) change, never beyond the last; a shared link's page on arrival."""
    pages = max(1, math.ceil(total / limit))
    state = st.session_state
    if state.get("_paged_rows") != rows:
        arriving = "_paged_rows" not in state
        state["_paged_rows"] = rows
        state["study_page"] = _linked_page(pages) if arriving else 1
    elif _moved(address, PAGE_PARAM, "_page_written"):
        linked = (address.get(PAGE_PARAM) or ["1"])[0]
        state["study_page"] = min(int(linked), pages) if linked.isdigit() and int(linked) else 1
    elif state.get("study_page", 1) > pages:
        state["study_page"] = pages
    page = 1 if pages == 1 else int(st.number_input(
        f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key="study_page"))
    if page == 1:
        st.query_params.pop(PAGE_PARAM, None)
    else:
        st.query_params[PAGE_PARAM] = str(page)
    state["_page_written"] = None if page == 1 else str(page)
    return page


def _table(source: common.DataSource, study_filter: StudyFilter, total: int,
           address: Address) -> pd.DataFrame:
    left, middle, right = st.columns(3)
    with left:
        sort = _sort_choice(address)
    with middle:
        limit = _limit_choice()
    with right:
        page = _page_choice(total, limit, (study_filter, sort, limit), address)
    if sort == "year":
        st.query_params.pop(SORT_PARAM, None)
    else:
        st.query_params[SORT_PARAM] = sort
    st.session_state["_sort_written"] = None if sort == "year" else sort
    offset = (page - 1) * limit
    table: pd.DataFrame = source.query(queries.study_table, study_filter, sort=sort,
                                       limit=limit, offset=offset)
    st.session_state["_table_pmids"] = list(table["pmid"])
    if total > len(table):
        st.caption(f"Rows {offset + 1:,}-{offset + len(table):,} of {total:,} studies "
                   f"({SORT_LABELS[sort].lower()}); the Export page downloads all of them. "
                   "Click a column heading to re-sort the rows shown.")
    key = table_key(study_filter, sort, limit, page)
    st.dataframe(table, hide_index=True, width="stretch", column_config=TABLE_COLUMNS,
                 column_order=TABLE_ORDER,
                 on_select=functools.partial(_select_row, key), selection_mode="single-row",
                 key=key)
    unstated = table[list(NUMBER_COLUMNS)].isna().any(axis=None)
    if unstated:
        st.caption("None: the title and abstract do not state that number.")
    return table


def _pick_study(table: pd.DataFrame, address: Address) -> str | None:
    """The study to show: picked here, clicked in the table, or named in the URL."""
    titles: dict[str, str] = dict(zip(table["pmid"], table["title"], strict=True))
    wanted = st.query_params.get(STUDY_PARAM)
    state = st.session_state
    if "study_pick" not in state and state.get(KEPT_STUDY):  # back from another page
        state["study_pick"] = state[KEPT_STUDY]
    if wanted and wanted != state.get("_study_written"):
        state["study_pick"] = wanted
    elif not wanted and _moved(address, STUDY_PARAM, "_study_written"):
        state["study_pick"] = None  # Back to the list before a study was opened
    options: list[str] = list(titles)
    current = state.get("study_pick")
    if current and current not in titles:
        options.insert(0, current)  # a linked study outside the current list still opens
    elif current is None and "study_pick" in state:
        del state["study_pick"]

    def describe(pmid: str) -> str:
        title = titles.get(pmid, "")
        return f"PMID {pmid} · {title[:100]}" if title else f"PMID {pmid}"

    pmid = st.selectbox("Open a study", options, index=None, key="study_pick",
                        format_func=describe, placeholder="Choose a study or click a row")
    if pmid:
        st.query_params[STUDY_PARAM] = pmid
    elif STUDY_PARAM in st.query_params:
        del st.query_params[STUDY_PARAM]
    state["_study_written"] = state[KEPT_STUDY] = pmid
    return pmid


def _links(record: Mapping[str, Any]) -> None:
    links = [f"[PubMed]({PUBMED_URL.format(pmid=record['pmid'])})"]
    if record.get("doi"):
        links.append(f"[DOI {record['doi']}]({DOI_URL.format(doi=record['doi'])})")
    if record.get("pmcid"):
        links.append(f"[{record['pmcid']}]({PMC_URL.format(pmcid=record['pmcid'])})")
    st.markdown(" · ".join(links))


def _protocol(record: Mapping[str, Any], sentences: Mapping[str, str]) -> None:
    """The four numbers, each over the sentence it was read from (``sentences``: tag kind
    to sentence), so a number quoted to a patient can be checked where it stands."""
    depth = record.get("needle_depth_mm")
    depth = (queries.depth_text(*depth) if depth else None) or "—"
    weeks = record.get("follow_up_weeks")
    n = record.get("sample_size")
    numbers = (("sample_size", "Participants (n)", f"{n:,}" if n else "—"),
               ("needle_depth_mm", "Needle depth", depth),
               ("sessions", "Sessions", record.get("sessions") or "—"),
               ("follow_up_weeks", "Follow-up", f"{weeks:g} weeks" if weeks else "—"))
    for column, (kind, title, value) in zip(st.columns(4), numbers, strict=True):
        column.metric(title, value)
        if kind in sentences:
            column.caption("From: “" + common.markdown_escape(sentences[kind]) + "”")


def _codes(record: Mapping[str, Any]) -> None:
    level = record.get("evidence_level")
    lines = [f"**Design:** {display_label(record['design'])} (evidence level {level})"]
    for key, title in (("conditions", "Conditions"), ("interventions", "Interventions"),
                       ("devices", "Devices"), ("outcomes", "Outcomes")):
        codes = record.get(key) or []
        lines.append(f"**{title}:** " + (", ".join(label(code) for code in codes) or "none tagged"))
    if record.get("trial_ids"):
        lines.append("**Trial registration:** " + ", ".join(record["trial_ids"]))
    st.markdown("  \n".join(lines))


def study_view(source: common.DataSource, pmid: str) -> None:
    """One study: warning if retracted, links, tags, numbers, and highlighted text."""
    records = source.query(queries.records_by_pmid, (pmid,))
    record = records.get(pmid)
    if record is None:
        st.warning(f"PMID {pmid} is not in the database.")
        return
    with source.database.session() as session:
        tags = [(tag.kind, tag.code, tag.source, tag.start, tag.end, tag.sentence, tag.rule)
                for tag in queries.study_tags(session, pmid)]

    if record["retracted"]:
        st.error("⚠️ **This study has been retracted.** Do not rely on its results; it is "
                 "listed so that citations of it can be recognised.", icon="🚫")
    st.header(common.markdown_escape(record["title"]) or f"PMID {pmid}")
    if record.get("vernacular_title"):  # PubMed's title is then its English translation
        st.caption("Original title: " + common.markdown_escape(record["vernacular_title"]))
    byline = ", ".join(record["authors"][:6]) + (" et al." if len(record["authors"]) > 6 else "")
    source_line = " ".join(str(part) for part in (record.get("journal_abbrev")
                                                  or record.get("journal"), record.get("year"))
                           if part)
    st.caption(" · ".join(part for part in (byline, source_line, f"PMID {pmid}") if part))
    _links(record)
    st.page_link(CITE_PAGE, label="Cite this study", icon=":material/format_quote:",
                 query_params={"cite": pmid})
    st.info(evidence_line(record))
    _protocol(record, {kind: sentence for kind, _code, _where, _start, _end, sentence, _rule
                       in reversed(tags)})
    _codes(record)

    spans: dict[str, list[common.Span]] = {"title": [], "abstract": []}
    for kind, code, where, start, end, _sentence, _rule in tags:
        if where in spans:
            spans[where].append(common.Span(start, end, tag_label(kind, code)))
    st.markdown("### Title and abstract")
    st.caption("Highlighted: the sentences the tagger read each tag from (hover to see which).")
    body = (f"<p><strong>{common.highlight_html(record['title'], spans['title'])}</strong></p>"
            + (f"<p>{common.highlight_html(record['abstract'], spans['abstract'])}</p>"
               if record["abstract"] else "<p><em>No abstract in PubMed.</em></p>"))
    st.html(f'{HIGHLIGHT_STYLE}<div class="evidence">{body}</div>')

    if tags:
        st.markdown("### Why each tag")
        st.caption("Each tag with the whole sentence it was read from, where it stands "
                   "and how it was read.")
        st.markdown("\n".join(
            f"- **{common.markdown_escape(tag_label(kind, code))}** "
            f"({where.replace('_', ' ')}, {how_tagged(rule)}): "
            f"“{common.markdown_escape(sentence)}”"
            for kind, code, where, _start, _end, sentence, rule in tags))


def render() -> None:
    source = common.connect()
    address = {key: st.query_params.get_all(key) for key in st.query_params}
    study_filter = common.sidebar_filters(source)
    st.title("Studies")
    total = int(source.query(queries.count_studies, study_filter))
    st.caption(f"{common.count_of(total)} {'matches' if total == 1 else 'match'}: "
               f"{common.describe_filter(study_filter)}")
    common.off_topic_note(source, study_filter, total, "The table lists")
    common.undated_note(source, study_filter)
    if total == 0:
        st.warning("No study matches these filters. Widen them in the sidebar.")
        table = pd.DataFrame(columns=list(queries.STUDY_TABLE_COLUMNS))
    else:
        table = _table(source, study_filter, total, address)
    pmid = _pick_study(table, address)
    if pmid:
        if pmid not in set(table["pmid"]) and not study_filter.is_empty() and \
                not source.query(queries.study_matches, study_filter, pmid):
            st.info(f"PMID {pmid} is not one of the studies these filters match (the link "
                    "or an earlier choice opened it); the table above lists those.")
        study_view(source, pmid)
    common.footer(source, study_filter)


if __name__ == "__main__":
    render()
