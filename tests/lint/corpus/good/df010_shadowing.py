# ruff: noqa
# fmt: off
from domino_flows import domino_task

SEEN = []


def remember(x: int) -> None:
    SEEN.append(x)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def record(x: int, SEEN: list[int]) -> list[int]:
    SEEN.append(x)
    return SEEN
