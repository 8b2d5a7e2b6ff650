"""The control stream's outbox: what waits to go up to the combiner, in order and by kind (as
FedgeRPC/Outbox.swift keeps it)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator

from ._proto.fedge.v1 import combiner_pb2

__all__ = ["Outbox"]


class Outbox:
    """The messages waiting to go up the control stream, in the order the Swift client's outbox keeps them.

    * :meth:`send`: a message that carries state (a task's status, its metrics) is never dropped; it waits in
      order. Once the outbox is finished, ``send`` returns ``False`` and the caller says the report is lost.
    * :meth:`coalesce`: a message that only tells how things are now (a heartbeat) replaces the one of the same
      key still waiting.
    * :meth:`offer`: a best-effort message (a log line) is dropped when `best_effort_capacity` of them wait; the
      stream then carries a line saying how many were dropped.

    Iterating yields state messages first, then coalesced ones, then best-effort ones, blocking while none waits;
    it ends once the outbox is finished and drained.
    """

    def __init__(self, best_effort_capacity: int = 10_000) -> None:
        self._condition = threading.Condition()
        self._state: deque[combiner_pb2.ClientEvent] = deque()
        self._coalesced: dict[str, combiner_pb2.ClientEvent] = {}
        self._best_effort: deque[combiner_pb2.ClientEvent] = deque()
        self._capacity = best_effort_capacity
        self._dropped = 0
        self._finished = False

    @property
    def finished(self) -> bool:
        with self._condition:
            return self._finished

    def send(self, message: combiner_pb2.ClientEvent) -> bool:
        with self._condition:
            if self._finished:
                return False
            self._state.append(message)
            self._condition.notify()
            return True

    def coalesce(self, message: combiner_pb2.ClientEvent, key: str) -> bool:
        with self._condition:
            if self._finished:
                return False
            self._coalesced.pop(key, None)
            self._coalesced[key] = message
            self._condition.notify()
            return True

    def offer(self, message: combiner_pb2.ClientEvent) -> bool:
        with self._condition:
            if self._finished:
                return False
            if len(self._best_effort) >= self._capacity:
                self._dropped += 1
                return False
            self._best_effort.append(message)
            self._condition.notify()
            return True

    def finish(self) -> None:
        """No more messages are taken; those waiting are still yielded."""
        with self._condition:
            self._finished = True
            self._condition.notify_all()

    def take_dropped(self) -> int:
        with self._condition:
            dropped, self._dropped = self._dropped, 0
            return dropped

    def _next(self) -> combiner_pb2.ClientEvent | None:
        if self._state:
            return self._state.popleft()
        if self._coalesced:
            key = next(iter(self._coalesced))
            return self._coalesced.pop(key)
        if self._best_effort:
            return self._best_effort.popleft()
        return None

    def __iter__(self) -> Iterator[combiner_pb2.ClientEvent]:
        while True:
            with self._condition:
                message = self._next()
                while message is None and not self._finished:
                    self._condition.wait()
                    message = self._next()
                if message is None:
                    return
            yield message
            dropped = self.take_dropped()
            if dropped:
                yield combiner_pb2.ClientEvent(
                    log=combiner_pb2.LogRecord(
                        stream="client",
                        line=f"{dropped} log line(s) dropped: the client produced them faster than the combiner "
                        "took them",
                        unix_millis=_now_millis(),
                    )
                )


def _now_millis() -> int:
    return int(time.time() * 1000)
