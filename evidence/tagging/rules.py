"""Load the rule data (``rules/*.toml``), validate it, and compile it once.

Rules are data so that a dermatologist can read and amend them without
touching the pipeline (STYLE.md, "rules as data"). Validation is strict: a
code that TAGS.md does not define, a missing key or a broken regular
expression is a :class:`ValueError` naming the file and the offending value,
raised at load time rather than as a silently missing tag later.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from evidence.tagging.matcher import GatedPattern, StartFinder, Term, TermMatcher
from evidence.tagging.vocabulary import CODES_BY_KIND

RULES_DIR = Path(__file__).with_name("rules")
LEXICON_FILES = {
    "condition": "conditions.toml",
    "intervention": "interventions.toml",
    "device": "devices.toml",
    "outcome": "outcomes.toml",
}
_FLAGS = re.IGNORECASE
_CONTEXT_KEYS = (
    "study_statement",
    "study_count_in_words",
    "review_statement",
    "hedge",
    "search_strategy",
    "prior_treatment",
    "established_treatment",
    "future_work",
    "excluded_after",
    "withheld_after",
    "standing_after",
    "failed_after",
    "contrast_before",
    "reported_elsewhere_after",
    "excluded_before",
    "avoided_before",
    "not_measured",
    "not_measured_before",
    "neither_measured",
    "data_unavailable",
    "clause_break",
    "aim_statement",
    "female_participants",
    "hair_context",
    "other_indication",
    "other_purpose",
    "hair_purpose",
)

# One character for one character, so spans found in the normalised text are
# spans of the original: typographic dashes, quotes and spaces vary between
# publishers and would otherwise need every rule written several times.
_NORMALISE = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u2032": "'", "\u201c": '"',
        "\u201d": '"', "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u00b5": "\u03bc",
    }
)


def normalise(text: str) -> str:
    """Same-length copy of ``text`` with dashes, quotes and spaces made uniform."""
    if text.isascii():  # every character replaced is non-ASCII; isascii() is O(1)
        return text
    # str.translate looks every character of non-ASCII text up in a dict; re
    # skips in C to the few characters that change.
    return _NORMALISE_CHARS.sub(_normalise_char, text)


_NORMALISE_CHARS = re.compile("[" + "".join(re.escape(chr(code)) for code in _NORMALISE) + "]")


def _normalise_char(match: re.Match[str]) -> str:
    return _NORMALISE[ord(match.group())]  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """One ``[[rule]]`` of a lexicon file."""

    id: str
    kind: str
    code: str
    requires: GatedPattern | None
    unless: GatedPattern | None
    implies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All rules of one kind, compiled into a single alternation.

    ``matcher`` reports one named group per rule (``r0``, ``r1``, ...), so
    one scan of the text finds every code of the kind; ``rules[i]`` belongs
    to group ``r{i}``.
    """

    kind: str
    rules: tuple[LexiconRule, ...]
    matcher: TermMatcher

    def rule_for(self, match: re.Match[str]) -> LexiconRule:
        """The rule whose group produced ``match``."""
        return self.rules[int(TermMatcher.group(match)[1:])]


@dataclass(frozen=True, slots=True)
class DesignCue:
    """A text cue for one design; tried in file order, first match wins."""

    id: str
    code: str
    unless: GatedPattern | None
    any_section: bool
    title_only: bool
    # Only where no more than this many people are counted: "a 24-year-old woman" in
    # the results of a trial of forty is one of them, not a case report.
    max_counted: int | None = None
    min_counted: int | None = None


@dataclass(frozen=True, slots=True)
class DesignRules:
    publication_types: tuple[tuple[str, str], ...]  # (type, design), precedence order
    # (type, design) pairs that decide only where no text cue does and nobody is counted.
    when_text_is_silent: tuple[tuple[str, str], ...]
    # (type, design) pairs: the text may give that design instead of the type's own.
    refined_by_text: tuple[tuple[str, str], ...]
    mesh_animals: str
    mesh_humans: str
    animals_only_design: str
    cues: tuple[DesignCue, ...]
    # Every cue's terms in one matcher, group ``c{i}`` for ``cues[i]``: one scan finds them all.
    cue_matcher: TermMatcher


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every compiled rule the tagger uses."""

    lexicons: dict[str, Lexicon]
    design: DesignRules
    context: dict[str, GatedPattern]
    # The word starts where any lexicon term or design cue may match, found in
    # one scan per text and shared by every matcher (see matcher.StartFinder).
    starts: StartFinder


def _terms(group: str, terms: list[str], terms_cs: list[str], where: str) -> list[Term]:
    """Validated :class:`Term` objects; a broken fragment is reported with its rule."""
    result = [Term(group, term) for term in terms] + [Term(group, t, True) for t in terms_cs]
    for term in result:
        _compile(term.pattern, where)
        # A term ends at a word end (the matcher adds (?!\w)): one written to end in a
        # space could only match before a non-word character, which it never meant.
        if term.pattern != term.pattern.rstrip():
            raise ValueError(f"{where}: term {term.pattern!r} ends in white space; terms end "
                             "at a word end")
    return result


def _compile(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source, _FLAGS)
    except re.error as error:
        raise ValueError(f"{where}: invalid regular expression {source!r}: {error}") from error


def _str_list(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where}: {key!r} must be a list of strings")
    return value


def _optional_pattern(table: dict[str, Any], key: str, where: str) -> GatedPattern | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key!r} must be a string")
    return GatedPattern(_compile(value, f"{where} {key}"))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path.name}: not valid TOML: {error}") from error


def _check_code(kind: str, code: object, where: str) -> str:
    if not isinstance(code, str) or code not in CODES_BY_KIND[kind]:
        raise ValueError(f"{where}: unknown {kind} code {code!r} (TAGS.md defines "
                         f"{', '.join(CODES_BY_KIND[kind])})")
    return code


def load_lexicon(path: Path, kind: str) -> Lexicon:
    """Parse and validate one lexicon file for ``kind``."""
    data = _read(path)
    declared = data.get("kind")
    if declared != kind:
        raise ValueError(f"{path.name}: declares kind {declared!r}, expected {kind!r}")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ValueError(f"{path.name}: no [[rule]] entries")
    rules: list[LexiconRule] = []
    all_terms: list[Term] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule_id = raw.get("id")
        where = f"{path.name} rule {rule_id or index}"
        if not isinstance(rule_id, str) or not rule_id:
            raise ValueError(f"{where}: missing 'id'")
        if rule_id in seen:
            raise ValueError(f"{where}: duplicate id {rule_id!r}")
        seen.add(rule_id)
        unknown = set(raw) - {"id", "code", "terms", "terms_cs", "requires", "unless", "implies"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        code = _check_code(kind, raw.get("code"), f"{path.name} rule {rule_id}")
        implies = tuple(
            _check_code(kind, implied, f"{path.name} rule {rule_id} implies")
            for implied in _str_list(raw, "implies", where)
        )
        terms = _str_list(raw, "terms", where)
        terms_cs = _str_list(raw, "terms_cs", where)
        if not terms and not terms_cs:
            raise ValueError(f"{where}: no terms")
        all_terms += _terms(f"r{index}", terms, terms_cs, where)
        rules.append(
            LexiconRule(
                id=rule_id,
                kind=kind,
                code=code,
                requires=_optional_pattern(raw, "requires", where),
                unless=_optional_pattern(raw, "unless", where),
                implies=implies,
            )
        )
    return Lexicon(kind, tuple(rules), TermMatcher(all_terms, _FLAGS))


def _type_pairs(entries: object, name: str) -> tuple[tuple[str, str], ...]:
    """``[type, design]`` entries, each design checked against TAGS.md."""
    pairs: list[tuple[str, str]] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        valid = isinstance(entry, list) and len(entry) == 2
        if not (valid and all(isinstance(item, str) for item in entry)):
            raise ValueError(f"{name}: publication type entries are [type, design], got {entry!r}")
        where = f"{name} publication type {entry[0]!r}"
        pairs.append((entry[0], _check_code("design", entry[1], where)))
    return tuple(pairs)


def load_design(path: Path) -> DesignRules:
    """Parse and validate the design file (publication types, MeSH, text cues)."""
    data = _read(path)
    name = path.name
    types = data.get("publication_types", {})
    pairs = _type_pairs(types.get("precedence", []), name)
    silent_pairs = _type_pairs(types.get("when_text_is_silent", []), name)
    refined_pairs = _type_pairs(types.get("refined_by_text", []), name)
    mesh = data.get("mesh", {})
    animals_only = _check_code("design", mesh.get("animals_only_design", "preclinical"),
                               f"{name} mesh")
    cues: list[DesignCue] = []
    cue_terms: list[Term] = []
    seen: set[str] = set()
    for index, raw in enumerate(data.get("cue", [])):
        cue_id = raw.get("id")
        where = f"{name} cue {cue_id or index}"
        if not isinstance(cue_id, str) or cue_id in seen:
            raise ValueError(f"{where}: missing or duplicate 'id'")
        seen.add(cue_id)
        unknown = set(raw) - {"id", "code", "terms", "terms_cs", "unless", "sections", "source",
                              "max_counted", "min_counted"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        code = _check_code("design", raw.get("code"), f"{name} cue {cue_id}")
        terms = _str_list(raw, "terms", where)
        terms_cs = _str_list(raw, "terms_cs", where)
        if not terms and not terms_cs:
            raise ValueError(f"{where}: no terms")
        sections = raw.get("sections", "counted")
        if sections not in ("any", "counted"):
            raise ValueError(f"{where}: sections must be 'any' or 'counted', got {sections!r}")
        source = raw.get("source", "any")
        if source not in ("any", "title"):
            raise ValueError(f"{where}: source must be 'any' or 'title', got {source!r}")
        cue_terms += _terms(f"c{index}", terms, terms_cs, where)
        cues.append(
            DesignCue(
                id=cue_id,
                code=code,
                unless=_optional_pattern(raw, "unless", where),
                any_section=sections == "any",
                title_only=source == "title",
                max_counted=_optional_int(raw, "max_counted", where),
                min_counted=_optional_int(raw, "min_counted", where),
            )
        )
    return DesignRules(
        publication_types=pairs,
        when_text_is_silent=silent_pairs,
        refined_by_text=refined_pairs,
        mesh_animals=str(mesh.get("animals", "Animals")),
        mesh_humans=str(mesh.get("humans", "Humans")),
        animals_only_design=animals_only,
        cues=tuple(cues),
        cue_matcher=TermMatcher(cue_terms, _FLAGS),
    )


def _optional_int(raw: dict[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < 0):
        raise ValueError(f"{where}: {key} must be a whole number, got {value!r}")
    return value


def load_context(path: Path) -> dict[str, GatedPattern]:
    """Parse the sentence-context patterns; every expected key must be present."""
    patterns = _read(path).get("patterns", {})
    missing = [key for key in _CONTEXT_KEYS if key not in patterns]
    if missing:
        raise ValueError(f"{path.name}: missing patterns {missing}")
    unknown = sorted(set(patterns) - set(_CONTEXT_KEYS))
    if unknown:
        raise ValueError(f"{path.name}: unknown patterns {unknown}")
    # Gated: most sentences hold none of a context pattern's words (see GatedPattern).
    return {key: GatedPattern(_compile(patterns[key], f"{path.name} {key}"))
            for key in _CONTEXT_KEYS}


def load_rules(directory: Path = RULES_DIR) -> RuleSet:
    """Load and compile every rule file in ``directory``."""
    lexicons = {kind: load_lexicon(directory / file, kind) for kind, file in LEXICON_FILES.items()}
    design = load_design(directory / "design.toml")
    finder = StartFinder([*(lexicon.matcher for lexicon in lexicons.values()), design.cue_matcher])
    return RuleSet(lexicons, design, load_context(directory / "context.toml"), finder)


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The packaged rules, loaded once per process (tagging must not reparse TOML)."""
    return load_rules()
