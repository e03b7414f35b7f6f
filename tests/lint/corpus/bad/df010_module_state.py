# ruff: noqa
# fmt: off
from domino_flows import domino_task

SEEN = []
COUNTS = {}
TOTAL = 0


@domino_task(environment="Python 3.11", hardware_tier="Small")
def record(x: int) -> int:
    SEEN.append(x)  # expect: DF010
    COUNTS[x] = 1  # expect: DF010
    return x


@domino_task(environment="Python 3.11", hardware_tier="Small")
def bump(x: int) -> int:
    global TOTAL  # expect: DF010
    TOTAL += x
    return TOTAL
