# ruff: noqa
# fmt: off
from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def check(n: int, *, strict: bool = False):
    if n < 0:
        return None
    if strict:
        return
    print(n)
