"""The journal's writer thread: a settle hurries it, a writer that ends is replaced, a fork
starts clean. Driven step by step, with no thread and no clock: each rule is a state change."""

from __future__ import annotations

import os
import threading

import pytest

from mock_affise.harness import deferred
from mock_affise.harness.deferred import DeferredWriter


class _Recording(threading.Condition):
    """A condition that records each timed wait instead of sleeping it."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return False


@pytest.fixture
def writer(tmp_path):
    written: list[list[str]] = []
    made = DeferredWriter(written.append, str(tmp_path / "journal-pending"))
    made._wake = _Recording()
    made.written = written
    yield made
    made._thread = None  # no thread was started: nothing to drain
    made.close()


def test_a_hurried_batch_is_written_without_its_batch_wait(writer):
    writer._queue = ["entry"]
    writer._hurried = True  # as drain(hurry=True) leaves it
    assert writer._next_batch() is True
    assert deferred.BATCH_WAIT_SECONDS not in writer._wake.waits
    assert writer.written == [["entry"]] and writer._hurried is False
    writer._queue = ["next"]  # not hurried: it waits for company
    writer._next_batch()
    assert writer._wake.waits[-1] == deferred.BATCH_WAIT_SECONDS


def test_a_writer_that_ends_unregisters_itself_under_the_lock(writer):
    # An entry submitted after it ends (and before its thread is gone) starts a new writer.
    writer._thread = threading.current_thread()
    assert writer._next_batch() is False  # idle: nothing queued
    assert writer._thread is None


def test_a_forked_child_starts_with_no_batch_being_written(writer):
    writer._files()
    writer._writing = writer._idle = writer._hurried = True  # the parent's writer, mid-batch
    opened = writer._opened
    writer._opened = deferred._Files(opened.pid + 1, opened.pending, opened.turn, opened.flag)
    writer._files()  # the first use in the "child"
    assert (writer._writing, writer._idle, writer._hurried) == (False, False, False)
    assert writer._opened.pid == os.getpid()
    os.close(opened.pending), os.close(opened.turn), opened.flag.close()  # the "parent's"
