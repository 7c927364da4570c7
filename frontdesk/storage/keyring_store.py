"""The clinic key in the operating system's keyring (Secret Service, Windows Credential Locker,
macOS Keychain), so staff sign in as before and no key file lies beside the database.

Filed under the key's salt: the salt every file the key encrypts starts with, so a database or
backup names its own key. `PYTHON_KEYRING_BACKEND` chooses another keyring (the tests use one of
their own, never the user's).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from typing import Any

from frontdesk.storage.clinic_keys import SECRET_BYTES, ClinicKey

SERVICE = "Frontdesk clinic key"


class NoKeyring(Exception):
    """This computer offers no keyring to keep the key in (said in words)."""


def _backend() -> Any:
    """The keyring to use: the one named by PYTHON_KEYRING_BACKEND, else this system's own
    (looked up directly: keyring's search of every installed backend costs ~200 ms a start)."""
    import keyring

    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return keyring.get_keyring()
    return _system_backend()


@functools.cache
def _system_backend() -> Any:
    """Found once a process: asking whether the service is there costs a D-Bus round trip."""
    import keyring

    native = _native_backend()
    return native if native is not None else keyring.get_keyring()


def _native_backend() -> Any:
    try:
        if sys.platform.startswith("win"):
            from keyring.backends.Windows import WinVaultKeyring as Native
        elif sys.platform == "darwin":
            from keyring.backends.macOS import Keyring as Native
        else:
            from keyring.backends.SecretService import Keyring as Native
        if Native.priority > 0:  # raises (or is 0) where the service is not there
            return Native()
    except Exception:  # no such service here: keyring's own search decides
        return None
    return None


def missing_reason() -> str | None:
    """Why no key can be kept on this computer, in words; None where a keyring works."""
    backend = _backend()
    if getattr(type(backend), "priority", 0) <= 0 or type(backend).__module__.endswith(".fail"):
        return (
            "This computer has no keyring (the system's password store) for Frontdesk to keep"
            " the clinic's key in."
        )
    return None


def find(salt: bytes) -> ClinicKey | None:
    """The key filed for files starting with `salt`; None if this computer does not have it
    (or has no keyring)."""
    text = _read_secret_service(salt.hex())
    if text is None:
        if missing_reason() is not None:
            return None
        try:
            text = _backend().get_password(SERVICE, salt.hex())
        except Exception:  # a locked or broken keyring: the key is asked for instead
            return None
    if not text:
        return None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        return None
    return ClinicKey(secret, salt) if len(secret) == SECRET_BYTES else None


def _read_secret_service(name: str) -> str | None:
    """Linux, the system's keyring: the key read from the Secret Service as keyring files it
    (attributes service and username) without importing keyring, whose imports cost every
    start ~50 ms more than the lookup itself. None when not found this way (keyring looks)."""
    if not sys.platform.startswith("linux") or os.environ.get("PYTHON_KEYRING_BACKEND"):
        return None
    try:
        import secretstorage

        bus = secretstorage.dbus_init()
        with contextlib.closing(bus):
            collection = secretstorage.get_default_collection(bus)
            if collection.is_locked():
                return None  # keyring asks to unlock it
            for item in collection.search_items({"username": name, "service": SERVICE}):
                if not item.is_locked():
                    return str(item.get_secret().decode("utf-8"))
    except Exception:  # no Secret Service here, or it failed: keyring decides
        return None
    return None


def keep(key: ClinicKey) -> None:
    """Files the key in this computer's keyring (NoKeyring, in words, where there is none)."""
    reason = missing_reason()
    if reason is not None:
        raise NoKeyring(reason)
    try:
        _backend().set_password(SERVICE, key.name, key.secret.hex())
    except Exception as exc:
        raise NoKeyring(f"The keyring refused to keep the clinic's key ({exc}).") from exc


def forget(key: ClinicKey) -> None:
    """Removes the key from this computer's keyring (nothing if it was not there, or if this
    computer has no keyring)."""
    import keyring.errors

    if missing_reason() is not None:
        return
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        _backend().delete_password(SERVICE, key.name)


# The clinic server's password, one per server and database (the role's, for every workstation).
SERVER_SERVICE = "Frontdesk clinic server"


def server_password(address: str) -> str | None:
    """The password this computer keeps for the server and database `address` names (any
    password in `address` itself is not read); None when it keeps none, or has no keyring."""
    from frontdesk.storage.server_address import keyring_name

    if missing_reason() is not None:
        return None
    try:
        found = _backend().get_password(SERVER_SERVICE, keyring_name(address))
    except Exception:  # a locked or broken keyring: the password is asked for instead
        return None
    return str(found) if found else None


def keep_server_password(address: str, password: str) -> None:
    """Files the server's password in this computer's keyring (NoKeyring, in words, where
    there is none), so the address remembered in the settings needs none."""
    from frontdesk.storage.server_address import keyring_name

    reason = missing_reason()
    if reason is not None:
        raise NoKeyring(reason.replace("the clinic's key", "the clinic server's password"))
    try:
        _backend().set_password(SERVER_SERVICE, keyring_name(address), password)
    except Exception as exc:
        raise NoKeyring(f"The keyring refused to keep the server's password ({exc}).") from exc
