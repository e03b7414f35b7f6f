"""A run's scheduling slots, held by jobs while their processes run.

A job takes the slots its backend says (locally its hardware tier's cores) when the engine starts
it, and gives them back as soon as its process has ended: recording its outputs, lineage and
tracking is the runner's work, not the job's, and uses none of the job's cores. Holding the slots
through that work left a core idle for each job in a run of short tasks. A retry takes its slots
again before its job starts, waiting for them if other jobs hold them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Slots:
    """``capacity`` slots; a job wider than the run still runs, alone."""

    def __init__(self, capacity: int, freed: Callable[[], None]) -> None:
        self.capacity = max(1, capacity)
        self.in_use = 0
        self._freed = freed  # wakes the engine, whose next start may fit now
        self._changed = threading.Condition()

    def width(self, wanted: int) -> int:
        return min(self.capacity, max(1, wanted))

    def fits(self, wanted: int) -> bool:
        with self._changed:
            return self._fits(self.width(wanted))

    def take(self, wanted: int) -> Lease | None:
        """The slots, if free now (the engine's start of a job), else None."""
        width = self.width(wanted)
        with self._changed:
            if not self._fits(width):
                return None
            self.in_use += width
        return Lease(self, width)

    def _fits(self, width: int) -> bool:
        return self.in_use == 0 or self.in_use + width <= self.capacity

    def _give_back(self, width: int) -> None:
        with self._changed:
            self.in_use -= width
            self._changed.notify_all()
        self._freed()

    def _take_again(self, width: int, stop: threading.Event) -> bool:
        with self._changed:
            while not self._fits(width):
                if stop.is_set():
                    return False
                self._changed.wait(0.2)  # a stop request is seen within this
            self.in_use += width
            return True


class Lease:
    """One job's slots: given back once (when its process ends, or when the engine records the
    node, whichever comes first) and taken again for a retry."""

    def __init__(self, slots: Slots, width: int) -> None:
        self._slots = slots
        self.width = width
        self._held = True
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        return self._held

    def give_back(self) -> None:
        with self._lock:
            if not self._held:
                return
            self._held = False
        self._slots._give_back(self.width)

    def take_again(self, stop: threading.Event) -> bool:
        """Hold the slots again, waiting for them; False if the run is stopped meanwhile."""
        with self._lock:
            if self._held:
                return True
            if not self._slots._take_again(self.width, stop):
                return False
            self._held = True
            return True
