"""The draft report as a PDF (reportlab): draft banner, sections, evidence, checks, key images."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from plugins.medical.clinical.models import ConsistencyCheck, DraftReport, Evidence


def _evidence_line(ev: Evidence) -> str:
    if ev.source == "record":
        where = f"{ev.reference} {ev.path}".strip() if ev.reference else f"chars {ev.start}-{ev.end}"
        return f"record {ev.file} [{where}]: {ev.text}"
    if ev.source == "dictation":
        when = (f" at {ev.start_s:.1f}-{ev.end_s:.1f} s" if ev.start_s is not None
                and ev.end_s is not None else "")
        return f"dictation{when}: \"{ev.text}\""
    return f"{ev.source} {ev.reference}: {ev.text}"


def write_report_pdf(path: Path, report: DraftReport, checks: list[ConsistencyCheck],
                     header: dict[str, str], key_images: list[Path] = ()) -> Path:
    """Write the PDF; ``header`` holds patient/study identifiers shown at the top."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9, textColor=colors.grey,
                                     leftIndent=10)
    banner = styles["BodyText"].clone("banner", textColor=colors.white, fontSize=9, leading=11)
    story = [Table([[Paragraph(escape(report.draft_notice), banner)]], colWidths=[180 * mm],
                   style=[("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#b00020")),
                          ("BOX", (0, 0), (-1, -1), 0.5, colors.black)]),
             Spacer(1, 4 * mm),
             Paragraph("CT report - DRAFT for physician review", styles["Title"])]
    rows = [[Paragraph(f"<b>{escape(k)}</b>", styles["BodyText"]),
             Paragraph(escape(str(v)), styles["BodyText"])] for k, v in header.items()]
    if rows:
        story.append(Table(rows, colWidths=[45 * mm, 135 * mm]))
    sections = [("Clinical history", report.clinical_history), ("Technique", report.technique),
                ("Findings", report.findings), ("Impression", report.impression)]
    for title, statements in sections:
        if not statements:
            continue
        story.append(Paragraph(title, styles["Heading2"]))
        for st in statements:
            story.append(Paragraph(escape(st.text), styles["BodyText"]))
            for ev in st.evidence:
                story.append(Paragraph("evidence - " + escape(_evidence_line(ev)), small))
    if report.recommendations:
        story.append(Paragraph("Recommendations", styles["Heading2"]))
        for rec in report.recommendations:
            story.append(Paragraph(escape(rec.text), styles["BodyText"]))
            story.append(Paragraph(escape(f"{rec.guideline}; risk: {rec.risk} ("
                                          f"{'; '.join(rec.risk_reasons)})"), small))
    if checks:
        story.append(Paragraph("Consistency checks (resolve before signing)", styles["Heading2"]))
        for check in checks:
            story.append(Paragraph(escape(f"[{check.severity}] {check.kind}: {check.message}"),
                                   styles["BodyText"]))
    for image in key_images:
        story.append(Spacer(1, 3 * mm))
        story.append(Image(str(image), width=70 * mm, height=70 * mm, kind="proportional"))
        story.append(Paragraph(escape(f"key image {image.name} (draft)"), small))
    doc = SimpleDocTemplate(str(path), pagesize=A4, title="Draft CT report",
                            author="Enclave (draft, not signed)",
                            leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)

    def footer(canvas, _doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 8 * mm, "DRAFT - not a diagnosis - requires physician "
                          f"review and signature - page {canvas.getPageNumber()}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path
