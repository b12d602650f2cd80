"""Text and markdown to paragraphs; file sniffing; sentence splitting."""
from __future__ import annotations

import pytest

from findings.corpus.document import ExtractionError, Paragraph
from findings.corpus.extract import extract, sniff
from findings.corpus.sentences import split
from findings.corpus.text import decode, read_text


def test_markdown_marks_are_not_text():
    doc = read_text("# Title\n\n## Findings\n\n- **Bold** point with a [link](http://x.org).\n- *Second* point\n\nA paragraph with `code` and __strong__ words.\n")
    kinds = [(p.kind, p.text, p.section) for p in doc.paragraphs]
    assert kinds == [
        ("heading", "Title", "Title"),
        ("heading", "Findings", "Findings"),
        ("bullet", "Bold point with a link.", "Findings"),
        ("bullet", "Second point", "Findings"),
        ("body", "A paragraph with code and strong words.", "Findings"),
    ]


def test_paragraph_broken_by_a_blank_line_is_joined():
    doc = read_text("Inspectors reviewed a range of evidence, including other information\n\nprovided by staff and managers.\n")
    assert [p.text for p in doc.paragraphs] == ["Inspectors reviewed a range of evidence, including other information provided by staff and managers."]


def test_numbered_paragraphs_keep_their_number_out_of_the_text():
    doc = read_text("12. Children are seen promptly.\n")
    assert (doc.paragraphs[0].number, doc.paragraphs[0].text) == (12, "Children are seen promptly.")


def test_windows_1252_text_decodes():
    assert decode("Children’s services – café".encode("cp1252"), "x.txt") == "Children’s services – café"


def test_sniff_by_content_not_name():
    assert sniff(b"%PDF-1.7\n") == "pdf"
    assert sniff(b"\n<!DOCTYPE html><html>") == "html"
    assert sniff(b"Plain words") == "text"


@pytest.mark.parametrize("name,data,reason", [
    ("a.pdf", b"<html><body>Not found</body></html>", "not_a_pdf"),
    ("b.pdf", b"just some words", "not_a_pdf"),
    ("c.txt", b"", "empty"),
    ("d.md", b"\x00\x01\x02binary", "unsupported"),
])
def test_bad_files_raise_with_reasons_naming_the_file(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert info.value.reason == reason and name in str(info.value)


def test_sentences_split_on_final_punctuation_only():
    paras = [Paragraph("The MASH (e.g. the front door) works well. Mr. Smith agreed. Children wait too long!")]
    assert [s.text for s in split(paras)] == ["The MASH (e.g. the front door) works well.", "Mr. Smith agreed.", "Children wait too long!"]


def test_headings_are_sections_not_sentences():
    paras = [Paragraph("Findings", kind="heading"), Paragraph("Plans are good.", section="Findings")]
    assert [(s.text, s.paragraph_index) for s in split(paras)] == [("Plans are good.", 1)]
