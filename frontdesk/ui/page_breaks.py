"""Headings kept with their text on paper: Qt's rich text has no keep-with-next, so the
handout is laid out as it will print and a page break put before any heading left alone at
the foot of a page. Every way a handout reaches paper or PDF (the dialog, the command line)
goes through here."""

from __future__ import annotations

import re

from PySide6.QtCore import QBuffer, QIODevice, QSizeF
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPdfWriter,
    QTextBlock,
    QTextBlockFormat,
    QTextDocument,
)

from frontdesk.ui import printing

_HEADING = re.compile(r"<h([12])(?=[\s>])")
_KEEP_LINES = 2  # a heading keeps at least this many lines of its text on its page


def keep_headings_with_text(html: str, resolution: int = printing.PDF_DPI) -> str:
    """The HTML with a page break before every heading that would end a page.

    Qt's rich text has no keep-with-next (nor `page-break-inside`: a table row or a floating
    table around heading + text is split or overlaps), only `page-break-before`. So the
    handout is laid out here the way `printing.render` lays it out (US Letter, the footer's
    room kept, at the PDF's resolution) and each h1/h2 whose first lines of text would fall on
    the next page starts that page instead; repeated until no heading is left alone. A
    printer lays text out at its own resolution: keeping two lines, not one, leaves room.
    """
    for _ in range(64):  # each pass moves one heading; a handout has far fewer
        moved = _first_stranded_heading(html, resolution)
        if moved is None:
            return html
        matches = list(_HEADING.finditer(html))
        at = matches[moved].end()
        html = f"{html[:at]} style='page-break-before: always'{html[at:]}"
    return html


def _first_stranded_heading(html: str, resolution: int) -> int | None:
    """Which heading (0 = the first h1 or h2 of the HTML) ends a page with its text on the next."""
    doc = printing.document_from_html(html)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(resolution)
    writer.setPageLayout(printing.page_layout())
    layout = doc.documentLayout()
    layout.setPaintDevice(writer)
    footer = QFont(printing.document_font())
    footer.setPointSizeF(getattr(printing, "_FOOTER_POINTS", 8))
    page_height = writer.height() - QFontMetricsF(footer, writer).height() * 2
    doc.setPageSize(QSizeF(writer.width(), page_height))
    index = -1
    block = doc.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level in (1, 2):
            index += 1
            if _alone(doc, block, page_height) and not _breaks_before(block):
                return index
        block = block.next()
    return None


def _alone(doc: QTextDocument, heading: QTextBlock, page_height: float) -> bool:
    layout = doc.documentLayout()
    top = layout.blockBoundingRect(heading).top()
    page = int(top // page_height)
    following = heading.next()
    while following.isValid() and not following.text().strip():
        following = following.next()
    if not following.isValid():
        return False
    lines = following.layout()
    count = min(_KEEP_LINES, lines.lineCount())
    if count == 0:
        return False
    rect = layout.blockBoundingRect(following)
    bottom = rect.top() + lines.lineAt(count - 1).rect().bottom()
    return int(bottom // page_height) > page


def _breaks_before(block: QTextBlock) -> bool:
    policy = block.blockFormat().pageBreakPolicy()
    return bool(policy & QTextBlockFormat.PageBreakFlag.PageBreak_AlwaysBefore)
