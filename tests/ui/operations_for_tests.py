"""An Operations for a dialog tested without a main window, and what it announced."""

from __future__ import annotations

from frontdesk.services.changes import Changes
from frontdesk.services.clinic import Clinic
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import Operations


def ops_for(clinic: Clinic, heard: list[Changes] | None = None) -> Operations:
    notifier = ChangeNotifier()
    if heard is not None:
        notifier.changes.connect(heard.append)
    return Operations(clinic, notifier, lambda _line: None)
