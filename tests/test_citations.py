"""CSL-JSON items, formatted AMA/APA/Vancouver references, labels and the evidence line.

The expected references were written from the style rules (AMA Manual of
Style 11th ed., APA 7th ed., NLM Citing Medicine as encoded in the CSL
``nlm-citation-sequence`` style), not copied from citeproc output.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from evidence.citations import (
    STYLES,
    ParsedAuthor,
    UnknownStyleError,
    citation_title,
    date_parts,
    expand_page_range,
    format_citations,
    parse_author,
    to_csl_json,
)
from evidence.evidence_line import evidence_line
from evidence.labels import CODE_LABELS, DESIGN_LABELS, EVIDENCE_LEVELS, display_label, label
from tests.export_records import DHURAT, FORMULA, GROUP, MULLER, RETRACTED, records

TAGS_MD = Path(__file__).resolve().parents[2] / "shared" / "TAGS.md"


# --------------------------------------------------------------------------- CSL-JSON


def test_csl_json_item_for_a_full_record() -> None:
    item = to_csl_json(DHURAT)
    assert item["id"] == "23960389"
    assert item["type"] == "article-journal"
    assert item["title"] == (
        "A randomized evaluation of minoxidil and microneedling in androgenetic alopecia")
    assert item["container-title"] == "International Journal of Trichology"
    assert item["container-title-short"] == "Int J Trichology"
    assert item["journalAbbreviation"] == "Int J Trichology"
    assert (item["volume"], item["issue"], item["page"]) == ("5", "1", "6-11")
    assert item["issued"] == {"date-parts": [[2013, 1]]}
    assert item["DOI"] == "10.4103/0974-7753.114700"
    assert item["PMID"] == "23960389"
    assert item["PMCID"] == "PMC3746236"
    assert item["author"] == [
        {"family": "Dhurat", "given": "R."}, {"family": "Sukesh", "given": "M."},
        {"family": "Avhad", "given": "G."}, {"family": "Dandale", "given": "A."},
        {"family": "Pai", "given": "A."}, {"family": "Pai", "given": "G. S."},
    ]
    assert item["note"] == (
        "RCT, n=100; microneedling, minoxidil; hair count, global assessment, patient assessment")
    assert item["URL"] == "https://pubmed.ncbi.nlm.nih.gov/23960389/"
    assert item["language"] == "en"


def test_csl_json_leaves_out_what_is_unknown_and_keeps_collective_authors() -> None:
    item = to_csl_json(GROUP)
    for absent in ("DOI", "PMCID", "volume", "issue", "page"):
        assert absent not in item
    assert None not in item.values()
    assert item["author"] == [{"literal": "Microneedling Evidence Study Group"}]
    assert item["issued"] == {"date-parts": [[2022]]}


def test_csl_json_marks_retraction_in_title_and_note() -> None:
    item = to_csl_json(RETRACTED)
    assert item["title"] == "[RETRACTED] Does microneedling alone regrow hair in alopecia areata?"
    assert item["note"].startswith("RETRACTED")


def test_csl_json_unicode_and_full_page_range() -> None:
    item = to_csl_json(MULLER)
    assert item["author"][:3] == [
        {"family": "Müller", "given": "K."},
        {"family": "Núñez-García", "given": "A."},
        {"family": "Øster-Hansen", "given": "P. B."},
    ]
    assert "≥600 μm" in item["title"]
    assert item["page"] == "1412-1419"
    assert item["issued"] == {"date-parts": [[2019, 10, 3]]}


@pytest.mark.parametrize(("name", "expected"), [
    ("Pai GS", ("Pai", "G. S.", None)),
    ("Núñez-García A", ("Núñez-García", "A.", None)),
    ("van der Berg JP", ("van der Berg", "J. P.", None)),
    ("Øster-Hansen PB", ("Øster-Hansen", "P. B.", None)),
    ("Microneedling Evidence Study Group", (None, None, "Microneedling Evidence Study Group")),
    ("Hair Research Society UK", (None, None, "Hair Research Society UK")),
    ("Madonna", (None, None, "Madonna")),
    ("Reenen Mv", ("Reenen", "M.", None)),  # "v": a particle (Mari van) the styles cannot place
    ("Skin Care Abc", (None, None, "Skin Care Abc")),
    ("Van Le", (None, None, "Van Le")),
    ("Acme Co", (None, None, "Acme Co")),
])
def test_parse_author(name: str, expected: tuple[str | None, str | None, str | None]) -> None:
    parsed = parse_author(name)
    assert (parsed.family, parsed.given, parsed.literal) == expected


@pytest.mark.parametrize(("pages", "expected"), [
    ("112-8", "112-118"),
    ("1412-9", "1412-1419"),
    ("6-11", "6-11"),
    ("99-101", "99-101"),
    ("S12-5", "S12-S15"),
    ("e123", "e123"),
    ("6-11; discussion 12", "6-11; discussion 12"),
    ("1790-1; discussion 1791", "1790-1791; discussion 1791"),
    ("e9-18", "e9-e18"),
    ("e225-6", "e225-e226"),
    ("120-8x", "120-8x"),
    (None, None),
])
def test_expand_page_range(pages: str | None, expected: str | None) -> None:
    assert expand_page_range(pages) == expected


def test_date_parts_prefers_pub_date_then_year() -> None:
    assert date_parts({"pub_date": "2019-10-03", "year": 2019}) == [2019, 10, 3]
    assert date_parts({"pub_date": "2019-10", "year": 2019}) == [2019, 10]
    assert date_parts({"pub_date": None, "year": 2019}) == [2019]
    assert date_parts({"pub_date": None, "year": None}) is None


def test_citation_title_drops_pubmeds_period_but_not_an_ellipsis() -> None:
    assert citation_title({"title": "Hair regrowth."}) == "Hair regrowth"
    assert citation_title({"title": "Hair regrowth..."}) == "Hair regrowth..."
    assert citation_title({"title": "Hair regrowth?"}) == "Hair regrowth?"


# --------------------------------------------------------------------------- formatted


EXPECTED = {
    "ama": {
        # AMA 11: all authors up to 6; surname + initials without periods;
        # Journal abbrev. Year;Vol(Issue):pages. doi:...
        DHURAT["pmid"]: "Dhurat R, Sukesh M, Avhad G, Dandale A, Pai A, Pai GS. A randomized "
                        "evaluation of minoxidil and microneedling in androgenetic alopecia. "
                        "Int J Trichology. 2013;5(1):6-11. doi:10.4103/0974-7753.114700",
        # More than 6 authors: first 3 then "et al"; full page range.
        MULLER["pmid"]: "Müller K, Núñez-García A, Øster-Hansen PB, et al. Microneedling at "
                        "≥600 μm depth with platelet-rich plasma in female pattern hair loss: "
                        "a split-scalp trial. J Cosmet Dermatol. 2019;18(5):1412-1419. "
                        "doi:10.1111/jocd.12345",
        # No volume: AMA's "Published online" form.
        GROUP["pmid"]: "Microneedling Evidence Study Group. Microneedling for hair loss: a "
                       "systematic review and meta-analysis. Dermatol Ther. Published online "
                       "2022.",
        RETRACTED["pmid"]: "Smith J, Lee HK. [RETRACTED] Does microneedling alone regrow hair in "
                           "alopecia areata? J Dermatolog Treat. 2021;33(2):210-214. "
                           "doi:10.1016/j.example.2021.01.002",
    },
    "apa": {
        # APA 7: up to 20 authors, "&" before the last; (Year). Journal, vol(issue), pages.
        # Page ranges with an en dash; DOI as a URL.
        DHURAT["pmid"]: "Dhurat, R., Sukesh, M., Avhad, G., Dandale, A., Pai, A., & Pai, G. S. "
                        "(2013). A randomized evaluation of minoxidil and microneedling in "
                        "androgenetic alopecia. International Journal of Trichology, 5(1), "
                        "6–11. https://doi.org/10.4103/0974-7753.114700",
        MULLER["pmid"]: "Müller, K., Núñez-García, A., Øster-Hansen, P. B., Schröder, L., "
                        "Weiß, T., Dupré, É., Łukasik, M., & Ahmed, S. (2019). Microneedling "
                        "at ≥600 μm depth with platelet-rich plasma in female pattern hair "
                        "loss: a split-scalp trial. Journal of Cosmetic Dermatology, 18(5), "
                        "1412–1419. https://doi.org/10.1111/jocd.12345",
        GROUP["pmid"]: "Microneedling Evidence Study Group. (2022). Microneedling for hair "
                       "loss: a systematic review and meta-analysis. Dermatologic Therapy.",
        RETRACTED["pmid"]: "Smith, J., & Lee, H. K. (2021). [RETRACTED] Does microneedling "
                           "alone regrow hair in alopecia areata? Journal of Dermatological "
                           "Treatment, 33(2), 210–214. https://doi.org/10.1016/"
                           "j.example.2021.01.002",
    },
    "vancouver": {
        # NLM: up to 6 authors then "et al."; Year Mon;Vol(Issue):pages with the
        # range abbreviated ("minimal"); PMID and PMCID as notes; the DOI element
        # ends with a period (Citing Medicine); the CSL en dash in page ranges.
        DHURAT["pmid"]: "Dhurat R, Sukesh M, Avhad G, Dandale A, Pai A, Pai GS. A randomized "
                        "evaluation of minoxidil and microneedling in androgenetic alopecia. "
                        "Int J Trichology. 2013 Jan;5(1):6–11. doi:10.4103/0974-7753.114700. "
                        "PubMed PMID: 23960389; PubMed Central PMCID: PMC3746236.",
        MULLER["pmid"]: "Müller K, Núñez-García A, Øster-Hansen PB, Schröder L, Weiß T, "
                        "Dupré É, et al. Microneedling at ≥600 μm depth with platelet-rich "
                        "plasma in female pattern hair loss: a split-scalp trial. J Cosmet "
                        "Dermatol. 2019 Oct 3;18(5):1412–9. doi:10.1111/jocd.12345. PubMed "
                        "PMID: 31000001.",
        GROUP["pmid"]: "Microneedling Evidence Study Group. Microneedling for hair loss: a "
                       "systematic review and meta-analysis. Dermatol Ther. 2022. PubMed PMID: "
                       "35000002.",
        RETRACTED["pmid"]: "Smith J, Lee HK. [RETRACTED] Does microneedling alone regrow hair in "
                           "alopecia areata? J Dermatolog Treat. 2021 Mar;33(2):210–4. "
                           "doi:10.1016/j.example.2021.01.002. PubMed PMID: 36000003.",
    },
}

@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("record", [DHURAT, MULLER, GROUP, RETRACTED],
                         ids=lambda value: value["pmid"])
def test_formatted_reference_matches_the_style(style: str, record: dict) -> None:
    """RETRACTED's title ends in "?": CSL drops the period after it (citeproc-py did not)."""
    [text] = format_citations([record], style)
    assert text == EXPECTED[style][record["pmid"]]


# Without authors AMA and APA put the title in their place, once (CSL's cs:substitute).
WITHOUT_AUTHORS = {
    "ama": "[RETRACTED] Does microneedling alone regrow hair in alopecia areata? J Dermatolog "
           "Treat. 2021;33(2):210-214. doi:10.1016/j.example.2021.01.002",
    "apa": "[RETRACTED] Does microneedling alone regrow hair in alopecia areata? (2021). "
           "Journal of Dermatological Treatment, 33(2), 210–214. "
           "https://doi.org/10.1016/j.example.2021.01.002",
    "vancouver": "[RETRACTED] Does microneedling alone regrow hair in alopecia areata? J "
                 "Dermatolog Treat. 2021 Mar;33(2):210–4. doi:10.1016/j.example.2021.01.002. "
                 "PubMed PMID: 36000003.",
}


@pytest.mark.parametrize("style", STYLES)
def test_a_study_without_authors_shows_its_title_once(style: str) -> None:
    [text] = format_citations([{**RETRACTED, "authors": []}], style)
    assert text == WITHOUT_AUTHORS[style]


@pytest.mark.parametrize("style", STYLES)
def test_retracted_reference_is_marked(style: str) -> None:
    [text] = format_citations([RETRACTED], style)
    assert "[RETRACTED] Does microneedling alone regrow hair in alopecia areata?" in text


@pytest.mark.parametrize("style", STYLES)
def test_one_reference_per_record_in_input_order(style: str) -> None:
    studies = [GROUP, DHURAT, MULLER, GROUP]
    texts = format_citations(studies, style)
    assert len(texts) == 4
    assert texts[0] == texts[3] == EXPECTED[style][GROUP["pmid"]]
    assert texts[1] == EXPECTED[style][DHURAT["pmid"]]
    assert texts[2] == EXPECTED[style][MULLER["pmid"]]
    assert not any(re.match(r"\d+\.", text) for text in texts)  # no list numbering


def test_with_evidence_appends_the_evidence_line() -> None:
    texts = format_citations([DHURAT, RETRACTED], "ama", with_evidence=True)
    reference, line = texts[0].split("\n")
    assert reference == EXPECTED["ama"][DHURAT["pmid"]]
    assert line == "RCT, n=100; microneedling, minoxidil; hair count, global assessment, " \
                   "patient assessment"
    assert texts[1].split("\n")[1] == "RETRACTED: Case series, n=8; microneedling; severity score"


def test_formatting_emits_no_warnings() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for style in STYLES:
            format_citations(records(), style, with_evidence=True)
    assert [str(warning.message) for warning in caught] == []


def test_styles_and_unknown_style() -> None:
    assert STYLES == ("ama", "apa", "vancouver")
    with pytest.raises(UnknownStyleError, match="harvard"):
        format_citations([DHURAT], "harvard")


def test_formula_title_is_plain_text_in_a_reference() -> None:
    [text] = format_citations([FORMULA], "apa")
    assert text == 'Doe, J. (2023). =HYPERLINK("http://x","y"). +Journal of Injection.'


# --------------------------------------------------------------------------- labels


def _tags_md_codes() -> dict[str, list[str]]:
    """Backticked codes per vocabulary section of TAGS.md."""
    text = TAGS_MD.read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading, _, body = chunk.partition("\n")
        kind = heading.split()[0]
        if kind in {"design", "conditions", "interventions", "device", "outcomes"}:
            codes = re.findall(r"^\| `([a-z_]+)`", body, flags=re.MULTILINE) or \
                re.findall(r"`([a-z_]+)`", body)
            sections[kind] = codes
    return sections


@pytest.mark.skipif(not TAGS_MD.exists(), reason=f"{TAGS_MD} not present")
def test_every_tags_md_code_has_a_label() -> None:
    sections = _tags_md_codes()
    assert set(sections) == {"design", "conditions", "interventions", "device", "outcomes"}
    every = [code for codes in sections.values() for code in codes]
    assert len(every) == 40
    assert set(every) == set(CODE_LABELS)
    assert list(DESIGN_LABELS) == sections["design"]


@pytest.mark.skipif(not TAGS_MD.exists(), reason=f"{TAGS_MD} not present")
def test_evidence_levels_match_tags_md() -> None:
    text = TAGS_MD.read_text(encoding="utf-8")
    levels = {code: int(level) for code, level in
              re.findall(r"^\| `([a-z_]+)` \|[^|]*\| (\d) \|", text, flags=re.MULTILINE)}
    assert levels == dict(EVIDENCE_LEVELS)


def test_label_helpers() -> None:
    assert label("prp") == "PRP"
    assert label("hair_count") == "hair count"
    assert label("brand_new_code") == "brand new code"
    assert display_label("hair_count") == "Hair count"
    assert display_label("rct") == "RCT"


# --------------------------------------------------------------------------- evidence line


@pytest.mark.parametrize(("record", "expected"), [
    (DHURAT, "RCT, n=100; microneedling, minoxidil; hair count, global assessment, "
             "patient assessment"),
    (MULLER, "RCT, n=20; microneedling, PRP; hair density, adverse events"),
    (GROUP, "Meta-analysis, n=640; microneedling, minoxidil, PRP; hair count, hair density"),
    (RETRACTED, "RETRACTED: Case series, n=8; microneedling; severity score"),
    (FORMULA, "Case report, n=-5; minoxidil"),
    ({"design": "preclinical", "interventions": [], "outcomes": ["hair_density"]},
     "Preclinical study; hair density"),
    ({"design": "cohort", "interventions": ["prp", "minoxidil"], "outcomes": []},
     "Cohort study; PRP, minoxidil"),
    ({}, "Other"),
])
def test_evidence_line(record: dict, expected: str) -> None:
    assert evidence_line(record) == expected


def test_evidence_line_never_invents_a_comparison() -> None:
    line = evidence_line({"design": "rct", "interventions": ["minoxidil", "microneedling"]})
    assert line == "RCT; microneedling, minoxidil"
    # nor a combination: "+" read as microneedling and minoxidil in one arm
    assert " vs " not in evidence_line(GROUP) and "+" not in evidence_line(GROUP)


@pytest.mark.parametrize("style", STYLES)
def test_a_title_that_the_journal_name_repeats_is_kept_whole(style: str) -> None:
    """Only a title standing in for the authors is dropped the second time: the journal
    "Lasers in surgery and medicine" keeps its words, in every style."""
    record = {**RETRACTED, "retracted": False, "authors": [], "title": "Lasers in surgery.",
              "journal": "Lasers in surgery and medicine",
              "journal_abbrev": "Lasers in surgery and medicine"}
    [text] = format_citations([record], style)
    assert text.startswith("Lasers in surgery.")
    assert text.lower().count("lasers in surgery") == 2  # the title once, the journal once
    assert "lasers in surgery and medicine" in text.lower()


@pytest.mark.parametrize("style", STYLES)
def test_the_rules_hold_for_a_title_with_a_no_break_space(style: str) -> None:
    [text] = format_citations([{**RETRACTED, "title": "Is 5\u00a0mg oral minoxidil safe?"}],
                              style)
    assert "minoxidil safe? " in text and "safe?." not in text
    [text] = format_citations([{**RETRACTED, "authors": [],
                                "title": "Is 5\u00a0mg oral minoxidil safe?"}], style)
    assert text.count("minoxidil safe?") == 1


@pytest.mark.parametrize(("pages", "vancouver", "ama"), [
    ("123-9", "123–9", "123-129"),
    ("1-12", "1–12", "1-12"),  # citeproc-py's own abbreviation gave "1–2"
    ("9", "9", "9"),
    ("S1-S12", "S1–12", "S1-S12"),  # it gave "S1–2"
    ("1098-102", "1098–102", "1098-1102"),
])
def test_page_ranges_are_abbreviated_only_where_the_style_does(pages: str, vancouver: str,
                                                               ama: str) -> None:
    record = {"pmid": "1", "title": "A trial.", "journal": "J Test", "journal_abbrev": "J Test",
              "year": 2012, "volume": "5", "issue": "2", "pages": pages, "authors": ["Smith J"]}
    assert f"2012;5(2):{vancouver}." in format_citations([record], "vancouver")[0]
    assert f"2012;5(2):{ama}." in format_citations([record], "ama")[0]


@pytest.mark.parametrize(("catalogue", "printed"), [
    ("Journal of visualized experiments : JoVE", "Journal of visualized experiments"),
    ("Kardiochirurgia i torakochirurgia polska = Polish journal of cardio-thoracic surgery",
     "Kardiochirurgia i torakochirurgia polska"),
    ("The Lancet. HIV", "The Lancet. HIV"),
    ("Skin appendage disorders", "Skin appendage disorders"),
    ("Lancet (London, England)", "Lancet"),
    ("Dermatology (Basel, Switzerland)", "Dermatology"),
    ("Journal of magnetic resonance (San Diego, Calif. : 1997)", "Journal of magnetic resonance"),
    ("Journal of X (Oxford, England) : official journal of the Y", "Journal of X"),
    ("(Unbalanced", "(Unbalanced"),
    # an edition or a one-word place tells two journals of one name apart: kept
    ("Angewandte Chemie (International ed. in English)",
     "Angewandte Chemie (International ed. in English)"),
    ("Frontiers in medicine (Lausanne)", "Frontiers in medicine (Lausanne)"),
])
def test_a_citation_names_the_journal_as_it_prints_itself(catalogue: str, printed: str) -> None:
    assert to_csl_json({"pmid": "1", "title": "T", "journal": catalogue})[
        "container-title"] == printed


def test_a_name_suffix_is_cited_as_each_style_prints_it() -> None:
    assert parse_author("Bunn PA Jr") == ParsedAuthor(family="Bunn", given="P. A.", suffix="Jr")
    assert parse_author("Ivanov IV") == ParsedAuthor(family="Ivanov", given="I. V.")
    record = {"pmid": "1", "title": "A trial.", "journal": "J Test", "journal_abbrev": "J Test",
              "year": 2012, "authors": ["Bunn PA Jr", "Carr R 3rd"]}
    ama, apa, vancouver = (format_citations([record], style)[0] for style in STYLES)
    assert ama.startswith("Bunn PA Jr, Carr R 3rd. A trial.")
    assert apa.startswith("Bunn, P. A., Jr, & Carr, R., 3rd. (2012).")
    assert vancouver.startswith("Bunn PA Jr, Carr R 3rd. A trial.")


def test_a_work_not_in_english_is_cited_in_its_language_where_the_style_asks() -> None:
    """APA 7 gives the original title and the English in brackets; AMA and NLM keep
    PubMed's bracketed translation. CSL-JSON carries the original as original-title."""
    record = {"pmid": "1", "title": "[Vaccines are drugs].",
              "vernacular_title": "I vaccini sono farmaci.", "journal": "Epidemiologia e "
              "prevenzione", "journal_abbrev": "Epidemiol Prev", "year": 2015,
              "authors": ["Rossi M"], "language": ["ita"]}
    item = to_csl_json(record)
    assert item["title"] == "[Vaccines are drugs]"
    assert item["original-title"] == "I vaccini sono farmaci"
    assert item["language"] == "it"
    ama, apa, vancouver = (format_citations([record], style)[0] for style in STYLES)
    # CSL title-cases English items only: not "Epidemiologia E Prevenzione".
    assert apa.startswith("Rossi, M. (2015). I vaccini sono farmaci [Vaccines are drugs]. "
                          "Epidemiologia e prevenzione.")
    assert ama.startswith("Rossi M. [Vaccines are drugs]. Epidemiol Prev.")
    assert vancouver.startswith("Rossi M. [Vaccines are drugs]. Epidemiol Prev. 2015")
    assert "I vaccini" not in ama + vancouver
    question = {**record, "title": "[Oncogenesis: only somatic mutations?].",
                "vernacular_title": "Oncogenesi: solo mutazioni somatiche?", "retracted": True}
    [apa] = format_citations([question], "apa")
    assert ("[RETRACTED] Oncogenesi: solo mutazioni somatiche? [Oncogenesis: only somatic "
            "mutations?]. Epidemiologia") in apa
