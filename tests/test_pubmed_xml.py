"""The streaming PubMed XML parser, field by field, on hand-written edge cases
and on the real NCBI files in ../shared/reference/ncbi."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.errors import InputFileError
from evidence.records import Article, DeletedCitations, InvalidRecord, SkippedRecord
from ingest.medline_text import iter_file as iter_medline
from ingest.pubmed_xml import iter_bytes, iter_file
from tests.conftest import FIXTURES, NCBI_REFERENCE, REPO_ROOT, need_shared


def articles(path: Path) -> dict[str, Article]:
    return {item.pmid: item for item in iter_file(path) if isinstance(item, Article)}


@pytest.fixture(scope="module")
def edge() -> dict[str, Article]:
    return articles(FIXTURES / "edge_cases.xml")


def test_inline_markup_is_kept_as_text_never_cutting_title_or_abstract(edge):
    article = edge["90000001"]
    # a numeric superscript after a digit is a power ("10<sup>2</sup>" is not 102);
    # a unit's ("cm<sup>2</sup>") and a subscript stay plain text
    assert article.title == ("Microneedling with 5% minoxidil versus minoxidil alone: a "
                             "randomized trial of hair density in 10^2 men with androgenetic "
                             "alopecia.")
    methods = article.abstract[1].text
    assert "(p<0.05)" in methods and methods.endswith("Registered as NCT01234567.")
    assert article.abstract[2].text.startswith("Hair density rose by 22 hairs/cm2 with")
    assert "H2O wash tests were unchanged." in article.abstract[2].text


def test_structured_abstract_keeps_labels_categories_order_and_drops_copyright(edge):
    sections = edge["90000001"].abstract
    assert [(s.label, s.category) for s in sections] == [
        ("BACKGROUND", "BACKGROUND"), ("METHODS", "METHODS"), ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS")]
    text = edge["90000001"].abstract_text
    assert text.startswith("BACKGROUND: Topical minoxidil is a first-line therapy")
    assert text.splitlines()[3] == ("CONCLUSIONS: Microneedling improves hair density when "
                                    "added to minoxidil.")
    assert "©" not in text and "Invented Press" not in text


def test_journal_dates_pages_and_ids(edge):
    article = edge["90000001"]
    assert (article.journal, article.journal_abbrev) == ("Journal of invented dermatology",
                                                         "J Invent Dermatol")
    assert (article.volume, article.issue, article.pages) == ("12", "4", "101-109")
    assert (article.year, article.pub_date, article.date_revised) == (2023, "2023-04-07",
                                                                      "2024-03-05")
    assert article.doi == "10.9999/jid.2023.0001"
    assert article.pmcid == "PMC9900001"
    assert article.publication_status == "ppublish"
    assert article.languages == ["eng"]


def test_ids_never_come_from_the_reference_list(edge):
    for article in edge.values():
        assert article.doi != "10.1111/wrong.reference.doi"
        assert article.pmcid != "PMC1111111"
    assert set(edge) == {"90000001", "90000002", "90000003", "90000004"}


def test_authors_in_order_with_affiliations_collective_and_invalid_dropped(edge):
    authors = edge["90000001"].authors
    assert [a.display_name for a in authors] == ["Müller K", "Núñez-García A",
                                                 "Invented Hair Study Group"]
    assert authors[0].affiliations == ("Department of Dermatology, Invented University, "
                                       "Zürich.", "Hair Clinic, Basel.")
    assert authors[2].collective_name == "Invented Hair Study Group"


def test_publication_types_mesh_keywords_and_trial_ids(edge):
    article = edge["90000001"]
    assert article.publication_types == ["Journal Article", "Randomized Controlled Trial"]
    alopecia = article.mesh[0]
    assert (alopecia.descriptor, alopecia.descriptor_ui, alopecia.major_topic) == (
        "Alopecia", "D000505", False)
    assert alopecia.qualifiers == ("therapy", "pathology")
    assert alopecia.major_qualifiers == ("therapy",)
    assert article.mesh[2].major_topic is True
    assert article.keywords == ["collagen induction therapy", "dermaroller"]
    # DataBankList first, then the abstract; a GenBank accession is not a trial.
    assert article.trial_ids == ["NCT07654321", "NCT01234567"]
    assert article.trial_id_sources == {"NCT07654321": "databank", "NCT01234567": "abstract"}


def test_medline_date_no_abstract_and_two_languages(edge):
    article = edge["90000002"]
    assert (article.year, article.pub_date) == (1990, "1990")  # "1990 May-Jun": no one month
    assert article.abstract == [] and article.abstract_text == ""
    assert article.pages == "33-7"
    assert article.languages == ["eng", "fre"]
    assert article.authors[0].display_name == "O'Brien S"


def test_season_doi_from_elocation_and_retraction_by_type(edge):
    article = edge["90000003"]
    assert (article.year, article.pub_date) == (2015, "2015")
    assert article.doi == "10.9999/icl.2015.3"
    assert article.retracted is True
    assert article.journal_abbrev is None


def test_retraction_by_retraction_in_comment(edge):
    assert edge["90000004"].retracted is True
    assert edge["90000001"].retracted is False
    assert edge["90000004"].pub_date == "2021-11"


def test_book_articles_are_skipped_not_crashed():
    items = list(iter_file(FIXTURES / "edge_cases.xml"))
    books = [item for item in items if isinstance(item, SkippedRecord)]
    assert [(book.kind, book.identifier) for book in books] == [("book", "90000005")]


def test_delete_citation_in_update_file():
    items = list(iter_file(FIXTURES / "update_revision.xml"))
    assert isinstance(items[0], Article) and items[0].date_revised == "2025-06-30"
    assert items[1] == DeletedCitations(("90000002", "99999999"))


def test_gzip_file_reads_like_plain(tmp_path):
    packed = tmp_path / "edge.xml.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "edge_cases.xml").read_bytes()))
    assert articles(packed).keys() == articles(FIXTURES / "edge_cases.xml").keys()


def test_not_pubmed_xml_is_refused_with_the_root_element(tmp_path):
    other = tmp_path / "report.xml"
    other.write_text("<?xml version='1.0'?><IPGReportSet><IPGReport/></IPGReportSet>")
    with pytest.raises(InputFileError, match=r"report\.xml: not PubMed XML.*<IPGReportSet>"):
        list(iter_file(other))


def test_not_xml_at_all(tmp_path):
    junk = tmp_path / "notes.xml"
    junk.write_text("just some notes, no markup\n")
    with pytest.raises(InputFileError, match=r"notes\.xml: not readable as XML: Start tag"):
        list(iter_file(junk))


def test_wrong_encoding_says_so_with_the_line(tmp_path):
    latin = tmp_path / "latin.xml"
    latin.write_bytes((FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
                      .encode("latin-1", errors="replace"))
    with pytest.raises(InputFileError) as failure:
        list(iter_file(latin))
    assert str(failure.value).startswith(f"{latin}: not readable as XML: ")
    assert "encoding" in str(failure.value) and "line 27" in str(failure.value)


def test_malformed_xml_names_file_line_and_last_good_pmid(tmp_path):
    text = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
    cut = text.index("<PMID Version=\"1\">90000003</PMID>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text[:cut] + "<PMID>90000003</Oops>" + text[cut:], encoding="utf-8")
    got: list[str] = []
    with pytest.raises(InputFileError) as failure:
        for item in iter_file(broken):
            got.append(item.pmid)
    assert got == ["90000001", "90000002"]
    message = str(failure.value)
    assert message.startswith(f"{broken}, line ")
    assert "malformed XML (after PMID 90000002)" in message


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path):
    record = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
    body = record[record.index("<PubmedArticle>"):record.index("<PubmedBookArticle>")]
    data = gzip.compress(("<PubmedArticleSet>" + body * 300 + "</PubmedArticleSet>").encode())
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(data[: len(data) * 3 // 4])
    got = []
    with pytest.raises(InputFileError, match=r"cut\.xml\.gz"):
        for item in iter_file(cut):
            got.append(item)
    assert 100 < len(got) < 1200 and all(isinstance(item, Article) for item in got)


def test_entities_are_never_expanded_and_nothing_is_fetched(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
        '<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n'
        '<!ENTITY secret SYSTEM "file:///etc/passwd">\n'
        '<!ENTITY remote SYSTEM "http://127.0.0.1:9/evil">\n]>\n'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle>T &c; &secret; &remote;</ArticleTitle></Article></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>")
    (article,) = list(iter_file(bomb))
    assert "root:" not in article.title
    assert len(article.title) < 100


def test_record_without_pmid_is_reported_and_the_rest_still_read(tmp_path):
    text = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
    bad = tmp_path / "nopmid.xml"
    bad.write_text(text.replace('<PMID Version="1">90000002</PMID>', ""), encoding="utf-8")
    items = list(iter_file(bad))
    invalid = [item for item in items if isinstance(item, InvalidRecord)]
    assert len(invalid) == 1
    assert "nopmid.xml, line" in invalid[0].reason and "PMID" in invalid[0].reason
    assert {i.pmid for i in items if isinstance(i, Article)} == {"90000001", "90000003",
                                                                 "90000004"}


@pytest.mark.parametrize("pmid", ["0090000002", "\u0669\u0660\u0660", "\uff19\uff10\uff10"],
                         ids=["leading-zero", "arabic-indic-digits", "fullwidth-digits"])
def test_a_pmid_pubmed_would_never_issue_is_reported_in_both_formats(tmp_path, pmid):
    """Only ASCII digits without a leading zero are a PMID: the numeric PMID sort and
    every PubMed link rest on it. The record is reported; the others still arrive."""
    xml = tmp_path / "oddpmid.xml"
    xml.write_text((FIXTURES / "edge_cases.xml").read_text(encoding="utf-8").replace(
        '<PMID Version="1">90000002</PMID>', f'<PMID Version="1">{pmid}</PMID>'),
        encoding="utf-8")
    nbib = tmp_path / "oddpmid.nbib"
    nbib.write_text((FIXTURES / "citations.nbib").read_text(encoding="utf-8").replace(
        "PMID- 90000011", f"PMID- {pmid}", 1), encoding="utf-8")
    for path, read, kept in ((xml, iter_file, 3), (nbib, iter_medline, None)):
        items = list(read(path))
        invalid = [item for item in items if isinstance(item, InvalidRecord)]
        assert len(invalid) == 1, path
        assert f"{path.name}" in invalid[0].reason and repr(pmid) in invalid[0].reason
        articles = [item for item in items if isinstance(item, Article)]
        assert articles and all(article.pmid[0] in "123456789" for article in articles)
        if kept is not None:
            assert len(articles) == kept


@pytest.mark.parametrize(("medline_date", "year", "pub_date"), [
    ("2015 Oct-Dec", 2015, "2015"),
    ("1998 Dec-1999 Jan", 1998, "1998"),
    ("2015 Sept-Oct", 2015, "2015"),
    ("2015 Oct 12-18", 2015, "2015-10"),
    ("2015 Nov 3", 2015, "2015-11-03"),
    ("Winter 2015", 2015, "2015"),
])
def test_a_medline_date_is_as_precise_as_it_is_known(medline_date, year, pub_date):
    """CONTRACT.md: pub_date "as precise as known"; a range of months names no month."""
    data = (f"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>424242</PMID><Article>"
            f"<Journal><JournalIssue><PubDate><MedlineDate>{medline_date}</MedlineDate></PubDate>"
            f"</JournalIssue></Journal><ArticleTitle>Needling.</ArticleTitle></Article>"
            f"</MedlineCitation></PubmedArticle></PubmedArticleSet>").encode()
    article = next(item for item in iter_bytes(data) if isinstance(item, Article))
    assert (article.year, article.pub_date) == (year, pub_date)


def test_iter_bytes_reads_an_efetch_answer():
    data = (FIXTURES / "edge_cases.xml").read_bytes()
    assert [i.pmid for i in iter_bytes(data) if isinstance(i, Article)][:2] == [
        "90000001", "90000002"]


# --- the real NCBI files -------------------------------------------------------------

def test_every_reference_pubmed_file_parses():
    folder = need_shared(NCBI_REFERENCE)
    counts = {path.name: len(articles(path)) for path in sorted(folder.glob("pubmed*.xml"))}
    assert counts == {"pubmed-29768149.xml": 1, "pubmed1.xml": 2, "pubmed2.xml": 2,
                      "pubmed4.xml": 1, "pubmed5.xml": 1, "pubmed6.xml": 1, "pubmed7.xml": 1}


def test_reference_structured_abstract_and_ids():
    article = articles(need_shared(NCBI_REFERENCE / "pubmed-29768149.xml"))["29768149"]
    assert article.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert [s.label for s in article.abstract] == ["BACKGROUND", "METHODS", "RESULTS",
                                                   "CONCLUSIONS"]
    assert article.doi == "10.1056/NEJMoa1715274"
    assert article.trial_ids == ["NCT02149199"]
    assert "Randomized Controlled Trial" in article.publication_types
    assert article.authors[0].display_name == "O'Byrne PM"
    assert article.abstract[-1].text.endswith("NCT02149199 .).")


def test_reference_season_date():
    by_pmid = articles(need_shared(NCBI_REFERENCE / "pubmed1.xml"))
    article = by_pmid["12091962"]
    assert (article.year, article.pub_date, article.volume) == (1990, "1990", "17")


def test_reference_current_baseline_sample():
    found = articles(need_shared(NCBI_REFERENCE / "test_current_medline.xml.gz"))
    assert len(found) == 4
    assert all(a.title and a.journal for a in found.values())


def test_reference_2016_medline_citation_set():
    path = need_shared(NCBI_REFERENCE / "medline16n0902.xml.gz")
    items = list(iter_file(path))
    found = [item for item in items if isinstance(item, Article)]
    deletions = [item for item in items if isinstance(item, DeletedCitations)]
    assert len(found) == 604
    assert deletions == [DeletedCitations(("26432306",))]
    first = found[0]
    assert first.pmid == "17942999"
    assert first.journal_abbrev == "Restor. Neurol. Neurosci."
    assert first.abstract[0].label == "PURPOSE" and first.abstract[0].category == "OBJECTIVE"
    assert sum(1 for a in found if a.pub_date == "2015-10") >= 59  # "2015 Oct-Dec"
    assert any(a.pmcid == "PMC4688250" for a in found)  # OtherID "PMC4688250 [Available...]"


def test_reference_ipg_report_is_refused():
    path = need_shared(NCBI_REFERENCE / "efetch_schemas.xml")
    with pytest.raises(InputFileError, match=r"efetch_schemas\.xml: not PubMed XML"):
        list(iter_file(path))


_PEAK_RSS_SCRIPT = """
import resource, sys
from ingest.pubmed_xml import iter_file
count = sum(1 for _ in iter_file(sys.argv[1]))
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_memory_stays_flat_as_the_file_grows(tmp_path):
    """Peak RSS of a parse in a fresh process, for a file and one ten times larger."""
    record = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8")
    body = record[record.index("<PubmedArticle>"):record.index("<PubmedBookArticle>")]

    def peak_kib(copies: int) -> int:
        path = tmp_path / f"big{copies}.xml"
        with path.open("w", encoding="utf-8") as handle:
            handle.write("<PubmedArticleSet>")
            for _ in range(copies):
                handle.write(body)
            handle.write("</PubmedArticleSet>")
        done = subprocess.run([sys.executable, "-c", _PEAK_RSS_SCRIPT, str(path)],
                              capture_output=True, text=True, check=True, cwd=REPO_ROOT)
        count, rss = map(int, done.stdout.split())
        assert count == 4 * copies
        return rss

    small, large = peak_kib(500), peak_kib(5000)  # 2,000 and 20,000 records
    assert large < small + 10 * 1024, (small, large)


def test_a_name_suffix_in_medline_text_is_kept_apart_from_the_initials(tmp_path):
    """"FAU - English, Robert S Jr" is English RS with the suffix Jr, as the XML's <Suffix>
    gives it; so are "AU - English RS Jr" alone and a roman numeral after a fore name."""
    nbib = tmp_path / "suffix.nbib"
    nbib.write_text(
        "PMID- 90000099\nTI  - Needling and hair.\nDP  - 2020\n"
        "FAU - English, Robert S Jr\nAU  - English RS Jr\n"
        "FAU - Carter, James Earl III\nAU  - Carter JE 3rd\n"
        "FAU - Vance, V\nAU  - Vance V\n\n"
        "PMID- 90000098\nTI  - Needling again.\nDP  - 2020\n"
        "AU  - Smith JR Jr\nAU  - Ivanov IV\n", encoding="utf-8")
    first, second = (item for item in iter_medline(nbib) if isinstance(item, Article))
    assert [author.display_name for author in first.authors] == [
        "English RS Jr", "Carter JE 3rd", "Vance V"]  # PubMed's AU form, as <Suffix>
    assert (first.authors[0].fore_name, first.authors[0].suffix) == ("Robert S", "Jr")
    assert [author.display_name for author in second.authors] == ["Smith JR Jr", "Ivanov IV"]
    assert second.authors[1].suffix is None  # "IV" alone could be initials


def test_an_xml_name_suffix_is_kept():
    data = (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>424242</PMID><Article>"
            b"<ArticleTitle>Needling.</ArticleTitle><AuthorList><Author><LastName>Bunn</LastName>"
            b"<ForeName>Paul A</ForeName><Initials>PA</Initials><Suffix>Jr</Suffix></Author>"
            b"<Author><LastName>Witta</LastName><Initials>SE</Initials></Author></AuthorList>"
            b"</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>")
    [article] = (item for item in iter_bytes(data) if isinstance(item, Article))
    assert [author.display_name for author in article.authors] == ["Bunn PA Jr", "Witta SE"]


def test_the_original_language_title_is_kept_beside_the_translation(tmp_path):
    """PubMed's ArticleTitle of a work not in English is its bracketed translation; the
    original is VernacularTitle (MEDLINE's TT), alone the title when there is no other."""
    data = ("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>424242</PMID><Article>"
            "<ArticleTitle>[Microneedling for alopecia areata].</ArticleTitle>"
            "<VernacularTitle>Microagulhamento na alopecia areata.</VernacularTitle>"
            "</Article></MedlineCitation></PubmedArticle><PubmedArticle><MedlineCitation>"
            "<PMID>424243</PMID><Article><ArticleTitle/><VernacularTitle>Mikroneedling."
            "</VernacularTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>")
    translated, untitled = (item for item in iter_bytes(data.encode())
                            if isinstance(item, Article))
    assert translated.title == "[Microneedling for alopecia areata]."
    assert translated.vernacular_title == "Microagulhamento na alopecia areata."
    assert (untitled.title, untitled.vernacular_title) == ("Mikroneedling.", None)
    nbib = tmp_path / "vernacular.nbib"
    nbib.write_text("PMID- 90000095\nTI  - [Microneedling for alopecia areata].\n"
                    "TT  - Microagulhamento na alopecia areata.\nDP  - 2020\nLA  - por\n",
                    encoding="utf-8")
    [article] = (item for item in iter_medline(nbib) if isinstance(item, Article))
    assert (article.title, article.vernacular_title) == (translated.title,
                                                         translated.vernacular_title)


def test_reference_2016_vernacular_titles():
    path = need_shared(NCBI_REFERENCE / "medline16n0902.xml.gz")
    found = [item for item in iter_file(path) if isinstance(item, Article)]
    vernacular = [a for a in found if a.vernacular_title]
    assert len(vernacular) == 18
    assert any(a.vernacular_title == "I vaccini sono farmaci." for a in vernacular)
    assert all(a.title and a.title != a.vernacular_title for a in vernacular)


def test_medline_text_takes_pubmeds_initials_as_the_xml_does(tmp_path):
    """"FAU - Kozai, Takashi D Y" with "AU - Kozai TD" is Kozai TD, as the XML's
    <Initials> give it: the same study has the same authors whatever the file format."""
    nbib = tmp_path / "initials.nbib"
    nbib.write_text(
        "PMID- 90000097\nTI  - Needling and hair.\nDP  - 2020\n"
        "FAU - Kozai, Takashi D Y\nAU  - Kozai TD\n"
        "FAU - van der Berg, Jan Pieter\nAU  - van der Berg JP\n"
        "FAU - Moreau, Anne-Marie\n"  # no AU line: initials from the fore name
        "CN  - Hair Study Group\nAU  - Unrelated AB\n", encoding="utf-8")
    [article] = (item for item in iter_medline(nbib) if isinstance(item, Article))
    assert [author.display_name for author in article.authors] == [
        "Kozai TD", "van der Berg JP", "Moreau AM", "Hair Study Group"]
    assert article.authors[0].fore_name == "Takashi D Y"


def test_medline_text_headings_may_hold_brackets(tmp_path):
    nbib = tmp_path / "headings.nbib"
    nbib.write_text(
        "PMID- 90000096\nTI  - Needling and hair.\nDP  - 2020\n"
        "AB  - OBJECTIVE: To test needling. PATIENT(S): Twenty women. INTERVENTION(S):\n"
        "      Microneedling.\n", encoding="utf-8")
    [article] = (item for item in iter_medline(nbib) if isinstance(item, Article))
    assert [(section.label, section.text) for section in article.abstract] == [
        ("OBJECTIVE", "To test needling."), ("PATIENT(S)", "Twenty women."),
        ("INTERVENTION(S)", "Microneedling.")]


def test_layout_white_space_in_markup_is_not_text():
    """efetch prints MathML one element per line, and may break the line before a <sub>:
    "V . O 2 m a x" and "β 2-agonist" were what users read and the tagger saw."""
    abstract = ('Oxygen uptake ( <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">\n'
                '    <mml:msub>\n      <mml:mrow>\n        <mml:mover>\n'
                '          <mml:mi>V</mml:mi>\n          <mml:mo>.</mml:mo>\n'
                '        </mml:mover>\n        <mml:mi>O</mml:mi>\n      </mml:mrow>\n'
                '      <mml:mn>2</mml:mn>\n    </mml:msub>\n    <mml:mtext>max of</mml:mtext>\n'
                '  </mml:math> ) rose with a \u03b2\n\t\t<sub>2</sub>-agonist and '
                'CO <sub>2</sub> laser.')
    data = ("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>424242</PMID><Article>"
            "<ArticleTitle>Needling.</ArticleTitle><Abstract><AbstractText>"
            f"{abstract}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
            "</PubmedArticleSet>").encode()
    [article] = (item for item in iter_bytes(data) if isinstance(item, Article))
    assert article.abstract_text == ("Oxygen uptake ( V.O2max of ) rose with a \u03b22-agonist "
                                     "and CO 2 laser.")


def test_powers_of_ten_are_written_as_powers(tmp_path):
    """"10<sup>6</sup>" is a million, not 106; a unit's or an ordinal's superscript, a
    subscript and a processing instruction's content are text as before (or none)."""
    text = (FIXTURES / "edge_cases.xml").read_text(encoding="utf-8").replace(
        "Hair density rose by 22 hairs/cm<sup>2</sup>",
        "Platelets 1.5 x 10<?pi note?><sup>6</sup>/uL, p &lt; 10<sup>-5</sup>, "
        "the 1<sup>st</sup> week; Hair density rose by 22 hairs/cm<sup>2</sup>")
    path = tmp_path / "powers.xml"
    path.write_text(text, encoding="utf-8")
    article = next(item for item in iter_file(path)
                   if isinstance(item, Article) and item.pmid == "90000001")
    results = article.abstract[2].text
    assert results.startswith("Platelets 1.5 x 10^6/uL, p < 10^-5, the 1st week; Hair density "
                              "rose by 22 hairs/cm2 with")
    assert "H2O wash tests" in results
