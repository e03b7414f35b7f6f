# ruff: noqa
# fmt: off
from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def score(n: int) -> float:
    return n / 2


@workflow
def wf(threshold: float = 0.5, retrain: bool = False) -> float:
    s = score(n=3)
    if s > threshold:  # expect: DF002
        s = score(n=4)
    while retrain:  # expect: DF002
        break
    for item in s:  # expect: DF002
        pass
    both = s and retrain  # expect: DF002
    negated = not retrain  # expect: DF002
    bigger = s >= 1.0  # expect: DF002
    as_bool = bool(s)  # expect: DF002
    picked = score(n=1) if retrain else score(n=2)  # expect: DF002
    return s
