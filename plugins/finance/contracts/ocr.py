"""OCR for scanned contract pages: render with pypdfium2, read words with Tesseract.

Only pages without a text layer come here, one at a time (a page image at 200 dpi is
~30 MB, so pages are never held together). Word boxes are converted back to PDF points
so OCR'd clauses point to the page exactly like text-layer clauses do.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = ("Tesseract is not installed; enable OCR with `apt-get install tesseract-ocr` "
                "(or set TESSERACT_CMD) and run the job again")


def tesseract_missing() -> str | None:
    """None when Tesseract can run, else the message telling how to enable OCR."""
    import pytesseract
    cmd = pytesseract.pytesseract.tesseract_cmd
    if shutil.which(cmd) is None and not Path(cmd).is_file():
        return INSTALL_HINT
    try:
        pytesseract.get_tesseract_version()
    except Exception:  # noqa: BLE001 - any failure to start means OCR is unavailable
        return INSTALL_HINT
    return None


_ENV_LOCK = threading.Lock()


@contextmanager
def _one_openmp_thread() -> Iterator[None]:
    """Run Tesseract children on one OpenMP thread unless the site set OMP_THREAD_LIMIT.

    Tesseract's default 4 OpenMP threads spin against each other (and against any other
    work) on a small CPU: on the 2-core box a 200 dpi letter page took 7.5 s that way and
    1.2 s on one thread, with identical words. Pages are independent, so a site wanting
    more parallelism runs more workers, not more threads per page.
    """
    with _ENV_LOCK:
        preset = "OMP_THREAD_LIMIT" in os.environ
        if not preset:
            os.environ["OMP_THREAD_LIMIT"] = "1"
        try:
            yield
        finally:
            if not preset:
                os.environ.pop("OMP_THREAD_LIMIT", None)


def ocr_page(path: Path, number: int, *, password: str | None = None, dpi: int = 200,
             language: str = "eng", min_confidence: float = 30.0) -> list[dict]:
    """Words of page ``number`` (1-based) as pdfplumber-style dicts in PDF points."""
    import pypdfium2 as pdfium
    import pytesseract

    scale = dpi / 72.0
    pdf = pdfium.PdfDocument(str(path), password=password or None)
    try:
        page = pdf[number - 1]
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
    finally:
        pdf.close()
    with _one_openmp_thread():
        data = pytesseract.image_to_data(image, lang=language, config="--psm 3",
                                         output_type=pytesseract.Output.DICT)
    image.close()
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1.0
        if not text or conf < min_confidence:
            continue
        x0 = data["left"][i] / scale
        top = data["top"][i] / scale
        words.append({"text": text, "x0": x0, "x1": x0 + data["width"][i] / scale,
                      "top": top, "bottom": top + data["height"][i] / scale,
                      "size": data["height"][i] / scale, "confidence": conf})
    return words
