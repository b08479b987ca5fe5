"""The rule-based tagger: one :class:`Article` in, one :class:`Tagging` out.

Pipeline: split the title and abstract into sentences with spans; decide
which sentences speak for the study (background vs. the study's own
statements); scan each lexicon once over the normalised texts; decide the
design (publication types, then MeSH, then text cues); then keep the
matches the design's policy allows (study arms for primary studies, every
mention for reviews), and read the numbers. Every label becomes a
:class:`Tag` with its sentence, source, span and rule id.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from evidence.records import Article
from evidence.tagging import quantities
from evidence.tagging.matcher import TermMatcher
from evidence.tagging.result import Tag, Tagging
from evidence.tagging.rules import DesignCue, Lexicon, RuleSet, default_rules, normalise
from evidence.tagging.sentences import (
    BACKGROUND,
    OBJECTIVE,
    RESULTS,
    TITLE,
    UNLABELLED,
    Sentence,
    article_sentences,
)
from evidence.tagging.vocabulary import (
    CONDITIONS,
    DEVICES,
    EVIDENCE_LEVEL,
    INTERVENTIONS,
    OUTCOMES,
    PRIMARY_HUMAN_DESIGNS,
    REVIEW_DESIGNS,
)

TAGGER_VERSION = "2026.12.7"

# Every TAGS.md device is a needling device, so naming one names the intervention.
DEVICE_INTERVENTION = "microneedling"
# TAGS.md: FPHL counts as AGA; women with AGA are FPHL.
AGA, FPHL = "androgenetic_alopecia", "female_pattern_hair_loss"
_CODE_ORDER = {
    kind: {code: i for i, code in enumerate(codes)}
    for kind, codes in (
        ("condition", CONDITIONS),
        ("intervention", INTERVENTIONS),
        ("device", DEVICES),
        ("outcome", OUTCOMES),
    )
}
# How far back from an intervention term to look for "did not respond to".
_PRIOR_WINDOW = 80
# How far from a term an exclusion or future-work cue may stand in its clause, and a
# "not measured" one (which must follow its subject closely, with no comma between).
_CLAUSE_REACH = 120
_NOT_MEASURED_REACH = 60
# "We did not measure [the patients'] hair thickness": the term follows within a few words.
_NOT_MEASURED_BEFORE_REACH = 30
# Designs that mark a protocol: what it will measure is not yet measured (TAGS.md).
_PROTOCOL_RULES = ("design.protocol.", "design.other.publication_type")
# "PRP not permitted", "finasteride washout": a verbless cue right after its term.
_ADJACENT_REACH = 8


@dataclass(frozen=True, slots=True)
class _Hit:
    """A lexicon match that passed its rule's own requires/unless checks."""

    code: str
    rule: str
    sentence: int
    offset: int  # start of the match within the normalised sentence
    end: int  # and its end

    @property
    def span(self) -> tuple[int, int]:
        return self.offset, self.end


class _Document:
    """The sentences of one article with everything rules ask about them."""

    def __init__(self, article: Article, rules: RuleSet) -> None:
        self.article = article
        self.rules = rules
        self.sentences: list[Sentence] = article_sentences(article)
        self.title_norm = normalise(article.title or "")
        self.abstract_norm = normalise(article.abstract_text) if article.abstract else ""
        # Word starts where some term or cue may match, shared by every scan.
        self.starts = {TITLE: rules.starts.starts(self.title_norm),
                       "abstract": rules.starts.starts(self.abstract_norm)}
        self.norm: list[str] = [
            (self.title_norm if s.source == TITLE else self.abstract_norm)[s.start : s.end]
            for s in self.sentences
        ]
        context = rules.context
        self.search = [context["search_strategy"].has_match(text) for text in self.norm]
        self._study: list[bool | None] = [None] * len(self.sentences)
        self.counted = self._counted_sentences()
        self._abstract_starts = [s.start for s in self.sentences if s.source == "abstract"]
        self._first_abstract = next(
            (i for i, s in enumerate(self.sentences) if s.source == "abstract"), len(self.sentences)
        )

    def _counted_sentences(self, *, review: bool = False) -> list[bool]:
        """Which sentences speak for the study rather than its background.

        Labelled background sections are background (unless a sentence states
        the study's aim); in unlabelled text, the sentences before the first
        one about this record are background. For a ``review``, a sentence on
        what the reviewed studies did or found ("Randomized trials have compared
        ...") speaks for it too.
        """
        counted: list[bool] = []
        seen_study = False
        for index, sentence in enumerate(self.sentences):
            if sentence.section == TITLE:
                counted.append(True)
                continue
            # The study pattern is costly: only ask where the answer is used.
            if sentence.section == BACKGROUND:
                is_study = self.is_study(index)
                counted.append(is_study)
                seen_study = seen_study or is_study
            elif sentence.section == UNLABELLED:
                seen_study = seen_study or self.is_study(index) or (
                    review and self.rules.context["review_statement"].has_match(
                        self.norm[index]))
                counted.append(seen_study)
            else:
                seen_study = True
                counted.append(True)
        return counted

    def is_study(self, index: int) -> bool:
        """Whether sentence ``index`` states what this record did (asked once per sentence)."""
        found = self._study[index]
        if found is None:
            context, text = self.rules.context, self.norm[index]
            found = self._study[index] = (context["study_statement"].has_match(text)
                                          or context["study_count_in_words"].has_match(text))
        return found

    def in_clause_with(self, index: int, span: tuple[int, int], cue: str, *,
                       after: bool | None, reach: int = _CLAUSE_REACH,
                       commas: bool = False) -> bool:
        """Whether context pattern ``cue`` stands after (``after=True``), before, or on
        either side (None) of the term at ``span`` of sentence ``index``, in the same
        clause: "minoxidil ... were excluded". What lies between the term and the cue
        must hold no clause_break (nor, with ``commas``, a comma); the term itself is not
        read ("randomized" is a break, and the term of "randomized trials are needed")."""
        text = self.norm[index]
        context = self.rules.context
        start, end = span
        for match in context[cue].finditer(text):
            if match.start() >= end:
                if after is False:
                    continue
                low, high = end, match.start()
            elif match.end() <= start:
                if after is True:
                    continue
                low, high = match.end(), start
            else:  # the cue overlaps the term
                return True
            if high - low <= reach and not context["clause_break"].search(text, low, high) \
                    and not (commas and "," in text[low:high]):
                return True
        return False

    def is_future_work(self, index: int, span: tuple[int, int]) -> bool:
        """Whether the clause of sentence ``index`` around ``span`` calls for work rather
        than reports it ("but larger randomized trials are needed")."""
        return self.in_clause_with(index, span, "future_work", after=None)

    def text_before(self, index: int, start: int) -> str:
        """The normalised text just before a term, for the patterns read up to it."""
        return self.norm[index][max(0, start - _PRIOR_WINDOW):start]

    def is_excluded(self, index: int, span: tuple[int, int]) -> bool:
        """The term at ``span`` is an exclusion criterion, not what the study had or used."""
        context = self.rules.context
        return (context["avoided_before"].has_match(self.text_before(index, span[0]))
                or self.in_clause_with(index, span, "excluded_after", after=True)
                or self.in_clause_with(index, span, "withheld_after", after=True,
                                       reach=_ADJACENT_REACH)
                or self.in_clause_with(index, span, "excluded_before", after=False))

    def is_not_measured(self, index: int, span: tuple[int, int]) -> bool:
        """The term at ``span`` is the subject of "... was not assessed", or the object of
        "we did not measure ..."."""
        return (self.in_clause_with(index, span, "not_measured", after=True,
                                    reach=_NOT_MEASURED_REACH, commas=True)
                or self.in_clause_with(index, span, "not_measured_before", after=False,
                                       reach=_NOT_MEASURED_BEFORE_REACH, commas=True)
                or self.in_clause_with(index, span, "neither_measured", after=None, reach=0))

    def is_outcome_not_measured(self, index: int, span: tuple[int, int]) -> bool:
        """:meth:`is_not_measured`, or, for an outcome only, "... data were not available"
        (a treatment "not available in every clinic" was still used)."""
        return self.is_not_measured(index, span) or self.in_clause_with(
            index, span, "data_unavailable", after=True, reach=_NOT_MEASURED_REACH,
            commas=True)

    def sentence_at(self, source: str, position: int) -> int | None:
        """Index of the sentence containing ``position`` of the normalised source text."""
        if source == TITLE:
            first = self.sentences[0] if self.sentences else None
            if first and first.source == TITLE and first.start <= position < first.end:
                return 0
            return None
        slot = bisect_right(self._abstract_starts, position) - 1
        if slot < 0:
            return None
        index = self._first_abstract + slot
        return index if position < self.sentences[index].end else None

    def scan(self, lexicon: Lexicon) -> list[_Hit]:
        """Every match of ``lexicon`` in title and abstract, in reading order."""
        hits: list[_Hit] = []
        for source, text in ((TITLE, self.title_norm), ("abstract", self.abstract_norm)):
            position = 0
            match_at = lexicon.matcher.match_at
            # matcher.search(text, position) in a loop, without a search per match.
            for at in self.starts[source]:
                if at < position:
                    continue
                match = match_at(text, at)
                if match is None:
                    continue
                position = match.end()
                index = self.sentence_at(source, match.start())
                if index is None:
                    continue
                rule = lexicon.rule_for(match)
                sentence_text = self.norm[index]
                if (rule.requires and not rule.requires.has_match(sentence_text)) or (
                    rule.unless and rule.unless.has_match(sentence_text)
                ):
                    # Another rule may still match inside this span.
                    position = match.start() + 1
                    continue
                offset = match.start() - self.sentences[index].start
                end = match.end() - self.sentences[index].start
                hits.append(_Hit(rule.code, rule.id, index, offset, end))
                hits.extend(_Hit(code, rule.id, index, offset, end) for code in rule.implies)
        return hits

    def tag(self, kind: str, code: str, index: int, rule: str) -> Tag:
        sentence = self.sentences[index]
        return Tag(kind, code, sentence.text, sentence.source, sentence.start, sentence.end, rule)


def tag_article(article: Article, rules: RuleSet | None = None) -> Tagging:
    """Tag one article with the TAGS.md labels, each with its provenance."""
    rules = rules or default_rules()
    doc = _Document(article, rules)
    context = rules.context
    tags: list[Tag] = []
    result = Tagging(tagger_version=TAGGER_VERSION)

    counted_text = [text if doc.counted[i] else "" for i, text in enumerate(doc.norm)]
    people = quantities.sample_size(counted_text)

    design, design_tag = _design(doc, people)
    result.design = design
    result.evidence_level = EVIDENCE_LEVEL[design]
    primary = design in PRIMARY_HUMAN_DESIGNS
    if design in REVIEW_DESIGNS and not all(doc.counted):
        doc.counted = doc._counted_sentences(review=True)
        counted_text = [text if doc.counted[i] else "" for i, text in enumerate(doc.norm)]
        people = quantities.sample_size(counted_text)

    hits = {kind: doc.scan(lexicon) for kind, lexicon in rules.lexicons.items()}

    def allowed(hit: _Hit, kind: str) -> bool:
        i = hit.sentence
        if doc.search[i]:
            return False
        if kind == "outcome":
            if not doc.counted[i]:
                return False
            section = doc.sentences[i].section
            if section not in (RESULTS, TITLE) and (
                    context["hedge"].has_match(doc.norm[i]) or doc.is_future_work(i, hit.span)):
                return False
            # "No adverse events were recorded" reports on safety: not_measured reads
            # only "... were not recorded" (and not "... in any patient").
            return not doc.is_outcome_not_measured(i, hit.span)
        # The sentence-level answers first: the clause checks scan the sentence again.
        if primary and not doc.counted[i]:
            return False
        if doc.is_excluded(i, hit.span):
            return False
        if kind == "condition":
            return True
        # interventions and devices
        if doc.is_not_measured(i, hit.span):
            return False
        if doc.is_future_work(i, hit.span):  # "... by microneedling in future studies"
            return False
        if primary:
            before = doc.text_before(i, hit.offset)
            return not (context["prior_treatment"].has_match(before)
                        or context["contrast_before"].has_match(before)
                        or doc.in_clause_with(i, hit.span, "standing_after", after=True,
                                              reach=_ADJACENT_REACH)
                        or doc.in_clause_with(i, hit.span, "failed_after", after=True,
                                              reach=0)
                        or doc.in_clause_with(i, hit.span, "reported_elsewhere_after",
                                              after=True, reach=_NOT_MEASURED_REACH))
        return not context["established_treatment"].has_match(doc.norm[i])

    def states_aim(hit: _Hit) -> bool:
        i = hit.sentence
        return doc.sentences[i].section == OBJECTIVE or context["aim_statement"].has_match(
            doc.norm[i])

    chosen: dict[str, dict[str, _Hit]] = {}
    for kind, kind_hits in hits.items():
        first: dict[str, _Hit] = {}
        for hit in kind_hits:
            if hit.code not in first and allowed(hit, kind):
                first[hit.code] = hit
        if kind == "outcome":
            # The evidence for an outcome is where it was measured or reported when the
            # record says so, rather than the aim that planned it ("to assess safety").
            for code, hit in list(first.items()):
                if not states_aim(hit):
                    continue
                later_hits = [later for later in kind_hits
                              if later.code == code and later.sentence > hit.sentence]
                reported = next((later for later in later_hits
                                 if allowed(later, kind) and not states_aim(later)), None)
                if reported is not None:
                    first[code] = reported
                elif any(doc.is_outcome_not_measured(later.sentence, later.span)
                         for later in later_hits):
                    del first[code]  # planned, then "hair thickness data were not available"
            if design_tag is not None and design_tag.rule.startswith(_PROTOCOL_RULES):
                first.clear()  # a protocol's outcomes are plans, not measurements
        chosen[kind] = first

    for code, hit in chosen["device"].items():
        chosen["intervention"].setdefault(
            DEVICE_INTERVENTION, _Hit(DEVICE_INTERVENTION, f"intervention.{DEVICE_INTERVENTION}."
                                      f"device.{code}", hit.sentence, hit.offset, hit.end)
        )
    conditions = chosen["condition"]
    if AGA in conditions and FPHL not in conditions:
        for i, text in enumerate(doc.norm):
            if not doc.counted[i] or doc.sentences[i].section == TITLE:
                continue
            if any(not doc.is_excluded(i, match.span())
                   for match in context["female_participants"].finditer(text)):
                conditions[FPHL] = _Hit(FPHL, f"condition.{FPHL}.participants", i, 0, 0)
                break

    relevant, relevant_index, relevant_rule = _relevance(
        doc, chosen["intervention"],
        conditions if primary or design == "preclinical" else {})
    result.relevant = relevant
    if relevant_index is not None:
        tags.append(doc.tag("relevant", "true" if relevant else "false", relevant_index,
                            relevant_rule))
    if design_tag is not None:
        tags.append(design_tag)

    for kind, attribute in (("condition", "conditions"), ("intervention", "interventions"),
                            ("device", "devices"), ("outcome", "outcomes")):
        order = _CODE_ORDER[kind]
        selected = sorted(chosen[kind].values(), key=lambda h: order[h.code])
        setattr(result, attribute, [hit.code for hit in selected])
        tags.extend(doc.tag(kind, hit.code, hit.sentence, hit.rule) for hit in selected)

    _numbers(doc, result, tags, people, counted_text, primary)
    result.tags = tags
    return result


def _design(doc: _Document, people: tuple[int, int] | None) -> tuple[str, Tag | None]:
    """Publication types, then MeSH, then the text cues, then the fallbacks."""
    article, rules = doc.article, doc.rules.design
    present = {ptype.strip().lower(): ptype for ptype in article.publication_types}
    for ptype, design in rules.publication_types:
        original = present.get(ptype.lower())
        if original is not None:
            refined = _refined_by_text(doc, people, ptype)
            if refined is not None:
                return refined
            return design, Tag("design", design, original, "publication_type", 0, len(original),
                               f"design.{design}.publication_type")
    mesh = {term.lower(): term for term in article.mesh_terms}
    if rules.mesh_animals.lower() in mesh and rules.mesh_humans.lower() not in mesh:
        term = mesh[rules.mesh_animals.lower()]
        design = rules.animals_only_design
        return design, Tag("design", design, term, "mesh", 0, len(term), f"design.{design}.mesh")
    found = _first_cue(doc, people)
    if found is not None:
        cue, index = found
        return cue.code, doc.tag("design", cue.code, index, cue.id)
    if people is not None:
        count, index = people
        if count > 3 and (arms := _arms_sentence(doc)) is not None:
            # two arms counted apart, randomization not stated (TAGS.md: controlled trial)
            return "controlled_trial", doc.tag("design", "controlled_trial", arms,
                                               "design.controlled_trial.arms")
        design = "case_report" if count <= 3 else "case_series"
        return design, doc.tag("design", design, index, f"design.{design}.participants")
    for ptype, design in rules.when_text_is_silent:
        original = present.get(ptype.lower())
        if original is not None:
            return design, Tag("design", design, original, "publication_type", 0, len(original),
                               f"design.{design}.publication_type")
    if not doc.sentences:
        return "other", None
    if not doc.article.abstract:  # a bare title says too little to call it a review
        return "other", doc.tag("design", "other", 0, "design.other.no_abstract")
    # No cue and nobody counted: a text about its own object ("this article
    # presents ...") is "other"; one that only discusses the field is a review.
    describes_itself = any(
        doc.is_study(i) for i in range(len(doc.sentences)) if doc.sentences[i].source != TITLE
    )
    design = "other" if describes_itself else "narrative_review"
    return design, doc.tag("design", design, 0, f"design.{design}.fallback")


# Arms counted apart: "allocated to X (n = 20) or Y (n = 20)" (the sample's own pattern
# for arms, quantities.ARMS_COUNTED, which needs the word that allocated them, so a
# breakdown of those studied, "paroxysmal (n=3) or persistent (n=24) AF", is none), or
# "two groups of 15".
_GROUPS_OF = re.compile(
    r"\b(?:two|three|four|2|3|4)\s+(?:treatment\s+|study\s+|equal\s+|parallel\s+)?"
    r"(?:groups|arms)\s+(?:of|each\s+of)\s+\d+", re.IGNORECASE)


def _arms_sentence(doc: _Document) -> int | None:
    """The first counted sentence that counts two arms apart, if any."""
    for i, text in enumerate(doc.norm):
        if doc.counted[i] and (("=" in text and quantities.ARMS_COUNTED.search(text))
                               or (("group" in text.lower() or "arms" in text)
                                   and _GROUPS_OF.search(text))):
            return i
    return None


# What a pooled result reports: the record's own meta-analysis, not one it cites.
_POOLED_ESTIMATE = re.compile(
    r"\b95\s*%\s*ci\b|confidence\s+interval|mean\s+difference|\bs?md\b|odds\s+ratio"
    r"|risk\s+ratio|relative\s+risk|\bi2\s*=|\bi\^2|heterogeneity|random-effects|fixed-effects",
    re.IGNORECASE)


def _refined_by_text(doc: _Document, people: tuple[int, int] | None,
                     ptype: str) -> tuple[str, Tag] | None:
    """The design the record's own text gives instead of publication type ``ptype``, where
    design.toml lets it (``refined_by_text``): a cue in the title, or in a sentence that
    states what this record did; for a case series, more than three people counted.

    Cues are read in design.toml's order, up to the first that names another design: a
    pooling sentence without "we" ("Pooled analysis showed ...") does not refine, but the
    record's own search after it ("We searched PubMed ...") does. A systematic review so
    found whose text reports pooling is a meta-analysis.
    """
    allowed = {design for name, design in doc.rules.design.refined_by_text
               if name.lower() == ptype.lower()}
    if not allowed:
        return None
    cues = doc.rules.design.cues
    hits = _cue_hits(doc, people)
    for number in sorted(hits):
        cue, index = cues[number], hits[number]
        if cue.code not in allowed:
            break
        if doc.sentences[index].source != TITLE and not doc.is_study(index):
            continue
        if cue.code == "systematic_review" and "meta_analysis" in allowed:
            # Its pooling, if the sentence speaks for the record or reports an estimate:
            # not "future meta-analyses are needed" or "a meta-analysis by Smith pooled".
            pooled = min((n for n in hits if cues[n].code == "meta_analysis"), default=None)
            if pooled is not None and (
                    doc.sentences[hits[pooled]].source == TITLE or doc.is_study(hits[pooled])
                    or _POOLED_ESTIMATE.search(doc.norm[hits[pooled]])):
                cue, index = cues[pooled], hits[pooled]
        return cue.code, doc.tag("design", cue.code, index, f"{cue.id}.refines_type")
    first = min(hits, default=None)
    if "case_series" in allowed and people is not None and people[0] > 3 and (
            first is None or cues[first].code != "case_report"):
        return "case_series", doc.tag("design", "case_series", people[1],
                                      "design.case_series.participants.refines_type")
    return None


def _first_cue(doc: _Document, people: tuple[int, int] | None) -> tuple[DesignCue, int] | None:
    """The highest-priority design cue and its first qualifying sentence."""
    hits = _cue_hits(doc, people)
    if not hits:
        return None
    number = min(hits)
    return doc.rules.design.cues[number], hits[number]


def _cue_hits(doc: _Document, people: tuple[int, int] | None) -> dict[int, int]:
    """Every design cue that qualifies, by its number in design.toml, with its first
    qualifying sentence.

    One scan over title and abstract collects every cue (overlapping matches
    allowed, so a low-priority cue cannot hide a higher one).
    """
    cues = doc.rules.design.cues
    hits: dict[int, int] = {}
    matcher = doc.rules.design.cue_matcher
    for source, text in ((TITLE, doc.title_norm), ("abstract", doc.abstract_norm)):
        # Every word start in turn: overlapping matches, as search(text, start + 1) would.
        for at in doc.starts[source]:
            match = matcher.match_at(text, at)
            if match is None:
                continue
            number = int(TermMatcher.group(match)[1:])
            if number in hits:
                continue
            cue = cues[number]
            if cue.code == "preclinical" and people is not None:
                continue  # a study that counts its participants is not bench work
            if people is not None and (
                    (cue.max_counted is not None and people[0] > cue.max_counted)
                    or (cue.min_counted is not None and people[0] < cue.min_counted)):
                continue
            i = doc.sentence_at(source, match.start())
            if i is None or (cue.title_only and source != TITLE):
                continue
            sentence_start = doc.sentences[i].start
            # A review names the gaps it leaves for future research in the sentence that
            # says what it does ("we summarize ... and highlight gaps for future research").
            if not (cue.any_section or doc.counted[i]) or (
                    cue.code != "narrative_review" and doc.is_future_work(
                        i, (match.start() - sentence_start, match.end() - sentence_start))):
                continue
            if cue.unless and cue.unless.has_match(doc.norm[i]):
                continue
            hits[number] = i
    return hits


def _relevance(doc: _Document, interventions: dict[str, _Hit],
               participants_have: dict[str, _Hit]) -> tuple[bool, int | None, str]:
    """Microneedling (as the design's policy counts it) used for hair loss or growth: the
    two in the title or in one sentence, or needling an arm of a study whose own
    participants (or animals) have a hair-loss condition ("Women with FPHL were
    included. Twenty-five patients received microneedling"). A review's conditions are
    its studies' (one of many indications), so they are not passed."""
    context = doc.rules.context
    has_title = bool(doc.sentences) and doc.sentences[0].source == TITLE
    title_index = 0 if has_title else None
    needling = interventions.get("microneedling")
    if needling is None:
        return False, title_index, "relevant.no_microneedling"
    title = doc.norm[0] if has_title else ""
    hair_in_title = context["hair_context"].has_match(title)
    if hair_in_title and context["other_purpose"].has_match(title) \
            and not context["hair_purpose"].has_match(title):
        return False, 0, "relevant.other_indication"
    if hair_in_title:
        # The sentence that names the needling, where the title does not: the reason shown
        # must say microneedling ("Intradermal minoxidil in alopecia areata" does not).
        if needling.sentence == 0:
            return True, 0, "relevant.title"
        return True, needling.sentence, "relevant.hair_in_title"
    if context["other_indication"].has_match(title):
        return False, title_index, "relevant.other_indication"
    lexicon = doc.rules.lexicons["intervention"]
    for i, text in enumerate(doc.norm):
        if doc.search[i] or not context["hair_context"].has_match(text):
            continue
        for match in lexicon.matcher.finditer(text):
            if lexicon.rule_for(match).code == "microneedling":
                return True, i, "relevant.sentence"
    if participants_have:  # every condition of TAGS.md is a hair-loss condition
        first = min(participants_have.values(), key=lambda hit: hit.sentence)
        return True, first.sentence, "relevant.condition"
    return False, title_index, "relevant.no_hair_context"


def _numbers(
    doc: _Document,
    result: Tagging,
    tags: list[Tag],
    people: tuple[int, int] | None,
    counted_text: list[str],
    primary: bool,
) -> None:
    """Sample size, needle depth, sessions and follow-up, with their sentences."""
    if result.design != "preclinical":
        if people is not None:
            result.sample_size, index = people
            tags.append(doc.tag("sample_size", str(result.sample_size), index,
                                "sample_size.participants"))
        elif result.design == "case_report":
            index_or_none = quantities.single_case(counted_text)
            if index_or_none is not None:
                result.sample_size = 1
                tags.append(doc.tag("sample_size", "1", index_or_none, "sample_size.single_case"))
    # A needle depth only where needling is an arm: "a deep lesion, 2 mm in length" in a
    # case of aortic perforation is no depth of anything the record used.
    depth = (quantities.needle_depth(counted_text)
             if "microneedling" in result.interventions else None)
    if depth is not None:
        (low, high), index = depth
        result.needle_depth_mm = (low, high)
        tags.append(doc.tag("needle_depth_mm", f"{_number(low)}-{_number(high)}", index,
                            "needle_depth_mm.stated"))
    if "microneedling" in result.interventions:
        found = quantities.sessions(counted_text)
        if found is not None and found[0] is not None:
            result.sessions, index = found[0], found[1]
            tags.append(doc.tag("sessions", str(result.sessions), index, "sessions.stated"))
    if primary:
        follow = quantities.follow_up_weeks(counted_text)
        if follow is not None:
            weeks, index = follow
            result.follow_up_weeks = float(weeks)
            tags.append(doc.tag("follow_up_weeks", str(weeks), index, "follow_up_weeks.stated"))


def _number(value: float) -> str:
    return f"{value:g}"


__all__ = ["TAGGER_VERSION", "tag_article"]
