# ruff: noqa
# fmt: off
import random

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask, domino_task

TOKEN = "4f6d0a1e9b7c2d3e8f1a0b9c8d7e6f5a"  # expect: DF006


@task  # expect: DF001
def legacy(x: int) -> int:
    return x


@domino_task(environment="Python 3.11", hardware_tier="Small")
def prepare(rows: int) -> FlyteFile:
    return FlyteFile("data.csv")


train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python models/train.py"),  # expect: DF012
    inputs={"data": FlyteFile},
    outputs={"model": FlyteFile},
)


@workflow
def wf(rows: int = 100) -> FlyteFile:
    data = prepare(rows=random.randint(1, rows))  # expect: DF003
    if rows > 1000:  # expect: DF002
        data = prepare(rows=1000)
    return train(data)  # expect: DF004
