# ruff: noqa
# fmt: off
from flytekit import workflow

from domino_flows import domino_task

DEBUG = False
REGIONS = ["eu", "us"]


@domino_task(environment="Python 3.11", hardware_tier="Small")
def step(n: int, region: str) -> int:
    if n > 3 and region == "eu":
        return n
    return n + 1


@workflow
def wf(n: int = 1) -> int:
    a = step(n=n, region="eu")
    for region in REGIONS:
        a = step(n=a, region=region)
    if DEBUG:
        a = step(n=a, region="debug")
    copies = 3
    if copies > 2:
        a = step(n=a, region="extra")
    b = step(n=a, region="eu")
    b = 5
    if b > 2:
        pass
    for value in [a, b]:
        a = step(n=value, region="loop")
    doubled = [step(n=v, region="x") for v in (a, b)]
    return a
