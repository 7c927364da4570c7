"""The -wal file checked before SQLite opens it: commits it would drop without a word are named.

SQLite writes each commit to the -wal file first; the next start copies it into the database.
Each frame (one page) carries a running checksum and the WAL's two salts
(https://www.sqlite.org/fileformat2.html#walformat). When it reads the file back, SQLite stops
at the first frame that does not check out and throws everything after it away, silently: a
bit flipped on disk in a frame in the middle loses every commit that came after it. Here the
frames are read first; when frames that would have counted (the salts of this WAL, a commit
marker) follow a bad one, the -wal file is copied aside as `<name>-wal.damaged-<stamp>` and the
start says so. SQLite still reads the good part, the best that can be had.

An encrypted clinic's -wal file reads the same, without its key: SQLCipher encrypts each
frame's page but not the WAL header nor the frame headers, and the checksums are SQLite's, over
the encrypted bytes (tests/faults/test_encrypted_wal.py).

Not detected: a bad last commit with nothing after it (a power cut tearing the last write
looks the same, and that commit was never reported saved), and anything in the database file
itself (that is what integrity_check is for).

Cheap: nothing is read when there is no -wal file (a clean close removes it); after a crash
the frames are read once, about 0.15 s for the 4 MB SQLite lets a WAL grow to.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from frontdesk.domain.dates import format_clock, format_day
from frontdesk.storage.private_files import write_private_copy

# The magic number says in which byte order the checksums add up their 32-bit words.
MAGIC_LITTLE_ENDIAN = 0x377F0682
MAGIC_BIG_ENDIAN = 0x377F0683
HEADER_SIZE = 32
FRAME_HEADER_SIZE = 24
STAMP_FORMAT = "%Y%m%d-%H%M%S"
_MASK = 0xFFFFFFFF

# SQLite's locks on the database file (os_unix.c): every connection in WAL mode holds a read
# lock on the "shared" bytes while it is open.
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510


@dataclass(frozen=True)
class WalVerdict:
    """What SQLite would make of a -wal file's bytes."""

    frames: int  # whole frames in the file
    good_commits: int  # commits SQLite will read back
    dropped_commits: int  # commits of this WAL after the first bad frame: lost without a word
    header_ok: bool

    @property
    def damaged(self) -> bool:
        return self.dropped_commits > 0


@dataclass(frozen=True)
class WalDamage:
    """A damaged -wal file found at start, copied aside."""

    wal: Path
    kept_as: Path
    changed: datetime  # when the -wal file was last written
    dropped_commits: int

    def sentence(self) -> str:
        count = (
            "The last change saved"
            if self.dropped_commits == 1
            else f"The last {self.dropped_commits} changes saved"
        )
        return (
            f"{count} before {format_day(self.changed.date())}"
            f" at {format_clock(self.changed.time())} could not be read back: the file "
            "that held them was damaged on this computer's disk, and they are missing now. "
            "Look at what was entered just before then (patients, appointments, intakes, "
            "sessions) and enter again what is missing. A copy of the damaged file is kept at "
            f"{self.kept_as} for whoever looks after this computer."
        )


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-wal")


def checksum(data: bytes, s1: int, s2: int, big_endian: bool) -> tuple[int, int]:
    """SQLite's walChecksumBytes: pairs of 32-bit words added into two running sums."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    pairs = iter(words)
    for first, second in zip(pairs, pairs, strict=True):
        s1 = (s1 + first + s2) & _MASK
        s2 = (s2 + second + s1) & _MASK
    return s1, s2


def read_verdict(wal: Path) -> WalVerdict | None:
    """None when there is nothing to judge (no -wal file, or no frame in it)."""
    try:
        with open(wal, "rb") as stream:
            header = stream.read(HEADER_SIZE)
            if len(header) < HEADER_SIZE or os.fstat(stream.fileno()).st_size <= HEADER_SIZE:
                return None
            return judge(header, stream)
    except OSError:
        return None


def judge(header: bytes, stream) -> WalVerdict:
    """Reads the frames after `header` the way SQLite's recovery does (walIndexRecover)."""
    magic, _version, page_size, _seq = struct.unpack(">4I", header[:16])
    big_endian = magic == MAGIC_BIG_ENDIAN
    stored = struct.unpack(">2I", header[24:32])
    valid_size = 512 <= page_size <= 65536 and page_size & (page_size - 1) == 0
    page_size = page_size if valid_size else 0
    header_ok = (
        magic in (MAGIC_LITTLE_ENDIAN, MAGIC_BIG_ENDIAN)
        and valid_size
        and checksum(header[:24], 0, 0, big_endian) == stored
    )
    page_size = page_size or _page_size_from_frames(stream)
    salts = header[16:24]
    if not header_ok:
        salts = _salts_before_damage(header, stream, big_endian) or salts
    s1, s2 = stored
    frames = good = dropped = 0
    broken = not header_ok
    bad_commit = 0  # the first bad frame was itself a commit
    while True:
        frame_header = stream.read(FRAME_HEADER_SIZE)
        page = stream.read(page_size)
        if len(frame_header) < FRAME_HEADER_SIZE or len(page) < page_size:
            break
        frames += 1
        page_number, commit = struct.unpack(">2I", frame_header[:8])
        ours = frame_header[8:16] == salts
        if not broken:
            s1, s2 = checksum(frame_header[:8] + page, s1, s2, big_endian)
            if ours and page_number and (s1, s2) == struct.unpack(">2I", frame_header[16:24]):
                good += commit != 0
                continue
            broken = True
            bad_commit = int(commit != 0)  # its salt may be the damaged part
            continue
        if ours and page_number and commit:
            dropped += 1
    if dropped:  # a header that does not check out: SQLite ignores every frame
        dropped += bad_commit
    return WalVerdict(frames, good, dropped, header_ok)


def _salts_before_damage(header: bytes, stream, big_endian: bool) -> bytes | None:
    """A header whose salts were damaged: the first frame's salts, if with them the header's
    checksum checks out again."""
    start = stream.tell()
    first = stream.read(FRAME_HEADER_SIZE)
    stream.seek(start)
    if len(first) < FRAME_HEADER_SIZE:
        return None
    candidate = first[8:16]
    if checksum(header[:16] + candidate, 0, 0, big_endian) == struct.unpack(">2I", header[24:32]):
        return candidate
    return None


def _page_size_from_frames(stream) -> int:
    """A damaged header's page size: the one whose frames line up (the database's)."""
    start = stream.tell()
    size = os.fstat(stream.fileno()).st_size - HEADER_SIZE
    candidates = [1 << n for n in range(16, 8, -1) if size % ((1 << n) + FRAME_HEADER_SIZE) == 0]
    stream.seek(start)
    return candidates[-1] if candidates else 4096


def open_elsewhere(db_path: Path) -> bool:
    """True when another program has the database open (its -wal file is then live, and is its
    business). Each WAL connection holds a read lock on the file; a write lock is tried and
    released at once. POSIX only; elsewhere the copy aside is harmless anyway.

    Closing this descriptor drops any lock this process holds on the file: call it only
    before the process opens the database itself (at start)."""
    if os.name != "posix":
        return False
    import fcntl

    try:
        handle = os.open(db_path, os.O_RDWR)
    except OSError:
        return False
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, _SHARED_SIZE, _SHARED_FIRST)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN, _SHARED_SIZE, _SHARED_FIRST)
        return False
    finally:
        os.close(handle)


_found: dict[str, list[WalDamage]] = {}
_found_lock = threading.Lock()


def set_aside_if_damaged(db_path: Path, now: datetime) -> WalDamage | None:
    """Before anything opens the database: a -wal file SQLite would read only in part is
    copied aside, and the finding kept until `take_findings` hands it to whoever tells the
    user. Never raises: the start goes on, with SQLite reading what it can."""
    wal = wal_path(db_path)
    if not wal.exists():
        return None
    verdict = read_verdict(wal)
    if verdict is None or not verdict.damaged or open_elsewhere(db_path):
        return None
    try:
        changed = datetime.fromtimestamp(wal.stat().st_mtime, now.tzinfo)
        kept_as = free_name(wal, now)
        write_private_copy(wal, kept_as)
    except OSError:
        return None
    found = WalDamage(wal, kept_as, changed.replace(tzinfo=None), verdict.dropped_commits)
    with _found_lock:
        _found.setdefault(_key(db_path), []).append(found)
    return found


def take_findings(db_path: Path) -> list[WalDamage]:
    """What `set_aside_if_damaged` found for this database in this process, once."""
    with _found_lock:
        return _found.pop(_key(db_path), [])


def free_name(wal: Path, now: datetime) -> Path:
    stamp = now.strftime(STAMP_FORMAT)
    target = wal.with_name(f"{wal.name}.damaged-{stamp}")
    copy = 2
    while target.exists():
        target = wal.with_name(f"{wal.name}.damaged-{stamp}-{copy}")
        copy += 1
    return target


def _key(db_path: Path) -> str:
    with contextlib.suppress(OSError):
        return str(db_path.resolve())
    return str(db_path.absolute())
