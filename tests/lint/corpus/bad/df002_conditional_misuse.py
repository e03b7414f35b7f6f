# ruff: noqa
# fmt: off
from flytekit import conditional, workflow

import domino_flows as df


@df.domino_task(environment="Python 3.11", hardware_tier="Small")
def double(n: int) -> int:
    return n * 2


@workflow
def wf(x: int = 1) -> int:
    a = double(n=x)
    return (
        conditional("big")
        .if_((a > 10) and (x > 1))  # expect: DF002
        .then(double(n=a))
        .elif_(a is None)  # expect: DF002
        .then(double(n=x))
        .else_()
        .then(double(n=1))
    )
