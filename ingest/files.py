"""`evidence import`: PubMed XML and MEDLINE files into the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evidence.db import Database
from evidence.errors import InputFileError
from evidence.records import ParsedItem
from ingest import medline_text, pubmed_xml
from ingest.load import DEFAULT_BATCH_SIZE, LoadCounts, Tagger, load_items
from ingest.parallel import parse_file_parallel
from ingest.rows import StudyRows
from ingest.runs import FAILED, SUCCEEDED, finish_run, mark_dead_runs, start_run
from ingest.worker_pool import should_parallelise

MEDLINE_SUFFIXES = (".nbib", ".medline", ".txt")


@dataclass
class ImportSummary:
    counts: LoadCounts
    files: int = 0
    failed_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed_files


def iter_path(path: Path, *, parallel: bool | None = None, source: str = "",
              workers: int | None = None) -> Iterator[ParsedItem | StudyRows]:
    """Records of one file, chosen by content: XML (plain or gzip) or MEDLINE text.

    A large XML file is parsed and tagged on every core (``parallel=None``
    decides by size); the records still arrive in file order.
    """
    if path.suffix.lower() in MEDLINE_SUFFIXES or medline_text.looks_like_medline(path):
        return medline_text.iter_file(path)
    if parallel is None:
        parallel = should_parallelise(path)
    if parallel:
        return parse_file_parallel(path, source=source or f"file:{path.name}", workers=workers)
    return pubmed_xml.iter_file(path)


def import_files(
    database: Database,
    paths: Sequence[str | Path],
    *,
    tagger: Tagger | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    parallel: bool | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import each file in turn; a bad file is reported and the others still load.

    Every file is one run in the ingest-runs table, with its counts and status.
    """
    summary = ImportSummary(counts=LoadCounts())
    mark_dead_runs(database)
    for raw_path in paths:
        path = Path(raw_path)
        run_id = start_run(database, "import", query=str(path))
        counts = LoadCounts()
        try:
            if not path.is_file():
                raise InputFileError(str(path), "a directory, not a file (name the files in "
                                     "it)" if path.is_dir() else "no such file")
            if tagger is not None:  # a caller's own tagger runs in this process
                parallel = False
            source = f"file:{path.name}"
            load_items(database, iter_path(path, parallel=parallel, source=source,
                                           workers=workers),
                       source=source, tagger=tagger, batch_size=batch_size,
                       run_id=run_id, counts=counts, on_batch=on_batch, on_error=on_error)
        except InputFileError as exc:
            summary.failed_files.append(str(exc))
            if on_error is not None:
                on_error(str(exc))
            finish_run(database, run_id, counts, status=FAILED, message=str(exc))
        else:
            finish_run(database, run_id, counts, status=SUCCEEDED,
                       message="; ".join(counts.errors[:3]) or None)
        summary.files += 1
        for name, value in counts.as_dict().items():
            setattr(summary.counts, name, getattr(summary.counts, name) + value)
        summary.counts.errors.extend(counts.errors)
    return summary
