"""Independent tasks feeding one join, a failing branch, retries and a slow task."""

import os
import time
from pathlib import Path

from flytekit import workflow

from domino_flows import domino_task


def _mark(name: str) -> None:
    # one line per job start, so tests count how often each task really ran
    with open(os.environ["MARKS"], "a") as handle:
        handle.write(f"{name} {time.time()} {os.getpid()}\n")


@domino_task(hardware_tier="Small", cache=True, cache_version="1")
def part(index: int, pause: float) -> int:
    _mark(f"part{index}")
    time.sleep(pause)
    return index * 10


@domino_task(hardware_tier="Small")
def join(a: int, b: int, c: int) -> int:
    _mark("join")
    return a + b + c


@workflow
def fanin(pause: float = 0.5) -> int:
    a = part(index=1, pause=pause)
    b = part(index=2, pause=pause)
    c = part(index=3, pause=pause)
    return join(a=a, b=b, c=c)


@domino_task
def explode(x: int) -> int:
    _mark("explode")
    print("about to fail")
    if x > 0:
        raise ValueError(f"bad x: {x}")
    return x


@domino_task
def after(x: int) -> int:
    _mark("after")
    return x


@domino_task
def independent(x: int) -> int:
    _mark("independent")
    time.sleep(1.5)
    return x


@workflow
def failing(x: int = 1) -> int:
    bad = explode(x=x)
    after(x=bad)
    return independent(x=x)


@domino_task(retries=2)
def flaky(counter: str) -> int:
    path = Path(counter)
    seen = int(path.read_text()) if path.exists() else 0
    path.write_text(str(seen + 1))
    if seen == 0:
        raise RuntimeError("first attempt fails on purpose")
    return seen + 1


@workflow
def retrying(counter: str) -> int:
    return flaky(counter=counter)


@domino_task(timeout=__import__("datetime").timedelta(seconds=3))
def sleepy(seconds: float) -> float:
    _mark("sleepy")
    time.sleep(seconds)
    return seconds


@workflow
def too_slow(seconds: float = 60.0) -> float:
    return sleepy(seconds=seconds)


@domino_task
def first(x: int) -> int:
    _mark("first")
    return x + 1


@domino_task
def long_step(x: int, started: str) -> int:
    _mark("long_step")
    Path(started).write_text("started")
    time.sleep(float(os.environ.get("LONG_STEP_SECONDS", "30")))
    return x * 2


@domino_task
def last(x: int) -> int:
    _mark("last")
    return x + 100


@workflow
def chain(x: int = 1, started: str = "started.txt") -> int:
    a = first(x=x)
    b = long_step(x=a, started=started)
    return last(x=b)
