# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, run_domino_job_task

train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python train.py"),
    use_latest=True,  # expect: DF015
)
evaluate = run_domino_job_task(
    flyte_task_name="evaluate",
    command="python evaluate.py",
    use_project_defaults_for_omitted=True,  # expect: DF015
)
