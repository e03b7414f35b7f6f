# ruff: noqa
# fmt: off
from flytekit import task


@task(cache=True)
def add(a: int, b: int) -> int:
    return a + b
