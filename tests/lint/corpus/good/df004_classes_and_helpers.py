# ruff: noqa
# fmt: off
import os.path

from flytekit import workflow
from myflows.types import Params

from .tasks import fit


@workflow
def wf(name: str = "a") -> float:
    params = Params(0.1, 3)
    path = os.path.join("data", "x.csv")
    return fit(name=name, path=path)
