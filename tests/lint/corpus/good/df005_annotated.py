# ruff: noqa
# fmt: off
from flytekit import workflow

from domino_flows import domino_task


def helper(x, y):
    return x + y


@domino_task(environment="Python 3.11", hardware_tier="Small")
def log(message: str):
    print(message)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def add(a: int, b: int) -> int:
    def inner(p, q):
        return p + q

    return inner(a, b)


@workflow
def wf(a: int = 1) -> None:
    log(message="start")
    add(a=a, b=2)
