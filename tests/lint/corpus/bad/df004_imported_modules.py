# ruff: noqa
# fmt: off
from flytekit import workflow

from myflows import tasks

from .steps import clean


@workflow
def wf(path: str = "data.csv") -> int:
    cleaned = clean(path)  # expect: DF004
    return tasks.count_rows(cleaned)  # expect: DF004
