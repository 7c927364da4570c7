"""The clinic key in a real Secret Service (GNOME Keyring), as on a Linux desktop: kept through
keyring, read back by the start's direct lookup and by keyring alike, never the user's own
keyring: a private D-Bus session and a throwaway home. Runs where gnome-keyring is installed
(it is not part of the set-up: it brings a desktop's worth of libraries)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = """
import keyring
from frontdesk.storage import keyring_store
from frontdesk.storage.clinic_keys import ClinicKey

assert keyring_store.missing_reason() is None, keyring_store.missing_reason()
key = ClinicKey.new()
keyring_store.keep(key)
assert keyring_store._read_secret_service(key.name) == key.secret.hex()  # the start's lookup
assert keyring.get_keyring().get_password(keyring_store.SERVICE, key.name) == key.secret.hex()
assert keyring_store.find(key.salt) == key
assert keyring_store.find(ClinicKey.new().salt) is None  # another clinic's: not here
keyring_store.forget(key)
assert keyring_store.find(key.salt) is None
print("kept, found and forgotten")
"""

pytestmark = pytest.mark.skipif(
    not (shutil.which("gnome-keyring-daemon") and shutil.which("dbus-run-session")),
    reason="gnome-keyring and dbus-run-session are not installed",
)


@pytest.mark.timeout(90)
def test_the_key_is_kept_and_found_in_a_real_secret_service(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    (home / ".local" / "share").mkdir(parents=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")
    }
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home))
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    unlock = "echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
    shell = f'{unlock}; exec "$0" "$1"'
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell, sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=80,
    )
    assert done.returncode == 0, done.stderr
    assert "kept, found and forgotten" in done.stdout
