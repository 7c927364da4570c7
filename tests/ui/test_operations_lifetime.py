"""A helper freed just after a background call ended (a dialog's, closed) frees it once."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from tests.ui.operations_for_tests import ops_for


def refused_in_the_background(qtbot, clinic, member) -> list[object]:
    """One dialog's life: its helper starts a call the service refuses, hears the answer,
    and is freed with the dialog when this returns."""
    ops = ops_for(clinic)
    heard: list[object] = []

    def said(exc) -> bool:
        heard.append(exc)
        return True

    ops.in_background(
        None,
        lambda c: c.backups.back_up_now(member),
        title="Back up",
        busy="Backing up…",
        on_done=heard.append,
        on_refusal=said,
    )
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    return heard


def test_a_helper_freed_right_after_a_background_call_does_not_crash(qtbot, clinic, desk):
    """It crashed now and then: the ended call was deleted by its freed parent and then
    again by its own deleteLater()."""
    for _ in range(30):
        heard = refused_in_the_background(qtbot, clinic, desk)
        QCoreApplication.processEvents()
        assert "Only the admin can back up" in str(heard[0])
