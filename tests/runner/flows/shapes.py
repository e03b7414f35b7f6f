"""Subworkflows, conditionals, partials, ordering, launch plans, native tasks, fan-out."""

import functools
from datetime import timedelta

from flytekit import LaunchPlan, conditional, task, workflow

from domino_flows import domino_task, fan_out


@domino_task(environment="Python 3.11", hardware_tier="Small")
def double(x: int) -> int:
    return 2 * x


@domino_task(environment="Python 3.11", hardware_tier="Small")
def negate(x: int) -> int:
    return -x


@domino_task
def add(x: int, y: int) -> int:
    return x + y


@domino_task
def describe(x: int, unit: str, wait: timedelta) -> str:
    return f"{x} {unit} after {wait}"


@task
def plain_increment(x: int) -> int:
    return x + 1


@workflow
def inner(x: int) -> int:
    return double(x=x)


@workflow
def shapes(x: int = 3, flag: bool = True) -> int:
    a = double(x=x)
    b = conditional("pick").if_((a > 5) & flag.is_true()).then(negate(x=a)).else_().then(inner(x=a))
    c = plain_increment(x=b)
    d = functools.partial(add, y=100)(x=c)
    e = double(x=4)
    a >> e
    return d


@workflow
def typed(x: int, unit: str = "m", wait: timedelta = timedelta(minutes=5)) -> str:
    return describe(x=x, unit=unit, wait=wait)


fixed_unit = LaunchPlan.get_or_create(
    typed, name="fixed_unit", default_inputs={"x": 7}, fixed_inputs={"unit": "km"}
)


@domino_task
def square(x: int, offset: int) -> int:
    if x < 0:
        raise ValueError("negative")
    return x * x + offset


@workflow
def squares(xs: list[int] = [1, 2, 3]) -> list[int]:  # noqa: B006 - flytekit default input
    return fan_out(functools.partial(square, offset=1), concurrency=2)(x=xs)


@workflow
def tolerant(xs: list[int] = [1, -1, 2, 3]) -> list[int | None]:  # noqa: B006
    return fan_out(functools.partial(square, offset=0), min_success_ratio=0.5)(x=xs)
