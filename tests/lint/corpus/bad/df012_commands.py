# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, run_domino_job_task

cfg = DominoJobConfig(Command="python -m pipeline.train --epochs 3")  # expect: DF012
evaluate = run_domino_job_task(
    flyte_task_name="eval",
    command="python src/eval.py --split test",  # expect: DF012
)
