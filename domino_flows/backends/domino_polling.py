"""Waiting for a Domino job: polling that backs off, with jitter, up to a cap.

A job takes seconds to start on Domino and can run for hours; polling every second wastes the
deployment's API budget, and a fixed interval makes many runs poll in lockstep. The poller keeps
each job's schedule between calls, so a caller that waits in short slices (the runner waits half a
second at a time to stay responsive to Ctrl-C) still polls Domino on the backed-off schedule and
gets the last known status in between.

``DOMINO_FLOWS_POLL_SECONDS`` sets the first wait (default 1 s); the waits grow from it as usual,
up to 20 times it. It is for deployments that answer at once, such as the fake Domino of
``domino_flows.testing``, whose jobs end in a second or two: a real deployment's jobs take longer
to start than the default waits.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from domino_flows.backends.base import JobStatus
from domino_flows.core.errors import ConfigurationError

POLL_VARIABLE = "DOMINO_FLOWS_POLL_SECONDS"


@dataclass
class PollPolicy:
    initial: float = 1.0
    factor: float = 1.5
    max_interval: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    clock: Callable[[], float] = time.monotonic

    def interval(self, poll: int) -> float:
        """Wait after poll ``poll`` (1, 2, ...): exponential, capped, jittered in [75%, 100%]."""
        ceiling = min(self.max_interval, self.initial * self.factor ** (poll - 1))
        return ceiling * (0.75 + 0.25 * self.random())

    def with_environment(self, environ: Mapping[str, str] | None = None) -> PollPolicy:
        """This policy, its waits scaled so the first is ``DOMINO_FLOWS_POLL_SECONDS`` if set."""
        text = (os.environ if environ is None else environ).get(POLL_VARIABLE, "").strip()
        if not text:
            return self
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or seconds <= 0:
            raise ConfigurationError(
                f"{POLL_VARIABLE}={text!r}: give the first wait between two polls of a Domino "
                f"job as a positive number of seconds (e.g. {POLL_VARIABLE}=0.1), or unset it "
                "for the default of 1 second."
            )
        scale = seconds / self.initial
        return replace(self, initial=seconds, max_interval=self.max_interval * scale)


@dataclass
class _Schedule:
    polls: int = 0
    next_poll: float = 0.0
    last: JobStatus | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class JobPoller:
    """Per-job polling schedules for one backend instance."""

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy
        self._schedules: dict[str, _Schedule] = {}
        self._lock = threading.Lock()

    def _schedule(self, key: str) -> _Schedule:
        with self._lock:
            return self._schedules.setdefault(key, _Schedule())

    def wait(
        self, key: str, get_status: Callable[[], JobStatus], timeout: float | None = None
    ) -> JobStatus:
        """Poll ``get_status`` on the job's schedule until it is terminal or ``timeout`` seconds
        pass; then the last status seen (polling at least once per call if none was seen)."""
        policy = self.policy
        schedule = self._schedule(key)
        deadline = None if timeout is None else policy.clock() + timeout
        with schedule.lock:
            while True:
                now = policy.clock()
                if schedule.last is None or now >= schedule.next_poll:
                    schedule.last = get_status()
                    schedule.polls += 1
                    schedule.next_poll = now + policy.interval(schedule.polls)
                    if schedule.last.is_terminal:
                        return schedule.last
                if deadline is not None and now >= deadline:
                    return schedule.last
                until = (
                    schedule.next_poll if deadline is None else min(schedule.next_poll, deadline)
                )
                policy.sleep(max(0.0, until - now))
