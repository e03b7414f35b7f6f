# ruff: noqa
# fmt: off
from flytekit import dynamic, map_task, workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def square(x: int) -> int:
    return x * x


@dynamic  # expect: DF013
def fan_out(n: int) -> list[int]:
    return [square(x=i) for i in range(n)]


@workflow
def wf(xs: list[int]) -> list[int]:
    return map_task(square)(x=xs)  # expect: DF013
