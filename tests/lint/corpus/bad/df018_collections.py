# ruff: noqa
# fmt: off
from typing import Dict, List

from domino_flows import DominoJobConfig, DominoJobTask, Output, run_domino_job_task

scores = run_domino_job_task(
    "score",
    "python score.py",
    output_specs=[
        Output(name="scores", type=dict[str, float]),  # expect: DF018
        Output("names", List[str]),  # expect: DF018
    ],
)
task = DominoJobTask(
    name="t",
    domino_job_config=DominoJobConfig(Command="python t.py"),
    outputs={"table": Dict[str, int]},  # expect: DF018
)
