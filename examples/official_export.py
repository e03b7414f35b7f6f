"""Exporting Flow Artifacts at the end of a run, as Domino's public example flows do.

Shows: ``run_launch_export_artifacts_task`` with ``ExportArtifactToDatasetsSpec`` (a dataset),
``ExportArtifactToNetAppVolumesSpec`` (a NetApp volume, under a relative path) and
``ExportArtifactFilesToBundleSpec`` (chosen files to a governance bundle). Locally the targets are
the folders of ``[tool.domino_flows.datasets]``, ``[tool.domino_flows.netapp_volumes]`` and
``[tool.domino_flows.bundles]``.

    domino-flows run examples/official_export.py export_flow

The export task needs the workflow's task graph, so this flow runs with ``domino-flows run`` (or
on Domino), not with flytekit's in-process ``python flow.py``.
"""

from flytekit import workflow

from domino_flows import (
    DATA,
    REPORT,
    Artifact,
    ExportArtifactFilesToBundleSpec,
    ExportArtifactToDatasetsSpec,
    ExportArtifactToNetAppVolumesSpec,
    Input,
    Output,
    run_domino_job_task,
    run_launch_export_artifacts_task,
)

DataArtifact = Artifact("ADaM Datasets", DATA)
ReportArtifact = Artifact("TFL Reports", REPORT)
SummaryFile = ReportArtifact.File(name="summary.pdf", type="pdf")
AdslFile = DataArtifact.File(name="adsl.csv", type="csv")


@workflow
def export_flow(rows: int = 10) -> None:
    prepared = run_domino_job_task(
        flyte_task_name="Create ADSL dataset",
        command="PYTHONPATH=/mnt/code python examples/scripts/parity_prepare.py",
        inputs=[Input(name="rows", type=int, value=rows)],
        output_specs=[Output(name="data", type=AdslFile)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    run_domino_job_task(
        flyte_task_name="Create summary report",
        command="PYTHONPATH=/mnt/code python examples/scripts/parity_train.py",
        inputs=[Input(name="data", type=AdslFile, value=prepared["data"])],
        output_specs=[
            Output(name="model", type=DataArtifact.File(name="fit.json", type="json")),
            Output(name="report", type=SummaryFile),
            Output(name="slope", type=float),
        ],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    run_launch_export_artifacts_task(
        spec_list=[
            ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id="adam-exports"),
            ExportArtifactToNetAppVolumesSpec(
                artifact=DataArtifact,
                netapp_volume_id="study-share",
                target_relative_path="ADaM_Datasets",
            ),
            ExportArtifactFilesToBundleSpec(files=[SummaryFile], bundles=["QC bundle"]),
        ],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
        use_project_defaults_for_omitted=True,
    )
