"""The ``evidence`` command: thin adapters over the library (CONTRACT.md).

Each command parses options, builds :class:`Settings`, opens the database,
calls one library function and turns domain errors into one line on stderr
with exit status 1 (2 for usage errors, from click). ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from evidence.errors import EvidenceError, UnknownStudyError
from evidence.settings import IMPORT_BATCH_SIZE, MAX_MIN_N, Settings

if TYPE_CHECKING:  # the database layer and the queries load on first use: see _open
    from evidence.db import Database
    from evidence.queries import StudyFilter

F = TypeVar("F", bound=Callable[..., Any])

def _database_url(_context: click.Context, _parameter: click.Parameter,
                  value: str | None) -> str | None:
    """``--db``: a URL SQLAlchemy can read, or a usage error naming it."""
    if value is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        from evidence.db import safe_url

        raise click.BadParameter(f"{safe_url(value)!r} is not a database URL "
                                 "(e.g. sqlite:///data/evidence.db or "
                                 "postgresql+psycopg://user@host/db)") from None
    return value


def _codes(kind: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]],
                                  tuple[str, ...]]:
    """A filter option's check: each code one of TAGS.md's for ``kind`` (any case)."""

    def check(_context: click.Context, _parameter: click.Parameter,
              values: tuple[str, ...]) -> tuple[str, ...]:
        from evidence.tagging.vocabulary import CODES_BY_KIND

        known = CODES_BY_KIND[kind]
        codes = tuple(value.strip().lower() for value in values)
        unknown = [value for value, code in zip(values, codes, strict=True) if code not in known]
        if unknown:
            raise click.BadParameter(f"{', '.join(map(repr, unknown))} is not a {kind} code "
                                     f"of TAGS.md; choose from {', '.join(known)}")
        return codes

    return check


def _words(_context: click.Context, _parameter: click.Parameter,
           value: str | None) -> str | None:
    """``--text``: at least one word to search for (letters or digits), and not more
    terms than one search holds."""
    if value is not None and value.strip() and not any(char.isalnum() for char in value):
        raise click.BadParameter(f"{value!r} has no word to search for")
    if value:
        from evidence.search import (
            SearchTooLong,
            asks_nothing,
            or_beside_other_terms,
            parse_search,
            unread_field_tags,
        )

        try:
            search = parse_search(value)
        except SearchTooLong as exc:
            raise click.BadParameter(str(exc)) from exc
        if or_beside_other_terms(value):
            click.echo("evidence: note: OR joins the two words beside it ('alopecia OR hair "
                       "loss' is alopecia or hair, and loss); quote a phrase or use "
                       "parentheses to group", err=True)
        if search is not None and asks_nothing(search):
            click.echo(f"evidence: note: {value!r} holds only words that are not searched "
                       "(the, in, or, ...): every study matches it", err=True)
        if tags := unread_field_tags(value):
            click.echo(f"evidence: note: field tags are not read ({_tag_list(tags)}); their "
                       "words are searched in title and abstract", err=True)
    return value


def _tag_list(tags: list[str]) -> str:
    return ", ".join(f"[{tag}]" for tag in tags)


def _since(_context: click.Context, _parameter: click.Parameter,
           value: str | None) -> str | None:
    """``--since``: ``last`` or a date, checked before anything is opened or fetched."""
    if value is None or value.strip().lower() == "last":
        return value
    from ingest.plan import parse_date

    try:
        parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}, or 'last'") from None
    return value


def _common(command: F) -> F:
    """``--db`` and ``--debug`` on every command, as CONTRACT.md promises."""
    command = click.option("--db", "db_url", metavar="URL", callback=_database_url,
                           help="SQLAlchemy database URL (default: $EVIDENCE_DB_URL, then "
                                "sqlite:///data/evidence.db).")(command)
    command = click.option("--debug", is_flag=True,
                           help="Show the full traceback on errors.")(command)
    return command


def _filters(command: F) -> F:
    """The study filters of CONTRACT.md, shared by export and stats."""
    options = [
        click.option("--design", multiple=True, metavar="CODE", callback=_codes("design"),
                     help="Study design (repeatable; any of them)."),
        click.option("--outcome", multiple=True, metavar="CODE", callback=_codes("outcome"),
                     help="Outcome measured (repeatable; all of them)."),
        click.option("--intervention", multiple=True, metavar="CODE",
                     callback=_codes("intervention"),
                     help="Intervention arm (repeatable; all of them)."),
        click.option("--condition", multiple=True, metavar="CODE", callback=_codes("condition"),
                     help="Condition (repeatable; all of them)."),
        click.option("--device", multiple=True, metavar="CODE", callback=_codes("device"),
                     help="Needling device (repeatable; all of them)."),
        click.option("--min-year", type=click.IntRange(1, 9999)),
        click.option("--max-year", type=click.IntRange(1, 9999)),
        click.option("--min-n", type=click.IntRange(0, MAX_MIN_N),
                     help="Smallest sample size (0: no bound, as in the dashboard; any "
                          "other value leaves out studies with no stated size)."),
        click.option("--min-level", type=click.IntRange(1, 5),
                     help="Lowest evidence level number (1 is strongest)."),
        click.option("--max-level", type=click.IntRange(1, 5),
                     help="Highest evidence level number (2 keeps levels 1-2)."),
        click.option("--relevant-only", is_flag=True,
                     help="Only studies about microneedling for hair loss."),
        click.option("--exclude-retracted", is_flag=True, help="Leave retracted studies out."),
        click.option("--text", metavar="WORDS", callback=_words,
                     help="Full-text search in title and abstract: every word, stemmed; "
                          "\"a phrase\", OR, NOT or -word and (groups) as in PubMed; "
                          "word* for every word it begins."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _study_filter(options: dict[str, Any]) -> StudyFilter:
    from evidence.queries import StudyFilter

    for low, high in (("min_year", "max_year"), ("min_level", "max_level")):
        if (options.get(low) is not None and options.get(high) is not None
                and options[low] > options[high]):
            raise click.UsageError(
                f"--{low.replace('_', '-')} {options[low]} is above --{high.replace('_', '-')} "
                f"{options[high]}: no study can match")
    return StudyFilter(
        designs=tuple(options.pop("design", ())),
        outcomes=tuple(options.pop("outcome", ())),
        interventions=tuple(options.pop("intervention", ())),
        conditions=tuple(options.pop("condition", ())),
        devices=tuple(options.pop("device", ())),
        min_year=options.pop("min_year", None), max_year=options.pop("max_year", None),
        min_n=options.pop("min_n", None),
        min_level=options.pop("min_level", None), max_level=options.pop("max_level", None),
        relevant_only=options.pop("relevant_only", False),
        exclude_retracted=options.pop("exclude_retracted", False),
        text=(options.pop("text", None) or "").strip() or None,
    )


def _fail(message: str) -> None:
    click.echo(f"evidence: {message}", err=True)
    sys.exit(1)


def _reader_went_away() -> None:
    """The reader of standard output closed it (``evidence export ... | head``): stop
    quietly, as Python's documentation advises, without a message about it."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's own flush at exit goes here
    # Writers left half-way (openpyxl's sheet generators for XLSX) complain as they are
    # collected at exit, about output nobody will read.
    sys.unraisablehook = lambda _unraisable: None
    sys.exit(1)


def _guarded(command: F) -> F:
    """Domain errors become one line and exit 1; anything else too, unless --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.get("debug", False)
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            _reader_went_away()
        except click.ClickException:  # a usage error found in the command: click says it
            raise
        except EvidenceError as exc:
            if debug:
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            if debug:
                raise
            _fail("interrupted; committed batches are kept, run the command again to finish")
        except Exception as exc:
            if debug:
                raise
            if "database is locked" in str(exc):  # SQLite's busy wait ran out
                from evidence.db import SQLITE_BUSY_TIMEOUT_MS, safe_url

                url = Settings.from_sources(db_url=kwargs.get("db_url")).db_url
                _fail(f"the database {safe_url(url)} stayed locked by another writer (an "
                      f"import or ingest?) for {SQLITE_BUSY_TIMEOUT_MS / 1000:g} s; committed "
                      "batches are kept, run the command again when it has finished")
            _fail(f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)"
                  .splitlines()[0])

    return wrapper  # type: ignore[return-value]


def _open(settings: Settings, *, stored: bool = False) -> Database:
    """The database, imported here rather than at the top: importing this module stays
    cheap, which matters where it is imported again (import's fork server).

    ``stored``: the command reads what is stored (export, cite, stats, check, retag). A
    SQLite file that does not exist is then a mistyped path or a database not made yet,
    and is refused, where opening it would make an empty one that answers "0 studies".
    """
    from evidence.db import open_database, sqlite_file

    path = sqlite_file(settings.db_url)
    if stored and path is not None and not path.exists():
        _fail(f"no database at {path}: check --db (or EVIDENCE_DB_URL), or build it first "
              "with evidence import or evidence ingest")
    return open_database(settings.db_url)


def _progress(total: int | None, unit: str, description: str) -> Any:
    from tqdm import tqdm

    # disable=None: a bar on a terminal, silence in pipes and CI logs.
    return tqdm(total=total, unit=unit, desc=description, disable=None, file=sys.stderr,
                dynamic_ncols=True)


class _OneLineUsageError(click.ClickException):
    """A usage error as CONTRACT.md asks for it: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"evidence: {self.format_message()}", err=True)


def _one_line(exc: click.UsageError) -> _OneLineUsageError:
    """Click's own form is four lines (usage, a hint, a blank, the error)."""
    where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    return _OneLineUsageError(" ".join(exc.format_message().split()) + where)


@contextlib.contextmanager
def _usage_errors_in_one_line() -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise
    except click.UsageError as exc:
        raise _one_line(exc) from exc


class _Commands(click.Group):
    """The ``evidence`` group, with usage errors in one line wherever they arise: in the
    group's own options or in a command's."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        with _usage_errors_in_one_line():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_errors_in_one_line():
            return super().invoke(ctx)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="microneedling-evidence")
def main() -> None:
    """A clinical evidence database for microneedling in hair loss."""


@main.command("ingest")
@click.option("--query", help="PubMed query (default: the curated microneedling and hair query).")
@click.option("--max", "max_records", type=click.IntRange(min=1), help="Fetch at most N records.")
@click.option("--since", metavar="DATE|last", callback=_since,
              help="Only records added or revised since DATE (YYYY-MM-DD) or the last run.")
@click.option("--api-key", help="NCBI API key (default: $NCBI_API_KEY).")
@click.option("--email", help="Contact e-mail sent to NCBI (default: $NCBI_EMAIL).")
@click.option("--eutils-url", metavar="URL",
              help="E-utilities base URL (default: $EVIDENCE_EUTILS_URL, then NCBI's).")
@click.option("--dry-run", is_flag=True, help="Print the count and PubMed's query translation.")
@_common
@_guarded
def ingest_command(query: str | None, max_records: int | None, since: str | None,
                   api_key: str | None, email: str | None, eutils_url: str | None,
                   dry_run: bool, db_url: str | None, debug: bool) -> None:
    """Fetch PubMed records over E-utilities and store them."""
    from ingest.live import run_ingest

    settings = Settings.from_sources(db_url=db_url, eutils_url=eutils_url, api_key=api_key,
                                     email=email, debug=debug)
    summary = run_ingest(_open(settings), settings, query=query, max_records=max_records,
                         since=since, dry_run=dry_run, progress=True)
    click.echo(str(summary))
    if getattr(summary, "failed", 0):
        # The summary above lists what failed; stderr gets the one line CONTRACT.md
        # promises, for a scheduler's log or mail.
        reason = summary.errors[0] if summary.errors else "see the summary above"
        _fail(f"ingest: {summary.failed} records failed ({reason})")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--batch-size", type=click.IntRange(min=1), default=IMPORT_BATCH_SIZE,
              show_default=True,
              help="Studies per transaction.")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes that parse and tag: 0 decides by file size, 1 parses in-process.")
@_common
@_guarded
def import_command(paths: tuple[Path, ...], batch_size: int, jobs: int, db_url: str | None,
                   debug: bool) -> None:
    """Import PubMed XML (.xml, .xml.gz: efetch, baseline, update files) or MEDLINE/.nbib."""
    from ingest.worker_pool import start_early

    if jobs != 1:  # workers load the tagger while this process opens the database
        start_early(paths)
    from ingest.files import import_files

    database = _open(Settings.from_sources(db_url=db_url, debug=debug))
    with _progress(None, "rec", "importing") as bar:
        summary = import_files(database, list(paths), batch_size=batch_size,
                               parallel=None if jobs == 0 else jobs > 1, workers=jobs or None,
                               on_batch=bar.update,
                               on_error=lambda line: bar.write(f"evidence: {line}",
                                                               file=sys.stderr))
    counts = summary.counts
    click.echo(f"{summary.files} file(s): {counts.new} new, {counts.updated} updated, "
               f"{counts.unchanged} unchanged, {counts.deleted} deleted, "
               f"{counts.skipped} skipped, {counts.failed} failed")
    if not summary.ok or counts.failed:
        sys.exit(1)


@main.command("export")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["jsonl", "csv", "xlsx", "bibtex", "ris", "csl-json"]))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="File to write (default, or -: standard output).")
@_filters
@_common
@_guarded
def export_command(fmt: str, out: Path | None, db_url: str | None, debug: bool,
                   **filters: Any) -> None:
    """Write the filtered studies in one of the export formats."""
    from evidence.exporting import export_to

    study_filter = _study_filter(filters)
    database = _open(Settings.from_sources(db_url=db_url, debug=debug), stored=True)
    if out is None or str(out) == "-":
        out = None
        count = export_to(database, study_filter, fmt, sys.stdout.buffer)
    else:
        partial = out.with_name(out.name + ".partial")
        try:
            handle = partial.open("wb")
        except OSError as exc:
            raise EvidenceError(f"cannot write {out}: {exc.strerror or exc}") from exc
        with handle:
            count = export_to(database, study_filter, fmt, handle)
        partial.replace(out)  # never leave a half-written export under the real name
    click.echo(f"exported {count} studies as {fmt}" + (f" to {out}" if out else ""), err=True)


def _pmids(_context: click.Context, _parameter: click.Parameter,
           values: tuple[str, ...]) -> tuple[str, ...]:
    """``cite``'s PMIDs: digits, as PubMed writes them ("PMID: 123" too)."""
    pmids = []
    for value in values:
        pmid = value.strip().removeprefix("PMID:").removeprefix("pmid:").strip()
        if not pmid.isdigit():
            raise click.BadParameter(f"{value!r} is not a PMID (digits)")
        pmids.append(pmid)
    return tuple(pmids)


@main.command("cite")
@click.argument("pmids", nargs=-1, required=True, callback=_pmids)
@click.option("--style", type=click.Choice(["ama", "apa", "vancouver"]), default="ama",
              show_default=True)
@click.option("--no-evidence", is_flag=True, help="Leave out the evidence line.")
@_common
@_guarded
def cite_command(pmids: tuple[str, ...], style: str, no_evidence: bool, db_url: str | None,
                 debug: bool) -> None:
    """Print formatted citations for stored studies, each with its evidence line."""
    from evidence.citations import format_citations
    from evidence.queries import records_by_pmid

    database = _open(Settings.from_sources(db_url=db_url, debug=debug), stored=True)
    with database.session() as session:
        found = records_by_pmid(session, pmids)
    # The stored ones are cited even when another PMID was mistyped; the error follows.
    for line in format_citations([found[pmid] for pmid in pmids if pmid in found], style,
                                 with_evidence=not no_evidence):
        click.echo(line)
    missing = [pmid for pmid in pmids if pmid not in found]
    if missing:
        raise UnknownStudyError(f"PMID {', '.join(missing)} not in the database "
                                "(import or ingest it first)")


@main.command("retag")
@_common
@_guarded
def retag_command(db_url: str | None, debug: bool) -> None:
    """Re-run the tagger over every stored study (no network)."""
    from evidence.retag import retag_all

    database = _open(Settings.from_sources(db_url=db_url, debug=debug), stored=True)
    with _progress(None, "study", "retagging") as bar:
        result = retag_all(database, on_batch=bar.update)
    click.echo(f"retagged {result.studies} studies with tagger {result.tagger_version}; "
               f"{result.changed} changed")


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_filters
@_common
@_guarded
def stats_command(as_json: bool, db_url: str | None, debug: bool, **filters: Any) -> None:
    """Counts by design, evidence level, outcome and intervention."""
    from dataclasses import asdict

    from evidence.queries import database_stats

    study_filter = _study_filter(filters)
    database = _open(Settings.from_sources(db_url=db_url, debug=debug), stored=True)
    with database.session() as session:
        stats = database_stats(session, study_filter)
    if as_json:
        click.echo(json.dumps(asdict(stats), default=str, indent=2))
        return
    years = f"{stats.min_year}-{stats.max_year}" if stats.min_year else "none"
    click.echo(f"studies: {stats.studies} ({stats.relevant} relevant, "
               f"{stats.retracted} retracted)")
    click.echo(f"participants: {stats.participants}   years: {years}   "
               f"last update: {stats.last_update or 'never'}")
    for title, counts in (("design", stats.by_design), ("evidence level", stats.by_level),
                          ("outcome", stats.outcomes), ("intervention", stats.interventions),
                          ("tagger version", stats.tagger_versions)):
        if counts:
            click.echo(f"{title}: " + ", ".join(f"{key} {value}" for key, value in
                                                 counts.items()))


@main.command("eval")
@click.argument("gold", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option("--check-targets", is_flag=True,
              help="Exit 1 when a score is below the project's targets.")
@_common
@_guarded
def eval_command(gold: tuple[Path, ...], as_json: bool, check_targets: bool,
                 db_url: str | None, debug: bool) -> None:
    """Score the tagger on labelled records, loaded through the normal import path.

    Without --db the records go into a temporary SQLite database.
    """
    from evidence.gold import evaluate_gold, report_as_dict

    report = evaluate_gold(list(gold), db_url=db_url)
    click.echo(json.dumps(report_as_dict(report), indent=2) if as_json
               else report.format_text())
    if check_targets and report.failures():
        _fail("below target: " + "; ".join(report.failures()))


@main.command("check")
@_common
@_guarded
def check_command(db_url: str | None, debug: bool) -> None:
    """Check the database: orphan rows, studies without children, stale tags, text index."""
    from evidence.integrity import check_database

    database = _open(Settings.from_sources(db_url=db_url, debug=debug), stored=True)
    problems = check_database(database)
    for problem in problems:
        click.echo(problem)
    if problems:
        _fail(f"{len(problems)} problem(s) found")
    click.echo("database is consistent")


if __name__ == "__main__":  # pragma: no cover
    main()
