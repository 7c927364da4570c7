"""One signal for "the data changed": writers announce, views refresh themselves."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ChangeNotifier(QObject):
    changed = Signal(str, int)  # entity ("patient", "staff"...), its id

    def announce(self, entity: str, entity_id: int) -> None:
        self.changed.emit(entity, entity_id)
