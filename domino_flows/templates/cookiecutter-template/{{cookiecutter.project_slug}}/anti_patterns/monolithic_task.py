"""Anti-pattern: one task that does everything.

Why it hurts: the whole job runs on the environment and hardware tier the most demanding step
needs, so data preparation holds a GPU tier for nothing. Nothing is cached per step: a failure in
the evaluation reruns the preparation and the training. And files the task writes stay in the
job's working directory, which is gone when the job ends: no step hands them on, and Domino
records no model, no report and no lineage between the steps.

Fix: one task per step, each on the tier it needs, handing data on as declared file outputs
(``FlyteFile``). Cache the expensive steps. Mark the model and the report as artifacts.

domino-flows lint: DF009 (undeclared-file-output): the task writes files it never returns.
"""

import json
import random
import tempfile
from pathlib import Path

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"
TRAINING_ENVIRONMENT = "{{ cookiecutter.training_environment }}"
TRAINING_TIER = "{{ cookiecutter.training_hardware_tier }}"

# --- bad: preparation, training and evaluation in one job on the largest tier -----------------


@domino_task(environment=TRAINING_ENVIRONMENT, hardware_tier=TRAINING_TIER)
def bad_do_everything(rows: int, seed: int):
    rng = random.Random(seed)
    values = [rng.gauss(10, 2) for _ in range(rows)]
    model = {"mean": sum(values) / len(values)}
    Path("model.json").write_text(json.dumps(model))
    error = sum(abs(v - model["mean"]) for v in values) / len(values)
    Path("report.md").write_text(f"mean absolute error: {error:.3f}\n")
    print(error)


@workflow
def bad_flow(rows: int = 100, seed: int = 1):
    bad_do_everything(rows=rows, seed=seed)


# --- good: one task per step, data handed on as files -----------------------------------------


@domino_task(
    environment=ENVIRONMENT,
    hardware_tier=TIER,
    cache=True,
    cache_version="1",
)
def good_prepare(rows: int, seed: int) -> FlyteFile:
    rng = random.Random(seed)
    path = Path(tempfile.mkdtemp()) / "values.json"
    path.write_text(json.dumps([rng.gauss(10, 2) for _ in range(rows)]))
    return FlyteFile(str(path))


@domino_task(environment=TRAINING_ENVIRONMENT, hardware_tier=TRAINING_TIER)
def good_train(data: FlyteFile) -> FlyteFile:
    values = json.loads(Path(data.download()).read_text())
    path = Path(tempfile.mkdtemp()) / "model.json"
    path.write_text(json.dumps({"mean": sum(values) / len(values)}))
    return FlyteFile(str(path))


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_evaluate(data: FlyteFile, model: FlyteFile) -> float:
    values = json.loads(Path(data.download()).read_text())
    mean = json.loads(Path(model.download()).read_text())["mean"]
    return sum(abs(v - mean) for v in values) / len(values)


@workflow
def good_flow(rows: int = 100, seed: int = 1) -> float:
    data = good_prepare(rows=rows, seed=seed)
    model = good_train(data=data)
    return good_evaluate(data=data, model=model)
