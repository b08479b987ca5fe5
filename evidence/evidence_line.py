"""The one-line summary of a study, e.g. ``RCT, n=100; microneedling, minoxidil; hair count``.

It is what a reader scans in a citation list, a spreadsheet or a BibTeX note,
so it states only what the tagger knows and nothing more: design and sample, the
agents that were arms of the study, and what it measured, each part apart.

Interventions: the tagger records which agents were arms of the study, not how
they were grouped into arms. ``{microneedling, minoxidil}`` may be
"microneedling + minoxidil vs minoxidil", "microneedling vs minoxidil" or a
single combined arm, so the agents are a plain list, microneedling first (it is
what the database is about): "microneedling + minoxidil" read as the combination
tested, and "vs" would invent a comparison we cannot derive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from evidence.labels import label

RETRACTED_PREFIX: Final = "RETRACTED: "
_MICRONEEDLING: Final = "microneedling"


def _interventions_text(codes: list[str]) -> str:
    """Interventions as described in the module docstring; "" when none."""
    first = [label(_MICRONEEDLING)] if _MICRONEEDLING in codes else []
    return ", ".join(first + [label(code) for code in codes if code != _MICRONEEDLING])


def evidence_line(record: Mapping[str, Any]) -> str:
    """One line: design, n; interventions; outcomes. ``RETRACTED: `` first when retracted.

    ``record`` is an export record (CONTRACT.md). Unknown parts are left out
    rather than written as "n=?" so the line stays short.
    """
    line = label(record.get("design") or "other")
    sample_size = record.get("sample_size")
    if sample_size is not None:
        line += f", n={sample_size}"
    interventions = _interventions_text(list(record.get("interventions") or []))
    if interventions:
        line += "; " + interventions
    outcomes = [label(code) for code in record.get("outcomes") or []]
    if outcomes:
        line += "; " + ", ".join(outcomes)
    if record.get("retracted"):
        line = RETRACTED_PREFIX + line
    return line
