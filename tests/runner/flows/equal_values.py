"""Two independent tasks that see equal values, and a chain, for lineage edges."""

from flytekit import workflow

from domino_flows import domino_task


@domino_task
def make(x: int) -> int:
    return 5


@domino_task
def other(y: int) -> int:
    return y


@domino_task
def double(n: int) -> int:
    return n * 2


@workflow
def independent(x: int = 1, y: int = 5) -> tuple[int, int]:
    return make(x=x), other(y=y)


@workflow
def chained(x: int = 1) -> int:
    return double(n=make(x=x))
