# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, run_domino_job_task

train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(
        Command="python train.py", EnvironmentName="GPU env", HardwareTierName="Large"
    ),
    use_latest=False,
)
evaluate = run_domino_job_task(
    flyte_task_name="evaluate",
    command="python evaluate.py",
    environment_name="Python 3.11",
    hardware_tier_name="Small",
    use_project_defaults_for_omitted=False,
)
