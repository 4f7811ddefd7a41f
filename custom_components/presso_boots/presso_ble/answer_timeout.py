"""The response timeout: a command's answer that is late fails with ``TimeoutError``."""

from __future__ import annotations

import asyncio
from typing import Any


class AnswerTimeout:
    """Times out the answer awaited now, with one timer for command after command.

    Each command sets when its answer is due; the timer, when it fires before that (it
    was set for an earlier command), waits for the rest. A timer made and cancelled per
    command was much of what a quick command cost.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._future: asyncio.Future[Any] | None = None
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def watch(self, future: asyncio.Future[Any]) -> None:
        """Fail ``future`` with ``TimeoutError`` unless it is done in ``seconds`` from now."""
        loop = future.get_loop()
        self._future, self._due = future, loop.time() + self.seconds
        if self._timer is None:
            self._arm(loop)

    def forget(self) -> None:
        """No answer is awaited now (it came, or the command gave up)."""
        self._future = None

    def cancel(self) -> None:
        """The link closed: no answer is coming, stop the timer."""
        self._future = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer_at = self._due
        self._timer = loop.call_at(self._due, self._fire)

    def _fire(self) -> None:
        self._timer = None
        future = self._future
        if future is None or future.done():
            return  # nothing awaited: the next command sets the timer again
        if self._due > self._timer_at:  # set for an earlier command's answer
            self._arm(future.get_loop())
            return
        future.set_exception(TimeoutError())
