"""A three-task flow whose records the tracking tests read: numbers, a logged param and metric,
a MODEL artifact registered as a model version, a DATA artifact snapshotted into dataset
``features``, and inputs of each kind MLflow keeps (params, datasets)."""

import json
from pathlib import Path
from typing import NamedTuple

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import DATA, MODEL, Artifact, domino_task, job

Model = Artifact("Churn model", MODEL, register="churn")
Features = Artifact("Features", DATA, register="features")


class Prepared(NamedTuple):
    n: int
    features: Features.File(name="features.csv")


@domino_task
def prep(rows: int, label: str) -> Prepared:
    job.log_metric("rows_seen", rows)
    path = Path("features.csv")
    path.write_text(f"{label},{rows}\n")
    return Prepared(rows * 2, path)


@domino_task
def train(rows: int, rate: float) -> Model.File(name="model.json"):
    job.log_param("solver", "lbfgs")
    path = Path("model.json")
    path.write_text(json.dumps({"rows": rows, "rate": rate}))
    return path


@domino_task
def evaluate(model: FlyteFile) -> float:
    job.log_metric("loss", 0.5, step=1)
    return 0.75


@workflow
def wf(rows: int = 5, label: str = "churn", rate: float = 0.1) -> float:
    n = prep(rows=rows, label=label).n
    m = train(rows=n, rate=rate)
    return evaluate(model=m)
