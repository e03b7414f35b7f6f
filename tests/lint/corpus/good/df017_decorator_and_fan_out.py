# ruff: noqa
# fmt: off
import functools

import domino_flows as df


@df.domino_task(environment="Python 3.11", hardware_tier="Small", cache=True, cache_version="1")
def double(x: int) -> int:
    return 2 * x


doubled = df.fan_out(functools.partial(double), concurrency=2, min_success_ratio=1.0)
options = {"title": "nightly"}
step = df.run_domino_job_task("step", "python step.py", **options)
