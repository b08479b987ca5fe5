"""Filtered studies out through the format registry: the one path the CLI and
the dashboard share for exports."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from evidence.db import Database
from evidence.exports import FORMATS, ExportInfo
from evidence.queries import StudyFilter, count_studies, iter_records


def export_info(database: Database, study_filter: StudyFilter) -> ExportInfo:
    """What an export holds: its filters, date, tagger version and count."""
    from evidence.tagging import TAGGER_VERSION

    with database.session() as session:
        count = count_studies(session, study_filter)
    return ExportInfo(filters=study_filter.describe(),
                      generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
                      tagger_version=TAGGER_VERSION, count=count)


def export_to(database: Database, study_filter: StudyFilter, fmt: str, out: BinaryIO, *,
              sort: str = "year") -> int:
    """Write the filtered studies to ``out`` in format ``fmt``, in the order ``sort``
    (one of :data:`evidence.queries.SORTS`); return how many."""
    export_format = FORMATS[fmt]
    info = export_info(database, study_filter)
    with database.session() as session:
        export_format.write(iter_records(session, study_filter, sort=sort), out, info)
    return info.count
