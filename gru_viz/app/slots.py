"""A cap on trainings at once in one server process, with a first-come, first-served line."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class TrainingSlots:
    """At most `limit` trainings at once in this process; later ones wait in line (first come,
    first served) until a slot is free, or give up when asked to."""

    def __init__(self, limit: int, poll: float = 0.2) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(
                f"the training limit must be a whole number of at least 1; got {limit!r}"
            )
        self.limit = limit
        self.poll = poll  # seconds between a waiting job's checks whether to give up
        self._running = 0
        self._line: deque[object] = deque()
        self._changed = threading.Condition()

    def acquire(self, ticket: object, give_up: Callable[[], bool]) -> bool:
        """Wait for a slot for `ticket`; True once it has one, False if give_up() said so first.

        give_up is called without the line's lock held, so it may take locks of its own.
        """
        with self._changed:
            if ticket not in self._line:  # (a reserved ticket is in line already)
                self._line.append(ticket)
        while True:
            with self._changed:
                if self._line[0] is ticket and self._running < self.limit:
                    self._line.popleft()
                    self._running += 1
                    self._changed.notify_all()
                    return True
            if give_up():
                with self._changed:
                    self._line.remove(ticket)
                    self._changed.notify_all()
                return False
            with self._changed:
                self._changed.wait(self.poll)

    def reserve(self, ticket: object) -> bool:
        """Put `ticket` in line only if it would start at once (a slot free and nobody
        waiting), checked and done in one step, so that many asking together cannot all pass
        the check; True if it was put in line. Its acquire() then takes the slot."""
        with self._changed:
            if self._running + len(self._line) >= self.limit:
                return False
            self._line.append(ticket)
            return True

    def release(self) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def place_in_line(self, ticket: object) -> int | None:
        """1 for the next to start, None if `ticket` is not waiting."""
        with self._changed:
            for place, waiting in enumerate(self._line, start=1):
                if waiting is ticket:
                    return place
            return None

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._line)
