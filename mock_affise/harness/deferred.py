"""The journal's writer thread: a process's read entries committed in batches, and the file
locks that let the control plane wait for every process's batches."""

from __future__ import annotations

import atexit
import fcntl
import logging
import mmap
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_PENDING = 512  # entries a process may hold uncommitted before readers wait for the writer
IDLE_SECONDS = 2.0  # a writer thread with nothing to write for this long ends
BATCH, BATCH_WAIT_SECONDS = 16, 0.001  # a writer with fewer entries waits this long for more
SETTLE_SECONDS = 30.0  # the longest a /_mock call waits for the journal's writers

log = logging.getLogger("mock_affise")
_LIVE_WRITERS: weakref.WeakSet[DeferredWriter] = weakref.WeakSet()


def _drain_all() -> None:
    """At exit, commit what the process still holds (a stopping worker's last reads)."""
    for writer in list(_LIVE_WRITERS):
        writer.drain()


def _watch(writer: DeferredWriter) -> None:
    if not _LIVE_WRITERS:
        atexit.unregister(_drain_all)  # registered once, whatever came before
        atexit.register(_drain_all)
    _LIVE_WRITERS.add(writer)


@dataclass(frozen=True)
class _Files:
    """A process's own handles on the two lock files beside the database."""

    pid: int
    pending: int  # flocked shared while the process holds uncommitted entries
    turn: int  # flocked exclusively by a settle(), which new entries wait for
    flag: mmap.mmap  # the pending file's first byte: 1 while a settle() waits


class DeferredWriter:
    """A thread that commits a process's read entries in batches, off the requests' path.

    A read costs its request one list append instead of a transaction of its own, and the
    batches need one BEGIN, COMMIT and write lock each. The guarantee a client relies on
    stays: from the moment a process takes an entry until the entry is committed, the
    process holds a shared flock on a file beside the database, and settle() takes that file
    exclusively, so it returns only once no process holds an entry it took before. So that a
    busy process lets go of the file at all, a settle() first raises a flag in it and takes
    a second file, the turnstile, exclusively: while the flag is up, new entries wait at the
    turnstile, the writers drain what they hold, and the settle gets through.
    """

    def __init__(self, write_batch: Callable[[list[Any]], None], path: str) -> None:
        self.write_batch = write_batch  # commits a batch in one transaction
        self.path = path
        self._wake = threading.Condition()
        self._queue: list[Any] = []
        self._writing = False
        self._idle = False
        self._holding = False
        self._thread: threading.Thread | None = None
        self._hurried = False  # a settle waits: the next batch goes without its batch wait
        self._opened: _Files | None = None

    def _files(self) -> _Files:
        opened = self._opened
        if opened is None or opened.pid != os.getpid():  # first use, or a forked child
            with self._wake:  # once: a second opening would lose the first one's lock
                opened = self._opened
                if opened is None or opened.pid != os.getpid():
                    self._opened = opened = _open_files(self.path)
                    self._holding = False
                    self._thread = None
                    self._queue = []
                    # a writer forked mid-batch is not the child's: nothing is being written
                    self._writing = self._idle = self._hurried = False
        return opened

    def submit(self, pending: Any) -> None:
        """Take pending; it is committed soon, and before any settle() returns."""
        files = self._files()
        if files.flag[0]:  # a settle() is waiting: let it through before taking more
            fcntl.flock(files.turn, fcntl.LOCK_SH)
            fcntl.flock(files.turn, fcntl.LOCK_UN)
        with self._wake:
            if not self._holding:
                fcntl.flock(files.pending, fcntl.LOCK_SH)
                self._holding = True
            self._queue.append(pending)
            if self._idle or len(self._queue) >= BATCH:
                self._wake.notify_all()
            self._start_writer()
            deadline = time.monotonic() + SETTLE_SECONDS
            while len(self._queue) > MAX_PENDING and time.monotonic() < deadline:
                self._wake.wait(0.1)  # the database is slower than the readers: slow them
                self._start_writer()

    def _start_writer(self) -> None:
        """Start the writer thread if there is none (call with _wake held)."""
        if self._thread is not None:
            return
        thread = threading.Thread(target=self._run, name="mock-affise-journal", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had (the interpreter is stopping): write now
            log.warning("journal: no writer thread; writing %d entries in the request",
                        len(self._queue))
            batch, self._queue = self._queue, []
            self._write(batch)
            self._release_if_done()
            return
        self._thread = thread
        _watch(self)

    def _run(self) -> None:
        try:
            while self._next_batch():
                pass
        finally:  # however the thread ends, the next submit starts another
            with self._wake:
                if self._thread is threading.current_thread():  # not a successor's state
                    self._thread = None
                    self._writing = False
                self._wake.notify_all()

    def _next_batch(self) -> bool:
        """Commit what is queued; False once idle for IDLE_SECONDS."""
        with self._wake:
            if not self._queue:
                self._idle = True
                self._wake.wait(IDLE_SECONDS)
                self._idle = False
                if not self._queue:
                    # Unregistered under the lock: a submit from now on starts a new writer
                    # (after this, its entry would wait for the next submit's).
                    if self._thread is threading.current_thread():
                        self._thread = None
                    return False
            if len(self._queue) < BATCH and not self._hurried:  # one commit for a few more
                self._wake.wait(BATCH_WAIT_SECONDS)
            self._hurried = False
            batch, self._queue = self._queue, []
            self._writing = True
            self._wake.notify_all()
        self._write(batch)
        with self._wake:
            self._writing = False
            self._release_if_done()
            self._wake.notify_all()
        return True

    def _write(self, batch: list[Any]) -> None:
        try:
            self.write_batch(batch)
        except Exception:  # a journal that cannot be written must not stop the mock
            log.exception("could not write %d journal entries", len(batch))

    def _release_if_done(self) -> None:
        """Let go of the pending file once nothing is queued (call with _wake held)."""
        if not self._queue and self._holding and self._opened is not None:
            fcntl.flock(self._opened.pending, fcntl.LOCK_UN)
            self._holding = False

    def close(self) -> None:
        """Commit what is queued (for a few seconds at most) and close the files."""
        self.drain(timeout=2.0)
        with self._wake:
            opened, self._opened = self._opened, None
            self._holding = False
            if opened is not None and opened.pid == os.getpid():
                opened.flag.close()
                os.close(opened.pending)  # closing releases any lock on it
                os.close(opened.turn)

    def settle(self) -> None:
        """Return once every entry any process took before this call is committed."""
        flag = self._files().flag
        turn = os.open(self.path + "-turn", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(turn, fcntl.LOCK_EX)  # one settle at a time; new entries wait
            flag[0] = 1
            deadline = time.monotonic() + SETTLE_SECONDS
            # This process's writer commits what it holds now, and says when it is done: the
            # poll below would otherwise wait out its batch wait, then its own sleeps (2 ms of
            # a tenant's drop right after reads). Other processes' writers see the flag.
            self.drain(timeout=SETTLE_SECONDS, hurry=True)
            pending = os.open(self.path, os.O_RDWR)
            try:
                _lock_within(pending, max(deadline - time.monotonic(), 0.0))
            finally:
                os.close(pending)  # closing releases the lock
        finally:
            flag[0] = 0
            os.close(turn)

    def drain(self, timeout: float = 5.0, hurry: bool = False) -> None:
        """Wait (at most timeout seconds) until this process has committed what it took;
        hurry: its writer does not wait for more entries to join the batch it holds."""
        deadline = time.monotonic() + timeout
        with self._wake:
            if hurry and self._queue:  # (an idle writer woken for nothing would end)
                self._hurried = True  # the batch after the one being written, if any, too
                self._wake.notify_all()  # ends the writer's batch wait
            while self._queue or self._writing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._wake.wait(left)


def _lock_within(descriptor: int, seconds: float) -> None:
    """flock descriptor exclusively, waiting at most seconds (a writer stuck for that long
    must not stop the control plane: say so and go on)."""
    deadline = time.monotonic() + seconds
    pause = 0.0002
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                log.warning("journal: entries still uncommitted after %s s; reading without "
                            "them", seconds)
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.01)


def _open_files(path: str) -> _Files:
    pending = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if os.fstat(pending).st_size < 1:
        os.ftruncate(pending, 1)
    turn = os.open(path + "-turn", os.O_RDWR | os.O_CREAT, 0o644)
    return _Files(os.getpid(), pending, turn, mmap.mmap(pending, 1))
