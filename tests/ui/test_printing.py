"""The day sheet on paper: a real clinic's appointments, written to PDF and read back."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pypdf
import pytest
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog, QWidget

from frontdesk.domain.appointments import Status
from frontdesk.domain.clinic import CLINIC_NAME
from frontdesk.handouts.day_sheet import day_sheet_html
from frontdesk.ui import printing
from tests.conftest import NOW, draft

MONDAY = date(2026, 11, 30)
LETTER_POINTS = (612, 792)


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


@pytest.fixture
def booked_monday(clinic, desk):
    """María García at 10:00, Ana Cruz at 11:00 (90 minutes), Zoë Ødegård cancelled at 2:00."""
    maria = clinic.patients.register(desk, draft())
    ana = clinic.patients.register(
        desk,
        draft(
            first_name="Ana",
            last_name="Cruz",
            dob="7/2/1990",
            phone="(310) 555-0199",
            email="ana@example.com",
        ),
    )
    zoe = clinic.patients.register(
        desk,
        draft(
            first_name="Zoë",
            last_name="Ødegård",
            dob="1/9/1979",
            phone="(818) 555-0100",
            email="zoe@example.com",
        ),
    )
    clinic.calendar.book(desk, maria.id, "consultation", datetime(2026, 11, 30, 10, 0))
    clinic.calendar.book(
        desk, ana.id, "co2_session", datetime(2026, 11, 30, 11, 0), note="Numbing cream first"
    )
    gone = clinic.calendar.book(desk, zoe.id, "consultation", datetime(2026, 11, 30, 14, 0))
    clinic.calendar.set_status(
        desk, gone.appointment.id, Status.CANCELLED_BY_PATIENT, gone.appointment.version
    )
    return clinic


def monday_sheet(clinic) -> str:
    return day_sheet_html(
        MONDAY,
        clinic.calendar.between(MONDAY, MONDAY),
        clinic.calendar.office(MONDAY, MONDAY),
        clinic.calendar.now(),
        CLINIC_NAME,
    )


def test_day_sheet_pdf_reads_back_names_times_and_phones(qapp, booked_monday, tmp_path) -> None:
    path = printing.save_pdf(monday_sheet(booked_monday), tmp_path / "sheets" / "monday.pdf")
    assert path == tmp_path / "sheets" / "monday.pdf"
    [text] = pdf_text(path)
    for expected in (  # exactly as printed: accents, spaces and all
        "Day sheet - Monday, November 30, 2026",
        CLINIC_NAME,
        "Office hours 10:00 am-5:00 pm",
        "María García",
        "Ana Cruz",
        "Zoë Ødegård",
        "10:00 am-10:30 am",
        "11:00 am-12:30 pm",
        "2:00 pm-2:30 pm",
        "(818) 555-0134",
        "(310) 555-0199",
        "(818) 555-0100",
        "2 appointments",
        "Printed Thu, Nov 26, 2026, 10:30 am",
    ):
        assert expected in text, expected
    wrapped = " ".join(text.split())  # words a narrow cell wraps onto two lines
    for expected in ("Free consultation", "CO2 laser session", "Numbing cream first"):
        assert expected in wrapped, expected
    assert "Booked" in text and "Cancelled by patient" in wrapped
    assert text.index("Ana Cruz") < text.index("Cancelled and no-shows") < text.index("Zoë")
    assert "\t" not in text and "\xa0" not in text  # spaces read back as spaces


def test_pdf_is_letter_with_a_title_and_embedded_fonts(qapp, booked_monday, tmp_path) -> None:
    path = printing.save_pdf(monday_sheet(booked_monday), tmp_path / "monday.pdf")
    reader = pypdf.PdfReader(path, strict=True)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == LETTER_POINTS
    assert reader.metadata.title == "Day sheet - Monday, November 30, 2026"
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]  # embedded, prints anywhere
        assert "/ToUnicode" in font, font["/BaseFont"]  # and its text can be copied


def test_the_words_ligatures_would_join_read_back_whole(qapp, tmp_path) -> None:
    html = "<h1>Office</h1><p>Confirmed, fifty, offline, <b>affirm</b></p>"
    [text] = pdf_text(printing.save_pdf(html, tmp_path / "words.pdf"))
    assert "Office" in text
    assert "Confirmed, fifty, offline," in text
    assert "affirm" in text
    assert not any("\ufb00" <= ch <= "\ufb06" for ch in text)  # no ligature characters


def test_empty_day_on_paper(qapp, clinic, tmp_path) -> None:
    day = date(2026, 12, 1)
    html = day_sheet_html(day, [], clinic.calendar.office(day, day), NOW, CLINIC_NAME)
    [text] = pdf_text(printing.save_pdf(html, tmp_path / "empty.pdf"))
    assert "Day sheet - Tuesday, December 1, 2026" in text
    assert "No appointments on this day." in text


def test_thanksgiving_reads_closed(qapp, clinic, tmp_path) -> None:
    day = NOW.date()
    html = day_sheet_html(day, [], clinic.calendar.office(day, day), NOW, CLINIC_NAME)
    [text] = pdf_text(printing.save_pdf(html, tmp_path / "closed.pdf"))
    assert "Closed: Thanksgiving Day" in text


def long_html(paragraphs: int = 150) -> str:
    body = "".join(f"<p>Line {n} of a long handout.</p>" for n in range(1, paragraphs + 1))
    return f"<html><head><title>Aftercare</title></head><body>{body}</body></html>"


def test_page_numbers_on_request(qapp, tmp_path) -> None:
    pages = pdf_text(printing.save_pdf(long_html(), tmp_path / "numbered.pdf", page_numbers=True))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Aftercare - page {number} of {len(pages)}" in text
    everything = "\n".join(pages)
    assert "Line 1 of" in everything and "Line 150 of" in everything  # nothing lost at breaks
    plain = pdf_text(printing.save_pdf(long_html(), tmp_path / "plain.pdf", title="Care"))
    assert len(plain) >= 2
    assert not any("page 1 of" in text for text in plain)
    assert pypdf.PdfReader(tmp_path / "plain.pdf").metadata.title == "Care"


def test_document_from_html_is_letter_sized(qapp) -> None:
    doc = printing.document_from_html("<title>T</title><p>Hello</p>")
    size = doc.pageSize()
    # Letter less 15 mm margins, in 96-dpi pixels: 7.32 x 9.82 inches.
    assert size.width() == pytest.approx((8.5 - 2 * 15 / 25.4) * 96, abs=1)
    assert size.height() == pytest.approx((11 - 2 * 15 / 25.4) * 96, abs=1)
    assert printing.title_of(doc) == "T"
    assert printing.title_of(printing.document_from_html("<p>x</p>", title="Given")) == "Given"


def test_print_preview_paints_the_pages(qtbot, qapp, booked_monday, monkeypatch) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, QPrintPreviewDialog)
        assert dialog.parent() is parent
        seen["title"] = dialog.windowTitle()
        preview = dialog.findChild(QPrintPreviewWidget)
        preview.updatePreview()
        seen["pages"] = preview.pageCount()
        printer: QPrinter = dialog.printer()
        seen["paper"] = printer.pageLayout().pageSize().id()
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(printing, "run_dialog", run)
    printing.print_preview(monday_sheet(booked_monday), parent)
    assert seen["pages"] == 1
    assert seen["title"] == "Print preview - Day sheet - Monday, November 30, 2026"
    assert seen["paper"] == printing.QPageSize.PageSizeId.Letter


def test_print_dialog_prints_when_accepted(qtbot, qapp, monkeypatch, tmp_path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "printed.pdf"

    def accept(dialog: QDialog) -> int:
        assert isinstance(dialog, QPrintDialog)
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a printer that is a file
        printer.setOutputFileName(str(out))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(printing, "run_dialog", accept)
    assert printing.print_dialog(long_html(), parent, page_numbers=True)
    pages = pdf_text(out)
    assert len(pages) >= 2
    assert "Line 1 of a long handout." in pages[0]
    assert f"page 1 of {len(pages)}" in pages[0]


def test_print_dialog_cancelled_prints_nothing(qtbot, qapp, monkeypatch) -> None:
    monkeypatch.setattr(printing, "run_dialog", lambda _dialog: QDialog.DialogCode.Rejected)
    assert printing.print_dialog("<p>x</p>", None) is False


SAMPLE_CMAP = (
    b"2 beginbfrange\n"
    b"<0000> <0000> <0000>\n"
    b"<0001> <0004> [<0044> <0009> <00A0> <0041> ]\n"
    b"<0005> <0005> <0009>\n"
    b"<0009> <0009> <00E9>\n"
    b"<0010> <0019> <0009>\n"
    b"endbfrange\n"
)


def test_spaces_as_spaces_rewrites_only_the_targets() -> None:
    fixed = printing.spaces_as_spaces(b"%PDF-1.4 " + SAMPLE_CMAP + b"<0009> outside")
    assert (
        fixed
        == b"%PDF-1.4 "
        + (
            b"2 beginbfrange\n"
            b"<0000> <0000> <0000>\n"
            b"<0001> <0004> [<0044> <0020> <0020> <0041> ]\n"
            b"<0005> <0005> <0020>\n"
            b"<0009> <0009> <00E9>\n"  # glyph 9 is not a space: its code is not a target
            b"<0010> <0019> <0009>\n"  # a run of ten code points stays as it is
            b"endbfrange\n"
        )
        + b"<0009> outside"
    )


# -- handouts: a heading is never the last thing on a page ------------------------------------
def _stranded(path: Path, headings: set[str]) -> list[tuple[int, str]]:
    """(page, heading) for each page whose last line of text (above the page number) is a
    heading of the handout."""
    found = []
    for number, page in enumerate(pypdf.PdfReader(path).pages, start=1):
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        lines = [line for line in lines if line and " of " not in line[-12:]]
        if lines and lines[-1] in headings:
            found.append((number, lines[-1]))
    return found


def _shifted(html: str, lines: int) -> str:
    """The handout pushed down by `lines` short paragraphs, so that each heading in turn
    comes near the foot of a page."""
    filler = "".join(f"<p>Filler line {n}.</p>" for n in range(lines))
    return html.replace("<hr>", "<hr>" + filler, 1)


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_handout_page_ends_with_a_heading(qapp, demo, tmp_path, language) -> None:
    import re

    from frontdesk.domain.handouts import Kind, Language
    from frontdesk.ui.page_breaks import keep_headings_with_text

    patient = demo.patients.search("garcia maria").rows[0]
    stranded_before = 0
    for kind in Kind:
        handout = demo.handouts.render(kind, patient.id, Language(language))
        headings = {
            " ".join(re.sub(r"<[^>]+>", "", h).split())
            for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", handout.html, re.DOTALL)
        }
        for shift in range(0, 40, 4):
            html = _shifted(handout.html, shift)
            plain = printing.save_pdf(html, tmp_path / "plain.pdf", page_numbers=True)
            stranded_before += len(_stranded(plain, headings))
            kept = printing.save_pdf(
                keep_headings_with_text(html), tmp_path / "kept.pdf", page_numbers=True
            )
            assert _stranded(kept, headings) == [], (kind, shift)
    assert stranded_before > 0  # the shifts do bring headings to the foot of a page


def test_a_heading_with_its_text_on_its_page_is_left_alone(qapp) -> None:
    from frontdesk.ui.page_breaks import keep_headings_with_text

    html = "<html><body><h1>Short</h1><h2>One</h2><p>Text.</p><h2>Two</h2><p>More.</p></body>"
    assert keep_headings_with_text(html) == html


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_command_line_keeps_headings_with_their_text_too(
    qapp, demo, db_path, tmp_path, language
) -> None:
    """`frontdesk handout` went straight to save_pdf: 5 of 8 of its PDFs ended page 1 with a
    heading ("Right after a session", "Cuándo llamarnos")."""
    import re

    from frontdesk.domain.handouts import Kind, Language
    from frontdesk.handout_cli import save_handout

    for patient in demo.patients.search("", limit=6).rows:
        for kind in Kind:
            html = demo.handouts.render(kind, patient.id, Language(language)).html
            headings = {
                " ".join(re.sub(r"<[^>]+>", "", h).split())
                for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, re.DOTALL)
            }
            out = tmp_path / f"{patient.id}-{kind.value}-{language}.pdf"
            assert save_handout(db_path, patient.id, kind.value, language, str(out)) == 0
            assert _stranded(out, headings) == [], (patient.id, kind, language)
