# ruff: noqa
# fmt: off
from flytekit import conditional, workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def double(n: int) -> int:
    return n * 2


@workflow
def wf(x: int = 1) -> int:
    a = double(n=x)
    return (
        conditional("big")
        .if_((a > 10) & (x > 1))
        .then(double(n=a))
        .elif_(a == 3)
        .then(double(n=x))
        .else_()
        .then(double(n=1))
    )
