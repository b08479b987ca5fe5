"""Cite: pick studies, copy AMA, APA or Vancouver references, download BibTeX or RIS.

Every reference carries its evidence line ("RCT, n=100; microneedling,
minoxidil; hair count") unless the user leaves it out, so a citation pasted
into a note still says what kind of evidence it is. AMA and Vancouver lists
are numbered in the order chosen, as those styles cite.
"""

from __future__ import annotations

import re
from typing import Final

import streamlit as st

from dashboard_pages import common
from evidence import queries
from evidence.citations import STYLES, format_citations
from evidence.exports import FORMATS, ExportInfo, export_bytes
from evidence.tagging import TAGGER_VERSION

STYLE_NAMES: Final = {"ama": "AMA", "apa": "APA", "vancouver": "Vancouver"}
#: Styles whose reference lists are numbered in the order cited (APA's is alphabetical).
NUMBERED_STYLES: Final = frozenset({"ama", "vancouver"})
FILE_FORMATS: Final = ("bibtex", "ris")
FILE_LABELS: Final = {"bibtex": "BibTeX", "ris": "RIS"}
#: Studies offered in the picker, best evidence first; more are reachable by PMID.
PICKER_LIMIT: Final = 500
PMID_PATTERN: Final = re.compile(r"\d{1,9}")
CITE_PARAM: Final = "cite"
STYLE_PARAM: Final = "style"
EVIDENCE_PARAM: Final = "evidence"
#: Where the chosen style outlives a visit to another page (Streamlit forgets the state
#: of widgets a page does not draw).
KEPT_STYLE: Final = "_cite_style_kept"
KEPT_EVIDENCE: Final = "_cite_evidence_kept"


def _typed_pmids(text: str) -> list[str]:
    return list(dict.fromkeys(PMID_PATTERN.findall(text)))


def render() -> None:
    source = common.connect()
    study_filter = common.sidebar_filters(source)
    st.title("Cite")
    st.caption("Pick studies from the filtered list (best evidence first) or type PMIDs.")
    table = source.query(queries.study_table, study_filter, sort="level", limit=PICKER_LIMIT)
    titles = dict(zip(table["pmid"], table["title"], strict=True))
    state = st.session_state
    if "cite_pick" not in state:  # a shared link: its PMIDs, whatever the filter lists
        linked = list(dict.fromkeys(st.query_params.get_all(CITE_PARAM)))
        state["cite_pick"] = [pmid for pmid in linked if pmid in titles]
        if "cite_typed" not in state:  # the others stay, typed, rather than vanish
            state["cite_typed"] = ", ".join(pmid for pmid in linked if pmid not in titles)
    picked = st.multiselect(
        "Studies", list(titles), key="cite_pick",
        format_func=lambda pmid: f"PMID {pmid} · {titles.get(pmid, '')[:100]}")
    typed = _typed_pmids(st.text_input("…or PMIDs", key="cite_typed",
                                       placeholder="e.g. 90000001, 90000011"))
    wanted = list(dict.fromkeys([*picked, *typed]))
    st.query_params[CITE_PARAM] = wanted
    if "cite_style" not in state:  # a shared link opens in the sender's style
        linked_style = (st.query_params.get(STYLE_PARAM) or "").lower()  # "Vancouver" too
        state["cite_style"] = (linked_style if linked_style in STYLES
                               else state.get(KEPT_STYLE, STYLES[0]))
    style = st.radio("Style", STYLES, format_func=STYLE_NAMES.__getitem__, horizontal=True,
                     key="cite_style")
    state[KEPT_STYLE] = style
    if style == STYLES[0]:
        st.query_params.pop(STYLE_PARAM, None)
    else:
        st.query_params[STYLE_PARAM] = style
    if "cite_evidence" not in state:
        linked = st.query_params.get(EVIDENCE_PARAM)
        state["cite_evidence"] = linked != "0" if linked is not None else state.get(
            KEPT_EVIDENCE, True)
    with_evidence = st.checkbox(
        "Evidence line under each reference", key="cite_evidence",
        help="Design, n, arms and outcomes, as tagged (the command line's --no-evidence "
             "leaves it out too)")
    state[KEPT_EVIDENCE] = with_evidence
    if with_evidence:
        st.query_params.pop(EVIDENCE_PARAM, None)
    else:
        st.query_params[EVIDENCE_PARAM] = "0"

    if not wanted:
        st.info("Choose at least one study.")
        common.footer(source, study_filter)
        return
    found = source.query(queries.records_by_pmid, tuple(wanted))
    missing = [pmid for pmid in wanted if pmid not in found]
    if missing:
        st.warning("Not in the database: " + ", ".join(f"PMID {pmid}" for pmid in missing))
    records = [found[pmid] for pmid in wanted if pmid in found]
    if not records:
        common.footer(source, study_filter)
        return

    references = format_citations(records, style, with_evidence=with_evidence)
    if style in NUMBERED_STYLES:  # numbered in the order chosen, as they will be cited
        references = [f"{number}. {text}" for number, text in enumerate(references, 1)]
    text = "\n\n".join(references)
    st.header(f"{STYLE_NAMES[style]} references")
    st.caption("Copy with the button at the top right of the box, or download them as text.")
    st.code(text, language=None, wrap_lines=True)
    # The copy button shows on hover only and takes no keyboard focus: a button that does.
    st.download_button("Download as text", text.encode("utf-8"),
                       file_name=f"microneedling-citations-{style}.txt",
                       mime="text/plain", key="cite_text", on_click="ignore")

    info = ExportInfo(filters={"pmids": [record["pmid"] for record in records]},
                      tagger_version=TAGGER_VERSION)
    columns = st.columns(len(FILE_FORMATS))
    for column, name in zip(columns, FILE_FORMATS, strict=True):
        export_format = FORMATS[name]
        column.download_button(
            f"Download {FILE_LABELS[name]}", export_bytes(records, export_format, info),
            file_name=export_format.filename("microneedling-citations"),
            mime=export_format.media_type, key=f"cite_{name}", on_click="ignore")
    common.footer(source, study_filter)


if __name__ == "__main__":
    render()
