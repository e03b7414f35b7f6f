# ruff: noqa
# fmt: off
from typing import Annotated
from datetime import datetime

from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask, Output, PathConfig, run_domino_job_task

scores = run_domino_job_task(
    "score",
    "python score.py",
    output_specs=[
        Output(name="scores", type=FlyteFile),
        Output(name="at", type=datetime),
        Output(name="model", type=Annotated[FlyteDirectory, PathConfig(path="/mnt/data/m")]),
    ],
)
task = DominoJobTask(
    name="t",
    domino_job_config=DominoJobConfig(Command="python t.py"),
    outputs={"n": int, "table": FlyteFile},
)
