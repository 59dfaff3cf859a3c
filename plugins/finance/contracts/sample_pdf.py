"""Generate the demo contract (a made-up software licence) as a real PDF with reportlab.

Run ``python -m plugins.finance.contracts.sample_pdf`` to rewrite
``samples/sample_licence_agreement.pdf``. The text is written for this project (not
CUAD); it exercises a running header/footer, page numbers, numbered clauses with
(a)/(b) items, a ruled fee table and the facts the extractors read.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_PATH = Path(__file__).resolve().parent / "samples" / "sample_licence_agreement.pdf"

CLAUSES: list[tuple[str, str]] = [
    ("1. Definitions", "1.1 \"Software\" means the Northwind Ledger accounting software in object "
     "code form, including updates supplied under this Agreement. 1.2 \"Territory\" means the "
     "United States of America and Canada."),
    ("2. License Grant", "2.1 Subject to the terms of this Agreement, Licensor hereby grants to "
     "Licensee a non-exclusive, non-transferable license to install and use the Software in the "
     "Territory for its internal business purposes. 2.2 Licensee may not sublicense, assign or "
     "transfer the license granted in this Section 2 without the prior written consent of "
     "Licensor."),
    ("3. Fees and Payment", "3.1 Licensee shall pay Licensor the fees set out in the fee table "
     "below. 3.2 Licensor shall invoice the annual fee in advance and Licensee shall pay each "
     "invoice within thirty (30) days of receipt. 3.3 Late payments bear interest at one percent "
     "(1%) per month."),
    ("4. Term and Renewal", "4.1 This Agreement commences on the Effective Date and continues for "
     "an initial term of three (3) years. 4.2 Thereafter this Agreement shall automatically renew "
     "for successive one (1) year periods unless either party gives written notice of non-renewal "
     "at least fifteen (15) days prior to the end of the then-current term."),
    ("5. Termination", "5.1 Licensor may terminate this Agreement for convenience at any time upon "
     "sixty (60) days' written notice to Licensee. 5.2 Either party may terminate this Agreement "
     "if the other party materially breaches it and fails to cure the breach within thirty (30) "
     "days after written notice."),
    ("6. Audit", "6.1 Licensee shall keep accurate records of its use of the Software, and "
     "Licensor may audit those records once per calendar year upon ten (10) business days' "
     "notice."),
    ("7. Intellectual Property", "7.1 Licensee hereby assigns to Licensor all right, title and "
     "interest in any improvements, modifications or derivative works of the Software made by or "
     "for Licensee. 7.2 All other intellectual property rights in the Software remain with "
     "Licensor."),
    ("8. Non-Competition", "8.1 During the term and for one (1) year thereafter, Licensee shall "
     "not develop, market or sell any accounting software that competes with the Software in the "
     "Territory."),
    ("9. Limitation of Liability", "9.1 In no event shall either party be liable for indirect, "
     "incidental or consequential damages. 9.2 The total aggregate liability of Licensor under "
     "this Agreement shall not exceed US$250,000."),
    ("10. Insurance", "10.1 Licensor shall maintain commercial general liability insurance with "
     "limits of not less than $2,000,000 per occurrence during the term."),
    ("11. Governing Law", "11.1 This Agreement shall be governed by and construed in accordance "
     "with the laws of the State of New York, without regard to its conflict of laws principles."),
    ("12. Miscellaneous", "12.1 This Agreement is the entire agreement between the parties. "
     "12.2 Nothing in this Agreement confers any rights on any person other than the parties."),
]

PREAMBLE = ("This SOFTWARE LICENSE AGREEMENT (this \"Agreement\") is entered into as of March 3, "
            "2025 (the \"Effective Date\") by and between Northwind Software Inc., a Delaware "
            "corporation (\"Licensor\"), and Contoso Retail LLC, a New York limited liability "
            "company (\"Licensee\").")

FEES = [["Item", "Amount", "Due"],
        ["Annual license fee", "US$120,000", "Each anniversary"],
        ["Implementation services", "US$35,000", "On acceptance"],
        ["Support (per year)", "US$18,000", "Quarterly in advance"]]


def build_sample_contract(path: Path = SAMPLE_PATH) -> Path:
    """Write the demo licence agreement PDF to ``path`` and return it."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body, head = styles["BodyText"], styles["Heading2"]
    story = [Paragraph("SOFTWARE LICENSE AGREEMENT", styles["Title"]), Paragraph(PREAMBLE, body),
             Spacer(1, 8)]
    for title, text in CLAUSES:
        story.append(Paragraph(title, head))
        story.append(Paragraph(text, body))
        if title.startswith("3."):
            table = Table(FEES, colWidths=[200, 120, 140])
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
            story += [Spacer(1, 6), table, Spacer(1, 6)]
    story.append(Spacer(1, 18))
    story.append(Paragraph("IN WITNESS WHEREOF, the parties have executed this Agreement as of "
                           "the Effective Date.", body))
    story.append(Paragraph("NORTHWIND SOFTWARE INC. By: ____________ Name: Ada Park, CEO", body))
    story.append(Paragraph("CONTOSO RETAIL LLC By: ____________ Name: Ben Ortiz, COO", body))

    def furniture(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, letter[1] - 40, "Northwind / Contoso - Software License Agreement "
                                              "- CONFIDENTIAL")
        canvas.drawCentredString(letter[0] / 2, 30, f"Page {doc.page}")
        canvas.restoreState()

    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=letter, topMargin=72, bottomMargin=72,
                            title="Software License Agreement", author="Enclave sample")
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


if __name__ == "__main__":
    print(build_sample_contract())
