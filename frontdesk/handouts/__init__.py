"""Printed material as HTML: the day sheet, and later the patient handouts.

Pure Python, no Qt: each module turns domain objects into one HTML string that
`frontdesk.ui.printing` lays out on US Letter for the printer, the preview or a PDF.
The HTML keeps to the subset of HTML and CSS that Qt's QTextDocument understands.
"""
