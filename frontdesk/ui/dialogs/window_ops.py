"""Finding the main window's `Operations` for a dialog whose opener does not hand it over yet.

Kept while a few openers (the screen-fit test's appointment dialog) build the booking and
appointment dialogs the older way, without `ops=`; once every opener passes it, this goes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from frontdesk.ui.operations import Operations


def window_ops(parent: QWidget | None) -> Operations | None:
    """The `ops` of the window `parent` is in, if it has one."""
    window = parent.window() if parent is not None else None
    found = getattr(window, "ops", None)
    return found if isinstance(found, Operations) else None
