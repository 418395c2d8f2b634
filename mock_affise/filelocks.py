"""What processes sharing one SQLite file share beside it: the write gate and the change counter."""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading

_COUNT = struct.Struct("<Q")


class WriteGate:
    """One writer at a time: across threads by a lock, across processes by flock on a file.

    Re-entrant in one thread. The file is opened in each process that uses the gate (a forked
    child must not share its parent's open file: flock would not tell them apart).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._file: tuple[int, int] | None = None  # (pid, descriptor)

    def _descriptor(self) -> int:
        pid = os.getpid()
        if self._file is None or self._file[0] != pid:
            self._file = (pid, os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644))
        return self._file[1]

    def __enter__(self) -> WriteGate:
        self._lock.acquire()
        if self._depth == 0:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            except BaseException:
                self._lock.release()
                raise
        self._depth += 1
        return self

    def close(self) -> None:
        """Close this process's handle on the file (no lock may be held)."""
        with self._lock:
            if self._file is not None and self._file[0] == os.getpid():
                os.close(self._file[1])
            self._file = None

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._file is not None:
                fcntl.flock(self._file[1], fcntl.LOCK_UN)
        finally:
            self._lock.release()


class ChangeCounter:
    """A number in a file beside the database, mapped into every process that opens it, and
    moved on after every write transaction commits (while the writer still holds the write
    gate, so no two moves race). A process that read the same number before a lookup and now
    knows the database has not changed in between: no query needed to learn that."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._opening = threading.Lock()

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            with self._opening:
                if self._map is None:
                    descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                    try:
                        if os.fstat(descriptor).st_size < 8:
                            os.ftruncate(descriptor, 8)
                        self._map = mmap.mmap(descriptor, 8)
                    finally:
                        os.close(descriptor)
        return self._map

    def value(self) -> int:
        """Return the number of write transactions committed so far (as this file counts)."""
        return _COUNT.unpack_from(self._mapped())[0]

    def close(self) -> None:
        """Unmap the file (the next use maps it again)."""
        with self._opening:
            if self._map is not None:
                self._map.close()
            self._map = None

    def bump(self) -> None:
        """Count one more committed write; call with the write gate held."""
        mapped = self._mapped()
        _COUNT.pack_into(mapped, 0, (_COUNT.unpack_from(mapped)[0] + 1) % 2**64)
