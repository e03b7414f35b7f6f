# ruff: noqa
# fmt: off
import flytekit
from flytekit import task as flyte_task
from flytekit.core.task import task

from domino_flows import domino_task


@flyte_task(retries=2)  # expect: DF001
def one(x: int) -> int:
    return x


@flytekit.task  # expect: DF001
def two(x: int) -> int:
    return x


@task(retries=1)  # expect: DF001
def three(x: int) -> int:
    return x


def plain(x: int) -> int:
    return x


four = task(plain)  # expect: DF001


@domino_task(environment="Python 3.11", hardware_tier="Small")
def five(x: int) -> int:
    return x
