# ruff: noqa
# fmt: off
from concurrent.futures import ThreadPoolExecutor

from mylib import map_task

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def run_all(xs: list[int]) -> list[int]:
    with ThreadPoolExecutor() as pool:
        return list(pool.map(abs, xs))


mapped = map_task(abs)
