# ruff: noqa
# fmt: off
from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def prepare(rows, seed: int) -> int:  # expect: DF005
    return rows + seed


@domino_task(environment="Python 3.11", hardware_tier="Small")
def total(a: int, b: int):  # expect: DF005
    return a + b


@workflow
def wf(n=3) -> int:  # expect: DF005
    return total(a=n, b=prepare(rows=n, seed=1))
