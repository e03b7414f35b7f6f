"""A one-task flow whose DATA artifact becomes a snapshot of dataset ``features``."""

from pathlib import Path

from flytekit import workflow

from domino_flows import DATA, Artifact, domino_task

Features = Artifact("Features", DATA, register="features")


@domino_task
def featurize(rows: int) -> Features.File(name="features.csv"):
    path = Path("features.csv")
    path.write_text("".join(f"{i},{i * i}\n" for i in range(rows)))
    return path


@workflow
def wf(rows: int = 3) -> Features.File(name="features.csv"):
    return featurize(rows=rows)
