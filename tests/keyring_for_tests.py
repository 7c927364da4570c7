"""A keyring of the tests' own, in a folder: the user's keyring is never read or written, and
a child process (the app started by a test) finds the same keys through
PYTHON_KEYRING_BACKEND=tests.keyring_for_tests.FolderKeyring."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

FOLDER_VARIABLE = "FRONTDESK_TEST_KEYRING"


class FolderKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _file(self) -> Path:
        folder = os.environ.get(FOLDER_VARIABLE)
        if not folder:
            raise RuntimeError(f"{FOLDER_VARIABLE} is not set: no test keyring")
        return Path(folder) / "keyring.json"

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self._file().read_text())
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        kept = self._read()
        kept[f"{service}/{username}"] = password
        self._file().write_text(json.dumps(kept))

    def delete_password(self, service: str, username: str) -> None:
        kept = self._read()
        if kept.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._file().write_text(json.dumps(kept))


def fresh_keyring(folder: Path) -> None:
    """Another computer's keyring: empty."""
    (folder / "keyring.json").unlink(missing_ok=True)
