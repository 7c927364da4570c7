"""HTML from `frontdesk.handouts` onto paper or into a PDF, the same way for both.

Every page is laid out on US Letter with the margins below; the text is laid out against the
device it is painted on (printer, preview or PDF writer), so what the preview shows is what
the printer prints. The modal dialogs run through `run_dialog`, which tests replace.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

MARGINS_MM = QMarginsF(15, 15, 15, 15)
FONT_FAMILIES = ["DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial"]
FONT_POINTS = 10
PDF_DPI = 600
_CSS_DPI = 96  # what QTextDocument takes a pixel to be when no device is set
_FOOTER_POINTS = 8


def page_layout() -> QPageLayout:
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.Letter),
        QPageLayout.Orientation.Portrait,
        MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    )


def document_font() -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(FONT_POINTS)
    if hasattr(QFont, "Tag"):  # Qt >= 6.7
        # No "ﬁ"/"ﬃ" ligatures: a PDF maps such a glyph to one character, and then neither
        # copying nor searching finds "Confirmed" or "Office" in it.
        font.setFeature(QFont.Tag("liga"), 0)
    return font


def document_from_html(html: str, title: str | None = None) -> QTextDocument:
    """The document with Letter's text area as its page size (in 96-dpi pixels).

    `title` defaults to the HTML's <title>; it names the PDF and the print job.
    """
    doc = QTextDocument()
    doc.setDefaultFont(document_font())
    doc.setDocumentMargin(0)  # the page margins are the printer's
    doc.setHtml(html)
    if title is not None:
        doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    body = page_layout().paintRect(QPageLayout.Unit.Inch)
    doc.setPageSize(QSizeF(body.width() * _CSS_DPI, body.height() * _CSS_DPI))
    return doc


def title_of(doc: QTextDocument) -> str:
    return doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle)


def render(
    doc: QTextDocument,
    device: QPagedPaintDevice,
    *,
    page_numbers: bool = False,
    page_words: str = "page {n} of {total}",
) -> int:
    """Paints `doc` on `device` (whose page layout is already set), one page after another.

    A copy of the document is laid out against the device itself, so fonts are measured at
    the device's resolution. With `page_numbers`, each page of a document longer than one
    page ends with "Title - page 2 of 3" (`page_words` in the document's language).
    Returns the number of pages painted (0 when the device could not be opened).
    """
    painter = QPainter()
    if not painter.begin(device):
        return 0
    copy = doc.clone(doc)  # a child of `doc`, freed with it (shiboken6.delete crashes)
    copy.documentLayout().setPaintDevice(device)
    try:
        width, height = float(device.width()), float(device.height())
        footer_font = QFont(document_font())
        footer_font.setPointSizeF(_FOOTER_POINTS)
        footer_height = 0.0
        if page_numbers:
            footer_height = QFontMetricsF(footer_font, device).height() * 2
        page_height = height - footer_height
        copy.setPageSize(QSizeF(width, page_height))
        pages = copy.pageCount()
        title = title_of(doc)
        for index in range(pages):
            if index:
                device.newPage()
            painter.save()
            painter.translate(0, -index * page_height)
            copy.drawContents(painter, QRectF(0, index * page_height, width, page_height))
            painter.restore()
            if page_numbers and pages > 1:
                painter.setFont(footer_font)
                words = page_words.format(n=index + 1, total=pages)
                painter.drawText(
                    QRectF(0, page_height, width, footer_height),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                    f"{title} - {words}" if title else words.capitalize(),
                )
        return pages
    finally:
        painter.end()


def save_pdf(
    html: str,
    path: Path,
    *,
    title: str | None = None,
    page_numbers: bool = False,
    page_words: str = "page {n} of {total}",
) -> Path:
    """Writes the PDF (fonts embedded) and returns its path.

    The file is the user's alone (0600, whatever the umask): a handout names a patient."""
    doc = document_from_html(html, title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Made private before a byte is written; Qt keeps the mode of the file it truncates.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    with contextlib.suppress(OSError):  # another account's file: its owner decides who reads
        os.chmod(path, 0o600)
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(page_layout())
    writer.setTitle(title_of(doc))
    writer.setCreator("Frontdesk")
    pages = render(doc, writer, page_numbers=page_numbers, page_words=page_words)
    del writer  # QPainter.end() wrote the file; nothing of it stays open
    if pages == 0:
        raise OSError(f"Could not write {path}.")
    path.write_bytes(spaces_as_spaces(path.read_bytes()))
    return path


_BFRANGES = re.compile(rb"beginbfrange\n(.*?)endbfrange", re.DOTALL)
_RANGE_LINE = re.compile(rb"^(<[0-9A-F]{4}>) (<[0-9A-F]{4}>) (.*)$", re.MULTILINE)
_SPACE_LIKE = re.compile(rb"<(?:0009|00A0)>")


def spaces_as_spaces(pdf: bytes) -> bytes:
    """Qt's PDF says its space glyph means a tab, and a no-break space stays one.

    Qt's ToUnicode maps give each glyph the lowest code point that draws it; the font engine
    draws U+0009 with the space glyph, so every space reads back as a tab: copying, searching
    and text extraction then miss "María García". Both are rewritten as U+0020 in place, with
    the same number of bytes, so the file's cross-reference offsets stay right.
    """

    def fix_line(line: re.Match[bytes]) -> bytes:
        first, last, target = line.groups()
        # "<a> <b> <u>" with a < b is a run of consecutive code points: left alone.
        if first == last or target.startswith(b"["):
            target = _SPACE_LIKE.sub(b"<0020>", target)
        return b"%s %s %s" % (first, last, target)

    def fix_section(section: re.Match[bytes]) -> bytes:
        return section.group(0).replace(
            section.group(1), _RANGE_LINE.sub(fix_line, section.group(1))
        )

    fixed = _BFRANGES.sub(fix_section, pdf)
    return fixed if len(fixed) == len(pdf) else pdf


def _prepared(html: str, title: str | None) -> tuple[QTextDocument, QPrinter]:
    """The document and a Letter printer named after it: what preview and print both need."""
    doc = document_from_html(html, title)
    return doc, _printer(doc)


def _printer(doc: QTextDocument) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(page_layout())
    printer.setDocName(title_of(doc) or "Frontdesk")
    return printer


def run_dialog(dialog: QDialog) -> int:
    """Shows a modal dialog; the one place tests replace so nothing ever blocks."""
    return dialog.exec()


def print_preview(
    html: str,
    parent: QWidget | None,
    *,
    title: str | None = None,
    page_numbers: bool = False,
    page_words: str = "page {n} of {total}",
) -> bool:
    """The print preview, from which the desk can print. True when it printed from there."""
    doc, printer = _prepared(html, title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"Print preview - {title_of(doc)}" if title_of(doc) else "Print preview")
    dialog.paintRequested.connect(
        lambda device: render(doc, device, page_numbers=page_numbers, page_words=page_words)
    )
    screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    if room is not None:  # a whole page where the screen allows, never past its edges
        dialog.resize(min(900, int(room.width() * 0.9)), min(1000, int(room.height() * 0.9)))
    try:
        result = run_dialog(dialog)
        return result in (1, QDialog.DialogCode.Accepted)
    finally:
        dialog.deleteLater()


def print_dialog(
    html: str,
    parent: QWidget | None,
    *,
    title: str | None = None,
    page_numbers: bool = False,
    page_words: str = "page {n} of {total}",
) -> bool:
    """The system print dialog; prints when accepted. True when something was printed."""
    doc, printer = _prepared(html, title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print")
    try:
        if run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return False
        printed = render(doc, printer, page_numbers=page_numbers, page_words=page_words) > 0
        target = printer.outputFileName()
        if printed and target and printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            Path(target).write_bytes(spaces_as_spaces(Path(target).read_bytes()))  # "Print to file"
        return printed
    finally:
        dialog.deleteLater()
