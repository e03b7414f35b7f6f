# ruff: noqa
# fmt: off
from domino_flows import domino_task

LIMIT = 10
DEFAULTS = {"lr": 0.1}


@domino_task(environment="Python 3.11", hardware_tier="Small")
def collect(n: int) -> list[int]:
    seen = []
    for i in range(min(n, LIMIT)):
        seen.append(i)
    return seen


@domino_task(environment="Python 3.11", hardware_tier="Small")
def tune(lr: float) -> float:
    params = dict(DEFAULTS)
    params.update({"lr": lr})
    return params["lr"]
