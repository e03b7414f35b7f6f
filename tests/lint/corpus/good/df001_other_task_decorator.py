# ruff: noqa
# fmt: off
from invoke import task
from flytekit import workflow

from domino_flows import domino_task


@task
def build(c):
    c.run("make")


@domino_task(environment="Python 3.11", hardware_tier="Small")
def add(a: int, b: int) -> int:
    return a + b


@workflow
def wf(a: int = 1) -> int:
    return add(a=a, b=2)
