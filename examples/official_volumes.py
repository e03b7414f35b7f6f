"""Data volumes written the way Domino's public example flows write them.

Shows: ``ExternalDataVolume(Name=...)`` given to ``external_data_volumes=[...]``,
``NetAppVolumeSnapshot(Id=..., Version=...)`` given to ``netapp_volume_snapshots=[...]`` (fixed in
one task, chosen at launch as a workflow input in the other), and a ``DatasetSnapshot`` chosen by
name. Locally each maps to a folder of ``[tool.domino_flows.volumes]``,
``[tool.domino_flows.netapp_volumes]`` and ``[tool.domino_flows.datasets]``.

    domino-flows run examples/official_volumes.py volumes_flow \\
        --input snapshot='{"volumeId": "sdtm-unblind", "snapshotVersion": 2}'
"""

from flytekit import workflow

from domino_flows import (
    DatasetSnapshot,
    ExternalDataVolume,
    Input,
    NetAppVolumeSnapshot,
    Output,
    run_domino_job_task,
)


@workflow
def volumes_flow(snapshot: NetAppVolumeSnapshot) -> int:
    fixed = run_domino_job_task(
        flyte_task_name="Check blinded study",
        command="PYTHONPATH=/mnt/code python examples/scripts/parity_check_study.py",
        inputs=[Input(name="volume_id", type=str, value="sdtm-blind")],
        output_specs=[Output(name="subjects", type=int)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
        netapp_volume_snapshots=[NetAppVolumeSnapshot(Id="sdtm-blind", Version=1)],
    )
    counted = run_domino_job_task(
        flyte_task_name="Count rows",
        command="PYTHONPATH=/mnt/code python examples/scripts/parity_count_rows.py",
        inputs=[Input(name="subjects", type=int, value=fixed["subjects"])],
        output_specs=[Output(name="rows", type=int)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
        external_data_volumes=[ExternalDataVolume(Name="reference")],
        netapp_volume_snapshots=[snapshot],
        dataset_snapshots=[DatasetSnapshot(Name="sales", Version=1)],
    )
    return counted["rows"]


if __name__ == "__main__":
    print(volumes_flow(snapshot=NetAppVolumeSnapshot(Id="sdtm-unblind", Version=2)))
