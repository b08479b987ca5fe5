"""Numeric labels read from sentences: sample size, needle depth, sessions, follow-up.

The tagger passes the sentences that may speak for the study (title and
non-background sentences, normalised); each function returns the value and
the index of the sentence that stated it, so the tag keeps its provenance.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

from evidence.tagging.matcher import Found, GatedPattern, StartFinder
from evidence.tagging.numbers import (
    DEPTH_VALUE,
    NUMBER,
    NUMBER_WORDS,
    WORD_NUMBER,
    depth_from_match,
    to_weeks,
    word_to_int,
)

_F = re.IGNORECASE
# Not part of a larger number, a unit or a power ("10^6": the parser writes exponents so).
# Nor a class ("type 2 diabetic patients", "grade 3", "phase 2"): no count of people.
_NUM = rf"(?<![\w.,/^-])(?<!type )(?<!grade )(?<!stage )(?<!phase )(?<!class )(?:{NUMBER})"
# Words allowed between a number and the people it counts ("60 male AGA
# patients"), but not ones that start a new phrase ("13 RCTs involving 696").
_MOD = (
    r"(?:(?!(?:with|involving|in|of|from|featuring|totall?ing|and|or|to|were|was|had|who|for|at"
    r"|on|by|studies|trials|rcts|articles|groups?|patches|sessions|days?|weeks?|months?|years?)\b)"
    r"[A-Za-z][\w'-]*\s+)"
)
# People, not animals ("ten male beagles") or what was taken from people
# ("patient-derived xenografts").
_ANIMALS = (r"mice|mouse|rats?|rabbits?|hamsters?|guinea|pigs?|piglets?|dogs?|beagles?|cats?"
            r"|sheep|monkeys?|macaques?|primates?|animals?|c57bl\S*|wistar|sprague|balb\S*")
_PEOPLE = (
    r"(?:(?:out|in)?patients?|subjects?|participants?|volunteers?|individuals?|cases?|men|women"
    rf"|man|woman|(?:males?|females?)(?!\s+(?:[\w/-]+\s+){{0,4}}?(?:{_ANIMALS})\b)"
    r"|children|child|adults?|adolescents?|persons?|people|boys?|girls?|survivors?"
    r"|brothers?|sisters?|siblings|twins)\b(?!-)"
)
# "Forty women ... were randomly assigned" enrolled forty, as "were randomized" does.
# "72 agreed to participate", "consented to take part": those who joined, not those asked.
_AGREED = r"(?:agreed|consented|volunteered)\s+to\s+(?:participate|take\s+part|join|enroll?)"
_ENROLLED = (r"(?:enrolled|recruited|included|randomi[sz]ed|studied|participated|entered"
             r"|randomly\s+(?:assigned|allocated)|(?:assigned|allocated)\s+(?:at\s+random|randomly)"
             rf"|{_AGREED})")

# Their age, between the people and what they have: "72 men aged 20-45 years with AGA".
_AGED = (r"(?:\s+aged\s*(?:≥|>=|>|over\s+|between\s+)?\s*\d+(?:\s*(?:-|–|to|and)\s*\d+)?"
         r"(?:\s+years?(?:\s+old)?)?)")

# Tier 1: the sentence says the people were enrolled, or gives a total.
# Two groups counted apart, both enrolled: "Thirty-two patients treated with X were
# compared with 30 patients who received Y", "Twenty patients were randomized to X and
# twenty to Y" (and a third "..., 20 to Y and 20 to Z"). The second group must be treated
# too: "improved in 15 patients compared with 8 patients" counts responders.
# Between the groups no other grouping ("Forty patients were randomized into two groups: 20
# to X and 20 to Y" enrolled 40, not 80): no "group" or "arm" nor colon in the gap, and
# no digit between arms.
_GAP = r"(?:(?!groups?\b|arms?\b)[^.;:]|\.(?=\d)){0,200}?"
_ARM_GAP = r"(?:(?!groups?\b|arms?\b)[^.;:,\d]|,(?!\s*and\b)){0,80}?"
# (Those who chose or declined a treatment are a group compared too.)
_TREATED_AFTER = (r"(?:who\s+(?:had\s+)?|that\s+)?(?:were\s+|had\s+been\s+)?(?:received|receiving"
                  r"|used|using|treated|underwent|undergoing|given|applied|applying|chose|declined"
                  r"|refused|opted|preferred)\b")
_SAMPLE_TWO_GROUPS = (
    # "38 women treated with X and 38 age-matched women treated with Y": cases and their
    # matched controls, both studied.
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}{_GAP}\band\s+(?P<m>{_NUM})\s+"
        rf"(?:[\w-]+\s+){{0,5}}?[\w-]*matched\s+(?:{_MOD}{{0,2}})?(?:{_PEOPLE}|controls?\b)",
        _F,
    ),
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}{_GAP}\bcompared\s+(?:with|to)\s+"
        rf"(?P<m>{_NUM})\s+(?:[\w-]+\s+and\s+)?{_MOD}{{0,3}}{_PEOPLE}\s+{_TREATED_AFTER}",
        _F,
    ),
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}\s+(?:were\s+|was\s+)?(?:randomi[sz]ed"
        rf"|(?:randomly\s+)?(?:allocated|assigned))\s+(?:to|into)\s+{_ARM_GAP}"
        rf"(?:,\s*(?:and\s+)?|\s+and\s+)(?P<m>{_NUM})\s+(?:{_PEOPLE}\s+)?(?:were\s+)?"
        rf"(?:to|into)\s(?:{_ARM_GAP}(?:,\s*(?:and\s+)?|\s+and\s+)"
        rf"(?P<k>{_NUM})\s+(?:{_PEOPLE}\s+)?(?:were\s+)?(?:to|into)\s)?",
        _F,
    ),
)
_SAMPLE_STRONG = (
    *_SAMPLE_TWO_GROUPS,
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,2}}(?:and|,)\s+(?P<m>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}"
        rf"(?:\s*\([^)]*\))?\s+(?:were\s+|was\s+)?{_ENROLLED}",
        _F,
    ),
    re.compile(
        rf"\b(?:total of|in total,?|overall,?)\s+(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}", _F
    ),
    # "two groups of 20 patients (each)": the product.
    re.compile(
        rf"(?P<g>{_NUM})\s+(?:[\w-]+\s+)?(?:groups?|arms?|cohorts?)\s+(?:of|with|each of)\s+"
        rf"(?P<n>{_NUM})\s+"
        rf"{_MOD}{{0,2}}{_PEOPLE}",
        _F,
    ),
    # "Forty men with androgenetic alopecia (Norwood III-V) were enrolled": what they
    # had may stand between, with no number or comma in it ("Of 50 patients with AGA
    # screened, 40 were enrolled" counts the 40).
    re.compile(
        rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}{_AGED}?"
        rf"(?:\s+(?:with|having)\s+[^.;,\d()]{{1,80}}?)?"
        rf"\s*(?:\([^)]*\)\s*)?(?:who\s+|that\s+)?"
        rf"(?:were\s+|was\s+|had been\s+|have been\s+)?{_ENROLLED}",
        _F,
    ),
    re.compile(
        rf"\b(?:enrolled|recruited|included|randomi[sz]ed|involving|featuring|comprising|of the"
        rf"|with|report(?:ed)?|describe[sd]?|present(?:ed)?|total(?:l?ing))\s+(?P<n>{_NUM})\s+"
        rf"{_MOD}{{0,3}}{_PEOPLE}(?:\s+and\s+(?P<m>{_NUM})\s+{_MOD}{{0,2}}{_PEOPLE})?",
        _F,
    ),
)
# "Of 50 patients screened, 40 were randomized": a number of the people a sentence has
# counted already. It names no people itself, so it is read only where the weak
# pattern found some (the strong ones hold it: see sample_size).
# ("..., 90 with AGA were randomized": what they have may stand between.)
_SAMPLE_OF_THOSE_COUNTED = re.compile(
    rf"(?:[,;]|\bof\s+(?:whom|these|them|those)\b,?|(?<!\d\s)\band\b)\s*(?P<n>{_NUM})\s+"
    rf"(?:(?:with|having)\s+[^.;,\d()]{{1,60}}?(?:\s*\([^()]{{0,40}}\))?\s+)?"
    rf"(?:(?:were|was|had been)\s+(?:randomi[sz]ed|enrolled|included)|{_AGREED})\b", _F
)
# Tier 1b: those who completed the study, when no sentence says how many were enrolled
# ("72 patients completed the study out of 80 patients randomized" enrolled 80).
_SAMPLE_COMPLETED = re.compile(
    rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}{_PEOPLE}\s*(?:\([^)]*\)\s*)?(?:who\s+|that\s+)?"
    rf"(?:have\s+|had\s+)?completed",
    _F,
)
# "Men with AGA (n = 40) were randomized": the count in brackets after the people, or
# after the word that enrolled them ("Women with telogen effluvium were enrolled (n =
# 18)"). It holds no "N people", so it is looked for apart from the weak pattern (see
# sample_size).
_BRACKET_WORDS = r"(?:\s+[\w%,'/.-]+){0,15}?"
_SAMPLE_BRACKETED = re.compile(
    rf"\b{_PEOPLE}{_BRACKET_WORDS}\s*\(\s*n\s*=\s*(?P<n>\d+)\s*\)\s*"
    rf"(?:were\s+|was\s+)?{_ENROLLED}",
    _F,
)
# Not "were randomized into group A (n = 20)": a group's count, not the people's.
_SAMPLE_BRACKETED_AFTER = re.compile(
    rf"\b{_PEOPLE}{_BRACKET_WORDS}\s+(?:were|was)\s+{_ENROLLED}"
    rf"(?:\s+(?!groups?\b|arms?\b)[\w-]+){{0,3}}?\s*\(\s*n\s*=\s*(?P<n>\d+)\s*\)",
    _F,
)
# Tier 1a, where no sentence says more: "Patients (n = 40) with patchy alopecia areata
# were treated", "Men with AGA (n = 20) used ...", "participants aged ≥60 years (n=123)":
# the count right after a people word, or after their age or what they have, is theirs,
# whatever verb follows; each such group of the sentence adds up ("patients (n = 9) and
# controls (n = 9)"), not the arms' ("to microneedling (n = 20) or minoxidil (n = 20)",
# "patients with AGA treated with microneedling (n = 20)": no treatment word in what they
# have). Square brackets too.
_WHAT_THEY_HAVE = (
    rf"(?P<have>{_AGED}?"
    r"(?:\s+(?:with|having)(?:\s+(?!(?:treated|treatment|received|receiving|underwent"
    r"|undergoing|randomi[sz]ed|allocated|assigned|versus|vs|plus|using|used|given|chose"
    r"|opted|selected|preferred|either)\b)"
    r"[^\s.;,\d()\[\]]+){1,10}?)?)")
_SAMPLE_BRACKETED_PEOPLE = re.compile(
    rf"\b(?:{_PEOPLE}|controls?\b){_WHAT_THEY_HAVE}\s*[(\[]\s*n\s*=\s*(?P<n>\d+)\s*[)\]]",
    _F)
# People already counted by a number before them: a bracket after what they have is
# then an arm's count.
_COUNTED_RIGHT_BEFORE = re.compile(rf"{_NUM}\s+{_MOD}{{0,3}}$", _F)
# Tier 1c, the arms' counts where no sentence counts the people: "randomized to receive X
# (n=25) or saline (n=25)", "assigned according to their preference to X (n = 25) or Y
# (n = 25)", "Patients treated with PRP alone (n = 48) were compared with those who
# underwent ... (n = 39)": every bracket of the clause from the first one adds up.
# An arm's bracketed count up to its number, what else the bracket says first ("(weekly;
# n = 38)"): one piece, so the arms pattern and the sum over a clause read brackets alike.
_ARM_BRACKET = r"[(\[](?:[^()\[\]]{0,40}?[;,]\s*)?\s*n\s*=\s*"
_SAMPLE_ARMS = re.compile(
    r"\b(?:allocated|assigned|randomi[sz]ed|divided|either|chose|opted\s+for|selected)\b"
    rf"(?:[^.;]|\.\d){{0,160}}?{_ARM_BRACKET}(?P<n>\d+)\s*[)\]]"
    rf"(?=(?:[^.;]|\.\d){{0,160}}?\b(?:or|versus|vs\.?|and)\b(?:[^.;]|\.\d){{0,160}}?"
    rf"{_ARM_BRACKET}\d+)"
    r"|[(\[]\s*n\s*=\s*(?P<first>\d+)\s*[)\]]\s*(?:were|was)\s+compared\s+(?:with|to)\b",
    _F)
# "randomly assigned to microneedling or to sham, 22 in each arm": the arms' size, times
# how many arms the sentence names ("two groups"), or two where it joins two with one "or".
_SAMPLE_EACH_ARM = re.compile(
    rf"(?P<n>{_NUM})\s+(?:{_PEOPLE}\s+)?(?:in|per)\s+(?:each|every)\s+(?:arm|group)\b", _F)
_ARMS_NAMED = re.compile(r"\b(?P<g>two|three|four|2|3|4)\s+(?:[\w-]+\s+)?(?:groups|arms)\b", _F)
_TWO_ARMS_JOINED = re.compile(r"\b(?:randomi[sz]ed|assigned|allocated)\b(?:[^.;]|\.\d)*?\bor\b", _F)
#: For the design: a sentence that counts arms apart.
ARMS_COUNTED = _SAMPLE_ARMS
_ARM_N = re.compile(rf"{_ARM_BRACKET}(\d+)\s*[)\]]", _F)
# A review's "Twelve studies (n = 563)": the studies counted, then their participants.
_SAMPLE_STUDIES_BRACKETED = re.compile(
    rf"{_NUM}\s+(?:[\w-]+\s+){{0,2}}?(?:studies|trials|rcts|articles|reports)\s*[(\[]\s*n\s*="
    rf"\s*(?P<n>\d{{1,3}}(?:,\d{{3}})+|\d+)\s*(?:patients|participants|subjects)?\s*[)\]]",
    _F)
# The study's own count in brackets: "In this trial (n=64; 32 per arm)", "A randomized trial
# (N = 64) of microneedling" (one study: a review's "studies (n = 563)" is the pattern above).
_SAMPLE_TRIAL_BRACKETED = re.compile(
    r"\b(?:trial|study|rct|cohort|series)\s*[(\[]\s*n\s*=\s*(?P<n>\d+)\b", _F)
# Each group's "(n = 61)" up to it: "Patients with X (n = 61), women with Y (n = 35)
# and healthy women (n = 30) were included" enrolled 126.
_BRACKET_N = re.compile(r"\(\s*n\s*=\s*(\d+)\s*\)", _F)
# ... and after the enrolling word, each arm's up to the end of the clause: "Patients were
# randomized to microneedling (n = 20) or minoxidil (n = 20)" enrolled 40.
# (Not a semicolon inside a bracket: "(weekly; n = 38)".)
_CLAUSE_END = re.compile(r"[;:](?![^()\[\]]*[)\]])")
# Right after the people counted: they were screened or left, not the people studied
# ("Of 50 patients screened", "3 patients dropped out"; not "40 were randomized and 3
# withdrew", where the count is of those who stayed).
_NOT_ENROLLED_AFTER = re.compile(
    r"\s*(?:\([^)]*\)\s*)?(?:were\s+|was\s+|had\s+been\s+|who\s+)?(?:later\s+)?"
    r"(?:screened|assessed for eligibility|approached|invited|excluded|dropped out|withdrew"
    r"|withdrawn|lost to follow-?up|discontinued)\b",
    _F,
)
# ... nor those others reported: "Only 15 cases of this association have been reported",
# "30 patients described in the literature".
_REPORTED_ELSEWHERE_AFTER = re.compile(
    r"[^.;]{0,60}?\b(?:have|has|had)\s+(?:previously\s+|so\s+far\s+|ever\s+)?been"
    r"\s+(?:reported|described|published)\b|[^.;]{0,40}?\b(?:reported|described|published)"
    r"\s+(?:so\s+far\s+|to\s+date\s+)?in\s+the\s+literature\b", _F)
# Tier 2: a number of people anywhere in a counted sentence ("Hundred cases of AGA").
# "22 men and 18 women": one group by sex, counted whole.
_SAMPLE_WEAK = re.compile(
    rf"(?P<n>{_NUM})\s+{_MOD}{{0,3}}(?:(?:men|women|males|females|boys|girls)\s+and\s+"
    rf"(?P<m>{_NUM})\s+{_MOD}{{0,2}}(?:men|women|males|females|boys|girls)\b|{_PEOPLE})", _F)
# A case report that never writes a number: "a 59-year-old woman", "a case of".
_SINGLE_CASE = re.compile(
    r"\b(?:a|an|one)\s+(?:\d+[- ]year[- ]old\b|case of\b|(?:[\w-]+\s+){0,2}?"
    r"(?:patient|man|woman|boy|girl|child)\b)",
    _F,
)
MAX_PLAUSIBLE_SAMPLE = 1_000_000
# The upper end of a range ("from 127,000 to 227,000 cases", "10-20 patients") is an
# estimate or a spread, not the people a study enrolled.
_RANGE_BEFORE = re.compile(r"\d\s*(?:-|\u2013|to)\s*$", _F)
# A count of people anywhere (the weak tier) is no sample where it counts those a result
# happened to: "Improvement occurred in 11 patients", "in 11 vs 3 patients". (Not "in all
# 12 patients", nor "in 11 of 20 patients", where the 20 is read.) Unknown beats wrong.
_RESPONDERS_BEFORE = re.compile(
    r"\b(?:occurred|seen|observed|achieved|noted|found|obtained|developed|experienced|identified"
    r"|detected|present"
    r"|improved|responded)\s+in\s+(?:only\s+)?$|\d\s*(?:vs\.?|versus)\s*$", _F)
# Nor are the people set aside: "After excluding 5 patients with thyroid disease, 40 ...".
_SET_ASIDE_BEFORE = re.compile(r"\b(?:excluding|except(?:\s+for)?|other\s+than|besides)\s+$", _F)

_SESSION_RANGE = re.compile(
    rf"(?P<n>{_NUM})\s*(?:-|to)\s*(?P<m>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?(?:sessions|sittings|treatments)\b",
    _F,
)
_SESSIONS = (
    re.compile(rf"(?P<n>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?(?:sessions|sittings)\b", _F),
    re.compile(
        rf"\b(?:total of|received?|underwent|undergo|given|completed)\s+(?P<n>{_NUM})\s+"
        rf"(?:[\w-]+\s+){{0,2}}?(?:treatments|procedures|applications)\b",
        _F,
    ),
    re.compile(rf"\b(?:treated|performed|repeated)\s+(?P<n>{_NUM})\s+times\b", _F),
    # "Six treatments were performed at weekly intervals"
    re.compile(rf"(?P<n>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?treatments\s+(?:were|was)\s+(?:performed|given"
               rf"|administered|done|carried\s+out)\b", _F),
    # "every 2 weeks, for 8 treatments in total"
    re.compile(rf"(?P<n>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?(?:treatments|procedures|applications)\s+in"
               rf"\s+total\b", _F),
    # "weekly for 12 weeks (12 treatments)"
    re.compile(rf"\(\s*(?P<n>{_NUM})\s+(?:[\w-]+\s+){{0,2}}?treatments\s*\)", _F),
    # "a single session of microneedling", "one session": one.
    re.compile(r"\b(?:a\s+)?(?P<n>single|one)\s+(?:[\w-]+\s+){0,2}?(?:session|sitting)\b(?!s)",
               _F),
)
MAX_PLAUSIBLE_SESSIONS = 60
# Sessions of another procedure: "24 sessions of low-level laser therapy", "three monthly
# sessions of platelet-rich plasma injections", "3 PRP sessions". The words between the
# number and "sessions", and those after "sessions of" up to the end of the phrase, name
# one and no needling ("4 sessions of PRP combined with microneedling" are needling too).
_OTHER_PROCEDURE = re.compile(
    r"\b(?:prp|platelet\S*|plasma|lasers?|lllt|light|led|photo\w*|injections?|mesotherapy"
    r"|carboxy\w*|cryo\w*|radiofrequency|rf|chemotherapy|radiotherapy|iontophoresis"
    r"|botulinum|botox|massage|peels?|hydrafacial)\b",
    _F,
)
_NEEDLING = re.compile(r"needl|\brol(?:l|ing)|\bpens?\b|dermapen|stamp|\bmn\b", _F)
_SESSIONS_OF = re.compile(r"\s+of\s+(?P<what>(?:[^\s,;:().]+\s*){1,8})", _F)
# The phrase ends before the sessions of the next procedure: "3 sessions of PRP and 6
# sessions of microneedling" are three of PRP.
_PHRASE_END = re.compile(
    r"\b(?:alone|while|whereas)\b|\band\s+(?=\S+\s+(?:[\w-]+\s+){0,2}?(?:sessions|sittings)\b)",
    _F)
# "2 sessions per month", "3 sessions a week": a rate, not how many sessions there were
# ("sessions a month apart" is their spacing, and the count stands).
# After "one session": its spacing ("one session every 2 weeks, 12 sessions in total").
_SPACING_AFTER = re.compile(r"\s*(?:every|per|each|a|an|/|twice|weekly|monthly|biweekly)\b", _F)
_SESSION_RATE_AFTER = re.compile(
    r"\s*(?:per|a|an|each|every|/)\s*(?:week|wk|month|day|year)s?\b(?!\s+apart)", _F
)

_DEPTH_CUE_BEFORE = re.compile(
    rf"\b(?:depths?|lengths?|penetration|deep)\b(?P<gap>[^;]{{0,40}}?)(?<![\d.])(?:{DEPTH_VALUE.pattern})",
    _F,
)
# "The dermapen was set at 1.5 mm", "dermaroller microneedling (1.5 mm)", "a derma stamp
# (1.5 mm)".
_DEPTH_DEVICE_BEFORE = re.compile(
    rf"\b(?:derma[\s-]?(?:rollers?|pens?|stamps?)|micro-?needl\w*|needles?|rollers?|pens?"
    rf"|stamps?|sessions?)\b"
    rf"(?P<gap>[^;.]{{0,25}}?)(?<![\d.])(?:{DEPTH_VALUE.pattern})",
    _F,
)
# "a 1.0-mm motorized pen", "a 0.5-mm microneedle stamp".
_DEPTH_CUE_AFTER = re.compile(
    rf"(?<![\d.])(?:{DEPTH_VALUE.pattern})[\s-]*(?:in depth|deep|depth|needles?|long|length"
    rf"|micro-?needl\w*|derma[\s-]?(?:rollers?|pens?|stamps?)|rollers?"
    rf"|(?:motori[sz]ed|automated|electric|electronic|handheld|hand-held)\s+(?:pens?|devices?"
    rf"|micro-?needl\w*)|stamps?)\b",
    _F,
)
# "depth was less than 1 mm" is a comparison, not the depth used.
_DEPTH_COMPARISON = re.compile(
    r"less than|more than|greater than|up to|<|>|≤|≥|\bover\b|\bunder\b|exceed|above|below", _F
)
# Just before a value a depth word follows: "needles up to 2.5 mm long were avoided" is a
# comparison; "the hair was cut to 2 mm length" measures the hair, not the needle.
# Nor the depth of an injection given with it: "PRP injected 2.5 mm deep, followed by
# microneedling at 1 mm" (unless a needling word stands between, "after injection of PRP,
# microneedling at 1.5 mm").
_NOT_DEPTH_BEFORE = re.compile(
    rf"(?:{_DEPTH_COMPARISON.pattern})\s*$"
    r"|\b(?:cut|trimmed|clipped|shaved|shortened)\s+(?:to\s+)?(?:a\s+length\s+of\s+)?$"
    r"|\b(?:inject\w*|intradermal\w*|intralesional\w*|mesotherapy|infiltrat\w*)\b"
    r"(?:(?!needl|roller|\bpens?\b|stamp|\bmn\b)[^.;]){0,40}$",
    _F,
)
MIN_PLAUSIBLE_DEPTH_MM, MAX_PLAUSIBLE_DEPTH_MM = 0.05, 5.0
_NAMED_DEPTH = re.compile(r"depth|penetrat|\bdeep\b", _F)

_UNIT_WORD = r"(?:weeks?|wks?|months?|years?|days?)\b"
_UNIT = rf"(?P<unit>{_UNIT_WORD})"
# "1, 3 and 6 months"; an item may carry its own unit ("3 months and 6 months").
# At most ten items: a list tried at every number must not run to the end of the text.
_LIST = (rf"(?P<list>{_NUM}(?:[\s-]*{_UNIT_WORD})?(?:\s*(?:,\s*and|,|and|or)\s*{_NUM}"
         rf"(?:[\s-]*{_UNIT_WORD})?){{0,9}})")
_FOLLOW_UP = (
    re.compile(
        rf"follow(?:ed)?[- ]?up\b[^.;]{{0,40}}?\b(?:for|of|at|after|to|lasting)\s+(?:a\s+)?"
        rf"(?:period\s+of\s+)?{_LIST}\s*[- ]?{_UNIT}",
        _F,
    ),
    re.compile(rf"{_LIST}[- ]{_UNIT}\s+(?:of\s+)?follow[- ]?up", _F),
    # "Follow-up was 9 months", "the median follow-up lasted 14 months".
    re.compile(rf"follow[- ]?up\s+(?:period\s+|duration\s+)?(?:was|lasted|averaged"
               rf"|ranged\s+up\s+to)\s+(?:(?:a\s+)?(?:median|mean)\s+of\s+)?{_LIST}\s*[- ]?{_UNIT}",
               _F),
    # "at the 12-month visit", "at the 1-year assessment", "at the week-24 visit".
    re.compile(rf"\b(?:at|by|until)\s+(?:the\s+)?{_LIST}[- ]{_UNIT}\s+(?:visit|assessment"
               rf"|evaluation|follow[- ]?up|examination|review)\b", _F),
    # "at the end of treatment (16 weeks)", "at the end of the study (6 months)".
    re.compile(rf"\b(?:at|by|until)\s+the\s+end\s+of\s+(?:the\s+)?(?:[\w-]+\s+)?(?:treatment"
               rf"|therapy|study|trial|follow[- ]?up)(?:\s+period)?\s*\(\s*{_LIST}[- ]?{_UNIT}"
               rf"\s*\)", _F),
    re.compile(r"\b(?:at|by|until)\s+(?:the\s+)?(?P<unit>week|month)[- ](?P<list>\d+)\s+"
               r"(?:visit|assessment|evaluation|follow[- ]?up|examination)\b", _F),
    # "a 24-week, randomized, investigator-blinded trial": the study's own length.
    re.compile(rf"{_LIST}[- ]{_UNIT},?\s+(?:[\w-]+,?\s+){{0,4}}?(?:trial|study|rct)\b", _F),
    # "6 months after", "(4 months from baseline)"
    re.compile(rf"{_LIST}\s*[- ]?{_UNIT}\s+(?:after|following|post|from\s+baseline)\b", _F),
    # "compared between baseline and 6 months" (not "between 18 and 65 years": their age)
    re.compile(rf"\bbetween\s+(?:the\s+)?baseline\s+and\s+(?:the\s+)?{_LIST}[- ]?{_UNIT}", _F),
    # "at 24 weeks", "at baseline, 1, 3 and 6 months".
    re.compile(
        rf"\b(?:at|by|after|until|through)\s+(?:(?:the\s+)?baseline\s*(?:,\s*and|,|and)\s*)?"
        rf"{_LIST}\s+{_UNIT}(?!\s*(?:intervals?|apart))", _F
    ),
    # "at week 12", "at weeks 12 and 28", "months 3 and 6", "wk 26"; not "at week 12, 24
    # patients". Days listed are more often when treatment was given ("on days 1 and 15
    # every 28 days"): one only.
    re.compile(r"\b(?P<unit>day)s?\s+(?P<list>\d+)\b", _F),
    re.compile(
        rf"\b(?P<unit>week|wk|month)s?\s+(?P<list>\d+(?:\s*(?:,\s*and|,|and|or)\s*\d+"
        rf"(?!\d|\.\d)(?!\s*(?:%|mm\b|{_PEOPLE}))){{0,9}})\b",
        _F,
    ),
    re.compile(
        r"(?P<list>\d+(?:st|nd|rd|th)(?:\s*(?:,|and|or)\s*\d+(?:st|nd|rd|th))*)\s+"
        r"(?P<unit>weeks?|months?|years?)\b",
        _F,
    ),
)
# "for 3 months" is a follow-up only in a sentence about assessing the result.
_EVALUATION_SPAN = re.compile(
    rf"\b(?:for|over)\s+(?:a\s+(?:total\s+)?(?:of\s+)?)?{_LIST}\s+{_UNIT}", _F
)
_EVALUATION_WORDS = re.compile(
    r"\b(?:evaluat|assess|follow|observ|showed|measur|examin|monitor|record)\w*", _F
)
# ... nor how long they had had hair loss ("hair loss for 6 months or longer").
# ... nor an optional extra phase ("an optional extension phase followed at week 24"): not
# every participant was assessed then.
_NOT_FOLLOW_UP_BEFORE = re.compile(
    r"(?:every|once|intervals?\s+of|within|since|aged?|for\s+the\s+first"
    r"|\boptional\s+(?:[\w-]+\s+){0,3}?(?:at|from|to|until|through)"
    r"|(?:loss|alopecia|history|duration|symptoms?|disease)\s+(?:for|of)(?:\s+at\s+least)?)\s*$",
    _F,
)
# "5 years after birth", "3 months before treatment", "36 weeks of gestation", "18 years
# after undergoing pneumonectomy": not when people were assessed.
# ... nor "two years after docetaxel-based chemotherapy", "18 months after completing
# chemotherapy", "3 months after delivery": how long the hair loss has lasted since what
# caused it. (Not "1 month after surgery": surgery may be what a record studies.)
_NOT_FOLLOW_UP_AFTER = re.compile(
    r"\s*(?:before|prior)\b|\s*(?:after|since|following)\s+(?:the\s+)?(?:birth|onset"
    r"|diagnosis|undergoing|(?:haemato|hemato)poietic|(?:allogeneic\s+|autologous\s+)?"
    r"(?:stem[\s-]cell|bone\s+marrow)\s+transplant\w*)\b|\s*(?:of\s+)?(?:gestation(?:al)?|pregnancy|old|of\s+age)\b"
    r"|\s*(?:after|since|following)\s+(?:completing\s+|completion\s+of\s+|the\s+end\s+of\s+"
    r"|stopping\s+|cessation\s+of\s+)?(?:(?:adjuvant|[\w-]+-based|systemic|the)\s+)?"
    r"(?:chemotherapy|chemo|radiotherapy|radiation|delivery|childbirth|menopause|docetaxel"
    r"|paclitaxel|taxanes?|cancer\s+treatment)\b",
    _F,
)
# "hair loss for 6 months": how long they had had it.
_HAD_IT_BEFORE = re.compile(r"\b(?:loss|alopecia|history|duration|symptoms?|disease)\s*$", _F)
# The numbers of a list and the unit each takes: its own, or the next one after it.
_LIST_ITEM = re.compile(rf"(?P<unit>{_UNIT_WORD})|(?P<number>{NUMBER}|\d+)", _F)


# Cheap tests that let most sentences skip the number patterns entirely; gated
# so that in ASCII text a few substring tests usually answer without a regex scan.
_HAS_PEOPLE = GatedPattern(re.compile(_PEOPLE, _F))
_HAS_SESSIONS = GatedPattern(
    re.compile(r"session|sitting|treatments|procedures|applications|times", _F)
)
_HAS_DEPTH_UNIT = GatedPattern(re.compile(r"mm\b|μm|um\b|micron|micromet|millimet", _F))
_HAS_DURATION = GatedPattern(re.compile(r"week|wks?\b|month|year|day", _F))


# Where a number (_NUM) can begin: a word start (the lookbehind rules out a word
# character before it) holding a digit or one of the words WORD_NUMBER opens with,
# each a whole word there: a unit, a ten, "hundred", or the "a" of "a hundred".
_NUMBER_STARTS = StartFinder.for_texts(prefixes="0123456789", words=(*NUMBER_WORDS, "a"))
# Patterns that open with a number: re tries them at every character (a lookbehind
# first leaves it nothing to skip ahead by), so they are tried at _NUMBER_STARTS only.
_NUMBER_FIRST = (f"(?P<n>{_NUM})", f"(?P<list>{_NUM}", f"(?P<g>{_NUM})")

# The number patterns, gated and run over lower-cased ASCII text where that is
# exact (GatedPattern.find_all): about ten times faster than with IGNORECASE.
_GATED: dict[re.Pattern[str], GatedPattern] = {
    pattern: GatedPattern(pattern, begins_at=_NUMBER_STARTS
                          if pattern.pattern.startswith(_NUMBER_FIRST) else None)
    for pattern in (*_SAMPLE_STRONG, _SAMPLE_OF_THOSE_COUNTED, _SAMPLE_COMPLETED, _SAMPLE_WEAK,
                    *_FOLLOW_UP,
                    _EVALUATION_SPAN,
                    _SESSION_RANGE, *_SESSIONS)
}


class _Ungated:
    """:meth:`GatedPattern.find_all` and ``has_match`` without the gates, for the counts in
    brackets: they run only behind a cheaper test of their own (an "=" in the text), and
    Hyperscan would take a tenth of a second to compile them, in every process."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def find_all(self, text: str) -> Iterator[Found]:
        return (Found(match, text) for match in self.pattern.finditer(text))

    def has_match(self, text: str) -> bool:
        return self.pattern.search(text) is not None


_UNGATED = {pattern: _Ungated(pattern) for pattern in (_SAMPLE_BRACKETED, _SAMPLE_BRACKETED_AFTER,
                                                       _SAMPLE_BRACKETED_PEOPLE,
                                                       _SAMPLE_STUDIES_BRACKETED, _SAMPLE_ARMS,
                                                       _SAMPLE_TRIAL_BRACKETED, _SAMPLE_EACH_ARM)}

# Text some sample patterns cannot match without (a lower-cased substring test is far
# cheaper than trying them at every number).
_WORDS_NEEDED: dict[re.Pattern[str], tuple[str, ...]] = {
    _SAMPLE_TWO_GROUPS[0]: ("matched",),
    _SAMPLE_TWO_GROUPS[1]: ("compared",),
    _SAMPLE_TWO_GROUPS[2]: ("randomi", "allocated", "assigned"),
    _SAMPLE_COMPLETED: ("completed",),
    _SAMPLE_BRACKETED: ("=",),
    _SAMPLE_BRACKETED_AFTER: ("=",),
    _SAMPLE_BRACKETED_PEOPLE: ("=",),
    _SAMPLE_STUDIES_BRACKETED: ("=",),
    _SAMPLE_ARMS: ("=",),
    _SAMPLE_TRIAL_BRACKETED: ("=",),
    _SAMPLE_EACH_ARM: ("each", "every"),
}

_DIGIT = re.compile(r"\d")
# A number word contains one of these (NUMBER_WORDS less those containing another).
_NUMBER_STEMS = tuple(sorted(
    word for word in NUMBER_WORDS
    if not any(other != word and other in word for other in NUMBER_WORDS)
))


def _may_have_number(text: str) -> bool:
    """False only if ``text`` holds no digit and no number word, so NUMBER cannot match.

    Every pattern that reads a value needs one; most sentences that pass the
    cheap word tests above have none and skip the costly number patterns.
    """
    if _DIGIT.search(text) or not text.isascii():
        return True
    lowered = text.lower()
    return any(stem in lowered for stem in _NUMBER_STEMS)


def _int(text: str | None) -> int | None:
    return word_to_int(text) if text is not None else None


# A number in words with its digits after it, "Sixty-four (64) men", "eight (8)
# sessions": the digits are blanked (spaces keep every offset), so the word is read.
_ECHOED_DIGITS = re.compile(rf"\b(?P<word>{WORD_NUMBER})(?P<echo>\s*\(\s*\d+\s*\))", _F)
_MAY_ECHO = re.compile(r"[a-z]\s*\(\s*\d+\s*\)", _F)  # the cheap test first


def _without_echoed_digits(text: str) -> str:
    if "(" not in text or not _MAY_ECHO.search(text):
        return text
    return _ECHOED_DIGITS.sub(lambda m: m["word"] + " " * len(m["echo"]), text)


def sample_size(sentences: Sequence[str]) -> tuple[int, int] | None:
    """Participants enrolled, and the index of the sentence that says so.

    Sentence 0 is the title when present: a title that counts its patients
    ("our experience with 41 patients") is taken first. Then the strongest
    statement (enrolled, total) in reading order, then any count of people.
    """
    sentences = [_without_echoed_digits(text) for text in sentences]
    # Up to three passes read the same sentences: find the ones that count people
    # once. Every strong pattern holds the weak one (a number, up to three words,
    # a people word), so a sentence the weak pattern misses can match none of them.
    people = [index for index, text in enumerate(sentences)
              if (_HAS_PEOPLE.has_match(text) and _may_have_number(text)
                  and (_WEAK_GATED.has_match(text) or ("=" in text and any(
                      gated.has_match(text) for gated in _BRACKETED_GATED))))
              or ("=" in text and (_UNGATED[_SAMPLE_STUDIES_BRACKETED].has_match(text)
                                   or _UNGATED[_SAMPLE_TRIAL_BRACKETED].has_match(text)))
              or (" each " in text and _UNGATED[_SAMPLE_EACH_ARM].has_match(text))]
    if people and people[0] == 0:
        found = _first_sample(sentences, [0], _TITLE_TIER)
        if found:
            return found
    return (_first_sample(sentences, people, _STRONG_TIER)
            or _first_sample(sentences, people, _BRACKETED_PEOPLE_TIER)
            or _first_sample(sentences, people, _ARMS_TIER)
            or _first_sample(sentences, people, _COMPLETED_TIER)
            or _first_sample(sentences, people, _WEAK_TIER))


# Each tier's patterns with their gated forms and the words they need, looked up once
# here: a compiled pattern hashes its whole code, which for these costs more than a scan.
_Tier = tuple[tuple[re.Pattern[str], GatedPattern | _Ungated, tuple[str, ...] | None], ...]


def _tier(*patterns: re.Pattern[str]) -> _Tier:
    return tuple((pattern, _GATED.get(pattern) or _UNGATED[pattern], _WORDS_NEEDED.get(pattern))
                 for pattern in patterns)


_STRONG = (*_SAMPLE_STRONG, _SAMPLE_OF_THOSE_COUNTED, _SAMPLE_BRACKETED, _SAMPLE_BRACKETED_AFTER)
_STRONG_TIER = _tier(*_STRONG)
_BRACKETED_PEOPLE_TIER = _tier(_SAMPLE_BRACKETED_PEOPLE, _SAMPLE_STUDIES_BRACKETED,
                               _SAMPLE_TRIAL_BRACKETED)
_ARMS_TIER = _tier(_SAMPLE_ARMS, _SAMPLE_EACH_ARM)
_COMPLETED_TIER = _tier(_SAMPLE_COMPLETED)
_WEAK_TIER = _tier(_SAMPLE_WEAK)
_TITLE_TIER = _STRONG_TIER + _BRACKETED_PEOPLE_TIER + _COMPLETED_TIER + _WEAK_TIER
_WEAK_GATED = _GATED[_SAMPLE_WEAK]
# (The arms' counts too, in a sentence that names people: "pigs were randomized into (1)
# LVt (n = 3) or (2) APRV (n = 3)" counts animals.)
_BRACKETED_GATED = (_UNGATED[_SAMPLE_BRACKETED], _UNGATED[_SAMPLE_BRACKETED_AFTER],
                    _UNGATED[_SAMPLE_BRACKETED_PEOPLE], _UNGATED[_SAMPLE_ARMS])
_SESSION_RANGE_GATED = _GATED[_SESSION_RANGE]
_SESSIONS_GATED = tuple(_GATED[pattern] for pattern in _SESSIONS)
_FOLLOW_UP_GATED = tuple(_GATED[pattern] for pattern in _FOLLOW_UP)
_EVALUATION_SPAN_GATED = _GATED[_EVALUATION_SPAN]


def _first_sample(
    sentences: Sequence[str], indices: Sequence[int], tier: _Tier
) -> tuple[int, int] | None:
    """The first of ``sentences[indices]`` (those naming people) that counts them."""
    for index in indices:
        text = sentences[index]
        lowered = text.lower()
        best: tuple[int, int] | None = None  # (position, value)
        for pattern, gated, words in tier:
            if words is not None and not any(word in lowered for word in words):
                continue
            for match in gated.find_all(text):
                start = match.start("n")
                if _RANGE_BEFORE.search(text, max(0, start - 12), start) or \
                        _SET_ASIDE_BEFORE.search(text, max(0, start - 16), start):
                    continue
                if _NOT_ENROLLED_AFTER.match(text, match.end()) or \
                        _REPORTED_ELSEWHERE_AFTER.match(text, match.end()):
                    continue
                if pattern is _SAMPLE_WEAK and _RESPONDERS_BEFORE.search(
                        text, max(0, start - 40), start):
                    continue
                value = _int(match.group("n"))
                if match.has_group("m") and match.group("m"):
                    other = _int(match.group("m"))
                    value = value + other if value is not None and other is not None else None
                if match.has_group("k") and match.group("k"):
                    third = _int(match.group("k"))
                    value = value + third if value is not None and third is not None else None
                if match.has_group("g") and match.group("g"):
                    groups = _int(match.group("g"))
                    value = value * groups if value is not None and groups else None
                if pattern is _SAMPLE_BRACKETED:
                    value = sum(int(n) for n in _BRACKET_N.findall(text, 0, match.end()))
                elif pattern is _SAMPLE_BRACKETED_PEOPLE:
                    if match.group("have") and _COUNTED_RIGHT_BEFORE.search(
                            text, max(0, match.start() - 40), match.start()):
                        continue  # "70 patients with AGA chose X (n = 38)": an arm's count
                    value = _joined_groups(text, list(gated.find_all(text)))
                elif pattern is _SAMPLE_ARMS:
                    end = _CLAUSE_END.search(text, match.end())
                    first = match.start("n") if match.group("n") else match.start("first")
                    bracket = max(text.rfind("(", 0, first), text.rfind("[", 0, first))
                    value = sum(int(n) for n in _ARM_N.findall(
                        text, bracket, end.start() if end else len(text)))
                elif pattern is _SAMPLE_EACH_ARM:
                    named = _ARMS_NAMED.search(text)
                    arms = (_int(named["g"]) if named else
                            2 if len(_TWO_ARMS_JOINED.findall(text)) == 1
                            and text.count(" or ") == 1 else None)
                    value = value * arms if value is not None and arms else None
                elif pattern is _SAMPLE_BRACKETED_AFTER:
                    end = _CLAUSE_END.search(text, match.end())
                    value = sum(int(n) for n in _BRACKET_N.findall(
                        text, text.rfind("(", 0, match.start("n")),
                        end.start() if end else len(text)))
                if value and 0 < value < MAX_PLAUSIBLE_SAMPLE:
                    if best is None or match.start() < best[0]:
                        best = (match.start(), value)
                    break
        if best:
            return best[1], index
    return None


# What joins two groups counted side by side ("patients (n = 9) and controls (n = 9)"),
# not a group and its breakdown ("Patients (n = 40) with AA, women (n = 22) and ...").
_GROUPS_JOINED = re.compile(r"\b(?:and|versus|vs\.?|compared\s+(?:with|to))\b", _F)


def _joined_groups(text: str, matches: Sequence[Found]) -> int:
    """The first group's count plus each next one joined to it by "and"/"versus"."""
    total = int(matches[0].group("n") or 0)
    for previous, match in itertools.pairwise(matches):
        if not _GROUPS_JOINED.search(text, previous.end(), match.start()):
            break
        total += int(match.group("n") or 0)
    return total


def single_case(sentences: Sequence[str]) -> int | None:
    """Index of a sentence naming one patient without a number (case reports)."""
    for index, text in enumerate(sentences):
        if _SINGLE_CASE.search(text):
            return index
    return None


def sessions(sentences: Sequence[str]) -> tuple[int | None, int] | None:
    """Needling sessions as a number, from the first sentence that states any.

    A range ("four to six sessions") is not "a number": the value is then
    None, but the sentence index is still returned so nothing later overrides it.
    """
    for index, text in enumerate(sentences):
        if not _HAS_SESSIONS.has_match(text) or not _may_have_number(text):
            continue
        text = _without_echoed_digits(text)
        candidates: list[tuple[int, int | None]] = []
        for found in _SESSION_RANGE_GATED.find_all(text):
            if not _of_another_procedure(text, found.end("m"), found.end()):
                candidates.append((found.start(), None))
        for gated in _SESSIONS_GATED:
            for match in gated.find_all(text):
                if _SESSION_RATE_AFTER.match(text, match.end()) or \
                        _of_another_procedure(text, match.end("n"), match.end()):
                    continue
                if match.group("n").lower() in ("one", "single") and \
                        _SPACING_AFTER.match(text, match.end()):
                    continue  # "one session every 2 weeks": how often, not how many
                value = 1 if match.group("n").lower() == "single" else _int(match.group("n"))
                if value and 0 < value <= MAX_PLAUSIBLE_SESSIONS:
                    candidates.append((match.start(), value))
        if candidates:
            return min(candidates, key=lambda item: item[0])[1], index
    return None


def _of_another_procedure(text: str, start: int, end: int) -> bool:
    """True if the sessions between ``start`` and ``end`` (and their "of ...") are of
    another procedure than needling."""
    words = text[start:end]
    after = _SESSIONS_OF.match(text, end)
    if after:
        what = after.group("what")
        stop = _PHRASE_END.search(what)
        words += " " + (what[:stop.start()] if stop else what)
    return bool(_OTHER_PROCEDURE.search(words)) and not _NEEDLING.search(words)


def needle_depth(sentences: Sequence[str]) -> tuple[tuple[float, float], int] | None:
    """The first needle depth stated next to a depth word, in millimetres."""
    for index, text in enumerate(sentences):
        if not _HAS_DEPTH_UNIT.has_match(text) or not _DIGIT.search(text):
            continue  # a depth value starts with a digit
        matches = [
            m for pattern in (_DEPTH_CUE_BEFORE, _DEPTH_DEVICE_BEFORE)
            for m in _depth_matches(pattern, text) if not _DEPTH_COMPARISON.search(m["gap"])
        ]
        matches += _depth_matches(_DEPTH_CUE_AFTER, text)
        # A depth named as one wins over a needle's length: "2.5-mm needles, penetrating to
        # a depth of 1.5 mm" is 1.5, not 1.5-2.5.
        explicit = [match for match in matches if _NAMED_DEPTH.search(match.group())]
        depths = [depth for depth in map(depth_from_match, explicit or matches)
                  if MIN_PLAUSIBLE_DEPTH_MM <= depth[0] <= depth[1] <= MAX_PLAUSIBLE_DEPTH_MM]
        if depths:
            # Arms at different depths in one sentence: the range used ("a 0.5-mm roller
            # ... or in-office needling at 1.25 mm" is 0.5-1.25).
            return (min(low for low, _ in depths), max(high for _, high in depths)), index
    return None


def _depth_matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """``pattern``'s matches in ``text`` not measuring the hair nor comparing.

    One set aside is looked past from its first value on, not from its end: in "hair
    trimmed to 1 mm and 1.5 mm needles" the needles' 1.5 mm is still read.
    """
    found = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if _NOT_DEPTH_BEFORE.search(text, max(0, match.start("a") - 40), match.start("a")):
            position = match.end("a")
            continue
        found.append(match)
        position = max(match.end(), position + 1)
    return found


def follow_up_weeks(sentences: Sequence[str]) -> tuple[int, int] | None:
    """The longest assessment time stated, in weeks, and its sentence index."""
    best: tuple[int, int] | None = None
    for index, text in enumerate(sentences):
        if not _HAS_DURATION.has_match(text) or not _may_have_number(text):
            continue
        matches = [m for gated in _FOLLOW_UP_GATED for m in gated.find_all(text)]
        if _EVALUATION_WORDS.search(text):
            matches += list(_EVALUATION_SPAN_GATED.find_all(text))
        for match in matches:
            if _NOT_FOLLOW_UP_BEFORE.search(text, 0, match.start()) or \
                    _NOT_FOLLOW_UP_AFTER.match(text, match.end("unit")) or (
                        match.group().lower().startswith(("for", "over"))
                        and _HAD_IT_BEFORE.search(text, 0, match.start())):
                continue
            for value, unit in _list_values(match.group("list") or "", match.group("unit") or ""):
                weeks = to_weeks(value, "months" if unit.lower().startswith("mo") else unit)
                if weeks > 0 and (best is None or weeks > best[0]):
                    best = (weeks, index)
    return best


def _list_values(numbers: str, unit: str) -> list[tuple[int, str]]:
    """``"1, 3 months and 2", "years"`` -> ``[(1, "months"), (3, "months"), (2, "years")]``."""
    values: list[tuple[int, str]] = []
    waiting: list[int] = []
    for item in _LIST_ITEM.finditer(f"{numbers} {unit}"):
        if item.group("unit"):
            values += [(value, item.group("unit")) for value in waiting]
            waiting = []
            continue
        value = _int(item.group("number"))
        if value is not None:
            waiting.append(value)
    return values
