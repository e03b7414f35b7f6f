"""The training flow. Each step runs as its own Domino Job, with its own environment and tier.

Run it on this machine (the local backend), with other inputs, or on Domino Flows:

    domino-flows run {{ cookiecutter.package_name }}/flow.py training_flow
    domino-flows run {{ cookiecutter.package_name }}/flow.py training_flow -i rows=2000
    domino-flows submit {{ cookiecutter.package_name }}/flow.py training_flow

Data preparation and evaluation run on a small tier; training runs on another environment and a
larger tier. The report is written by a stage script (a `DominoJobTask` running your own
command), the way many Domino projects already work. The model and the report are artifacts:
Domino keeps them with the run, with their lineage.
"""

import json
import tempfile
from pathlib import Path
from typing import NamedTuple

from domino_flows import MODEL, REPORT, Artifact, DominoJobConfig, DominoJobTask, domino_task
from flytekit import workflow
from flytekit.types.file import FlyteFile

from {{ cookiecutter.package_name }} import churn

# Domino environment and hardware tier names; pyproject.toml says what they mean on this machine.
DEFAULT_ENVIRONMENT = "{{ cookiecutter.default_environment }}"
DEFAULT_TIER = "{{ cookiecutter.default_hardware_tier }}"
TRAINING_ENVIRONMENT = "{{ cookiecutter.training_environment }}"
TRAINING_TIER = "{{ cookiecutter.training_hardware_tier }}"

# Artifacts: Domino keeps these outputs with the run, as a model and as a report.
ModelFile = Artifact("Churn model", MODEL).File(name="model.json")
ReportFile = Artifact("Churn report", REPORT).File(name="report.md")


class PreparedData(NamedTuple):
    train: FlyteFile
    test: FlyteFile


class Evaluation(NamedTuple):
    accuracy: float
    metrics: FlyteFile


class TrainingResult(NamedTuple):
    accuracy: float
    model: FlyteFile
    report: FlyteFile


def _scratch() -> Path:
    # A fresh folder per call: jobs running at the same time share the project directory.
    return Path(tempfile.mkdtemp())


@domino_task(
    environment=DEFAULT_ENVIRONMENT,
    hardware_tier=DEFAULT_TIER,
    cache=True,
    cache_version="1",  # bump when the data preparation changes
)
def prepare_data(rows: int, seed: int, test_fraction: float) -> PreparedData:
    """Make the customer table and split it. Data travels between jobs as files."""
    customers = churn.make_customers(rows=rows, seed=seed)
    train, test = churn.split(customers, test_fraction=test_fraction)
    folder = _scratch()
    return PreparedData(
        train=FlyteFile(str(churn.write_csv(train, folder / "train.csv"))),
        test=FlyteFile(str(churn.write_csv(test, folder / "test.csv"))),
    )


@domino_task(environment=TRAINING_ENVIRONMENT, hardware_tier=TRAINING_TIER, retries=1)
def train_model(train: FlyteFile, learning_rate: float, epochs: int) -> ModelFile:
    """Fit the classifier; the model file is the flow's model artifact."""
    rows = churn.read_csv(Path(train.download()))
    model = churn.fit_logistic_regression(rows, learning_rate=learning_rate, epochs=epochs)
    path = _scratch() / "model.json"
    path.write_text(json.dumps(model, indent=2))
    return FlyteFile(str(path))


@domino_task(environment=DEFAULT_ENVIRONMENT, hardware_tier=DEFAULT_TIER)
def evaluate(model: FlyteFile, test: FlyteFile) -> Evaluation:
    """Score the model on held-out rows: one number for the flow, the details as a file."""
    fitted = json.loads(Path(model.download()).read_text())
    metrics = churn.evaluate_model(fitted, churn.read_csv(Path(test.download())))
    path = _scratch() / "metrics.json"
    path.write_text(json.dumps(metrics, indent=2))
    return Evaluation(accuracy=metrics["accuracy"], metrics=FlyteFile(str(path)))


# A stage script: the job runs this command, and the script reads its inputs and writes its
# outputs through `domino_flows.job`. Jobs do not inherit a workspace's PYTHONPATH, so the
# command puts the project root ($PWD, where every job starts, on Domino and locally) on it for
# `import {{ cookiecutter.package_name }}` to work.
write_report = DominoJobTask(
    name="{{ cookiecutter.package_name }}.write_report",
    domino_job_config=DominoJobConfig(
        Command='PYTHONPATH="$PWD" python -m {{ cookiecutter.package_name }}.report',
        EnvironmentName=DEFAULT_ENVIRONMENT,
        HardwareTierName=DEFAULT_TIER,
    ),
    inputs={"metrics": FlyteFile, "model": FlyteFile},
    outputs={"report": ReportFile},
)


@workflow
def training_flow(
    rows: int = 600,
    seed: int = 7,
    test_fraction: float = 0.25,
    learning_rate: float = 0.5,
    epochs: int = 150,
) -> TrainingResult:
    """Prepare, train, evaluate, report. Returns the accuracy, the model and the report."""
    data = prepare_data(rows=rows, seed=seed, test_fraction=test_fraction)
    model = train_model(train=data.train, learning_rate=learning_rate, epochs=epochs)
    scored = evaluate(model=model, test=data.test)
    report = write_report(metrics=scored.metrics, model=model)
    return scored.accuracy, model, report


if __name__ == "__main__":
    print(training_flow())
