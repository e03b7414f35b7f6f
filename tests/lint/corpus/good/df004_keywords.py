# ruff: noqa
# fmt: off
import os

from flytekit import LaunchPlan, workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask, Input, Output, domino_task, run_domino_job_task

train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python train.py"),
    inputs={"data": FlyteFile},
    outputs={"model": FlyteFile},
)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def prepare(rows: int, seed: int) -> FlyteFile:
    return FlyteFile(os.path.join("out", "data.csv"))


@workflow
def sub(data: FlyteFile) -> FlyteFile:
    return train(data=data)


lp = LaunchPlan.get_or_create(workflow=sub, name="sub_lp")


@workflow
def wf(rows: int = 10) -> FlyteFile:
    data = prepare(rows=rows, seed=1)
    model = sub(data=data)
    run_domino_job_task(
        flyte_task_name="eval",
        command="python eval.py",
        inputs=[Input(name="model", type=FlyteFile, value=model)],
        output_specs=[Output(name="report", type=FlyteFile)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    return lp(data=model)


if __name__ == "__main__":
    print(prepare(10, 1))
