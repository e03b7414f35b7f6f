# ruff: noqa
# fmt: off
import random
from datetime import datetime, timedelta

from flytekit import workflow

from domino_flows import domino_task

random_state = 42


@domino_task(environment="Python 3.11", hardware_tier="Small")
def sample(seed: int) -> int:
    rng = random.Random(seed)
    stamp = datetime.now()
    return rng.randint(0, 10) + stamp.second


@workflow
def wf(seed: int = 7) -> int:
    window = timedelta(hours=1)
    start = datetime(2024, 1, 1)
    return sample(seed=seed)
