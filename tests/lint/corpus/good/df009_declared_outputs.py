# ruff: noqa
# fmt: off
import pandas as pd
from flytekit.types.file import FlyteFile

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def export(rows: int) -> FlyteFile:
    df = pd.DataFrame({"x": range(rows)})
    df.to_csv("out.csv")
    return FlyteFile("out.csv")


@domino_task(environment="Python 3.11", hardware_tier="Small")
def read(path: str) -> int:
    with open(path) as fh:
        return len(fh.read())
