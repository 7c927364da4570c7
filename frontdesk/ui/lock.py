"""The inactivity lock: after some minutes without a key or a click, every window of the app is
covered and its title hidden until the password is entered again. Nothing typed is lost: open
dialogs stay open under their cover."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.errors import ServiceError
from frontdesk.services.login import LoginService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.operations import call_here
from frontdesk.ui.session import DeskSession
from frontdesk.ui.widgets.sign_in_form import SignInForm

log = logging.getLogger(__name__)

LOCKED_TITLE = "Frontdesk (locked)"
MIN_COVER = QSize(360, 200)
QWIDGETSIZE_MAX = 16_777_215

# What counts as someone still at the computer.
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}
# What must not reach the app's windows while they are locked (unless aimed at a cover).
_BLOCKED = {
    QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease,
    QEvent.Type.ShortcutOverride,
    QEvent.Type.Shortcut,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.Wheel,
    QEvent.Type.ContextMenu,
    QEvent.Type.DragEnter,
    QEvent.Type.Drop,
}


class LockCover(QFrame):
    """Opaque, over the whole of one window: the way back in is signing in here."""

    def __init__(self, window: QWidget, login: LoginService, user: SignedIn) -> None:
        super().__init__(window)
        self.setObjectName("lockCover")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Frontdesk is locked")
        title = QLabel("Frontdesk is locked")
        title.setObjectName("lockTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        # Two short lines rather than a wrapped paragraph: a wrapped label's height depends on
        # its width, and the layout then squeezes the fields below it on some displays.
        self.why = why = QLabel(
            f"Locked for {user.name}.\nPatient information stays hidden until the password"
            " is entered again."
        )
        self.form = SignInForm(login, username=user.username or "", unlocking=True)
        self.someone_else = QPushButton("Sign in as &someone else")
        self.someone_else.setToolTip("Closes the dialogs left open by the person signed in now.")
        self.someone_else.setFlat(True)
        self.someone_else.clicked.connect(self._someone_else)

        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setSpacing(8)
        inner.addWidget(title)
        inner.addWidget(why)
        inner.addWidget(self.form)
        inner.addWidget(self.someone_else, 0, Qt.AlignmentFlag.AlignLeft)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self._box = box
        self._before = (window.size(), window.minimumSize(), window.maximumSize())
        self.fit()
        QTimer.singleShot(0, self.fit)  # after a message box has sized itself on showing
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        window = self.parentWidget()
        if watched is window and window is not None and event.type() == QEvent.Type.Resize:
            self.setGeometry(window.rect())
            self.raise_()
        # A message box fixes its own size on every layout request: not while it is covered.
        return (
            watched is self.parent()
            and event.type() == QEvent.Type.LayoutRequest
            and isinstance(watched, QMessageBox)
        )

    def _someone_else(self) -> None:
        self.why.setText(
            "Sign in with your own username and password:\n"
            "the next changes are recorded under your name."
        )
        self.form.button.setText("&Sign in")
        self.form.set_username("")
        self.form.focus_first_empty()

    def fit(self) -> None:
        """A small window (a message box) grows while locked, so the form fits and can unlock."""
        window = self.parentWidget()
        if window is None:
            return
        box = self._box
        needed = box.minimumSize().expandedTo(box.sizeHint()).expandedTo(MIN_COVER) + QSize(32, 32)
        if window.width() < needed.width() or window.height() < needed.height():
            window.setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX)  # a message box is fixed
            window.setMinimumSize(window.size().expandedTo(needed))
            window.resize(window.size().expandedTo(needed))

    def remove(self) -> None:
        window = self.parentWidget()
        if window is None:  # the window went first: nothing left to give back
            self.deleteLater()
            return
        window.removeEventFilter(self)
        size, smallest, largest = self._before
        if window.minimumSize() != smallest:
            window.setMinimumSize(smallest)
            window.setMaximumSize(largest)
            window.resize(size)
        self.hide()
        self.deleteLater()


class LockGuard(QObject):
    """Watches the whole application's input, and locks after `minutes` without any."""

    locked_changed = Signal(bool)

    def __init__(
        self,
        window: QWidget,
        login: LoginService,
        session: DeskSession,
        minutes: int,
        lock_action=None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._login = login
        self._session = session
        self._covers: dict[QWidget, LockCover] = {}
        self._titles: dict[QWidget, str] = {}
        self._focus: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.lock)
        self.set_minutes(minutes)
        self._lock_keys: QKeySequence | None = None
        if lock_action is not None:
            lock_action.triggered.connect(self.lock)
            if not lock_action.shortcut().isEmpty():
                self._lock_keys = lock_action.shortcut()
        app = QApplication.instance()
        assert app is not None  # a guard is made for windows, which need the application
        app.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return bool(self._covers)

    def set_minutes(self, minutes: int) -> None:
        self.set_timeout_ms(minutes * 60_000)

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)
        if not self.locked:
            self._timer.start()

    def lock(self) -> None:
        if self.locked:
            return
        self._timer.stop()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()  # an open menu or list would show over the cover
        self._focus = QApplication.focusWidget()  # where typing goes on after unlocking
        for window in self._windows():
            self._cover(window)
        first = self._covers.get(QApplication.activeModalWidget() or self._window)
        if first is not None:
            first.form.focus_first_empty()
        member = self._session.current
        self._audit_line(lambda: self._login.locked(member), member)
        self.locked_changed.emit(True)

    def unlock_as(self, member: SignedIn) -> None:
        if not self.locked:
            return
        taking_over = member.id != self._session.current.id
        left_open = [w for w in self._covers if w is not self._window and isinstance(w, QDialog)]
        for window, cover in self._covers.items():
            cover.remove()
            window.setWindowTitle(self._titles.get(window, window.windowTitle()))
        self._covers.clear()
        self._titles.clear()
        if taking_over:
            # What the last person left open is theirs, not this one's. done() rather than
            # reject(): a dialog's own "discard your changes?" is not this person's question.
            for window in left_open:
                window.done(QDialog.DialogCode.Rejected)
            leaving = self._session.current  # their sign-in acts no more
            self._audit_line(lambda: self._login.taken_over(leaving), leaving)
        self._session.switch_to(member)
        self._timer.start()
        focus, self._focus = self._focus, None
        if focus is not None and not taking_over:
            with contextlib.suppress(RuntimeError):  # deleted meanwhile
                if focus.isVisible():
                    focus.activateWindow()
                    focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.locked_changed.emit(False)

    @staticmethod
    def _audit_line(write: Callable[[], None], member: SignedIn) -> None:
        """The lock's line in the audit trail. Refused (the file busy or read-only), the lock
        still happens: nothing is said over the cover, the log keeps who (an id) and why."""

        def refused(exc: ServiceError) -> bool:
            log.warning("lock audit line for staff #%s not written: %s", member.id, exc)
            return True

        call_here(None, write, title="Lock", on_refusal=refused)

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._timer.stop()

    def _windows(self) -> list[QWidget]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and w.isWindow() and not isinstance(w, LockCover)
            and w.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
        ]  # fmt: skip

    def _cover(self, window: QWidget) -> None:
        if window in self._covers:
            return
        cover = LockCover(window, self._login, self._session.current)
        cover.form.signed_in.connect(self.unlock_as)
        self._covers[window] = cover
        self._titles[window] = window.windowTitle()
        window.setWindowTitle(LOCKED_TITLE)
        window.destroyed.connect(lambda _=None, w=window: self._forget(w))

    def _forget(self, window: QWidget) -> None:
        self._covers.pop(window, None)
        self._titles.pop(window, None)

    def _inside_cover(self, watched: QObject) -> bool:
        if isinstance(watched, QWindow):
            # On a real display Qt hands keys and clicks to the native window first, which
            # passes them on to the widget under them: that widget is where they are judged.
            return True
        node: QObject | None = watched
        while node is not None:
            if isinstance(node, LockCover):
                return True
            node = node.parent()
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not self.locked:
            if kind in _ACTIVITY:
                self._timer.start()
            if (
                kind == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and self._lock_keys is not None
            ):
                pressed = QKeySequence(event.keyCombination())
                if pressed.matches(self._lock_keys) == QKeySequence.SequenceMatch.ExactMatch:
                    self.lock()  # a dialog in front keeps the window's shortcut from firing
                    return True
            return False
        if kind == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            if watched.windowType() == Qt.WindowType.Popup:
                QTimer.singleShot(0, watched.close)  # a menu opened by a timer
            elif watched.windowType() == Qt.WindowType.ToolTip:
                pass  # only the cover is under the mouse: its own tips
            elif not isinstance(watched, LockCover):
                self._cover(watched)  # before it paints: not one frame uncovered
            return False
        if kind == QEvent.Type.FocusIn and not self._inside_cover(watched):
            # Tab moved the focus under a cover: back to the cover's sign-in form.
            window = watched.window() if isinstance(watched, QWidget) else None
            cover = self._covers.get(window) if window is not None else None
            if cover is not None:
                QTimer.singleShot(0, cover.form.focus_first_empty)
            return False
        # Keys, clicks and shortcuts meant for the hidden windows go nowhere.
        return kind in _BLOCKED and not self._inside_cover(watched)
