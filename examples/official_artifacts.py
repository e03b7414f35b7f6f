"""Flow Artifacts written the way Domino's public example flows write them.

Shows: ``Artifact(name, type)`` groups and ``.File(name=..., type=...)`` outputs (serialized with
the ``artifact_type`` / ``artifact_name`` partitions Domino Flows shows as Flow Artifacts),
``DominoJobTask`` with a ``DominoJobConfig`` whose omitted settings come from the project's
defaults (``resolve_job_properties()``), a flytekit ``Cache`` object, and a ``GitRef`` of type
``custom`` (any ref by its full name).

    domino-flows run examples/official_artifacts.py artifacts_flow --input rows=20
    domino-flows show <run id>        # lists the three artifacts
"""

from typing import NamedTuple

from flytekit import Cache, workflow

from domino_flows import (
    DATA,
    MODEL,
    REPORT,
    Artifact,
    DominoJobConfig,
    DominoJobTask,
    GitRef,
)

DataArtifact = Artifact("Prepared data", DATA)
ModelArtifact = Artifact("Trend model", MODEL)
ReportArtifact = Artifact("Trend report", REPORT)
ReportFile = ReportArtifact.File(name="report.pdf", type="pdf")

prepare = DominoJobTask(
    name="Prepare data",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=/mnt/code python examples/scripts/parity_prepare.py",
        MainRepoGitRef=GitRef(Type="custom", Value="refs/heads/main"),
    ).resolve_job_properties(),
    inputs={"rows": int},
    outputs={"data": DataArtifact.File(name="data.csv", type="csv")},
    cache=Cache(version="1"),
)

train = DominoJobTask(
    name="Train model",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=/mnt/code python examples/scripts/parity_train.py",
        EnvironmentName="Python 3.11",
        HardwareTierName="Small",
    ),
    inputs={"data": DataArtifact.File(name="data.csv", type="csv")},
    outputs={
        "model": ModelArtifact.File(name="model.json", type="json"),
        "report": ReportFile,
        "slope": float,
    },
    use_project_defaults_for_omitted=True,
)


class Results(NamedTuple):
    report: ReportFile  # type: ignore[valid-type]
    slope: float


@workflow
def artifacts_flow(rows: int = 50) -> Results:
    prepared = prepare(rows=rows)
    trained = train(data=prepared)
    return Results(report=trained.report, slope=trained.slope)


if __name__ == "__main__":
    print(artifacts_flow())
