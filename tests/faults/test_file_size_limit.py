"""A file-size limit is not a full disk: the desk is told which, since only one is fixed by
freeing space.

A limit on the size of any one file (`ulimit -f`, RLIMIT_FSIZE) makes writes past it fail with
EFBIG, which SQLite reports as "disk I/O error" or "database or disk is full". The limit is set
in a forked child (so this test process keeps writing freely); Python ignores SIGXFSZ, and the
child says so itself in case anything changed that.
"""

from __future__ import annotations

import json
import os
import resource
import signal

import pytest

from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import StorageError
from frontdesk.storage.engine import sqlite3
from tests.faults.test_disk_full import JARGON, patient_draft


def in_child_with_file_size_limit(limit: int, work) -> dict:
    """Runs `work()` in a forked child whose files may not grow past `limit` bytes."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's clean-up
        answer: dict = {}
        try:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(
                resource.RLIMIT_FSIZE)[1]))  # fmt: skip
            answer = work()
        except BaseException as exc:  # reported to the parent, which fails the test
            answer = {"crash": f"{type(exc).__name__}: {exc}"}
        finally:
            os.write(write_end, json.dumps(answer).encode())
            os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    return json.loads(b"".join(chunks) or b"{}")


@pytest.mark.timeout(60)
def test_a_file_size_limit_is_named_as_such_not_as_a_full_disk(clinic: Clinic, desk) -> None:
    path = clinic.path
    largest = max(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    limit = largest + 1024 * 1024

    def register_until_refused() -> dict:
        saved = 0
        for n in range(20_000):
            try:
                clinic.patients.register(desk, patient_draft(n), confirm_duplicate=True)
            except StorageError as exc:
                return {"saved": saved, "said": str(exc)}
            saved += 1
        return {"saved": saved, "said": None}

    answer = in_child_with_file_size_limit(limit, register_until_refused)
    assert "crash" not in answer, answer["crash"]
    said = answer["said"]
    assert said is not None, f"{answer['saved']} patients saved and the limit was never reached"
    assert said.startswith("Could not register"), said
    assert "largest size this computer allows this user account to write" in said, said
    assert f"({limit // (1024 * 1024)} MB)" in said or "KB)" in said, said
    assert "the disk is full" not in said
    assert "Nothing was changed" in said
    assert not any(word in said.lower() for word in JARGON if word != "\n"), said
    # What was saved before the refusal is there and whole.
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert check.execute("SELECT count(*) FROM patients").fetchone()[0] == answer["saved"]
    finally:
        check.close()
    assert clinic.patients.count() == answer["saved"]


def test_without_a_limit_a_full_disk_is_still_a_full_disk() -> None:
    """The same failure with no file-size limit set: the full-disk sentence, as before."""
    from frontdesk.services.errors import plain_storage_errors

    if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
        pytest.skip("this test process itself runs under a file-size limit")
    with pytest.raises(StorageError) as refused, plain_storage_errors("save the patient"):
        raise sqlite3.OperationalError("database or disk is full")
    assert "the disk is full" in str(refused.value)


def test_the_size_in_the_sentence_is_the_limit_set() -> None:
    from frontdesk.services.errors import out_of_space

    answer = in_child_with_file_size_limit(
        5 * 1024 * 1024, lambda: {"said": out_of_space("Could not save")}
    )
    assert "(5 MB)" in answer["said"], answer
