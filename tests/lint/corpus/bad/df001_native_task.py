# ruff: noqa
# fmt: off
from flytekit import task, workflow


@task  # expect: DF001
def add(a: int, b: int) -> int:
    return a + b


@workflow
def wf(a: int = 1) -> int:
    return add(a=a, b=2)
