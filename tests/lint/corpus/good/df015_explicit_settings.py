# ruff: noqa
# fmt: off
from domino_flows import run_domino_job_task

evaluate = run_domino_job_task(
    flyte_task_name="evaluate",
    command="python evaluate.py",
    environment_name="Python 3.11",
    hardware_tier_name="Small",
)
