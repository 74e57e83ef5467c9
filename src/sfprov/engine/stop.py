"""A request to stop a cycle early and cleanly (SIGTERM, Ctrl-C), honoured between write slices and phases.

Why not cancel the cycle's task outright: a cancelled write slice would leave accounts Salesforce created without
their link and log entry (found and adopted by the next cycle, but the log would show an adoption, not the create).
So a stop request is a flag the engine looks at where stopping is clean: between two write slices (the slice whose
calls are in flight completes and is recorded first) and between the phases of a cycle. Reads have no side effect,
so a read in progress is cancelled at once (:func:`unless_stopped`).

The flag is a :class:`threading.Event`: a signal handler may set it at any moment, from the main thread, while the
event loop runs; the engine polls it, which costs nothing between slices and at most :data:`POLL_SECONDS` of delay
while a read is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.1
"""How often a read in progress looks at the flag."""


class StopRequest:
    """Set once by whoever wants the engine to stop (a signal handler); read by the engine."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block the calling thread until a stop is requested or ``timeout`` passes (the daemon's pause)."""
        return self._event.wait(timeout)

    async def stopped(self) -> None:
        """Return once a stop is requested (polls: a signal handler cannot wake an asyncio waiter safely)."""
        while not self._event.is_set():
            await asyncio.sleep(POLL_SECONDS)


class Stopped(Exception):
    """Raised inside the engine where it honours a stop request; the cycle closes as ``interrupted``."""


async def unless_stopped(stop: StopRequest | None, work: Awaitable[T]) -> T:
    """Await ``work`` (a side-effect-free read), but cancel it and raise :class:`Stopped` if a stop is requested
    first."""
    if stop is None:
        return await work
    if stop.requested():
        if asyncio.iscoroutine(work):
            work.close()  # never started: close it, so that Python does not warn about a coroutine never awaited
        raise Stopped
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.stopped())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # the cycle itself was cancelled: take the read down with it
        task.cancel()
        raise
    finally:
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise Stopped
