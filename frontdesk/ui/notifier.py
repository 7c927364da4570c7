"""One signal for "the data changed": the operations helper announces, views refresh themselves."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from frontdesk.services.changes import Changes


class ChangeNotifier(QObject):
    """`changes` carries a `Changes`: which kinds of record, which ids, whose records."""

    changes = Signal(object)
    # The older per-record signal (kind, id); views move to `changes`.
    changed = Signal(str, int)

    def announce(self, changes: Changes) -> None:
        if not changes:
            return
        self.changes.emit(changes)
        for change in changes.items:
            self.changed.emit(change.entity.value, change.entity_id or 0)
