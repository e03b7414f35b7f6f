# ruff: noqa
# fmt: off
from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def combine(*values, **options) -> int:  # expect: DF005, DF005
    return 1


@workflow
def wf(n: int = 3):  # expect: DF005
    return combine()
