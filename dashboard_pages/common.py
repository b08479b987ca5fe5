"""What every dashboard page shares: the data source, cached queries, the
sidebar filters kept in the URL, the footer, and the first-run page.

Pages lay out widgets and call :mod:`evidence.queries` through
:meth:`DataSource.query`; nothing here knows SQL or tagging rules. The only
logic of its own is translating between a :class:`StudyFilter`, the sidebar
widgets and the URL's query string, so that a view can be shared.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import itertools
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, NoReturn

import streamlit as st

from evidence import queries
from evidence.db import Database, open_database, safe_url, sqlite_file
from evidence.errors import EvidenceError
from evidence.labels import (
    CONDITION_LABELS,
    DESIGN_LABELS,
    DEVICE_LABELS,
    INTERVENTION_LABELS,
    OUTCOME_LABELS,
    display_label,
)
from evidence.queries import StudyFilter
from evidence.search import (
    SearchTooLong,
    asks_nothing,
    or_beside_other_terms,
    parse_search,
    unread_field_tags,
)
from evidence.settings import DEFAULT_DB_URL, MAX_MIN_N, Settings

APP_TITLE: Final = "Microneedling for hair loss: evidence"
UPDATE_COMMAND: Final = "evidence ingest --since last"
IMPORT_COMMAND: Final = "evidence import FILE"
FIRST_RUN_COMMAND: Final = "evidence ingest"
#: Query results are kept for this many distinct (query, filter, data version)
#: keys: enough for a session's worth of filter changes on every page.
CACHE_ENTRIES: Final = 512

#: URL parameter -> (StudyFilter field, allowed codes). Names follow the CLI
#: flags of CONTRACT.md (``--design CODE`` -> ``?design=CODE``), so a shared
#: link reads like the equivalent export command.
LIST_PARAMS: Final[dict[str, tuple[str, Mapping[str, str]]]] = {
    "design": ("designs", DESIGN_LABELS),
    "outcome": ("outcomes", OUTCOME_LABELS),
    "intervention": ("interventions", INTERVENTION_LABELS),
    "condition": ("conditions", CONDITION_LABELS),
    "device": ("devices", DEVICE_LABELS),
}
INT_PARAMS: Final = {"min_year": "min_year", "max_year": "max_year", "min_n": "min_n",
                     "min_level": "min_level", "max_level": "max_level"}
FLAG_PARAMS: Final = {"relevant_only": "relevant_only", "exclude_retracted": "exclude_retracted"}
TEXT_PARAM: Final = "text"
FILTER_PARAMS: Final = frozenset({*LIST_PARAMS, *INT_PARAMS, *FLAG_PARAMS, TEXT_PARAM})
LEVELS: Final = (1, 2, 3, 4, 5)

# Session-state keys. Widget keys start with "flt_"; the rest are private.
_FILTER_STATE: Final = "_filter"
_PENDING_STATE: Final = "_pending_filter"
_URL_STATE: Final = "_url_written"
# The page this run draws, and the page the sidebar widgets were last drawn on.
_PAGE_STATE: Final = "_page_now"
_PAGE_BEFORE_STATE: Final = "_page_before"
_DRAWN_ON_STATE: Final = "_filters_drawn_on"


# --------------------------------------------------------------------------- data source

@st.cache_resource(show_spinner=False)
def _open(url: str) -> Database:
    """One engine per database URL for the whole server (migrates on first use)."""
    return open_database(url)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _cached(name: str, url: str, version: str, args: tuple[Any, ...],
            kwargs: tuple[tuple[str, Any], ...]) -> Any:
    """Run ``evidence.queries.<name>``; ``version`` is only in the key so new data misses."""
    del version
    function = getattr(queries, name)
    with _open(url).session() as session:
        return function(session, *args, **dict(kwargs))


@dataclass(frozen=True)
class DataSource:
    """The database behind this render, and the data version its caches are keyed on."""

    url: str
    version: str

    @property
    def database(self) -> Database:
        return _open(self.url)

    def query(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a :mod:`evidence.queries` function with a session, cached per data version.

        Results are reused until the data changes (the version is part of the
        key), which is what makes a filter change back to an earlier filter,
        or to another page with the same filter, instant.
        """
        if getattr(queries, function.__name__, None) is not function:
            raise ValueError(f"{function.__name__} is not a function of evidence.queries")
        return _cached(function.__name__, self.url, self.version, args,
                       tuple(sorted(kwargs.items())))

    @property
    def total(self) -> int:
        """Every stored study (unfiltered)."""
        return int(self.query(queries.count_studies))


def connect() -> DataSource:
    """Open the database named by EVIDENCE_DB_URL (or the default) and read its version.

    A database that cannot be opened stops the page with one clear line
    rather than a traceback.
    """
    url = Settings.from_sources().db_url
    path = sqlite_file(url)
    if path is not None and not path.exists() and url != DEFAULT_DB_URL:
        # A mistyped path: opening it would make an empty database (the dashboard would
        # write, and say "empty" of the wrong file). Only the default is made on first run.
        _stop_with(f"Cannot open the evidence database: no file at {path}. Check "
                   "EVIDENCE_DB_URL, or build the database first (evidence import --db URL "
                   "FILE, or evidence ingest --db URL).")
    try:
        database = _open(url)
        with database.session() as session:
            version = queries.data_version(session)
    except EvidenceError as exc:
        _stop_with(f"Cannot open the evidence database: {exc}")
    except Exception as exc:  # a driver error on a later query names no file; say which
        _stop_with(f"Cannot read the evidence database at {url}: {exc}".splitlines()[0])
    return DataSource(url=url, version=version)


def _stop_with(message: str) -> NoReturn:
    """Show ``message`` as the page's one error and end the script run.

    Under ``streamlit run``, ``st.stop()`` raises and the page ends there. Run
    bare (``python dashboard.py``) there is no script runner, ``st.stop()``
    returns, and the same line goes to stderr as the process's exit message.
    """
    st.error(message)
    st.stop()
    raise SystemExit(message)


# --------------------------------------------------------------------------- URL state

def filter_from_params(params: Mapping[str, Sequence[str]]) -> StudyFilter:
    """The filter a query string describes. Unknown codes and bad numbers are ignored,
    so an old or hand-edited link still opens (:func:`link_problems` says what was)."""
    values: dict[str, Any] = {}
    for name, (attribute, allowed) in LIST_PARAMS.items():
        # in any case, as the command line takes them ("design=RCT")
        codes = [code.lower() for code in params.get(name, ()) if code.lower() in allowed]
        if codes:
            values[attribute] = tuple(dict.fromkeys(codes))
    for name, attribute in INT_PARAMS.items():
        for raw in params.get(name, ())[-1:]:
            with contextlib.suppress(ValueError):
                values[attribute] = int(raw)
    for name, attribute in FLAG_PARAMS.items():
        if any(raw.lower() in ("1", "true", "yes", "on") for raw in params.get(name, ())):
            values[attribute] = True
    words = " ".join(params.get(TEXT_PARAM, ())).strip()
    if words:
        values["text"] = words
    return StudyFilter(**values)


def link_problems(params: Mapping[str, Sequence[str]], first_year: int, last_year: int
                  ) -> list[str]:
    """What in a link's query string the sidebar cannot show as it is, in words: a
    shared or hand-edited link that opens on other studies than it names must say so."""
    problems: list[str] = []
    for name, (_attribute, allowed) in LIST_PARAMS.items():
        unknown = [code for code in params.get(name, ()) if code.lower() not in allowed]
        if unknown:
            problems.append(f"{name} {', '.join(map(repr, unknown))} is not a code "
                            f"(see TAGS.md) and was left out")
    numbers: dict[str, int] = {}
    for name in INT_PARAMS:
        for raw in params.get(name, ())[-1:]:
            try:
                numbers[name] = int(raw)
            except ValueError:
                problems.append(f"{name} {raw!r} is not a whole number and was left out")
    # A bound beyond the stored years on its own side changes nothing (a link made to
    # include next year's studies); one past the other end would show other studies.
    for name, year, outside in (
            ("min_year", numbers.get("min_year"), lambda y: y > last_year),
            ("max_year", numbers.get("max_year"), lambda y: y < first_year)):
        if year is not None and outside(year):
            problems.append(f"{name} {year} is outside the stored years ({first_year}-"
                            f"{last_year}) and was moved to the nearest")
    for name in ("min_level", "max_level"):
        level = numbers.get(name)
        if level is not None and level not in LEVELS:
            problems.append(f"{name} {level} is not an evidence level (1-5) and was moved "
                            "to the nearest")
    min_n = numbers.get("min_n")
    if min_n is not None and not 0 <= min_n <= MAX_MIN_N:
        problems.append(f"min_n {min_n} was moved to the nearest of 0 and {MAX_MIN_N:,}")
    for low, high in (("min_year", "max_year"), ("min_level", "max_level")):
        if low in numbers and high in numbers and numbers[low] > numbers[high]:
            problems.append(f"{low} {numbers[low]} is above {high} {numbers[high]}: "
                            f"{high} was raised to it")
    return problems


def params_from_filter(study_filter: StudyFilter) -> dict[str, list[str]]:
    """The query string of a filter: only the parts that are set."""
    params: dict[str, list[str]] = {}
    for name, (attribute, _allowed) in LIST_PARAMS.items():
        codes = getattr(study_filter, attribute)
        if codes:
            params[name] = list(codes)
    for name, attribute in INT_PARAMS.items():
        value = getattr(study_filter, attribute)
        if value is not None:
            params[name] = [str(value)]
    for name, attribute in FLAG_PARAMS.items():
        if getattr(study_filter, attribute):
            params[name] = ["1"]
    if study_filter.text:
        params[TEXT_PARAM] = [study_filter.text]
    return params


def _url_filter_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params
            if key in FILTER_PARAMS}


def write_url(study_filter: StudyFilter) -> None:
    """Put ``study_filter`` in the address bar, leaving other parameters (``study``) alone.

    All at once: a change per parameter is a step of the browser's history each, and Back
    after "Clear filters" then walked through filters nobody had chosen."""
    wanted = params_from_filter(study_filter)
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    kept = {key: values for key, values in current.items() if key not in FILTER_PARAMS}
    if {key: values for key, values in current.items() if key in FILTER_PARAMS} != wanted:
        st.query_params.from_dict({**kept, **wanted})
    st.session_state[_URL_STATE] = wanted


def open_filtered(page: str, study_filter: StudyFilter) -> None:
    """Switch to ``page`` with ``study_filter`` set in the sidebar and the URL."""
    st.session_state[_PENDING_STATE] = study_filter
    st.switch_page(page, query_params=params_from_filter(study_filter))


# --------------------------------------------------------------------------- sidebar

@dataclass(frozen=True)
class _Bounds:
    first_year: int
    last_year: int


def _widget_values(study_filter: StudyFilter, bounds: _Bounds) -> dict[str, Any]:
    """Session-state values of the sidebar widgets that show ``study_filter``."""
    first = study_filter.min_year if study_filter.min_year is not None else bounds.first_year
    last = study_filter.max_year if study_filter.max_year is not None else bounds.last_year
    first = min(max(first, bounds.first_year), bounds.last_year)
    last = max(min(last, bounds.last_year), first)
    low_level = min(max(study_filter.min_level or LEVELS[0], LEVELS[0]), LEVELS[-1])
    high_level = max(min(study_filter.max_level or LEVELS[-1], LEVELS[-1]), low_level)
    return {
        "flt_designs": list(study_filter.designs),
        "flt_outcomes": list(study_filter.outcomes),
        "flt_interventions": list(study_filter.interventions),
        "flt_conditions": list(study_filter.conditions),
        "flt_devices": list(study_filter.devices),
        "flt_years": (first, last),
        "flt_min_n": min(max(study_filter.min_n or 0, 0), MAX_MIN_N),
        "flt_levels": (low_level, high_level),
        "flt_relevant_only": study_filter.relevant_only,
        "flt_exclude_retracted": study_filter.exclude_retracted,
        "flt_text": study_filter.text or "",
    }


def _filter_from_widgets(state: Mapping[str, Any], bounds: _Bounds) -> StudyFilter:
    """The filter the widgets show. A year bound at the edge of the stored range means
    "no bound", so a link made today still includes next year's studies."""
    first, last = state["flt_years"]
    low_level, high_level = state["flt_levels"]
    return StudyFilter(
        designs=tuple(state["flt_designs"]),
        outcomes=tuple(state["flt_outcomes"]),
        interventions=tuple(state["flt_interventions"]),
        conditions=tuple(state["flt_conditions"]),
        devices=tuple(state["flt_devices"]),
        min_year=None if first <= bounds.first_year else int(first),
        max_year=None if last >= bounds.last_year else int(last),
        min_n=int(state["flt_min_n"]) or None,
        min_level=None if low_level <= LEVELS[0] else int(low_level),
        max_level=None if high_level >= LEVELS[-1] else int(high_level),
        relevant_only=bool(state["flt_relevant_only"]),
        exclude_retracted=bool(state["flt_exclude_retracted"]),
        text=(state["flt_text"] or "").strip() or None,
    )


def _clear_filters() -> None:
    st.session_state[_PENDING_STATE] = StudyFilter()


def _multiselect(label: str, key: str, options: Mapping[str, str], help_text: str) -> None:
    st.multiselect(label, list(options), key=key, format_func=display_label, help=help_text)


def note_page(name: str) -> None:
    """Tell :func:`sidebar_filters` which page this run draws (``dashboard.py`` knows)."""
    state = st.session_state
    state[_PAGE_BEFORE_STATE] = state.get(_PAGE_STATE)
    state[_PAGE_STATE] = name


def same_page_as_before() -> bool:
    """Whether the last run drew this page too: then an empty address is the user's (Back
    to the page's bare address), not the one a page switch leaves."""
    state = st.session_state
    return state.get(_PAGE_BEFORE_STATE) == state.get(_PAGE_STATE)


def sidebar_filters(source: DataSource) -> StudyFilter:
    """Draw the CONTRACT.md filters in the sidebar and return the filter they set.

    The filter survives page switches (kept in session state, since Streamlit
    forgets the state of widgets a page does not draw) and lives in the URL.
    A URL that arrives with different filters (a shared link, an evidence-map
    cell) wins over the session's; an empty one (Streamlit clears the query
    string when the sidebar navigation switches page) keeps them.
    """
    state = st.session_state
    first, last = source.query(queries.year_bounds)
    this_year = dt.date.today().year
    bounds = _Bounds(first_year=first if first is not None else this_year,
                     last_year=last if last is not None else this_year)
    from_url = _url_filter_params()
    current: StudyFilter | None = state.get(_FILTER_STATE)
    force = False
    problems: list[str] = []
    if current is None or (from_url and from_url != state.get(_URL_STATE)):
        current, force = filter_from_params(from_url), True
        problems = link_problems(from_url, bounds.first_year, bounds.last_year)
    if _PENDING_STATE in state:
        current, force = state.pop(_PENDING_STATE), True
    # Streamlit keys a widget by its page as well: on another page the sidebar's widgets
    # are new ones and would start empty, so they are given the kept filter.
    page = state.get(_PAGE_STATE)
    if state.get(_DRAWN_ON_STATE) != page:
        force = True
        state[_DRAWN_ON_STATE] = page
    for key, value in _widget_values(current, bounds).items():
        if force or key not in state:
            state[key] = value

    if problems:
        st.warning("This link's filters were changed to ones the page can show: "
                   + "; ".join(problems) + ".", icon="⚠️")
    with st.sidebar:
        st.header("Filters")
        st.text_input("Search title and abstract", key="flt_text",
                      help="Full-text search, as in PubMed: every word must occur (word "
                           "forms count: \"needle\" finds \"needles\"); \"hair count\" as "
                           "a phrase; OR between two terms for either; NOT or - before a "
                           "term to leave it out (microneedling NOT prp); parentheses "
                           "group: microneedling (minoxidil OR prp). End a word with * "
                           "for every word it begins: microneedl*.")
        _multiselect("Design", "flt_designs", DESIGN_LABELS, "Any of the chosen designs.")
        _multiselect("Outcomes", "flt_outcomes", OUTCOME_LABELS,
                     "Studies that measured all of the chosen outcomes.")
        _multiselect("Interventions", "flt_interventions", INTERVENTION_LABELS,
                     "Studies with all of the chosen arms, e.g. microneedling and minoxidil.")
        _multiselect("Conditions", "flt_conditions", CONDITION_LABELS,
                     "Studies of all of the chosen conditions.")
        _multiselect("Devices", "flt_devices", DEVICE_LABELS,
                     "Studies that used all of the chosen devices.")
        if bounds.first_year < bounds.last_year:
            st.slider("Publication year", bounds.first_year, bounds.last_year, key="flt_years")
        st.number_input("Minimum participants (n)", min_value=0, max_value=MAX_MIN_N, step=10,
                        key="flt_min_n")
        st.slider("Evidence level (1 = strongest)", LEVELS[0], LEVELS[-1], key="flt_levels",
                  help="1 systematic reviews, 2 RCTs, 3 controlled and cohort studies, "
                       "4 case series and reports, 5 reviews, preclinical and other.")
        st.checkbox("About microneedling for hair loss only", key="flt_relevant_only",
                    help="Leave out records the tagger judged off-topic.")
        st.checkbox("Exclude retracted studies", key="flt_exclude_retracted")
        st.button("Clear filters", on_click=_clear_filters, width="stretch", key="flt_clear")

    chosen = _filter_from_widgets(state, bounds)
    if chosen.text:
        try:
            search = parse_search(chosen.text)
        except SearchTooLong as exc:
            st.warning(f"The search is not run: {exc}. Shorten it.", icon="⚠️")
            chosen = replace(chosen, text=None)
        else:
            if search is None:  # as the command line refuses it: no study can match
                st.warning("The search holds no word (letters or digits), so no study "
                           "matches it.", icon="⚠️")
            elif asks_nothing(search):
                st.caption("The search holds only words that are not searched (the, in, "
                           "or, ...): every study matches it.")
            if or_beside_other_terms(chosen.text):
                st.caption("OR joins the two words beside it: \"alopecia OR hair loss\" is "
                           "alopecia or hair, and loss. Quote a phrase (\"hair loss\") or use "
                           "parentheses to group.")
            if tags := unread_field_tags(chosen.text):
                st.caption("PubMed field tags are not read here ("
                           + ", ".join(f"[{tag}]" for tag in tags)
                           + "): their words are searched in title and abstract.")
    state[_FILTER_STATE] = chosen
    write_url(chosen)
    return chosen


def undated_note(source: DataSource, study_filter: StudyFilter) -> None:
    """Say how many studies the year range leaves out for having no publication year."""
    undated = source.query(queries.count_undated_left_out, study_filter)
    if undated:
        some = "study has" if undated == 1 else "studies have"
        st.caption(f"{undated:,} {some} no publication year and so fall outside the year "
                   "range; widen it to its ends to include them.")


def off_topic_note(source: DataSource, study_filter: StudyFilter, total: int,
                   counted_by: str) -> None:
    """Say how many of the ``total`` studies shown are off-topic, where they are shown
    (a whole baseline file, or a wide query, brings mostly other topics): ``counted_by``
    names what includes them ("The figures count", "The table lists"). When most are
    off-topic it is a warning: the figures on screen are then mostly about other things."""
    if study_filter.relevant_only or total == 0:
        return
    relevant = source.query(queries.count_studies, replace(study_filter, relevant_only=True))
    if (off_topic := total - relevant) <= 0:
        return
    if total == 1:
        which = "This study is"
    else:
        which = f"{off_topic:,} of these {total:,} studies {'is' if off_topic == 1 else 'are'}"
    note = (f"{which} not about microneedling for hair loss (the tagger's reading; each "
            f"study's view shows the sentence). {counted_by} "
            f"{'it' if off_topic == 1 else 'them'} until you tick 'About microneedling for hair "
            "loss only'.")
    if off_topic * 2 > total:
        st.warning(note)
    else:
        st.caption(note)


def count_of(number: int, noun: str = "study", plural: str = "studies") -> str:
    """"1 study", "2,040 studies"."""
    return f"{number:,} {noun if number == 1 else plural}"


# --------------------------------------------------------------------------- text

def format_date(value: dt.datetime | dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "never"


def footer(source: DataSource, study_filter: StudyFilter | None = None) -> None:
    """"N studies, data as of DATE, tagger VERSION": on every page, so a screenshot
    or a printout says what it shows."""
    from evidence.tagging import TAGGER_VERSION

    total = source.total
    shown = total if study_filter is None else int(
        source.query(queries.count_studies, study_filter))
    updated = format_date(source.query(queries.last_update))
    versions = source.query(queries.stored_tagger_versions)
    count = f"{shown:,} studies" if shown == total else f"{shown:,} of {total:,} studies"
    line = f"{count}, data as of {updated}, tagger {TAGGER_VERSION}"
    older = sum(n for version, n in versions.items() if version != TAGGER_VERSION)
    if older:
        line += (f" ({older:,} studies were tagged by an older tagger: run "
                 "`evidence retag`)")
    st.divider()
    st.caption(line)


def describe_filter(study_filter: StudyFilter) -> str:
    """The filter in words, for captions and download names."""
    parts = []
    for name, (attribute, _allowed) in LIST_PARAMS.items():
        codes = getattr(study_filter, attribute)
        if codes:
            parts.append(f"{name}: " + ", ".join(display_label(code) for code in codes))
    for name in ("min_year", "max_year", "min_n", "min_level", "max_level"):
        value = getattr(study_filter, name)
        if value is not None:
            parts.append(f"{name.replace('_', ' ')} {value}")
    if study_filter.relevant_only:
        parts.append("relevant only")
    if study_filter.exclude_retracted:
        parts.append("retracted excluded")
    if study_filter.text:
        parts.append(f"text “{study_filter.text}”")
    return "; ".join(parts) or "no filters"


_MARKDOWN_SPECIAL: Final = str.maketrans({char: "\\" + char for char in "\\`*_{}[]()<>#+-.!|$~"})


def markdown_escape(text: str) -> str:
    """``text`` shown literally by st.markdown/st.header: titles may hold ``*``,
    ``_``, ``[`` or ``$`` (which Streamlit would render as LaTeX)."""
    return text.translate(_MARKDOWN_SPECIAL)


@dataclass(frozen=True)
class Span:
    """A stretch of text to highlight and what it supports (``"outcome: hair count"``)."""

    start: int
    end: int
    label: str


def highlight_html(text: str, spans: Iterable[Span]) -> str:
    """``text`` as HTML with each span wrapped in ``<mark>``; everything escaped.

    Spans may overlap (one sentence supports several tags): the text is cut at
    every span boundary and each piece is marked with all the labels covering
    it, so no character is lost or duplicated. Spans outside the text (stored
    by an older parser) are ignored rather than trusted.
    """
    valid = [span for span in spans if 0 <= span.start < span.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    pieces: list[str] = []
    for left, right in itertools.pairwise(cuts):
        piece = html.escape(text[left:right])
        labels = list(dict.fromkeys(s.label for s in valid if s.start <= left and right <= s.end))
        if labels:
            title = html.escape("; ".join(labels), quote=True)
            pieces.append(f'<mark title="{title}">{piece}</mark>')
        else:
            pieces.append(piece)
    return "".join(pieces).replace("\n", "<br>")


# --------------------------------------------------------------------------- first run

def for_this_database(command: str, url: str) -> str:
    """``command`` as it must be typed to write to the database at ``url``: with ``--db``
    unless it is the default (a URL holding a password is left to EVIDENCE_DB_URL, so
    that the page does not show it)."""
    if url == DEFAULT_DB_URL or safe_url(url) != url:
        return command
    return f"{command} --db {shlex.quote(url)}"


def first_run_page() -> None:
    """Shown instead of the dashboard when the database holds no study yet."""
    st.title(APP_TITLE)
    st.info("The evidence database is empty: there is nothing to show yet.")
    url = Settings.from_sources().db_url
    st.markdown("Fetch the studies from PubMed (the first run takes a few minutes):")
    st.code(for_this_database(FIRST_RUN_COMMAND, url), language="bash")
    st.markdown("or load PubMed XML / MEDLINE (.nbib) files you already have:")
    st.code(for_this_database(IMPORT_COMMAND, url), language="bash")
    st.markdown("Then reload this page. Later, fetch only what is new with:")
    st.code(for_this_database(UPDATE_COMMAND, url), language="bash")
    if for_this_database(FIRST_RUN_COMMAND, url) == FIRST_RUN_COMMAND and url != DEFAULT_DB_URL:
        st.caption("Run them with EVIDENCE_DB_URL set as it is for this dashboard (its "
                   "password is not shown here), or they write to the default database.")
    source = connect()
    st.caption(f"Database: {safe_url(source.url)} "
               "(set EVIDENCE_DB_URL to use another one).")
    footer(source)

