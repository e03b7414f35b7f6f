# ruff: noqa
# fmt: off
import os

from flytekit import workflow

from domino_flows import domino_task

HARDWARE = "Large" if os.getenv("CI") else "Small"


def settings() -> str:
    if os.environ.get("MODE") == "prod":
        return "prod"
    return "dev"


@domino_task(environment="Python 3.11", hardware_tier=HARDWARE)
def step(n: int) -> int:
    return n
