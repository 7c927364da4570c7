"""The main window fixture of tests/ui, for the faults met at the desk."""

from tests.ui.conftest import settings, window  # noqa: F401
