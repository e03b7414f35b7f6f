# ruff: noqa
# fmt: off
import flytekit

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def inc(x: int) -> int:
    return x + 1


@flytekit.eager  # expect: DF013
async def loop(x: int) -> int:
    return x


squares = flytekit.map_task(inc, concurrency=2)  # expect: DF013
