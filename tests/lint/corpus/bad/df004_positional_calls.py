# ruff: noqa
# fmt: off
from flytekit import LaunchPlan, workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask, domino_task

train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python train.py"),
    inputs={"data": FlyteFile, "epochs": int},
    outputs={"model": FlyteFile},
)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def prepare(rows: int, seed: int) -> FlyteFile:
    return FlyteFile("data.csv")


@workflow
def sub(data: FlyteFile) -> FlyteFile:
    return train(data=data, epochs=1)


lp = LaunchPlan.get_or_create(workflow=sub, name="sub_lp")


@workflow
def wf(rows: int = 10) -> FlyteFile:
    data = prepare(rows, 1)  # expect: DF004
    model = train(data, epochs=3)  # expect: DF004
    again = sub(model)  # expect: DF004
    return lp(again)  # expect: DF004
