# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, Input, run_domino_job_task

report = run_domino_job_task(
    flyte_task_name="report",
    command="python report.py",
    enviroment_name="Python 3.11",  # expect: DF017
    inputs=[Input(name="n", type=int, value=1, default=2)],  # expect: DF017
)
config = DominoJobConfig(Command="python x.py", HardwareTier="Small")  # expect: DF017
