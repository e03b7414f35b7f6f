"""Waiting for a Domino job: polling that backs off, with jitter, up to a cap.

A job takes seconds to start on Domino and can run for hours; polling every second wastes the
deployment's API budget and a fixed interval makes many runs poll in lockstep.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from domino_flows.backends.base import JobStatus
from domino_flows.errors import DominoFlowsError


@dataclass
class PollPolicy:
    initial: float = 1.0
    factor: float = 1.5
    max_interval: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    clock: Callable[[], float] = time.monotonic

    def interval(self, poll: int) -> float:
        """Wait before poll ``poll`` (1, 2, ...): exponential, capped, jittered in [75%, 100%]."""
        ceiling = min(self.max_interval, self.initial * self.factor ** (poll - 1))
        return ceiling * (0.75 + 0.25 * self.random())


def wait_until_terminal(
    get_status: Callable[[], JobStatus], policy: PollPolicy, timeout: float | None = None
) -> JobStatus:
    deadline = None if timeout is None else policy.clock() + timeout
    poll = 0
    while True:
        status = get_status()
        if status.is_terminal:
            return status
        poll += 1
        wait = policy.interval(poll)
        if deadline is not None:
            left = deadline - policy.clock()
            if left <= 0:
                raise DominoFlowsError(
                    f"the Domino job did not finish within {timeout:g}s (last status "
                    f"{status.state.value}); it is still running: stop it or wait longer."
                )
            wait = min(wait, left)
        policy.sleep(wait)
