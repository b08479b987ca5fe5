"""Plain value objects for one PubMed citation.

These are what the parser produces and what the loader, the tagger and the
exports consume, so none of those layers needs to know about XML or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AbstractSection:
    """One ``AbstractText`` element: structured abstracts have several."""

    text: str
    label: str | None = None
    category: str | None = None  # NlmCategory: BACKGROUND, METHODS, RESULTS, ...


@dataclass(frozen=True, slots=True)
class Author:
    """A person (surname plus initials) or a collective name."""

    last_name: str | None = None
    fore_name: str | None = None
    initials: str | None = None
    collective_name: str | None = None
    affiliations: tuple[str, ...] = ()
    suffix: str | None = None  # "Jr", "3rd": it tells a father from a son

    @property
    def display_name(self) -> str:
        """``"Surname Initials"``, the form CONTRACT.md promises in exports, with a
        suffix as PubMed shows it ("Bunn PA Jr")."""
        if self.collective_name:
            return self.collective_name
        return " ".join(part for part in (self.last_name, self.initials, self.suffix) if part)


@dataclass(frozen=True, slots=True)
class MeshHeading:
    descriptor: str
    descriptor_ui: str | None = None
    major_topic: bool = False
    qualifiers: tuple[str, ...] = ()
    major_qualifiers: tuple[str, ...] = ()


@dataclass(slots=True)
class Article:
    """A PubMed citation with every field the product uses."""

    pmid: str
    title: str
    abstract: list[AbstractSection] = field(default_factory=list)
    doi: str | None = None
    pmcid: str | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    year: int | None = None
    pub_date: str | None = None  # ISO, as precise as known: "2015", "2015-05", "2015-05-03"
    languages: list[str] = field(default_factory=list)
    publication_status: str | None = None
    date_revised: str | None = None  # ISO date
    authors: list[Author] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    mesh: list[MeshHeading] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    trial_ids: list[str] = field(default_factory=list)
    # Where each trial id was found: "databank" (DataBankList) or "abstract".
    trial_id_sources: dict[str, str] = field(default_factory=dict)
    retracted: bool = False
    # The title in the article's own language (PubMed's VernacularTitle, MEDLINE's TT),
    # when ``title`` is PubMed's bracketed English translation of it. APA cites both.
    vernacular_title: str | None = None

    @property
    def abstract_text(self) -> str:
        """The abstract as CONTRACT.md exports it: ``LABEL: text`` lines.

        Tag character spans with source ``"abstract"`` index into this string,
        so the dashboard can highlight the exact sentence.
        """
        return "\n".join(
            f"{section.label}: {section.text}" if section.label else section.text
            for section in self.abstract
        )

    @property
    def mesh_terms(self) -> list[str]:
        return [heading.descriptor for heading in self.mesh]


@dataclass(frozen=True, slots=True)
class DeletedCitations:
    """``DeleteCitation`` in an update file: these PMIDs must be removed."""

    pmids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record we do not store (a ``PubmedBookArticle``), counted, never a crash."""

    kind: str
    identifier: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class InvalidRecord:
    """A record that could not be read; reported with its reason, counted as failed."""

    identifier: str | None
    reason: str


ParsedItem = Article | DeletedCitations | SkippedRecord | InvalidRecord
