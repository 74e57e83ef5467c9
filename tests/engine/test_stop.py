"""The stop request's building blocks: a read is cancelled at once, a finished one is returned, and signals set the
request once and then get their default behaviour back (the subprocess tests are in tests/reliability)."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from sfprov.cli_engine import stopping_on_signals
from sfprov.engine.stop import Stopped, StopRequest, unless_stopped


async def _slow(cancelled: list[bool]) -> str:
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        cancelled.append(True)
        raise
    return "never"


def test_a_read_is_cancelled_when_a_stop_is_requested() -> None:
    stop = StopRequest()
    cancelled: list[bool] = []

    async def go() -> None:
        asyncio.get_running_loop().call_later(0.2, stop.set, "SIGTERM")
        await unless_stopped(stop, _slow(cancelled))

    started = time.monotonic()
    with pytest.raises(Stopped):
        asyncio.run(go())
    assert time.monotonic() - started < 2
    assert cancelled == [True]
    assert stop.reason == "SIGTERM"


def test_a_read_that_ends_first_is_returned_and_errors_pass_through() -> None:
    stop = StopRequest()

    async def quick() -> str:
        return "read"

    async def failing() -> str:
        raise ValueError("Graph said no")

    assert asyncio.run(unless_stopped(stop, quick())) == "read"
    assert asyncio.run(unless_stopped(None, quick())) == "read"
    with pytest.raises(ValueError, match="Graph said no"):
        asyncio.run(unless_stopped(stop, failing()))


def test_no_read_starts_once_stopped() -> None:
    stop = StopRequest()
    stop.set("SIGINT")
    stop.set("SIGTERM")  # the first reason stays
    started: list[bool] = []

    async def read() -> None:
        started.append(True)

    with pytest.raises(Stopped):
        asyncio.run(unless_stopped(stop, read()))
    assert not started
    assert stop.reason == "SIGINT"


def test_the_first_signal_sets_the_request_and_restores_the_defaults() -> None:
    stop = StopRequest()
    before = signal.getsignal(signal.SIGTERM)
    with stopping_on_signals(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 2
        while not stop.requested() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stop.requested()
        assert stop.reason == "SIGTERM"
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # a second SIGTERM would end the process
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) == before
