"""A window's calls off the GUI thread run on twins; on the server their connections are kept."""

from __future__ import annotations

import pytest

from tests.conftest import draft
from tests.engines import served


def test_a_closed_twins_server_connection_serves_the_next_twin(clinic, desk) -> None:
    """A booking's round trip is not a new connection (authentication, a cold server process)
    each time: bench/server.py's "as a window saves" figure."""
    if not served(clinic):
        pytest.skip(
            "a file's twin is a connection of its own thread (run with --engine postgresql)"
        )
    first = clinic.twin()
    kept = first._db
    maria = first.patients.register(desk, draft())
    first.close()
    second = clinic.twin()
    assert second._db is kept
    assert clinic.patients.get(maria.id) == maria
    second._db.execute("BEGIN")  # left inside a transaction: not fit to be used again
    second.close()
    third = clinic.twin()
    assert third._db is not kept
    assert third.patients.get(maria.id) == maria
    third.close()
