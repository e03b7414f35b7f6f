"""A training pipeline whose steps run on different environments and hardware tiers.

Shows: data preparation on a small tier, training on a GPU environment and a large tier,
evaluation on a medium tier; a FlyteFile passed between jobs; a model artifact and a report
artifact; caching of the data step. Standard library only, so it runs anywhere.

    domino-flows run examples/ml_pipeline.py training_pipeline --input rows=200
"""

import json
import random
import tempfile
from pathlib import Path
from typing import NamedTuple

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import MODEL, REPORT, Artifact, domino_task

ChurnModel = Artifact("Churn model", MODEL)
ChurnReport = Artifact("Churn report", REPORT)


@domino_task(
    environment="Python 3.11",
    hardware_tier="Small",
    cache=True,
    cache_version="1",
)
def prepare_data(rows: int, seed: int) -> FlyteFile:
    """Synthetic (x, y) pairs on a noisy line, written as CSV."""
    rng = random.Random(seed)
    # Write into a fresh folder, not the project: parallel jobs share the project root.
    path = Path(tempfile.mkdtemp()) / "prepared.csv"
    lines = ["x,y"]
    for _ in range(rows):
        x = rng.uniform(0, 10)
        lines.append(f"{x:.6f},{3.0 * x + 2.0 + rng.gauss(0, 0.5):.6f}")
    path.write_text("\n".join(lines) + "\n")
    return FlyteFile(str(path))


def _read_points(data: FlyteFile) -> list[tuple[float, float]]:
    rows = Path(data.download()).read_text().splitlines()[1:]
    return [(float(a), float(b)) for a, b in (row.split(",") for row in rows)]


@domino_task(environment="GPU Python 3.11", hardware_tier="Large", retries=1)
def train(data: FlyteFile, learning_rate: float) -> ChurnModel.File(name="model.json"):
    """Least squares fit by gradient descent, saved as JSON."""
    points = _read_points(data)
    slope, intercept = 0.0, 0.0
    for _ in range(2000):
        grad_slope = sum((slope * x + intercept - y) * x for x, y in points) / len(points)
        grad_intercept = sum(slope * x + intercept - y for x, y in points) / len(points)
        slope -= learning_rate * grad_slope
        intercept -= learning_rate * grad_intercept
    path = Path(tempfile.mkdtemp()) / "model.json"
    path.write_text(json.dumps({"slope": slope, "intercept": intercept}))
    return FlyteFile(str(path))


class Evaluation(NamedTuple):
    mean_absolute_error: float
    report: ChurnReport.File(name="report.md")


@domino_task(environment="Python 3.11", hardware_tier="Medium")
def evaluate(data: FlyteFile, model: FlyteFile) -> Evaluation:
    points = _read_points(data)
    params = json.loads(Path(model.download()).read_text())
    errors = [abs(params["slope"] * x + params["intercept"] - y) for x, y in points]
    mae = sum(errors) / len(errors)
    report = Path(tempfile.mkdtemp()) / "report.md"
    report.write_text(
        f"# Evaluation\n\nslope {params['slope']:.3f}, intercept {params['intercept']:.3f}, "
        f"mean absolute error {mae:.3f} over {len(points)} rows\n"
    )
    return Evaluation(mean_absolute_error=mae, report=FlyteFile(str(report)))


@workflow
def training_pipeline(rows: int = 200, seed: int = 7, learning_rate: float = 0.01) -> float:
    data = prepare_data(rows=rows, seed=seed)
    model = train(data=data, learning_rate=learning_rate)
    result = evaluate(data=data, model=model)
    return result.mean_absolute_error


if __name__ == "__main__":
    print(training_pipeline())
