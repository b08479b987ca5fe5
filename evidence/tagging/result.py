"""What the tagger returns: the labels of TAGS.md, each with its provenance.

This module is the contract between the tagger, the loader (which stores one
``tags`` row per :class:`Tag`) and the exports (which read :class:`Tagging`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Tag kinds as stored in the ``tags`` table. The export's ``evidence`` labels
# are ``kind`` for single-valued labels and ``kind:code`` for multi-valued ones
# (``"design"``, ``"outcome:hair_density"``), the form gold/dev.jsonl uses.
SINGLE_VALUED_KINDS = ("relevant", "design", "sample_size", "needle_depth_mm", "sessions",
                       "follow_up_weeks")
MULTI_VALUED_KINDS = ("condition", "intervention", "device", "outcome")


@dataclass(frozen=True, slots=True)
class Tag:
    """One label and the text that produced it.

    ``source`` names the field the evidence came from: ``"title"``,
    ``"abstract"`` (offsets index :attr:`evidence.records.Article.abstract_text`),
    ``"publication_type"``, ``"mesh"`` or ``"keyword"``. ``start``/``end`` are
    the character span of ``sentence`` inside that field's text; for metadata
    sources they span the whole term.
    """

    kind: str
    code: str  # a TAGS.md code, or the value as text for numbers ("100", "0.5-1.5", "true")
    sentence: str
    source: str
    start: int
    end: int
    rule: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.code}" if self.kind in MULTI_VALUED_KINDS else self.kind


@dataclass(slots=True)
class Tagging:
    """Every TAGS.md label for one study, plus the tags that justify them."""

    tagger_version: str
    relevant: bool = False
    design: str = "other"
    evidence_level: int = 5
    conditions: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    sample_size: int | None = None
    needle_depth_mm: tuple[float, float] | None = None
    sessions: int | None = None
    follow_up_weeks: float | None = None
    tags: list[Tag] = field(default_factory=list)

    def evidence(self) -> dict[str, str]:
        """Label to the sentence that produced it (the export's ``evidence``)."""
        found: dict[str, str] = {}
        for tag in self.tags:
            found.setdefault(tag.label, tag.sentence)
        return found
