"""Fan-out: one Domino job per item of a list, run in parallel, results gathered into a list.

Shows: ``fan_out`` over a list input with a bound input (``functools.partial``), at most
``concurrency`` jobs at once, and ``min_success_ratio``: the fan-out succeeds while enough items
succeed, and failed items come back as ``None``.

Domino Flows does not run fan-outs (nor flytekit map tasks) today: this flow runs with
``domino-flows run`` only. For Domino Flows, loop over the items inside one task, or unroll a
fixed number of task calls in the workflow.

    domino-flows run examples/fan_out.py sensor_average
    domino-flows run examples/fan_out.py sensor_average --input readings='["1.5","2.5"]'
"""

import functools

from flytekit import workflow

from domino_flows import domino_task, fan_out


@domino_task(environment="Python 3.11", hardware_tier="Small")
def parse_reading(reading: str, scale: float) -> float:
    """One job per reading; a malformed reading fails its job (ValueError)."""
    return float(reading) * scale


@domino_task(environment="Python 3.11", hardware_tier="Small")
def average(values: list[float | None]) -> float:
    """Mean of the readings that parsed; ``None`` marks an item whose job failed."""
    parsed = [v for v in values if v is not None]
    return sum(parsed) / len(parsed)


@workflow
def sensor_average(
    readings: list[str] = ["1.5", "2.5", "oops", "4.0"],  # noqa: B006 - a workflow default
) -> float:
    values = fan_out(
        functools.partial(parse_reading, scale=1.0), concurrency=2, min_success_ratio=0.75
    )(reading=readings)
    return average(values=values)
