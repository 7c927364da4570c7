"""What other windows and workstations save, shown in this window without a click.

On the clinic server a window listens to the server's notices: a connection of its own whose
socket a `QSocketNotifier` watches, so the window wakes only when a notice (or the server's
goodbye) arrives and nothing polls a table. A lost server is tried again every second, off the
GUI thread; once it answers, every view reads again (what was saved meanwhile was not heard).
On SQLite, two windows on one PC compare the file's data version twice a second: one cheap
statement on this window's own connection, none added to any write.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QSocketNotifier, Qt, QTimer, Signal

from frontdesk.services.changes import Changes
from frontdesk.services.live import LiveFeed
from frontdesk.ui.operations import Operations

CHECK_MS = 500  # SQLite: how often the file's data version is compared
RETRY_MS = 1_000  # the server: how soon a lost listener is opened again

_log = logging.getLogger(__name__)


class LiveUpdates(QObject):
    """Started and stopped by the main window; announces through its `Operations`."""

    _opened = Signal(object)  # a LiveFeed or None, from the thread that connects

    def __init__(self, ops: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._feed: LiveFeed | None = None
        self._watcher: QSocketNotifier | None = None
        self._running = False
        self._connecting = False
        self._lost = False  # the server went away once: on its return, every view reads again
        self._check = QTimer(self)
        self._check.setInterval(CHECK_MS)
        self._check.timeout.connect(ops.check_elsewhere)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._connect)
        self._opened.connect(self._feed_opened, Qt.ConnectionType.QueuedConnection)

    @property
    def listening(self) -> bool:
        return self._feed is not None

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        if self._ops.on_server():
            self._connect()
        else:
            self._check.start()

    def stop(self) -> None:
        """Before the window goes: no timer, no watcher, the listener's connection closed."""
        self._running = False
        self._check.stop()
        self._retry.stop()
        self._drop_feed()

    # -- the clinic server ---------------------------------------------------------------------
    def _connect(self) -> None:
        """Opens the listener on a thread of its own: a server that does not answer never
        freezes the window (the connection waits up to its timeout)."""
        if not self._running or self._connecting or self._feed is not None:
            return
        self._connecting = True
        ops, opened = self._ops, self._opened

        def run() -> None:
            feed = ops.open_live_feed()
            try:
                opened.emit(feed)
            except RuntimeError:  # the window has gone meanwhile
                if feed is not None:
                    feed.close()

        threading.Thread(target=run, name="frontdesk-listen", daemon=True).start()

    def _feed_opened(self, feed: LiveFeed | None) -> None:
        self._connecting = False
        if not self._running:
            if feed is not None:
                feed.close()
            return
        if feed is None:
            self._retry.start()
            return
        self._feed = feed
        watcher = QSocketNotifier(feed.socket(), QSocketNotifier.Type.Read, self)
        watcher.activated.connect(self._readable)
        self._watcher = watcher
        if self._lost:
            # Back after a loss: what was saved meanwhile was not heard.
            self._lost = False
            self._ops.listening = True
            self._ops.heard_from_elsewhere(Changes.of_all())
        else:
            # Anything saved between the window's first read and now shows too.
            self._ops.catch_up()
            self._ops.listening = True
        self._readable()  # a notice that came with the connection's first answer

    def _readable(self) -> None:
        """The socket has something: every notice so far, told to the views as one."""
        feed = self._feed
        if feed is None:
            return
        heard = feed.heard()
        if heard is None:
            self._server_lost()
            return
        changes = Changes()
        for notice in heard:
            if notice.origin != self._ops.origin:  # this window's own: announced already
                changes = changes | notice.changes
        if changes:
            self._ops.heard_from_elsewhere(changes)

    def _server_lost(self) -> None:
        _log.warning("live updates: the clinic server went away; trying again every second")
        self._drop_feed()
        self._lost = True
        if self._running:
            self._retry.start()

    def _drop_feed(self) -> None:
        self._ops.listening = False
        if self._watcher is not None:
            self._watcher.setEnabled(False)
            self._watcher.deleteLater()
            self._watcher = None
        if self._feed is not None:
            self._feed.close()
            self._feed = None
