"""The tagger's shortcuts (anchors, start finder, gated patterns) never change a result.

Each shortcut only skips work that cannot produce a match; these tests pin
that down against the plain ``re`` behaviour, including the Unicode
characters that ``re`` matches case-insensitively to ASCII letters.
"""

from __future__ import annotations

import random
import re

from evidence.tagging.matcher import (
    _CUT,
    _END,
    GatedPattern,
    StartFinder,
    Term,
    TermMatcher,
    anchors,
)
from evidence.tagging.rules import _NORMALISE, default_rules, normalise
from evidence.tagging.sentences import _ABBREVIATIONS, _is_abbreviation


def test_anchors_are_the_literal_starts_of_a_term() -> None:
    assert anchors("minoxidil") == {("minoxidi", _CUT)}  # cut at eight characters
    assert anchors("AGA") == {("aga", _END)}
    assert anchors("rats?") == {("rat", _END), ("rats", _END)}
    assert anchors(r"micro[- ]?needl\w*") == {("micro-ne", _CUT), ("micro ne", _CUT),
                                               ("micronee", _CUT)}
    assert anchors(r"(?<!non-)steroids?") == {("steroid", _END), ("steroids", _CUT)}
    assert anchors(r"(?:7|seven) ?- ?point") == {
        ("7-point", _END), ("7 -point", _CUT), ("7- point", _CUT), ("7 - poin", _CUT),
        ("seven-po", _CUT), ("seven -p", _CUT), ("seven- p", _CUT), ("seven - ", _CUT),
    }
    assert anchors(r"c57bl\S*") == {("c57bl", _CUT)}
    assert anchors(r"\d+ patients") is None  # may begin with any digit
    assert anchors(r"(?:[\w-]+ )?cells") is None


def test_start_finder_keeps_every_word_start_where_a_term_matches() -> None:
    terms = [Term("s", "scarring alopecia"), Term("k", "ketoconazole"), Term("a", "AGA", True),
             Term("r", "5[- ]?(?:alpha|α)[- ]?reductase")]
    matcher = TermMatcher(terms)
    finder = StartFinder([matcher])
    # U+017F and U+212A match "s" and "k" under IGNORECASE, as in the terms.
    text = "\u017fcarring alopecia, \u212aetoconazole, saga AGA, 5α-reductase; ascarring alopecia"
    assert finder.starts(text) == [0, 19, 38, 43]
    found = [(TermMatcher.group(m), m.start()) for m in matcher.finditer(text)]
    # The finder offers the long s too; trying a term stays keyed on the two
    # lower-cased letters at the word start ("ſc" keys no bucket), as before.
    assert found == [("k", 19), ("a", 38), ("r", 43)]


def test_shared_starts_give_the_same_matches_as_a_plain_word_start_scan() -> None:
    rules = default_rules()
    matchers = [lexicon.matcher for lexicon in rules.lexicons.values()]
    matchers.append(rules.design.cue_matcher)
    every_word_start = re.compile(r"(?<!\w)\w")
    random.seed(7)
    pieces = ["Microneedling", "with", "PRP", "and", "minoxidil", "in", "AGA", "women", "(FPHL)",
              "hair density", "rats", "ratio", "\u017fafety", "5α-reductase", "randomized",
              "İn vitro", "a case of", "split-scalp", "-", ",", "0.5 mm", "\u212a"]
    for _ in range(300):
        text = " ".join(random.choice(pieces) for _ in range(random.randint(1, 30)))
        shared = rules.starts.starts(text)
        every = [m.start() for m in every_word_start.finditer(text)]
        for matcher in matchers:
            assert _found(matcher, text, shared) == _found(matcher, text, every), text


def test_hyperscan_start_finder_gives_the_regex_finders_answer() -> None:
    """The one-pass Hyperscan route (literal_scan) and the regex agree on every text,
    ASCII, other Unicode (scanned through its ASCII stand-in), and the characters that
    only the regex can judge (the long s, the Kelvin sign, Greek alpha)."""
    finder = default_rules().starts
    assert finder._scanner is not None, "Hyperscan is a pinned dependency: its route must run"
    random.seed(19)
    pieces = ["Microneedling", "with", "PRP", "minoxidil", "AGA", "women", "(FPHL)", "rats",
              "hair density", "split-scalp", "randomized", "a case of", "0.5 mm", ",", "-",
              "Müller", "naïve", "±", "patient\u05f3s", "≥2", "°C", "café-au-lait", "über",
              "dermaroller", "é", "x", "case-control", "ﬁnasteride", "ßeta",
              "\u017fafety", "5α-reductase", "\u212a", "İn vitro"]
    routes = {"ascii": 0, "stand-in": 0, "regex": 0}
    for _ in range(3000):
        text = " ".join(random.choice(pieces) for _ in range(random.randint(0, 25)))
        fast = finder._scanner.starts(text)
        routes["ascii" if text.isascii() else "stand-in" if fast is not None else "regex"] += 1
        assert finder.starts(text) == finder.regex_starts(text), text
    assert min(routes.values()) > 100, routes  # every route was taken


def test_sample_size_reads_only_sentences_the_weak_pattern_finds() -> None:
    """Each strong sample-size pattern contains the weak one, so filtering sentences by
    the weak pattern first cannot change what a strong pattern finds."""
    from evidence.tagging import quantities

    weak = quantities._SAMPLE_WEAK
    random.seed(23)
    words = ["A", "total", "of", "total of", "60", "Sixty", "male", "AGA", "patients", "women",
             "and", ",", "12", "were", "enrolled", "randomized", "(aged 20-40)", "in total,",
             "involving", "studies", "of the", "reported", "cases", "é", "."]
    for _ in range(3000):
        text = " ".join(random.choice(words) for _ in range(random.randint(0, 14)))
        if any(pattern.search(text) for pattern in quantities._SAMPLE_STRONG):
            assert weak.search(text), text


def _found(matcher: TermMatcher, text: str, starts: list[int]) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), TermMatcher.group(m)) for m in matcher.finditer(text, starts)]


def test_gated_pattern_answers_as_the_pattern_does() -> None:
    pattern = re.compile(r"\b(?:search\w*|keywords?|mesh|terms)\b [^.]*? (?:\bOR\b)", re.I)
    gated = GatedPattern(pattern)
    for text in ("We searched PubMed using hair OR alopecia.", "No such words here.",
                 "Keywords: x OR y", "\u017fearch terms: a OR b", "MeSH: a OR b"):
        expected = pattern.search(text)
        found = gated.search(text)
        assert (found and found.span()) == (expected and expected.span()), text
        assert list(map(re.Match.span, gated.finditer(text))) == list(
            map(re.Match.span, pattern.finditer(text)))
    assert not gated.may_match("nothing to see")
    assert GatedPattern(re.compile(r"\d+ patients")).may_match("anything")  # no gate


def test_gated_patterns_answer_as_their_regex_in_text_beyond_ascii() -> None:
    """Outside ASCII the substring gate still rules patterns out, except in text with a
    character IGNORECASE equates with an ASCII letter: every packaged gated pattern gives
    its regex's answers on text mixing its own anchors with other Unicode."""
    from evidence.tagging import quantities

    gated_patterns = [*default_rules().context.values(), *quantities._GATED.values(),
                      quantities._HAS_PEOPLE, quantities._HAS_SESSIONS,
                      quantities._HAS_DEPTH_UNIT, quantities._HAS_DURATION]
    assert sum(gated._needles is not None for gated in gated_patterns) > 10
    random.seed(29)
    others = ["Müller", "naïve", "±", "≥2", "µm", "μm", "0.5μm", "–", "é", "café", "ﬁ", "α",
              "\u017f", "\u212a", "İ", "ı", "12", "patients", "we", "were", "weeks", ".", ","]
    routes = {"gated": 0, "folding": 0}
    for gated in gated_patterns:
        # Its anchors as written (some beyond ASCII), and as ASCII text reads them.
        own = [text for text, _state in anchors(gated.pattern.pattern) or ()]
        own += [*(gated._needles or ()), *(n.upper() for n in gated._needles or ())]
        for _ in range(300):
            pieces = others + own if random.random() < 0.5 else others
            text = " ".join(random.choice(pieces) for _ in range(random.randint(1, 6))) + " é"
            routes["folding" if re.search("[\u0130\u0131\u017f\u212a]", text) else "gated"] += 1
            expected = [match.span() for match in gated.pattern.finditer(text)]
            assert gated.has_match(text) == bool(expected), (gated.pattern.pattern, text)
            assert [found.start() for found in gated.find_all(text)] == [
                start for start, _end in expected], (gated.pattern.pattern, text)
            found = gated.search(text)
            assert (found and found.span()) == (expected[0] if expected else None)
    assert min(routes.values()) > 100, routes


def test_number_patterns_tried_only_where_a_number_begins_find_what_re_finds() -> None:
    """The patterns that open with a number run only at the word starts the number
    finder gives: on text full of numbers, number words and near misses they find
    exactly what a plain finditer finds, match for match."""
    from evidence.tagging import quantities

    led = [gated for gated in quantities._GATED.values() if gated._begins is not None]
    assert len(led) >= 6  # sample size, sessions and follow-up patterns
    random.seed(31)
    words = ["60", "1,127", "3.5", "x12", "12th", "-4", "/5", ".5", "(n=4)", "Sixty", "sixty-two",
             "one", "none", "a", "A", "hundred", "a hundred", "One hundred and twenty", "often",
             "twentyone", "seventeen", "seven", "ten", "tens", "patients", "male", "women",
             "were", "enrolled", "sessions", "of", "to", "-", "weeks", "months", "follow-up",
             "after", "post", "and", ",", "total of", "in total,", "received", "treatments"]
    tried = 0
    for _ in range(2500):
        text = " ".join(random.choice(words) for _ in range(random.randint(0, 16)))
        for gated in led:
            expected = [match.span() for match in gated.pattern.finditer(text)]
            found = [(item.start(), item.start() + len(item.group() or "")) for item in
                     gated.find_all(text)]
            assert found == expected, (gated.pattern.pattern[:60], text)
            assert gated.has_match(text) == bool(expected), text
            tried += bool(expected)
    assert tried > 300  # the texts do hold matches


def test_normalise_is_the_translation_table() -> None:
    random.seed(3)
    chars = [chr(code) for code in _NORMALISE] + list("ab -é\n")
    for _ in range(2000):
        text = "".join(random.choice(chars) for _ in range(random.randint(0, 40)))
        assert normalise(text) == text.translate(_NORMALISE)


def test_abbreviation_check_reads_the_word_as_the_regex_does() -> None:
    def reference(before: str) -> bool:
        found = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
        if not found:
            return False
        word = found.group(1)
        if len(word) == 1 and word.isupper():
            return True
        lowered = word.lower().rstrip(".")
        return lowered in _ABBREVIATIONS or lowered == "al" or before.lower().endswith("et al")

    random.seed(5)
    alphabet = "ab. Alet.JZ\u0130\n"
    samples = ["x" + "." * 40 + "al", "y" * 50, "." * 40, "a" + "." * 40, "see Fig", "et al",
               "see Fig\n", "Fig.\n", "\n", "a\n\n", "vs \n"]
    samples += ["".join(random.choice(alphabet) for _ in range(random.randint(0, 80)))
                for _ in range(5000)]
    for before in samples:
        assert _is_abbreviation(before) == reference(before), before


def test_has_match_agrees_with_search_also_on_the_lower_cased_route() -> None:
    rules = default_rules()
    patterns = list(rules.context.values())
    random.seed(11)
    words = ["We", "enrolled", "60", "PATIENTS", "were", "Treated", "hair", "may", "Alopecia",
             "AGA", "search", "MeSH", "OR", "women", "\u017fearch", "\u0131t", "caſe", "é", "."]
    for _ in range(400):
        text = " ".join(random.choice(words) for _ in range(random.randint(0, 15)))
        for gated in patterns:
            assert gated.has_match(text) == bool(gated.pattern.search(text)), (gated, text)
    # A lower-case character that re equates with an ASCII letter keeps IGNORECASE.
    long_s = GatedPattern(re.compile("\u017fcar", re.IGNORECASE))
    assert long_s.has_match("SCAR") and long_s.has_match("scar")


def test_find_all_gives_the_spans_and_original_groups_of_finditer() -> None:
    from evidence.tagging import quantities

    random.seed(13)
    words = ["Sixty", "60", "Male", "AGA", "patients", "(aged 20-40)", "were", "ENROLLED", "and",
             "12", "Women", "for", "6", "Months", "follow-up", "at", "12TH", "weeks", "é", ","]
    patterns = [*quantities._SAMPLE_STRONG, quantities._SAMPLE_WEAK, *quantities._FOLLOW_UP]
    for _ in range(300):
        text = " ".join(random.choice(words) for _ in range(random.randint(0, 20)))
        for pattern in patterns:
            gated = quantities._GATED[pattern]
            expected = [(m.start(), m.groupdict()) for m in pattern.finditer(text)]
            found = [(f.start(), {name: f.group(name) for name in pattern.groupindex})
                     for f in gated.find_all(text)]
            assert found == expected, (pattern.pattern, text)
    # Upper-case letters in a class are fine when their lower case is there too.
    assert GatedPattern(re.compile("[A-Za-z]+ x", re.I))._lowered is not None
    assert GatedPattern(re.compile("[^A-Z] x", re.I))._lowered is None


def test_number_gate_lets_every_number_through() -> None:
    from evidence.tagging import quantities
    from evidence.tagging.numbers import NUMBER

    number = re.compile(NUMBER, re.IGNORECASE)
    random.seed(17)
    words = ["Sixty-eight", "a", "HUNDRED", "patients", "weeks", "eleven", "often", "x",
             "1,127", "٣", "none", "Twelfth", "é", "thirteen", "(", "."]
    for _ in range(2000):
        text = " ".join(random.choice(words) for _ in range(random.randint(0, 6)))
        if number.search(text):
            assert quantities._may_have_number(text), text
    assert not quantities._may_have_number("Patients were treated weekly.")


def test_sentence_scanner_never_rules_out_a_pattern_that_matches() -> None:
    """One Hyperscan pass per sentence (pattern_scan) says which gated patterns may
    match; every pattern whose regex matches must be among them."""
    from evidence.tagging import quantities
    from evidence.tagging.pattern_scan import SENTENCE_PATTERNS

    rules = default_rules()
    gates = [*rules.context.values(), *quantities._GATED.values(), quantities._HAS_PEOPLE,
             quantities._HAS_SESSIONS, quantities._HAS_DEPTH_UNIT, quantities._HAS_DURATION]
    gates += [rule.requires for lexicon in rules.lexicons.values() for rule in lexicon.rules
              if rule.requires] + [cue.unless for cue in rules.design.cues if cue.unless]
    slotted = [gate for gate in gates if gate._slot is not None]
    assert len(slotted) >= 20, "the scanner must take the packaged sentence patterns"
    random.seed(31)
    words = ["We", "our", "us", "enrolled", "60", "sixty", "PATIENTS", "women", "were",
             "randomized", "for", "12", "weeks", "months", "follow-up", "at", "after", "mm",
             "0.5", "depth", "needle", "sessions", "3", "times", "hair", "alopecia", "AGA",
             "may", "could", "search", "MeSH", "terms", ":", "OR", "AND", '"', "acne",
             "scars", "current", "standard", "refractory", "to", "the", "present", "study",
             "aim", "was", "to", "evaluate", "quality of life", "DLQI", "total of", "-", ",",
             ".", "(", ")", "%", "/", "2nd", "week", "trichoscopy", "density", "bone"]
    ruled_out = 0
    for _ in range(4000):
        text = " ".join(random.choice(words) for _ in range(random.randint(1, 18)))
        hits = SENTENCE_PATTERNS.hits(text)
        assert hits is not None
        for gate in slotted:
            if gate.pattern.search(text):
                assert gate._slot in hits, (gate.pattern.pattern[:60], text)
            elif gate._slot not in hits:
                ruled_out += 1
    assert ruled_out > 40_000  # the pass does rule most patterns out


def test_sentence_scanner_leaves_what_it_cannot_judge_to_the_regex() -> None:
    from evidence.tagging.pattern_scan import SENTENCE_PATTERNS

    default_rules()
    assert SENTENCE_PATTERNS.hits("We enrolled 40 patients.") is not None  # compiled now
    assert SENTENCE_PATTERNS.hits("Müller et al. enrolled 40 patients") is None  # non-ASCII
    assert SENTENCE_PATTERNS.hits("enrolled\t40 patients") is None  # a tab: \s differs
    # Python-only syntax, a long s under IGNORECASE, and patterns made after the
    # scanner compiled: no slot, and the answers are still the regex's.
    for source in (r"a{,2}b", "\u017fcar", "made later: (?:x|y)z"):
        gated = GatedPattern(re.compile(source, re.IGNORECASE))
        assert gated._slot is None
        for text in ("aab", "b", "SCAR", "scar", "xz", "made later: yz", "nothing"):
            assert gated.has_match(text) == bool(gated.pattern.search(text))
