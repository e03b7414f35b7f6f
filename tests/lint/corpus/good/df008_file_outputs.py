# ruff: noqa
# fmt: off
from typing import NamedTuple

import pandas as pd
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask, Output, domino_task


class Result(NamedTuple):
    table_name: str
    data_path: str
    rows: int


@domino_task(environment="Python 3.11", hardware_tier="Small")
def export(rows: int) -> FlyteFile:
    df = pd.DataFrame({"x": range(rows)})
    df.to_csv("out.csv")
    return FlyteFile("out.csv")


@domino_task(environment="Python 3.11", hardware_tier="Small")
def label(rows: int) -> str:
    return f"{rows} rows"


@domino_task(environment="Python 3.11", hardware_tier="Small")
def describe(rows: int) -> Result:
    return Result(table_name="sales", data_path="/mnt/data/sales.csv", rows=rows)


job = DominoJobTask(
    name="job",
    domino_job_config=DominoJobConfig(Command="python job.py"),
    outputs={"model_uri": str, "data": FlyteFile},
)
spec = Output(name="report", type=FlyteFile)
