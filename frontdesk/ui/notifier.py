"""One signal for "the data changed": the operations helper announces, views refresh themselves."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from frontdesk.services.changes import Changes


class ChangeNotifier(QObject):
    """`changes` carries a `Changes`: which kinds of record, which ids, whose records."""

    changes = Signal(object)

    def announce(self, changes: Changes) -> None:
        if changes:
            self.changes.emit(changes)
