"""Caching, retries and timeouts on Domino job tasks.

Shows: ``cache=True`` with a ``cache_version`` (bump it when the task's code or data changes; a
hit needs the same task, version, job settings and input values), ``retries`` for transient
failures, and a ``timeout`` per task. Run it twice: the second run reuses ``make_numbers``.

    domino-flows run examples/caching_retries.py cached_sum --input count=100
    domino-flows run examples/caching_retries.py cached_sum --input flaky_token=demo-1
    python examples/caching_retries.py

``flaky_token`` simulates a transient failure: the first attempt that sees a new token fails and
the retry succeeds. The marker it leaves is a local temporary file, so on Domino (a fresh
container per attempt) a token would fail every attempt: leave it empty there.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import domino_task


@domino_task(
    environment="Python 3.11",
    hardware_tier="Small",
    cache=True,
    cache_version="1",
    timeout=timedelta(minutes=10),
)
def make_numbers(count: int) -> FlyteFile:
    """The expensive step: cached, so a second run with the same count skips its job."""
    path = Path(tempfile.mkdtemp()) / "numbers.txt"
    path.write_text("".join(f"{n}\n" for n in range(1, count + 1)))
    return FlyteFile(str(path))


@domino_task(
    environment="Python 3.11",
    hardware_tier="Small",
    retries=2,
    timeout=timedelta(minutes=5),
)
def total(numbers: FlyteFile, flaky_token: str) -> int:
    if flaky_token:
        marker = Path(tempfile.gettempdir()) / f"domino-flows-flaky-{flaky_token}"
        if not marker.exists():
            marker.touch()
            raise ConnectionError(f"transient failure for token {flaky_token!r}; retrying helps")
    return sum(int(line) for line in Path(numbers.download()).read_text().split())


@workflow
def cached_sum(count: int = 100, flaky_token: str = "") -> int:
    numbers = make_numbers(count=count)
    return total(numbers=numbers, flaky_token=flaky_token)


if __name__ == "__main__":
    print(cached_sum())
