# ruff: noqa
# fmt: off
from os import environ, getenv

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def fetch(n: int) -> int:
    while environ["RETRY"] == "1":  # expect: DF011
        break
    region: str = getenv("REGION", "us")
    match region:  # expect: DF011
        case "eu":
            return n
    return n + 1
