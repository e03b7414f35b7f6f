# ruff: noqa
# fmt: off
"""A realistic flow that follows every rule."""

import os
from typing import NamedTuple

import pandas as pd
from flytekit import conditional, workflow
from flytekit.types.file import FlyteFile

from domino_flows import (
    DominoJobConfig,
    DominoJobTask,
    Input,
    Output,
    domino_task,
    run_domino_job_task,
)


class Split(NamedTuple):
    train: FlyteFile
    test: FlyteFile
    rows: int


@domino_task(environment="Python 3.11", hardware_tier="Small", cache=True, cache_version="3")
def prepare(rows: int, seed: int) -> Split:
    df = pd.DataFrame({"x": range(rows)}).sample(frac=1.0, random_state=seed)
    cut = int(len(df) * 0.8)
    df[:cut].to_csv("train.csv")
    df[cut:].to_csv("test.csv")
    return Split(train=FlyteFile("train.csv"), test=FlyteFile("test.csv"), rows=len(df))


train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=/mnt/code python -m models.train",
        EnvironmentName="GPU env",
        HardwareTierName="Large",
    ),
    inputs={"data": FlyteFile, "epochs": int},
    outputs={"model": FlyteFile, "accuracy": float},
)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def publish(model: FlyteFile, accuracy: float) -> FlyteFile:
    path = model.download()
    with open("card.md", "w") as fh:
        fh.write(f"accuracy: {accuracy:.3f} ({os.path.basename(path)})")
    return FlyteFile("card.md")


@domino_task(environment="Python 3.11", hardware_tier="Small")
def reject(accuracy: float) -> FlyteFile:
    with open("reason.txt", "w") as fh:
        fh.write(f"accuracy {accuracy:.3f} below threshold")
    return FlyteFile("reason.txt")


@workflow
def wf(rows: int = 1000, seed: int = 1, epochs: int = 3, threshold: float = 0.8) -> FlyteFile:
    split = prepare(rows=rows, seed=seed)
    model, accuracy = train(data=split.train, epochs=epochs)
    run_domino_job_task(
        flyte_task_name="evaluate",
        command="python evaluate.py",
        inputs=[Input(name="model", type=FlyteFile, value=model)],
        output_specs=[Output(name="report", type=FlyteFile)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    return (
        conditional("good_enough")
        .if_(accuracy >= threshold)
        .then(publish(model=model, accuracy=accuracy))
        .else_()
        .then(reject(accuracy=accuracy))
    )
