"""A cached task between two that run: its input comes from a job, its output is an artifact."""

import os
import time
from pathlib import Path

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import MODEL, Artifact, domino_task

Model = Artifact("Cached model", MODEL)


def _mark(name: str) -> None:
    with open(os.environ["MARKS"], "a") as handle:
        handle.write(f"{name} {time.time()} {os.getpid()}\n")


@domino_task
def prepare(n: int) -> FlyteFile:
    _mark("prepare")
    path = Path("rows.csv")
    path.write_text("".join(f"{i}\n" for i in range(n)))
    return FlyteFile(str(path))


@domino_task(cache=True, cache_version="1")
def train(data: FlyteFile) -> Model.File(name="model.txt"):
    _mark("train")
    rows = Path(data.download()).read_text().split()
    path = Path("model.txt")
    path.write_text(f"rows={len(rows)}\n")
    return FlyteFile(str(path))


@domino_task
def score(model: FlyteFile) -> str:
    _mark("score")
    return Path(model.download()).read_text().strip()


@workflow
def pipeline(n: int = 3) -> str:
    return score(model=train(data=prepare(n=n)))
