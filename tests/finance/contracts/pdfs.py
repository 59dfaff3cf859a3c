"""Real PDFs for the contract tests, drawn with reportlab (two columns, hyphenation, scans)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

WIDTH, HEIGHT = letter

LEFT_COLUMN = [
    "1. Services. Provider shall deliver the",
    "hosting services described in Schedule",
    "A to Customer from the Effective Date.",
    "2. Fees. Customer shall pay the fees",
    "stated in Schedule B within forty-five",
    "(45) days of each invoice date.",
    "3. Term. This Agreement has an initial",
    "term of two (2) years.",
]
RIGHT_COLUMN = [
    "4. Confidentiality. Each party shall",
    "keep the other party's information",
    "confidential for five (5) years.",
    "5. Governing Law. This Agreement shall",
    "be governed by the laws of the State",
    "of Delaware.",
    "6. Notices. Notices must be in writing",
    "and sent to the addresses above.",
]


def _header_footer(c: canvas.Canvas, page: int) -> None:
    c.setFont("Helvetica", 8)
    c.drawString(72, HEIGHT - 36, "ACME HOSTING MASTER SERVICES AGREEMENT - CONFIDENTIAL")
    c.drawCentredString(WIDTH / 2, 30, f"- {page} -")


def two_column_pdf(path: Path, pages: int = 2) -> Path:
    """A title across the page, then two columns of numbered clauses, header/footer on each page."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for page in range(1, pages + 1):
        _header_footer(c, page)
        c.setFont("Helvetica-Bold", 14)
        c.drawCentredString(WIDTH / 2, HEIGHT - 90, f"MASTER SERVICES AGREEMENT PART {page}")
        c.setFont("Helvetica", 10)
        for i, (left, right) in enumerate(zip(LEFT_COLUMN, RIGHT_COLUMN, strict=True)):
            y = HEIGHT - 130 - 14 * i
            c.drawString(60, y, left)
            c.drawString(330, y, right)
        c.showPage()
    c.save()
    return path


def hyphenated_pdf(path: Path) -> Path:
    """Justified lines broken with hyphens inside words, across three pages with a footer."""
    lines = [
        "This Agreement may be terminated by either party for conven-",
        "ience upon ninety (90) days written notice. Upon termi-",
        "nation, Customer shall pay all fees accrued to the termi-",
        "nation date, and the parties remain bound by their confiden-",
        "tiality obligations.",
    ]
    c = canvas.Canvas(str(path), pagesize=letter)
    for page in range(1, 4):
        _header_footer(c, page)
        c.setFont("Helvetica", 11)
        for i, line in enumerate(lines):
            c.drawString(72, HEIGHT - 120 - 15 * i, line)
        c.showPage()
    c.save()
    return path


def text_pages_pdf(path: Path, pages: int, sentence: str = "The parties agree to the terms "
                   "set out below.") -> Path:
    """A plain multi-page PDF (for page limits)."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for page in range(pages):
        c.setFont("Helvetica", 11)
        c.drawString(72, HEIGHT - 100, f"{page + 1}. {sentence}")
        c.showPage()
    c.save()
    return path


def scanned_pdf(path: Path, source: Path, with_text_page: bool = False) -> Path:
    """An image-only copy of ``source``'s first page (what a scanner produces).

    The page is rendered to pixels with pypdfium2 and placed as a picture, so the PDF has
    no text layer; ``with_text_page`` puts a normal text page in front of it.
    """
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader

    pdf = pdfium.PdfDocument(str(source))
    image = pdf[0].render(scale=300 / 72, grayscale=True).to_pil()
    pdf.close()
    c = canvas.Canvas(str(path), pagesize=letter)
    if with_text_page:
        c.setFont("Helvetica", 11)
        c.drawString(72, HEIGHT - 100, "COVER NOTE: the signed agreement follows on the next page.")
        c.showPage()
    c.drawImage(ImageReader(image), 0, 0, width=WIDTH, height=HEIGHT)
    c.showPage()
    c.save()
    return path


def scan_source_pdf(path: Path) -> Path:
    """A one-page contract in large type, the original that scanned_pdf turns into an image."""
    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, HEIGHT - 90, "CONSULTING AGREEMENT")
    c.setFont("Helvetica", 13)
    lines = ["This Consulting Agreement is made as of June 1, 2021 between",
             "Bluebird Analytics Inc. (\"Consultant\") and Harbor Foods LLC (\"Client\").",
             "1. Governing Law. This Agreement shall be governed by the",
             "laws of the State of California.",
             "2. Term. The term of this Agreement is twelve (12) months."]
    for i, line in enumerate(lines):
        c.drawString(72, HEIGHT - 130 - 22 * i, line)
    c.showPage()
    c.save()
    return path


def encrypted_pdf(path: Path, password: str) -> Path:
    """A one-page contract protected by a user password."""
    c = canvas.Canvas(str(path), pagesize=letter, encrypt=password)
    c.setFont("Helvetica", 11)
    c.drawString(72, HEIGHT - 100, "This Agreement shall be governed by the laws of the State "
                                   "of Texas.")
    c.showPage()
    c.save()
    return path


def blank_pdf(path: Path) -> Path:
    """A PDF whose only page is empty."""
    c = canvas.Canvas(str(path), pagesize=letter)
    c.showPage()
    c.save()
    return path
