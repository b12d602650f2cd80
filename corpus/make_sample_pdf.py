"""Typeset corpus/fixtures/*.txt (light markdown: '#' headings, '- ' bullets, 'N. ' numbered
paragraphs) as a report-like PDF in corpus/sample/: running header, page footer, paragraph
numbers in a left column, so a fresh clone exercises the PDF path end to end.

    python corpus/make_sample_pdf.py   (needs matplotlib, from the test extras)
"""
from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType: text stays extractable
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

HERE = Path(__file__).parent
W, H = 8.27, 11.69  # A4, inches
TOP, BOTTOM, LINE = 10.6, 1.2, 0.22


def blocks(text: str):
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split("\n"))
        if block.startswith("#"):
            yield "heading", None, block.lstrip("#").strip()
        elif block.startswith("- "):
            for item in re.split(r"\s*- ", block)[1:]:
                yield "bullet", None, item.strip()
        elif m := re.match(r"(\d+)\.\s+(.*)", block):
            yield "numbered", m.group(1), m.group(2)
        else:
            yield "body", None, block


def typeset(source: Path, target: Path, header: str) -> None:
    items = list(blocks(source.read_text(encoding="utf-8")))
    pages, page, y = [], [], TOP
    for kind, number, text in items:
        width = 60 if kind == "heading" else 84
        lines = textwrap.wrap(text, width)
        need = LINE * (len(lines) + 1)
        if y - need < BOTTOM and page:
            pages.append(page)
            page, y = [], TOP
        page.append((kind, number, lines, y))
        y -= need + (0.1 if kind == "heading" else 0)
    pages.append(page)
    with PdfPages(target, metadata={"Title": header, "Author": "findings project (sample)"}) as pdf:
        for n, page in enumerate(pages, start=1):
            fig = plt.figure(figsize=(W, H))
            fig.text(1.0 / W, 11.1 / H, header, fontsize=8, color="0.3")
            fig.text(W / 2 / W, 0.6 / H, f"Page {n} of {len(pages)}", fontsize=8, ha="center", color="0.3")
            for kind, number, lines, y in page:
                x = 1.0 if kind == "heading" else 1.45
                if number:
                    fig.text(1.0 / W, y / H, f"{number}.", fontsize=10)
                if kind == "bullet":
                    fig.text(1.2 / W, y / H, "\u2022", fontsize=10)
                for i, line in enumerate(lines):
                    fig.text(x / W, (y - i * LINE) / H, line, fontsize=13 if kind == "heading" else 10,
                             fontweight="bold" if kind == "heading" else "normal")
            pdf.savefig(fig)
            plt.close(fig)


if __name__ == "__main__":
    src = HERE / "fixtures" / "northshire-focused-visit-2024-03-12.txt"
    typeset(src, HERE / "sample" / "northshire-focused-visit-2024-03-12.pdf", "Focused visit to Northshire children's services (sample)")
    sys.exit(0)
