"""Reading real PDFs: columns, tables, furniture, hyphenation, OCR and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from plugins.finance.contracts.hooks import SAMPLE
from plugins.finance.contracts.reader import read_contract
from tests.finance.contracts import pdfs


def test_two_columns_are_read_left_then_right(tmp_path: Path) -> None:
    doc = read_contract(pdfs.two_column_pdf(tmp_path / "two.pdf"))
    assert [p.columns for p in doc.pages] == [2, 2]
    first_page = doc.text.split("MASTER SERVICES AGREEMENT PART 2")[0]
    order = [first_page.index(f"{n}. ") for n in range(1, 7)]
    assert order == sorted(order), "clauses 1-3 (left column) must precede 4-6 (right)"
    # a wrapped line is joined back into its sentence, not interleaved with the other column
    assert "deliver the hosting services described in Schedule A to Customer" in first_page
    assert "within forty-five (45) days of each invoice date" in first_page


def test_running_header_footer_and_page_numbers_are_removed(tmp_path: Path) -> None:
    doc = read_contract(pdfs.two_column_pdf(tmp_path / "two.pdf", pages=3))
    assert "CONFIDENTIAL" not in doc.text
    assert "- 2 -" not in doc.text
    assert doc.removed_furniture == 6  # one header and one page number on each of 3 pages


def test_hyphenation_and_line_wraps_are_repaired(tmp_path: Path) -> None:
    doc = read_contract(pdfs.hyphenated_pdf(tmp_path / "hy.pdf"))
    assert "for convenience upon ninety (90) days" in doc.text
    assert "Upon termination, Customer" in doc.text
    assert "confidentiality obligations" in doc.text
    assert "termi-" not in doc.text and "conven-" not in doc.text


def test_table_is_kept_as_rows_with_its_box() -> None:
    doc = read_contract(SAMPLE)
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.rows[0] == ["Item", "Amount", "Due"]
    assert ["Annual license fee", "US$120,000", "Each anniversary"] in table.rows
    assert table.page == 1 and table.bbox[2] > table.bbox[0]
    assert "Annual license fee | US$120,000 | Each anniversary" in doc.text


def test_every_line_points_to_its_page_and_box() -> None:
    doc = read_contract(SAMPLE)
    start = doc.text.index("governed by and construed")
    page, bbox = doc.locate(start, start + 40)
    assert page == 2
    x0, top, x1, bottom = bbox
    assert 0 < x0 < x1 <= 612 and 0 < top < bottom <= 792


def test_scanned_page_is_read_with_ocr(tmp_path: Path) -> None:
    source = pdfs.scan_source_pdf(tmp_path / "source.pdf")
    scanned = pdfs.scanned_pdf(tmp_path / "scanned.pdf", source, with_text_page=True)
    doc = read_contract(scanned)
    assert [p.method for p in doc.pages] == ["text", "ocr"]
    assert "governed by the" in doc.text and "California" in doc.text
    assert "Bluebird Analytics" in doc.text
    page, bbox = doc.locate(doc.text.index("California"), doc.text.index("California") + 10)
    assert page == 2 and bbox is not None


def test_missing_tesseract_names_the_skipped_pages(tmp_path: Path, monkeypatch) -> None:
    import pytesseract
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    source = pdfs.scan_source_pdf(tmp_path / "source.pdf")
    mixed = pdfs.scanned_pdf(tmp_path / "mixed.pdf", source, with_text_page=True)
    doc = read_contract(mixed)
    assert doc.pages[1].method == "skipped"
    assert any("pages 2 " in w and "tesseract-ocr" in w for w in doc.warnings)
    only_scan = pdfs.scanned_pdf(tmp_path / "only.pdf", source)
    with pytest.raises(UserError, match="only.pdf: no readable text.*pages 1 .*tesseract"):
        read_contract(only_scan)


@pytest.mark.parametrize("kind, message", [
    ("empty", "empty.pdf: the file is empty"),
    ("not_pdf", "not_pdf.pdf: not a PDF file"),
    ("truncated", "truncated.pdf: the PDF is damaged or truncated"),
    ("blank", "blank.pdf: no readable text"),
    ("encrypted", "encrypted.pdf: the PDF is encrypted; pass its password"),
])
def test_bad_files_raise_user_errors_naming_the_file(tmp_path: Path, kind: str,
                                                      message: str) -> None:
    path = tmp_path / f"{kind}.pdf"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "not_pdf":
        path.write_text("Name,Amount\nAcme,100\n")
    elif kind == "truncated":
        data = SAMPLE.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "blank":
        pdfs.blank_pdf(path)
    else:
        pdfs.encrypted_pdf(path, "s3cret")
    with pytest.raises(UserError, match=message):
        read_contract(path)


def test_encrypted_pdf_opens_with_its_password(tmp_path: Path) -> None:
    path = pdfs.encrypted_pdf(tmp_path / "enc.pdf", "s3cret")
    assert "State of Texas" in read_contract(path, password="s3cret").text
    with pytest.raises(UserError, match="password given is wrong"):
        read_contract(path, password="nope")


def test_page_limit_refuses_long_files(tmp_path: Path) -> None:
    path = pdfs.text_pages_pdf(tmp_path / "long.pdf", pages=30)
    with pytest.raises(UserError, match=r"long.pdf: 30 pages is over the page limit \(10\)"):
        read_contract(path, max_pages=10)
    assert len(read_contract(path, max_pages=30).pages) == 30
