"""corpus/pdf.py on real Ofsted reports (shared corpus) and on synthetic bad files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from findings.corpus.document import ExtractionError
from findings.corpus.pdf import Line, build_paragraphs, extract_pdf
from findings.corpus.sentences import split

from .fixtures.make_fault_pdfs import encrypted_pdf, nopages_pdf, scanned_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
ILACS = SHARED / "corpus" / "ilacs"
needs_shared = pytest.mark.skipif(not ILACS.is_dir(), reason="needs ../shared/corpus/ilacs")
pytestmark = []


def _doc(rel: str):
    return extract_pdf(ILACS / rel)


@pytest.fixture(scope="module")
def blackpool_2019():
    if not ILACS.is_dir():
        pytest.skip("needs ../shared/corpus/ilacs")
    return _doc("blackpool/2019-01-17.pdf")


@pytest.fixture(scope="module")
def bolton_2023():
    if not ILACS.is_dir():
        pytest.skip("needs ../shared/corpus/ilacs")
    return _doc("bolton/2023-10-27.pdf")


@pytest.fixture(scope="module")
def blackpool_2014():
    if not ILACS.is_dir():
        pytest.skip("needs ../shared/corpus/ilacs")
    return _doc("blackpool/2014-09-08.pdf")


def _para(doc, start: str):
    hits = [p for p in doc.paragraphs if p.text.startswith(start)]
    assert hits, f"no paragraph starts with {start!r}"
    return hits[0]


# ---------------------------------------------------------------- paragraph numbers

@pytest.mark.shared
@needs_shared
def test_number_column_becomes_paragraph_number(blackpool_2019):
    # "1." printed in the left column, text in the right column
    p = _para(blackpool_2019, "Services for children in need of help and protection in Blackpool are inadequate")
    assert p.number == 1
    assert p.section.startswith("The experiences and progress of children who need help and protection")
    # "6.  When children ..." printed on the same line as its text
    p6 = _para(blackpool_2019, "When children are subject to child protection enquiries")
    assert p6.number == 6
    assert not re.match(r"^\d+\.", p6.text)


@pytest.mark.shared
@needs_shared
def test_numbered_paragraph_continues_over_page_break(blackpool_2019):
    # paragraph 19 ends page 6 with a full stop; its last sentences are on page 7
    p19 = [p for p in blackpool_2019.paragraphs if p.number == 19][0]
    assert "Social workers have clear aspirations for children" in p19.text
    assert not any(p.text.startswith("Social workers have clear aspirations") for p in blackpool_2019.paragraphs)


@pytest.mark.shared
@needs_shared
def test_summary_paragraph_joined_across_page(blackpool_2019):
    p = _para(blackpool_2019, "Since the last inspection in 2014, the pace of progress")
    assert "Prior to the inspection, the local authority had recognised some of, but not all, the shortfalls" in p.text
    assert p.page == 1


@pytest.mark.shared
@needs_shared
def test_most_ilacs_sentences_carry_a_number(bolton_2023):
    sents = split(bolton_2023.paragraphs)
    numbered = sum(1 for s in sents if bolton_2023.paragraphs[s.paragraph_index].number is not None)
    assert numbered / len(sents) >= 0.8
    numbers = [p.number for p in bolton_2023.paragraphs if p.number is not None and p.kind == "body"]
    assert numbers[:5] == [1, 2, 3, 4, 5]


# ---------------------------------------------------------------- furniture, headings, bullets

@pytest.mark.shared
@needs_shared
def test_no_running_header_or_page_number_in_sentences(bolton_2023):
    sents = [s.text for s in split(bolton_2023.paragraphs)]
    for s in sents:
        assert "Inspection of Bolton local authority children" not in s
        assert "11 to 15 September 2023" not in s          # footer date line
        assert not re.fullmatch(r"\d{1,3}", s)
    # paragraph 5 runs from page 2 to page 3 across the footer
    p5 = [p for p in bolton_2023.paragraphs if p.number == 5][0]
    assert "Some assessments do not sufficiently" in p5.text
    assert "September 2023" not in p5.text


@pytest.mark.shared
@needs_shared
def test_headings_and_sections(bolton_2023):
    heads = [p.text for p in bolton_2023.paragraphs if p.kind == "heading"]
    assert "What needs to improve?" in heads
    bullets = [p for p in bolton_2023.paragraphs if p.kind == "bullet"]
    assert bullets and bullets[0].text == "The quality of child in need and child protection assessments and plans."
    assert all(b.section == "What needs to improve?" for b in bullets[:4])
    assert not any(p.text[:1] in "◼•\uf0a7\uf0b7" for p in bolton_2023.paragraphs)


@pytest.mark.shared
@needs_shared
def test_judgement_table_is_not_prose(blackpool_2019):
    tables = [p for p in blackpool_2019.paragraphs if p.kind == "table"]
    assert any(t.text == "Overall effectiveness | Inadequate" for t in tables)
    body = " ".join(p.text for p in blackpool_2019.paragraphs if p.kind == "body")
    assert "Inadequate The experiences" not in body
    assert "and families Inadequate" not in body


@pytest.mark.shared
@needs_shared
def test_footnotes_are_separate_and_reference_digits_removed(blackpool_2014):
    notes = [p for p in blackpool_2014.paragraphs if p.kind == "footnote"]
    assert any(p.text.startswith("Ofsted produces this report under its power to combine reports") for p in notes)
    assert not any(p.kind == "body" and "Ofsted produces this report under its power" in p.text
                   for p in blackpool_2014.paragraphs)
    texts = " ".join(p.text for p in blackpool_2014.paragraphs if p.page == 1)
    assert "Children Board1" not in texts and "improvement.2" not in texts


@pytest.mark.shared
@needs_shared
def test_line_end_hyphen_of_compound_kept(blackpool_2019):
    text = " ".join(p.text for p in blackpool_2019.paragraphs)
    assert "information-gathering" in text or "Information-gathering" in text
    assert "decision-making" in text
    assert "informationgathering" not in text.lower()


def _ln(y: float, text: str) -> Line:
    return Line(page=1, x0=72, y0=y, x1=500, y1=y + 12, text=text, size=12.0, bold=False)


def test_hyphenation_repair_uses_document_vocabulary():
    lines = [
        _ln(700, "The local authority completes an assess-"),
        _ln(685, "ment of every child. Their well-"),
        _ln(670, "being matters and so does the child's wellbeing and well-being."),
        _ln(655, "An assessment is done and a multi-"),
        _ln(640, "agency meeting follows. Some reviews are co-"),
        _ln(625, "ordinated and others not."),
    ]
    paras, _ = build_paragraphs(lines, pages=1)
    assert len(paras) == 1
    text = paras[0].text
    assert "an assessment of every child" in text
    assert "Their well-being matters" in text
    assert "a multi-agency meeting" in text
    assert "co-ordinated" in text


# ---------------------------------------------------------------- bad files

@pytest.mark.shared
@needs_shared
@pytest.mark.parametrize("rel", ["blackpool/2012-07-13.pdf", "bromley/2012-08-17.pdf"])
def test_html_saved_as_pdf(rel):
    with pytest.raises(ExtractionError) as err:
        extract_pdf(ILACS / rel)
    assert err.value.reason == "not_a_pdf"
    assert "HTML" in str(err.value) and rel.split("/")[0] in str(err.value)


def test_empty_file(tmp_path):
    f = tmp_path / "empty.pdf"
    f.write_bytes(b"")
    with pytest.raises(ExtractionError) as err:
        extract_pdf(f)
    assert err.value.reason == "empty"


def test_random_bytes_are_not_a_pdf(tmp_path):
    f = tmp_path / "junk.pdf"
    f.write_bytes(b"PK\x03\x04 this is a zip file really" * 10)
    with pytest.raises(ExtractionError) as err:
        extract_pdf(f)
    assert err.value.reason == "not_a_pdf"


@pytest.mark.shared
@needs_shared
def test_truncated_pdf_is_corrupt(tmp_path):
    data = (ILACS / "bolton/2023-10-27.pdf").read_bytes()
    f = tmp_path / "truncated.pdf"
    f.write_bytes(data[: len(data) // 3])
    with pytest.raises(ExtractionError) as err:
        extract_pdf(f)
    assert err.value.reason == "corrupt"
    assert "truncated" in str(err.value)


@pytest.mark.parametrize("build,reason,says", [
    (encrypted_pdf, "encrypted", ""),
    (scanned_pdf, "no_text_layer", "OCR"),  # image-only: the message says what to do
    (nopages_pdf, "no_pages", ""),
])
def test_faulty_pdf_gets_its_reason(tmp_path, build, reason, says):
    f = tmp_path / "fault.pdf"
    build(f)
    with pytest.raises(ExtractionError) as err:
        extract_pdf(f)
    assert err.value.reason == reason
    assert says in str(err.value)
