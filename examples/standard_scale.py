"""Standard scaling (z-scores), from Flyte's tutorials, with a subworkflow and a launch plan.

Shows: a subworkflow (``statistics``) called from a workflow, a list input, a ``FlyteFile``
output written by a job (Domino outputs are primitives, files or directories, never lists), and a
launch plan that gives the workflow default inputs.

    domino-flows run examples/standard_scale.py standard_scale_lp
    domino-flows run examples/standard_scale.py standard_scale_workflow -i values='[1.0,2.0,6.0]'
    python examples/standard_scale.py
"""

import math
import tempfile
from pathlib import Path

from flytekit import LaunchPlan, workflow
from flytekit.types.file import FlyteFile

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def mean(values: list[float]) -> float:
    return sum(values) / len(values)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def standard_deviation(values: list[float], mu: float) -> float:
    """Population standard deviation."""
    return math.sqrt(sum((v - mu) ** 2 for v in values) / len(values))


@domino_task(environment="Python 3.11", hardware_tier="Small")
def standard_scale(values: list[float], mu: float, sigma: float) -> FlyteFile:
    """One scaled value a line. A list cannot be a Domino output, so it travels as a file."""
    if sigma == 0:
        raise ValueError("every value is the same: the standard deviation is 0")
    path = Path(tempfile.mkdtemp()) / "scaled.txt"
    path.write_text("".join(f"{(v - mu) / sigma!r}\n" for v in values))
    return FlyteFile(str(path))


@workflow
def statistics(values: list[float]) -> tuple[float, float]:
    """A subworkflow: mean, then standard deviation around it."""
    mu = mean(values=values)
    sigma = standard_deviation(values=values, mu=mu)
    return mu, sigma


@workflow
def standard_scale_workflow(values: list[float]) -> FlyteFile:
    mu, sigma = statistics(values=values)
    return standard_scale(values=values, mu=mu, sigma=sigma)


standard_scale_lp = LaunchPlan.get_or_create(
    standard_scale_workflow,
    name="standard_scale_lp",
    default_inputs={"values": [3.0, 4.0, 5.0]},
)


if __name__ == "__main__":
    print(Path(standard_scale_lp(values=[3.0, 4.0, 5.0]).download()).read_text())
