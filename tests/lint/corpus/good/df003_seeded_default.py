# ruff: noqa
# fmt: off
import time

from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def wait(seconds: int) -> int:
    time.sleep(seconds)
    return int(time.time())


@workflow
def wf(seconds: int = 1) -> int:
    return wait(seconds=seconds)
