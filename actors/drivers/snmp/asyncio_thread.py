"""An asyncio loop in its own daemon thread, awaited from Trio.

pysnmp 7 is asyncio only, and its engine is not thread safe and stays bound
to the loop it was made on: so every call runs on this one loop. Trio awaits
each call through a done-callback that wakes it with the Trio token, so no
Trio worker thread blocks, and a cancelled Trio wait cancels the asyncio task.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
import trio

log = structlog.get_logger()
T = TypeVar("T")


class AsyncioThread:
    """An asyncio loop in a daemon thread; Trio tasks run coroutines on it."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make()`` on the loop and wait for it here; cancelling cancels it there."""
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()

        def wake(_: object) -> None:
            try:
                token.run_sync_soon(done.set)
            except trio.RunFinishedError:
                pass  # the Trio side is gone: nobody waits any more

        async def call() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        future.add_done_callback(wake)
        try:
            await done.wait()
        except BaseException:
            future.cancel()
            raise
        return future.result()

    async def stop(self, cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
        if cleanup is not None and self._loop.is_running():
            try:
                await self.run(cleanup)
            except Exception as exc:  # noqa: BLE001 - closing must not fail the driver's exit
                log.debug("driver.snmp_cleanup_failed", error=str(exc))
        self._loop.call_soon_threadsafe(self._loop.stop)
        await trio.to_thread.run_sync(self._thread.join, 2.0)
        if not self._thread.is_alive():
            self._loop.close()
