# ruff: noqa
# fmt: off
from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def square(x: int) -> int:
    return x * x


@domino_task(environment="Python 3.11", hardware_tier="Small")
def square_all(xs: list[int]) -> list[int]:
    return [x * x for x in xs]


@workflow
def wf() -> list[int]:
    return square_all(xs=[square(x=i) for i in range(3)])
