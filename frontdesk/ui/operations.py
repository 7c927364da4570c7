"""The one way the UI runs a service call.

Every tab and dialog hands its call to `Operations`, which runs it, says a refusal in words,
announces what the call changed to every view, and puts the status-bar line. Writes run on a
thread of their own, on a connection of their own: a write waiting on another window's lock
never freezes this one (the window keeps painting, input is held, the cursor says "busy").
Slow reads (the chain check, a backup, an export, the recall lists) run in the background
while the window stays in use.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from frontdesk.logs import log_file
from frontdesk.services.changes import Changed, Changes, with_changes
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError, TryAgain
from frontdesk.services.live import LiveFeed, listen
from frontdesk.ui import prompts
from frontdesk.ui.notifier import ChangeNotifier

T = TypeVar("T")

log = logging.getLogger(__name__)

# A write answered within this time shows no busy cursor at all (no flicker).
QUIET_WAIT_S = 0.05
POLL_MS = 15
# A busy line is said again this often while its work runs: the status bar lets a line go
# after a few seconds, and a wait on another writer's lock may last ten.
BUSY_AGAIN_MS = 2_500
WAITING = "Saving… waiting: the database is busy (another window or program is writing to it)."

Refusal = Callable[[ServiceError], bool]  # True: the caller showed it (field errors) itself


class Operations(QObject):
    """Owned by the main window; tabs and dialogs get it instead of calling services."""

    busy_changed = Signal(str)  # the busy line, "" when nothing runs in the background
    # What another window or workstation saved, as heard (after the views were told): an
    # open dialog checks whether its own record is among them.
    changed_elsewhere = Signal(object)

    def __init__(
        self,
        clinic: Clinic,
        notifier: ChangeNotifier,
        say: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clinic = clinic
        self.notifier = notifier  # views listen to `notifier.changes`
        self._announce = notifier.announce
        self._say = say
        self._busy_said = ""
        # Names this window in the notices other workstations hear of its writes (and in
        # the ones it hears itself: those it has announced already).
        self.origin = uuid.uuid4().hex
        # What this window has heard of: anything saved by another connection since shows
        # when the window is used again (`catch_up`), or at the next check (SQLite's timer).
        self._seen = clinic.saved_since()
        # True while the clinic server's notices reach this window (ui/live_updates.py):
        # every write elsewhere is then heard as it commits, with what it changed.
        self.listening = False
        self._writing = 0  # this window's own writes under way
        # Heard while this window's own write was under way: told to the dialogs once the
        # write's caller has taken in its answer (else a dialog would take the window's own
        # save for someone else's).
        self._untold = Changes()
        self._busy_again = QTimer(self)
        self._busy_again.setInterval(BUSY_AGAIN_MS)
        self._busy_again.timeout.connect(self._keep_busy_line)
        self._background: list[BackgroundCall] = []

    # -- reads on this window's connection ----------------------------------------------------
    def read(
        self,
        parent: QWidget | None,
        call: Callable[[Clinic], T],
        *,
        title: str,
        on_refusal: Refusal | None = None,
    ) -> Changed[T] | None:
        """A quick read (or an event line: a view, a print): None when refused, said in words."""
        clinic = self.clinic
        return call_here(
            parent, lambda: call(clinic), title=title, on_refusal=on_refusal, origin=self.origin
        )

    # -- writes, on a thread and connection of their own --------------------------------------
    def write(
        self,
        parent: QWidget | None,
        call: Callable[[Clinic], T],
        *,
        title: str,
        done: str | Callable[[T], str] | None = None,
        on_refusal: Refusal | None = None,
    ) -> Changed[T] | None:
        """Runs the write, waits for it with the window alive, announces what it changed.

        Returns the call's value with its changes, or None when it was refused (already said,
        or handed to `on_refusal`). `done` is the status-bar line of a saved write.
        """
        elsewhere = not self.listening and self._saved_elsewhere()
        self._writing += 1
        try:
            outcome = _run_on_thread(self.clinic, call, self.origin)
            if not outcome.finished.wait(QUIET_WAIT_S):
                with _HeldInput(self._say):
                    _wait_alive(outcome.finished)
            if not self.listening:  # this write's own commit, heard below
                now = self.clinic.saved_since()
                self._seen = self._seen if now is None else now
            if elsewhere:
                self.heard_from_elsewhere(Changes.of_all())
        finally:
            self._writing -= 1
            if self._untold and not self._writing:
                QTimer.singleShot(0, self._tell_dialogs)
        if outcome.error is not None:
            say_refusal(parent, title, outcome.error, on_refusal)
            return None
        answer: Changed[T] = outcome.answer  # type: ignore[assignment]
        self._announce(answer.changes)
        if done is not None:
            self._say(done(answer.value) if callable(done) else done)
        return answer

    # -- slow calls in the background -----------------------------------------------------------
    def in_background(
        self,
        parent: QWidget | None,
        call: Callable[[Clinic], T],
        *,
        title: str,
        busy: str,
        on_done: Callable[[T], None],
        on_refusal: Refusal | None = None,
    ) -> BackgroundCall:
        """Starts `call` and returns at once; `on_done` gets its value on the GUI thread.

        `busy` is the status line while it runs ("Checking the audit chain..."). A refusal
        is said like any other; what the call changed is announced when it ends.
        """
        running = BackgroundCall(self.clinic, call, self, self.origin)
        running.busy = busy
        self._background.append(running)
        self._show_busy()

        def finished(outcome: _Outcome) -> None:
            self._background.remove(running)
            self._show_busy()
            # Deleted once, later, by Qt alone: left with this helper as its parent, a helper
            # freed meanwhile (a dialog's, in a test) deleted it a second time (a crash).
            running.setParent(None)
            running.deleteLater()
            if outcome.error is not None:
                say_refusal(parent, title, outcome.error, on_refusal)
                return
            answer: Changed[T] = outcome.answer  # type: ignore[assignment]
            self._announce(answer.changes)
            on_done(answer.value)

        running.ended.connect(finished)
        running.start()
        return running

    def catch_up(self) -> None:
        """Coming back to the window: if another window or program saved anything since this
        one last looked, every view reads again (which records changed is not known here).
        While the server's notices are heard, they said it already, with which records."""
        if self.listening:
            return
        if self._saved_elsewhere():
            self.heard_from_elsewhere(Changes.of_all())

    def _saved_elsewhere(self) -> bool:
        """Whether the database moved on since this window last looked (then it remembers the
        new version). Not known while the server is away: the next call says so in words."""
        now = self.clinic.saved_since()
        if now is None or now == self._seen:
            return False
        self._seen = now
        return True

    def check_elsewhere(self) -> None:
        """SQLite's live check (a timer, twice a second): the file's data version, one cheap
        statement on this window's connection. Left alone while this window's own write is
        under way (its commit moves the version too, and is announced by `write`)."""
        if not self._writing:
            self.catch_up()

    def heard_from_elsewhere(self, changes: Changes) -> None:
        """What another window or process may have saved meanwhile, announced like this
        window's own writes (the views cannot tell, and need not); then open dialogs check
        their own record."""
        if not changes:
            return
        self._announce(changes)
        if self._writing:
            self._untold = self._untold | changes
            return
        self.changed_elsewhere.emit(changes)

    def _tell_dialogs(self) -> None:
        told, self._untold = self._untold, Changes()
        if told:
            self.changed_elsewhere.emit(told)

    def open_live_feed(self) -> LiveFeed | None:
        """The clinic server's notices for this window (None on SQLite, or while the server
        cannot be reached). Blocks up to the connection timeout: called off the GUI thread."""
        return listen(self.clinic)

    def on_server(self) -> bool:
        return self.clinic.server is not None

    def running(self) -> list[BackgroundCall]:
        return list(self._background)

    def _show_busy(self) -> None:
        """The newest running call's line; once none runs, its line does not linger in the
        window's status bar (a line said since is left alone)."""
        line = self._background[-1].busy if self._background else ""
        self.busy_changed.emit(line)
        if line:
            self._busy_said = line
            self._say(line)
            self._busy_again.start()
            return
        self._busy_again.stop()
        window = self.parent()
        if isinstance(window, QMainWindow) and self._busy_said:
            bar = window.statusBar()
            if bar.currentMessage() == self._busy_said:
                bar.clearMessage()
        self._busy_said = ""

    def _keep_busy_line(self) -> None:
        """The running call's line again, once the status bar has let it go (a line said
        since, "María García saved.", is left alone)."""
        window = self.parent()
        if not self._busy_said or not isinstance(window, QMainWindow):
            return
        if window.statusBar().currentMessage() in ("", self._busy_said):
            self._say(self._busy_said)


def say_refusal(
    parent: QWidget | None, title: str, exc: BaseException, on_refusal: Refusal | None = None
) -> None:
    """A refusal in words (or handed to `on_refusal`); anything else logged and said with
    where the details are. Never a traceback."""
    if isinstance(exc, ServiceError):
        if on_refusal is not None and on_refusal(exc):
            return
        prompts.warn(parent, title, str(exc))
        return
    log.error("%s failed unexpectedly", title, exc_info=exc)
    prompts.warn(parent, title, unexpected(exc))


def call_here(
    parent: QWidget | None,
    call: Callable[[], T],
    *,
    title: str,
    on_refusal: Refusal | None = None,
    origin: str | None = None,
) -> Changed[T] | None:
    """Only for code that runs where no main window (so no `Operations`) exists: the sign-in,
    lock and restore dialogs, and the read-only widgets shared with them (the patient list and
    picker, the patient's record). A dialog or tab opened from the main window never uses it:
    it is handed the window's `ops` (required) and runs every call through it.

    Runs `call` on this thread, on the connection its service uses, and says a refusal the
    way `Operations` does; None when refused. It announces nothing (no window listens to
    these callers): the caller hands `changes` on if it has a notifier. `origin` is the
    window the call is made for, when there is one.
    """
    try:
        return with_changes(call, origin)
    except Exception as exc:  # said in words, never a traceback
        say_refusal(parent, title, exc, on_refusal)
        return None


def quietly(call: Callable[[], T]) -> T | None:
    """A read whose refusal needs no words (the caller keeps what it shows): None instead.
    An unexpected failure is still logged and said."""
    got = call_here(None, call, title="Read", on_refusal=lambda _exc: True)
    return None if got is None else got.value


def unexpected(exc: BaseException) -> str:
    """The sentence for a failure nobody foresaw: what happened, and where the details are."""
    where = log_file()
    details = f" The details are in {where}." if where else ""
    return (
        f"Something went wrong that Frontdesk did not expect ({type(exc).__name__}: {exc})."
        f" Nothing more was saved than what it says.{details} Please tell whoever looks after"
        " Frontdesk."
    )


class _Outcome:
    def __init__(self) -> None:
        self.finished = threading.Event()
        self.answer: Changed[Any] | None = None
        self.error: BaseException | None = None


WRITE_TRIES = 3  # a call crossed by another workstation's write, run again before it is said


def _fill(
    outcome: _Outcome, clinic: Clinic, call: Callable[[Clinic], Any], origin: str | None
) -> None:
    """On a worker thread: the call on a connection of its own, its answer or its failure.
    A call another workstation's write crossed (undone whole by the database) runs again."""
    try:
        twin = clinic.twin()
        try:
            for attempt in range(1, WRITE_TRIES + 1):
                try:
                    outcome.answer = with_changes(lambda: call(twin), origin)
                    break
                except TryAgain:
                    if attempt == WRITE_TRIES:
                        raise  # said in words: "another workstation saved at the same moment"
                    time.sleep(0.05 * attempt)
        finally:
            twin.close()
    except BaseException as exc:  # handed to the GUI thread, which says it in words
        outcome.error = exc
    finally:
        outcome.finished.set()


def _run_on_thread(clinic: Clinic, call: Callable[[Clinic], Any], origin: str) -> _Outcome:
    outcome = _Outcome()
    threading.Thread(
        target=_fill, args=(outcome, clinic, call, origin), name="frontdesk-write", daemon=True
    ).start()
    return outcome


def _wait_alive(finished: threading.Event) -> None:
    """Keeps the window painting until `finished` is set (a write waits for a lock)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)

    def check() -> None:
        if finished.is_set():
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    if not finished.is_set():
        loop.exec(QEventLoop.ProcessEventsFlag.AllEvents)
    timer.stop()


class _HeldInput(QObject):
    """While a write waits: a busy cursor, a status line, and no clicks or keys taken (nothing
    may start a second write, or close the window, in the middle of this one)."""

    HELD = frozenset(
        {
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
            QEvent.Type.KeyPress,
            QEvent.Type.KeyRelease,
            QEvent.Type.ShortcutOverride,
            QEvent.Type.Shortcut,
            QEvent.Type.Wheel,
            QEvent.Type.Close,
        }
    )

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__()
        self._say = say
        self._again = QTimer(self)
        self._again.setInterval(BUSY_AGAIN_MS)
        self._again.timeout.connect(lambda: self._say(WAITING))

    def __enter__(self) -> _HeldInput:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._say(WAITING)
        self._again.start()  # said until the write is through, however long the wait
        return self

    def __exit__(self, *_exc: object) -> None:
        self._again.stop()
        QGuiApplication.restoreOverrideCursor()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.HELD:
            event.ignore()
            return True
        return False


class BackgroundCall(QObject):
    """One slow call on its own thread and connection; `ended` fires on the GUI thread."""

    ended = Signal(object)
    _ready = Signal(object)

    def __init__(
        self,
        clinic: Clinic,
        call: Callable[[Clinic], T],
        parent: QObject,
        origin: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.busy = ""
        self._clinic = clinic
        self._call = call
        self._origin = origin
        self._outcome = _Outcome()
        self._ready.connect(self.ended.emit, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        threading.Thread(target=self._run, name="frontdesk-background", daemon=True).start()

    def _run(self) -> None:
        _fill(self._outcome, self._clinic, self._call, self._origin)
        self._ready.emit(self._outcome)

    def wait(self, seconds: float | None = None) -> bool:
        """For tests and for closing: whether the call has ended (its answer may still be on
        its way to the GUI thread)."""
        return self._outcome.finished.wait(seconds)
